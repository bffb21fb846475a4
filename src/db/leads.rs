//! `leads`, `lead_events`, `consents`, `lead_submissions`: a callback request
//! is checked and stored in one short transaction, or not at all.

use std::sync::Arc;

use serde_json::json;

use super::group_commit::{Placement, WriterConnection, WriterTasks};
use super::{Conn, Db, Lock, Query, query};

use super::verification::CodeCheck;
use crate::leads::alerts::SchoolNote;
use crate::leads::alerts::{AlertChannel, AlertEvent, LeadAlert};
use crate::leads::codes::CodeRules;
use crate::leads::events::LeadEvent;
use crate::leads::form::CallbackRequest;
use crate::leads::limits::{Refusal, SubmitLimits, Usage, decide};
use crate::leads::school::LeadSchool;
use crate::leads::score_band;
use crate::leads::status::LeadStatus;
use crate::secrets::Secrets;

pub struct Submission {
    pub request: CallbackRequest,
    /// The client (IPv4 address, IPv6 /64) and its network (/24, /48).
    pub ip: String,
    pub network: String,
    /// Where the form was: "result" or "consultation".
    pub source: &'static str,
    /// The attached assessment as stored for advisors, and its total.
    pub snapshot: Option<String>,
    pub total: Option<i32>,
    /// The child's 中考 deadline, when the self-test named a child.
    pub school: Option<LeadSchool>,
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

/// Checks and stores one request in its own transaction; a new lead is
/// announced to the robots in `alerts`.
pub async fn submit(
    db: &Db,
    secrets: &Secrets,
    rules: &CodeRules,
    limits: &SubmitLimits,
    alerts: &[AlertChannel],
    submission: &Submission,
) -> Result<SubmitOutcome, sqlx::Error> {
    let mut transaction = db.begin_write(&submit_locks(submission)).await?;
    let outcome = submit_in(
        &mut transaction.conn(),
        secrets,
        rules,
        limits,
        alerts,
        submission,
    )
    .await?;
    transaction.commit().await?;
    Ok(outcome)
}

/// What a submission serialises on across instances (PostgreSQL; SQLite's
/// one writer lock covers all): the phone (its limit, its code, its open
/// lead), the client (its limit) and the form's idempotency key (stored
/// once, whichever phone sends it).
pub fn submit_locks(submission: &Submission) -> Vec<Lock<'_>> {
    let mut locks = vec![
        super::verification::code_lock(submission.request.phone.as_str()),
        Lock::on("client", &submission.ip),
        Lock::on("network", &submission.network),
    ];
    if let Some(key) = submission.request.idempotency_key.as_deref() {
        locks.push(Lock::on("idempotency-key", key));
    }
    locks
}

/// Checks and stores one request inside the caller's transaction; every
/// outcome's writes (a wrong code counted, say) are kept when it commits.
/// The transaction must hold `submit_locks(submission)`.
pub async fn submit_in(
    conn: &mut Conn<'_>,
    secrets: &Secrets,
    rules: &CodeRules,
    limits: &SubmitLimits,
    alerts: &[AlertChannel],
    submission: &Submission,
) -> Result<SubmitOutcome, sqlx::Error> {
    let request = &submission.request;
    let phone = request.phone.as_str();
    let earlier = earlier_submissions(conn, limits, submission).await?;
    let key_to_store = match earlier.key_use(submission) {
        KeyUse::Replay(lead_id) => return Ok(SubmitOutcome::Replayed(lead_id)),
        KeyUse::Store(key) => key,
    };
    if let Err(refusal) = earlier.limits {
        return Ok(SubmitOutcome::Refused(refusal));
    }
    let check = super::verification::consume_code_from(
        &mut *conn,
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
    let (lead_id, repeat) = match open_lead(conn, phone).await? {
        Some(lead_id) => {
            join_lead(conn, lead_id, submission).await?;
            (lead_id, true)
        }
        None => (create_lead(conn, alerts, submission).await?, false),
    };
    record_submission(conn, submission, lead_id, repeat, key_to_store).await?;
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

/// What earlier submissions mean for this one: the lead and phone that
/// already used its form key, and the per-phone and per-IP limits.
struct Earlier {
    key_used_by: Option<(i64, String)>,
    limits: Result<(), Refusal>,
}

impl Earlier {
    /// A form key replays a submission only with the same phone: a key that
    /// leaked (a shared page, a cached form) must not swallow someone
    /// else's request. With another phone the key is not stored again.
    fn key_use<'a>(&self, submission: &'a Submission) -> KeyUse<'a> {
        let Some(key) = submission.request.idempotency_key.as_deref() else {
            return KeyUse::Store(None);
        };
        match &self.key_used_by {
            Some((lead_id, phone)) if phone == submission.request.phone.as_str() => {
                KeyUse::Replay(*lead_id)
            }
            Some(_) => KeyUse::Store(None),
            None => KeyUse::Store(Some(key)),
        }
    }
}

