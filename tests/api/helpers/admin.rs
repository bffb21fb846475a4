//! The advisors' side: signing in, adding advisors, leads as they arrive
//! in the database, and a signed-in browser's requests.

use reqwest::{Client, Response};

use super::{ADMIN_PASSWORD, Page, TestApp};

impl TestApp {
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
}

/// A lead as the consultation form stores it (with its `created` event),
/// optionally assigned and with a score.
pub async fn insert_lead(
    app: &TestApp,
    name: &str,
    phone: &str,
    created_at: &str,
    advisor: Option<i64>,
    total: Option<i64>,
) -> i64 {
    let id: i64 = hujifen::db::query(
        "INSERT INTO leads (name, phone, interest, source, consent_version, consent_at, marketing, created_at, last_activity_at, advisor_id, total)
         VALUES ($1, $2, 'callback', 'consultation', '2026-11-28', $3, FALSE, $4, $5, $6, $7) RETURNING id",
    )
    .bind(name)
    .bind(phone)
    .bind(created_at)
    .bind(created_at)
    .bind(created_at)
    .bind(advisor)
    .bind(total)
    .scalar(&app.db)
    .await
    .unwrap();
    hujifen::db::query("INSERT INTO lead_events (lead_id, kind, detail) VALUES ($1, 'created', '{\"interest\":\"callback\"}')")
        .bind(id)
        .execute(&app.db)
        .await
        .unwrap();
    id
}

/// Now, as the app stores times (RFC 3339, UTC).
pub fn now_iso() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

/// `minutes` ago, as the app stores times.
pub fn minutes_ago(minutes: i64) -> String {
    (time::OffsetDateTime::now_utc() - time::Duration::minutes(minutes))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

/// GET with a signed-in browser.
pub async fn get(app: &TestApp, browser: &Client, path: &str) -> Response {
    browser.get(app.url(path)).send().await.unwrap()
}

/// The CSRF token of the first form on the page at `path`.
pub async fn csrf(app: &TestApp, browser: &Client, path: &str) -> String {
    let page = Page::from(get(app, browser, path).await).await;
    page.all(r#"input[name="csrf"]"#)[0]
        .value()
        .attr("value")
        .unwrap()
        .to_string()
}

/// POST a form with a signed-in browser.
pub async fn post(
    app: &TestApp,
    browser: &Client,
    path: &str,
    fields: &[(&str, &str)],
) -> Response {
    browser
        .post(app.url(path))
        .form(fields)
        .send()
        .await
        .unwrap()
}

/// The password of every advisor `add_advisor` adds.
pub const ADVISOR_PASSWORD: &str = "an advisor password 2026";

/// Adds an advisor (role advisor, display name = username) through the
/// admin page; returns its id.
pub async fn add_advisor(app: &TestApp, admin: &Client, username: &str) -> i64 {
    add_named_advisor(app, admin, username, username).await
}

/// Adds an advisor with a display name through the admin page; returns its id.
pub async fn add_named_advisor(
    app: &TestApp,
    admin: &Client,
    username: &str,
    display_name: &str,
) -> i64 {
    let token = csrf(app, admin, "/admin/advisors").await;
    let response = post(
        app,
        admin,
        "/admin/advisors",
        &[
            ("csrf", &token),
            ("username", username),
            ("display_name", display_name),
            ("email", ""),
            ("role", "advisor"),
            ("password", ADVISOR_PASSWORD),
        ],
    )
    .await;
    assert_eq!(response.status(), 200);
    advisor_id(app, username).await
}

/// The id of the advisor called `username`.
pub async fn advisor_id(app: &TestApp, username: &str) -> i64 {
    hujifen::db::query("SELECT id FROM advisors WHERE username = $1")
        .bind(username)
        .scalar(&app.db)
        .await
        .unwrap()
}
