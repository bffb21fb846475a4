//! Messages that leave the site: advisor email over a real SMTP conversation
//! on loopback, and the Aliyun SMS API against a local fake that checks the
//! signature and answers like the real one.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use hujifen::leads::Phone;
use hujifen::notify::sms::{AliyunSender, CodeMessage, SmsError, SmsSender, aliyun_signature};
use hujifen::settings::AliyunSettings;

use crate::helpers::TestApp;
use crate::helpers::eventually;

/// What the sink received: the RCPT TO lines and the DATA of each message.
type Inbox = Arc<Mutex<Vec<(Vec<String>, String)>>>;

/// A minimal SMTP server: accepts every message and keeps its DATA.
async fn smtp_sink(listener: TcpListener, received: Inbox) {
    smtp_sink_losing_acks(listener, received, 0).await;
}

/// The sink, but the first `lost` messages are kept and their connection
/// dropped before the server's "250": the acknowledgment is lost, so the
/// sender tries again (the at-least-once window).
async fn smtp_sink_losing_acks(listener: TcpListener, received: Inbox, lost: usize) {
    let lost = Arc::new(std::sync::atomic::AtomicUsize::new(lost));
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            return;
        };
        let (received, lost) = (received.clone(), lost.clone());
        tokio::spawn(async move {
            let (reader, mut writer) = stream.into_split();
            let mut lines = BufReader::new(reader).lines();
            let _ = writer.write_all(b"220 sink.test ESMTP\r\n").await;
            let mut recipients = Vec::new();
            while let Ok(Some(line)) = lines.next_line().await {
                let upper = line.to_ascii_uppercase();
                let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                    b"250-sink.test\r\n250 8BITMIME\r\n"
                } else if upper.starts_with("RCPT TO") {
                    recipients.push(line.clone());
                    b"250 OK\r\n"
                } else if upper.starts_with("DATA") {
                    let _ = writer.write_all(b"354 go ahead\r\n").await;
                    let mut data = String::new();
                    while let Ok(Some(part)) = lines.next_line().await {
                        if part == "." {
                            break;
                        }
                        data.push_str(&part);
                        data.push('\n');
                    }
                    received
                        .lock()
                        .unwrap()
                        .push((std::mem::take(&mut recipients), data));
                    let drop_it = lost
                        .fetch_update(
                            std::sync::atomic::Ordering::SeqCst,
                            std::sync::atomic::Ordering::SeqCst,
                            |left| left.checked_sub(1),
                        )
                        .is_ok();
                    if drop_it {
                        return;
                    }
                    b"250 queued\r\n"
                } else if upper.starts_with("QUIT") {
                    let _ = writer.write_all(b"221 bye\r\n").await;
                    return;
                } else {
                    b"250 OK\r\n"
                };
                if writer.write_all(reply).await.is_err() {
                    return;
                }
            }
        });
    }
}

async fn leave_a_lead(app: &TestApp, name: &str, phone: &str) -> i64 {
    let response = app
        .leave_callback("/consultation?interest=guide", name, phone, &[])
        .await;
    assert_eq!(response.status(), 303);
    app.scalar("SELECT max(id) FROM leads").await
}

#[tokio::test]
async fn advisor_email_waits_for_the_smtp_server_and_then_arrives() {
    // A port with nothing listening yet: the SMTP server is "down".
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let smtp_url = format!("smtp://127.0.0.1:{port}");
    let app = TestApp::spawn_with(&[
        ("HUJIFEN_SMTP_URL", smtp_url.as_str()),
        ("HUJIFEN_MAIL_FROM", "沪积分 <noreply@hujifen.test>"),
        ("HUJIFEN_NOTIFY_TO", "advisor@hujifen.test"),
    ])
    .await;
    let lead_id = leave_a_lead(&app, "陈一", "13812340000").await;

    let failed = eventually(5, || async {
        app.scalar("SELECT count(*) FROM outbox WHERE attempts >= 1 AND sent_at IS NULL AND last_error IS NOT NULL").await == 1
    })
    .await;
    assert!(failed, "the first tries fail while the server is down");
    assert_eq!(
        app.scalar("SELECT count(*) FROM leads").await,
        1,
        "the lead is safe meanwhile"
    );

    let received: Inbox = Arc::new(Mutex::new(Vec::new()));
    let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
    tokio::spawn(smtp_sink(listener, received.clone()));
    let sent = eventually(10, || async {
        app.scalar("SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL")
            .await
            == 1
    })
    .await;
    assert!(sent, "the mail goes out once the server is up");

    let messages = received.lock().unwrap().clone();
    assert_eq!(messages.len(), 1);
    let (recipients, data) = &messages[0];
    assert!(recipients[0].contains("advisor@hujifen.test"));
    assert!(data.to_ascii_lowercase().contains("subject:"));
    let (_, encoded) = data.split_once("\n\n").expect("headers, then the body");
    use base64::Engine;
    let body = base64::engine::general_purpose::STANDARD
        .decode(encoded.split_whitespace().collect::<String>())
        .map(|bytes| String::from_utf8(bytes).unwrap())
        .expect("a base64 body");
    assert!(body.contains(&format!("线索编号：{lead_id}")), "{body}");
    assert!(body.contains(&format!("/admin/leads/{lead_id}")), "{body}");
    assert!(body.contains("积分落户指南"), "the interest: {body}");
    assert!(
        !body.contains("1381234") && !body.contains("陈一"),
        "no name or phone: {body}"
    );
}