/// The form key's earlier use and both limit windows in one statement: it
/// runs once per lead in the group-commit writer, where each statement is a
/// round trip to SQLite's thread.
async fn earlier_submissions(
    conn: &mut Conn<'_>,
    limits: &SubmitLimits,
    submission: &Submission,
) -> Result<Earlier, sqlx::Error> {
    type Row = (
        Option<i64>,
        Option<String>,
        i64,
        Option<i64>,
        i64,
        Option<i64>,
        i64,
        Option<i64>,
    );
    let now = submission.now;
    let [by_phone, by_ip, by_network] = limits.rules();
    let row: Row = query(
        "SELECT (SELECT lead_id FROM lead_submissions WHERE idempotency_key = $5),
                (SELECT phone FROM lead_submissions WHERE idempotency_key = $5),
                count(*) FILTER (WHERE phone = $1 AND created_at > $2),
                min(created_at) FILTER (WHERE phone = $1 AND created_at > $2),
                count(*) FILTER (WHERE ip = $3 AND created_at > $4),
                min(created_at) FILTER (WHERE ip = $3 AND created_at > $4),
                count(*) FILTER (WHERE network = $6 AND created_at > $7),
                min(created_at) FILTER (WHERE network = $6 AND created_at > $7)
         FROM lead_submissions
         WHERE (phone = $1 AND created_at > $2) OR (ip = $3 AND created_at > $4)
            OR (network = $6 AND created_at > $7)",
    )
    .bind(submission.request.phone.as_str())
    .bind(now - by_phone.window.seconds)
    .bind(&submission.ip)
    .bind(now - by_ip.window.seconds)
    .bind(submission.request.idempotency_key.as_deref())
    .bind(&submission.network)
    .bind(now - by_network.window.seconds)
    .fetch_one(&mut *conn)
    .await?;
    let (key_lead, key_phone, phone_count, phone_oldest, ip_count, ip_oldest) =
        (row.0, row.1, row.2, row.3, row.4, row.5);
    let (network_count, network_oldest) = (row.6, row.7);
    let usage = |count: i64, oldest: Option<i64>| Usage {
        count: u32::try_from(count).unwrap_or(u32::MAX),
        oldest_age_seconds: oldest.map(|at| now - at),
    };
    Ok(Earlier {
        key_used_by: key_lead.zip(key_phone),
        limits: decide(&[
            (by_phone, usage(phone_count, phone_oldest)),
            (by_ip, usage(ip_count, ip_oldest)),
            (by_network, usage(network_count, network_oldest)),
        ]),
    })
}

/// The phone's open lead with activity in the last 30 days, which a
/// repeat request joins instead of making a duplicate.
async fn open_lead(conn: &mut Conn<'_>, phone: &str) -> Result<Option<i64>, sqlx::Error> {
    let open_statuses = LeadStatus::sql_list(&LeadStatus::OPEN);
    let sql = format!(
        "SELECT id FROM leads WHERE phone = $1 AND status IN ({open_statuses})
           AND last_activity_at >= $2
         ORDER BY id DESC LIMIT 1"
    );
    query(&sql)
        .bind(phone)
        .bind(crate::clock::iso_days_ago(30))
        .scalar_optional(&mut *conn)
        .await
}

/// The four school columns of a lead, in the order the statements name
/// them: `zhongkao_year, school_target, school_deadline, school_status`.
trait BindSchool {
    fn bind_school(self, school: Option<&LeadSchool>) -> Self;
}

impl BindSchool for Query<'_> {
    fn bind_school(self, school: Option<&LeadSchool>) -> Self {
        self.bind(school.map(|s| i64::from(s.zhongkao_year)))
            .bind(school.map(|s| s.target.clone()))
            .bind(school.map(|s| s.deadline.clone()))
            .bind(school.map(|s| s.status.code()))
    }
}

/// A repeat request: fresher activity, consent and result on the open lead.
async fn join_lead(
    conn: &mut Conn<'_>,
    lead_id: i64,
    submission: &Submission,
) -> Result<(), sqlx::Error> {
    let request = &submission.request;
    query(
        "UPDATE leads SET last_activity_at = $1,
             marketing = $2,
             assessment_token = coalesce($3, assessment_token),
             assessment_snapshot = coalesce($4, assessment_snapshot),
             total = coalesce($5, total),
             zhongkao_year = coalesce($6, zhongkao_year),
             school_target = coalesce($7, school_target),
             school_deadline = coalesce($8, school_deadline),
             school_status = coalesce($9, school_status)
         WHERE id = $10",
    )
    .bind(crate::clock::iso_now())
    .bind(request.marketing)
    .bind(request.assessment.as_deref())
    .bind(submission.snapshot.as_deref())
    .bind(submission.total)
    .bind_school(submission.school.as_ref())
    .bind(lead_id)
    .execute(&mut *conn)
    .await?;
    let event = LeadEvent::RepeatRequest {
        interest: request.interest.code().to_string(),
        source: submission.source.to_string(),
        assessment: request.assessment.clone(),
        organisation: request.organisation.clone(),
    };
    add_event(conn, lead_id, &event, None).await
}

