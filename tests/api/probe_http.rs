//! Findings of the outside probe (issue 13) about HTTP and limits: request
//! smuggling, Host and Origin, per-network limits, the SMS budget, codes.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::TestApp;

/// Writes raw bytes on a fresh connection and reads until the server closes
/// it (or 3 s pass): every response the server sent, as text.
async fn raw_exchange(app: &TestApp, request: &[u8]) -> String {
    let address = app.address.trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut received = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(3), stream.read_to_end(&mut received)).await;
    String::from_utf8_lossy(&received).to_string()
}

fn responses(reply: &str) -> usize {
    reply.matches("HTTP/1.1 ").count()
}

#[tokio::test]
async fn a_request_with_both_content_length_and_transfer_encoding_is_refused() {
    let app = TestApp::spawn().await;
    let host = app.address.trim_start_matches("http://").to_string();
    // A second request hidden in the body of the first: a front proxy that
    // honours Content-Length would see one request, this server two.
    let hidden = format!("GET /healthz HTTP/1.1\r\nHost: {host}\r\n\r\n");
    let body = format!("0\r\n\r\n{hidden}");
    let request = format!(
        "POST /self-test HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nTransfer-Encoding: chunked\r\n\r\n{body}",
        body.len()
    );
    let reply = raw_exchange(&app, request.as_bytes()).await;
    assert!(reply.starts_with("HTTP/1.1 400"), "{reply}");
    assert_eq!(
        responses(&reply),
        1,
        "the hidden request is never answered: {reply}"
    );
    assert_eq!(app.assessment_count().await, 0);
}

#[tokio::test]
async fn a_request_with_two_host_headers_is_refused_and_closed() {
    let app = TestApp::spawn().await;
    let host = app.address.trim_start_matches("http://").to_string();
    let request = format!(
        "GET / HTTP/1.1\r\nHost: {host}\r\nHost: evil.example\r\n\r\nGET /healthz HTTP/1.1\r\nHost: {host}\r\n\r\n"
    );
    let reply = raw_exchange(&app, request.as_bytes()).await;
    assert!(reply.starts_with("HTTP/1.1 400"), "{reply}");
    assert_eq!(
        responses(&reply),
        1,
        "the connection is closed after the 400: {reply}"
    );
}

#[tokio::test]
async fn a_foreign_host_is_misdirected_unless_a_trusted_proxy_sent_it() {
    let app = TestApp::spawn().await;
    let client = reqwest::Client::new();
    let get = |host: &'static str| client.get(app.url("/guide")).header("host", host).send();
    assert_eq!(get("evil.example").await.unwrap().status(), 421);
    assert_eq!(
        get("hujifen.test").await.unwrap().status(),
        200,
        "the public host"
    );
    assert_eq!(get("HUJIFEN.test:80").await.unwrap().status(), 200);
    // The server's own address (what a browser sends when it is used directly).
    assert_eq!(app.get("/guide").await.status(), 200);

    let proxied = TestApp::spawn_with(&[("HUJIFEN_TRUSTED_PROXY", "127.0.0.0/8")]).await;
    let response = client
        .get(proxied.url("/guide"))
        .header("host", "www.hujifen.example")
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        200,
        "the proxy answers for its own names"
    );
}

#[tokio::test]
async fn the_origin_check_trusts_only_the_public_urls_origin() {
    let app = TestApp::spawn_with(&[("HUJIFEN_PUBLIC_URL", "https://hujifen.example")]).await;
    let host = app.address.trim_start_matches("http://").to_string();
    let post = |origin: String, extra: Option<(&'static str, &'static str)>| {
        let mut request = app
            .client
            .post(app.url("/self-test"))
            .header("origin", origin)
            .form(&[
                ("age", "30"),
                ("education", "college"),
                ("insurance_months", "24"),
                ("contribution_tier", "none"),
            ]);
        if let Some((name, value)) = extra {
            request = request.header(name, value);
        }
        request.send()
    };
    // Accepted before: the Host's own origin, or http:// under an https site.
    for (origin, extra) in [
        (format!("http://{host}"), None),
        (format!("https://{host}"), None),
        ("http://hujifen.example".to_string(), None),
        (
            "https://evil.example".to_string(),
            Some(("x-forwarded-host", "evil.example")),
        ),
        (
            "https://evil.example".to_string(),
            Some(("forwarded", "host=evil.example")),
        ),
    ] {
        let response = post(origin.clone(), extra).await.unwrap();
        assert_eq!(response.status(), 403, "{origin} {extra:?}");
    }
    let response = post("https://hujifen.example".into(), None).await.unwrap();
    assert_eq!(response.status(), 303);
}

