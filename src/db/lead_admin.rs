//! What advisors read and change about leads. Every change writes its
//! timeline event in the same transaction and counts as activity.

use crate::leads::school::{URGENT_STATUSES, URGENT_WITHIN_DAYS};

use super::{Conn, Db, Lock, Query, dialect, query};

use crate::leads::calls::{Call, UNREACHABLE_AFTER};
use crate::leads::events::LeadEvent;
use crate::leads::status::LeadStatus;

#[derive(Debug, Clone, Default)]
pub struct LeadFilter {
    pub status: Option<LeadStatus>,
    /// `Some(None)`: unassigned only.
    pub advisor: Option<Option<i64>>,
    pub interest: Option<String>,
    /// Created at or after (UTC ISO text).
    pub from: Option<String>,
    /// Created before (UTC ISO text).
    pub until: Option<String>,
    /// "reached", "near", "far" or "none".
    pub band: Option<String>,
    /// A name fragment, or the last 4 digits of the phone.
    pub search: Option<String>,
    /// Restricts to leads assigned to this advisor or to nobody.
    pub visible_to: Option<i64>,
    /// `Some(false)`: leave out leads with three unanswered calls or more;
    /// `Some(true)`: only those.
    pub unreachable: Option<bool>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LeadRow {
    pub id: i64,
    pub name: String,
    pub phone: String,
    pub interest: String,
    pub organisation: Option<String>,
    pub status: String,
    pub advisor_id: Option<i64>,
    pub advisor_name: Option<String>,
    pub total: Option<i64>,
    pub created_at: String,
    pub first_contacted_at: Option<String>,
    pub next_follow_up: Option<String>,
    pub call_attempts: i64,
    pub unanswered_calls: i64,
    /// The child's 中考 (issue 26), when the self-test named a child.
    pub zhongkao_year: Option<i64>,
    pub school_target: Option<String>,
    pub school_deadline: Option<String>,
    pub school_status: Option<String>,
}

const ROW_COLUMNS: &str =
    "l.id, l.name, l.phone, l.interest, l.organisation, l.status, l.advisor_id,
    a.display_name AS advisor_name, l.total, l.created_at, l.first_contacted_at, l.next_follow_up,
    l.call_attempts, l.unanswered_calls, l.zhongkao_year, l.school_target, l.school_deadline,
    l.school_status";

/// `SELECT` of a `LeadRow`, from its FROM clause on.
fn rows_select() -> String {
    format!("SELECT {ROW_COLUMNS} FROM leads l LEFT JOIN advisors a ON a.id = l.advisor_id")
}

/// `select` (which names `leads l`) over the leads `visible_to` may see,
/// ready for more `AND …`.
fn visible(select: &str, visible_to: Option<i64>) -> Query<'static> {
    let mut query = Query::build();
    query.push(select);
    push_filter(
        &mut query,
        &LeadFilter {
            visible_to,
            ..LeadFilter::default()
        },
    );
    query
}

