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
    let school_year = if today.month() as u8 >= 9 {
        today.year()
    } else {
        today.year() - 1
    };
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
    // 九年级 (初三) far short: the card says it plainly and lists what remains.
    let response = app
        .post_form(
            "/self-test",
            &[
                ("age", "45"),
                ("education", "none"),
                ("insurance_months", "96"),
                ("contribution_tier", "none"),
                ("child_grade", "9"),
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
