//! The school planner (issue 26): the child's 中考 and 高考 beside the
//! score, through the form and the JSON API; it never changes the score.

use serde_json::{Value, json};

use crate::helpers::{Page, TestApp, location, text_of};

async fn assess(app: &TestApp, body: Value) -> (u16, Value) {
    let response = app.post_json("/api/v1/assessments", &body).await;
    let status = response.status().as_u16();
    (status, response.json().await.expect("a JSON body"))
}

#[tokio::test]
async fn the_child_question_is_optional_and_never_changes_the_score() {
    let app = TestApp::spawn().await;
    let base = json!({"age": 38, "education": "college", "insurance_months": 48, "contribution_tier": "x0_8"});
    let (_, without) = assess(&app, base.clone()).await;
    let mut with = base.clone();
    with["child_grade"] = json!(7);
    with["employer_registered"] = json!(true);
    let (status, with) = assess(&app, with).await;
    assert_eq!(status, 200);
    assert_eq!(with["total"], without["total"]);
    assert_eq!(with["items"], without["items"]);
    assert!(without.get("school").is_none());
    let school = &with["school"];
    // 七年级 now: 中考 in the June three school years on, 高考 three later.
    let today = hujifen::clock::shanghai_today();
    let school_year = hujifen::scoring::school::school_year_of(today);
    let z = school_year + 3;
    assert_eq!(school["zhongkao"]["year"], z);
    assert_eq!(school["zhongkao"]["target"], format!("{}-11-15", z - 1));
    assert_eq!(school["zhongkao"]["last_chance"], format!("{z}-05-07"));
    assert_eq!(school["gaokao"]["year"], z + 3);
    assert_eq!(school["gaokao"]["review_by"], format!("{}-10", z + 2));
    let status = school["zhongkao"]["status"].as_str().unwrap();
    assert!(["comfortable", "on_track", "tight", "late_route", "misses"].contains(&status));
    assert!(school["zhongkao"]["ready_by"].is_string());
    assert!(!school["warnings"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn bad_child_answers_get_a_message_and_never_a_500() {
    let app = TestApp::spawn().await;
    for (child, field) in [
        (json!({"child_grade": 13}), "child_grade"),
        (json!({"child_grade": "preschool"}), "child_birth"),
        (
            json!({"child_grade": "preschool", "child_birth": "1999-05"}),
            "child_birth",
        ),
        (
            json!({"child_grade": "preschool", "child_birth": "2999-05"}),
            "child_birth",
        ),
        (
            json!({"child_grade": "preschool", "child_birth": "2012-05"}),
            "child_birth",
        ),
        (
            json!({"child_grade": "preschool", "child_birth": "五月"}),
            "child_birth",
        ),
    ] {
        let mut body = json!({"age": 30, "education": "college", "insurance_months": 24});
        for (key, value) in child.as_object().unwrap() {
            body[key] = value.clone();
        }
        let (status, result) = assess(&app, body).await;
        assert_eq!(status, 422, "{child}");
        assert!(result["errors"][field].is_string(), "{child}: {result}");
    }
    // A child too old for the 中考 is not an error: the exam is past.
    let (status, result) = assess(
        &app,
        json!({"age": 45, "education": "college", "insurance_months": 120, "child_grade": 12}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(result["school"]["zhongkao"]["status"], "done");
}

#[tokio::test]
async fn the_form_asks_about_the_child_and_the_result_shows_the_card() {
    let app = TestApp::spawn().await;
    let form = Page::from(app.get("/self-test").await).await;
    assert!(form.has("#s-child"));
    let first = form.all("#f-child_grade option")[0];
    assert_eq!(
        first.value().attr("value"),
        Some(""),
        "nothing pre-selected"
    );
    let labels: Vec<String> = form
        .all("#f-child_grade option")
        .into_iter()
        .map(text_of)
        .collect();
    assert!(labels.iter().any(|l| l.contains("九年级")) && labels.iter().any(|l| l == "高三"));
    // Without a child, no card.
    let response = app
        .post_form(
            "/self-test",
            &[
                ("age", "38"),
                ("education", "college"),
                ("insurance_months", "48"),
                ("contribution_tier", "none"),
            ],
        )
        .await;
    let page = Page::from(app.get(&location(&response)).await).await;
    assert!(!page.has("#school"));
    // 八年级 (初二) far short: the card says it plainly and lists what
    // remains (八年级: the 中考 is ahead whatever today's date).
    let response = app
        .post_form(
            "/self-test",
            &[
                ("age", "45"),
                ("education", "none"),
                ("insurance_months", "96"),
                ("contribution_tier", "none"),
                ("child_grade", "8"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    let page = Page::from(app.get(&location(&response)).await).await;
    assert_eq!(
        page.attr("#school", "data-status").as_deref(),
        Some("misses")
    );
    assert!(page.text("#school h2").contains("赶不上"));
    assert!(page.all("#school .school-options li").len() >= 3);
    assert!(page.has(r#"#school .school-warnings li[data-code="on_notice"]"#));
    assert!(page.all("#school-timeline tbody tr").len() >= 2);
    // The card comes before the plan.
    let cards: Vec<String> = page
        .all("main section.card")
        .into_iter()
        .filter_map(|card| card.value().attr("id").map(String::from))
        .collect();
    let at = |id: &str| cards.iter().position(|c| c == id);
    assert!(
        at("school").is_some() && at("school") < at("suggestions"),
        "{cards:?}"
    );
    // A preschool child without a birth month: asked again, values kept.
    let response = app
        .post_form(
            "/self-test",
            &[
                ("age", "30"),
                ("education", "college"),
                ("insurance_months", "24"),
                ("contribution_tier", "none"),
                ("child_grade", "preschool"),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    let page = Page::from(response).await;
    assert!(page.text("#e-child_birth").contains("出生年月"));
    assert!(page.has(r#"#f-child_grade option[value="preschool"][selected]"#));
}

/// A callback request from a result with a child: the lead keeps the 中考
/// year, dates and status (never the grade), the call brief names them,
/// and the advisors' notification marks a near, at-risk 中考 as urgent.
#[tokio::test]
async fn a_lead_with_a_child_carries_the_deadline_to_the_advisors() {
    let app = TestApp::spawn_with(&[("HUJIFEN_SMS_PHONE_INTERVAL_SECS", "1")]).await;
    // Far short, with the 补报名 last chance within a year: 九年级 until
    // May 7, then 八年级 (whose is next year's).
    let today = hujifen::clock::shanghai_today();
    let school_year = hujifen::scoring::school::school_year_of(today);
    let last_chance = time::Date::from_calendar_date(school_year + 1, time::Month::May, 7).unwrap();
    let grade = if last_chance >= today { "9" } else { "8" };
    let token = app
        .result_token(&[
            ("age", "45"),
            ("education", "none"),
            ("insurance_months", "96"),
            ("contribution_tier", "none"),
            ("child_grade", grade),
        ])
        .await;
    let result = Page::from(app.get(&format!("/self-test/{token}")).await).await;
    let mut form: Vec<(String, String)> = result
        .hidden_fields("#callback-form")
        .into_iter()
        .filter(|(name, _)| name != "altcha")
        .collect();
    let phone = "13812345678";
    let response = app.request_code(phone).await;
    assert_eq!(response.status(), 200);
    let code = app.last_code_for(phone);
    for (name, value) in [
        ("name", "周九"),
        ("phone", phone),
        ("code", code.as_str()),
        ("consent", "on"),
    ] {
        form.push((name.into(), value.into()));
    }
    let response = app
        .client
        .post(app.url("/consultations"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let (year, status, deadline): (i64, String, String) =
        hujifen::db::query("SELECT zhongkao_year, school_status, school_deadline FROM leads")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(status, "misses");
    assert_eq!(deadline, format!("{year}-05-07"));
    let payload: String =
        hujifen::db::query("SELECT payload FROM outbox WHERE kind = 'lead_notification'")
            .scalar(&app.db)
            .await
            .unwrap();
    let payload: Value = serde_json::from_str(&payload).unwrap();
    assert_eq!(payload["school"]["zhongkao_year"], year);
    assert_eq!(payload["school"]["urgent"], true);
    assert!(
        payload["school"].get("grade").is_none(),
        "no more of the child"
    );
    // The queue card and the lead's brief say it.
    let admin = app.admin().await;
    let queue = Page::from(crate::helpers::admin::get(&app, &admin, "/admin").await).await;
    let line = queue.text(".lead-row .school-line");
    assert!(
        line.contains(&format!("孩子{year}年中考")) && line.contains("急"),
        "{line}"
    );
    let csv = crate::helpers::admin::get(&app, &admin, "/admin/leads.csv")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        csv.contains("孩子中考年份") && csv.contains(&format!(",{year},赶不上今年")),
        "{csv}"
    );
}

/// Today's follow-ups: a near, at-risk 中考 first.
#[tokio::test]
async fn urgent_children_come_first_in_todays_follow_ups() {
    use crate::helpers::admin::{insert_lead, now_iso};
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let today = hujifen::clock::shanghai_today();
    let soon = (today + time::Duration::days(150)).to_string();
    let calm = insert_lead(&app, "甲", "13800000001", &now_iso(), None, Some(110)).await;
    let urgent = insert_lead(&app, "乙", "13800000002", &now_iso(), None, Some(90)).await;
    for (id, status) in [(calm, "on_track"), (urgent, "late_route")] {
        hujifen::db::query(
            "UPDATE leads SET status = 'contacted', next_follow_up = $1, zhongkao_year = 2027,
                 school_target = '2026-11-15', school_deadline = $2, school_status = $3 WHERE id = $4",
        )
        .bind(today.to_string())
        .bind(&soon)
        .bind(status)
        .bind(id)
        .execute(&app.db)
        .await
        .unwrap();
    }
    let queue = Page::from(crate::helpers::admin::get(&app, &admin, "/admin").await).await;
    let ids: Vec<String> = queue
        .all(".lead-row")
        .into_iter()
        .filter_map(|row| row.value().attr("data-id").map(String::from))
        .collect();
    assert_eq!(
        ids,
        [urgent.to_string(), calm.to_string()],
        "the urgent one first"
    );
}

/// The grade whose 材料核查 target a 通知书 applied for now makes (in
/// about 2 months) and one applied for in 12 months misses: for any date,
/// one grade from 六年级 to 九年级.
fn grade_between_now_and_a_year() -> String {
    use hujifen::scoring::YearMonth;
    let today = hujifen::clock::shanghai_today();
    let first = |m: YearMonth| {
        time::Date::from_calendar_date(m.year, time::Month::try_from(m.month).unwrap(), 1).unwrap()
    };
    let now = YearMonth::of(today);
    let (low, high) = (first(now.plus_months(2)), first(now.plus_months(14)));
    let school_year = hujifen::scoring::school::school_year_of(today);
    (6..=9)
        .find(|g| {
            let target =
                time::Date::from_calendar_date(school_year + (9 - g), time::Month::November, 15)
                    .unwrap();
            low <= target && target < high
        })
        .unwrap()
        .to_string()
}

/// 3 short: time alone (12 months) is late for the 材料核查, a check of the
/// shortage list would make it, and both say so.
#[tokio::test]
async fn the_plan_is_judged_against_the_deadline() {
    let app = TestApp::spawn().await;
    let grade = grade_between_now_and_a_year();
    let (_, result) = assess(
        &app,
        json!({"age": 38, "education": "college", "insurance_months": 48,
               "contribution_tier": "x0_8", "child_grade": grade, "employer_registered": true}),
    )
    .await;
    let suggestions = result["suggestions"].as_array().unwrap();
    assert_eq!(
        suggestions[0]["code"], "verify_shortage_major",
        "what makes the target first"
    );
    assert_eq!(suggestions[0]["makes_target"], true);
    let time = suggestions.iter().find(|s| s["code"] == "time").unwrap();
    assert_eq!(time["makes_target"], false);
    let response = app
        .post_form(
            "/self-test",
            &[
                ("age", "38"),
                ("education", "college"),
                ("insurance_months", "48"),
                ("contribution_tier", "x0_8"),
                ("base_duration", "most"),
                ("child_grade", &grade),
                ("employer_registered", "true"),
            ],
        )
        .await;
    let page = Page::from(app.get(&location(&response)).await).await;
    assert!(page.text("#school-steps").contains("可赶上"));
    assert!(page.text("#suggestions").contains("可赶上"));
}

/// A child not yet at school: 小学 entry, where 积分 changes priority and
/// the page says which date matters and what the conditions are.
#[tokio::test]
async fn a_young_child_gets_the_entry_date_and_its_conditions() {
    let app = TestApp::spawn().await;
    let today = hujifen::clock::shanghai_today();
    // Three years old: 小学 a few Septembers ahead.
    let birth = format!("{}-03", today.year() - 3);
    let response = app
        .post_form(
            "/self-test",
            &[
                ("age", "32"),
                ("education", "bachelor_degree"),
                ("insurance_months", "30"),
                ("contribution_tier", "none"),
                ("child_grade", "preschool"),
                ("child_birth", &birth),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    let page = Page::from(app.get(&location(&response)).await).await;
    let entry = page.text("#school-entry");
    assert!(
        entry.contains("上小学") && entry.contains("入学信息登记"),
        "{entry}"
    );
    assert!(
        entry.contains("只影响排序") && entry.contains("6月30日"),
        "{entry}"
    );
}
