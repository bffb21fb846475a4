//! Privacy duties: the retention job, and what a visitor who proved their
//! phone may see, withdraw or delete.

use sqlx::{SqliteConnection, SqlitePool};

use super::verification::CodeCheck;
use crate::leads::codes::CodeRules;
use crate::secrets::Secrets;

/// What one run of the retention job did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Retention {
    pub leads_anonymised: u64,
    pub codes_deleted: u64,
    pub sends_deleted: u64,
    pub captchas_deleted: u64,
    pub login_failures_deleted: u64,
}

/// Anonymises leads idle for `retention_days`, deletes codes older than
/// `code_hours` and counters older than `counter_days`. One transaction.
pub async fn apply_retention(
    pool: &SqlitePool,
    retention_days: i64,
    code_hours: i64,
    counter_days: i64,
    now: i64,
) -> Result<Retention, sqlx::Error> {
    let mut transaction = super::begin_write(pool).await?;
    let leads_anonymised = anonymise_idle_leads(&mut transaction, retention_days).await?;
    let codes_deleted = delete_before(
        &mut transaction,
        "DELETE FROM verification_codes WHERE created_at < ?",
        now - code_hours * 3600,
    )
    .await?;
    let counters_before = now - counter_days * 86_400;
    let sends_deleted = delete_before(
        &mut transaction,
        "DELETE FROM sms_sends WHERE sent_at < ?",
        counters_before,
    )
    .await?;
    let captchas_deleted = delete_before(
        &mut transaction,
        "DELETE FROM captcha_uses WHERE used_at < ?",
        now - 86_400,
    )
    .await?;
    let login_failures_deleted = delete_before(
        &mut transaction,
        "DELETE FROM login_failures WHERE at < ?",
        counters_before,
    )
    .await?;
    purge_code_and_submission_counters(&mut transaction, counters_before).await?;
    transaction.commit().await?;
    Ok(Retention {
        leads_anonymised,
        codes_deleted,
        sends_deleted,
        captchas_deleted,
        login_failures_deleted,
    })
}

/// Runs a `DELETE … WHERE time < ?` with `before`; returns the rows gone.
async fn delete_before(
    connection: &mut SqliteConnection,
    sql: &str,
    before: i64,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(sql)
        .bind(before)
        .execute(&mut *connection)
        .await?
        .rows_affected())
}

/// Leads idle for `retention_days`: their consents' IPs, submissions'
/// phones and IPs, and the free text of their timeline are blanked, a
/// `anonymised` event added, and the lead keeps no name, phone or result.
async fn anonymise_idle_leads(
    connection: &mut SqliteConnection,
    retention_days: i64,
) -> Result<u64, sqlx::Error> {
    let cutoff = format!("-{retention_days} days");
    let idle = "SELECT id FROM leads WHERE anonymised_at IS NULL
                AND last_activity_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?1)";
    let blank = [
        format!("UPDATE consents SET ip = '' WHERE lead_id IN ({idle})"),
        format!("UPDATE lead_submissions SET phone = '', ip = '' WHERE lead_id IN ({idle})"),
        // Notes and reasons are free text an advisor wrote about the person.
        format!(
            "UPDATE lead_events SET detail = '{{}}' WHERE kind IN ('note', 'status_changed', 'repeat_request') AND lead_id IN ({idle})"
        ),
        format!(
            "INSERT INTO lead_events (lead_id, kind, detail, actor) SELECT id, 'anonymised', '{{}}', 'system' FROM ({idle})"
        ),
    ];
    for sql in &blank {
        sqlx::query(sql)
            .bind(&cutoff)
            .execute(&mut *connection)
            .await?;
    }
    Ok(sqlx::query(&format!(
        "UPDATE leads SET name = '已匿名', phone = '', organisation = NULL, assessment_token = NULL,
             assessment_snapshot = NULL, anonymised_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
         WHERE id IN ({idle})"
    ))
    .bind(&cutoff)
    .execute(&mut *connection)
    .await?
    .rows_affected())
}

/// Wrong code entries and submission counters older than `before`.
async fn purge_code_and_submission_counters(
    connection: &mut SqliteConnection,
    before: i64,
) -> Result<(), sqlx::Error> {
    let purges = [
        // Wrong code entries hold the phone in clear, for the lock only.
        "DELETE FROM wrong_code_entries WHERE at < ?",
        // Counters of deleted leads only count: gone once they no longer do.
        "DELETE FROM lead_submissions WHERE lead_id IS NULL AND created_at < ?",
        "UPDATE lead_submissions SET phone = '', ip = '' WHERE created_at < ? AND phone != ''",
    ];
    for sql in purges {
        delete_before(connection, sql, before).await?;
    }
    Ok(())
}

/// What we hold about a phone, for its owner.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Held {
    pub id: i64,
    pub name: String,
    pub interest: String,
    pub status: String,
    pub marketing: bool,
    pub created_at: String,
    pub has_snapshot: bool,
    pub consents: i64,
    pub events: i64,
}

/// The `admin_events` kind that records a visitor's deletion.
pub const DELETION_EVENT: &str = "privacy_deletion";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    View,
    WithdrawMarketing,
    Delete,
}

