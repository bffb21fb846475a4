//! One SQL text for both backends. A query is written once, with `$1`,
//! `$2`… placeholders (which sqlx accepts on SQLite as on PostgreSQL), and
//! run on whichever pool `DATABASE_URL` chose. The few statements that
//! differ live in `dialect`.
//!
//! Why not sqlx's `Any` driver: it decodes through a reduced set of types
//! and hides which backend runs. Here each backend's own driver binds and
//! decodes; the bound values pass through `Value`, and a row type needs only
//! to be `FromRow` for both (what `#[derive(FromRow)]` gives).

use std::borrow::Cow;

use sqlx::postgres::{PgArguments, PgConnection, PgPool, PgRow};
use sqlx::sqlite::{SqliteArguments, SqliteConnection, SqlitePool, SqliteRow};
use sqlx::{Arguments, ConnectOptions, Decode, FromRow, Postgres, Sqlite, Type};

/// The database: a SQLite file (the default) or PostgreSQL (for N instances).
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl Db {
    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    pub fn is_closed(&self) -> bool {
        match self {
            Db::Sqlite(pool) => pool.is_closed(),
            Db::Postgres(pool) => pool.is_closed(),
        }
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite(pool) => pool.close().await,
            Db::Postgres(pool) => pool.close().await,
        }
    }

    /// A plain transaction (reads, or writes that need no lock).
    pub async fn begin(&self) -> Result<Tx<'static>, sqlx::Error> {
        Ok(match self {
            Db::Sqlite(pool) => Tx::Sqlite(pool.begin().await?),
            Db::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// A write transaction that holds `locks` until it ends, so that
    /// counting and inserting under a limit is one step for everyone. On
    /// SQLite the single writer lock (`BEGIN IMMEDIATE`) covers every key; on
    /// PostgreSQL each key is a transaction-scoped advisory lock, taken in
    /// one order so two transactions never wait on each other.
    pub async fn begin_write(&self, locks: &[Lock<'_>]) -> Result<Tx<'static>, sqlx::Error> {
        match self {
            Db::Sqlite(pool) => Ok(Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?)),
            Db::Postgres(pool) => {
                let mut tx = Tx::Postgres(pool.begin().await?);
                lock_all(&mut tx.conn(), locks).await?;
                Ok(tx)
            }
        }
    }

    /// A connection of its own, out of the pool for good (the group-commit
    /// writers keep one).
    pub async fn detached(&self) -> Result<Owned, sqlx::Error> {
        Ok(match self {
            // A new connection, not an idle one of the pool: its SQLite
            // thread starts from the caller's and keeps its CPU (see
            // `group_commit::Placement`).
            Db::Sqlite(pool) => Owned::Sqlite(pool.connect_options().connect().await?),
            Db::Postgres(pool) => Owned::Postgres(pool.acquire().await?.detach()),
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// What a write transaction serialises on: a limit's subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Lock<'a> {
    pub kind: &'static str,
    pub key: &'a str,
}

impl<'a> Lock<'a> {
    pub fn on(kind: &'static str, key: &'a str) -> Self {
        Self { kind, key }
    }

    /// A stable 64-bit key for `pg_advisory_xact_lock`: the first eight
    /// bytes of SHA-256 over kind and key (stable across builds and
    /// instances, unlike `std`'s hasher).
    fn advisory_key(&self) -> i64 {
        use sha2::{Digest, Sha256};
        let digest = Sha256::new()
            .chain_update(self.kind.as_bytes())
            .chain_update([0u8])
            .chain_update(self.key.as_bytes())
            .finalize();
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        i64::from_be_bytes(first)
    }
}

async fn lock_all(conn: &mut Conn<'_>, locks: &[Lock<'_>]) -> Result<(), sqlx::Error> {
    let mut keys: Vec<i64> = locks.iter().map(Lock::advisory_key).collect();
    keys.sort_unstable();
    keys.dedup();
    if keys.is_empty() {
        return Ok(());
    }
    // One round trip for a whole group-commit batch. The keys are numbers
    // made here (never input), so they are written into the statement; the
    // ORDER BY takes them in one order on every instance.
    let values: Vec<String> = keys.iter().map(|key| format!("({key})")).collect();
    let statement = format!(
        "SELECT count(pg_advisory_xact_lock(k)) FROM (SELECT k FROM (VALUES {}) AS keys(k) ORDER BY k) AS sorted",
        values.join(", ")
    );
    query(&statement).execute(&mut *conn).await?;
    Ok(())
}

/// A transaction on either backend (on a pooled or an owned connection);
/// rolled back when dropped uncommitted.
pub enum Tx<'c> {
    Sqlite(sqlx::Transaction<'c, Sqlite>),
    Postgres(sqlx::Transaction<'c, Postgres>),
}

impl Tx<'_> {
    pub fn conn(&mut self) -> Conn<'_> {
        match self {
            Tx::Sqlite(tx) => Conn::Sqlite(tx),
            Tx::Postgres(tx) => Conn::Postgres(tx),
        }
    }

    /// Takes `locks` for the rest of this transaction on PostgreSQL; a
    /// SQLite write transaction already holds the one writer lock.
    pub async fn lock(&mut self, locks: &[Lock<'_>]) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(_) => Ok(()),
            Tx::Postgres(_) => lock_all(&mut self.conn(), locks).await,
        }
    }

    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await,
            Tx::Postgres(tx) => tx.commit().await,
        }
    }
}

/// A connection owned outside the pool.
pub enum Owned {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
}

impl Owned {
    pub fn conn(&mut self) -> Conn<'_> {
        match self {
            Owned::Sqlite(connection) => Conn::Sqlite(connection),
            Owned::Postgres(connection) => Conn::Postgres(connection),
        }
    }

    /// A transaction on this connection; `write` takes SQLite's writer lock
    /// up front (PostgreSQL's locks are taken by key, see `lock`).
    pub async fn begin(&mut self, write: bool) -> Result<Tx<'_>, sqlx::Error> {
        use sqlx::Connection;
        Ok(match self {
            Owned::Sqlite(connection) => Tx::Sqlite(if write {
                connection.begin_with("BEGIN IMMEDIATE").await?
            } else {
                connection.begin().await?
            }),
            Owned::Postgres(connection) => Tx::Postgres(connection.begin().await?),
        })
    }
}

