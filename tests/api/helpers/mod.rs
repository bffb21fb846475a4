//! The test app (the real server on port 0 with a temp SQLite file) and
//! what every area's tests use; area fixtures live beside this file:
//! `admin` (signing in, advisors, leads as advisors see them), `leads`
//! (codes and callback requests as a visitor leaves them), `html` (pages).

pub mod admin;
mod html;
pub mod leads;

use std::collections::HashMap;

use reqwest::{Client, Response, redirect};
use sqlx::SqlitePool;
use tempfile::TempDir;

use actix_web::dev::ServerHandle;
use tokio::task::JoinHandle;

use hujifen::app::Application;
use hujifen::settings::Settings;

pub use html::{Page, text_of};
pub use leads::solve_altcha;

/// The public URL the test apps are configured with.
pub const PUBLIC_URL: &str = "http://hujifen.test";

pub struct TestApp {
    pub address: String,
    pub client: Client,
    pub pool: SqlitePool,
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
    pub async fn spawn_with(extra: &[(&str, &str)]) -> Self {
        let data = tempfile::tempdir().expect("temp dir");
        let folder = data.path().display().to_string();
        let database_url = format!("sqlite://{folder}/hujifen.db");
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
        let settings = Settings::from_lookup(|name| env.get(name).cloned()).expect("settings");
        let app = Application::build(settings).await.expect("app builds");
        let address = format!("http://{}", app.address());
        let pool = app.pool();
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
            pool,
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

    pub async fn scalar(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(&self.pool)
            .await
            .expect(sql)
    }

    pub async fn assessment_count(&self) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM assessments")
            .fetch_one(&self.pool)
            .await
            .expect("count")
    }
}

/// The first admin's password in test apps.
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
