//! Privacy duties: the retention job, and what a visitor who proved their
//! phone may see, withdraw or delete.

use super::{Conn, Db, Lock, query};

use super::verification::CodeCheck;
use crate::leads::codes::CodeRules;
use crate::leads::events::LeadEvent;
use crate::secrets::Secrets;

/// What one run of the retention job did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Retention {
    pub leads_anonymised: u64,
    pub codes_deleted: u64,
    pub sends_deleted: u64,
    pub captchas_deleted: u64,
    pub login_failures_deleted: u64,
    pub results_deleted: u64,
}

/// How long each kind of record is kept, in the units the settings name.
#[derive(Debug, Clone, Copy)]
pub struct Keep {
    pub lead_days: i64,
    pub code_hours: i64,
    pub counter_days: i64,
    pub result_days: i64,
}

/// Anonymises leads idle for `retention_days`, deletes codes older than
/// `code_hours` and counters older than `counter_days`. One transaction,
/// one run at a time across instances (the `job`/`retention` lock).
pub async fn apply_retention(db: &Db, keep: Keep, now: i64) -> Result<Retention, sqlx::Error> {
    let Keep {
        lead_days: retention_days,
        code_hours,
        counter_days,
        result_days,
    } = keep;
    // Each lead in a transaction of its own, under the lock an advisor's
    // change takes: a note racing the job lands before and is blanked, or
    // finds the lead anonymised.
    let leads_anonymised = anonymise_idle_leads(db, retention_days).await?;
    let mut transaction = db.begin_write(&[Lock::on("job", "retention")]).await?;
    let mut conn = transaction.conn();
    // After the leads: a result an anonymised lead let go of goes too.
    let results_deleted = query(
        "DELETE FROM assessments WHERE created_at < $1
             AND NOT EXISTS (SELECT 1 FROM leads WHERE leads.assessment_token = assessments.token)",
    )
    .bind(crate::clock::iso_at(now - result_days * 86_400))
    .execute(&mut conn)
    .await?;
    let codes_deleted = delete_before(
        &mut conn,
        "DELETE FROM verification_codes WHERE created_at < $1",
        now - code_hours * 3600,
    )
    .await?;
    let counters_before = now - counter_days * 86_400;
    let sends_deleted = delete_before(
        &mut conn,
        "DELETE FROM sms_sends WHERE sent_at < $1",
        counters_before,
    )
    .await?;
    let captchas_deleted = delete_before(
        &mut conn,
        "DELETE FROM captcha_uses WHERE used_at < $1",
        now - 86_400,
    )
    .await?;
    let login_failures_deleted = delete_before(
        &mut conn,
        "DELETE FROM login_failures WHERE at < $1",
        counters_before,
    )
    .await?;
    purge_code_and_submission_counters(&mut conn, counters_before).await?;
    transaction.commit().await?;
    super::forget_deleted(db).await;
    Ok(Retention {
        leads_anonymised,
        codes_deleted,
        sends_deleted,
        captchas_deleted,
        login_failures_deleted,
        results_deleted,
    })
}

/// Runs a `DELETE … WHERE time < $1` with `before`; returns the rows gone.
async fn delete_before(conn: &mut Conn<'_>, sql: &str, before: i64) -> Result<u64, sqlx::Error> {
    query(sql).bind(before).execute(&mut *conn).await
}

/// Leads idle for `retention_days`, one at a time (see `anonymise_lead`).
async fn anonymise_idle_leads(db: &Db, retention_days: i64) -> Result<u64, sqlx::Error> {
    let cutoff = crate::clock::iso_days_ago(retention_days);
    let idle = "SELECT id FROM leads WHERE anonymised_at IS NULL AND last_activity_at < $1";
    let ids: Vec<(i64,)> = query(idle).bind(&cutoff).fetch_all(db).await?;
    let mut anonymised = 0;
    for (id,) in ids {
        let key = id.to_string();
        let mut transaction = db.begin_write(&[Lock::on("lead", &key)]).await?;
        // Still idle under the lock: an advisor may have acted since.
        let still_idle: i64 = query(&format!(
            "SELECT count(*) FROM ({idle} AND id = $2) AS lead"
        ))
        .bind(&cutoff)
        .bind(id)
        .scalar(transaction.conn())
        .await?;
        if still_idle == 1 {
            anonymise_lead(&mut transaction.conn(), id).await?;
            transaction.commit().await?;
            anonymised += 1;
        }
    }
    Ok(anonymised)
}

