//! Callback requests end to end: proof of work, SMS codes through the file
//! sender, every limit, the submission, idempotency, and the snapshot.

use std::time::Duration;

use serde_json::Value;

use crate::helpers::{Page, TEST_SESSION_KEY, TestApp, location, solve_altcha, text_of};

const PHONE: &str = "13812345678";

async fn submit(
    app: &TestApp,
    hidden: &[(String, String)],
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let mut form: Vec<(String, String)> = hidden.to_vec();
    form.extend(fields.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    app.client
        .post(app.url("/consultations"))
        .form(&form)
        .send()
        .await
        .expect("POST /consultations")
}

/// Asserts the form came back with `status` and `message` in its summary.
async fn assert_refused(response: reqwest::Response, status: u16, message: &str) {
    assert_eq!(response.status(), status);
    let summary = Page::from(response).await.text(".error-summary");
    assert!(summary.contains(message), "{summary}");
}

async fn code_for(app: &TestApp, phone: &str) -> String {
    let response = app.request_code(phone).await;
    assert_eq!(response.status(), 200, "{:?}", response.text().await);
    app.last_code_for(phone)
}

#[tokio::test]
async fn a_visitor_gets_a_code_and_leaves_a_callback_request() {
    let app = TestApp::spawn().await;
    let page = Page::from(app.get("/consultation?interest=planning").await).await;
    for name in [
        "name",
        "phone",
        "code",
        "consent",
        "marketing",
        "website",
        "idempotency_key",
        "interest",
    ] {
        assert!(
            page.has(&format!(r#"#callback-form [name="{name}"]"#)),
            "{name}"
        );
    }
    assert!(
        !page.has(r#"#callback-form [name="consent"][checked]"#),
        "consent starts unticked"
    );
    assert!(!page.has(r#"#callback-form [name="marketing"][checked]"#));
    assert!(
        !page.has(r#"#callback-form [name="share_sensitive"]"#),
        "only with an assessment"
    );
    assert!(
        !page.has(r#"#callback-form [name="organisation"]"#),
        "only for institutions"
    );
    assert!(page.has(r#"#callback-form a[href="/privacy"]"#));
    assert_eq!(
        page.attr("#send-code", "formaction").as_deref(),
        Some("/verification-codes")
    );
    assert!(page.has(r#"script[src^="/static/js/callback."]"#));

    let response = app.request_code(PHONE).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["ok"], true);
    assert!(body["message"].as_str().unwrap().contains("138****5678"));
    assert_eq!(body["retry_after"], 60);
    let sent = app.sms_sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["to"], PHONE);
    assert!(sent[0]["at"].as_str().unwrap().contains('T'));
    let code = app.last_code_for(PHONE);
    assert_eq!(
        app.scalar("SELECT count(*) FROM verification_codes").await,
        1
    );
    let stored: String = hujifen::db::query("SELECT code_hmac FROM verification_codes")
        .scalar(&app.db)
        .await
        .unwrap();
    assert!(!stored.contains(&code), "codes are stored as an HMAC");

    let hidden = app.fresh_form("/consultation?interest=planning").await;
    let response = submit(
        &app,
        &hidden,
        &[
            ("name", "张三"),
            ("phone", "138-1234-5678"),
            ("code", &code),
            ("consent", "on"),
            ("marketing", "on"),
        ],
    )
    .await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/consultations/thanks");

    let (name, phone, interest, status, consent_version): (String, String, String, String, String) =
        hujifen::db::query("SELECT name, phone, interest, status, consent_version FROM leads")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(
        (
            name.as_str(),
            phone.as_str(),
            interest.as_str(),
            status.as_str()
        ),
        ("张三", PHONE, "planning", "new")
    );
    assert_eq!(consent_version, hujifen::leads::NOTICE_VERSION);
    let (consent, marketing, share, ip): (bool, bool, bool, String) =
        hujifen::db::query("SELECT consent, marketing, share_sensitive, ip FROM consents")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(
        (consent, marketing, share, ip.as_str()),
        (true, true, false, "127.0.0.1")
    );
    assert_eq!(
        app.scalar("SELECT count(*) FROM lead_events WHERE kind = 'created'")
            .await,
        1
    );
    assert_eq!(
        app.scalar("SELECT count(*) FROM outbox WHERE kind = 'lead_notification'")
            .await,
        1
    );
    assert_eq!(
        app.scalar("SELECT count(*) FROM verification_codes WHERE used_at IS NOT NULL")
            .await,
        1
    );

    let thanks = Page::from(app.get("/consultations/thanks").await).await;
    assert_eq!(thanks.text("h1"), "您的服务申请已提交");
    assert!(
        thanks
            .text(".lead")
            .contains("服务站将在1个工作日内与你沟通服务细节")
    );

    // The code is single use.
    let hidden = app.fresh_form("/consultation").await;
    let again = submit(
        &app,
        &hidden,
        &[
            ("name", "张三"),
            ("phone", PHONE),
            ("code", &code),
            ("consent", "on"),
        ],
    )
    .await;
    assert_refused(again, 422, "验证码不正确或已过期").await;
}

#[tokio::test]
async fn without_javascript_the_form_round_trips_with_a_clear_message() {
    let app = TestApp::spawn().await;
    let hidden = app.fresh_form("/consultation").await;
    let mut form: Vec<(String, String)> = hidden.clone();
    form.push(("name".into(), "李四".into()));
    form.push(("phone".into(), PHONE.into()));
    let response = app
        .client
        .post(app.url("/verification-codes"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let page = Page::from(response).await;
    assert!(page.text(".error-summary").contains("人机验证"));
    assert_eq!(page.attr("#c-name", "value").as_deref(), Some("李四"));
    assert_eq!(page.attr("#c-phone", "value").as_deref(), Some(PHONE));
    assert_eq!(
        page.attr(r#"input[name="idempotency_key"]"#, "value"),
        hidden
            .iter()
            .find(|(k, _)| k == "idempotency_key")
            .map(|(_, v)| v.clone()),
        "the form keeps its key"
    );
    assert!(app.sms_sent().is_empty());

    // A form post with a solved challenge re-renders the form with a notice.
    let altcha = app.solved_altcha().await;
    form.push(("altcha".into(), altcha));
    let response = app
        .client
        .post(app.url("/verification-codes"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let page = Page::from(response).await;
    assert!(page.text("#callback-notice").contains("138****5678"));
    assert_eq!(app.sms_sent().len(), 1);
}

#[tokio::test]
async fn bad_fields_are_refused_and_leave_the_code_usable() {
    let app = TestApp::spawn().await;
    let code = code_for(&app, PHONE).await;
    let hidden = app.fresh_form("/consultation").await;
    // (fields, the field refused, its message)
    type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);
    let cases: &[Case] = &[
        (
            &[("name", "张三"), ("phone", PHONE), ("code", "")],
            "consent",
            "请阅读并同意",
        ),
        (
            &[("name", "张三"), ("phone", "12345"), ("consent", "on")],
            "phone",
            "请填写正确的中国大陆手机号码",
        ),
        (
            &[("name", "张三<b>"), ("phone", PHONE), ("consent", "on")],
            "name",
            "称呼只能包含文字",
        ),
        (
            &[("name", ""), ("phone", PHONE), ("consent", "on")],
            "name",
            "请填写您的称呼",
        ),
        (
            &[
                ("name", "张三"),
                ("phone", PHONE),
                ("consent", "on"),
                ("code", "12ab"),
            ],
            "code",
            "请填写6位数字验证码",
        ),
    ];
    for (fields, field, message) in cases {
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        if !all.iter().any(|(k, _)| *k == "code") {
            all.push(("code", &code));
        }
        let response = submit(&app, &hidden, &all).await;
        assert_eq!(response.status(), 422, "{field}");
        let page = Page::from(response).await;
        let errors: Vec<String> = page
            .all(".error-summary a")
            .into_iter()
            .map(text_of)
            .collect();
        assert!(
            errors.iter().any(|e| e.contains(message)),
            "{field}: {errors:?}"
        );
        assert!(page.has(&format!(r##".error-summary a[href="#c-{field}"]"##)));
        if let Some((_, name)) = fields.iter().find(|(k, _)| *k == "name") {
            assert_eq!(
                page.attr("#c-name", "value").as_deref(),
                Some(*name),
                "typed value kept"
            );
        }
    }
    assert_eq!(
        app.scalar("SELECT count(*) FROM leads").await,
        0,
        "nothing half-stored"
    );
    let response = submit(
        &app,
        &hidden,
        &[
            ("name", "张三"),
            ("phone", PHONE),
            ("code", &code),
            ("consent", "on"),
        ],
    )
    .await;
    assert_eq!(response.status(), 303, "the code survived the refusals");
    assert_eq!(app.sms_sent().len(), 1, "no SMS on any rejected request");
}

#[tokio::test]
async fn wrong_codes_are_limited_per_code_and_per_phone() {
    let app = TestApp::spawn_with(&[("HUJIFEN_SMS_PHONE_INTERVAL_SECS", "1")]).await;
    let hidden = app.fresh_form("/consultation").await;
    let attempt = |code: String| {
        let app = &app;
        let hidden = hidden.clone();
        async move {
            let response = submit(
                app,
                &hidden,
                &[
                    ("name", "王五"),
                    ("phone", PHONE),
                    ("code", &code),
                    ("consent", "on"),
                ],
            )
            .await;
            let status = response.status().as_u16();
            (
                status,
                Page::from(response)
                    .await
                    .all(".error-summary")
                    .first()
                    .map(|e| text_of(*e))
                    .unwrap_or_default(),
            )
        }
    };
    let wrong = |code: &str| {
        if code == "000000" {
            "111111".to_string()
        } else {
            "000000".to_string()
        }
    };

    let first = code_for(&app, PHONE).await;
    for _ in 0..5 {
        let (status, message) = attempt(wrong(&first)).await;
        assert_eq!(status, 422);
        assert!(message.contains("验证码不正确或已过期"), "{message}");
    }
    // 5 wrong tries kill the code: even the right one is refused now, with
    // the same message (a distinct one would tell that a code is live).
    let (status, message) = attempt(first.clone()).await;
    assert_eq!(status, 422);
    assert!(
        message.contains("验证码不正确或已过期"),
        "5 wrong tries kill the code: {message}"
    );

    tokio::time::sleep(Duration::from_millis(1100)).await;
    let second = code_for(&app, PHONE).await;
    for _ in 0..5 {
        attempt(wrong(&second)).await;
    }
    tokio::time::sleep(Duration::from_millis(1100)).await;
    // 10 wrong entries from this client today: no third code is sent (it
    // would be billed and could not be entered), and the refusal says when
    // the phone reopens; a new code does not reset the count.
    let sent = app.sms_sent().len();
    let refused = app.request_code(PHONE).await;
    assert_eq!(refused.status(), 429);
    let body: serde_json::Value = refused.json().await.unwrap();
    let message = body["errors"]["code"].as_str().unwrap_or_default();
    assert!(
        message.contains("输错次数过多") && message.contains("后可再试"),
        "{message}"
    );
    assert_eq!(app.sms_sent().len(), sent);
    let (status, message) = attempt(second).await;
    assert_eq!(status, 422);
    assert!(message.contains("验证码不正确或已过期"), "{message}");
    assert_eq!(app.scalar("SELECT count(*) FROM leads").await, 0);
}

#[tokio::test]
async fn codes_expire() {
    let app = TestApp::spawn_with(&[("HUJIFEN_CODE_TTL_SECS", "1")]).await;
    let code = code_for(&app, PHONE).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let hidden = app.fresh_form("/consultation").await;
    let response = submit(
        &app,
        &hidden,
        &[
            ("name", "赵六"),
            ("phone", PHONE),
            ("code", &code),
            ("consent", "on"),
        ],
    )
    .await;
    assert_refused(response, 422, "验证码不正确或已过期").await;
}

/// Sends made earlier, written straight into the counter table.
async fn earlier_sends(app: &TestApp, phone: &str, ip: &str, ages: &[i64]) {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    for age in ages {
        hujifen::db::query(
            "INSERT INTO sms_sends (phone, ip, sent_at, outcome) VALUES ($1, $2, $3, 'sent')",
        )
        .bind(phone)
        .bind(ip)
        .bind(now - age)
        .execute(&app.db)
        .await
        .unwrap();
    }
}

async fn refused(app: &TestApp, phone: &str, message: &str, max_wait: i64) {
    let before = app.sms_sent().len();
    let response = app.request_code(phone).await;
    assert_eq!(response.status(), 429, "{message}");
    let retry_after: i64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (1..=max_wait).contains(&retry_after),
        "{message}: Retry-After {retry_after}"
    );
    let body: Value = response.json().await.unwrap();
    let text = body["errors"]["code"].as_str().unwrap();
    assert!(text.contains(message), "{text}");
    assert_eq!(body["retry_after"], retry_after);
    assert_eq!(app.sms_sent().len(), before, "nothing sent");
}

#[tokio::test]
async fn every_send_limit_holds() {
    let app = TestApp::spawn_with(&[("HUJIFEN_SMS_DAILY_BUDGET", "40")]).await;
    // Per phone: 1 per 60 s.
    code_for(&app, "13900000001").await;
    refused(&app, "13900000001", "太频繁", 60).await;
    // Per phone: 5 per hour.
    earlier_sends(&app, "13900000002", "10.9.9.9", &[100, 200, 300, 400, 500]).await;
    refused(&app, "13900000002", "1小时内", 3600 - 500).await;
    // Per phone: 10 per 24 h.
    earlier_sends(
        &app,
        "13900000003",
        "10.9.9.9",
        &[
            4000, 5000, 6000, 7000, 8000, 9000, 10_000, 11_000, 12_000, 13_000,
        ],
    )
    .await;
    refused(&app, "13900000003", "今天", 86_400 - 13_000).await;
    // Per IP: 10 per hour (the test client is 127.0.0.1; one send above already counts).
    for (i, age) in (100..109).enumerate() {
        earlier_sends(&app, &format!("137000000{i:02}"), "127.0.0.1", &[age]).await;
    }
    refused(&app, "13900000004", "您的网络", 3600).await;
    assert_eq!(
        app.scalar("SELECT count(*) FROM sms_sends WHERE phone = '13900000004'")
            .await,
        0,
        "refusals are not sends"
    );
}

#[tokio::test]
async fn the_daily_ip_limit_and_the_global_budget_hold() {
    let app = TestApp::spawn_with(&[("HUJIFEN_SMS_DAILY_BUDGET", "25")]).await;
    let ages: Vec<i64> = (0..20).map(|i| 4000 + i * 100).collect();
    for (i, age) in ages.iter().enumerate() {
        earlier_sends(&app, &format!("136000000{i:02}"), "127.0.0.1", &[*age]).await;
    }
    refused(&app, "13900000005", "您的网络今天", 86_400).await;
    earlier_sends(&app, "13500000000", "10.1.1.1", &[10, 20, 30, 40, 50]).await;
    hujifen::db::query("DELETE FROM sms_sends WHERE ip = '127.0.0.1'")
        .execute(&app.db)
        .await
        .unwrap();
    earlier_sends(
        &app,
        "13500000001",
        "10.1.1.2",
        &(0..20).map(|i| 7000 + i).collect::<Vec<_>>(),
    )
    .await;
    refused(&app, "13900000006", "短信服务繁忙", 86_400).await;
}

#[tokio::test]
async fn stale_forged_and_replayed_challenges_are_refused() {
    let app = TestApp::spawn().await;
    let key = hujifen::secrets::Secrets::from_master(TEST_SESSION_KEY.as_bytes()).unwrap();
    let make = |hmac_key: &str, seconds: i64| {
        let challenge = altcha_lib_rs::create_challenge(altcha_lib_rs::ChallengeOptions {
            hmac_key,
            max_number: Some(500),
            expires: Some(chrono::Utc::now() + chrono::TimeDelta::seconds(seconds)),
            ..Default::default()
        })
        .unwrap();
        solve_altcha(&serde_json::to_value(challenge).unwrap())
    };
    let post = |altcha: String, phone: &'static str| {
        let app = &app;
        async move {
            app.client
                .post(app.url("/verification-codes"))
                .header("accept", "application/json")
                .form(&[("phone", phone), ("altcha", altcha.as_str())])
                .send()
                .await
                .unwrap()
        }
    };
    let stale = post(make(key.altcha_key(), -1), "13811110001").await;
    assert_eq!(stale.status(), 422, "expired");
    let forged = post(make("not the site key", 60), "13811110002").await;
    assert_eq!(forged.status(), 422, "not signed by us");
    let garbage = post("bm90IGpzb24=".into(), "13811110003").await;
    assert_eq!(garbage.status(), 422);

    let solved = app.solved_altcha().await;
    assert_eq!(post(solved.clone(), "13811110004").await.status(), 200);
    let replay = post(solved, "13811110005").await;
    assert_eq!(replay.status(), 422);
    let body: Value = replay.json().await.unwrap();
    assert!(body["errors"]["code"].as_str().unwrap().contains("已使用"));
    assert_eq!(app.sms_sent().len(), 1);
}

#[tokio::test]
async fn a_double_submit_makes_one_lead_and_a_repeat_joins_it() {
    let app = TestApp::spawn_with(&[("HUJIFEN_SMS_PHONE_INTERVAL_SECS", "1")]).await;
    let code = code_for(&app, PHONE).await;
    let hidden = app.fresh_form("/consultation").await;
    let fields = [
        ("name", "钱七"),
        ("phone", PHONE),
        ("code", code.as_str()),
        ("consent", "on"),
    ];
    let (first, second) = tokio::join!(
        submit(&app, &hidden, &fields),
        submit(&app, &hidden, &fields)
    );
    assert_eq!(first.status(), 303);
    assert_eq!(second.status(), 303);
    assert_eq!(location(&second), "/consultations/thanks");
    assert_eq!(app.scalar("SELECT count(*) FROM leads").await, 1);
    assert_eq!(app.scalar("SELECT count(*) FROM lead_submissions").await, 1);

    // Later, a new request from the same phone joins the open lead.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let code = code_for(&app, PHONE).await;
    let hidden = app.fresh_form("/consultation?interest=materials").await;
    let repeat = submit(
        &app,
        &hidden,
        &[
            ("name", "钱七"),
            ("phone", PHONE),
            ("code", &code),
            ("consent", "on"),
        ],
    )
    .await;
    assert_eq!(repeat.status(), 303);
    assert_eq!(
        location(&repeat),
        "/consultations/thanks",
        "the same answer either way"
    );
    assert_eq!(app.scalar("SELECT count(*) FROM leads").await, 1);
    assert_eq!(
        app.scalar("SELECT count(*) FROM lead_events WHERE kind = 'repeat_request'")
            .await,
        1
    );
    assert_eq!(app.scalar("SELECT count(*) FROM consents").await, 2);
    let detail: String =
        hujifen::db::query("SELECT detail FROM lead_events WHERE kind = 'repeat_request'")
            .scalar(&app.db)
            .await
            .unwrap();
    assert!(detail.contains("materials"));
}

#[tokio::test]
async fn submissions_per_phone_are_limited() {
    let app = TestApp::spawn_with(&[
        ("HUJIFEN_SMS_PHONE_INTERVAL_SECS", "1"),
        ("HUJIFEN_LEADS_PER_PHONE_DAY", "1"),
    ])
    .await;
    let first = app
        .leave_callback("/consultation", "孙八", PHONE, &[])
        .await;
    assert_eq!(first.status(), 303);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let again = app
        .leave_callback("/consultation", "孙八", PHONE, &[])
        .await;
    assert!(again.headers().contains_key("retry-after"));
    assert_refused(again, 429, "提交次数已达上限").await;
}

#[tokio::test]
async fn submissions_per_ip_are_limited_across_phones() {
    let app = TestApp::spawn_with(&[("HUJIFEN_LEADS_PER_IP_HOUR", "1")]).await;
    let first = app
        .leave_callback("/consultation", "孙八", PHONE, &[])
        .await;
    assert_eq!(first.status(), 303);
    // Another phone from the same address: refused by the address's window.
    let other = app
        .leave_callback("/consultation", "周九", "13912345678", &[])
        .await;
    assert!(other.headers().contains_key("retry-after"));
    assert_refused(other, 429, "提交太频繁").await;
    assert_eq!(app.scalar("SELECT count(*) FROM leads").await, 1);
}

/// The looser network bucket (IPv4 /24, IPv6 /48): submissions from other
/// addresses of the same network count against it.
#[tokio::test]
async fn submissions_per_network_are_limited() {
    let app = TestApp::spawn_with(&[("HUJIFEN_LEADS_PER_NETWORK_HOUR", "3")]).await;
    let now = hujifen::clock::unix_now();
    for i in 2..5 {
        hujifen::db::query(
            "INSERT INTO lead_submissions (phone, ip, network, created_at) VALUES ($1, $2, '127.0.0.0/24', $3)",
        )
        .bind(format!("1390000000{i}"))
        .bind(format!("127.0.0.{i}"))
        .bind(now - 60)
        .execute(&app.db)
        .await
        .unwrap();
    }
    let refused = app
        .leave_callback("/consultation", "孙八", PHONE, &[])
        .await;
    assert!(refused.headers().contains_key("retry-after"));
    assert_refused(refused, 429, "您所在的网络提交太频繁").await;
    assert_eq!(app.scalar("SELECT count(*) FROM leads").await, 0);
}

#[tokio::test]
async fn the_honeypot_drops_bots_silently() {
    let app = TestApp::spawn().await;
    let hidden = app.fresh_form("/consultation").await;
    let response = submit(
        &app,
        &hidden,
        &[
            ("name", "Bot"),
            ("phone", PHONE),
            ("code", "123456"),
            ("consent", "on"),
            ("website", "http://spam.example"),
        ],
    )
    .await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/consultations/thanks");
    assert_eq!(app.scalar("SELECT count(*) FROM leads").await, 0);

    let altcha = app.solved_altcha().await;
    let response = app
        .client
        .post(app.url("/verification-codes"))
        .header("accept", "application/json")
        .form(&[
            ("phone", PHONE),
            ("altcha", altcha.as_str()),
            ("website", "x"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap()["ok"], true);
    assert!(app.sms_sent().is_empty());
    assert_eq!(app.scalar("SELECT count(*) FROM sms_sends").await, 0);
}

#[tokio::test]
async fn the_attached_self_test_keeps_sensitive_answers_out_unless_shared() {
    let app = TestApp::spawn_with(&[("HUJIFEN_SMS_PHONE_INTERVAL_SECS", "1")]).await;
    let token = app
        .result_token(&[
            ("age", "33"),
            ("education", "bachelor_degree"),
            ("insurance_months", "36"),
            ("contribution_tier", "none"),
            ("detention_count", "1"),
        ])
        .await;
    let result = Page::from(app.get(&format!("/self-test/{token}")).await).await;
    let hidden: Vec<(String, String)> = result
        .hidden_fields("#callback-form")
        .into_iter()
        .filter(|(name, _)| name != "altcha")
        .collect();
    assert!(hidden.contains(&("source".into(), "result".into())));

    let code = code_for(&app, PHONE).await;
    assert_eq!(
        submit(
            &app,
            &hidden,
            &[
                ("name", "周九"),
                ("phone", PHONE),
                ("code", &code),
                ("consent", "on")
            ]
        )
        .await
        .status(),
        303
    );
    let (snapshot, total): (String, i64) =
        hujifen::db::query("SELECT assessment_snapshot, total FROM leads")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(
        !snapshot.contains("detention") && !snapshot.contains("行政拘留"),
        "{snapshot}"
    );
    assert_eq!(total, 129, "scored without the undisclosed deduction");

    // Sharing is a separate choice.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let other = "13987654321";
    let code = code_for(&app, other).await;
    let page = Page::from(app.get(&format!("/consultation?assessment={token}")).await).await;
    assert!(page.text(".attached").contains("79分"));
    let hidden = app
        .fresh_form(&format!("/consultation?assessment={token}"))
        .await;
    let response = submit(
        &app,
        &hidden,
        &[
            ("name", "吴十"),
            ("phone", other),
            ("code", &code),
            ("consent", "on"),
            ("share_sensitive", "on"),
        ],
    )
    .await;
    assert_eq!(response.status(), 303);
    let (snapshot, total): (String, i64) =
        hujifen::db::query("SELECT assessment_snapshot, total FROM leads WHERE phone = $1")
            .bind(other)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(snapshot.contains("detention"));
    assert_eq!(total, 79);
    assert_eq!(
        app.scalar("SELECT count(*) FROM consents WHERE share_sensitive = TRUE")
            .await,
        1
    );
}

#[tokio::test]
async fn institutions_name_their_organisation() {
    let app = TestApp::spawn().await;
    let page = Page::from(app.get("/consultation?interest=institution").await).await;
    assert_eq!(page.text("h1"), "机构入驻合作");
    assert!(page.has(r#"#callback-form [name="organisation"]"#));
    let code = code_for(&app, PHONE).await;
    let hidden = app.fresh_form("/consultation?interest=institution").await;
    let response = submit(
        &app,
        &hidden,
        &[
            ("name", "郑经理"),
            ("phone", PHONE),
            ("code", &code),
            ("consent", "on"),
        ],
    )
    .await;
    assert_refused(response, 422, "请填写机构名称").await;
    let response = submit(
        &app,
        &hidden,
        &[
            ("name", "郑经理"),
            ("phone", PHONE),
            ("code", &code),
            ("consent", "on"),
            ("organisation", "上海某人力资源公司"),
        ],
    )
    .await;
    assert_eq!(response.status(), 303);
    let organisation: String = hujifen::db::query("SELECT organisation FROM leads")
        .scalar(&app.db)
        .await
        .unwrap();
    assert_eq!(organisation, "上海某人力资源公司");
}

#[tokio::test]
async fn the_privacy_notice_has_every_item_and_a_version() {
    let app = TestApp::spawn().await;
    let page = Page::from(app.get("/privacy").await).await;
    assert_eq!(page.text("h1"), "个人信息处理规则");
    let text = page.text(".privacy");
    for needle in [
        hujifen::leads::NOTICE_VERSION,
        "处理者",
        "目的",
        "收集",
        "180天",
        "短信服务商",
        "邮件",
        "托管",
        "查阅",
        "更正",
        "删除",
        "撤回",
    ] {
        assert!(text.contains(needle), "{needle}");
    }
}

#[tokio::test]
async fn the_privacy_notice_states_the_configured_retention() {
    let default = TestApp::spawn().await;
    let page = Page::from(default.get("/privacy").await).await;
    assert_eq!(page.text("#retention-days"), "180");
    assert_eq!(page.text("#code-retention-hours"), "24");
    assert_eq!(page.text("#counter-retention-days"), "7");

    let app = TestApp::spawn_with(&[
        ("HUJIFEN_RETENTION_DAYS", "90"),
        ("HUJIFEN_CODE_RETENTION_HOURS", "12"),
        ("HUJIFEN_COUNTER_RETENTION_DAYS", "3"),
    ])
    .await;
    let page = Page::from(app.get("/privacy").await).await;
    assert_eq!(page.text("#retention-days"), "90");
    assert_eq!(page.text("#code-retention-hours"), "12");
    assert_eq!(page.text("#counter-retention-days"), "3");
    let rules = page.text("#retention + ul");
    assert!(rules.contains("保存90天"), "{rules}");
    assert!(!rules.contains("180"), "{rules}");
}
