//! The `outbox`: email to send, written in the same transaction as the lead
//! it is about, sent later by a worker, retried until the server takes it.
//! With several instances each row is claimed before it is sent (a lease):
//! one instance sends it, and a crashed instance's claim runs out.

use super::{Conn, Db, query};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxMessage {
    pub id: i64,
    pub kind: String,
    pub payload: String,
    pub attempts: i64,
    /// When it was queued (unix seconds): a resend says what the first
    /// try said, so the same email keeps its Message-ID and a robot card
    /// its text.
    pub created_at: i64,
}

pub async fn enqueue(
    conn: &mut Conn<'_>,
    kind: &str,
    payload: &serde_json::Value,
    now: i64,
) -> Result<(), sqlx::Error> {
    // A message about a lead goes with the lead's data (privacy deletion,
    // anonymisation): every lead payload names its `lead_id`.
    let lead_id = payload.get("lead_id").and_then(serde_json::Value::as_i64);
    query(
        "INSERT INTO outbox (kind, payload, next_attempt_at, created_at, lead_id) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(kind)
    .bind(payload.to_string())
    .bind(now)
    .bind(now)
    .bind(lead_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Claims up to `limit` messages that are due and not claimed by another
/// worker, until `now + lease_seconds`. A claim is a compare-and-set on
/// `claimed_until`, so of two instances racing for a row exactly one wins.
pub async fn claim_due(
    db: &Db,
    now: i64,
    limit: i64,
    lease_seconds: i64,
) -> Result<Vec<OutboxMessage>, sqlx::Error> {
    let candidates: Vec<OutboxMessage> = query(
        "SELECT id, kind, payload, attempts, created_at FROM outbox
         WHERE sent_at IS NULL AND next_attempt_at <= $1
           AND (claimed_until IS NULL OR claimed_until <= $1)
         ORDER BY id LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(db)
    .await?;
    let mut claimed = Vec::with_capacity(candidates.len());
    for message in candidates {
        let won = query(
            "UPDATE outbox SET claimed_until = $1
             WHERE id = $2 AND sent_at IS NULL AND (claimed_until IS NULL OR claimed_until <= $3)",
        )
        .bind(now + lease_seconds)
        .bind(message.id)
        .bind(now)
        .execute(db)
        .await?;
        if won == 1 {
            claimed.push(message);
        }
    }
    Ok(claimed)
}

pub async fn mark_sent(db: &Db, id: i64, now: i64) -> Result<(), sqlx::Error> {
    query(
        "UPDATE outbox SET sent_at = $1, attempts = attempts + 1, last_error = NULL,
             claimed_until = NULL
         WHERE id = $2",
    )
    .bind(now)
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn mark_failed(
    db: &Db,
    id: i64,
    next_attempt_at: i64,
    error: &str,
) -> Result<(), sqlx::Error> {
    query(
        "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $1, last_error = $2,
             claimed_until = NULL
         WHERE id = $3",
    )
    .bind(next_attempt_at)
    .bind(error)
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}