impl Action {
    pub fn code(self) -> &'static str {
        match self {
            Action::View => "view",
            Action::WithdrawMarketing => "withdraw_marketing",
            Action::Delete => "delete",
        }
    }
}

#[derive(Debug)]
pub enum Outcome {
    Done { held: Vec<Held> },
    Code(CodeCheck),
}

/// Proves the phone with its code, then does what was asked, and records
/// the request: one transaction.
#[allow(clippy::too_many_arguments)] // one privacy request, each part named
pub async fn request(
    pool: &SqlitePool,
    secrets: &Secrets,
    rules: &CodeRules,
    phone: &str,
    client: &str,
    code: &str,
    action: Action,
    now: i64,
) -> Result<Outcome, sqlx::Error> {
    let mut transaction = super::begin_write(pool).await?;
    // Wrong entries count per (phone, client), as on the callback form: a
    // stranger's guesses never lock the owner out of their own data.
    let check = super::verification::consume_code_from(
        &mut transaction,
        secrets,
        rules,
        phone,
        client,
        code,
        now,
    )
    .await?;
    if check != CodeCheck::Accepted {
        transaction.commit().await?;
        return Ok(Outcome::Code(check));
    }
    let held = held_for(&mut transaction, phone).await?;
    match action {
        Action::View => {}
        Action::WithdrawMarketing => withdraw_marketing(&mut transaction, &held).await?,
        Action::Delete => delete_leads(&mut transaction, &held).await?,
    }
    sqlx::query("INSERT INTO privacy_requests (phone_hmac, action, leads) VALUES (?, ?, ?)")
        .bind(secrets.code_hmac(phone, "privacy request"))
        .bind(action.code())
        .bind(held.len() as i64)
        .execute(&mut *transaction)
        .await?;
    transaction.commit().await?;
    Ok(Outcome::Done { held })
}

/// Every lead of this phone, with how much we hold about each.
async fn held_for(
    connection: &mut SqliteConnection,
    phone: &str,
) -> Result<Vec<Held>, sqlx::Error> {
    sqlx::query_as(
        "SELECT l.id, l.name, l.interest, l.status, l.marketing, l.created_at,
                l.assessment_snapshot IS NOT NULL AS has_snapshot,
                (SELECT count(*) FROM consents c WHERE c.lead_id = l.id) AS consents,
                (SELECT count(*) FROM lead_events e WHERE e.lead_id = l.id) AS events
         FROM leads l WHERE l.phone = ? ORDER BY l.id",
    )
    .bind(phone)
    .fetch_all(&mut *connection)
    .await
}

/// No more news to these leads, each change in its timeline.
async fn withdraw_marketing(
    connection: &mut SqliteConnection,
    held: &[Held],
) -> Result<(), sqlx::Error> {
    for lead in held {
        sqlx::query("UPDATE leads SET marketing = 0 WHERE id = ?")
            .bind(lead.id)
            .execute(&mut *connection)
            .await?;
        super::leads::add_event(
            &mut *connection,
            lead.id,
            "marketing_withdrawn",
            &serde_json::json!({}),
            None,
        )
        .await?;
    }
    Ok(())
}

/// Deletes these leads with their timelines and consents, and records
/// that a deletion happened.
async fn delete_leads(connection: &mut SqliteConnection, held: &[Held]) -> Result<(), sqlx::Error> {
    let mut events_deleted = 0;
    for lead in held {
        events_deleted += delete_lead(connection, lead.id).await?;
    }
    if held.is_empty() {
        return Ok(());
    }
    // The audit keeps that a deletion happened, when, and which lead
    // numbers went (so an advisor knows why a lead is gone): never a
    // phone, a name or what the timeline said.
    let ids: Vec<i64> = held.iter().map(|lead| lead.id).collect();
    let detail = serde_json::json!({
        "leads": held.len(),
        "lead_ids": ids,
        "events_deleted": events_deleted,
        "by": "visitor",
    });
    sqlx::query("INSERT INTO admin_events (advisor_id, kind, detail) VALUES (NULL, ?, ?)")
        .bind(DELETION_EVENT)
        .bind(detail.to_string())
        .execute(&mut *connection)
        .await?;
    Ok(())
}

/// One lead, its events and consents; returns the events deleted.
async fn delete_lead(connection: &mut SqliteConnection, lead_id: i64) -> Result<u64, sqlx::Error> {
    // The submission counters stay, detached from the lead and without
    // their replay key: deleting one's requests must not reset the
    // per-phone and per-IP limits. The retention job purges them with the
    // other counters.
    sqlx::query(
        "UPDATE lead_submissions SET lead_id = NULL, idempotency_key = NULL WHERE lead_id = ?",
    )
    .bind(lead_id)
    .execute(&mut *connection)
    .await?;
    let events = sqlx::query("DELETE FROM lead_events WHERE lead_id = ?")
        .bind(lead_id)
        .execute(&mut *connection)
        .await?
        .rows_affected();
    for sql in [
        "DELETE FROM consents WHERE lead_id = ?",
        "DELETE FROM leads WHERE id = ?",
    ] {
        sqlx::query(sql)
            .bind(lead_id)
            .execute(&mut *connection)
            .await?;
    }
    Ok(events)
}
