//! `captcha_uses`, `sms_sends`, `verification_codes`: everything checked and
//! counted before an SMS is sent, in one transaction.

use super::{Conn, Db, Lock, query};

use crate::leads::codes::{CodeRules, CodeState, CodeVerdict, WrongToday};
use crate::leads::limits::{
    BudgetLevel, Refusal, Rule, SendLimits, Usage, Window, decide, reserve_allows,
};

/// The answer to a request for a code.
#[derive(Debug, PartialEq, Eq)]
pub enum Reservation {
    /// Counted and stored: send the SMS, then report with `finish_send`.
    /// `alert` is set when this send moved the daily budget to a level the
    /// operator is told of (an email is already in the outbox).
    Granted {
        send_id: i64,
        alert: Option<BudgetLevel>,
    },
    /// A limit is full.
    Refused(Refusal),
    /// This proof of work was already used.
    ChallengeReused,
    /// The proof of work was easier than the budget's level now asks.
    TooEasy,
}

pub struct SendRequest<'a> {
    pub challenge: &'a str,
    /// The proof-of-work multiplier the challenge was issued with.
    pub work_multiplier: u64,
    pub phone: &'a str,
    /// The client (IPv4 address or IPv6 /64) and its network (/24, /48).
    pub ip: &'a str,
    pub network: &'a str,
    pub code_hmac: &'a str,
    pub now: i64,
}

/// SMS sends of the last 24 hours, for the budget level.
pub async fn sends_today(db: &Db, now: i64) -> Result<u32, sqlx::Error> {
    let count: i64 = query("SELECT count(*) FROM sms_sends WHERE sent_at > $1")
        .bind(now - 86_400)
        .scalar(db)
        .await?;
    Ok(u32::try_from(count).unwrap_or(u32::MAX))
}

/// How long a wrong code entry counts against its phone: a day.
const WRONG_ENTRY_SECONDS: i64 = 86_400;

/// Counts of wrong entries as the code rules take them.
fn wrong_today_of(by_client: i64, by_phone: i64) -> WrongToday {
    WrongToday {
        by_client: u32::try_from(by_client).unwrap_or(u32::MAX),
        by_phone: u32::try_from(by_phone).unwrap_or(u32::MAX),
    }
}

/// Wrong code entries for a phone over the last 24 hours, from this client
/// and from everyone, with the age of the oldest of each (for when the lock
/// opens again).
async fn wrong_today(
    conn: &mut Conn<'_>,
    phone: &str,
    client: &str,
    now: i64,
) -> Result<(WrongToday, Option<i64>, Option<i64>), sqlx::Error> {
    let (by_client, client_oldest, by_phone, phone_oldest): (i64, Option<i64>, i64, Option<i64>) =
        query(
            "SELECT count(*) FILTER (WHERE client = $2), min(at) FILTER (WHERE client = $2),
                    count(*), min(at)
             FROM wrong_code_entries WHERE phone = $1 AND at > $3",
        )
        .bind(phone)
        .bind(client)
        .bind(now - WRONG_ENTRY_SECONDS)
        .fetch_one(conn)
        .await?;
    Ok((
        wrong_today_of(by_client, by_phone),
        client_oldest.map(|at| now - at),
        phone_oldest.map(|at| now - at),
    ))
}