/// A new lead with its `created` event and its alerts to the robots in
/// `alerts`; returns its id.
async fn create_lead(
    conn: &mut Conn<'_>,
    alerts: &[AlertChannel],
    submission: &Submission,
) -> Result<i64, sqlx::Error> {
    let request = &submission.request;
    let interest = request.interest.code();
    let (lead_id, created_at): (i64, String) = query(
        "INSERT INTO leads (name, phone, interest, organisation, source, assessment_token,
             assessment_snapshot, total, consent_version, consent_at, marketing,
             zhongkao_year, school_target, school_deadline, school_status)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
         RETURNING id, created_at",
    )
    .bind(&request.name)
    .bind(request.phone.as_str())
    .bind(interest)
    .bind(request.organisation.as_deref())
    .bind(submission.source)
    .bind(request.assessment.as_deref())
    .bind(submission.snapshot.as_deref())
    .bind(submission.total)
    .bind(submission.notice_version)
    .bind(crate::clock::iso_now())
    .bind(request.marketing)
    .bind_school(submission.school.as_ref())
    .fetch_one(&mut *conn)
    .await?;
    let event = LeadEvent::Created {
        interest: interest.to_string(),
        source: submission.source.to_string(),
        assessment: request.assessment.clone(),
    };
    add_event(conn, lead_id, &event, None).await?;
    let today = crate::clock::shanghai_today();
    let alert = LeadAlert::new(
        AlertEvent::NewLead,
        lead_id,
        interest,
        submission.total.map(i64::from),
        request.phone.as_str(),
        &created_at,
    )
    .with_school(submission.school.as_ref().map(|s| SchoolNote::of(s, today)));
    super::alerts::enqueue(conn, alerts, &alert, submission.now).await?;
    Ok(lead_id)
}

