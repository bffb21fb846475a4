//! Lead alerts in 企业微信 and 钉钉: the real app against a local fake robot
//! that records every request and answers from a script, like the real
//! robots do (HTTP 200 with an `errcode`).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::helpers::eventually;

const DINGTALK_SECRET: &str = "SECfake0123456789abcdef";
const WECOM_KEY: &str = "wecom-fake-key";
const DINGTALK_TOKEN: &str = "dingtalk-fake-token";

/// How the fake robot answers one request.
#[derive(Debug, Clone, Copy)]
enum Answer {
    /// HTTP 200 with this `errcode` (0: taken).
    Errcode(i64),
    /// A bare HTTP status, as a proxy in front of the robot might give.
    Status(u16),
    /// 307 to `/stolen` on the same host: never to be followed.
    Redirect,
}

/// One request the fake robot received, and how it answered.
#[derive(Debug, Clone)]
struct Received {
    /// `wecom` or `dingtalk`: the last segment of the path.
    robot: String,
    query: HashMap<String, String>,
    raw: String,
    body: Value,
    answer: Answer,
}

impl Received {
    fn taken(&self) -> bool {
        matches!(self.answer, Answer::Errcode(0))
    }

    /// The Markdown text, whichever robot it went to.
    fn markdown(&self) -> &str {
        self.body["markdown"]["content"]
            .as_str()
            .or_else(|| self.body["markdown"]["text"].as_str())
            .unwrap_or("")
    }

    /// The lead the message is about, from its link.
    fn lead_id(&self) -> i64 {
        let text = self.markdown();
        let start = text.find("/admin/leads/").expect("a link to the lead") + 13;
        text[start..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .expect("a lead id")
    }

    fn is_overdue(&self) -> bool {
        self.markdown().contains("已超时未联系")
    }
}

#[derive(Default)]
struct FakeState {
    received: Vec<Received>,
    /// The next answers per robot; when empty, the robot takes the message.
    script: HashMap<String, VecDeque<Answer>>,
}

/// A fake 企业微信 (`/wecom`) and 钉钉 (`/dingtalk`) robot on loopback.
#[derive(Clone)]
struct FakeRobot {
    base: String,
    state: Arc<Mutex<FakeState>>,
}

impl FakeRobot {
    async fn start() -> Self {
        let state = Arc::new(Mutex::new(FakeState::default()));
        let data = web::Data::new(state.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(answer))
        })
        .workers(1)
        .bind(("127.0.0.1", 0))
        .expect("bind the fake robot");
        let address = server.addrs()[0];
        tokio::spawn(server.run());
        Self {
            base: format!("http://{address}"),
            state,
        }
    }

    /// The settings that point the app at this fake, both robots.
    fn settings(&self) -> Vec<(&'static str, String)> {
        vec![
            (
                "HUJIFEN_WECOM_WEBHOOK",
                format!("{}/cgi-bin/webhook/send/wecom?key={WECOM_KEY}", self.base),
            ),
            (
                "HUJIFEN_DINGTALK_WEBHOOK",
                format!(
                    "{}/robot/send/dingtalk?access_token={DINGTALK_TOKEN}",
                    self.base
                ),
            ),
            ("HUJIFEN_DINGTALK_SECRET", DINGTALK_SECRET.to_string()),
        ]
    }

    fn script(&self, robot: &str, answers: &[Answer]) {
        self.state
            .lock()
            .unwrap()
            .script
            .insert(robot.to_string(), answers.iter().copied().collect());
    }

    fn received(&self) -> Vec<Received> {
        self.state.lock().unwrap().received.clone()
    }

    fn taken(&self, robot: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.robot == robot && r.taken())
            .collect()
    }
}

async fn answer(
    request: HttpRequest,
    body: web::Bytes,
    state: web::Data<Arc<Mutex<FakeState>>>,
) -> HttpResponse {
    let robot = request.path().rsplit('/').next().unwrap_or("").to_string();
    let query: HashMap<String, String> =
        serde_urlencoded::from_str(request.query_string()).unwrap_or_default();
    let raw = format!(
        "{} {}?{} {}",
        request.method(),
        request.path(),
        request.query_string(),
        String::from_utf8_lossy(&body)
    );
    let mut state = state.lock().unwrap();
    let answer = state
        .script
        .get_mut(&robot)
        .and_then(VecDeque::pop_front)
        .unwrap_or(Answer::Errcode(0));
    state.received.push(Received {
        robot,
        query,
        raw,
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        answer,
    });
    match answer {
        Answer::Errcode(0) => HttpResponse::Ok().json(json!({"errcode": 0, "errmsg": "ok"})),
        Answer::Errcode(errcode) => {
            HttpResponse::Ok().json(json!({"errcode": errcode, "errmsg": "scripted refusal"}))
        }
        Answer::Status(status) => {
            HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap())
                .body("<html>bad gateway</html>")
        }
        Answer::Redirect => HttpResponse::TemporaryRedirect()
            .insert_header(("location", "/stolen"))
            .finish(),
    }
}