async fn usage(
    conn: &mut Conn<'_>,
    sql: &str,
    key: Option<&str>,
    rule: &Rule,
    now: i64,
) -> Result<(Rule, Usage), sqlx::Error> {
    let since = now - rule.window.seconds;
    let statement = query(sql);
    let statement = match key {
        Some(key) => statement.bind(key).bind(since),
        None => statement.bind(since),
    };
    let (count, oldest): (i64, Option<i64>) = statement.fetch_one(&mut *conn).await?;
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
/// On PostgreSQL the same transaction holds the locks of `send_locks`.
pub async fn reserve_send(
    db: &Db,
    limits: &SendLimits,
    rules: &CodeRules,
    request: SendRequest<'_>,
) -> Result<Reservation, sqlx::Error> {
    let mut transaction = db.begin_write(&send_locks(&request)).await?;
    // Every answer commits: a refused request has still used its challenge.
    let reservation = reserve_in(&mut transaction.conn(), limits, rules, &request).await?;
    transaction.commit().await?;
    Ok(reservation)
}

/// What a reservation serialises on across instances. The daily budget
/// counts every send on the site, so every reservation takes its one lock
/// (which also covers the client's network: no other write counts sends).
/// The phone's lock orders it with code checks (`consume_code_from`), whose
/// wrong entries can close the phone for the day; the client's with the
/// other limits counted by client.
fn send_locks<'a>(request: &SendRequest<'a>) -> [Lock<'a>; 3] {
    [
        Lock::on("sms-budget", "all"),
        code_lock(request.phone),
        Lock::on("client", request.ip),
    ]
}

async fn reserve_in(
    conn: &mut Conn<'_>,
    limits: &SendLimits,
    rules: &CodeRules,
    request: &SendRequest<'_>,
) -> Result<Reservation, sqlx::Error> {
    if !use_challenge(conn, request).await? {
        return Ok(Reservation::ChallengeReused);
    }
    if let Err(refusal) = wrong_code_lock(conn, rules, request).await? {
        return Ok(Reservation::Refused(refusal));
    }
    let (checks, sent_today) = send_usage(conn, limits, request).await?;
    if let Err(refusal) = decide(&checks) {
        return Ok(Reservation::Refused(refusal));
    }
    // The budget degrades in steps: harder proof of work, then a reserve
    // kept for phones and networks without a code today.
    let budget = limits.global_day.limit;
    let level = BudgetLevel::of(sent_today, budget);
    if request.work_multiplier < level.work_multiplier() {
        return Ok(Reservation::TooEasy);
    }
    // The 24-hour windows of the phone and of the client, by their rules.
    let today = |rule: Rule| {
        checks
            .iter()
            .find(|(checked, _)| *checked == rule)
            .map_or(0, |(_, usage)| usage.count)
    };
    let phone_today = today(limits.phone_rules()[2]);
    let client_today = today(limits.ip_rules()[1]);
    if !reserve_allows(level, phone_today, client_today) {
        return Ok(Reservation::Refused(Refusal {
            retry_after_seconds: 3600,
            message: "今天的短信额度即将用完，暂时只为今天尚未获取过验证码的号码发送，请稍后再试",
        }));
    }
    grant(conn, request, sent_today, budget).await
}

