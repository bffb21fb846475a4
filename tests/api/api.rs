//! `POST /api/v1/assessments`: the contract of DESIGN.md.

use serde_json::{Value, json};

use crate::helpers::TestApp;

async fn assess(app: &TestApp, body: Value) -> (u16, Value) {
    let response = app.post_json("/api/v1/assessments", &body).await;
    let status = response.status().as_u16();
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json"),
        "JSON for {body}"
    );
    (status, response.json().await.expect("a JSON body"))
}

fn points(result: &Value, code: &str) -> Option<i64> {
    result["items"]
        .as_array()?
        .iter()
        .find(|item| item["code"] == code)
        .and_then(|item| item["points"].as_i64())
}

#[tokio::test]
async fn a_valid_profile_gets_the_full_contract() {
    let app = TestApp::spawn().await;
    let (status, result) = assess(
        &app,
        json!({"age": 30, "education": "bachelor_degree", "insurance_months": 24}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(result["rule_set"], "sh-2017");
    assert_eq!(result["standard"], 120);
    assert_eq!(result["total"], 126);
    assert_eq!(result["reaches_standard"], true);
    assert_eq!(result["vetoed"], false);
    assert_eq!(result["eligible"], true);
    let items = result["items"].as_array().unwrap();
    let codes: Vec<&str> = items.iter().map(|i| i["code"].as_str().unwrap()).collect();
    assert_eq!(
        codes,
        ["age", "education", "qualification", "insurance_years"]
    );
    for item in items {
        assert!(item["label"].as_str().is_some_and(|l| !l.is_empty()));
        assert!(item["note"].as_str().is_some_and(|n| !n.is_empty()));
        assert!(item["points"].is_i64());
    }
    assert_eq!(items[0]["label"], "年龄");
    let date = result["assessed_on"].as_str().expect("a date string");
    assert!(
        date.len() == 10 && date.as_bytes()[4] == b'-' && date.as_bytes()[7] == b'-',
        "{date}"
    );
    assert!(
        result["eligibility"]
            .as_array()
            .is_some_and(|e| !e.is_empty())
    );
    assert_eq!(app.assessment_count().await, 0, "the API does not store");
}

#[tokio::test]
async fn every_worked_example_of_the_rules() {
    let app = TestApp::spawn().await;
    let cases = [
        (
            json!({"age": 30, "education": "bachelor_degree", "insurance_months": 24}),
            126,
        ),
        (
            json!({"age": 44, "education": "bachelor", "insurance_months": 36, "contribution_tier": "x1"}),
            148,
        ),
        (
            json!({"age": 50, "education": "college", "qualification": "intermediate_title",
                   "qualification_base_met": false, "insurance_months": 96, "contribution_tier": "x0_8"}),
            116,
        ),
        (
            json!({"age": 50, "education": "college", "qualification": "intermediate_title",
                   "qualification_base_met": true, "insurance_months": 96, "contribution_tier": "x1"}),
            191,
        ),
        (
            json!({"age": 28, "education": "college", "shortage_major": true, "insurance_months": 48}),
            122,
        ),
        (
            json!({"age": 33, "education": "bachelor_degree", "insurance_months": 36, "detention_count": 1}),
            79,
        ),
        (
            json!({"age": 45, "education": "bachelor", "insurance_months": 120, "criminal_count": 1}),
            0,
        ),
        (
            json!({"age": 43, "education": "college", "insurance_months": 156}),
            119,
        ),
        (
            json!({"age": 44, "education": "college", "insurance_months": 156}),
            118,
        ),
    ];
    for (body, total) in cases {
        let (status, result) = assess(&app, body.clone()).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(result["total"], total, "{body}");
    }
}

#[tokio::test]
async fn deductions_are_negative_and_vetoes_block_eligibility() {
    let app = TestApp::spawn().await;
    let (_, result) = assess(
        &app,
        json!({"age": 30, "education": "doctor", "insurance_months": 60, "detention_count": 1,
               "family_planning_violation": true}),
    )
    .await;
    assert_eq!(points(&result, "detention"), Some(-50));
    assert_eq!(points(&result, "family_planning"), Some(0));
    assert_eq!(result["total"], 105);
    // The 2023 text removed the family-planning veto (RULES.md §4): the
    // field is still accepted and listed with the reason.
    assert_eq!(result["vetoed"], false);
    let note = result["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["code"] == "family_planning")
        .unwrap()["note"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(note.contains("2023年起施行的办法已删除此项"), "{note}");
    let (_, result) = assess(
        &app,
        json!({"age": 31, "education": "bachelor_degree", "insurance_months": 36,
               "family_planning_violation": true}),
    )
    .await;
    assert_eq!(
        (result["total"].clone(), result["eligible"].clone()),
        (json!(129), json!(true))
    );
    let (_, result) = assess(
        &app,
        json!({"age": 30, "education": "doctor", "insurance_months": 60, "serious_criminal": true}),
    )
    .await;
    assert_eq!(result["vetoed"], true);
    assert_eq!(result["eligible"], false);
}

#[tokio::test]
async fn form_style_strings_are_accepted_too() {
    let app = TestApp::spawn().await;
    let (status, result) = assess(
        &app,
        json!({"age": "28", "education": "college", "shortage_major": "on", "insurance_months": "48",
               "tax_avg_wan": 12.5, "award": null}),
    )
    .await;
    assert_eq!(status, 200, "{result}");
    assert_eq!(result["total"], 132);
    assert_eq!(points(&result, "investment"), Some(10));
}

#[tokio::test]
async fn invalid_input_is_422_with_chinese_messages() {
    let app = TestApp::spawn().await;
    let (status, result) = assess(
        &app,
        json!({"age": "abc", "education": "phd", "insurance_months": -3, "contribution_tier": "x9",
               "tax_avg_wan": 1e12, "award": ["provincial"], "entrepreneur": "perhaps"}),
    )
    .await;
    assert_eq!(status, 422);
    let errors = result["errors"].as_object().expect("errors by field");
    assert_eq!(errors["age"], "年龄请填写整数，例如 32");
    assert_eq!(errors["education"], "教育背景的选项无效，请从列表中选择");
    assert_eq!(errors["insurance_months"], "社保缴纳月数不能是负数");
    assert_eq!(
        errors["contribution_tier"],
        "社保缴费基数档次的选项无效，请从列表中选择"
    );
    assert!(
        errors["tax_avg_wan"]
            .as_str()
            .unwrap()
            .contains("年均纳税额")
    );
    assert_eq!(errors["award"], "表彰奖励的格式不正确");
    assert_eq!(errors["entrepreneur"], "创业人才请选择“是”或“否”");
    assert_eq!(errors.len(), 7);

    let (status, result) = assess(&app, json!({})).await;
    assert_eq!(status, 422);
    assert_eq!(result["errors"]["age"], "请填写年龄");
    assert_eq!(result["errors"]["education"], "请选择教育背景");

    let (status, result) = assess(
        &app,
        json!({"age": 1_000_000_000_000_i64, "education": "none"}),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        result["errors"]["age"],
        "年龄请填写16到100之间的整数（周岁）"
    );
}

#[tokio::test]
async fn unparseable_bodies_are_400_json() {
    let app = TestApp::spawn().await;
    for body in [
        b"{\"age\": 30,".to_vec(),
        b"[1, 2, 3]".to_vec(),
        b"\"age\"".to_vec(),
        b"\xff\xfe{}".to_vec(),
        Vec::new(),
    ] {
        let response = app
            .post_raw("/api/v1/assessments", "application/json", body.clone())
            .await;
        assert_eq!(response.status(), 400, "{body:?}");
        let result: Value = response.json().await.expect("JSON error");
        assert!(
            result["errors"]["body"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{body:?}"
        );
    }
}

#[tokio::test]
async fn an_oversized_json_body_is_413_json() {
    let app = TestApp::spawn().await;
    let body = json!({"age": 30, "education": "none", "padding": "x".repeat(20_000)});
    let (status, result) = assess(&app, body).await;
    assert_eq!(status, 413);
    assert!(result["errors"]["body"].as_str().is_some());
}