fn push_filter(query: &mut Query<'_>, filter: &LeadFilter) {
    query.push(" WHERE 1 = 1");
    if let Some(status) = filter.status {
        query.push(" AND l.status = ").push_bind(status.code());
    }
    match filter.advisor {
        Some(Some(id)) => {
            query.push(" AND l.advisor_id = ").push_bind(id);
        }
        Some(None) => {
            query.push(" AND l.advisor_id IS NULL");
        }
        None => {}
    }
    if let Some(interest) = &filter.interest {
        query.push(" AND l.interest = ").push_bind(interest.clone());
    }
    if let Some(from) = &filter.from {
        query.push(" AND l.created_at >= ").push_bind(from.clone());
    }
    if let Some(until) = &filter.until {
        query.push(" AND l.created_at < ").push_bind(until.clone());
    }
    match filter.band.as_deref() {
        Some("reached") => {
            query.push(" AND l.total >= 120");
        }
        Some("near") => {
            query.push(" AND l.total >= 100 AND l.total < 120");
        }
        Some("far") => {
            query.push(" AND l.total < 100");
        }
        Some("none") => {
            query.push(" AND l.total IS NULL");
        }
        _ => {}
    }
    if let Some(search) = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        if search.len() == 4 && search.bytes().all(|b| b.is_ascii_digit()) {
            // The last four digits: `substr(x, -4)` counts from the end on
            // SQLite only; four digits hold no LIKE wildcard.
            query
                .push(" AND l.phone LIKE ")
                .push_bind(format!("%{search}"));
        } else {
            // Case-insensitive on both (SQLite's LIKE folds ASCII case,
            // PostgreSQL's does not); `\` is PostgreSQL's LIKE escape.
            let pattern = format!("%{}%", search.replace(['%', '_', '\\'], ""));
            query
                .push(" AND lower(l.name) LIKE lower(")
                .push_bind(pattern)
                .push(")");
        }
    }
    match filter.unreachable {
        Some(true) => {
            query.push(&format!(" AND l.unanswered_calls >= {UNREACHABLE_AFTER}"));
        }
        Some(false) => {
            query.push(&format!(" AND l.unanswered_calls < {UNREACHABLE_AFTER}"));
        }
        None => {}
    }
    if let Some(advisor) = filter.visible_to {
        query
            .push(" AND (l.advisor_id IS NULL OR l.advisor_id = ")
            .push_bind(advisor)
            .push(")");
    }
}

pub async fn list(
    db: &Db,
    filter: &LeadFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<LeadRow>, i64), sqlx::Error> {
    let mut count = Query::build();
    count.push("SELECT count(*) FROM leads l");
    push_filter(&mut count, filter);
    let total: i64 = count.scalar(db).await?;
    let mut query = Query::build();
    query.push(&rows_select());
    push_filter(&mut query, filter);
    query
        .push(" ORDER BY l.id DESC LIMIT ")
        .push_bind(limit)
        .push(" OFFSET ")
        .push_bind(offset);
    let rows = query.fetch_all::<LeadRow>(db).await?;
    Ok((rows, total))
}

