//! `leads`, `lead_events`, `consents`, `lead_submissions`: a callback request
//! is checked and stored in one short transaction, or not at all.

use serde_json::json;
use sqlx::{Connection, SqliteConnection, SqlitePool};

use super::group_commit::{WriterConnection, WriterTasks};

use super::verification::CodeCheck;
use crate::leads::codes::CodeRules;
use crate::leads::form::CallbackRequest;
use crate::leads::limits::{Refusal, SubmitLimits, Usage, decide};
use crate::leads::score_band;
use crate::leads::status::LeadStatus;
use crate::secrets::Secrets;

pub struct Submission {
    pub request: CallbackRequest,
    pub ip: String,
    /// Where the form was: "result" or "consultation".
    pub source: &'static str,
    /// The attached assessment as stored for advisors, and its total.
    pub snapshot: Option<String>,
    pub total: Option<i32>,
    pub notice_version: &'static str,
    pub now: i64,
}

#[derive(Debug, PartialEq, Eq)]
pub enum SubmitOutcome {
    Created(i64),
    /// A repeat request from the same phone joined this open lead.
    Joined(i64),
    /// The same form was submitted again: nothing new stored.
    Replayed(i64),
    Refused(Refusal),
    /// No valid code for this phone (none sent, used, or expired).
    CodeMissing,
    CodeWrong,
    CodeLocked,
}

/// Checks and stores one request in its own transaction.
pub async fn submit(
    pool: &SqlitePool,
    secrets: &Secrets,
    rules: &CodeRules,
    limits: &SubmitLimits,
    submission: &Submission,
) -> Result<SubmitOutcome, sqlx::Error> {
    let mut transaction = super::begin_write(pool).await?;
    let outcome = submit_in(&mut transaction, secrets, rules, limits, submission).await?;
    transaction.commit().await?;
    Ok(outcome)
}

/// Checks and stores one request inside the caller's transaction; every
/// outcome's writes (a wrong code counted, say) are kept when it commits.
pub async fn submit_in(
    transaction: &mut SqliteConnection,
    secrets: &Secrets,
    rules: &CodeRules,
    limits: &SubmitLimits,
    submission: &Submission,
) -> Result<SubmitOutcome, sqlx::Error> {
    let request = &submission.request;
    let phone = request.phone.as_str();
    let key_to_store = match idempotency(transaction, submission).await? {
        KeyUse::Replay(lead_id) => return Ok(SubmitOutcome::Replayed(lead_id)),
        KeyUse::Store(key) => key,
    };
    if let Err(refusal) = check_limits(transaction, limits, submission).await? {
        return Ok(SubmitOutcome::Refused(refusal));
    }
    let check = super::verification::consume_code_from(
        &mut *transaction,
        secrets,
        rules,
        phone,
        &submission.ip,
        &request.code,
        submission.now,
    )
    .await?;
    match check {
        CodeCheck::Accepted => {}
        CodeCheck::Wrong => return Ok(SubmitOutcome::CodeWrong),
        CodeCheck::Locked => return Ok(SubmitOutcome::CodeLocked),
        _ => return Ok(SubmitOutcome::CodeMissing),
    }
    let (lead_id, repeat) = match open_lead(transaction, phone).await? {
        Some(lead_id) => {
            join_lead(transaction, lead_id, submission).await?;
            (lead_id, true)
        }
        None => (create_lead(transaction, submission).await?, false),
    };
    record_submission(transaction, submission, lead_id, repeat, key_to_store).await?;
    Ok(if repeat {
        SubmitOutcome::Joined(lead_id)
    } else {
        SubmitOutcome::Created(lead_id)
    })
}

/// What the form's idempotency key does for this submission.
enum KeyUse<'a> {
    /// The same phone sent this key before: answer with that lead.
    Replay(i64),
    /// Store this key with the submission (None: no key, or a key another
    /// phone used).
    Store(Option<&'a str>),
}

/// A form key replays a submission only with the same phone: a key that
/// leaked (a shared page, a cached form) must not swallow someone else's
/// request. With another phone the key is not stored again.
async fn idempotency<'a>(
    transaction: &mut SqliteConnection,
    submission: &'a Submission,
) -> Result<KeyUse<'a>, sqlx::Error> {
    let Some(key) = submission.request.idempotency_key.as_deref() else {
        return Ok(KeyUse::Store(None));
    };
    let earlier: Option<(i64, String)> =
        sqlx::query_as("SELECT lead_id, phone FROM lead_submissions WHERE idempotency_key = ?")
            .bind(key)
            .fetch_optional(&mut *transaction)
            .await?;
    Ok(match earlier {
        Some((lead_id, phone)) if phone == submission.request.phone.as_str() => {
            KeyUse::Replay(lead_id)
        }
        Some(_) => KeyUse::Store(None),
        None => KeyUse::Store(Some(key)),
    })
}

