//! Home, health, errors, static files, and the headers every response carries.

use crate::helpers::{Page, TestApp};

fn assert_security_headers(response: &reqwest::Response) {
    let headers = response.headers();
    let csp = headers["content-security-policy"].to_str().unwrap();
    for part in [
        "default-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ] {
        assert!(csp.contains(part), "{csp}");
    }
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(
        headers["referrer-policy"],
        "strict-origin-when-cross-origin"
    );
    assert!(
        headers["permissions-policy"]
            .to_str()
            .unwrap()
            .contains("camera=()")
    );
    assert!(
        headers
            .get("server")
            .is_none_or(|s| !s.to_str().unwrap().contains('/'))
    );
    assert_eq!(headers["x-request-id"].len(), 16);
}

#[tokio::test]
async fn home_leads_to_the_self_test() {
    let app = TestApp::spawn().await;
    let response = app.get("/").await;
    assert_eq!(response.status(), 200);
    assert_security_headers(&response);
    let page = Page::from(response).await;
    assert!(page.has(r#".hero a[href="/self-test"]"#));
    assert!(page.has(r#"meta[name="viewport"]"#));
    assert_eq!(page.one("html").value().attr("lang"), Some("zh-CN"));
    assert!(page.all("script").is_empty(), "no JavaScript needed");
    assert!(page.text("footer").contains("不是政府官方平台"));
}

#[tokio::test]
async fn healthz_answers_only_while_the_database_does() {
    let app = TestApp::spawn().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "ok");
    app.db.close().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 503);
    // A client that takes gzip gets a body that is what its headers say.
    let response = app
        .client
        .get(app.url("/healthz"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    let gzipped = response
        .headers()
        .get("content-encoding")
        .is_some_and(|value| value == "gzip");
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_string();
    let bytes = response.bytes().await.unwrap();
    let text = if gzipped {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut text)
            .expect("a body that says gzip is gzip");
        text
    } else {
        String::from_utf8(bytes.to_vec()).unwrap()
    };
    assert!(text.contains(&request_id), "the site's 503 page: {text}");
}

#[tokio::test]
async fn unknown_paths_get_the_styled_404_with_a_request_id() {
    let app = TestApp::spawn().await;
    let response = app.get("/no/such/page").await;
    assert_eq!(response.status(), 404);
    assert_security_headers(&response);
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_string();
    let page = Page::from(response).await;
    assert_eq!(page.text("h1"), "页面不存在");
    assert_eq!(page.text(".request-id"), request_id);
    assert!(
        page.has(r#"link[rel="stylesheet"]"#),
        "styled with the site layout"
    );
}

#[tokio::test]
async fn a_database_failure_is_a_generic_500_page() {
    let app = TestApp::spawn().await;
    // One result first, so the self-test writer holds a connection of its
    // own when the database goes away.
    let stored = app
        .post_form(
            "/self-test",
            &[
                ("age", "30"),
                ("education", "college"),
                ("insurance_months", "24"),
                ("contribution_tier", "none"),
            ],
        )
        .await;
    assert_eq!(stored.status(), 303);
    app.db.close().await;
    let response = app
        .post_form(
            "/self-test",
            &[
                ("age", "30"),
                ("education", "college"),
                ("insurance_months", "24"),
                ("contribution_tier", "none"),
            ],
        )
        .await;
    assert_eq!(response.status(), 500);
    assert_security_headers(&response);
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_string();
    let body = response.text().await.unwrap();
    let page = Page(scraper::Html::parse_document(&body));
    assert_eq!(page.text("h1"), "服务暂时不可用");
    assert_eq!(page.text(".request-id"), request_id);
    for leak in [
        "sqlx",
        "SQLite",
        "PostgreSQL",
        "postgres",
        "pool",
        "src/",
        "panicked",
    ] {
        assert!(!body.contains(leak), "the page leaks {leak}");
    }
}

#[tokio::test]
async fn unsupported_methods_are_405() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .delete(app.url("/self-test"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    let page = Page::from(response).await;
    assert_eq!(page.text("h1"), "不支持的请求方式");
}

#[tokio::test]
async fn static_files_have_hashed_names_and_long_caching() {
    let app = TestApp::spawn().await;
    let page = Page::from(app.get("/").await).await;
    let href = page.attr(r#"link[rel="stylesheet"]"#, "href").unwrap();
    assert!(
        href.starts_with("/static/css/site.") && href.ends_with(".css"),
        "{href}"
    );
    assert_ne!(href, "/static/css/site.css");
    let response = app.get(&href).await;
    assert_eq!(response.status(), 200);
    assert_security_headers(&response);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    assert!(
        response.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    assert!(response.text().await.unwrap().contains("PingFang SC"));

    let plain = app.get("/static/css/site.css").await;
    assert_eq!(plain.status(), 200);
    assert!(
        !plain.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );

    for path in [
        "/static/../Cargo.toml",
        "/static/%2e%2e/Cargo.toml",
        "/static/nope.css",
        "/.git/config",
        "/.env",
    ] {
        assert_eq!(app.get(path).await.status(), 404, "{path}");
    }
}

#[tokio::test]
async fn json_errors_carry_the_headers_too() {
    let app = TestApp::spawn().await;
    let response = app
        .post_json("/api/v1/assessments", &serde_json::json!({}))
        .await;
    assert_eq!(response.status(), 422);
    assert_security_headers(&response);
}
