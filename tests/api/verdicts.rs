//! A result for each verdict, "修改答案", nothing pre-selected, the default
//! button of the code forms, old stored results and the rules page.

use crate::helpers::{Page, TestApp, location, text_of};

/// Posts answers through the form and returns the result's path and page.
async fn result(app: &TestApp, answers: &[(&str, &str)]) -> (String, Page) {
    let mut answers = answers.to_vec();
    answers.push(("base_duration", "most"));
    // The form asks for the months; a test that does not care answers 0.
    if !answers.iter().any(|(name, _)| *name == "insurance_months") {
        answers.push(("insurance_months", "0"));
    }
    let answers = answers.as_slice();
    let response = app.post_form("/self-test", answers).await;
    assert_eq!(response.status(), 303, "{answers:?}");
    let path = location(&response);
    let page = app.get(&path).await;
    assert_eq!(page.status(), 200);
    assert_eq!(
        page.headers()["cache-control"],
        "no-store",
        "answers inside"
    );
    (path, Page::from(page).await)
}

fn verdict(page: &Page) -> String {
    page.attr("#verdict", "data-verdict").unwrap_or_default()
}

#[tokio::test]
async fn a_visitor_with_182_points_is_told_how_to_apply() {
    let app = TestApp::spawn().await;
    // 30 + 90 + 12 + 50: 48 months carry the 1× tier (24 would not).
    let (_, page) = result(
        &app,
        &[
            ("age", "30"),
            ("education", "bachelor_degree"),
            ("insurance_months", "48"),
            ("contribution_tier", "x1"),
        ],
    )
    .await;
    assert_eq!(page.text("#total"), "182");
    assert_eq!(verdict(&page), "reached");
    assert!(!page.has("#suggestions"), "no add-points list at 176");
    assert!(!page.has("#projection"));
    let steps = page.text("#next-steps");
    assert!(steps.contains("下一步：怎样申请"));
    assert!(steps.contains("单位"), "employer registration: {steps}");
    assert!(
        steps.contains("居住证"),
        "the conditions to confirm: {steps}"
    );
    assert!(page.has(r#"#next-steps a[href="/guide/process"]"#));
    assert!(page.has(r#"#next-steps a[href="https://zwdt.sh.gov.cn/"]"#));
    assert!(page.has("#materials"));
    assert!(page.text("#callback h2").contains("材料"));
}

#[tokio::test]
async fn a_visitor_with_117_points_gets_the_plan_closers_first() {
    let app = TestApp::spawn().await;
    // 29 + 50 + 36 + 2 (one year in 临港 counts since 2024-08-21).
    let (_, page) = result(
        &app,
        &[
            ("age", "44"),
            ("education", "college"),
            ("insurance_months", "144"),
            ("lingang_years", "1"),
            ("contribution_tier", "none"),
        ],
    )
    .await;
    assert_eq!(page.text("#total"), "117");
    assert_eq!(verdict(&page), "short");
    assert!(page.text("#headline").contains("还差 3 分"));
    assert!(page.has("#projection"));
    assert!(!page.has("#next-steps"));
    let top = page.all("#suggestions > ol > li");
    assert_eq!(top.len(), 3, "the top three");
    assert!(
        top[0]
            .value()
            .has_class("closes", scraper::CaseSensitivity::CaseSensitive),
        "the first closes the gap alone"
    );
    assert!(text_of(top[0]).contains("单项即可达标"));
    let more = page.all("details#more-suggestions li");
    assert!(!more.is_empty(), "the rest folded under 其他加分方式");
    assert!(
        page.text("details#more-suggestions summary")
            .contains("其他加分方式")
    );
    assert!(page.text("#callback h2").contains("更快达到120分"));
}

#[tokio::test]
async fn a_visitor_who_cannot_apply_is_told_what_blocks_it() {
    let app = TestApp::spawn().await;
    // 0 (age) + 110 + 60 = 170, but 61 is past the range.
    let (_, page) = result(
        &app,
        &[
            ("age", "61"),
            ("education", "doctor"),
            ("insurance_months", "240"),
            ("contribution_tier", "none"),
        ],
    )
    .await;
    assert_eq!(page.text("#total"), "170");
    assert_eq!(verdict(&page), "blocked");
    let headline = page.text("#headline");
    assert!(
        headline.contains("已达到120分") && headline.contains("不能申请"),
        "{headline}"
    );
    let body = page.text("main");
    assert!(
        !body.contains("达不到120分") && !body.contains("还差"),
        "{body}"
    );
    let blocker = page.text(r#"#blockers li[data-code="age"]"#);
    assert!(
        blocker.contains("超过60周岁") && blocker.contains("不能改变"),
        "{blocker}"
    );
    assert!(!page.has("#suggestions") && !page.has("#projection") && !page.has("#next-steps"));

    // A veto below 120: what blocks it, never the plan.
    let (_, page) = result(
        &app,
        &[
            ("age", "30"),
            ("education", "college"),
            ("insurance_months", "24"),
            ("contribution_tier", "none"),
            ("serious_criminal", "on"),
        ],
    )
    .await;
    assert_eq!(verdict(&page), "blocked");
    assert!(
        page.text(r#"#blockers li[data-code="serious_criminal"]"#)
            .contains("一票否决")
    );
    assert!(!page.has("#suggestions"));
    assert!(!page.text("#headline").contains("还差"));
}

#[tokio::test]
async fn change_your_answers_opens_the_form_filled_in() {
    let app = TestApp::spawn().await;
    let (path, page) = result(
        &app,
        &[
            ("age", "50"),
            ("education", "college"),
            ("qualification", "intermediate_title"),
            ("qualification_base_met", "unknown"),
            ("insurance_months", "96"),
            ("contribution_tier", "x0_8"),
            ("lingang_years", "2"),
            ("detention_count", "1"),
        ],
    )
    .await;
    let token = path.trim_start_matches("/self-test/");
    let href = page.attr("#change-answers", "href").unwrap();
    assert_eq!(href, format!("/self-test?from={token}"));
    let response = app.get(&href).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let form = Page::from(response).await;
    assert_eq!(form.attr("#f-age", "value").as_deref(), Some("50"));
    assert_eq!(
        form.attr("#f-insurance_months", "value").as_deref(),
        Some("96")
    );
    assert_eq!(form.attr("#f-lingang_years", "value").as_deref(), Some("2"));
    assert_eq!(
        form.attr("#f-detention_count", "value").as_deref(),
        Some("1")
    );
    assert!(form.has(r#"#f-education option[value="college"][selected]"#));
    assert!(form.has(r#"#f-qualification option[value="intermediate_title"][selected]"#));
    assert!(form.has(r#"#f-qualification_base_met option[value="unknown"][selected]"#));
    assert!(form.has(r#"input[name="contribution_tier"][value="x0_8"][checked]"#));
    assert_eq!(
        form.all(r#"input[name="contribution_tier"][checked]"#)
            .len(),
        1
    );
    assert!(
        form.has("details#s-deductions[open]"),
        "answered sections open"
    );
    // Someone's answers are nobody's search result, like the result page.
    assert_eq!(
        form.attr(r#"meta[name="robots"]"#, "content").as_deref(),
        Some("noindex")
    );
    assert!(!form.has(r#"link[rel="canonical"]"#));
    let blank = Page::from(app.get("/self-test").await).await;
    assert!(
        !blank.has(r#"meta[name="robots"]"#),
        "the blank form is public"
    );

    // Garbage, a malformed or an unknown token: the empty form, never a 500.
    for query in [
        "from=",
        "from=zzz",
        "from=%FF%FE",
        "from=0123456789abcdef0123456789abcdef",
        "from=../../etc/passwd",
        "from",
    ] {
        let response = app.get(&format!("/self-test?{query}")).await;
        assert_eq!(response.status(), 200, "{query}");
        let form = Page::from(response).await;
        assert_eq!(form.attr("#f-age", "value").as_deref(), Some(""), "{query}");
        assert!(
            !form.has(r#"input[name="contribution_tier"][checked]"#),
            "{query}"
        );
    }
}

#[tokio::test]
async fn no_scoring_answer_is_pre_selected() {
    let app = TestApp::spawn().await;
    let page = Page::from(app.get("/self-test").await).await;
    assert!(
        !page.has("input[checked]"),
        "no radio or box starts checked"
    );
    assert_eq!(page.all(r#"input[name="contribution_tier"]"#).len(), 6);
    assert!(page.text("#f-contribution_tier legend").contains("必填"));
    // The base condition starts unanswered (blank is 不确定) and says who
    // answers it; so do the shortage list and the other optional selects.
    for select in [
        "qualification_base_met",
        "shortage_major",
        "qualification",
        "award",
    ] {
        let first = page.all(&format!("#f-{select} option"))[0];
        assert_eq!(first.value().attr("value"), Some(""), "{select}");
        assert!(text_of(first).starts_with("请选择"), "{select}");
        assert!(
            !page.has(&format!("#f-{select} option[selected]")),
            "{select}"
        );
    }
    let field = page.one(r#"div.field[data-asked-by="qualification"]"#);
    assert_eq!(
        field.value().attr("data-asked-when"),
        Some("skill_2 skill_1 intermediate_title senior_title")
    );
    assert!(page.text("#h-qualification_base_met").contains("只有"));
    // Age and months come back on Back: the browser may keep them.
    for field in ["age", "insurance_months"] {
        assert_eq!(
            page.attr(&format!("#f-{field}"), "autocomplete"),
            None,
            "{field}"
        );
    }
    // Skipping the months and the tier is an error on the page for each,
    // in the order asked, typed values kept: never a silent 0 (issue 25).
    let response = app
        .post_form("/self-test", &[("age", "30"), ("education", "college")])
        .await;
    assert_eq!(response.status(), 422);
    let page = Page::from(response).await;
    let links: Vec<String> = page
        .all(".error-summary a")
        .iter()
        .map(|a| a.value().attr("href").unwrap_or_default().to_string())
        .collect();
    assert_eq!(links, ["#f-insurance_months", "#f-contribution_tier"]);
    assert!(page.text("#e-insurance_months").contains("例如 2年"));
    assert!(page.text("#e-contribution_tier").contains("不清楚"));
    assert_eq!(page.attr("#f-age", "value").as_deref(), Some("30"));
}

#[tokio::test]
async fn enter_in_the_code_field_submits_the_form_not_the_code_request() {
    let app = TestApp::spawn().await;
    let (path, _) = result(
        &app,
        &[
            ("age", "30"),
            ("education", "college"),
            ("contribution_tier", "none"),
        ],
    )
    .await;
    // A form's default button is its first submit button in tree order.
    for (page_path, action) in [
        (path.as_str(), "/consultations#callback"),
        ("/consultation", "/consultations"),
        ("/privacy/requests", "/privacy/requests"),
    ] {
        let page = Page::from(app.get(page_path).await).await;
        let form = page.one("form#callback-form");
        assert_eq!(form.value().attr("action"), Some(action), "{page_path}");
        let buttons = page.all(
            r#"form#callback-form button:not([type]), form#callback-form button[type="submit"], form#callback-form input[type="submit"]"#,
        );
        let default = buttons[0];
        assert_eq!(default.value().attr("formaction"), None, "{page_path}");
        assert_ne!(default.value().attr("id"), Some("send-code"), "{page_path}");
        assert!(
            buttons
                .iter()
                .any(|b| b.value().attr("id") == Some("send-code"))
        );
    }
}

#[tokio::test]
async fn the_share_box_shows_only_when_there_is_something_to_share() {
    let app = TestApp::spawn().await;
    let clean = [
        ("age", "30"),
        ("education", "college"),
        ("contribution_tier", "none"),
    ];
    let (_, page) = result(&app, &clean).await;
    assert!(!page.has(r#"input[name="share_sensitive"]"#));
    let mut answered = clean.to_vec();
    answered.push(("detention_count", "1"));
    let (_, page) = result(&app, &answered).await;
    assert!(page.has(r#"input[name="share_sensitive"]"#));
    // The box beside normal-weight text: the bold block rule does not win.
    let css_href = page.attr(r#"link[rel="stylesheet"]"#, "href").unwrap();
    let css = app.get(&css_href).await.text().await.unwrap();
    assert!(css.contains(".field > label.check"), "{css}");
}

#[tokio::test]
async fn a_result_from_before_the_revisions_still_renders_flagged() {
    let app = TestApp::spawn().await;
    // Stored by the previous release: no revision, the social-insurance
    // figure of the time, and 临港 counted from 3 years.
    let token = "0123456789abcdef0123456789abcdef";
    hujifen::db::query(
        "INSERT INTO assessments (token, rule_set, answers, result, total, reaches_standard)
         VALUES ($1, 'sh-2017', $2, $3, 95, FALSE)",
    )
    .bind(token)
    .bind(r#"{"age":35,"education":"college","insurance_months":60,"lingang_years":2}"#)
    .bind(r#"{"rule_set":"sh-2017","assessed_on":"2025-03-01","reference_wage":{"from":"2024-07","to":"2025-06","yuan":12307},"total":95}"#)
    .execute(&app.db)
    .await
    .unwrap();
    let path = format!("/self-test/{token}");
    let response = app.get(&path).await;
    assert_eq!(response.status(), 200);
    let page = Page::from(response).await;
    assert_eq!(page.text("#total"), "95", "as the visitor saw it");
    assert_eq!(
        page.text(r#"li.item[data-code="lingang"] .item-points"#),
        "0"
    );
    let notice = page.text("#outdated");
    assert!(
        notice.contains("2024年8月21日") && notice.contains("临港"),
        "{notice}"
    );
    assert!(page.text(".meta").contains("12307"));

    // Recomputed under today's rules: 30 + 50 + 15 + 4.
    let fields = page.hidden_fields("#outdated form");
    let recomputed = app
        .client
        .post(app.url("/self-test"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(recomputed.status(), 303);
    let fresh = Page::from(app.get(&location(&recomputed)).await).await;
    assert_eq!(fresh.text("#total"), "99");
    assert!(!fresh.has("#outdated"));

    // A stored result that cannot be read is a polite error, not a crash.
    hujifen::db::query("UPDATE assessments SET result = '{}' WHERE token = $1")
        .bind(token)
        .execute(&app.db)
        .await
        .unwrap();
    let broken = app.get(&path).await;
    assert!(broken.status().is_server_error());
    assert!(Page::from(broken).await.has("main"));
}

#[tokio::test]
async fn the_rules_page_lists_each_revision_with_its_source() {
    let app = TestApp::spawn().await;
    let response = app.get("/rules").await;
    assert_eq!(response.status(), 200);
    let page = Page::from(response).await;
    assert_eq!(page.text("h1"), "规则与更新记录");
    let dates: Vec<String> = page
        .all(".revision time")
        .into_iter()
        .map(|t| t.value().attr("datetime").unwrap().to_string())
        .collect();
    assert_eq!(
        dates,
        ["2024-08-21", "2023-07-01", "2023-01-01", "2018-01-01"]
    );
    assert!(page.text("#r-2023-01-01").contains("计划生育"));
    assert!(
        page.text("#rules .lead")
            .contains("2023年1月1日起施行的修订版")
    );
    assert!(page.text("#rules").contains("近48个月内累计36个月"));
    // 11396 is confirmed to 2026-06 only (RULES.md §5): today is past it.
    let question = page.text("#open-question");
    assert!(
        question.contains("2026年7月起") && question.contains("11396"),
        "{question}"
    );
    for revision in page.all(".revision") {
        let links = revision
            .select(&scraper::Selector::parse("a[href^=http]").unwrap())
            .count();
        assert!(links >= 1, "every revision names its public source");
    }
    assert!(page.text("#r-2024-08-21").contains("现行版本"));
    assert!(page.text(".wage-table").contains("11396"));
    assert!(page.text(".wage-table").contains("34188"));
    // Linked from the footer, the form and the results.
    for path in ["/", "/self-test", "/guide/contribution-base"] {
        let page = Page::from(app.get(path).await).await;
        assert!(page.has(r#"footer a[href="/rules"]"#), "{path}");
    }
    let form = Page::from(app.get("/self-test").await).await;
    assert!(form.has(r#"form.self-test a[href="/rules"]"#));
    let (_, result) = result(
        &app,
        &[
            ("age", "30"),
            ("education", "college"),
            ("contribution_tier", "none"),
        ],
    )
    .await;
    assert!(result.has(r#".meta a[href="/rules"]"#));
    let sitemap = app.get("/sitemap.xml").await.text().await.unwrap();
    assert!(sitemap.contains("/rules</loc>"));
}
