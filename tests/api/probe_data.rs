//! Findings of the outside probe (issue 13) about stored data, free text
//! and errors: Cf characters, ids never reused, privacy deletion, JSON errors.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::helpers::{Page, TestApp, column};
use crate::process::ServerProcess;

const PHONE: &str = "13812345678";
const OTHER_PHONE: &str = "13912345678";
const THIRD_PHONE: &str = "13712345678";
const NAME: &str = "张三丰";

/// Settings that let one test ask for several codes for one phone.
const QUICK_CODES: (&str, &str) = ("HUJIFEN_SMS_PHONE_INTERVAL_SECS", "1");

/// Deletes everything held for `phone` through `/privacy/requests`, the way
/// a visitor does: a fresh code, then the form.
async fn delete_through_privacy_requests(app: &TestApp, phone: &str) {
    // One code a second per phone (QUICK_CODES).
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let sent = app.request_code(phone).await;
    assert_eq!(sent.status(), 200, "{:?}", sent.text().await);
    let code = app.last_code_for(phone);
    let response = app
        .client
        .post(app.url("/privacy/requests"))
        .form(&[
            ("phone", phone),
            ("code", code.as_str()),
            ("action", "delete"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        Page::from(response)
            .await
            .text("#privacy-result")
            .contains("已删除")
    );
}

async fn lead_id_of(app: &TestApp, phone: &str) -> i64 {
    hujifen::db::query("SELECT id FROM leads WHERE phone = $1")
        .bind(phone)
        .scalar(&app.db)
        .await
        .unwrap()
}

// 1. Unicode format characters (category Cf) in free text.

#[tokio::test]
async fn bidi_and_zero_width_characters_are_refused_on_the_same_page_with_the_value_kept() {
    let app = TestApp::spawn().await;
    // "上海某某公司" with a right-to-left override: shown reversed to advisors.
    let organisation = "上海\u{202E}某某公司\u{200B}";
    let response = app
        .leave_callback(
            "/consultation?interest=institution",
            NAME,
            PHONE,
            &[("interest", "institution"), ("organisation", organisation)],
        )
        .await;
    assert_eq!(response.status(), 422);
    let page = Page::from(response).await;
    let message = "机构名称包含看不见的特殊字符";
    assert!(page.text(".error-summary").contains(message));
    let field = page.text(".field.has-error .error");
    assert!(field.contains(message), "{field}");
    assert_eq!(
        page.attr(r#"#callback-form [name="organisation"]"#, "value")
            .as_deref(),
        Some(organisation),
        "the typed value is kept"
    );
    assert_eq!(
        page.attr(r#"#callback-form [name="name"]"#, "value")
            .as_deref(),
        Some(NAME)
    );
    assert_eq!(app.scalar("SELECT count(*) FROM leads").await, 0);

    // A name with a zero-width joiner gets its own message too.
    let typed_name = "张\u{200D}三";
    let mut form = app.fresh_form("/consultation").await;
    form.extend(
        [
            ("name", typed_name),
            ("phone", PHONE),
            ("code", "123456"),
            ("consent", "on"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string())),
    );
    let response = app
        .client
        .post(app.url("/consultations"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let page = Page::from(response).await;
    assert!(
        page.text(".error-summary")
            .contains("称呼包含看不见的特殊字符"),
        "{}",
        page.text(".error-summary")
    );
    assert_eq!(
        page.attr(r#"#callback-form [name="name"]"#, "value")
            .as_deref(),
        Some(typed_name)
    );
}

// 2. Ids are never reused.

#[tokio::test]
async fn a_lead_id_is_not_reused_after_a_privacy_deletion() {
    let app = TestApp::spawn_with(&[QUICK_CODES]).await;
    for phone in [PHONE, OTHER_PHONE] {
        let created = app.leave_callback("/consultation", NAME, phone, &[]).await;
        assert_eq!(created.status(), 303);
    }
    let deleted_id = lead_id_of(&app, OTHER_PHONE).await;
    let last_event = app.scalar("SELECT max(id) FROM lead_events").await;
    assert_eq!(deleted_id, app.scalar("SELECT max(id) FROM leads").await);

    // The newest lead goes: without AUTOINCREMENT its id came back.
    delete_through_privacy_requests(&app, OTHER_PHONE).await;
    assert_eq!(app.scalar("SELECT count(*) FROM leads").await, 1);

    let created = app
        .leave_callback("/consultation", "李四", THIRD_PHONE, &[])
        .await;
    assert_eq!(created.status(), 303);
    let new_id = lead_id_of(&app, THIRD_PHONE).await;
    assert!(
        new_id > deleted_id,
        "new lead {new_id} after deleted {deleted_id}"
    );
    let new_event: i64 = hujifen::db::query("SELECT min(id) FROM lead_events WHERE lead_id = $1")
        .bind(new_id)
        .scalar(&app.db)
        .await
        .unwrap();
    assert!(
        new_event > last_event,
        "event {new_event} after {last_event}"
    );
    // The deleted lead's notification went with it (issue 27); the ones
    // left name other leads, the new one included.
    let payloads: Vec<String> = column(
        hujifen::db::query(
            "SELECT payload FROM outbox WHERE kind = 'lead_notification' ORDER BY id",
        ),
        &app.db,
    )
    .await;
    let notified: Vec<i64> = payloads
        .iter()
        .map(|payload| {
            let payload: Value = serde_json::from_str(payload).unwrap();
            payload["lead_id"].as_i64().expect("a lead id")
        })
        .collect();
    assert_eq!(notified.len(), 2, "{notified:?}");
    assert!(!notified.contains(&deleted_id), "{notified:?}");
    assert!(notified.contains(&new_id), "{notified:?}");
}

/// The migration on a database that already holds leads, as in production:
/// rows, ids and children survive, every index and constraint is kept, and
/// the next id starts above every id that was handed out, even one only an
/// outbox message still names. SQLite's migration history, so on a SQLite
/// file whichever backend the other tests run on.
#[tokio::test]
async fn the_rebuild_keeps_the_data_and_starts_above_every_id_handed_out() {
    let folder = tempfile::tempdir().unwrap();
    let old = folder.path().join("old-migrations");
    std::fs::create_dir(&old).unwrap();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    for entry in std::fs::read_dir(&source).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        if name.as_str() < "20261202000002" {
            std::fs::copy(&path, old.join(&name)).unwrap();
        }
    }
    let url = format!("sqlite://{}/hujifen.db", folder.path().display());
    {
        use std::str::FromStr;
        let options = sqlx::sqlite::SqliteConnectOptions::from_str(&url)
            .unwrap()
            .create_if_missing(true)
            .foreign_keys(true);
        let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
        sqlx::migrate::Migrator::new(old.as_path())
            .await
            .unwrap()
            .run(&pool)
            .await
            .unwrap();
        for statement in [
            "INSERT INTO leads (id, name, phone, interest, organisation, source, consent_version, consent_at, marketing, status, anonymised_at)
             VALUES (1, '张三', '13800000001', 'institution', '某公司', 'consultation', 'v', 't', 1, 'contacted', NULL),
                    (2, '已匿名', '', 'callback', NULL, 'result', 'v', 't', 0, 'new', '2026-01-01T00:00:00Z'),
                    (3, '王五', '13800000003', 'callback', NULL, 'consultation', 'v', 't', 0, 'new', NULL),
                    (4, '赵六', '13800000004', 'callback', NULL, 'consultation', 'v', 't', 0, 'new', NULL)",
            "INSERT INTO lead_events (lead_id, kind, detail) VALUES (1, 'created', '{}'), (1, 'note', '{\"text\":\"x\"}'), (2, 'created', '{}'), (4, 'created', '{}')",
            "INSERT INTO consents (lead_id, notice_version, consent, marketing, share_sensitive, ip) VALUES (1, 'v', 1, 1, 0, '10.0.0.1'), (2, 'v', 1, 0, 0, '')",
            "INSERT INTO lead_submissions (idempotency_key, lead_id, phone, ip, created_at) VALUES ('k1', 1, '13800000001', '10.0.0.1', 1), (NULL, 2, '', '', 2)",
            // Lead 4 and 3 were deleted (4 the newest: its id would come back);
            // only the outbox still names 4, and a later 6 was deleted too.
            "DELETE FROM lead_events WHERE lead_id = 4",
            "DELETE FROM leads WHERE id IN (3, 4)",
            "INSERT INTO outbox (kind, payload, next_attempt_at, created_at) VALUES
                 ('lead_notification', '{\"lead_id\":4}', 0, 0),
                 ('lead_notification', '{\"lead_id\":6}', 0, 0),
                 ('sms_budget_alert', '{\"level\":\"low\"}', 0, 0)",
        ] {
            sqlx::query(statement).execute(&pool).await.unwrap();
        }
        pool.close().await;
    }

    let db = hujifen::db::connect(&url).await.expect("the rest migrates");
    let rows: Vec<(i64, String, Option<String>, String)> =
        hujifen::db::query("SELECT id, name, organisation, status FROM leads ORDER BY id")
            .fetch_all(&db)
            .await
            .unwrap();
    assert_eq!(
        rows,
        [
            (1, "张三".into(), Some("某公司".into()), "contacted".into()),
            (2, "已匿名".into(), None, "new".into()),
        ]
    );
    let events: Vec<(i64, i64, String)> =
        hujifen::db::query("SELECT id, lead_id, kind FROM lead_events ORDER BY id")
            .fetch_all(&db)
            .await
            .unwrap();
    assert_eq!(
        events,
        [
            (1, 1, "created".into()),
            (2, 1, "note".into()),
            (3, 2, "created".into())
        ]
    );
    let count = |sql: &'static str| {
        let db = db.clone();
        async move { hujifen::db::query(sql).scalar::<i64>(&db).await.unwrap() }
    };
    assert_eq!(count("SELECT count(*) FROM consents").await, 2);
    assert_eq!(count("SELECT count(*) FROM lead_submissions").await, 2);
    assert_eq!(
        count("SELECT count(*) FROM pragma_foreign_key_check").await,
        0
    );

    // Schema: AUTOINCREMENT, STRICT, CHECKs, foreign keys and every index.
    let sql = |table: &'static str| {
        let db = db.clone();
        async move {
            hujifen::db::query("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = $1")
                .bind(table)
                .scalar::<String>(&db)
                .await
                .unwrap()
        }
    };
    let leads = sql("leads").await;
    assert!(
        leads.contains("id INTEGER PRIMARY KEY AUTOINCREMENT"),
        "{leads}"
    );
    assert!(leads.trim_end().ends_with("STRICT"), "{leads}");
    assert!(
        leads.contains("CHECK (status IN ('new', 'contacted', 'following', 'signed', 'invalid'))")
    );
    assert!(
        leads.contains("json_valid(assessment_snapshot)") && leads.contains("marketing IN (0, 1)")
    );
    let events = sql("lead_events").await;
    assert!(
        events.contains("id INTEGER PRIMARY KEY AUTOINCREMENT"),
        "{events}"
    );
    assert!(events.contains("REFERENCES leads (id)") && events.contains("json_valid(detail)"));
    assert!(events.trim_end().ends_with("STRICT"));
    for child in ["consents", "lead_events", "lead_submissions"] {
        let parent: String = hujifen::db::query(&format!(
            "SELECT \"table\" || '.' || \"to\" FROM pragma_foreign_key_list('{child}') WHERE \"from\" = 'lead_id'"
        ))
        .scalar(&db)
        .await
        .unwrap();
        assert_eq!(parent, "leads.id", "{child}");
    }
    let columns: Vec<String> = column(
        hujifen::db::query("SELECT name FROM pragma_table_info('leads') ORDER BY cid"),
        &db,
    )
    .await;
    assert_eq!(
        columns,
        [
            "id",
            "name",
            "phone",
            "interest",
            "organisation",
            "source",
            "assessment_token",
            "assessment_snapshot",
            "total",
            "status",
            "advisor_id",
            "next_follow_up",
            "consent_version",
            "consent_at",
            "marketing",
            "created_at",
            "first_contacted_at",
            "last_activity_at",
            "anonymised_at",
            // Added after the rebuild (20261202000006: the call log, robot alerts).
            "call_attempts",
            "unanswered_calls",
            "first_attempt_at",
            "last_call_at",
            "overdue_announced_at",
            // 20261207000001: the child's 中考 deadline (issue 26).
            "zhongkao_year",
            "school_target",
            "school_deadline",
            "school_status"
        ]
    );
    let indexes: Vec<String> = column(
        hujifen::db::query(
            "SELECT name FROM sqlite_master WHERE type = 'index'
               AND tbl_name IN ('leads', 'lead_events', 'lead_submissions') ORDER BY name",
        ),
        &db,
    )
    .await;
    for index in [
        "lead_events_lead",
        "lead_submissions_ip",
        "lead_submissions_phone",
        "leads_activity",
        "leads_advisor",
        "leads_created",
        "leads_phone",
        "leads_status",
    ] {
        assert!(
            indexes.iter().any(|name| name == index),
            "{index}: {indexes:?}"
        );
    }
    assert!(
        indexes
            .iter()
            .any(|name| name.starts_with("sqlite_autoindex_lead_submissions")),
        "idempotency_key stays UNIQUE: {indexes:?}"
    );
    let bad_status = hujifen::db::query("UPDATE leads SET status = 'lost' WHERE id = 1")
        .execute(&db)
        .await;
    assert!(bad_status.is_err(), "the status CHECK holds");
    let orphan = hujifen::db::query("INSERT INTO lead_events (lead_id, kind) VALUES (99, 'x')")
        .execute(&db)
        .await;
    assert!(orphan.is_err(), "the foreign key holds");

    // The next ids: above 6 (named by the outbox) and above the highest
    // event left (an event deleted before this migration left no trace).
    let next: i64 = hujifen::db::query(
        "INSERT INTO leads (name, phone, interest, source, consent_version, consent_at, marketing)
         VALUES ('新', '13800000009', 'callback', 'consultation', 'v', 't', 0) RETURNING id",
    )
    .scalar(&db)
    .await
    .unwrap();
    assert_eq!(next, 7);
    let next_event: i64 = hujifen::db::query(
        "INSERT INTO lead_events (lead_id, kind) VALUES (7, 'created') RETURNING id",
    )
    .scalar(&db)
    .await
    .unwrap();
    assert_eq!(next_event, 4);
}

// 3. A privacy deletion keeps the counters and an anonymised audit entry.

#[tokio::test]
async fn a_privacy_deletion_keeps_the_counters_and_an_anonymous_audit_entry() {
    let app = TestApp::spawn_with(&[QUICK_CODES, ("HUJIFEN_LEADS_PER_PHONE_DAY", "1")]).await;
    let created = app.leave_callback("/consultation", NAME, PHONE, &[]).await;
    assert_eq!(created.status(), 303);
    let lead_id = lead_id_of(&app, PHONE).await;
    let sends_before = app.scalar("SELECT count(*) FROM sms_sends").await;

    delete_through_privacy_requests(&app, PHONE).await;
    assert_eq!(app.scalar("SELECT count(*) FROM leads").await, 0);
    assert_eq!(app.scalar("SELECT count(*) FROM consents").await, 0);
    assert_eq!(app.scalar("SELECT count(*) FROM lead_events").await, 0);
    // The SMS counter kept every send (the deletion's own code included) ...
    assert_eq!(
        app.scalar("SELECT count(*) FROM sms_sends").await,
        sends_before + 1
    );
    // ... and the submission counter its row, detached from the lead and
    // without its replay key.
    let kept: Vec<(Option<i64>, Option<String>, String)> =
        hujifen::db::query("SELECT lead_id, idempotency_key, phone FROM lead_submissions")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(kept, [(None, None, PHONE.to_string())]);

    // So the per-phone limit (1 a day here) still counts the deleted request.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let again = app.leave_callback("/consultation", NAME, PHONE, &[]).await;
    assert_eq!(again.status(), 429, "deleting must not reset the limit");
    assert_eq!(app.scalar("SELECT count(*) FROM leads").await, 0);

    // The audit: that a deletion happened, when, how many leads and which
    // numbers; no phone, no name.
    let (detail, created_at): (String, String) = hujifen::db::query(
        "SELECT detail, created_at FROM admin_events WHERE kind = 'privacy_deletion'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    let detail: Value = serde_json::from_str(&detail).unwrap();
    assert_eq!(detail["leads"], 1);
    assert_eq!(detail["lead_ids"], serde_json::json!([lead_id]));
    assert!(detail["events_deleted"].as_i64().unwrap() >= 1);
    assert!(created_at.starts_with("20"), "{created_at}");
    let text = detail.to_string();
    assert!(
        !text.contains(PHONE) && !text.contains("5678") && !text.contains(NAME),
        "{text}"
    );
    let request: (String, i64, String) = hujifen::db::query(
        "SELECT action, leads, phone_hmac FROM privacy_requests WHERE action = 'delete'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!((request.0.as_str(), request.1), ("delete", 1));
    assert!(!request.2.contains(PHONE));

    // The retention job purges the detached counter once it no longer
    // counts, with the other counters holding a phone.
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    hujifen::db::query(
        "INSERT INTO wrong_code_entries (phone, client, at) VALUES ($1, '10.0.0.1', $2)",
    )
    .bind(PHONE)
    .bind(now)
    .execute(&app.db)
    .await
    .unwrap();
    hujifen::db::privacy::apply_retention(&app.db, crate::helpers::DEFAULT_KEEP, now + 8 * 86_400)
        .await
        .unwrap();
    assert_eq!(app.scalar("SELECT count(*) FROM lead_submissions").await, 0);
    assert_eq!(
        app.scalar("SELECT count(*) FROM wrong_code_entries").await,
        0
    );
}

// 4. Info items.

#[tokio::test]
async fn the_console_sms_sender_logs_an_error_when_the_log_is_not_a_terminal() {
    let folder = tempfile::tempdir().unwrap();
    // Stdout is a file here, as under systemd or docker.
    let server = ServerProcess::start(folder.path(), &[("HUJIFEN_SMS", "console")]);
    let log = server.log_text();
    let loud = log
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .find(|line| {
            line["fields"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("HUJIFEN_SMS=console"))
        })
        .unwrap_or_else(|| panic!("a start-up line about the console sender: {log}"));
    assert_eq!(loud["level"], "ERROR", "{loud}");
    let message = loud["fields"]["message"].as_str().unwrap();
    assert!(
        message.contains("verification code goes to this log"),
        "{message}"
    );
}

fn run_cli(folder: &Path, args: &[&str], database_url: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_hujifen"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("HUJIFEN_SESSION_KEY", crate::helpers::TEST_SESSION_KEY)
        .env("HUJIFEN_LOG_FORMAT", "json")
        .env("RUST_BACKTRACE", "1")
        .env("RUST_LIB_BACKTRACE", "1")
        .current_dir(folder)
        .stdin(Stdio::null())
        .output()
        .expect("run hujifen")
}

#[test]
fn cli_errors_are_one_message_chain_without_a_backtrace() {
    let folder = tempfile::tempdir().unwrap();
    let database_url = format!("sqlite://{}/hujifen.db", folder.path().display());
    let unknown = run_cli(folder.path(), &["nonsense"], &database_url);
    assert_eq!(unknown.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&unknown.stderr);
    assert!(
        stderr.starts_with("Error: unknown command 'nonsense'"),
        "{stderr}"
    );
    assert!(!stderr.to_lowercase().contains("backtrace"), "{stderr}");

    // An error with context: the whole chain on one line, nothing more.
    std::fs::write(folder.path().join("not-a-folder"), "").unwrap();
    let blocked = format!(
        "sqlite://{}/not-a-folder/hujifen.db",
        folder.path().display()
    );
    let backup = folder.path().join("copy.db");
    let failed = run_cli(
        folder.path(),
        &["backup", backup.to_str().unwrap()],
        &blocked,
    );
    assert_eq!(failed.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("Error: creating the database folder ")
            && stderr.contains("not-a-folder: "),
        "cause after context: {stderr}"
    );
    assert!(!stderr.contains("Caused by") && !stderr.to_lowercase().contains("backtrace"));
}

/// The site middleware answers JSON callers through `web::error::error_body`.
#[tokio::test]
async fn json_callers_get_json_errors_with_the_request_id() {
    let app = TestApp::spawn().await;
    let check = |response: reqwest::Response, status: u16, message: &'static str| async move {
        assert_eq!(response.status(), status);
        let request_id = response.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_string();
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            content_type.starts_with("application/json"),
            "{content_type}"
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            body,
            serde_json::json!({ "error": message, "request_id": request_id })
        );
    };
    check(app.get("/api/v1/nope").await, 404, "请求的资源不存在").await;
    check(
        app.get("/api/v1/assessments").await,
        405,
        "不支持该请求方式",
    )
    .await;
    let json_client = app
        .client
        .get(app.url("/no-such-page"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    check(json_client, 404, "请求的资源不存在").await;
    let cross_origin = app
        .client
        .post(app.url("/api/v1/assessments"))
        .header("origin", "http://evil.example")
        .json(&serde_json::json!({ "age": 30, "education": "bachelor" }))
        .send()
        .await
        .unwrap();
    check(cross_origin, 403, "无权进行此操作，或请求已过期").await;

    // Browsers still get the page.
    let browser = app
        .client
        .get(app.url("/no-such-page"))
        .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8")
        .send()
        .await
        .unwrap();
    assert_eq!(browser.status(), 404);
    assert!(
        browser.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
}