/// One lead: every personal field of its timeline (by each event's own
/// account, `LeadEvent::without_personal_data`), its consents' IPs and
/// submissions' phones and IPs are blanked; every result it attached and
/// its messages are deleted; an `anonymised` event is added, and the lead
/// keeps no name, phone, organisation, result or child.
async fn anonymise_lead(conn: &mut Conn<'_>, lead_id: i64) -> Result<(), sqlx::Error> {
    delete_attached_results(conn, lead_id).await?;
    let events: Vec<(i64, String, String)> =
        query("SELECT id, kind, detail FROM lead_events WHERE lead_id = $1")
            .bind(lead_id)
            .fetch_all(&mut *conn)
            .await?;
    for (id, kind, detail) in events {
        let blanked = LeadEvent::anonymised_detail(&kind, &detail);
        if blanked != detail {
            query("UPDATE lead_events SET detail = $1 WHERE id = $2")
                .bind(blanked)
                .bind(id)
                .execute(&mut *conn)
                .await?;
        }
    }
    for sql in [
        "UPDATE consents SET ip = '' WHERE lead_id = $1",
        "UPDATE lead_submissions SET phone = '', ip = '', network = '' WHERE lead_id = $1",
        "DELETE FROM outbox WHERE lead_id = $1",
    ] {
        query(sql).bind(lead_id).execute(&mut *conn).await?;
    }
    super::leads::add_event(&mut *conn, lead_id, &LeadEvent::Anonymised, Some("system")).await?;
    query(
        "UPDATE leads SET name = '已匿名', phone = '', organisation = NULL, assessment_token = NULL,
             assessment_snapshot = NULL, zhongkao_year = NULL, school_target = NULL,
             school_deadline = NULL, school_status = NULL, anonymised_at = $1
         WHERE id = $2",
    )
    .bind(crate::clock::iso_now())
    .bind(lead_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Deletes every self-test result the lead attached: its current one and
/// those its timeline names (a repeat request may have replaced the first).
async fn delete_attached_results(conn: &mut Conn<'_>, lead_id: i64) -> Result<(), sqlx::Error> {
    let mut tokens: Vec<String> = Vec::new();
    let current: Option<String> =
        query("SELECT assessment_token FROM leads WHERE id = $1 AND assessment_token IS NOT NULL")
            .bind(lead_id)
            .scalar_optional(&mut *conn)
            .await?;
    tokens.extend(current);
    let events: Vec<(String, String)> = query(
        "SELECT kind, detail FROM lead_events WHERE lead_id = $1 AND kind IN ('created', 'repeat_request')",
    )
    .bind(lead_id)
    .fetch_all(&mut *conn)
    .await?;
    tokens.extend(events.iter().filter_map(|(kind, detail)| {
        LeadEvent::from_stored(kind, detail)?
            .attached_result()
            .map(String::from)
    }));
    for token in tokens {
        query("DELETE FROM assessments WHERE token = $1")
            .bind(token)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Wrong code entries and submission counters older than `before`.
async fn purge_code_and_submission_counters(
    conn: &mut Conn<'_>,
    before: i64,
) -> Result<(), sqlx::Error> {
    let purges = [
        // Wrong code entries hold the phone in clear, for the lock only.
        "DELETE FROM wrong_code_entries WHERE at < $1",
        // Counters of deleted leads only count: gone once they no longer do.
        "DELETE FROM lead_submissions WHERE lead_id IS NULL AND created_at < $1",
        "UPDATE lead_submissions SET phone = '', ip = '', network = '' WHERE created_at < $1 AND phone != ''",
    ];
    for sql in purges {
        delete_before(conn, sql, before).await?;
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
/// the request: one transaction, one at a time per phone across instances.
#[allow(clippy::too_many_arguments)] // one privacy request, each part named
pub async fn request(
    db: &Db,
    secrets: &Secrets,
    rules: &CodeRules,
    phone: &str,
    client: &str,
    code: &str,
    action: Action,
    now: i64,
) -> Result<Outcome, sqlx::Error> {
    let mut transaction = db.begin_write(&[Lock::on("phone", phone)]).await?;
    // Wrong entries count per (phone, client), as on the callback form: a
    // stranger's guesses never lock the owner out of their own data.
    let check = super::verification::consume_code_from(
        &mut transaction.conn(),
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
    let held = held_for(&mut transaction.conn(), phone).await?;
    // Each lead's own lock too, the one an advisor's change takes: a note
    // racing the deletion either lands first and is deleted with the lead,
    // or finds the lead gone (on PostgreSQL it failed a foreign key: 500).
    let keys: Vec<String> = held.iter().map(|lead| lead.id.to_string()).collect();
    let locks: Vec<Lock<'_>> = keys.iter().map(|key| Lock::on("lead", key)).collect();
    transaction.lock(&locks).await?;
    let mut conn = transaction.conn();
    match action {
        Action::View => {}
        Action::WithdrawMarketing => withdraw_marketing(&mut conn, &held).await?,
        Action::Delete => delete_leads(&mut conn, &held).await?,
    }
    query("INSERT INTO privacy_requests (phone_hmac, action, leads) VALUES ($1, $2, $3)")
        .bind(secrets.code_hmac(phone, "privacy request"))
        .bind(action.code())
        .bind(held.len() as i64)
        .execute(&mut conn)
        .await?;
    transaction.commit().await?;
    if action == Action::Delete {
        // Off the visitor's request: the answer does not wait for it.
        let db = db.clone();
        tokio::spawn(async move { super::forget_deleted(&db).await });
    }
    Ok(Outcome::Done { held })
}

/// Every lead of this phone, with how much we hold about each.
async fn held_for(conn: &mut Conn<'_>, phone: &str) -> Result<Vec<Held>, sqlx::Error> {
    query(
        "SELECT l.id, l.name, l.interest, l.status, l.marketing, l.created_at,
                l.assessment_snapshot IS NOT NULL AS has_snapshot,
                (SELECT count(*) FROM consents c WHERE c.lead_id = l.id) AS consents,
                (SELECT count(*) FROM lead_events e WHERE e.lead_id = l.id) AS events
         FROM leads l WHERE l.phone = $1 ORDER BY l.id",
    )
    .bind(phone)
    .fetch_all(&mut *conn)
    .await
}

/// No more news to these leads, each change in its timeline.
async fn withdraw_marketing(conn: &mut Conn<'_>, held: &[Held]) -> Result<(), sqlx::Error> {
    for lead in held {
        query("UPDATE leads SET marketing = FALSE WHERE id = $1")
            .bind(lead.id)
            .execute(&mut *conn)
            .await?;
        super::leads::add_event(&mut *conn, lead.id, &LeadEvent::MarketingWithdrawn, None).await?;
    }
    Ok(())
}

/// Deletes these leads with their timelines and consents, and records
/// that a deletion happened.
async fn delete_leads(conn: &mut Conn<'_>, held: &[Held]) -> Result<(), sqlx::Error> {
    let mut events_deleted = 0;
    for lead in held {
        events_deleted += delete_lead(conn, lead.id).await?;
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
    query("INSERT INTO admin_events (advisor_id, kind, detail) VALUES (NULL, $1, $2)")
        .bind(DELETION_EVENT)
        .bind(detail.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// One lead, its events, consents, attached result and messages; returns
/// the events deleted.
async fn delete_lead(conn: &mut Conn<'_>, lead_id: i64) -> Result<u64, sqlx::Error> {
    // The submission counters stay, detached from the lead and without
    // their replay key: deleting one's requests must not reset the
    // per-phone and per-IP limits. The retention job purges them with the
    // other counters.
    query("UPDATE lead_submissions SET lead_id = NULL, idempotency_key = NULL WHERE lead_id = $1")
        .bind(lead_id)
        .execute(&mut *conn)
        .await?;
    // The results the lead attached are the person's answers, still served
    // at their links; the timeline names them, so they go first.
    delete_attached_results(conn, lead_id).await?;
    let events = query("DELETE FROM lead_events WHERE lead_id = $1")
        .bind(lead_id)
        .execute(&mut *conn)
        .await?;
    // A queued message would name the lead.
    for sql in [
        "DELETE FROM consents WHERE lead_id = $1",
        "DELETE FROM outbox WHERE lead_id = $1",
        "DELETE FROM leads WHERE id = $1",
    ] {
        query(sql).bind(lead_id).execute(&mut *conn).await?;
    }
    Ok(events)
}