/// The per-phone and per-IP submission limits.
async fn check_limits(
    transaction: &mut SqliteConnection,
    limits: &SubmitLimits,
    submission: &Submission,
) -> Result<Result<(), Refusal>, sqlx::Error> {
    let now = submission.now;
    // Both windows in one statement: each statement is a round trip to
    // SQLite's thread, and this path runs once per lead in a group commit.
    let [by_phone, by_ip] = limits.rules();
    let (phone_count, phone_oldest, ip_count, ip_oldest): (i64, Option<i64>, i64, Option<i64>) =
        sqlx::query_as(
            "SELECT count(*) FILTER (WHERE phone = ?1 AND created_at > ?2),
                    min(created_at) FILTER (WHERE phone = ?1 AND created_at > ?2),
                    count(*) FILTER (WHERE ip = ?3 AND created_at > ?4),
                    min(created_at) FILTER (WHERE ip = ?3 AND created_at > ?4)
             FROM lead_submissions
             WHERE (phone = ?1 AND created_at > ?2) OR (ip = ?3 AND created_at > ?4)",
        )
        .bind(submission.request.phone.as_str())
        .bind(now - by_phone.window.seconds)
        .bind(&submission.ip)
        .bind(now - by_ip.window.seconds)
        .fetch_one(&mut *transaction)
        .await?;
    let usage = |count: i64, oldest: Option<i64>| Usage {
        count: u32::try_from(count).unwrap_or(u32::MAX),
        oldest_age_seconds: oldest.map(|at| now - at),
    };
    Ok(decide(&[
        (by_phone, usage(phone_count, phone_oldest)),
        (by_ip, usage(ip_count, ip_oldest)),
    ]))
}

/// The phone's open lead with activity in the last 30 days, which a
/// repeat request joins instead of making a duplicate.
async fn open_lead(
    transaction: &mut SqliteConnection,
    phone: &str,
) -> Result<Option<i64>, sqlx::Error> {
    let open_statuses = LeadStatus::sql_list(&LeadStatus::OPEN);
    sqlx::query_scalar(&format!(
        "SELECT id FROM leads WHERE phone = ? AND status IN ({open_statuses})
           AND last_activity_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-30 days')
         ORDER BY id DESC LIMIT 1"
    ))
    .bind(phone)
    .fetch_optional(&mut *transaction)
    .await
}

/// A repeat request: fresher activity, consent and result on the open lead.
async fn join_lead(
    transaction: &mut SqliteConnection,
    lead_id: i64,
    submission: &Submission,
) -> Result<(), sqlx::Error> {
    let request = &submission.request;
    sqlx::query(
        "UPDATE leads SET last_activity_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
             marketing = ?,
             assessment_token = coalesce(?, assessment_token),
             assessment_snapshot = coalesce(?, assessment_snapshot),
             total = coalesce(?, total)
         WHERE id = ?",
    )
    .bind(request.marketing)
    .bind(&request.assessment)
    .bind(&submission.snapshot)
    .bind(submission.total)
    .bind(lead_id)
    .execute(&mut *transaction)
    .await?;
    let detail = json!({
        "interest": request.interest.code(),
        "source": submission.source,
        "assessment": request.assessment,
        "organisation": request.organisation,
    });
    add_event(&mut *transaction, lead_id, "repeat_request", &detail, None).await
}

/// A new lead with its `created` event; returns its id.
async fn create_lead(
    transaction: &mut SqliteConnection,
    submission: &Submission,
) -> Result<i64, sqlx::Error> {
    let request = &submission.request;
    let interest = request.interest.code();
    let lead_id: i64 = sqlx::query_scalar(
        "INSERT INTO leads (name, phone, interest, organisation, source, assessment_token,
             assessment_snapshot, total, consent_version, consent_at, marketing)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), ?)
         RETURNING id",
    )
    .bind(&request.name)
    .bind(request.phone.as_str())
    .bind(interest)
    .bind(&request.organisation)
    .bind(submission.source)
    .bind(&request.assessment)
    .bind(&submission.snapshot)
    .bind(submission.total)
    .bind(submission.notice_version)
    .bind(request.marketing)
    .fetch_one(&mut *transaction)
    .await?;
    let detail = json!({ "interest": interest, "source": submission.source });
    add_event(&mut *transaction, lead_id, "created", &detail, None).await?;
    Ok(lead_id)
}