/// The header `name` of a received message's DATA.
fn header<'a>(data: &'a str, name: &str) -> Option<&'a str> {
    data.lines()
        .take_while(|line| !line.is_empty())
        .find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name).then(|| value.trim())
        })
}

/// A message re-sent after its acknowledgment was lost carries the same
/// Message-ID, so mail clients show it once; another message has its own.
#[tokio::test]
async fn a_resent_email_keeps_its_message_id() {
    let received: Inbox = Arc::new(Mutex::new(Vec::new()));
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(smtp_sink_losing_acks(listener, received.clone(), 1));
    let smtp_url = format!("smtp://127.0.0.1:{port}");
    let app = TestApp::spawn_with(&[
        ("HUJIFEN_SMTP_URL", smtp_url.as_str()),
        ("HUJIFEN_NOTIFY_TO", "advisor@hujifen.test"),
    ])
    .await;
    leave_a_lead(&app, "陈一", "13812340000").await;
    let sent = eventually(10, || async {
        app.scalar("SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL")
            .await
            == 1
    })
    .await;
    assert!(sent, "the second try is acknowledged");
    leave_a_lead(&app, "陈二", "13812340001").await;
    assert!(
        eventually(10, || async {
            app.scalar("SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL")
                .await
                == 2
        })
        .await
    );
    let messages = received.lock().unwrap().clone();
    assert_eq!(messages.len(), 3, "twice the first, once the second");
    let ids: Vec<&str> = messages
        .iter()
        .map(|(_, data)| header(data, "Message-ID").expect("a Message-ID"))
        .collect();
    assert_eq!(ids[0], ids[1], "the resend is the same message");
    assert_ne!(ids[1], ids[2], "another message has its own");
    assert!(
        ids[0].starts_with('<') && ids[0].ends_with("@hujifen.test>"),
        "{}",
        ids[0]
    );
}

#[tokio::test]
async fn without_smtp_the_email_is_logged_and_marked_done() {
    let app = TestApp::spawn().await;
    leave_a_lead(&app, "林二", "13812340001").await;
    let done = eventually(5, || async {
        app.scalar("SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL")
            .await
            == 1
    })
    .await;
    assert!(done);
}

type Seen = Arc<Mutex<Vec<BTreeMap<String, String>>>>;

/// Answers like Aliyun's SendSms: checks the signature, then replies by phone.
async fn fake_aliyun(request: HttpRequest, seen: web::Data<Seen>) -> HttpResponse {
    let params: BTreeMap<String, String> =
        serde_urlencoded::from_str(request.query_string()).unwrap_or_default();
    seen.lock().unwrap().push(params.clone());
    let reply = |status: u16, code: &str| {
        HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap())
            .json(json!({"Code": code, "Message": code, "RequestId": "F655A8D5-B967-440B-8683-DAD6FF8DE990"}))
    };
    let signature_ok = params
        .get("Signature")
        .is_some_and(|s| *s == aliyun_signature("fake-secret", &params));
    if !signature_ok {
        return reply(400, "SignatureDoesNotMatch");
    }
    let well_formed = params.get("Action").map(String::as_str) == Some("SendSms")
        && params.get("Version").map(String::as_str) == Some("2017-05-25")
        && params.get("SignatureMethod").map(String::as_str) == Some("HMAC-SHA1")
        && params.get("SignName").map(String::as_str) == Some("沪积分")
        && params.get("TemplateCode").map(String::as_str) == Some("SMS_123456")
        && params
            .get("Timestamp")
            .is_some_and(|t| t.ends_with('Z') && t.len() == 20)
        && params
            .get("TemplateParam")
            .and_then(|p| serde_json::from_str::<Value>(p).ok())
            .is_some_and(|p| p["code"].as_str().is_some_and(|c| c.len() == 6));
    if !well_formed {
        return reply(400, "MissingParameter");
    }
    match params.get("PhoneNumbers").map(String::as_str) {
        Some("13800000001") => reply(200, "isv.BUSINESS_LIMIT_CONTROL"),
        Some("13800000002") => reply(200, "isv.MOBILE_NUMBER_ILLEGAL"),
        Some("13800000003") => reply(200, "isv.AMOUNT_NOT_ENOUGH"),
        Some("13800000004") => reply(500, "isp.SYSTEM_ERROR"),
        Some("13800000005") => HttpResponse::BadGateway().body("<html>upstream</html>"),
        _ => HttpResponse::Ok().json(json!({"Code": "OK", "Message": "OK", "BizId": "9006197469364984^0", "RequestId": "F655A8D5"})),
    }
}