pub async fn row(db: &Db, id: i64) -> Result<Option<LeadRow>, sqlx::Error> {
    query(&format!("{} WHERE l.id = $1", rows_select()))
        .bind(id)
        .fetch_optional(db)
        .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LeadExtra {
    pub source: String,
    pub assessment_token: Option<String>,
    pub assessment_snapshot: Option<String>,
    pub consent_version: String,
    pub consent_at: String,
    pub marketing: bool,
}

pub async fn extra(db: &Db, id: i64) -> Result<Option<LeadExtra>, sqlx::Error> {
    query(
        "SELECT source, assessment_token, assessment_snapshot, consent_version, consent_at, marketing
         FROM leads WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Event {
    pub kind: String,
    pub detail: String,
    pub actor: Option<String>,
    pub created_at: String,
}

pub async fn events(db: &Db, lead_id: i64) -> Result<Vec<Event>, sqlx::Error> {
    query("SELECT kind, detail, actor, created_at FROM lead_events WHERE lead_id = $1 ORDER BY id")
        .bind(lead_id)
        .fetch_all(db)
        .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Consent {
    pub notice_version: String,
    pub consent: bool,
    pub marketing: bool,
    pub share_sensitive: bool,
    pub ip: String,
    pub created_at: String,
}

pub async fn consents(db: &Db, lead_id: i64) -> Result<Vec<Consent>, sqlx::Error> {
    query(
        "SELECT notice_version, consent, marketing, share_sensitive, ip, created_at FROM consents
         WHERE lead_id = $1 ORDER BY id",
    )
    .bind(lead_id)
    .fetch_all(db)
    .await
}

/// A change to a lead, with the events that record it.
pub enum Change<'a> {
    Note(&'a str),
    Status {
        status: LeadStatus,
        reason: Option<&'a str>,
    },
    Assign {
        advisor_id: Option<i64>,
        advisor_name: Option<&'a str>,
    },
    FollowUp(Option<&'a str>),
    /// The full number shown to this advisor; an unassigned lead becomes
    /// theirs (whoever calls it owns it).
    Reveal {
        advisor_id: i64,
        advisor_name: &'a str,
    },
    Call(&'a Call),
}

/// A timeline event to write.
type NewEvent = LeadEvent;

/// One change at a time per lead across instances (the `lead` lock), so
/// the "from" of a status change is the status it replaced and call counts
/// add up.
pub async fn apply(
    db: &Db,
    lead_id: i64,
    actor: &str,
    change: Change<'_>,
) -> Result<Applied, sqlx::Error> {
    let lead_key = lead_id.to_string();
    let mut transaction = db.begin_write(&[Lock::on("lead", &lead_key)]).await?;
    let mut conn = transaction.conn();
    // The visitor may have deleted the lead since the advisor opened it
    // (the privacy deletion takes the same lock), or the retention job
    // anonymised it: nothing more is written about that person.
    let exists: i64 = query("SELECT count(*) FROM leads WHERE id = $1 AND anonymised_at IS NULL")
        .bind(lead_id)
        .scalar(&mut conn)
        .await?;
    if exists == 0 {
        return Ok(Applied::Gone);
    }
    let now = crate::clock::iso_now();
    let events = match change {
        Change::Note(text) => vec![LeadEvent::Note {
            text: text.to_string(),
        }],
        Change::Status { status, reason } => {
            vec![set_status(&mut conn, lead_id, &now, status, reason).await?]
        }
        Change::Assign {
            advisor_id,
            advisor_name,
        } => vec![assign(&mut conn, lead_id, advisor_id, advisor_name).await?],
        Change::FollowUp(date) => vec![set_follow_up(&mut conn, lead_id, date).await?],
        Change::Reveal {
            advisor_id,
            advisor_name,
        } => reveal(&mut conn, lead_id, advisor_id, advisor_name).await?,
        Change::Call(call) => record_call(&mut conn, lead_id, &now, call).await?,
    };
    query("UPDATE leads SET last_activity_at = $1 WHERE id = $2")
        .bind(&now)
        .bind(lead_id)
        .execute(&mut conn)
        .await?;
    for event in &events {
        super::leads::add_event(&mut conn, lead_id, event, Some(actor)).await?;
    }
    transaction.commit().await?;
    Ok(Applied::Done)
}

/// What became of a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    Done,
    /// The lead no longer exists (deleted at the visitor's request) or
    /// was anonymised.
    Gone,
}

async fn set_status(
    conn: &mut Conn<'_>,
    lead_id: i64,
    now: &str,
    status: LeadStatus,
    reason: Option<&str>,
) -> Result<NewEvent, sqlx::Error> {
    let previous: String = query("SELECT status FROM leads WHERE id = $1")
        .bind(lead_id)
        .scalar(&mut *conn)
        .await?;
    query(
        "UPDATE leads SET status = $1,
             first_contacted_at = CASE WHEN first_contacted_at IS NULL AND $2
                 THEN $3 ELSE first_contacted_at END
         WHERE id = $4",
    )
    .bind(status.code())
    .bind(status != LeadStatus::New)
    .bind(now)
    .bind(lead_id)
    .execute(conn)
    .await?;
    Ok(LeadEvent::StatusChanged {
        from: previous,
        to: status.code().to_string(),
        reason: reason.map(String::from),
    })
}

async fn assign(
    conn: &mut Conn<'_>,
    lead_id: i64,
    advisor_id: Option<i64>,
    advisor_name: Option<&str>,
) -> Result<NewEvent, sqlx::Error> {
    query("UPDATE leads SET advisor_id = $1 WHERE id = $2")
        .bind(advisor_id)
        .bind(lead_id)
        .execute(conn)
        .await?;
    Ok(LeadEvent::Assigned {
        advisor_id,
        advisor: advisor_name.map(String::from),
    })
}

async fn set_follow_up(
    conn: &mut Conn<'_>,
    lead_id: i64,
    date: Option<&str>,
) -> Result<NewEvent, sqlx::Error> {
    query("UPDATE leads SET next_follow_up = $1 WHERE id = $2")
        .bind(date)
        .bind(lead_id)
        .execute(conn)
        .await?;
    Ok(LeadEvent::FollowUpSet {
        date: date.map(String::from),
    })
}

async fn reveal(
    conn: &mut Conn<'_>,
    lead_id: i64,
    advisor_id: i64,
    advisor_name: &str,
) -> Result<Vec<NewEvent>, sqlx::Error> {
    let mut events = Vec::with_capacity(2);
    let taken = query("UPDATE leads SET advisor_id = $1 WHERE id = $2 AND advisor_id IS NULL")
        .bind(advisor_id)
        .bind(lead_id)
        .execute(&mut *conn)
        .await?;
    if taken == 1 {
        events.push(LeadEvent::Assigned {
            advisor_id: Some(advisor_id),
            advisor: Some(advisor_name.to_string()),
        });
    }
    events.push(LeadEvent::PhoneRevealed);
    Ok(events)
}

/// The lead's call counts and contact, as a call needs them.
#[derive(sqlx::FromRow)]
struct CallState {
    status: String,
    unanswered_calls: i64,
    contacted: bool,
    call_attempts: i64,
}

async fn record_call(
    conn: &mut Conn<'_>,
    lead_id: i64,
    now: &str,
    call: &Call,
) -> Result<Vec<NewEvent>, sqlx::Error> {
    let before: CallState = query(
        "SELECT status, unanswered_calls, first_contacted_at IS NOT NULL AS contacted, call_attempts
         FROM leads WHERE id = $1",
    )
    .bind(lead_id)
    .fetch_one(&mut *conn)
    .await?;
    let current = LeadStatus::from_code(&before.status).unwrap_or(LeadStatus::New);
    let effects = call.effects(current, before.unanswered_calls, before.contacted);
    query(
        "UPDATE leads SET call_attempts = call_attempts + 1, unanswered_calls = $1,
             first_attempt_at = COALESCE(first_attempt_at, $2), last_call_at = $2,
             first_contacted_at = CASE WHEN $3 THEN COALESCE(first_contacted_at, $2)
                 ELSE first_contacted_at END
         WHERE id = $4",
    )
    .bind(effects.unanswered_calls)
    .bind(now)
    .bind(effects.first_contact)
    .bind(lead_id)
    .execute(&mut *conn)
    .await?;
    let mut events = vec![LeadEvent::Call {
        outcome: call.outcome.code().to_string(),
        note: call.note.clone(),
        attempt: before.call_attempts + 1,
    }];
    if let Some((status, reason)) = &effects.status {
        events.push(set_status(conn, lead_id, now, *status, reason.as_deref()).await?);
    }
    if let Some(date) = call.follow_up {
        events.push(set_follow_up(conn, lead_id, Some(&date.to_string())).await?);
    }
    Ok(events)
}

/// When `actor` last revealed this lead's number, if at or after `since`
/// (UTC ISO text): the number stays shown to them until 10 minutes after.
pub async fn revealed_at(
    db: &Db,
    lead_id: i64,
    actor: &str,
    since: &str,
) -> Result<Option<String>, sqlx::Error> {
    query(
        "SELECT created_at FROM lead_events
         WHERE lead_id = $1 AND kind = 'phone_revealed' AND actor = $2 AND created_at >= $3
         ORDER BY id DESC LIMIT 1",
    )
    .bind(lead_id)
    .bind(actor)
    .bind(since)
    .scalar_optional(db)
    .await
}

/// The lead to call after `current`: a new lead nobody tried today (oldest
/// first: the closest to overdue), else a follow-up due today not yet called
/// today. Unreachable leads (three unanswered tries) wait in their section.
pub async fn next_to_call(
    db: &Db,
    current: i64,
    visible_to: Option<i64>,
    today: &str,
    today_start: &str,
) -> Result<Option<i64>, sqlx::Error> {
    let mut query = visible("SELECT l.id FROM leads l", visible_to);
    query
        .push(" AND l.id <> ")
        .push_bind(current)
        .push(" AND (l.last_call_at IS NULL OR l.last_call_at < ")
        .push_bind(today_start.to_string())
        .push(&format!(
            ") AND ((l.status = 'new' AND l.unanswered_calls < {UNREACHABLE_AFTER})
               OR (l.status IN ({}) AND l.next_follow_up <= ",
            LeadStatus::sql_list(&LeadStatus::FOLLOWED_UP)
        ))
        .push_bind(today.to_string())
        .push(
            ")) ORDER BY CASE WHEN l.status = 'new' THEN 0 ELSE 1 END, l.created_at, l.id LIMIT 1",
        );
    query.scalar_optional(db).await
}

/// Open leads nobody answered the last three (or more) times.
pub async fn unreachable(db: &Db, visible_to: Option<i64>) -> Result<Vec<LeadRow>, sqlx::Error> {
    let mut query = visible(&rows_select(), visible_to);
    query.push(&format!(
        " AND l.status IN ({}) AND l.unanswered_calls >= {UNREACHABLE_AFTER}
         ORDER BY l.last_call_at, l.id LIMIT 100",
        LeadStatus::sql_list(&LeadStatus::OPEN)
    ));
    query.fetch_all(db).await
}

/// Counts by status, for the leads this advisor may see.
pub async fn status_counts(
    db: &Db,
    visible_to: Option<i64>,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let mut query = visible("SELECT l.status, count(*) FROM leads l", visible_to);
    query.push(" GROUP BY l.status");
    query.fetch_all(db).await
}

/// Open leads with a follow-up date on or before `today` (YYYY-MM-DD).
pub async fn follow_ups_due(
    db: &Db,
    today: &str,
    visible_to: Option<i64>,
) -> Result<Vec<LeadRow>, sqlx::Error> {
    let mut query = visible(&rows_select(), visible_to);
    query
        .push(&format!(
            " AND l.status IN ({}) AND l.next_follow_up IS NOT NULL AND l.next_follow_up <= ",
            LeadStatus::sql_list(&LeadStatus::FOLLOWED_UP)
        ))
        .push_bind(today.to_string());
    // A child whose 中考 is near and tight, 补报名 or missed comes first.
    let urgent: Vec<String> = URGENT_STATUSES
        .iter()
        .map(|status| format!("'{}'", status.code()))
        .collect();
    let horizon = time::Date::parse(
        today,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map(|day| (day + time::Duration::days(URGENT_WITHIN_DAYS)).to_string())
    .unwrap_or_else(|_| today.to_string());
    query
        .push(&format!(
            " ORDER BY CASE WHEN l.school_status IN ({}) AND l.school_deadline >= ",
            urgent.join(", ")
        ))
        .push_bind(today.to_string())
        .push(" AND l.school_deadline <= ")
        .push_bind(horizon)
        .push(" THEN 0 ELSE 1 END, l.next_follow_up, l.id LIMIT 100");
    query.fetch_all(db).await
}

/// Per Shanghai day since `since` (UTC ISO): self-tests, leads, first contacts.
pub async fn daily_activity(
    db: &Db,
    since: &str,
) -> Result<Vec<(String, i64, i64, i64)>, sqlx::Error> {
    let backend = db.backend();
    let created = dialect::shanghai_day(backend, "created_at");
    let contacted = dialect::shanghai_day(backend, "first_contacted_at");
    query(&format!(
        "WITH days AS (
             SELECT {created} AS day, 1 AS tests, 0 AS leads, 0 AS contacts FROM assessments WHERE created_at >= $1
             UNION ALL SELECT {created}, 0, 1, 0 FROM leads WHERE created_at >= $1
             UNION ALL SELECT {contacted}, 0, 0, 1 FROM leads WHERE first_contacted_at >= $1
         )
         SELECT day, CAST(sum(tests) AS BIGINT), CAST(sum(leads) AS BIGINT), CAST(sum(contacts) AS BIGINT)
         FROM days GROUP BY day ORDER BY day"
    ))
    .bind(since)
    .fetch_all(db)
    .await
}
