//! The visitors of issue 25, through the form and the API as they came: each
//! was once told something the rules do not carry (200 points on 10 months
//! of 社保, a 技师 "alone" closing a 69-point gap, a silent 0 for blank
//! months). Asserted on parsed HTML and on the JSON contract.

use serde_json::{Value, json};

use crate::helpers::{Page, TestApp, location, text_of};

/// Posts the form as a visitor fills it and opens the result.
async fn result(app: &TestApp, answers: &[(&str, &str)]) -> Page {
    let response = app.post_form("/self-test", answers).await;
    assert_eq!(response.status(), 303, "{answers:?}");
    Page::from(app.get(&location(&response)).await).await
}

fn item_note(page: &Page, code: &str) -> String {
    page.text(&format!(r#"li.item[data-code="{code}"] .item-note"#))
}

async fn assess(app: &TestApp, body: Value) -> Value {
    let response = app.post_json("/api/v1/assessments", &body).await;
    assert_eq!(response.status(), 200, "{body}");
    response.json().await.expect("a JSON body")
}

#[tokio::test]
async fn ten_months_at_3x_is_80_points_and_says_when_the_tier_counts() {
    let app = TestApp::spawn().await;
    let page = result(
        &app,
        &[
            ("age", "35"),
            ("education", "college"),
            ("insurance_months", "10"),
            ("contribution_tier", "x3"),
            ("base_duration", "most"),
        ],
    )
    .await;
    assert_eq!(page.text("#total"), "80");
    assert_eq!(
        page.attr("#verdict", "data-verdict").as_deref(),
        Some("short")
    );
    assert!(page.text("#headline").contains("还差 40 分"));
    assert!(!page.has("#next-steps"), "not told how to apply");
    let note = item_note(&page, "contribution_base");
    assert!(
        note.contains("社保只交了10个月") && note.contains("再缴14个月"),
        "{note}"
    );
    // Time alone brings the tier: the projection says when.
    assert!(page.text("#projection").contains("14个月后"));
}

#[tokio::test]
async fn a_tier_without_its_months_and_exact_bands_give_the_rules_total() {
    let app = TestApp::spawn().await;
    for (answers, total) in [
        // 本科学士, 24 months, 1×: 30 + 90 + 6.
        (
            vec![
                ("age", "28"),
                ("education", "bachelor_degree"),
                ("insurance_months", "24"),
                ("contribution_tier", "x1"),
                ("base_duration", "most"),
            ],
            "126",
        ),
        // 应届硕士, 0 months, 0.8×: 30 + 100 + 10.
        (
            vec![
                ("age", "26"),
                ("education", "master"),
                ("insurance_months", "0"),
                ("contribution_tier", "x0_8"),
                ("base_duration", "most"),
                ("fresh_graduate", "on"),
            ],
            "140",
        ),
        // A salary of 11,200 is in the 9117–11395 band: 0.8×, 117.
        (
            vec![
                ("age", "38"),
                ("education", "college"),
                ("insurance_months", "48"),
                ("contribution_tier", "x0_8"),
                ("base_duration", "most"),
            ],
            "117",
        ),
    ] {
        let page = result(&app, &answers).await;
        assert_eq!(page.text("#total"), total, "{answers:?}");
    }
    let form = Page::from(app.get("/self-test").await).await;
    let band = form
        .all(r#"#f-contribution_tier label"#)
        .into_iter()
        .map(text_of)
        .find(|label| label.contains("11395"))
        .unwrap();
    assert_eq!(band, "9117–11395元", "11,200 reads as 0.8×, not 1×");
}

#[tokio::test]
async fn blank_months_are_asked_again_never_counted_as_0() {
    let app = TestApp::spawn().await;
    let response = app
        .post_form(
            "/self-test",
            &[
                ("age", "32"),
                ("education", "bachelor_degree"),
                ("insurance_months", ""),
                ("contribution_tier", "none"),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    let page = Page::from(response).await;
    assert_eq!(
        page.attr(".error-summary a", "href").as_deref(),
        Some("#f-insurance_months")
    );
    assert!(page.text("#e-insurance_months").contains("例如 2年"));
    assert_eq!(page.attr("#f-age", "value").as_deref(), Some("32"));
    assert!(page.has(r#"input[name="contribution_tier"][value="none"][checked]"#));
    assert_eq!(app.assessment_count().await, 0);
}

#[tokio::test]
async fn a_far_short_visitor_sees_the_route_and_no_false_single_step() {
    let app = TestApp::spawn().await;
    // 45 y, 高中, 8 years, a base of 8千: 27 + 0 + 24 = 51.
    let page = result(
        &app,
        &[
            ("age", "45"),
            ("education", "none"),
            ("insurance_months", "96"),
            ("contribution_tier", "none"),
        ],
    )
    .await;
    assert_eq!(page.text("#total"), "51");
    assert!(
        !page.has(".suggestion .tag"),
        "nothing closes 69 points alone"
    );
    let route = page.text("#route");
    assert!(
        route.contains("最现实的路线") && route.contains("技能三级"),
        "{route}"
    );
    assert!(
        route.contains("0.8倍") && route.contains("139分"),
        "{route}"
    );
    let together: Vec<String> = page
        .all(".suggestion .together")
        .into_iter()
        .map(text_of)
        .collect();
    assert!(!together.is_empty() && together.iter().all(|t| t.contains("单独做到不计分")));
    // 69 short: the papers wait.
    assert!(page.has("#materials details.materials-later"));
    assert!(page.text("#materials summary").contains("达标后再准备"));
}

#[tokio::test]
async fn a_graduate_3_short_is_offered_the_shortage_list() {
    let app = TestApp::spawn().await;
    let page = result(
        &app,
        &[
            ("age", "38"),
            ("education", "college"),
            ("insurance_months", "48"),
            ("contribution_tier", "x0_8"),
            ("base_duration", "most"),
            ("shortage_major", "false"),
        ],
    )
    .await;
    assert_eq!(page.text("#total"), "117");
    assert!(page.text("#suggestions").contains("紧缺急需专业目录"));
    assert!(!page.has("#route"), "single steps close 3 points");
    assert!(!page.has("#materials details"), "3 short: the papers show");
}

#[tokio::test]
async fn points_that_need_a_recommendation_letter_say_so_beside_the_verdict() {
    let app = TestApp::spawn().await;
    // 30 + 50 + 30 + 10 (临港, 5 years) = 120; 110 without the 推荐函.
    let page = result(
        &app,
        &[
            ("age", "35"),
            ("education", "college"),
            ("insurance_months", "120"),
            ("contribution_tier", "none"),
            ("shortage_major", "false"),
            ("lingang_years", "5"),
        ],
    )
    .await;
    assert_eq!(page.text("#total"), "120");
    let line = page.text("#verdict [data-depends]");
    assert!(line.contains("推荐函") && line.contains("110分"), "{line}");
}

#[tokio::test]
async fn the_api_carries_the_months_the_route_and_the_verified_month() {
    let app = TestApp::spawn().await;
    let far = assess(
        &app,
        json!({"age": 45, "education": "none", "insurance_months": 96}),
    )
    .await;
    assert_eq!(far["total"], 51);
    assert_eq!(
        far["routes"][0]["steps"],
        json!(["qualification_skill_3", "contribution_x0_8"])
    );
    assert_eq!(far["routes"][0]["months"], 36);
    let titles: Vec<&Value> = far["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["code"] == "qualification_skill_2")
        .collect();
    assert_eq!(titles[0]["needs"], json!(["qualification_base"]));
    assert_eq!(titles[0]["closes"], false);
    assert_eq!(far["reference_wage"]["verified_to"], "2026-06");
    // A tier with 0 months is a clear result, not an error: the tier waits.
    let zero = assess(
        &app,
        json!({"age": 30, "education": "college", "contribution_tier": "x3"}),
    )
    .await;
    assert_eq!(zero["total"], 80);
    // The form no longer asks it; the API still takes the field, and it vetoes nothing.
    let family = assess(
        &app,
        json!({"age": 31, "education": "bachelor_degree", "insurance_months": 36,
               "family_planning_violation": true}),
    )
    .await;
    assert_eq!(
        (family["total"].clone(), family["vetoed"].clone()),
        (json!(129), json!(false))
    );
}