/// Asks for a code as a client at `from` (through the trusted proxy).
async fn ask_code(app: &TestApp, phone: &str, from: &str) -> reqwest::Response {
    let altcha = app.solved_altcha().await;
    app.client
        .post(app.url("/verification-codes"))
        .header("accept", "application/json")
        .header("x-forwarded-for", from)
        .form(&[("phone", phone), ("altcha", altcha.as_str())])
        .send()
        .await
        .unwrap()
}

/// Posts the callback form with `code` as a client at `from`.
async fn submit_with(app: &TestApp, phone: &str, code: &str, from: &str) -> reqwest::Response {
    let mut form = app.fresh_form("/consultation").await;
    for (name, value) in [
        ("name", "王五"),
        ("phone", phone),
        ("code", code),
        ("consent", "on"),
    ] {
        form.push((name.to_string(), value.to_string()));
    }
    app.client
        .post(app.url("/consultations"))
        .header("x-forwarded-for", from)
        .form(&form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_ipv6_client_is_counted_by_its_slash_64_and_its_slash_48() {
    let app = TestApp::spawn_with(&[
        ("HUJIFEN_TRUSTED_PROXY", "127.0.0.1"),
        ("HUJIFEN_SMS_IP_PER_HOUR", "2"),
        ("HUJIFEN_SMS_NETWORK_PER_HOUR", "3"),
    ])
    .await;
    // Three addresses of one /64 are one client: the third is refused.
    assert_eq!(
        ask_code(&app, "13900000001", "2001:db8:1:1::1")
            .await
            .status(),
        200
    );
    assert_eq!(
        ask_code(&app, "13900000002", "2001:db8:1:1::2")
            .await
            .status(),
        200
    );
    let third = ask_code(&app, "13900000003", "2001:db8:1:1:ffff::3").await;
    assert_eq!(third.status(), 429);
    assert!(third.headers().contains_key("retry-after"));
    // Another /64 of the same /48 is another client, until the /48 is full.
    assert_eq!(
        ask_code(&app, "13900000004", "2001:db8:1:2::1")
            .await
            .status(),
        200
    );
    assert_eq!(
        ask_code(&app, "13900000005", "2001:db8:1:3::1")
            .await
            .status(),
        429
    );
    // A different /48 is untouched.
    assert_eq!(
        ask_code(&app, "13900000006", "2001:db8:2:1::1")
            .await
            .status(),
        200
    );
    // IPv4: the address, then its /24.
    assert_eq!(
        ask_code(&app, "13900000007", "203.0.113.1").await.status(),
        200
    );
    assert_eq!(
        ask_code(&app, "13900000008", "203.0.113.2").await.status(),
        200
    );
    assert_eq!(
        ask_code(&app, "13900000009", "203.0.113.3").await.status(),
        200
    );
    assert_eq!(
        ask_code(&app, "13900000010", "203.0.113.4").await.status(),
        429,
        "the /24 is full"
    );
    assert_eq!(
        ask_code(&app, "13900000011", "198.51.100.1").await.status(),
        200
    );
    assert_eq!(app.sms_sent().len(), 8);
}

#[tokio::test]
async fn the_sms_budget_degrades_in_steps_instead_of_one_cliff() {
    let app = TestApp::spawn_with(&[
        ("HUJIFEN_TRUSTED_PROXY", "127.0.0.1"),
        ("HUJIFEN_SMS_DAILY_BUDGET", "10"),
        ("HUJIFEN_SMS_PHONE_INTERVAL_SECS", "1"),
    ])
    .await;
    let easy: serde_json::Value = app
        .get("/verification-codes/challenge")
        .await
        .json()
        .await
        .unwrap();
    let base = easy["maxnumber"].as_u64().unwrap();
    let from = |n: u32| format!("198.51.{n}.1");
    for n in 0..5 {
        let phone = format!("1390000{n:04}");
        assert_eq!(ask_code(&app, &phone, &from(n)).await.status(), 200, "{n}");
    }
    // Half spent: the proof of work is harder, and an easy one is refused.
    let harder: serde_json::Value = app
        .get("/verification-codes/challenge")
        .await
        .json()
        .await
        .unwrap();
    assert!(harder["maxnumber"].as_u64().unwrap() > base, "{harder}");
    let stale = crate::helpers::solve_altcha(&easy);
    let response = app
        .client
        .post(app.url("/verification-codes"))
        .header("accept", "application/json")
        .header("x-forwarded-for", "198.51.50.1")
        .form(&[("phone", "13900000050"), ("altcha", stale.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    // The operator is told once per level, by email through the outbox.
    let alerts = app
        .scalar("SELECT count(*) FROM outbox WHERE kind = 'sms_budget_alert'")
        .await;
    assert_eq!(alerts, 1, "elevated");
    for n in 5..9 {
        let phone = format!("1390000{n:04}");
        assert_eq!(ask_code(&app, &phone, &from(n)).await.status(), 200, "{n}");
    }
    // 9 of 10 sent: the reserve is for phones and networks without a code
    // today; a repeat phone waits, a new visitor still gets one.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let repeat = ask_code(&app, "13900000001", &from(77)).await;
    assert_eq!(repeat.status(), 429);
    let body: serde_json::Value = repeat.json().await.unwrap();
    assert!(
        body["errors"]["code"].as_str().unwrap().contains("额度"),
        "{body}"
    );
    assert_eq!(ask_code(&app, "13900000099", &from(99)).await.status(), 200);
    // All spent: nobody.
    assert_eq!(
        ask_code(&app, "13900000100", &from(100)).await.status(),
        429
    );
    let levels: Vec<String> = crate::helpers::column(
        hujifen::db::query("SELECT level FROM sms_budget_alerts ORDER BY level"),
        &app.db,
    )
    .await;
    assert_eq!(levels, ["elevated", "exhausted", "high", "reserve"]);
    assert_eq!(app.sms_sent().len(), 10);
}

#[tokio::test]
async fn a_stranger_cannot_lock_a_phone_and_a_locked_pair_gets_no_sms() {
    let app = TestApp::spawn_with(&[
        ("HUJIFEN_TRUSTED_PROXY", "127.0.0.1"),
        ("HUJIFEN_SMS_PHONE_INTERVAL_SECS", "1"),
        ("HUJIFEN_CODE_MAX_WRONG_PER_DAY", "3"),
    ])
    .await;
    let phone = "13912340000";
    let (stranger, owner) = ("203.0.113.66", "198.51.100.7");
    assert_eq!(ask_code(&app, phone, stranger).await.status(), 200);
    let code = app.last_code_for(phone);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..3 {
        assert_eq!(
            submit_with(&app, phone, wrong, stranger).await.status(),
            422
        );
    }
    let sent = app.sms_sent().len();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    // Locked for this pair: refused before any SMS, saying when it reopens.
    let refused = ask_code(&app, phone, stranger).await;
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().contains_key("retry-after"));
    let body: serde_json::Value = refused.json().await.unwrap();
    let message = body["errors"]["code"].as_str().unwrap();
    assert!(message.contains("后可再试"), "{message}");
    assert_eq!(
        app.sms_sent().len(),
        sent,
        "no billed SMS for a locked phone"
    );
    // The owner, on their own network, is not locked out by the stranger.
    assert_eq!(ask_code(&app, phone, owner).await.status(), 200);
    let code = app.last_code_for(phone);
    let done = submit_with(&app, phone, &code, owner).await;
    assert_eq!(done.status(), 303, "the owner's request is taken");
}

#[tokio::test]
async fn a_wrong_and_an_expired_code_get_the_same_message() {
    let app = TestApp::spawn().await;
    let message = |response: reqwest::Response| async move {
        let page = crate::helpers::Page::from(response).await;
        page.text("#callback-errors li")
    };
    // No code was ever sent to this phone.
    let none = message(submit_with(&app, "13911110000", "123456", "x").await).await;
    // A live code, entered wrong.
    assert_eq!(app.request_code("13922220000").await.status(), 200);
    let code = app.last_code_for("13922220000");
    let wrong = if code == "123456" { "654321" } else { "123456" };
    let live = message(submit_with(&app, "13922220000", wrong, "x").await).await;
    assert_eq!(
        none, live,
        "the message must not tell whether a code is live"
    );
}

#[tokio::test]
async fn pages_with_a_form_key_or_answers_are_never_cached() {
    let app = TestApp::spawn().await;
    for path in [
        "/consultation",
        "/consultation?interest=institution",
        "/privacy/requests",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()["cache-control"], "no-store", "{path}");
    }
}

#[tokio::test]
async fn a_form_key_replays_only_with_the_same_phone() {
    let app = TestApp::spawn_with(&[("HUJIFEN_SMS_PHONE_INTERVAL_SECS", "1")]).await;
    let form = app.fresh_form("/consultation").await;
    let key = form
        .iter()
        .find(|(name, _)| name == "idempotency_key")
        .map(|(_, value)| value.clone())
        .unwrap();
    let leave = |phone: &'static str| {
        let app = &app;
        let key = key.clone();
        async move {
            let sent = app.request_code(phone).await;
            assert_eq!(
                sent.status(),
                200,
                "{}",
                sent.text().await.unwrap_or_default()
            );
            let code = app.last_code_for(phone);
            let mut form = app.fresh_form("/consultation").await;
            form.retain(|(name, _)| name != "idempotency_key");
            for (name, value) in [
                ("idempotency_key", key.as_str()),
                ("name", "赵六"),
                ("phone", phone),
                ("code", code.as_str()),
                ("consent", "on"),
            ] {
                form.push((name.to_string(), value.to_string()));
            }
            app.client
                .post(app.url("/consultations"))
                .form(&form)
                .send()
                .await
                .unwrap()
        }
    };
    let first = leave("13933330001").await;
    assert_eq!(
        first.status(),
        303,
        "{}",
        first
            .text()
            .await
            .unwrap_or_default()
            .chars()
            .take(3000)
            .collect::<String>()
    );
    assert_eq!(leave("13933330002").await.status(), 303);
    assert_eq!(
        app.scalar("SELECT count(*) FROM leads").await,
        2,
        "another phone's request is not swallowed by a leaked key"
    );
}

#[tokio::test]
async fn a_stranger_cannot_lock_the_owner_out_of_their_privacy_requests() {
    let app = TestApp::spawn_with(&[
        ("HUJIFEN_TRUSTED_PROXY", "127.0.0.1"),
        ("HUJIFEN_SMS_PHONE_INTERVAL_SECS", "1"),
        ("HUJIFEN_CODE_MAX_WRONG_PER_DAY", "3"),
    ])
    .await;
    let phone = "13966667777";
    let (stranger, owner) = ("203.0.113.80", "198.51.100.80");
    let ask = |code: String, from: &'static str| {
        let app = &app;
        async move {
            app.client
                .post(app.url("/privacy/requests"))
                .header("x-forwarded-for", from)
                .form(&[
                    ("source", "privacy"),
                    ("phone", phone),
                    ("code", code.as_str()),
                    ("action", "view"),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    assert_eq!(ask_code(&app, phone, stranger).await.status(), 200);
    let code = app.last_code_for(phone);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..3 {
        assert_eq!(ask(wrong.to_string(), stranger).await.status(), 422);
    }
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(ask_code(&app, phone, owner).await.status(), 200);
    let code = app.last_code_for(phone);
    let response = ask(code, owner).await;
    assert_eq!(response.status(), 200, "the owner still reaches their data");
    let page = crate::helpers::Page::from(response).await;
    assert!(page.has("#privacy-result"));
}
