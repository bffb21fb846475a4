//! SQLite through sqlx: one pool, migrations embedded and applied at start.
//! Small async functions over the pool, one file per table group.

pub mod advisors;
pub mod assessments;
pub mod group_commit;
pub mod lead_admin;
pub mod leads;
pub mod outbox;
pub mod page_views;
pub mod privacy;
pub mod verification;

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

/// The folder of the database file: where generated files (the secret key)
/// are kept beside the data.
pub fn data_folder(database_url: &str) -> anyhow::Result<std::path::PathBuf> {
    let options = SqliteConnectOptions::from_str(database_url)
        .with_context(|| format!("DATABASE_URL {database_url:?} is not a SQLite URL"))?;
    let path = options.get_filename();
    Ok(match path.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => folder.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    })
}

/// Opens (creating if needed, with its folder) and migrates the database.
pub async fn connect(database_url: &str) -> anyhow::Result<SqlitePool> {
    let options = SqliteConnectOptions::from_str(database_url)
        .with_context(|| format!("DATABASE_URL {database_url:?} is not a SQLite URL"))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // Durable on power loss: a lead acknowledged is a lead kept.
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(Duration::from_secs(5))
        .foreign_keys(true);
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

/// A short write transaction that takes the write lock up front
/// (`BEGIN IMMEDIATE`), so it never fails half-way on a lock upgrade.
pub async fn begin_write(
    pool: &SqlitePool,
) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
    pool.begin_with("BEGIN IMMEDIATE").await
}

/// Writes a consistent copy of the database to `target` with `VACUUM INTO`,
/// safe while the site serves (WAL readers do not block the writer). The
/// target must not exist yet.
pub async fn backup(pool: &SqlitePool, target: &std::path::Path) -> anyhow::Result<()> {
    if target.exists() {
        anyhow::bail!("{} already exists; choose a new file", target.display());
    }
    let path = target
        .to_str()
        .ok_or_else(|| anyhow::anyhow!("the backup path must be UTF-8"))?;
    sqlx::query("VACUUM INTO ?")
        .bind(path)
        .execute(pool)
        .await
        .with_context(|| format!("backing up to {path}"))?;
    Ok(())
}

/// True when the database answers a query.
pub async fn is_healthy(pool: &SqlitePool) -> bool {
    sqlx::query_scalar::<_, i64>("SELECT 1")
        .fetch_one(pool)
        .await
        .is_ok()
}