async fn spawn_app(robot: &FakeRobot, extra: &[(&str, &str)]) -> TestApp {
    let settings = robot.settings();
    let mut all: Vec<(&str, &str)> = settings
        .iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect();
    all.extend_from_slice(extra);
    TestApp::spawn_with(&all).await
}

async fn leave_a_lead(app: &TestApp, form_path: &str, name: &str, phone: &str) -> i64 {
    let response = app.leave_callback(form_path, name, phone, &[]).await;
    assert_eq!(response.status(), 303);
    hujifen::db::query("SELECT id FROM leads WHERE phone = $1")
        .bind(phone)
        .scalar(&app.db)
        .await
        .expect("the lead is stored")
}

async fn all_sent(app: &TestApp, rows: i64) -> bool {
    app.scalar("SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL")
        .await
        == rows
}

/// 钉钉's 加签, computed here independently of the app.
fn dingtalk_sign(timestamp: &str) -> String {
    use base64::Engine;
    use hmac::{KeyInit, Mac};
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(DINGTALK_SECRET.as_bytes()).unwrap();
    mac.update(format!("{timestamp}\n{DINGTALK_SECRET}").as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

#[tokio::test]
async fn a_new_lead_reaches_each_robot_once_masked_and_signed() {
    let robot = FakeRobot::start().await;
    let app = spawn_app(&robot, &[]).await;
    let token = app
        .result_token(&[
            ("age", "33"),
            ("education", "bachelor_degree"),
            ("insurance_months", "36"),
            ("contribution_tier", "none"),
        ])
        .await;
    let form = format!("/consultation?interest=planning&assessment={token}");
    let lead_id = leave_a_lead(&app, &form, "张三丰", "13812345678").await;
    let total = app
        .scalar(&format!("SELECT total FROM leads WHERE id = {lead_id}"))
        .await;

    // The email, 企业微信 and 钉钉: three rows, each sent once.
    assert!(eventually(10, || all_sent(&app, 3)).await, "all delivered");
    let received = robot.received();
    assert_eq!(received.len(), 2, "{received:#?}");

    let link = format!("http://hujifen.test/admin/leads/{lead_id}");
    for message in &received {
        assert_eq!(message.body["msgtype"], "markdown");
        let text = message.markdown();
        for part in [
            format!("新线索 #{lead_id}"),
            "一对一规划".to_string(),
            format!("{total}分"),
            "138****5678".to_string(),
            "前）".to_string(),
            link.clone(),
        ] {
            assert!(text.contains(&part), "{part} in {text}");
        }
        for secret in ["13812345678", "张三丰", "张三"] {
            assert!(!message.raw.contains(secret), "{secret} in {}", message.raw);
        }
    }
    let wecom = &robot.taken("wecom")[0];
    assert_eq!(wecom.query["key"], WECOM_KEY);
    assert!(wecom.body["markdown"]["content"].is_string());

    let dingtalk = &robot.taken("dingtalk")[0];
    assert_eq!(
        dingtalk.body["markdown"]["title"],
        format!("新线索 #{lead_id}")
    );
    assert_eq!(dingtalk.query["access_token"], DINGTALK_TOKEN);
    let timestamp = &dingtalk.query["timestamp"];
    let sent_at: i64 = timestamp.parse().expect("milliseconds");
    let now_ms = hujifen::clock::unix_now() * 1000;
    assert!((now_ms - sent_at).abs() < 60_000, "a current timestamp");
    assert_eq!(dingtalk.query["sign"], dingtalk_sign(timestamp));
    // URL-encoded in the query: base64's `+`, `/` and `=` never appear bare.
    let raw_sign = dingtalk.raw.split("sign=").nth(1).unwrap_or("");
    let raw_sign = raw_sign.split([' ', '&']).next().unwrap_or("");
    assert!(!raw_sign.contains(['+', '/', '=']), "{raw_sign}");
}

#[tokio::test]
async fn failing_robots_recover_and_nothing_is_lost_or_sent_twice() {
    let robot = FakeRobot::start().await;
    robot.script(
        "wecom",
        &[
            Answer::Errcode(45009),
            Answer::Status(502),
            Answer::Errcode(45009),
        ],
    );
    robot.script("dingtalk", &[Answer::Errcode(130101)]);
    let app = spawn_app(&robot, &[]).await;
    let first = leave_a_lead(&app, "/consultation", "李四", "13812340001").await;
    let second = leave_a_lead(&app, "/consultation", "王五", "13812340002").await;

    assert!(
        eventually(15, || all_sent(&app, 6)).await,
        "every row goes out once the robots recover"
    );
    for name in ["wecom", "dingtalk"] {
        let mut leads: Vec<i64> = robot.taken(name).iter().map(Received::lead_id).collect();
        leads.sort_unstable();
        assert_eq!(leads, [first, second], "{name}: each lead once");
    }
    let received = robot.received();
    let tries = |name: &str| received.iter().filter(|r| r.robot == name).count();
    assert_eq!(tries("wecom"), 5, "three refusals, then both taken");
    assert_eq!(tries("dingtalk"), 3, "one refusal, then both taken");
    for (kind, attempts) in [
        ("wecom_alert", 5),
        ("dingtalk_alert", 3),
        ("lead_notification", 2),
    ] {
        let sql = format!("SELECT CAST(sum(attempts) AS BIGINT) FROM outbox WHERE kind = '{kind}'");
        assert_eq!(
            app.scalar(&sql).await,
            attempts,
            "{kind}: one try per request"
        );
    }
}

#[tokio::test]
async fn a_refusing_robot_keeps_its_alert_and_says_why() {
    let robot = FakeRobot::start().await;
    robot.script("dingtalk", &[Answer::Errcode(310000); 100]);
    let app = spawn_app(&robot, &[]).await;
    let lead_id = leave_a_lead(&app, "/consultation", "赵六", "13812340003").await;

    let retried = eventually(10, || async {
        app.scalar(
            "SELECT count(*) FROM outbox
             WHERE kind = 'dingtalk_alert' AND sent_at IS NULL AND attempts >= 3",
        )
        .await
            == 1
    })
    .await;
    assert!(retried, "a refusal is retried, not dropped");
    let last_error: String =
        hujifen::db::query("SELECT last_error FROM outbox WHERE kind = 'dingtalk_alert'")
            .scalar(&app.db)
            .await
            .unwrap();
    assert!(last_error.contains("errcode 310000"), "{last_error}");
    assert!(!last_error.contains(DINGTALK_TOKEN), "{last_error}");
    assert!(
        eventually(5, || all_sent(&app, 2)).await,
        "email and 企业微信"
    );
    assert_eq!(robot.taken("wecom").len(), 1);
    assert_eq!(robot.taken("wecom")[0].lead_id(), lead_id);
}

/// A webhook that answers 307 is not followed (the third probe saw the
/// lead card re-POSTed over plain http to another host): the alert stays
/// in the outbox, retried, and nothing reaches the redirect's target.
#[tokio::test]
async fn a_redirecting_robot_is_not_followed() {
    let robot = FakeRobot::start().await;
    robot.script("wecom", &[Answer::Redirect; 100]);
    let app = spawn_app(&robot, &[]).await;
    leave_a_lead(&app, "/consultation", "钱七", "13812340004").await;
    let retried = eventually(10, || async {
        app.scalar(
            "SELECT count(*) FROM outbox
             WHERE kind = 'wecom_alert' AND sent_at IS NULL AND attempts >= 2",
        )
        .await
            == 1
    })
    .await;
    assert!(retried, "a redirect is a failure to retry, not a delivery");
    let received = robot.received();
    assert!(
        received.iter().any(|r| r.robot == "wecom"),
        "the webhook was asked"
    );
    assert!(
        received.iter().all(|r| !r.raw.contains("/stolen")),
        "the redirect was never followed: {received:?}"
    );
    let last_error: String =
        hujifen::db::query("SELECT last_error FROM outbox WHERE kind = 'wecom_alert'")
            .scalar(&app.db)
            .await
            .unwrap();
    assert!(last_error.contains("307"), "{last_error}");
    assert!(!last_error.contains(WECOM_KEY), "{last_error}");
}

/// Moves a lead's submission `days` back.
async fn age(app: &TestApp, lead_id: i64, days: i64) {
    hujifen::db::query("UPDATE leads SET created_at = $1 WHERE id = $2")
        .bind(hujifen::clock::iso_days_ago(days))
        .bind(lead_id)
        .execute(&app.db)
        .await
        .unwrap();
}

#[tokio::test]
async fn an_overdue_lead_is_announced_once_across_instances() {
    let robot = FakeRobot::start().await;
    let fast = [("HUJIFEN_OVERDUE_CHECK_MS", "50")];
    let first = spawn_app(&robot, &fast).await;
    let mut shared = fast.to_vec();
    shared.push(("DATABASE_URL", first.database_url.as_str()));
    let second = spawn_app(&robot, &shared).await;

    let overdue = leave_a_lead(&first, "/consultation", "钱七", "13812340004").await;
    let called = leave_a_lead(&first, "/consultation", "孙八", "13812340005").await;
    let ancient = leave_a_lead(&second, "/consultation", "周九", "13812340006").await;
    leave_a_lead(&second, "/consultation", "吴十", "13812340007").await;
    // Called before it is aged, so no check ever sees it overdue.
    hujifen::db::query("UPDATE leads SET first_attempt_at = created_at WHERE id = $1")
        .bind(called)
        .execute(&first.db)
        .await
        .unwrap();
    // Twelve days is past the longest holiday; twenty is before the
    // fortnight robots look back.
    age(&first, overdue, 12).await;
    age(&first, called, 12).await;
    age(&first, ancient, 20).await;

    let announced = eventually(10, || async {
        robot.taken("wecom").iter().any(Received::is_overdue)
            && robot.taken("dingtalk").iter().any(Received::is_overdue)
    })
    .await;
    assert!(announced, "{:#?}", robot.received());
    // Many more checks on both instances: still once.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(eventually(5, || all_sent(&first, 4 * 3 + 2)).await);
    for name in ["wecom", "dingtalk"] {
        let taken = robot.taken(name);
        let overdue_leads: Vec<i64> = taken
            .iter()
            .filter(|r| r.is_overdue())
            .map(Received::lead_id)
            .collect();
        assert_eq!(overdue_leads, [overdue], "{name}");
        let text = taken.iter().find(|r| r.is_overdue()).unwrap().markdown();
        assert!(text.contains("（12天"), "its age: {text}");
        assert!(text.contains("138****0004"), "{text}");
        let new_leads = taken.iter().filter(|r| !r.is_overdue()).count();
        assert_eq!(new_leads, 4, "{name}: each new lead once");
    }
    let marked: Vec<i64> = crate::helpers::column(
        hujifen::db::query("SELECT id FROM leads WHERE overdue_announced_at IS NOT NULL"),
        &first.db,
    )
    .await;
    assert_eq!(marked, [overdue]);
}

#[tokio::test]
async fn without_robots_nothing_is_announced_and_a_lead_is_only_emailed() {
    let app = TestApp::spawn().await;
    leave_a_lead(&app, "/consultation", "郑一", "13812340008").await;
    assert!(eventually(5, || all_sent(&app, 1)).await);
    assert_eq!(
        app.scalar("SELECT count(*) FROM outbox WHERE kind <> 'lead_notification'")
            .await,
        0
    );
}

#[test]
fn plain_http_webhooks_and_a_missing_secret_stop_the_start() {
    use crate::startup::{assert_refused, start};
    let folder = tempfile::tempdir().expect("temp dir");
    let output = start(
        folder.path(),
        &[(
            "HUJIFEN_WECOM_WEBHOOK",
            "http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=secret-key",
        )],
    );
    assert_refused(&output, "HUJIFEN_WECOM_WEBHOOK must be an https:// URL");
    assert!(!String::from_utf8_lossy(&output.stderr).contains("secret-key"));
    let output = start(
        folder.path(),
        &[(
            "HUJIFEN_DINGTALK_WEBHOOK",
            "https://oapi.dingtalk.com/robot/send?access_token=token",
        )],
    );
    assert_refused(
        &output,
        "HUJIFEN_DINGTALK_WEBHOOK needs HUJIFEN_DINGTALK_SECRET",
    );
}
