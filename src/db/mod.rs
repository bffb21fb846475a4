//! The database through sqlx: a SQLite file by default, PostgreSQL when
//! `DATABASE_URL` says `postgres://` (N instances on one database).
//! Migrations for each are embedded and applied at start. Small async
//! functions over `Db`, one file per table group, one SQL text for both
//! backends (`sql`) with the differences in `dialect`.

pub mod advisors;
pub mod alerts;
pub mod assessments;
pub mod dialect;
pub mod group_commit;
pub mod jobs;
pub mod lead_admin;
pub mod leads;
pub mod operator_alerts;
pub mod outbox;
pub mod page_views;
pub mod privacy;
pub mod sql;
pub mod verification;

pub use sql::{Backend, Conn, Db, Lock, Query, Tx, query};

use std::str::FromStr;
use std::time::Duration;

use anyhow::{Context, bail};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

/// The backend a `DATABASE_URL` names; anything else is refused before a
/// file or a connection is made.
pub fn backend_of(database_url: &str) -> anyhow::Result<Backend> {
    let scheme = database_url.split_once(':').map(|(scheme, _)| scheme);
    match scheme {
        Some("sqlite") => Ok(Backend::Sqlite),
        Some("postgres" | "postgresql") => Ok(Backend::Postgres),
        _ => bail!(
            "DATABASE_URL must start with sqlite:// (a file) or postgres:// (a server), not {:?}",
            redacted(database_url)
        ),
    }
}

/// The URL without its password, for messages.
fn redacted(database_url: &str) -> String {
    match (database_url.find("://"), database_url.rfind('@')) {
        (Some(start), Some(at)) if at > start => {
            match database_url[start + 3..at].split_once(':') {
                Some((user, _)) => format!(
                    "{}{user}:***{}",
                    &database_url[..start + 3],
                    &database_url[at..]
                ),
                None => database_url.to_string(),
            }
        }
        _ => database_url.to_string(),
    }
}

/// The folder of the SQLite file: where generated files (the secret key)
/// are kept beside the data. None on PostgreSQL, where the key must come
/// from the environment.
pub fn data_folder(database_url: &str) -> anyhow::Result<Option<std::path::PathBuf>> {
    if backend_of(database_url)? == Backend::Postgres {
        return Ok(None);
    }
    let options = SqliteConnectOptions::from_str(database_url)
        .with_context(|| format!("DATABASE_URL {database_url:?} is not a SQLite URL"))?;
    let path = options.get_filename();
    Ok(Some(match path.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => folder.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    }))
}

/// Opens and migrates the database: the SQLite file (created if needed,
/// with its folder) or the PostgreSQL database (which must exist).
pub async fn connect(database_url: &str) -> anyhow::Result<Db> {
    match backend_of(database_url)? {
        Backend::Sqlite => connect_sqlite(database_url).await.map(Db::Sqlite),
        Backend::Postgres => connect_postgres(database_url).await.map(Db::Postgres),
    }
}

async fn connect_sqlite(database_url: &str) -> anyhow::Result<sqlx::SqlitePool> {
    let options = SqliteConnectOptions::from_str(database_url)
        .with_context(|| format!("DATABASE_URL {database_url:?} is not a SQLite URL"))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // Durable on power loss: a lead acknowledged is a lead kept.
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(Duration::from_secs(5))
        .foreign_keys(true)
        // Deleted and overwritten rows are zeroed in the file, so a deleted
        // lead or an anonymised note does not linger in free pages.
        .pragma("secure_delete", "on");
    let path = options.get_filename();
    if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder)
            .with_context(|| format!("creating the database folder {}", folder.display()))?;
    }
    // The two group-commit writers each take a connection out of the pool
    // for good (`group_commit::WriterConnection`), so up to six are open.
    let pool = SqlitePoolOptions::new()
        .max_connections(4)
        .connect_with(options)
        .await
        .with_context(|| format!("opening {database_url}"))?;
    sqlx::migrate!()
        .run(&pool)
        .await
        .context("applying migrations")?;
    Ok(pool)
}

async fn connect_postgres(database_url: &str) -> anyhow::Result<sqlx::PgPool> {
    let options = PgConnectOptions::from_str(database_url).with_context(|| {
        format!(
            "DATABASE_URL {:?} is not a PostgreSQL URL",
            redacted(database_url)
        )
    })?;
    // A restarting server fails requests for a few seconds (503), then the
    // pool reconnects by itself.
    let pool = PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(Duration::from_secs(3))
        .connect_with(options)
        .await
        .with_context(|| format!("connecting to {}", redacted(database_url)))?;
    sqlx::migrate!("./migrations/postgres")
        .run(&pool)
        .await
        .context(
            "applying migrations (is this database another application's, or of a newer version?)",
        )?;
    Ok(pool)
}