/// What every stored request leaves besides the lead: its consent, the
/// submission (for limits and replays) and the advisors' notification
/// (`repeat` when it joined an open lead).
async fn record_submission(
    transaction: &mut SqliteConnection,
    submission: &Submission,
    lead_id: i64,
    repeat: bool,
    key_to_store: Option<&str>,
) -> Result<(), sqlx::Error> {
    let request = &submission.request;
    sqlx::query(
        "INSERT INTO consents (lead_id, notice_version, consent, marketing, share_sensitive, ip)
         VALUES (?, ?, 1, ?, ?, ?)",
    )
    .bind(lead_id)
    .bind(submission.notice_version)
    .bind(request.marketing)
    .bind(request.share_sensitive)
    .bind(&submission.ip)
    .execute(&mut *transaction)
    .await?;
    sqlx::query("INSERT INTO lead_submissions (idempotency_key, lead_id, phone, ip, created_at) VALUES (?, ?, ?, ?, ?)")
        .bind(key_to_store)
        .bind(lead_id)
        .bind(request.phone.as_str())
        .bind(&submission.ip)
        .bind(submission.now)
        .execute(&mut *transaction)
        .await?;
    let notification = json!({
        "lead_id": lead_id,
        "interest": request.interest.code(),
        "band": score_band(submission.total),
        "repeat": repeat,
    });
    super::outbox::enqueue(
        &mut *transaction,
        "lead_notification",
        &notification,
        submission.now,
    )
    .await?;
    Ok(())
}

pub async fn add_event(
    connection: &mut sqlx::SqliteConnection,
    lead_id: i64,
    kind: &str,
    detail: &serde_json::Value,
    actor: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO lead_events (lead_id, kind, detail, actor) VALUES (?, ?, ?, ?)")
        .bind(lead_id)
        .bind(kind)
        .bind(detail.to_string())
        .bind(actor)
        .execute(connection)
        .await?;
    Ok(())
}

/// Group commit: one task writes every request that is waiting in a single
/// `BEGIN IMMEDIATE` transaction (a savepoint each, so one failure spoils
/// nothing else) and answers each only after the commit. With
/// `synchronous=FULL` the fsync is what costs; this shares it.
#[derive(Clone)]
pub struct LeadWriter {
    jobs: tokio::sync::mpsc::Sender<Job>,
}

struct Job {
    submission: Submission,
    reply: tokio::sync::oneshot::Sender<Result<SubmitOutcome, sqlx::Error>>,
}

/// The most requests one transaction takes.
const MAX_BATCH: usize = 512;

/// What the writer keeps between batches.
struct WriterState {
    writer: WriterConnection,
    secrets: Secrets,
    rules: CodeRules,
    limits: SubmitLimits,
}

impl LeadWriter {
    pub fn start(
        tasks: &WriterTasks,
        pool: SqlitePool,
        secrets: Secrets,
        rules: CodeRules,
        limits: SubmitLimits,
    ) -> Self {
        let state = WriterState {
            writer: WriterConnection::new(pool),
            secrets,
            rules,
            limits,
        };
        let jobs = super::group_commit::spawn(tasks, MAX_BATCH, state, write_batch);
        Self { jobs }
    }

    /// Stores one request; returns once it is committed (or refused).
    pub async fn submit(&self, submission: Submission) -> Result<SubmitOutcome, sqlx::Error> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Job { submission, reply })
            .await
            .map_err(|_| sqlx::Error::PoolClosed)?;
        answer.await.map_err(|_| sqlx::Error::PoolClosed)?
    }
}

async fn write_batch(mut state: WriterState, batch: Vec<Job>) -> WriterState {
    let WriterState {
        writer,
        secrets,
        rules,
        limits,
    } = &mut state;
    let together = async {
        let mut transaction = writer.get().await?.begin_with("BEGIN IMMEDIATE").await?;
        let mut outcomes = Vec::with_capacity(batch.len());
        for job in &batch {
            sqlx::query("SAVEPOINT lead")
                .execute(&mut *transaction)
                .await?;
            match submit_in(&mut transaction, secrets, rules, limits, &job.submission).await {
                Ok(outcome) => outcomes.push(Ok(outcome)),
                Err(error) => {
                    sqlx::query("ROLLBACK TO lead")
                        .execute(&mut *transaction)
                        .await?;
                    outcomes.push(Err(error));
                }
            }
            sqlx::query("RELEASE lead")
                .execute(&mut *transaction)
                .await?;
        }
        transaction.commit().await?;
        Ok::<_, sqlx::Error>(outcomes)
    };
    match together.await {
        Ok(outcomes) => {
            for (job, outcome) in batch.into_iter().zip(outcomes) {
                let _ = job.reply.send(outcome);
            }
        }
        Err(error) => {
            // The shared transaction failed (say, the disk): try each alone,
            // so every request gets its own true answer.
            tracing::warn!(%error, size = batch.len(), "group commit failed; writing one by one");
            writer.discard();
            for job in batch {
                let outcome = submit(writer.pool(), secrets, rules, limits, &job.submission).await;
                let _ = job.reply.send(outcome);
            }
        }
    }
    state
}