/// Where a query runs: a pool, or a connection (inside a transaction).
pub enum Conn<'c> {
    SqlitePool(&'c SqlitePool),
    PostgresPool(&'c PgPool),
    Sqlite(&'c mut SqliteConnection),
    Postgres(&'c mut PgConnection),
}

impl<'c> From<&'c Db> for Conn<'c> {
    fn from(db: &'c Db) -> Self {
        match db {
            Db::Sqlite(pool) => Conn::SqlitePool(pool),
            Db::Postgres(pool) => Conn::PostgresPool(pool),
        }
    }
}

impl<'c, 'd> From<&'c mut Conn<'d>> for Conn<'c> {
    fn from(conn: &'c mut Conn<'d>) -> Self {
        match conn {
            Conn::SqlitePool(pool) => Conn::SqlitePool(pool),
            Conn::PostgresPool(pool) => Conn::PostgresPool(pool),
            Conn::Sqlite(connection) => Conn::Sqlite(connection),
            Conn::Postgres(connection) => Conn::Postgres(connection),
        }
    }
}

/// A value bound to a placeholder.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'q> {
    Int(i64),
    Float(f64),
    Bool(bool),
    Text(Cow<'q, str>),
    /// SQL NULL; the backend infers its type from the statement.
    Null(NullOf),
}

/// The type a NULL stands in for (PostgreSQL wants one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NullOf {
    Int,
    Float,
    Bool,
    Text,
}

/// A Rust type bound as a `Value`, and what its NULL is.
pub trait Bind<'q> {
    const NULL: NullOf;
    fn value(self) -> Value<'q>;
}

/// `Bind` for a type that converts into a `Value` variant's payload.
macro_rules! bind_as {
    ($($rust:ty => $variant:ident($payload:ty), $null:ident;)+) => {$(
        impl<'q> Bind<'q> for $rust {
            const NULL: NullOf = NullOf::$null;
            fn value(self) -> Value<'q> {
                Value::$variant(<$payload>::from(self))
            }
        }
    )+};
}

bind_as! {
    i64 => Int(i64), Int;
    i32 => Int(i64), Int;
    u32 => Int(i64), Int;
    f64 => Float(f64), Float;
    bool => Bool(bool), Bool;
}

impl<'q> Bind<'q> for &'q str {
    const NULL: NullOf = NullOf::Text;
    fn value(self) -> Value<'q> {
        Value::Text(Cow::Borrowed(self))
    }
}
impl<'q> Bind<'q> for &'q String {
    const NULL: NullOf = NullOf::Text;
    fn value(self) -> Value<'q> {
        Value::Text(Cow::Borrowed(self.as_str()))
    }
}
impl<'q> Bind<'q> for String {
    const NULL: NullOf = NullOf::Text;
    fn value(self) -> Value<'q> {
        Value::Text(Cow::Owned(self))
    }
}
impl<'q, T: Bind<'q>> Bind<'q> for Option<T> {
    const NULL: NullOf = T::NULL;
    fn value(self) -> Value<'q> {
        match self {
            Some(value) => value.value(),
            None => Value::Null(T::NULL),
        }
    }
}

/// A row type both drivers decode: `#[derive(FromRow)]` structs and tuples
/// of types both backends know.
pub trait Record:
    for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}
impl<T> Record for T where
    T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}

/// A single column both drivers decode.
pub trait Scalar:
    for<'r> Decode<'r, Sqlite>
    + Type<Sqlite>
    + for<'r> Decode<'r, Postgres>
    + Type<Postgres>
    + Send
    + Unpin
{
}
impl<T> Scalar for T where
    T: for<'r> Decode<'r, Sqlite>
        + Type<Sqlite>
        + for<'r> Decode<'r, Postgres>
        + Type<Postgres>
        + Send
        + Unpin
{
}

