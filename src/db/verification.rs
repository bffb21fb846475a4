//! `captcha_uses`, `sms_sends`, `verification_codes`: everything checked and
//! counted before an SMS is sent, in one transaction.

use sqlx::{SqliteConnection, SqlitePool};

use crate::leads::codes::{CodeRules, CodeState, CodeVerdict};
use crate::leads::limits::{Refusal, Rule, SendLimits, Usage, decide};

/// The answer to a request for a code.
#[derive(Debug, PartialEq, Eq)]
pub enum Reservation {
    /// Counted and stored: send the SMS, then report with `finish_send`.
    Granted { send_id: i64 },
    /// A limit is full.
    Refused(Refusal),
    /// This proof of work was already used.
    ChallengeReused,
}

pub struct SendRequest<'a> {
    pub challenge: &'a str,
    pub phone: &'a str,
    pub ip: &'a str,
    pub code_hmac: &'a str,
    pub now: i64,
}

async fn usage(
    connection: &mut SqliteConnection,
    sql: &str,
    key: Option<&str>,
    rule: &Rule,
    now: i64,
) -> Result<(Rule, Usage), sqlx::Error> {
    let since = now - rule.window.seconds;
    let query = sqlx::query_as::<_, (i64, Option<i64>)>(sql);
    let query = match key {
        Some(key) => query.bind(key).bind(since),
        None => query.bind(since),
    };
    let (count, oldest) = query.fetch_one(&mut *connection).await?;
    Ok((
        *rule,
        Usage {
            count: u32::try_from(count).unwrap_or(u32::MAX),
            oldest_age_seconds: oldest.map(|at| now - at),
        },
    ))
}

/// Marks the challenge used, checks every send limit and, when allowed,
/// counts the send and stores the code: all in one `BEGIN IMMEDIATE`.
pub async fn reserve_send(
    pool: &SqlitePool,
    limits: &SendLimits,
    request: SendRequest<'_>,
) -> Result<Reservation, sqlx::Error> {
    let mut transaction = super::begin_write(pool).await?;
    let fresh = sqlx::query(
        "INSERT INTO captcha_uses (challenge, used_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
    )
    .bind(request.challenge)
    .bind(request.now)
    .execute(&mut *transaction)
    .await?
    .rows_affected();
    if fresh == 0 {
        transaction.commit().await?;
        return Ok(Reservation::ChallengeReused);
    }
    let by_phone = "SELECT count(*), min(sent_at) FROM sms_sends WHERE phone = ? AND sent_at > ?";
    let by_ip = "SELECT count(*), min(sent_at) FROM sms_sends WHERE ip = ? AND sent_at > ?";
    let everyone = "SELECT count(*), min(sent_at) FROM sms_sends WHERE sent_at > ?";
    let mut checks = Vec::with_capacity(6);
    for rule in limits.phone_rules() {
        checks.push(
            usage(
                &mut transaction,
                by_phone,
                Some(request.phone),
                &rule,
                request.now,
            )
            .await?,
        );
    }
    for rule in limits.ip_rules() {
        checks.push(
            usage(
                &mut transaction,
                by_ip,
                Some(request.ip),
                &rule,
                request.now,
            )
            .await?,
        );
    }
    checks.push(
        usage(
            &mut transaction,
            everyone,
            None,
            &limits.global_rule(),
            request.now,
        )
        .await?,
    );
    if let Err(refusal) = decide(&checks) {
        transaction.commit().await?;
        return Ok(Reservation::Refused(refusal));
    }
    let send_id: i64 = sqlx::query_scalar(
        "INSERT INTO sms_sends (phone, ip, sent_at) VALUES (?, ?, ?) RETURNING id",
    )
    .bind(request.phone)
    .bind(request.ip)
    .bind(request.now)
    .fetch_one(&mut *transaction)
    .await?;
    sqlx::query("INSERT INTO verification_codes (phone, code_hmac, created_at) VALUES (?, ?, ?)")
        .bind(request.phone)
        .bind(request.code_hmac)
        .bind(request.now)
        .execute(&mut *transaction)
        .await?;
    transaction.commit().await?;
    Ok(Reservation::Granted { send_id })
}