/// Writes a consistent copy of a SQLite database to `target` with `VACUUM
/// INTO`, safe while the site serves (WAL readers do not block the writer).
/// The target must not exist yet. PostgreSQL is backed up with its own tools.
pub async fn backup(db: &Db, target: &std::path::Path) -> anyhow::Result<()> {
    if db.backend() == Backend::Postgres {
        bail!(
            "on PostgreSQL, back up with the server's tools: pg_dump --format=custom --file={} \"$DATABASE_URL\"",
            target.display()
        );
    }
    if target.exists() {
        bail!("{} already exists; choose a new file", target.display());
    }
    let path = target
        .to_str()
        .ok_or_else(|| anyhow::anyhow!("the backup path must be UTF-8"))?;
    query("VACUUM INTO $1")
        .bind(path)
        .execute(db)
        .await
        .with_context(|| format!("backing up to {path}"))?;
    Ok(())
}

/// Whether an error means the database cannot answer for now (a server
/// restarting or shutting down, a lost connection, a pool with no free
/// connection, SQLite's lock held past the busy timeout), as opposed to a
/// statement that is wrong. Such requests get 503 and may be retried.
pub fn is_unavailable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(error) => {
            let code = error.code().unwrap_or_default();
            if error
                .try_downcast_ref::<sqlx::sqlite::SqliteError>()
                .is_some()
            {
                // SQLite: BUSY (5) and LOCKED (6), with their extended codes.
                matches!(code.parse::<i32>().map(|c| c & 0xff), Ok(5 | 6))
            } else {
                // PostgreSQL: connection exceptions (08…), operator
                // intervention (57P01 admin shutdown, 57P02 crash shutdown,
                // 57P03 cannot connect now), too many connections (53300).
                code.starts_with("08") || code.starts_with("57P") || code == "53300"
            }
        }
        _ => false,
    }
}

/// After deleting personal data: on SQLite the write-ahead log still holds
/// the pages as they were, so it is checkpointed into the (securely
/// deleting) database file and truncated. Best effort, on a connection of
/// its own with a short busy timeout: a truncating checkpoint holds the
/// write lock while it waits for readers, and lead writes must not wait
/// behind it; a busy log is cleared at a later checkpoint. PostgreSQL's
/// dead rows are reclaimed by its autovacuum.
pub async fn forget_deleted(db: &Db) {
    use sqlx::{ConnectOptions, Connection};
    let Db::Sqlite(pool) = db else {
        return;
    };
    let done = async {
        let mut conn = pool.connect_options().connect().await?;
        sqlx::query("PRAGMA busy_timeout = 100")
            .execute(&mut conn)
            .await?;
        let row: (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
            .fetch_one(&mut conn)
            .await?;
        conn.close().await?;
        Ok::<_, sqlx::Error>(row)
    }
    .await;
    match done {
        Ok((0, _, _)) => {}
        Ok(_) => {
            tracing::info!("write-ahead log busy; deleted pages leave it at a later checkpoint")
        }
        Err(error) => tracing::warn!(%error, "checkpoint after a deletion failed"),
    }
}

/// True when the database answers a query.
pub async fn is_healthy(db: &Db) -> bool {
    query("SELECT 1").scalar::<i32>(db).await.is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_sqlite_or_postgres_url_is_a_database() {
        assert_eq!(backend_of("sqlite://data/x.db").ok(), Some(Backend::Sqlite));
        assert_eq!(
            backend_of("postgres://u@h/db").ok(),
            Some(Backend::Postgres)
        );
        assert_eq!(
            backend_of("postgresql://u@h/db").ok(),
            Some(Backend::Postgres)
        );
        for bad in ["mysql://u@h/db", "data/x.db", "", "postgres"] {
            assert!(backend_of(bad).is_err(), "{bad}");
        }
        let message = backend_of("mysql://user:hunter2@h/db")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(!message.contains("hunter2"), "{message}");
    }

    #[test]
    fn a_lost_server_is_unavailable_and_a_wrong_statement_is_not() {
        assert!(is_unavailable(&sqlx::Error::PoolTimedOut));
        assert!(is_unavailable(&sqlx::Error::PoolClosed));
        assert!(!is_unavailable(&sqlx::Error::RowNotFound));
        assert!(!is_unavailable(&sqlx::Error::Protocol("bad".into())));
    }
}
