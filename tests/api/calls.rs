//! The call log over HTTP (issue 18): one form per call, post/redirect/get
//! with a flash, the overdue rule with attempts, the unreachable queue,
//! "保存并打开下一条", and refusals beside the form with nothing changed.

use crate::helpers::admin::{add_advisor, csrf, get, insert_lead, minutes_ago, now_iso, post};
use crate::helpers::{Page, TestApp, location};

const PHONE: &str = "13812345678";

/// A refused call form: its fields, the id the error summary links to, the message.
type Case<'a> = (Vec<(&'a str, &'a str)>, &'a str, &'a str);

/// Shanghai's date `days` from today, as the date field sends it.
fn shanghai_date(days: i64) -> String {
    let now = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+8));
    (now.date() + time::Duration::days(days)).to_string()
}

async fn call_count(app: &TestApp, id: i64) -> i64 {
    app.scalar(&format!("SELECT call_attempts FROM leads WHERE id = {id}"))
        .await
}

async fn events(app: &TestApp, id: i64) -> i64 {
    app.scalar(&format!(
        "SELECT count(*) FROM lead_events WHERE lead_id = {id}"
    ))
    .await
}

#[tokio::test]
async fn a_call_is_logged_in_one_form_and_the_lead_page_confirms_it() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let id = insert_lead(&app, "张三", PHONE, &now_iso(), None, Some(112)).await;
    let path = format!("/admin/leads/{id}");
    let page = Page::from(get(&app, &admin, &path).await).await;
    let outcomes: Vec<String> = page
        .all(r#"#call-form input[name="outcome"]"#)
        .iter()
        .map(|input| input.value().attr("value").unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        outcomes,
        [
            "connected",
            "no_answer",
            "powered_off",
            "invalid_number",
            "declined"
        ]
    );
    assert!(
        !page.has(r#"#call-form input[name="outcome"][checked]"#),
        "no outcome is chosen for the advisor"
    );
    assert!(
        page.has("#call #phone") && page.has("#call #call-form"),
        "the form is in the number's card"
    );
    let token = csrf(&app, &admin, &path).await;
    let tomorrow = shanghai_date(1);

    let unanswered = post(
        &app,
        &admin,
        &format!("{path}/calls"),
        &[
            ("csrf", &token),
            ("outcome", "no_answer"),
            ("note", "响铃无人接"),
            ("follow_up", &tomorrow),
        ],
    )
    .await;
    assert_eq!(unanswered.status(), 303);
    assert_eq!(location(&unanswered), path);
    let page = Page::from(get(&app, &admin, &path).await).await;
    assert_eq!(page.text("#flash"), "已保存");
    assert_eq!(page.text("#call-attempts"), "1次");
    let timeline = page.text("#timeline");
    assert!(
        timeline.contains("通话：未接通（第1次拨打）备注：响铃无人接"),
        "{timeline}"
    );
    assert!(
        timeline.contains(&format!("下次跟进：{tomorrow}")),
        "{timeline}"
    );
    assert!(page.text("h1").contains("新线索"), "nobody answered yet");
    assert_eq!(
        app.scalar(&format!(
            "SELECT count(*) FROM leads WHERE id = {id} AND first_contacted_at IS NULL
               AND first_attempt_at IS NOT NULL AND unanswered_calls = 1"
        ))
        .await,
        1
    );

    let answered = post(
        &app,
        &admin,
        &format!("{path}/calls"),
        &[("csrf", &token), ("outcome", "connected")],
    )
    .await;
    assert_eq!(answered.status(), 303);
    let page = Page::from(get(&app, &admin, &path).await).await;
    assert!(
        page.text("h1").contains("已联系"),
        "an answered new lead is contacted"
    );
    assert!(page.text("#timeline").contains("通话：接通（第2次拨打）"));
    assert_eq!(
        app.scalar(&format!(
            "SELECT count(*) FROM leads WHERE id = {id} AND first_contacted_at IS NOT NULL
               AND call_attempts = 2 AND unanswered_calls = 0"
        ))
        .await,
        1
    );

    let chosen = post(
        &app,
        &admin,
        &format!("{path}/calls"),
        &[
            ("csrf", &token),
            ("outcome", "connected"),
            ("status", "signed"),
        ],
    )
    .await;
    assert_eq!(chosen.status(), 303);
    let list = Page::from(get(&app, &admin, "/admin/leads").await).await;
    let row = format!(r#"tr.lead-row[data-id="{id}"]"#);
    assert_eq!(list.text(&format!("{row} td.attempts")), "3次");
    assert!(list.text(&row).contains("已签约"));
}

#[tokio::test]
async fn bad_call_forms_are_refused_beside_the_form_and_change_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let id = insert_lead(&app, "李四", PHONE, &now_iso(), None, None).await;
    let path = format!("/admin/leads/{id}");
    let token = csrf(&app, &admin, &path).await;
    let before = events(&app, id).await;
    let yesterday = shanghai_date(-1);
    let cases: [Case; 7] = [
        (
            vec![("note", "想了解落户")],
            "call-outcome",
            "请选择本次通话结果",
        ),
        (
            vec![("outcome", "busy"), ("note", "想了解落户")],
            "call-outcome",
            "未知的通话结果",
        ),
        (
            vec![
                ("outcome", "no_answer"),
                ("follow_up", &yesterday),
                ("note", "想了解落户"),
            ],
            "call-follow-up",
            "下次跟进日期不能早于今天",
        ),
        (
            vec![
                ("outcome", "no_answer"),
                ("follow_up", "下周二"),
                ("note", "想了解落户"),
            ],
            "call-follow-up",
            "日期格式应为 2026-12-01",
        ),
        (
            vec![
                ("outcome", "connected"),
                ("status", "archived"),
                ("note", "想了解落户"),
            ],
            "call-status",
            "未知的状态",
        ),
        (
            vec![("outcome", "declined"), ("status", "invalid")],
            "call-note",
            "标记为无效时请在备注中写明原因",
        ),
        (
            vec![("outcome", "connected"), ("note", "a\u{202E}b")],
            "call-note",
            "备注包含看不见的特殊字符（如零宽空格、文字方向控制符），请删除后重新填写",
        ),
    ];
    for (fields, target, message) in cases {
        let mut form = fields.clone();
        form.push(("csrf", &token));
        let response = post(&app, &admin, &format!("{path}/calls"), &form).await;
        assert_eq!(response.status(), 422, "{message}");
        let page = Page::from(response).await;
        assert_eq!(page.text("#call-form .error-summary a"), message);
        assert_eq!(
            page.attr("#call-form .error-summary a", "href"),
            Some(format!("#{target}")),
            "the summary links to the field"
        );
        assert!(page.has(&format!("#{target}")), "{target} exists");
        assert!(
            page.has("#call-form .field-error"),
            "{message}: beside the field"
        );
        let kept_note = fields
            .iter()
            .find(|(n, _)| *n == "note")
            .map_or("", |f| f.1);
        assert_eq!(page.text("#call-note"), kept_note, "what was typed is kept");
        let outcome = fields.iter().find(|(n, _)| *n == "outcome");
        if let Some((_, outcome)) = outcome.filter(|(_, code)| *code != "busy") {
            assert_eq!(
                page.attr(r#"#call-form input[name="outcome"][checked]"#, "value"),
                Some(outcome.to_string()),
                "the chosen outcome is kept"
            );
        }
    }

    // A note of 100 KB: over the form's limit, refused beside the form.
    let huge = "x".repeat(100 * 1024);
    let too_big = post(
        &app,
        &admin,
        &format!("{path}/calls"),
        &[("csrf", &token), ("outcome", "connected"), ("note", &huge)],
    )
    .await;
    assert_eq!(too_big.status(), 413);
    let page = Page::from(too_big).await;
    assert!(page.text("#call-form .error-summary").contains("2000字"));

    for csrf_field in [vec![("csrf", "forged")], vec![]] {
        let mut form = csrf_field.clone();
        form.extend([("outcome", "connected"), ("note", "已沟通")]);
        let refused = post(&app, &admin, &format!("{path}/calls"), &form).await;
        assert_eq!(refused.status(), 403);
        let page = Page::from(refused).await;
        assert!(page.text("#call-form .error-summary").contains("没有保存"));
        assert_eq!(page.text("#call-note"), "已沟通");
    }

    assert_eq!(call_count(&app, id).await, 0, "nothing changed");
    assert_eq!(events(&app, id).await, before, "nothing recorded");
}

#[tokio::test]
async fn an_attempt_keeps_the_promise_and_three_unanswered_calls_move_a_lead_apart() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    // A week old: past its working day whatever the calendar says.
    let old = minutes_ago(7 * 24 * 60);
    let id = insert_lead(&app, "王五", PHONE, &old, None, Some(118)).await;
    let queue = Page::from(get(&app, &admin, "/admin").await).await;
    let row = format!(r#"tr[data-id="{id}"]"#);
    assert!(
        queue.has(&format!("#overdue {row}")),
        "never called: overdue"
    );

    let path = format!("/admin/leads/{id}");
    let token = csrf(&app, &admin, &path).await;
    let call = |outcome: &'static str| {
        let (app, admin, path, token) = (&app, &admin, &path, &token);
        async move {
            let response = post(
                app,
                admin,
                &format!("{path}/calls"),
                &[("csrf", token.as_str()), ("outcome", outcome)],
            )
            .await;
            assert_eq!(response.status(), 303, "{outcome}");
        }
    };
    call("no_answer").await;
    let queue = Page::from(get(&app, &admin, "/admin").await).await;
    assert!(
        !queue.has(&format!("#overdue {row}")),
        "an unanswered attempt keeps the promise"
    );
    assert!(
        queue.has(&format!("#new {row}")),
        "still new, still to call"
    );

    call("powered_off").await;
    call("no_answer").await;
    let queue = Page::from(get(&app, &admin, "/admin").await).await;
    assert!(
        queue.has(&format!("#unreachable {row}")),
        "three unanswered: own section"
    );
    assert!(!queue.has(&format!("#new {row}")));
    assert!(
        queue
            .text(&format!("#unreachable {row} td.attempts"))
            .contains("3次")
    );

    call("connected").await;
    let queue = Page::from(get(&app, &admin, "/admin").await).await;
    assert!(
        !queue.has(&format!("#unreachable {row}")),
        "answered at last"
    );
}

#[tokio::test]
async fn save_and_next_opens_the_next_lead_to_call_then_the_queue() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let older = insert_lead(&app, "赵一", "13900000001", &minutes_ago(120), None, None).await;
    let newer = insert_lead(&app, "赵二", "13900000002", &minutes_ago(10), None, None).await;
    let token = csrf(&app, &admin, &format!("/admin/leads/{newer}")).await;
    let save_next = |id: i64| {
        let (app, admin, token) = (&app, &admin, &token);
        async move {
            post(
                app,
                admin,
                &format!("/admin/leads/{id}/calls"),
                &[
                    ("csrf", token.as_str()),
                    ("outcome", "no_answer"),
                    ("then", "next"),
                ],
            )
            .await
        }
    };
    let first = save_next(newer).await;
    assert_eq!(first.status(), 303);
    assert_eq!(
        location(&first),
        format!("/admin/leads/{older}"),
        "the oldest waiting lead"
    );
    let second = save_next(older).await;
    assert_eq!(location(&second), "/admin", "both were tried today");
    let queue = Page::from(get(&app, &admin, "/admin").await).await;
    assert!(queue.text("#flash").contains("今天要打的电话都打过了"));
}

#[tokio::test]
async fn an_advisor_cannot_log_a_call_on_a_lead_of_another() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let other = add_advisor(&app, &admin, "other").await;
    let theirs = insert_lead(&app, "钱七", PHONE, &now_iso(), Some(other), None).await;
    let mine = insert_lead(&app, "孙八", "13900000003", &now_iso(), None, None).await;
    add_advisor(&app, &admin, "me").await;
    let (browser, _) = app
        .login("me", crate::helpers::admin::ADVISOR_PASSWORD)
        .await;
    let token = csrf(&app, &browser, &format!("/admin/leads/{mine}")).await;
    let refused = post(
        &app,
        &browser,
        &format!("/admin/leads/{theirs}/calls"),
        &[("csrf", &token), ("outcome", "connected")],
    )
    .await;
    assert_eq!(refused.status(), 404);
    assert_eq!(call_count(&app, theirs).await, 0);
}