/// What every stored request leaves besides the lead: its consent, the
/// submission (for limits and replays) and the advisors' notification
/// (`repeat` when it joined an open lead).
async fn record_submission(
    conn: &mut Conn<'_>,
    submission: &Submission,
    lead_id: i64,
    repeat: bool,
    key_to_store: Option<&str>,
) -> Result<(), sqlx::Error> {
    let request = &submission.request;
    query(
        "INSERT INTO consents (lead_id, notice_version, consent, marketing, share_sensitive, ip)
         VALUES ($1, $2, TRUE, $3, $4, $5)",
    )
    .bind(lead_id)
    .bind(submission.notice_version)
    .bind(request.marketing)
    .bind(request.share_sensitive)
    .bind(&submission.ip)
    .execute(&mut *conn)
    .await?;
    query(
        "INSERT INTO lead_submissions (idempotency_key, lead_id, phone, ip, network, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(key_to_store)
    .bind(lead_id)
    .bind(request.phone.as_str())
    .bind(&submission.ip)
    .bind(&submission.network)
    .bind(submission.now)
    .execute(&mut *conn)
    .await?;
    let school = submission
        .school
        .as_ref()
        .map(|s| SchoolNote::of(s, crate::clock::shanghai_today()));
    let notification = json!({
        "lead_id": lead_id,
        "interest": request.interest.code(),
        "band": score_band(submission.total),
        "repeat": repeat,
        "school": school,
    });
    super::outbox::enqueue(conn, "lead_notification", &notification, submission.now).await?;
    Ok(())
}

pub async fn add_event(
    conn: &mut Conn<'_>,
    lead_id: i64,
    event: &LeadEvent,
    actor: Option<&str>,
) -> Result<(), sqlx::Error> {
    query("INSERT INTO lead_events (lead_id, kind, detail, actor) VALUES ($1, $2, $3, $4)")
        .bind(lead_id)
        .bind(event.kind())
        .bind(event.detail())
        .bind(actor)
        .execute(conn)
        .await?;
    Ok(())
}

/// How callback requests are written.
///
/// On SQLite, group commit: one task writes every request that is waiting
/// in a single `BEGIN IMMEDIATE` transaction and answers each only after
/// the commit; if any fails, each is written again in a transaction of its
/// own, so one failure spoils nothing else. With `synchronous=FULL` the
/// fsync is what costs; this shares it.
///
/// On PostgreSQL, a transaction per request on the pool: the server already
/// shares one WAL flush among concurrent commits, and a single writer only
/// serialised them (`bench/run`: 875 leads/s through one writer, 1,513/s
/// one transaction each).
#[derive(Clone)]
pub struct LeadWriter(Route);

#[derive(Clone)]
enum Route {
    Grouped(tokio::sync::mpsc::Sender<Job>),
    Direct { db: Db, checks: Arc<Checks> },
}

/// What checking and storing a request takes besides the database.
struct Checks {
    secrets: Secrets,
    rules: CodeRules,
    limits: SubmitLimits,
    /// The robots told of each new lead.
    alerts: Vec<AlertChannel>,
}

impl Checks {
    /// The request in a transaction of its own.
    async fn submit(&self, db: &Db, submission: &Submission) -> Result<SubmitOutcome, sqlx::Error> {
        submit(
            db,
            &self.secrets,
            &self.rules,
            &self.limits,
            &self.alerts,
            submission,
        )
        .await
    }

    /// The request in the caller's transaction (see `submit_in`).
    async fn submit_in(
        &self,
        conn: &mut Conn<'_>,
        submission: &Submission,
    ) -> Result<SubmitOutcome, sqlx::Error> {
        submit_in(
            conn,
            &self.secrets,
            &self.rules,
            &self.limits,
            &self.alerts,
            submission,
        )
        .await
    }
}

struct Job {
    submission: Submission,
    reply: tokio::sync::oneshot::Sender<Result<SubmitOutcome, sqlx::Error>>,
}

/// The most requests one transaction takes.
const MAX_BATCH: usize = 512;

/// What the group-commit writer keeps between batches.
struct WriterState {
    writer: WriterConnection,
    checks: Checks,
}

impl LeadWriter {
    pub fn start(
        tasks: &WriterTasks,
        db: Db,
        secrets: Secrets,
        rules: CodeRules,
        limits: SubmitLimits,
        alerts: Vec<AlertChannel>,
    ) -> Self {
        let checks = Checks {
            secrets,
            rules,
            limits,
            alerts,
        };
        if db.backend() == super::Backend::Postgres {
            let checks = Arc::new(checks);
            return Self(Route::Direct { db, checks });
        }
        let placement = Placement::for_writer_on(&db);
        let state = WriterState {
            writer: WriterConnection::new(db),
            checks,
        };
        let jobs = super::group_commit::spawn(tasks, MAX_BATCH, placement, state, write_batch);
        Self(Route::Grouped(jobs))
    }

    /// Stores one request; returns once it is committed (or refused).
    pub async fn submit(&self, submission: Submission) -> Result<SubmitOutcome, sqlx::Error> {
        match &self.0 {
            Route::Grouped(jobs) => {
                let (reply, answer) = tokio::sync::oneshot::channel();
                jobs.send(Job { submission, reply })
                    .await
                    .map_err(|_| sqlx::Error::PoolClosed)?;
                answer.await.map_err(|_| sqlx::Error::PoolClosed)?
            }
            Route::Direct { db, checks } => checks.submit(db, &submission).await,
        }
    }
}

async fn write_batch(mut state: WriterState, batch: Vec<Job>) -> WriterState {
    let WriterState { writer, checks } = &mut state;
    let together = async {
        let mut transaction = writer.get().await?.begin(true).await?;
        // Every lock of the batch in one call (sorted there), before any
        // read: two instances' batches may wait for each other, never
        // deadlock.
        let locks: Vec<Lock<'_>> = batch
            .iter()
            .flat_map(|job| submit_locks(&job.submission))
            .collect();
        transaction.lock(&locks).await?;
        // No savepoint per job: two statements of a lead's dozen, paid on
        // every lead for a failure that is rare. A job that fails fails the
        // batch, and the batch is written again one job at a time (below),
        // so each request still gets its own answer.
        let mut outcomes = Vec::with_capacity(batch.len());
        let mut conn = transaction.conn();
        for job in &batch {
            outcomes.push(checks.submit_in(&mut conn, &job.submission).await?);
        }
        transaction.commit().await?;
        Ok::<_, sqlx::Error>(outcomes)
    };
    match together.await {
        Ok(outcomes) => {
            for (job, outcome) in batch.into_iter().zip(outcomes) {
                let _ = job.reply.send(Ok(outcome));
            }
        }
        Err(error) => {
            // The shared transaction failed (one job's statement, or the
            // disk): try each alone, so every request gets its own answer.
            tracing::warn!(%error, size = batch.len(), "group commit failed; writing one by one");
            writer.discard();
            for job in batch {
                let outcome = checks.submit(writer.db(), &job.submission).await;
                let _ = job.reply.send(outcome);
            }
        }
    }
    state
}