/// Records what the provider said. The send stays counted either way.
pub async fn finish_send(
    pool: &SqlitePool,
    send_id: i64,
    delivered: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sms_sends SET outcome = ? WHERE id = ?")
        .bind(if delivered { "sent" } else { "failed" })
        .bind(send_id)
        .execute(pool)
        .await?;
    Ok(())
}

/// The latest code sent to a phone.
#[derive(Debug, sqlx::FromRow)]
pub struct StoredCode {
    pub id: i64,
    pub code_hmac: String,
    pub created_at: i64,
    pub wrong_entries: i64,
    pub used_at: Option<i64>,
}

pub async fn latest_code(
    connection: &mut SqliteConnection,
    phone: &str,
) -> Result<Option<StoredCode>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, code_hmac, created_at, wrong_entries, used_at FROM verification_codes
         WHERE phone = ? ORDER BY id DESC LIMIT 1",
    )
    .bind(phone)
    .fetch_optional(connection)
    .await
}

/// Wrong entries for a phone over the last 24 hours, across its codes.
pub async fn wrong_entries_today(
    connection: &mut SqliteConnection,
    phone: &str,
    now: i64,
) -> Result<u32, sqlx::Error> {
    let total: i64 = sqlx::query_scalar(
        "SELECT coalesce(sum(wrong_entries), 0) FROM verification_codes WHERE phone = ? AND created_at > ?",
    )
    .bind(phone)
    .bind(now - 86_400)
    .fetch_one(connection)
    .await?;
    Ok(u32::try_from(total).unwrap_or(u32::MAX))
}

pub async fn record_wrong_entry(
    connection: &mut SqliteConnection,
    code_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE verification_codes SET wrong_entries = wrong_entries + 1 WHERE id = ?")
        .bind(code_id)
        .execute(connection)
        .await?;
    Ok(())
}

pub async fn mark_used(
    connection: &mut SqliteConnection,
    code_id: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE verification_codes SET used_at = ? WHERE id = ?")
        .bind(now)
        .bind(code_id)
        .execute(connection)
        .await?;
    Ok(())
}

/// What an entered code turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeCheck {
    /// Right, and now used up.
    Accepted,
    /// None sent, used, or expired.
    Missing,
    /// Wrong: counted against the code and the phone.
    Wrong,
    /// Too many wrong entries.
    Locked,
}

/// Checks an entered code inside the caller's transaction; a right code is
/// marked used, a wrong one counted. Commit either way.
pub async fn consume_code(
    connection: &mut SqliteConnection,
    secrets: &crate::secrets::Secrets,
    rules: &CodeRules,
    phone: &str,
    entered: &str,
    now: i64,
) -> Result<CodeCheck, sqlx::Error> {
    let code = latest_code(&mut *connection, phone).await?;
    let wrong_today = wrong_entries_today(&mut *connection, phone, now).await?;
    let state = code.as_ref().map(|code| CodeState {
        age_seconds: now - code.created_at,
        wrong_entries: u32::try_from(code.wrong_entries).unwrap_or(u32::MAX),
        used: code.used_at.is_some(),
    });
    Ok(match (rules.check(state, wrong_today), &code) {
        (CodeVerdict::Compare, Some(code)) => {
            if secrets.code_matches(phone, entered, &code.code_hmac) {
                mark_used(&mut *connection, code.id, now).await?;
                CodeCheck::Accepted
            } else {
                record_wrong_entry(&mut *connection, code.id).await?;
                CodeCheck::Wrong
            }
        }
        (CodeVerdict::Locked, _) => CodeCheck::Locked,
        _ => CodeCheck::Missing,
    })
}