/// Marks the proof of work used; false when it already was.
async fn use_challenge(
    conn: &mut Conn<'_>,
    request: &SendRequest<'_>,
) -> Result<bool, sqlx::Error> {
    let fresh = query(
        "INSERT INTO captcha_uses (challenge, used_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(request.challenge)
    .bind(request.now)
    .execute(&mut *conn)
    .await?;
    Ok(fresh > 0)
}

/// A phone locked for the day gets no SMS: it would be billed for a code
/// that cannot be entered. The refusal says when the lock opens.
async fn wrong_code_lock(
    conn: &mut Conn<'_>,
    rules: &CodeRules,
    request: &SendRequest<'_>,
) -> Result<Result<(), Refusal>, sqlx::Error> {
    let (wrong, client_oldest, phone_oldest) =
        wrong_today(conn, request.phone, request.ip, request.now).await?;
    if !rules.locked_for_the_day(wrong) {
        return Ok(Ok(()));
    }
    let message = "验证码输错次数过多，该号码暂时不能获取验证码";
    let day = |limit| Rule {
        window: Window {
            limit,
            seconds: WRONG_ENTRY_SECONDS,
        },
        message,
    };
    Ok(decide(&[
        (
            day(rules.max_wrong_per_phone_day),
            Usage {
                count: wrong.by_client,
                oldest_age_seconds: client_oldest,
            },
        ),
        (
            day(rules.max_wrong_per_phone_all_clients),
            Usage {
                count: wrong.by_phone,
                oldest_age_seconds: phone_oldest,
            },
        ),
    ]))
}

/// Every send window's usage (phone, client, network, then everyone), and
/// the sends of the last 24 hours across the site.
async fn send_usage(
    conn: &mut Conn<'_>,
    limits: &SendLimits,
    request: &SendRequest<'_>,
) -> Result<(Vec<(Rule, Usage)>, u32), sqlx::Error> {
    const BY_PHONE: &str =
        "SELECT count(*), min(sent_at) FROM sms_sends WHERE phone = $1 AND sent_at > $2";
    const BY_IP: &str =
        "SELECT count(*), min(sent_at) FROM sms_sends WHERE ip = $1 AND sent_at > $2";
    const BY_NETWORK: &str =
        "SELECT count(*), min(sent_at) FROM sms_sends WHERE network = $1 AND sent_at > $2";
    const EVERYONE: &str = "SELECT count(*), min(sent_at) FROM sms_sends WHERE sent_at > $1";
    let keyed = [
        (BY_PHONE, request.phone, limits.phone_rules().to_vec()),
        (BY_IP, request.ip, limits.ip_rules().to_vec()),
        (BY_NETWORK, request.network, limits.network_rules().to_vec()),
    ];
    let mut checks = Vec::with_capacity(6);
    for (sql, key, rules) in keyed {
        for rule in rules {
            checks.push(usage(conn, sql, Some(key), &rule, request.now).await?);
        }
    }
    let global = usage(conn, EVERYONE, None, &limits.global_rule(), request.now).await?;
    checks.push(global);
    Ok((checks, global.1.count))
}

/// Counts the send, queues the operator's budget alert if this send
/// crossed a level, and stores the code.
async fn grant(
    conn: &mut Conn<'_>,
    request: &SendRequest<'_>,
    sent_today: u32,
    budget: u32,
) -> Result<Reservation, sqlx::Error> {
    let send_id: i64 = query(
        "INSERT INTO sms_sends (phone, ip, network, sent_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(request.phone)
    .bind(request.ip)
    .bind(request.network)
    .bind(request.now)
    .scalar(&mut *conn)
    .await?;
    let after = BudgetLevel::of(sent_today.saturating_add(1), budget);
    let alert = if after.alerts() {
        alert_once(conn, after, sent_today + 1, budget, request.now).await?
    } else {
        None
    };
    query("INSERT INTO verification_codes (phone, code_hmac, created_at) VALUES ($1, $2, $3)")
        .bind(request.phone)
        .bind(request.code_hmac)
        .bind(request.now)
        .execute(&mut *conn)
        .await?;
    Ok(Reservation::Granted { send_id, alert })
}

/// Queues one operator email per day and level; None when this level was
/// already reported today.
async fn alert_once(
    conn: &mut Conn<'_>,
    level: BudgetLevel,
    sent: u32,
    budget: u32,
    now: i64,
) -> Result<Option<BudgetLevel>, sqlx::Error> {
    let day = now.div_euclid(86_400);
    let fresh =
        query("INSERT INTO sms_budget_alerts (day, level) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(day.to_string())
            .bind(level.code())
            .execute(&mut *conn)
            .await?;
    if fresh == 0 {
        return Ok(None);
    }
    super::outbox::enqueue(
        conn,
        "sms_budget_alert",
        &serde_json::json!({ "level": level.code(), "sent": sent, "budget": budget }),
        now,
    )
    .await?;
    Ok(Some(level))
}

/// Records what the provider said. The send stays counted either way.
pub async fn finish_send(db: &Db, send_id: i64, delivered: bool) -> Result<(), sqlx::Error> {
    query("UPDATE sms_sends SET outcome = $1 WHERE id = $2")
        .bind(if delivered { "sent" } else { "failed" })
        .bind(send_id)
        .execute(db)
        .await?;
    Ok(())
}

/// The latest code sent to a phone.
#[derive(Debug)]
pub struct StoredCode {
    pub id: i64,
    pub code_hmac: String,
    pub created_at: i64,
    pub wrong_entries: i64,
    pub used_at: Option<i64>,
}

/// Counts a wrong entry against the code, and against the phone from this
/// client.
pub async fn record_wrong_entry(
    conn: &mut Conn<'_>,
    code_id: i64,
    phone: &str,
    client: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    query("UPDATE verification_codes SET wrong_entries = wrong_entries + 1 WHERE id = $1")
        .bind(code_id)
        .execute(&mut *conn)
        .await?;
    query("INSERT INTO wrong_code_entries (phone, client, at) VALUES ($1, $2, $3)")
        .bind(phone)
        .bind(client)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn mark_used(conn: &mut Conn<'_>, code_id: i64, now: i64) -> Result<(), sqlx::Error> {
    query("UPDATE verification_codes SET used_at = $1 WHERE id = $2")
        .bind(now)
        .bind(code_id)
        .execute(conn)
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
/// marked used, a wrong one counted (for the code, and for the phone from
/// this client). Commit either way. The transaction must hold
/// `code_lock(phone)` (a write transaction on SQLite), so that two entries
/// of one code are checked one after the other on every instance.
pub async fn consume_code_from(
    conn: &mut Conn<'_>,
    secrets: &crate::secrets::Secrets,
    rules: &CodeRules,
    phone: &str,
    client: &str,
    entered: &str,
    now: i64,
) -> Result<CodeCheck, sqlx::Error> {
    let (code, wrong_today) = code_and_wrong_today(&mut *conn, phone, client, now).await?;
    let state = code.as_ref().map(|code| CodeState {
        age_seconds: now - code.created_at,
        wrong_entries: u32::try_from(code.wrong_entries).unwrap_or(u32::MAX),
        used: code.used_at.is_some(),
    });
    Ok(match (rules.check(state, wrong_today), &code) {
        (CodeVerdict::Compare, Some(code)) => {
            if secrets.code_matches(phone, entered, &code.code_hmac) {
                mark_used(&mut *conn, code.id, now).await?;
                CodeCheck::Accepted
            } else {
                record_wrong_entry(&mut *conn, code.id, phone, client, now).await?;
                CodeCheck::Wrong
            }
        }
        (CodeVerdict::Locked, _) => CodeCheck::Locked,
        _ => CodeCheck::Missing,
    })
}

/// The phone's latest code and its wrong entries of the last 24 hours, in
/// one statement: a code check runs for every callback request inside the
/// group-commit writer, where each statement is a round trip to SQLite's
/// thread.
async fn code_and_wrong_today(
    conn: &mut Conn<'_>,
    phone: &str,
    client: &str,
    now: i64,
) -> Result<(Option<StoredCode>, WrongToday), sqlx::Error> {
    type Row = (
        Option<i64>,
        Option<String>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        i64,
        i64,
    );
    let (id, code_hmac, created_at, wrong_entries, used_at, by_client, by_phone): Row = query(
        "SELECT code.id, code.code_hmac, code.created_at, code.wrong_entries, code.used_at,
                (SELECT count(*) FROM wrong_code_entries
                  WHERE phone = $1 AND client = $2 AND at > $3),
                (SELECT count(*) FROM wrong_code_entries WHERE phone = $1 AND at > $3)
         FROM (SELECT 1 AS one) AS always
         LEFT JOIN verification_codes AS code
           ON code.id = (SELECT max(id) FROM verification_codes WHERE phone = $1)",
    )
    .bind(phone)
    .bind(client)
    .bind(now - WRONG_ENTRY_SECONDS)
    .fetch_one(conn)
    .await?;
    let code = match (id, code_hmac, created_at, wrong_entries) {
        (Some(id), Some(code_hmac), Some(created_at), Some(wrong_entries)) => Some(StoredCode {
            id,
            code_hmac,
            created_at,
            wrong_entries,
            used_at,
        }),
        _ => None,
    };
    Ok((code, wrong_today_of(by_client, by_phone)))
}

/// The lock a code check takes (`consume_code_from`): the phone's, which
/// every reservation of a code for that phone takes too.
pub fn code_lock(phone: &str) -> Lock<'_> {
    Lock::on("phone", phone)
}
