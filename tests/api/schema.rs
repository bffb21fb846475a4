//! Both backends define the same schema (issue 17): the SQLite migrations in
//! migrations/ and the PostgreSQL ones in migrations/postgres/ leave the same
//! tables, with the same columns, nullability and compatible types.
//!
//! The SQLite side always runs. The PostgreSQL side runs when
//! HUJIFEN_TEST_POSTGRES_URL names a server (CI sets it), e.g.
//! `postgres://postgres@127.0.0.1:5433/postgres`: the test creates a fresh
//! database with a random name there, migrates it and drops it again.
//! Without a server, a textual check still catches a table or column added
//! to SQLite and forgotten in the PostgreSQL files.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};

const POSTGRES_URL_VARIABLE: &str = "HUJIFEN_TEST_POSTGRES_URL";

/// Each column of each table: (table, column) to (nullable, declared type).
type Columns = BTreeMap<(String, String), (bool, String)>;

/// Digits replaced by 9: the shape of a timestamp, not its value.
fn shape(timestamp: &str) -> String {
    timestamp
        .chars()
        .map(|c| if c.is_ascii_digit() { '9' } else { c })
        .collect()
}

/// The SQLite schema as migrations/*.sql leave it, and the `updated_at`
/// default of a new page_views row.
async fn sqlite_schema() -> (Columns, String) {
    let folder = tempfile::tempdir().unwrap();
    let options = SqliteConnectOptions::new()
        .filename(folder.path().join("schema.db"))
        .create_if_missing(true)
        .foreign_keys(true);
    let pool: SqlitePool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .unwrap();
    sqlx::migrate!("./migrations").run(&pool).await.unwrap();
    // A primary key column never holds NULL: an INTEGER PRIMARY KEY is the
    // rowid, and STRICT tables refuse NULL in any primary key, though
    // table_info reports neither as `notnull`.
    let rows: Vec<(String, String, String, i64, i64)> = sqlx::query_as(
        "SELECT m.name, p.name, p.type, p.\"notnull\", p.pk
         FROM sqlite_master m, pragma_table_info(m.name) p
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
           AND m.name <> '_sqlx_migrations'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let columns = rows
        .into_iter()
        .map(|(table, column, kind, not_null, pk)| {
            ((table, column), (not_null == 0 && pk == 0, kind))
        })
        .collect();
    let stamp: String = sqlx::query_scalar(
        "INSERT INTO page_views (path, views) VALUES ('/', 1) RETURNING updated_at",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    pool.close().await;
    (columns, stamp)
}

/// The PostgreSQL schema as migrations/postgres/ leaves it, read from a
/// fresh database on the server at `url`, which is dropped afterwards.
async fn postgres_schema(url: &str) -> (Columns, String) {
    let server = PgPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .unwrap_or_else(|error| panic!("{POSTGRES_URL_VARIABLE}={url}: {error}"));
    let database = format!("hujifen_schema_{:016x}", rand::random::<u64>());
    sqlx::query(&format!("CREATE DATABASE {database}"))
        .execute(&server)
        .await
        .unwrap();
    let options = PgConnectOptions::from_str(url).unwrap().database(&database);
    let read = async {
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await?;
        let schema = read_postgres_schema(&pool).await;
        pool.close().await;
        schema
    };
    let schema = read.await;
    // Dropped whether or not the migrations ran.
    sqlx::query(&format!("DROP DATABASE {database} WITH (FORCE)"))
        .execute(&server)
        .await
        .unwrap();
    server.close().await;
    schema.unwrap_or_else(|error| panic!("migrations/postgres on {url}: {error}"))
}

async fn read_postgres_schema(pool: &PgPool) -> Result<(Columns, String), sqlx::Error> {
    sqlx::migrate!("./migrations/postgres").run(pool).await?;
    // information_schema's own types are domains; text decodes as String.
    let rows: Vec<(String, String, String, String, Option<String>)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text, is_nullable::text, data_type::text,
                collation_name::text
         FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations'",
    )
    .fetch_all(pool)
    .await?;
    let mut columns = Columns::new();
    for (table, column, nullable, kind, collation) in rows {
        // Every text column sorts and compares like SQLite's BINARY (or
        // NOCASE, for usernames); the database's default would not.
        if kind == "text" {
            assert!(
                matches!(collation.as_deref(), Some("C" | "nocase")),
                "{table}.{column} is text with collation {collation:?}: COLLATE \"C\" (or nocase)"
            );
        }
        columns.insert((table, column), (nullable == "YES", kind));
    }
    let stamp = sqlx::query_scalar(
        "INSERT INTO page_views (path, views) VALUES ('/', 1) RETURNING updated_at",
    )
    .fetch_one(pool)
    .await?;
    Ok((columns, stamp))
}

/// The PostgreSQL types that hold what a SQLite column type holds: 0/1
/// INTEGER flags are BOOLEAN there.
fn compatible(sqlite: &str, postgres: &str) -> bool {
    matches!(
        (sqlite, postgres),
        ("INTEGER", "bigint" | "boolean") | ("TEXT", "text")
    )
}

/// (table, column, nullable) of every column.
fn shape_of(columns: &Columns) -> BTreeSet<(String, String, bool)> {
    columns
        .iter()
        .map(|((table, column), (nullable, _))| (table.clone(), column.clone(), *nullable))
        .collect()
}

fn assert_same_schema(sqlite: &Columns, postgres: &Columns) {
    let (sqlite_shape, postgres_shape) = (shape_of(sqlite), shape_of(postgres));
    let only_sqlite: Vec<_> = sqlite_shape.difference(&postgres_shape).collect();
    let only_postgres: Vec<_> = postgres_shape.difference(&sqlite_shape).collect();
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "(table, column, nullable) only in SQLite: {only_sqlite:?}; only in PostgreSQL: {only_postgres:?}"
    );
    for (key, (_, sqlite_type)) in sqlite {
        let postgres_type = &postgres[key].1;
        assert!(
            compatible(sqlite_type, postgres_type),
            "{}.{}: {sqlite_type} in SQLite, {postgres_type} in PostgreSQL",
            key.0,
            key.1
        );
    }
}