async fn start_fake_aliyun() -> (String, Seen) {
    let seen: Seen = Arc::new(Mutex::new(Vec::new()));
    let data = web::Data::new(seen.clone());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route("/", web::get().to(fake_aliyun))
    })
    .workers(1)
    .bind(("127.0.0.1", 0))
    .unwrap();
    let address = server.addrs()[0];
    tokio::spawn(server.run());
    (format!("http://{address}"), seen)
}

fn aliyun(endpoint: &str, secret: &str) -> AliyunSender {
    AliyunSender::new(AliyunSettings {
        access_key_id: "fake-id".into(),
        access_key_secret: secret.into(),
        sign_name: "沪积分".into(),
        template_code: "SMS_123456".into(),
        endpoint: endpoint.into(),
    })
    .unwrap()
}

fn message(phone: &str) -> CodeMessage {
    CodeMessage {
        to: Phone::parse(phone).unwrap(),
        code: "012345".into(),
        valid_minutes: 5,
    }
}

#[tokio::test]
async fn the_aliyun_sender_signs_requests_and_understands_every_answer() {
    hujifen::notify::sms::install_tls_provider();
    let (endpoint, seen) = start_fake_aliyun().await;
    let sender = aliyun(&endpoint, "fake-secret");
    assert!(sender.send(&message("13800000000")).await.is_ok());
    let params = seen.lock().unwrap()[0].clone();
    assert_eq!(params["PhoneNumbers"], "13800000000");
    assert_eq!(params["TemplateParam"], r#"{"code":"012345"}"#);
    assert_eq!(params["AccessKeyId"], "fake-id");

    for (phone, expected) in [
        ("13800000001", "isv.BUSINESS_LIMIT_CONTROL"),
        ("13800000002", "isv.MOBILE_NUMBER_ILLEGAL"),
        ("13800000003", "isv.AMOUNT_NOT_ENOUGH"),
        ("13800000004", "isp.SYSTEM_ERROR"),
    ] {
        match sender.send(&message(phone)).await {
            Err(SmsError::Refused { code }) => assert_eq!(code, expected),
            other => panic!("{phone}: {other:?}"),
        }
    }
    assert!(matches!(
        sender.send(&message("13800000005")).await,
        Err(SmsError::Unavailable(_))
    ));
    let wrong_key = aliyun(&endpoint, "not-the-secret");
    match wrong_key.send(&message("13800000000")).await {
        Err(SmsError::Refused { code }) => assert_eq!(code, "SignatureDoesNotMatch"),
        other => panic!("{other:?}"),
    }
    let nobody = aliyun("http://127.0.0.1:9", "fake-secret");
    assert!(matches!(
        nobody.send(&message("13800000000")).await,
        Err(SmsError::Unavailable(_))
    ));
    assert_eq!(
        SmsError::Refused {
            code: "isv.MOBILE_NUMBER_ILLEGAL".into()
        }
        .visitor_message(),
        "该号码暂时无法接收短信，请检查号码是否正确"
    );
}

#[tokio::test]
async fn a_provider_error_is_told_to_the_visitor_and_counted_anyway() {
    let (endpoint, _seen) = start_fake_aliyun().await;
    let app = TestApp::spawn_with(&[
        ("HUJIFEN_SMS", "aliyun"),
        ("HUJIFEN_ALIYUN_ACCESS_KEY_ID", "fake-id"),
        ("HUJIFEN_ALIYUN_ACCESS_KEY_SECRET", "fake-secret"),
        ("HUJIFEN_ALIYUN_SIGN_NAME", "沪积分"),
        ("HUJIFEN_ALIYUN_TEMPLATE_CODE", "SMS_123456"),
        ("HUJIFEN_ALIYUN_ENDPOINT", endpoint.as_str()),
    ])
    .await;
    let ok = app.request_code("13800000000").await;
    assert_eq!(ok.status(), 200);
    let refused = app.request_code("13800000003").await;
    assert_eq!(refused.status(), 502);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["errors"]["code"], "短信发送失败，请稍后再试");
    assert_eq!(
        app.scalar("SELECT count(*) FROM sms_sends WHERE outcome = 'failed'")
            .await,
        1
    );
    assert_eq!(
        app.scalar("SELECT count(*) FROM sms_sends WHERE outcome = 'sent'")
            .await,
        1
    );
    // Counted: the same phone must wait like any other send.
    let again = app.request_code("13800000003").await;
    assert_eq!(again.status(), 429);
}
