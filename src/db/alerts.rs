//! Lead alerts for the group-chat robots, put in the outbox: one row per
//! configured robot. New leads are announced in the transaction that stores
//! them (`leads::submit_in`); overdue leads once each, marked on the lead
//! (`overdue_announced_at`) in the transaction that queues the alerts.

use super::{Conn, Db, Lock, query};
use crate::leads::alerts::{AlertChannel, AlertEvent, LeadAlert};
use crate::leads::status::LeadStatus;

/// Queues `alert` for each robot in `channels`.
pub async fn enqueue(
    conn: &mut Conn<'_>,
    channels: &[AlertChannel],
    alert: &LeadAlert,
    now: i64,
) -> Result<(), sqlx::Error> {
    let payload =
        serde_json::to_value(alert).map_err(|error| sqlx::Error::Encode(Box::new(error)))?;
    for channel in channels {
        super::outbox::enqueue(conn, channel.outbox_kind(), &payload, now).await?;
    }
    Ok(())
}

/// A lead that may have become overdue: still new, never called, not
/// announced yet.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OverdueCandidate {
    pub id: i64,
    pub interest: String,
    pub total: Option<i64>,
    pub phone: String,
    pub created_at: String,
}

/// Such leads created since `since` (UTC ISO text): older ones are left
/// alone, so switching robots on does not flood a group with old leads.
/// Whether each is overdue is the calendar's to say.
pub async fn overdue_candidates(
    db: &Db,
    since: &str,
) -> Result<Vec<OverdueCandidate>, sqlx::Error> {
    query(
        "SELECT id, interest, total, phone, created_at FROM leads
         WHERE status = $1 AND first_attempt_at IS NULL AND overdue_announced_at IS NULL
           AND anonymised_at IS NULL AND created_at >= $2
         ORDER BY id",
    )
    .bind(LeadStatus::New.code())
    .bind(since)
    .fetch_all(db)
    .await
}

/// Marks `lead` announced as overdue and queues its alerts, if nobody did
/// (another instance, or a call that came in meanwhile): a compare-and-set
/// under the lead's lock. True when this call announced it.
pub async fn announce_overdue(
    db: &Db,
    lead: &OverdueCandidate,
    channels: &[AlertChannel],
    now: i64,
) -> Result<bool, sqlx::Error> {
    let lead_key = lead.id.to_string();
    let mut transaction = db.begin_write(&[Lock::on("lead", &lead_key)]).await?;
    let mut conn = transaction.conn();
    let won = query(
        "UPDATE leads SET overdue_announced_at = $1
         WHERE id = $2 AND overdue_announced_at IS NULL
           AND status = $3 AND first_attempt_at IS NULL",
    )
    .bind(crate::clock::iso_now())
    .bind(lead.id)
    .bind(LeadStatus::New.code())
    .execute(&mut conn)
    .await?
        == 1;
    if won {
        let alert = LeadAlert::new(
            AlertEvent::Overdue,
            lead.id,
            &lead.interest,
            lead.total,
            &lead.phone,
            &lead.created_at,
        );
        enqueue(&mut conn, channels, &alert, now).await?;
    }
    transaction.commit().await?;
    Ok(won)
}