/// A statement and its bound values.
#[derive(Debug, Clone)]
pub struct Query<'q> {
    sql: Cow<'q, str>,
    args: Vec<Value<'q>>,
}

/// A statement with `$n` placeholders.
pub fn query(sql: &str) -> Query<'_> {
    Query {
        sql: Cow::Borrowed(sql),
        args: Vec::new(),
    }
}

/// Runs `$body` with the statement's text, its arguments bound for the
/// backend of `$on`, and the pool or connection to run on: the body is
/// compiled once per kind of target, each with its own driver's types.
macro_rules! on_backend {
    ($query:ident, $on:ident, |$sql:ident, $args:ident, $target:ident| $body:expr) => {{
        let $sql = $query.sql.as_ref();
        match $on.into() {
            Conn::SqlitePool($target) => {
                let $args = $query.sqlite_args()?;
                $body
            }
            Conn::Sqlite($target) => {
                let $args = $query.sqlite_args()?;
                $body
            }
            Conn::PostgresPool($target) => {
                let $args = $query.pg_args()?;
                $body
            }
            Conn::Postgres($target) => {
                let $args = $query.pg_args()?;
                $body
            }
        }
    }};
}

impl<'q> Query<'q> {
    /// A statement built piece by piece (`push`, `push_bind`).
    pub fn build() -> Self {
        Query {
            sql: Cow::Owned(String::new()),
            args: Vec::new(),
        }
    }

    pub fn bind(mut self, value: impl Bind<'q>) -> Self {
        self.args.push(value.value());
        self
    }

    pub fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.to_mut().push_str(sql);
        self
    }

    /// Appends the next placeholder and binds `value` to it.
    pub fn push_bind(&mut self, value: impl Bind<'q>) -> &mut Self {
        self.args.push(value.value());
        let placeholder = format!("${}", self.args.len());
        self.sql.to_mut().push_str(&placeholder);
        self
    }

    pub fn sql(&self) -> &str {
        &self.sql
    }

    fn sqlite_args(&self) -> Result<SqliteArguments<'_>, sqlx::Error> {
        let mut args = SqliteArguments::default();
        for value in &self.args {
            match value {
                Value::Int(v) => args.add(*v),
                Value::Float(v) => args.add(*v),
                Value::Bool(v) => args.add(*v),
                Value::Text(v) => args.add(v.as_ref()),
                Value::Null(_) => args.add(None::<i64>),
            }
            .map_err(sqlx::Error::Encode)?;
        }
        Ok(args)
    }

    fn pg_args(&self) -> Result<PgArguments, sqlx::Error> {
        let mut args = PgArguments::default();
        for value in &self.args {
            match value {
                Value::Int(v) => args.add(*v),
                Value::Float(v) => args.add(*v),
                Value::Bool(v) => args.add(*v),
                Value::Text(v) => args.add(v.as_ref()),
                Value::Null(NullOf::Int) => args.add(None::<i64>),
                Value::Null(NullOf::Float) => args.add(None::<f64>),
                Value::Null(NullOf::Bool) => args.add(None::<bool>),
                Value::Null(NullOf::Text) => args.add(None::<&str>),
            }
            .map_err(sqlx::Error::Encode)?;
        }
        Ok(args)
    }

    /// Runs the statement; the number of rows it changed.
    pub async fn execute<'c>(self, on: impl Into<Conn<'c>>) -> Result<u64, sqlx::Error> {
        Ok(on_backend!(self, on, |sql, args, target| {
            sqlx::query_with(sql, args)
                .execute(target)
                .await?
                .rows_affected()
        }))
    }

    pub async fn fetch_all<'c, T: Record>(
        self,
        on: impl Into<Conn<'c>>,
    ) -> Result<Vec<T>, sqlx::Error> {
        on_backend!(self, on, |sql, args, target| {
            sqlx::query_as_with(sql, args).fetch_all(target).await
        })
    }

    pub async fn fetch_optional<'c, T: Record>(
        self,
        on: impl Into<Conn<'c>>,
    ) -> Result<Option<T>, sqlx::Error> {
        on_backend!(self, on, |sql, args, target| {
            sqlx::query_as_with(sql, args).fetch_optional(target).await
        })
    }

    pub async fn fetch_one<'c, T: Record>(self, on: impl Into<Conn<'c>>) -> Result<T, sqlx::Error> {
        self.fetch_optional(on)
            .await?
            .ok_or(sqlx::Error::RowNotFound)
    }

    /// The first column of the first row, if there is a row.
    pub async fn scalar_optional<'c, T: Scalar>(
        self,
        on: impl Into<Conn<'c>>,
    ) -> Result<Option<T>, sqlx::Error> {
        on_backend!(self, on, |sql, args, target| {
            sqlx::query_scalar_with(sql, args)
                .fetch_optional(target)
                .await
        })
    }

    /// The first column of the one row the statement returns.
    pub async fn scalar<'c, T: Scalar>(self, on: impl Into<Conn<'c>>) -> Result<T, sqlx::Error> {
        self.scalar_optional(on)
            .await?
            .ok_or(sqlx::Error::RowNotFound)
    }
}
