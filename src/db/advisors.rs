//! `advisors`, `sessions`, `login_failures`, `admin_events`.

use sqlx::{SqliteConnection, SqlitePool};

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
}

impl Advisor {
    pub fn is_admin(&self) -> bool {
        self.role == "admin"
    }
}

const COLUMNS: &str = "id, username, display_name, email, role, active, password_hash";

pub async fn count(pool: &SqlitePool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM advisors")
        .fetch_one(pool)
        .await
}

pub async fn by_username(
    pool: &SqlitePool,
    username: &str,
) -> Result<Option<Advisor>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM advisors WHERE username = ?"
    ))
    .bind(username)
    .fetch_optional(pool)
    .await
}

pub async fn by_id(pool: &SqlitePool, id: i64) -> Result<Option<Advisor>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM advisors WHERE id = ?"))
        .bind(id)
        .fetch_optional(pool)
        .await
}

pub async fn all(pool: &SqlitePool) -> Result<Vec<Advisor>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM advisors ORDER BY active DESC, username"
    ))
    .fetch_all(pool)
    .await
}

/// Emails of active advisors, for notifications.
pub async fn active_emails(pool: &SqlitePool) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT email FROM advisors WHERE active = 1 AND email IS NOT NULL AND email != ''",
    )
    .fetch_all(pool)
    .await
}

pub struct NewAdvisor<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub email: Option<&'a str>,
    pub role: &'a str,
    pub password_hash: &'a str,
}

/// None when the username is taken.
pub async fn insert(
    pool: &SqlitePool,
    advisor: NewAdvisor<'_>,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO advisors (username, display_name, email, role, password_hash) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (username) DO NOTHING RETURNING id",
    )
    .bind(advisor.username)
    .bind(advisor.display_name)
    .bind(advisor.email)
    .bind(advisor.role)
    .bind(advisor.password_hash)
    .fetch_optional(pool)
    .await
}

/// Sets a new password and ends every session of the advisor.
pub async fn set_password(
    pool: &SqlitePool,
    id: i64,
    password_hash: &str,
) -> Result<bool, sqlx::Error> {
    let update =
        sqlx::query("UPDATE advisors SET password_hash = ? WHERE id = ?").bind(password_hash);
    change_and_sign_out(pool, id, update).await
}

/// Disables an advisor and ends their sessions.
pub async fn disable(pool: &SqlitePool, id: i64) -> Result<bool, sqlx::Error> {
    change_and_sign_out(
        pool,
        id,
        sqlx::query("UPDATE advisors SET active = 0 WHERE id = ?"),
    )
    .await
}

/// Runs `update` (its last parameter is the advisor id) and ends the
/// advisor's sessions, together.
async fn change_and_sign_out<'q>(
    pool: &SqlitePool,
    id: i64,
    update: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
) -> Result<bool, sqlx::Error> {
    let mut transaction = super::begin_write(pool).await?;
    let changed = update
        .bind(id)
        .execute(&mut *transaction)
        .await?
        .rows_affected();
    sqlx::query("DELETE FROM sessions WHERE advisor_id = ?")
        .bind(id)
        .execute(&mut *transaction)
        .await?;
    transaction.commit().await?;
    Ok(changed == 1)
}

// Sessions.

pub async fn create_session(
    pool: &SqlitePool,
    id_hash: &str,
    advisor_id: i64,
    csrf_token: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO sessions (id_hash, advisor_id, csrf_token, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?)")
        .bind(id_hash)
        .bind(advisor_id)
        .bind(csrf_token)
        .bind(now)
        .bind(now)
        .execute(pool)
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

pub async fn session(pool: &SqlitePool, id_hash: &str) -> Result<Option<SessionRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT advisor_id, csrf_token, created_at, last_seen_at FROM sessions WHERE id_hash = ?",
    )
    .bind(id_hash)
    .fetch_optional(pool)
    .await
}

pub async fn touch_session(pool: &SqlitePool, id_hash: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?")
        .bind(now)
        .bind(id_hash)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn delete_session(pool: &SqlitePool, id_hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE id_hash = ?")
        .bind(id_hash)
        .execute(pool)
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
    pub ip: &'a str,
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
    connection: &mut SqliteConnection,
    attempt: &LoginAttempt<'_>,
) -> Result<LoginFailures, sqlx::Error> {
    let (account, last): (i64, Option<i64>) = sqlx::query_as(
        "SELECT count(*), max(at) FROM login_failures WHERE username = ? AND known_device = ? AND at > ?",
    )
    .bind(attempt.username)
    .bind(attempt.known_device)
    .bind(attempt.now - 86_400)
    .fetch_one(&mut *connection)
    .await?;
    let (ip_recent, oldest): (i64, Option<i64>) =
        sqlx::query_as("SELECT count(*), min(at) FROM login_failures WHERE ip = ? AND at > ?")
            .bind(attempt.ip)
            .bind(attempt.now - crate::advisors::IP_WINDOW_SECONDS)
            .fetch_one(&mut *connection)
            .await?;
    Ok(LoginFailures {
        known_device: attempt.known_device,
        account: u32::try_from(account).unwrap_or(u32::MAX),
        account_last_age_seconds: last.map(|at| attempt.now - at),
        ip_recent: u32::try_from(ip_recent).unwrap_or(u32::MAX),
        ip_oldest_age_seconds: oldest.map(|at| attempt.now - at),
    })
}

/// Checks the gate and, when open, records the attempt as a failure: one
/// `BEGIN IMMEDIATE`, so attempts in flight are counted by the next gate.
pub async fn reserve_login_attempt(
    pool: &SqlitePool,
    attempt: &LoginAttempt<'_>,
) -> Result<LoginReservation, sqlx::Error> {
    let mut transaction = super::begin_write(pool).await?;
    let gate = login_gate(login_failures(&mut transaction, attempt).await?);
    if gate != LoginGate::Open {
        transaction.commit().await?;
        return Ok(LoginReservation::Refused(gate));
    }
    let attempt_id: i64 = sqlx::query_scalar(
        "INSERT INTO login_failures (username, known_device, ip, at) VALUES (?, ?, ?, ?) RETURNING id",
    )
    .bind(attempt.username)
    .bind(attempt.known_device)
    .bind(attempt.ip)
    .bind(attempt.now)
    .fetch_one(&mut *transaction)
    .await?;
    transaction.commit().await?;
    Ok(LoginReservation::Reserved { attempt_id })
}

/// A reserved attempt that was not hashed after all (no hashing permit):
/// it never happened.
pub async fn release_login_attempt(pool: &SqlitePool, attempt_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM login_failures WHERE id = ?")
        .bind(attempt_id)
        .execute(pool)
        .await?;
    Ok(())
}

/// A right password: the reserved attempt and the failures of its account
/// bucket are cleared (not the other bucket's: a stranger's failures stay
/// when the known device signs in).
pub async fn login_succeeded(
    pool: &SqlitePool,
    attempt_id: i64,
    username: &str,
    known_device: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM login_failures WHERE id = ? OR (username = ? AND known_device = ?)")
        .bind(attempt_id)
        .bind(username)
        .bind(known_device)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn record_admin_event(
    pool: &SqlitePool,
    advisor_id: i64,
    kind: &str,
    detail: &serde_json::Value,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO admin_events (advisor_id, kind, detail) VALUES (?, ?, ?)")
        .bind(advisor_id)
        .bind(kind)
        .bind(detail.to_string())
        .execute(pool)
        .await?;
    Ok(())
}
