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

    /// Signs in with a new browser; returns it and the login response.
    pub async fn login(&self, username: &str, password: &str) -> (Client, Response) {
        let browser = self.browser();
        let page = browser
            .get(self.url("/admin/login"))
            .send()
            .await
            .expect("login page");
        let page = Page::from(page).await;
        let csrf = page
            .attr(r#"input[name="csrf"]"#, "value")
            .expect("a CSRF token");
        let response = browser
            .post(self.url("/admin/login"))
            .form(&[
                ("username", username),
                ("password", password),
                ("csrf", csrf.as_str()),
            ])
            .send()
            .await
            .expect("login");
        (browser, response)
    }

    /// A signed-in admin browser.
    pub async fn admin(&self) -> Client {
        let (browser, response) = self.login("admin", ADMIN_PASSWORD).await;
        assert_eq!(response.status(), 303, "admin login");
        browser
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

    /// The SMS the file sender wrote, oldest first.
    pub fn sms_sent(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(self.data.path().join("sms.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|line| serde_json::from_str(line).expect("one JSON object a line"))
            .collect()
    }

    /// The code in the latest SMS to `phone`.
    pub fn last_code_for(&self, phone: &str) -> String {
        let message = self
            .sms_sent()
            .into_iter()
            .rev()
            .find(|m| m["to"] == phone)
            .unwrap_or_else(|| panic!("no SMS to {phone}"));
        let text = message["text"].as_str().unwrap().to_string();
        let digits: String = text
            .split(|c: char| !c.is_ascii_digit())
            .find(|run| run.len() == 6)
            .expect("a 6-digit code in the text")
            .to_string();
        digits
    }

    /// Fetches a challenge and solves it like the browser script does.
    pub async fn solved_altcha(&self) -> String {
        let challenge: serde_json::Value = self
            .get("/verification-codes/challenge")
            .await
            .json()
            .await
            .expect("challenge JSON");
        solve_altcha(&challenge)
    }

    /// Asks for a code with a solved proof of work, as the script does.
    pub async fn request_code(&self, phone: &str) -> Response {
        let altcha = self.solved_altcha().await;
        self.client
            .post(self.url("/verification-codes"))
            .header("accept", "application/json")
            .form(&[("phone", phone), ("altcha", altcha.as_str())])
            .send()
            .await
            .expect("POST /verification-codes")
    }

    /// The hidden fields of a freshly rendered callback form (the proof of
    /// work left out: the script fills it in).
    pub async fn fresh_form(&self, path: &str) -> Vec<(String, String)> {
        let page = Page::from(self.get(path).await).await;
        page.hidden_fields("#callback-form")
            .into_iter()
            .filter(|(name, _)| name != "altcha")
            .collect()
    }

    /// Leaves a callback request the way a visitor does: a code, then the
    /// form at `form_path` with its hidden fields, `name`, `phone`, the
    /// code, consent, and `extra`.
    pub async fn leave_callback(
        &self,
        form_path: &str,
        name: &str,
        phone: &str,
        extra: &[(&str, &str)],
    ) -> Response {
        let sent = self.request_code(phone).await;
        assert_eq!(sent.status(), 200);
        let code = self.last_code_for(phone);
        let mut form = self.fresh_form(form_path).await;
        let typed = [
            ("name", name),
            ("phone", phone),
            ("code", &code),
            ("consent", "on"),
        ];
        form.extend(
            typed
                .iter()
                .chain(extra)
                .map(|(k, v)| (k.to_string(), v.to_string())),
        );
        self.client
            .post(self.url("/consultations"))
            .form(&form)
            .send()
            .await
            .expect("POST /consultations")
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

/// ALTCHA v1: the n with SHA-256(salt + n) = challenge, as base64 JSON.
pub fn solve_altcha(challenge: &serde_json::Value) -> String {
    use base64::Engine;
    use sha2::Digest;
    let salt = challenge["salt"].as_str().expect("salt");
    let target = challenge["challenge"].as_str().expect("challenge");
    let max = challenge["maxnumber"].as_u64().expect("maxnumber");
    let number = (0..=max)
        .find(|n| {
            let digest = sha2::Sha256::digest(format!("{salt}{n}").as_bytes());
            hujifen::secrets::hex(&digest) == target
        })
        .expect("solvable");
    let payload = serde_json::json!({
        "algorithm": challenge["algorithm"],
        "challenge": target,
        "number": number,
        "salt": salt,
        "signature": challenge["signature"],
    });
    base64::engine::general_purpose::STANDARD.encode(payload.to_string())
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

    /// The hidden fields under `css` (a form), as the browser would send them.
    pub fn hidden_fields(&self, css: &str) -> Vec<(String, String)> {
        self.all(&format!("{css} input[type=hidden]"))
            .into_iter()
            .filter_map(|input| {
                let name = input.value().attr("name")?;
                Some((
                    name.to_string(),
                    input.value().attr("value").unwrap_or("").to_string(),
                ))
            })
            .collect()
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
