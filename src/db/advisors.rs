//! `advisors`, `sessions`, `login_failures`, `admin_events`.

use super::{Conn, Db, Lock, Query, query};

use crate::advisors::{LoginFailures, LoginGate, login_gate};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Advisor {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub role: String,
    pub active: bool,
    pub password_hash: String,
    /// Signs the known-device cookie; bumped by a password reset or a
    /// disable, so every cookie signed before stops counting.
    pub device_epoch: i64,
}

impl Advisor {
    pub fn is_admin(&self) -> bool {
        self.role == "admin"
    }
}

const COLUMNS: &str =
    "id, username, display_name, email, role, active, password_hash, device_epoch";

pub async fn count(db: &Db) -> Result<i64, sqlx::Error> {
    query("SELECT count(*) FROM advisors").scalar(db).await
}

pub async fn by_username(db: &Db, username: &str) -> Result<Option<Advisor>, sqlx::Error> {
    query(&format!(
        "SELECT {COLUMNS} FROM advisors WHERE username = $1"
    ))
    .bind(username)
    .fetch_optional(db)
    .await
}

pub async fn by_id(db: &Db, id: i64) -> Result<Option<Advisor>, sqlx::Error> {
    query(&format!("SELECT {COLUMNS} FROM advisors WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn all(db: &Db) -> Result<Vec<Advisor>, sqlx::Error> {
    query(&format!(
        "SELECT {COLUMNS} FROM advisors ORDER BY active DESC, username"
    ))
    .fetch_all(db)
    .await
}

/// Emails of active advisors, for notifications.
pub async fn active_emails(db: &Db) -> Result<Vec<String>, sqlx::Error> {
    let rows: Vec<(String,)> = query(
        "SELECT email FROM advisors WHERE active = TRUE AND email IS NOT NULL AND email != ''",
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|(email,)| email).collect())
}

pub struct NewAdvisor<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub email: Option<&'a str>,
    pub role: &'a str,
    pub password_hash: &'a str,
}

