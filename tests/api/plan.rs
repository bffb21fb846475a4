//! The plan to 120: projection, suggestions, ranges and the checklist in the
//! JSON, and on a printable result page.

use serde_json::{Value, json};

use crate::helpers::{Page, TestApp, location};

async fn evaluate(app: &TestApp, body: Value) -> Value {
    let response = app.post_json("/api/v1/assessments", &body).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

fn this_month_plus(months: u32) -> String {
    let today = time::OffsetDateTime::now_utc()
        .to_offset(time::macros::offset!(+8))
        .date();
    hujifen::scoring::YearMonth::of(today)
        .plus_months(months)
        .to_string()
}

#[tokio::test]
async fn the_json_carries_the_projection_and_ranked_suggestions() {
    let app = TestApp::spawn().await;
    let reached = evaluate(
        &app,
        json!({"age": 30, "education": "bachelor_degree", "insurance_months": 24}),
    )
    .await;
    assert_eq!(reached["projection"]["months"], 0);
    assert_eq!(
        reached["projection"]["reaches_standard_on"],
        this_month_plus(0)
    );
    assert_eq!(reached["total_min"], 126);
    assert_eq!(reached["total_max"], 126);
    assert_eq!(reached["verdict"], "reached");
    assert_eq!(reached["rules_revision"], "2024-08-21");
    assert_eq!(
        reached["suggestions"],
        json!([]),
        "no add-points list at 120 or more"
    );

    let close = evaluate(
        &app,
        json!({"age": 43, "education": "college", "insurance_months": 156}),
    )
    .await;
    assert_eq!(close["total"], 119);
    assert_eq!(close["projection"]["months"], 12);
    assert_eq!(
        close["projection"]["reaches_standard_on"],
        this_month_plus(12)
    );
    let suggestions = close["suggestions"].as_array().unwrap();
    assert!(!suggestions.is_empty());
    // One point short: what closes the gap alone comes first, by effort,
    // then by month; time alone asks nothing. A step that counts only in
    // 12 months or later does not close it: time alone has by then.
    let efforts = ["none", "verify", "employer", "qualify"];
    let closing: Vec<&Value> = suggestions
        .iter()
        .take_while(|s| s["closes"] == true)
        .collect();
    assert!(
        suggestions[closing.len()..]
            .iter()
            .all(|s| s["closes"] == false)
    );
    let keys: Vec<(usize, u64)> = closing
        .iter()
        .map(|s| {
            let effort = s["effort"].as_str().unwrap();
            let rank = efforts.iter().position(|e| *e == effort).unwrap();
            (rank, s["months"].as_u64().unwrap())
        })
        .collect();
    assert!(keys.windows(2).all(|w| w[0] <= w[1]), "ranked: {keys:?}");
    assert_eq!(suggestions[0]["code"], "time");
    for s in &suggestions[1..] {
        if s["months"].as_u64().unwrap() >= 12 {
            assert_eq!(s["closes"], false, "{s}");
        }
    }
    for s in suggestions {
        assert!(s["code"].is_string() && s["action"].is_string() && s["months"].is_u64());
        assert!(s["points"].as_i64().unwrap() >= 1);
    }
    let codes: Vec<&str> = suggestions
        .iter()
        .map(|s| s["code"].as_str().unwrap())
        .collect();
    for code in [
        "education_bachelor",
        "contribution_x0_8",
        "contribution_x1",
        "lingang",
        "suburb",
        "time",
    ] {
        assert!(codes.contains(&code), "{code} in {codes:?}");
    }

    let old = evaluate(&app, json!({"age": 58, "education": "none"})).await;
    assert_eq!(old["projection"]["months"], Value::Null);
    assert_eq!(old["projection"]["reaches_standard_on"], Value::Null);
    let vetoed = evaluate(
        &app,
        json!({"age": 30, "education": "doctor", "serious_criminal": true}),
    )
    .await;
    assert_eq!(vetoed["projection"]["months"], Value::Null);
    assert_eq!(vetoed["verdict"], "blocked");
    assert_eq!(vetoed["suggestions"], json!([]));
    assert_eq!(
        old["verdict"], "short",
        "58 and short: time cannot help, but nothing rules it out"
    );
}

#[tokio::test]
async fn unknown_answers_give_a_range() {
    let app = TestApp::spawn().await;
    let result = evaluate(
        &app,
        json!({"age": 30, "education": "bachelor", "insurance_months": 36, "contribution_tier": "unknown",
               "qualification_base_met": "unknown", "shortage_major": "unknown"}),
    )
    .await;
    assert_eq!(result["total_min"], 99);
    assert_eq!(result["total"], 99);
    assert_eq!(result["total_max"], 99 + 120 + 30);
    let deciding = result["deciding_unknowns"].as_array().unwrap();
    assert!(
        deciding
            .iter()
            .any(|d| d.as_str().unwrap().contains("社保缴费基数")),
        "{deciding:?}"
    );
    let items: Vec<&str> = result["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap())
        .collect();
    assert!(items.contains(&"contribution_base") && items.contains(&"shortage_major"));

    let page = Page::from(app.get("/self-test").await).await;
    assert!(
        page.has(r#"input[name="contribution_tier"][value="unknown"]"#),
        "the form offers 不确定"
    );
    assert!(page.has(r#"select[name="qualification_base_met"] option[value="unknown"]"#));
    assert!(page.has(r#"select[name="shortage_major"] option[value="unknown"]"#));
    let response = app
        .post_form(
            "/self-test",
            &[
                ("age", "30"),
                ("education", "bachelor"),
                ("insurance_months", "36"),
                ("contribution_tier", "unknown"),
            ],
        )
        .await;
    let page = Page::from(app.get(&location(&response)).await).await;
    // The shortage list was left unanswered: 不确定, +30 at best.
    assert!(
        page.text("#range").contains("99–249"),
        "{}",
        page.text("#range")
    );
    assert!(page.text("#deciding").contains("0.8倍"));
}

#[tokio::test]
async fn the_result_page_plans_and_prints() {
    let app = TestApp::spawn().await;
    let response = app
        .post_form(
            "/self-test",
            &[
                ("age", "43"),
                ("education", "bachelor_degree"),
                ("qualification", "intermediate_title"),
                ("qualification_base_met", "true"),
                ("insurance_months", "12"),
                ("tax_avg_wan", "5"),
                ("spouse_hukou_years", "2"),
                ("lingang_years", "1"),
                ("contribution_tier", "none"),
            ],
        )
        .await;
    let path = location(&response);
    let page = Page::from(app.get(&path).await).await;
    // The chart: rows of HTML text (CSS sizes, short labels), bars drawn.
    let labels: Vec<String> = page
        .all("#breakdown table.bars th")
        .into_iter()
        .map(crate::helpers::text_of)
        .collect();
    assert_eq!(labels.first().map(String::as_str), Some("年龄"));
    assert_eq!(labels.last().map(String::as_str), Some("合计"));
    assert!(labels.iter().all(|l| l.chars().count() <= 4), "{labels:?}");
    assert!(page.has("#breakdown.chart-reached table.bars rect"));
    assert!(
        !page.has("#breakdown svg text"),
        "no text scaled with a viewBox"
    );
    assert!(
        page.all("script")
            .iter()
            .all(|s| s.value().attr("src").is_some()),
        "no inline script"
    );
    // 30 + 100 + 3 + 8 + 2 = 143: the next step is how to apply.
    assert_eq!(
        page.attr("#verdict", "data-verdict").as_deref(),
        Some("reached")
    );
    assert!(page.has("#next-steps") && !page.has("#suggestions"));
    // The printout names the site, the result link and the date.
    let head = page.text(".print-head");
    assert!(
        head.contains("沪积分") && head.contains(&path) && head.contains("测算日期"),
        "{head}"
    );
    let checklist = page.text("#materials");
    for needle in [
        "居住证",
        "身份证",
        "劳动合同",
        "学信网",
        "学位证书",
        "聘任",
        "完税证明",
        "结婚证",
        "户籍证明",
        "推荐函",
    ] {
        assert!(checklist.contains(needle), "{needle}");
    }
    // Shareable: another visitor opens the same result.
    let other = app.browser();
    let again = Page::from(other.get(app.url(&path)).send().await.unwrap()).await;
    assert_eq!(again.text("#total"), page.text("#total"));
    // The stylesheet prints on A4 without navigation or forms.
    let css_href = page.attr(r#"link[rel="stylesheet"]"#, "href").unwrap();
    let css = app.get(&css_href).await.text().await.unwrap();
    assert!(css.contains("@media print") && css.contains("size: A4"));
    let print_rules = css.split("@media print").nth(1).unwrap();
    for hidden in [".site-header", "form", ".cta"] {
        assert!(print_rules.contains(hidden), "{hidden} hidden in print");
    }
}

#[tokio::test]
async fn a_result_under_old_data_offers_to_recompute() {
    let app = TestApp::spawn().await;
    let response = app
        .post_form(
            "/self-test",
            &[
                ("age", "30"),
                ("education", "college"),
                ("insurance_months", "24"),
                ("contribution_tier", "none"),
            ],
        )
        .await;
    let path = location(&response);
    assert!(!Page::from(app.get(&path).await).await.has("#outdated"));
    // As if it had been computed when the reference wage was another figure.
    let token = path.trim_start_matches("/self-test/");
    let stored: String = hujifen::db::query("SELECT result FROM assessments WHERE token = $1")
        .bind(token)
        .scalar(&app.db)
        .await
        .unwrap();
    let mut result: serde_json::Value = serde_json::from_str(&stored).unwrap();
    result["reference_wage"]["yuan"] = 9999.into();
    hujifen::db::query("UPDATE assessments SET result = $1 WHERE token = $2")
        .bind(result.to_string())
        .bind(token)
        .execute(&app.db)
        .await
        .unwrap();
    let page = Page::from(app.get(&path).await).await;
    assert!(page.text("#outdated").contains("9999"));
    let fields = page.hidden_fields("#outdated form");
    assert!(fields.contains(&("age".into(), "30".into())));
    let recomputed = app
        .client
        .post(app.url("/self-test"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(recomputed.status(), 303);
    let fresh = Page::from(app.get(&location(&recomputed)).await).await;
    assert_eq!(fresh.text("#total"), "86");
    assert!(!fresh.has("#outdated"));
}
