//! The test app (the real server on port 0 with a temp SQLite file, or a
//! fresh PostgreSQL database when `HUJIFEN_TEST_POSTGRES_URL` names a
//! server) and what every area's tests use; area fixtures live beside this file:
//! `admin` (signing in, advisors, leads as advisors see them), `leads`
//! (codes and callback requests as a visitor leaves them), `html` (pages).

pub mod admin;
mod html;
pub mod leads;

use std::collections::HashMap;

use reqwest::{Client, Response, redirect};
use tempfile::TempDir;

use actix_web::dev::ServerHandle;
use tokio::task::JoinHandle;

use hujifen::app::Application;
use hujifen::db::sql::Record;
use hujifen::db::{Db, Query};
use hujifen::settings::Settings;

pub use html::{Page, text_of};
pub use leads::solve_altcha;

/// The public URL the test apps are configured with.
pub const PUBLIC_URL: &str = "http://hujifen.test";

pub struct TestApp {
    pub address: String,
    pub client: Client,
    /// The app's database (its own pool, shared with the app).
    pub db: Db,
    /// The `DATABASE_URL` the app runs on: its temp SQLite file, its fresh
    /// PostgreSQL database, or what the test's settings chose.
    pub database_url: String,
    /// The app's admin login limiter (its hashing load).
    pub logins: std::sync::Arc<hujifen::web::admin::auth::LoginLimiter>,
    handle: ServerHandle,
    server: JoinHandle<std::io::Result<()>>,
    pub data: TempDir,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(&[]).await
    }

    /// The app with extra settings; `{data}` in a value is the temp folder.
    /// Its database is a fresh one on the PostgreSQL server of
    /// `HUJIFEN_TEST_POSTGRES_URL` when that is set, else `{data}/hujifen.db`,
    /// unless `extra` sets `DATABASE_URL` itself.
    pub async fn spawn_with(extra: &[(&str, &str)]) -> Self {
        let data = tempfile::tempdir().expect("temp dir");
        let folder = data.path().display().to_string();
        let database_url = if extra.iter().any(|(name, _)| *name == "DATABASE_URL") {
            String::new()
        } else {
            match postgres_server() {
                Some(server) => fresh_postgres_database(&server).await,
                None => format!("sqlite://{folder}/hujifen.db"),
            }
        };
        let mut env: HashMap<&str, String> = HashMap::from([
            ("HUJIFEN_LISTEN", "127.0.0.1:0".to_string()),
            ("DATABASE_URL", database_url.clone()),
            ("HUJIFEN_WORKERS", "1".to_string()),
            ("HUJIFEN_PUBLIC_URL", PUBLIC_URL.to_string()),
            ("HUJIFEN_SMS", format!("file:{folder}/sms.jsonl")),
            ("HUJIFEN_SESSION_KEY", TEST_SESSION_KEY.to_string()),
            ("HUJIFEN_CAPTCHA_MAX_NUMBER", "2000".to_string()),
            ("HUJIFEN_OUTBOX_POLL_MS", "50".to_string()),
            ("HUJIFEN_OUTBOX_RETRY_MS", "50".to_string()),
            ("HUJIFEN_ADMIN_PASSWORD", ADMIN_PASSWORD.to_string()),
        ]);
        for (name, value) in extra {
            env.insert(name, value.replace("{data}", &folder));
        }
        let database_url = env["DATABASE_URL"].clone();
        let settings = Settings::from_lookup(|name| env.get(name).cloned()).expect("settings");
        let app = Application::build(settings).await.expect("app builds");
        let address = format!("http://{}", app.address());
        let db = app.pool();
        let logins = app.logins();
        let handle = app.handle();
        let server = tokio::spawn(app.run());
        hujifen::notify::sms::install_tls_provider();
        let client = Client::builder()
            .redirect(redirect::Policy::none())
            .cookie_store(true)
            .build()
            .expect("client");
        Self {
            address,
            client,
            db,
            database_url,
            logins,
            handle,
            server,
            data,
        }
    }

    /// Stops the server gracefully and waits until `run` has returned; the
    /// data folder is kept for inspection.
    pub async fn stop(self) -> (String, TempDir) {
        // Close our keep-alive connections so the graceful stop need not wait for them.
        drop(self.client);
        self.handle.stop(true).await;
        self.server
            .await
            .expect("server task")
            .expect("server ran cleanly");
        (self.database_url, self.data)
    }

    /// A separate browser: its own cookie jar, no redirects followed.
    pub fn browser(&self) -> Client {
        Client::builder()
            .redirect(redirect::Policy::none())
            .cookie_store(true)
            .build()
            .expect("client")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.client
            .post(self.url(path))
            .form(fields)
            .send()
            .await
            .expect("POST form")
    }

    pub async fn post_raw(&self, path: &str, content_type: &str, body: Vec<u8>) -> Response {
        self.client
            .post(self.url(path))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("POST raw")
    }

    pub async fn post_json(&self, path: &str, body: &serde_json::Value) -> Response {
        self.client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("POST json")
    }

    /// The one integer `sql` (no parameters) selects, e.g. a `count(*)`.
    pub async fn scalar(&self, sql: &str) -> i64 {
        hujifen::db::query(sql)
            .scalar::<i64>(&self.db)
            .await
            .expect(sql)
    }

    /// Runs one statement (no parameters), e.g. to age a row.
    pub async fn execute(&self, sql: &str) {
        hujifen::db::query(sql)
            .execute(&self.db)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// Takes the self-test with `answers` (they must be valid) and returns
    /// the result's token.
    pub async fn result_token(&self, answers: &[(&str, &str)]) -> String {
        let response = self.post_form("/self-test", answers).await;
        assert_eq!(response.status(), 303, "the answers are valid");
        location(&response)
            .trim_start_matches("/self-test/")
            .to_string()
    }

    pub async fn assessment_count(&self) -> i64 {
        self.scalar("SELECT count(*) FROM assessments").await
    }
}