/// None when the username is taken.
pub async fn insert(db: &Db, advisor: NewAdvisor<'_>) -> Result<Option<i64>, sqlx::Error> {
    query(
        "INSERT INTO advisors (username, display_name, email, role, password_hash) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(advisor.username)
    .bind(advisor.display_name)
    .bind(advisor.email)
    .bind(advisor.role)
    .bind(advisor.password_hash)
    .scalar_optional(db)
    .await
}

/// Sets a new password, ends every session of the advisor and forgets
/// their known devices.
pub async fn set_password(db: &Db, id: i64, password_hash: &str) -> Result<bool, sqlx::Error> {
    let update = query(
        "UPDATE advisors SET password_hash = $1, device_epoch = device_epoch + 1 WHERE id = $2",
    )
    .bind(password_hash);
    change_and_sign_out(db, id, update).await
}

/// Disables an advisor, ends their sessions and forgets their known devices.
pub async fn disable(db: &Db, id: i64) -> Result<bool, sqlx::Error> {
    change_and_sign_out(
        db,
        id,
        query("UPDATE advisors SET active = FALSE, device_epoch = device_epoch + 1 WHERE id = $1"),
    )
    .await
}

/// Runs `update` (its last parameter is the advisor id) and ends the
/// advisor's sessions, together.
async fn change_and_sign_out(db: &Db, id: i64, update: Query<'_>) -> Result<bool, sqlx::Error> {
    let mut transaction = db.begin_write(&[]).await?;
    let changed = update.bind(id).execute(transaction.conn()).await?;
    query("DELETE FROM sessions WHERE advisor_id = $1")
        .bind(id)
        .execute(transaction.conn())
        .await?;
    transaction.commit().await?;
    Ok(changed == 1)
}

// Sessions.

pub async fn create_session(
    db: &Db,
    id_hash: &str,
    advisor_id: i64,
    csrf_token: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    query("INSERT INTO sessions (id_hash, advisor_id, csrf_token, created_at, last_seen_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(id_hash)
        .bind(advisor_id)
        .bind(csrf_token)
        .bind(now)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub advisor_id: i64,
    pub csrf_token: String,
    pub created_at: i64,
    pub last_seen_at: i64,
}

pub async fn session(db: &Db, id_hash: &str) -> Result<Option<SessionRow>, sqlx::Error> {
    query(
        "SELECT advisor_id, csrf_token, created_at, last_seen_at FROM sessions WHERE id_hash = $1",
    )
    .bind(id_hash)
    .fetch_optional(db)
    .await
}

pub async fn touch_session(db: &Db, id_hash: &str, now: i64) -> Result<(), sqlx::Error> {
    query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2")
        .bind(now)
        .bind(id_hash)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn delete_session(db: &Db, id_hash: &str) -> Result<(), sqlx::Error> {
    query("DELETE FROM sessions WHERE id_hash = $1")
        .bind(id_hash)
        .execute(db)
        .await?;
    Ok(())
}

// Login throttling: an attempt is reserved as a failure in the transaction
// that checks the gate, before the password is hashed.

/// One login attempt, keyed by account bucket and client.
#[derive(Debug, Clone, Copy)]
pub struct LoginAttempt<'a> {
    pub username: &'a str,
    /// The browser presented a valid known-device cookie for `username`.
    pub known_device: bool,
    /// The client (IPv4 address, IPv6 /64) and its network (/24, /48).
    pub ip: &'a str,
    pub network: &'a str,
    pub now: i64,
}

/// The gate's answer to an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginReservation {
    /// Counted as a failure already: hash, then `release_login_attempt` if
    /// it is not hashed after all, or `login_succeeded` on a right password.
    Reserved { attempt_id: i64 },
    /// The gate is closed; nothing was recorded.
    Refused(LoginGate),
}

async fn login_failures(
    conn: &mut Conn<'_>,
    attempt: &LoginAttempt<'_>,
) -> Result<LoginFailures, sqlx::Error> {
    let (account, last): (i64, Option<i64>) = query(
        "SELECT count(*), max(at) FROM login_failures WHERE username = $1 AND known_device = $2 AND at > $3",
    )
    .bind(attempt.username)
    .bind(attempt.known_device)
    .bind(attempt.now - 86_400)
    .fetch_one(&mut *conn)
    .await?;
    let (ip_recent, oldest, network_recent, network_oldest): (i64, Option<i64>, i64, Option<i64>) =
        query(
            "SELECT count(*) FILTER (WHERE ip = $1), min(at) FILTER (WHERE ip = $1),
                    count(*), min(at)
             FROM login_failures WHERE network = $2 AND at > $3",
        )
        .bind(attempt.ip)
        .bind(attempt.network)
        .bind(attempt.now - crate::advisors::IP_WINDOW_SECONDS)
        .fetch_one(&mut *conn)
        .await?;
    Ok(LoginFailures {
        known_device: attempt.known_device,
        account: u32::try_from(account).unwrap_or(u32::MAX),
        account_last_age_seconds: last.map(|at| attempt.now - at),
        ip_recent: u32::try_from(ip_recent).unwrap_or(u32::MAX),
        ip_oldest_age_seconds: oldest.map(|at| attempt.now - at),
        network_recent: u32::try_from(network_recent).unwrap_or(u32::MAX),
        network_oldest_age_seconds: network_oldest.map(|at| attempt.now - at),
    })
}

/// Checks the gate and, when open, records the attempt as a failure: one
/// `BEGIN IMMEDIATE`, so attempts in flight are counted by the next gate.
/// On PostgreSQL the same holds across instances through the `login` lock
/// on the username (folded as `COLLATE NOCASE` folds it) and the `client`
/// lock on the IP.
pub async fn reserve_login_attempt(
    db: &Db,
    attempt: &LoginAttempt<'_>,
) -> Result<LoginReservation, sqlx::Error> {
    let account = attempt.username.to_ascii_lowercase();
    let mut transaction = db
        .begin_write(&[
            Lock::on("login", &account),
            Lock::on("client", attempt.ip),
            Lock::on("network", attempt.network),
        ])
        .await?;
    let mut conn = transaction.conn();
    let gate = login_gate(login_failures(&mut conn, attempt).await?);
    if gate != LoginGate::Open {
        transaction.commit().await?;
        return Ok(LoginReservation::Refused(gate));
    }
    let attempt_id: i64 = query(
        "INSERT INTO login_failures (username, known_device, ip, network, at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(attempt.username)
    .bind(attempt.known_device)
    .bind(attempt.ip)
    .bind(attempt.network)
    .bind(attempt.now)
    .scalar(&mut conn)
    .await?;
    transaction.commit().await?;
    Ok(LoginReservation::Reserved { attempt_id })
}

/// A reserved attempt that was not hashed after all (no hashing permit):
/// it never happened.
pub async fn release_login_attempt(db: &Db, attempt_id: i64) -> Result<(), sqlx::Error> {
    query("DELETE FROM login_failures WHERE id = $1")
        .bind(attempt_id)
        .execute(db)
        .await?;
    Ok(())
}

/// A right password: the reserved attempt and the failures of its account
/// bucket are cleared (not the other bucket's: a stranger's failures stay
/// when the known device signs in).
pub async fn login_succeeded(
    db: &Db,
    attempt_id: i64,
    username: &str,
    known_device: bool,
) -> Result<(), sqlx::Error> {
    query("DELETE FROM login_failures WHERE id = $1 OR (username = $2 AND known_device = $3)")
        .bind(attempt_id)
        .bind(username)
        .bind(known_device)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn record_admin_event(
    db: &Db,
    advisor_id: i64,
    kind: &str,
    detail: &serde_json::Value,
) -> Result<(), sqlx::Error> {
    query("INSERT INTO admin_events (advisor_id, kind, detail) VALUES ($1, $2, $3)")
        .bind(advisor_id)
        .bind(kind)
        .bind(detail.to_string())
        .execute(db)
        .await?;
    Ok(())
}
