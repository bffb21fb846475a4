use std::collections::HashMap;

use reqwest::{Client, Response, redirect};
use scraper::{ElementRef, Html, Selector};
use sqlx::SqlitePool;
use tempfile::TempDir;

use actix_web::dev::ServerHandle;
use tokio::task::JoinHandle;

use hujifen::app::Application;

/// The public URL the test apps are configured with.
pub const PUBLIC_URL: &str = "http://hujifen.test";
use hujifen::settings::Settings;

pub struct TestApp {
    pub address: String,
    pub client: Client,
    pub pool: SqlitePool,
    pub database_url: String,
    handle: ServerHandle,
    server: JoinHandle<std::io::Result<()>>,
    _data: TempDir,
}

impl TestApp {
    pub async fn spawn() -> Self {
        let data = tempfile::tempdir().expect("temp dir");
        let database_url = format!("sqlite://{}/hujifen.db", data.path().display());
        let env: HashMap<&str, String> = HashMap::from([
            ("HUJIFEN_LISTEN", "127.0.0.1:0".to_string()),
            ("DATABASE_URL", database_url.clone()),
            ("HUJIFEN_WORKERS", "1".to_string()),
            ("HUJIFEN_PUBLIC_URL", PUBLIC_URL.to_string()),
        ]);
        let settings = Settings::from_lookup(|name| env.get(name).cloned()).expect("settings");
        let app = Application::build(settings).await.expect("app builds");
        let address = format!("http://{}", app.address());
        let pool = app.pool();
        let handle = app.handle();
        let server = tokio::spawn(app.run());
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
            handle,
            server,
            _data: data,
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
        (self.database_url, self._data)
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

    pub async fn assessment_count(&self) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM assessments")
            .fetch_one(&self.pool)
            .await
            .expect("count")
    }
}

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

pub struct Page(pub Html);

impl Page {
    pub async fn from(response: Response) -> Self {
        Page(Html::parse_document(&response.text().await.expect("body")))
    }

    pub fn all(&self, css: &str) -> Vec<ElementRef<'_>> {
        let selector = Selector::parse(css).unwrap_or_else(|_| panic!("selector {css}"));
        self.0.select(&selector).collect()
    }

    pub fn one(&self, css: &str) -> ElementRef<'_> {
        let found = self.all(css);
        assert_eq!(found.len(), 1, "exactly one {css}");
        found[0]
    }

    pub fn has(&self, css: &str) -> bool {
        !self.all(css).is_empty()
    }

    pub fn text(&self, css: &str) -> String {
        text_of(self.one(css))
    }

    pub fn attr(&self, css: &str, name: &str) -> Option<String> {
        self.one(css).value().attr(name).map(String::from)
    }
}

/// The text of an element, whitespace collapsed.
pub fn text_of(element: ElementRef<'_>) -> String {
    element
        .text()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}