/// The first column of every row `query` returns.
pub async fn column<T>(query: Query<'_>, db: &Db) -> Vec<T>
where
    (T,): Record,
{
    let sql = query.sql().to_string();
    query
        .fetch_all::<(T,)>(db)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .into_iter()
        .map(|(value,)| value)
        .collect()
}

/// A `DATABASE_URL` for a test that opens a database without an app: a
/// fresh PostgreSQL database when the tests run on PostgreSQL, else
/// `hujifen.db` in `folder`.
pub async fn fresh_database_url(folder: &std::path::Path) -> String {
    match postgres_server() {
        Some(server) => fresh_postgres_database(&server).await,
        None => format!("sqlite://{}/hujifen.db", folder.display()),
    }
}

/// The PostgreSQL server the tests run on, if `HUJIFEN_TEST_POSTGRES_URL`
/// names one (e.g. `postgres://postgres@127.0.0.1:5433/postgres`): each test
/// app then gets a database of its own there.
fn postgres_server() -> Option<String> {
    std::env::var("HUJIFEN_TEST_POSTGRES_URL")
        .ok()
        .filter(|url| !url.trim().is_empty())
}

/// True when the test apps run on PostgreSQL rather than a SQLite file.
pub fn on_postgres() -> bool {
    postgres_server().is_some()
}

/// Creates an empty database with a random name on `server` and returns
/// `server`'s URL naming it. Left on the server afterwards (a test may
/// reopen it after its app stopped); the names all start `hujifen_test_`.
async fn fresh_postgres_database(server: &str) -> String {
    let name = format!("hujifen_test_{:016x}", rand::random::<u64>());
    let admin = sqlx::PgPool::connect(server)
        .await
        .unwrap_or_else(|e| panic!("connecting to HUJIFEN_TEST_POSTGRES_URL: {e}"));
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&admin)
        .await
        .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
    admin.close().await;
    with_database(server, &name)
}

/// `url` with its database name (the path) replaced by `name`, keeping
/// user, host, port and query parameters.
fn with_database(url: &str, name: &str) -> String {
    let (base, params) = match url.split_once('?') {
        Some((base, params)) => (base, Some(params)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |at| at + 3);
    let host_end = base[authority_start..]
        .find('/')
        .map_or(base.len(), |at| authority_start + at);
    let mut out = format!("{}/{name}", &base[..host_end]);
    if let Some(params) = params {
        out.push('?');
        out.push_str(params);
    }
    out
}

/// The first admin's password in test apps.
/// A complete, valid self-test (30, 大专, 24 months, no tier): for tests
/// that need a stored result and do not care which.
pub const SHORT_ANSWERS: [(&str, &str); 4] = [
    ("age", "30"),
    ("education", "college"),
    ("insurance_months", "24"),
    ("contribution_tier", "none"),
];

pub const ADMIN_PASSWORD: &str = "test admin password 2026";

/// The session key the test apps use, so tests can sign their own challenges.
pub const TEST_SESSION_KEY: &str = "test-session-key-0123456789abcdef-0123456789";

/// The Location of a redirect.
pub fn location(response: &Response) -> String {
    response
        .headers()
        .get("location")
        .expect("a Location header")
        .to_str()
        .expect("ASCII location")
        .to_string()
}

/// Waits up to `seconds` for `check` to hold (a background worker's work).
pub async fn eventually<F, Fut>(seconds: u64, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(seconds);
    while tokio::time::Instant::now() < deadline {
        if check().await {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    false
}

/// The retention settings' defaults, for tests that run the job by hand.
pub const DEFAULT_KEEP: hujifen::db::privacy::Keep = hujifen::db::privacy::Keep {
    lead_days: 180,
    code_hours: 24,
    counter_days: 7,
    result_days: 365,
};