/// The PostgreSQL migration files, lower case with single spaces.
fn postgres_sql() -> String {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/postgres");
    let mut files: Vec<_> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "sql"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no migrations in {}", folder.display());
    files
        .iter()
        .map(|path| std::fs::read_to_string(path).unwrap().to_lowercase())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Without a server: each SQLite table has a `CREATE TABLE` in the
/// PostgreSQL files, with a line starting with each of its columns (or a
/// later `ALTER TABLE … ADD COLUMN`).
fn assert_postgres_files_name_everything(sqlite: &Columns) {
    let sql = postgres_sql();
    let tables: BTreeSet<&str> = sqlite.keys().map(|(table, _)| table.as_str()).collect();
    for table in tables {
        let start = format!("create table {table} (");
        let Some(at) = sql.find(&start) else {
            panic!("migrations/postgres has no `CREATE TABLE {table} (`");
        };
        let body = &sql[at + start.len()..];
        let body = &body[..body.find("\n);").unwrap_or(body.len())];
        let defined: BTreeSet<&str> = body
            .lines()
            .filter_map(|line| line.split_whitespace().next())
            .collect();
        for (_, column) in sqlite.keys().filter(|(t, _)| t == table) {
            let added = sql.contains(&format!("alter table {table} add column {column} "));
            assert!(
                defined.contains(column.as_str()) || added,
                "migrations/postgres: table {table} has no column {column}"
            );
        }
    }
}

#[test]
fn sqlite_migrations_leave_the_postgres_folder_alone() {
    // sqlx reads the files of one folder, not its subfolders: the SQLite
    // migrator holds only migrations/*.sql.
    let sqlite: BTreeSet<i64> = sqlx::migrate!("./migrations")
        .iter()
        .map(|m| m.version)
        .collect();
    let postgres: BTreeSet<i64> = sqlx::migrate!("./migrations/postgres")
        .iter()
        .map(|m| m.version)
        .collect();
    assert!(!postgres.is_empty());
    assert!(sqlite.is_disjoint(&postgres), "{sqlite:?} {postgres:?}");
}

#[tokio::test]
async fn both_backends_define_the_same_tables_and_columns() {
    let (sqlite, sqlite_stamp) = sqlite_schema().await;
    assert!(sqlite.len() > 50, "{sqlite:?}");
    assert!(sqlite.contains_key(&("leads".to_string(), "anonymised_at".to_string())));
    assert_eq!(shape(&sqlite_stamp), "9999-99-99T99:99:99.999Z");
    assert_postgres_files_name_everything(&sqlite);

    let Ok(url) = std::env::var(POSTGRES_URL_VARIABLE) else {
        eprintln!("{POSTGRES_URL_VARIABLE} is not set: PostgreSQL parity is checked in CI");
        return;
    };
    let (postgres, postgres_stamp) = postgres_schema(&url).await;
    assert_same_schema(&sqlite, &postgres);
    // Text timestamps look the same on both, so they compare alike.
    assert_eq!(shape(&postgres_stamp), shape(&sqlite_stamp));
}
