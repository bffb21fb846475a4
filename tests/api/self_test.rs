//! The self-test form round trip and the result page, asserted on parsed HTML.

use crate::helpers::{Page, TestApp, location, text_of};

use hujifen::scoring::input::{API_ONLY_FIELDS, FIELDS};

/// Posts answers and follows the 303 to the result page. The form asks for
/// the contribution tier explicitly; when a test does not care it answers
/// "none", as a visitor below 0.8× would.
async fn result_page(app: &TestApp, answers: &[(&str, &str)]) -> (String, Page) {
    let mut answers = answers.to_vec();
    if !answers.iter().any(|(name, _)| *name == "contribution_tier") {
        answers.push(("contribution_tier", "none"));
    }
    // The form asks for the months; a test that does not care answers 0.
    if !answers.iter().any(|(name, _)| *name == "insurance_months") {
        answers.push(("insurance_months", "0"));
    }
    // A band of the base asks how long it has been so.
    if !answers.iter().any(|(name, _)| *name == "base_duration") {
        answers.push(("base_duration", "most"));
    }
    let response = app.post_form("/self-test", &answers).await;
    assert_eq!(response.status(), 303, "a valid form redirects");
    let target = location(&response);
    let token = target
        .strip_prefix("/self-test/")
        .expect("redirects to the result")
        .to_string();
    assert_eq!(token.len(), 32);
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
    let page = app.get(&target).await;
    assert_eq!(page.status(), 200);
    (token, Page::from(page).await)
}

fn item_points(page: &Page, code: &str) -> String {
    page.text(&format!(r#"li.item[data-code="{code}"] .item-points"#))
}

#[tokio::test]
async fn the_form_asks_every_question_of_the_contract() {
    let app = TestApp::spawn().await;
    let response = app.get("/self-test").await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = Page::from(response).await;
    let form = page.one("form.self-test");
    assert_eq!(form.value().attr("method"), Some("post"));
    assert_eq!(form.value().attr("action"), Some("/self-test"));
    for (field, _) in FIELDS {
        if API_ONLY_FIELDS.contains(field) {
            assert!(
                !page.has(&format!(r#"form [name="{field}"]"#)),
                "{field} is not asked"
            );
            continue;
        }
        assert!(
            page.has(&format!(r#"form [name="{field}"]"#)),
            "{field} is asked"
        );
    }
    // Basic questions first and open; bonus and deductions collapsed.
    let sections: Vec<String> = page
        .all("form .section")
        .iter()
        .map(|s| s.value().attr("id").unwrap_or_default().to_string())
        .collect();
    assert_eq!(sections, ["s-basic", "s-child", "s-bonus", "s-deductions"]);
    assert_eq!(page.one("#s-basic").value().name(), "fieldset");
    assert!(page.one("details#s-bonus").value().attr("open").is_none());
    assert!(
        page.one("details#s-deductions")
            .value()
            .attr("open")
            .is_none()
    );
    // One line of help per question.
    for (field, _) in FIELDS.iter().filter(|(f, _)| !API_ONLY_FIELDS.contains(f)) {
        assert!(
            !page.text(&format!("#h-{field}")).is_empty(),
            "{field} has help"
        );
    }
    // The current period's thresholds in 元/月.
    let tiers = page.text("#f-contribution_tier");
    for threshold in ["9116.8", "11396", "22792", "34188"] {
        assert!(tiers.contains(threshold), "tier {threshold} in {tiers}");
    }
    // The bands in whole yuan, exact: 11,200 is below the 1× band.
    for band in [
        "9116元及以下",
        "9117–11395元",
        "11396–22791元",
        "22792–34187元",
        "34188元及以上",
    ] {
        assert!(tiers.contains(band), "band {band} in {tiers}");
    }
    assert!(!tiers.contains("上限"), "3× is not the cap: {tiers}");
    assert!(page.text("#s-basic").contains("11396 元/月"));
    assert!(!page.has(".error-summary"));
}

#[tokio::test]
async fn a_valid_form_is_stored_and_shows_an_explained_result() {
    let app = TestApp::spawn().await;
    let (token, page) = result_page(
        &app,
        &[
            ("age", "30"),
            ("education", "bachelor_degree"),
            ("insurance_months", "24"),
        ],
    )
    .await;
    assert_eq!(app.assessment_count().await, 1);
    assert_eq!(page.text("#total"), "126");
    assert!(page.text("#headline").contains("已达到120分"));
    assert!(page.has(".result-hero.verdict-reached"));
    assert_eq!(item_points(&page, "age"), "+30");
    assert_eq!(item_points(&page, "education"), "+90");
    assert_eq!(item_points(&page, "qualification"), "0");
    assert_eq!(item_points(&page, "insurance_years"), "+6");
    // Every basic item, and the shortage list left unanswered (不确定).
    assert_eq!(page.all("li.item").len(), 5, "only what applies");
    assert_eq!(item_points(&page, "shortage_major"), "0");
    for item in page.all("li.item") {
        let note = item
            .select(&scraper::Selector::parse(".item-note").unwrap())
            .next()
            .unwrap();
        assert!(!text_of(note).is_empty(), "every item says why");
    }
    let meta = page.text(".meta");
    assert!(meta.contains("sh-2017"), "{meta}");
    assert!(meta.contains("11396"), "the reference period used: {meta}");
    assert!(meta.contains("结果仅供参考，以官方核定为准"));
    // The callback form, with this result attached.
    assert_eq!(
        page.attr(r#"#callback-form"#, "action").as_deref(),
        Some("/consultations#callback"),
        "a refused request comes back in place"
    );
    assert_eq!(
        page.attr(r#"#callback-form input[name="assessment"]"#, "value")
            .as_deref(),
        Some(token.as_str())
    );
    assert!(
        !page.has(r#"#callback-form input[name="share_sensitive"]"#),
        "no deduction or veto answered: nothing to share"
    );
    assert!(page.has(&format!(
        r#".cta a[href="/consultation?assessment={token}"]"#
    )));
    assert!(page.has(r#"li.condition.check[data-code="residence_permit"]"#));
    assert!(page.has(r#"meta[name="robots"][content="noindex"]"#));
    // Reopening the link shows the same result.
    let again = Page::from(app.get(&format!("/self-test/{token}")).await).await;
    assert_eq!(again.text("#total"), "126");
}

#[tokio::test]
async fn the_result_explains_a_title_without_the_base_condition() {
    let app = TestApp::spawn().await;
    let (_, page) = result_page(
        &app,
        &[
            ("age", "50"),
            ("education", "college"),
            ("qualification", "intermediate_title"),
            ("qualification_base_met", "false"),
            ("insurance_months", "96"),
            ("contribution_tier", "x0_8"),
        ],
    )
    .await;
    assert_eq!(page.text("#total"), "116");
    assert!(page.text("#headline").contains("还差 4 分"));
    assert_eq!(item_points(&page, "qualification"), "0");
    assert!(
        page.text(r#"li.item[data-code="qualification"] .item-note"#)
            .contains("条件未满足")
    );
    assert_eq!(item_points(&page, "education"), "+50");
    assert_eq!(item_points(&page, "contribution_base"), "+25");
    assert!(
        page.text(r#"li.item[data-code="contribution_base"] .item-note"#)
            .contains("9116.8")
    );
}

#[tokio::test]
async fn a_veto_is_shown_plainly_beside_a_reached_score() {
    let app = TestApp::spawn().await;
    let (_, page) = result_page(
        &app,
        &[
            ("age", "30"),
            ("education", "doctor"),
            ("insurance_months", "60"),
            ("serious_criminal", "on"),
        ],
    )
    .await;
    assert_eq!(page.text("#total"), "155");
    assert!(page.has(".result-hero.verdict-blocked"));
    assert!(page.text("#headline").contains("一票否决"));
    assert!(page.has(r#"li.item[data-code="serious_criminal"]"#));
    assert!(page.has(r#"li.condition.unmet[data-code="veto"]"#));
}

#[tokio::test]
async fn deductions_floor_the_total_at_zero() {
    let app = TestApp::spawn().await;
    let (_, page) = result_page(
        &app,
        &[
            ("age", "45"),
            ("education", "bachelor"),
            ("insurance_months", "120"),
            ("criminal_count", "1"),
        ],
    )
    .await;
    assert_eq!(page.text("#total"), "0");
    assert_eq!(item_points(&page, "criminal"), "−150");
    assert!(page.text(".sum").contains("-33"));
}

#[tokio::test]
async fn each_invalid_field_gets_a_chinese_message_and_keeps_the_input() {
    let app = TestApp::spawn().await;
    let cases: &[(&str, &str, &str)] = &[
        ("age", "abc", "年龄请填写整数"),
        ("age", "-3", "年龄不能是负数"),
        ("age", "1000000000000", "年龄请填写16到100之间的整数"),
        ("age", "12", "年龄请填写16到100之间的整数"),
        ("education", "phd", "教育背景的选项无效"),
        ("qualification", "wizard", "职称或技能等级的选项无效"),
        ("qualification_base_met", "maybe", "请选择“是”或“否”"),
        ("insurance_months", "-1", "社保缴纳月数不能是负数"),
        (
            "insurance_months",
            "1000000000000",
            "社保月数请填写0到600之间的整数",
        ),
        ("contribution_tier", "x9", "社保缴费基数档次的选项无效"),
        ("entrepreneur", "maybe", "创业人才请选择“是”或“否”"),
        ("tax_avg_wan", "lots", "年均纳税额请填写数字"),
        ("local_hires_avg", "-2", "年均聘用本市户籍人数不能是负数"),
        (
            "public_service_years",
            "x",
            "特定公共服务领域年限请填写整数",
        ),
        ("suburb_years", "99", "年限请填写0到60之间的整数"),
        ("lingang_years", "-1", "临港新片区年限不能是负数"),
        ("spouse_hukou_years", "1.5", "与本市户籍配偶婚龄请填写整数"),
        ("award", "nobel", "表彰奖励的选项无效"),
        ("false_material_count", "many", "提供虚假材料次数请填写整数"),
        ("detention_count", "-1", "行政拘留次数不能是负数"),
        ("criminal_count", "100", "次数请填写0到50之间的整数"),
        (
            "serious_criminal",
            "perhaps",
            "严重刑事犯罪记录请选择“是”或“否”",
        ),
    ];
    for (field, value, message) in cases {
        let mut answers = crate::helpers::SHORT_ANSWERS.to_vec();
        answers.retain(|(name, _)| name != field);
        answers.push((field, value));
        let response = app.post_form("/self-test", &answers).await;
        assert_eq!(response.status(), 422, "{field}={value}");
        let page = Page::from(response).await;
        let links = page.all(".error-summary a");
        assert_eq!(links.len(), 1, "{field}={value}: one message");
        assert_eq!(
            links[0].value().attr("href"),
            Some(format!("#f-{field}").as_str())
        );
        assert!(
            text_of(links[0]).contains(message),
            "{field}={value}: {}",
            text_of(links[0])
        );
        assert!(page.text(&format!("#e-{field}")).contains(message));
        assert!(page.has(&format!("#f-{field}")), "the link has a target");
        // What was typed is kept.
        assert_eq!(
            page.attr("#f-insurance_months", "value").as_deref(),
            Some(if *field == "insurance_months" {
                value
            } else {
                "24"
            })
        );
        if ["age", "tax_avg_wan", "local_hires_avg", "suburb_years"].contains(field) {
            assert_eq!(
                page.attr(&format!("#f-{field}"), "value").as_deref(),
                Some(*value)
            );
        }
    }
    assert_eq!(app.assessment_count().await, 0, "nothing stored");
}

#[tokio::test]
async fn missing_required_fields_are_named() {
    let app = TestApp::spawn().await;
    let response = app
        .post_form("/self-test", &[("insurance_months", "30")])
        .await;
    assert_eq!(response.status(), 422);
    let page = Page::from(response).await;
    let messages: Vec<String> = page
        .all(".error-summary a")
        .into_iter()
        .map(text_of)
        .collect();
    assert_eq!(
        messages,
        [
            "请填写年龄",
            "请选择教育背景",
            "请选择社保缴费基数大约多少（不清楚可选“不清楚”）"
        ]
    );
    assert_eq!(
        page.attr("#f-insurance_months", "value").as_deref(),
        Some("30")
    );
    // An empty body too.
    let response = app
        .post_raw(
            "/self-test",
            "application/x-www-form-urlencoded",
            Vec::new(),
        )
        .await;
    assert_eq!(response.status(), 422);
    assert_eq!(app.assessment_count().await, 0);
}

#[tokio::test]
async fn choices_and_boxes_are_kept_on_error_and_their_sections_open() {
    let app = TestApp::spawn().await;
    let response = app
        .post_form(
            "/self-test",
            &[
                ("age", ""),
                ("education", "master"),
                ("qualification", "skill_3"),
                ("contribution_tier", "x2"),
                ("base_duration", "most"),
                ("fresh_graduate", "on"),
                ("award", "provincial"),
                ("detention_count", "1"),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    let page = Page::from(response).await;
    assert!(page.has(r#"#f-education option[value="master"][selected]"#));
    assert!(page.has(r#"#f-qualification option[value="skill_3"][selected]"#));
    assert!(page.has(r#"input[name="contribution_tier"][value="x2"][checked]"#));
    assert_eq!(
        page.all(r#"input[name="contribution_tier"][checked]"#)
            .len(),
        1
    );
    assert!(page.has(r#"#f-fresh_graduate[checked]"#));
    assert!(page.has(r#"#f-award option[value="provincial"][selected]"#));
    assert!(page.one("details#s-bonus").value().attr("open").is_some());
    assert!(
        page.one("details#s-deductions")
            .value()
            .attr("open")
            .is_some()
    );
    assert_eq!(
        page.attr("#f-detention_count", "value").as_deref(),
        Some("1")
    );
}

#[tokio::test]
async fn a_body_that_is_not_utf8_is_a_polite_422() {
    let app = TestApp::spawn().await;
    let body = b"age=\xff\xfe&education=college".to_vec();
    let response = app
        .post_raw("/self-test", "application/x-www-form-urlencoded", body)
        .await;
    assert_eq!(response.status(), 422);
    let page = Page::from(response).await;
    assert!(page.text("#e-age").contains("年龄请填写整数"));
    let response = app
        .post_raw(
            "/self-test",
            "application/x-www-form-urlencoded",
            b"age=%FF%FE&education=college".to_vec(),
        )
        .await;
    assert_eq!(response.status(), 422);
    assert_eq!(app.assessment_count().await, 0);
}

#[tokio::test]
async fn an_oversized_form_is_refused_with_the_site_page() {
    let app = TestApp::spawn().await;
    let body = format!("age=30&education=college&padding={}", "x".repeat(17 * 1024));
    let response = app
        .post_raw(
            "/self-test",
            "application/x-www-form-urlencoded",
            body.into_bytes(),
        )
        .await;
    assert_eq!(response.status(), 413);
    let page = Page::from(response).await;
    assert_eq!(page.text("h1"), "提交的内容过大");
    assert_eq!(app.assessment_count().await, 0);
}

#[tokio::test]
async fn unknown_result_tokens_get_the_404_page() {
    let app = TestApp::spawn().await;
    for path in [
        "/self-test/0123456789abcdef0123456789abcdef",
        "/self-test/not-a-token",
        "/self-test/%27%20OR%201%3D1",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 404, "{path}");
        let page = Page::from(response).await;
        assert_eq!(page.text("h1"), "页面不存在");
    }
}

#[tokio::test]
async fn numbers_are_read_as_people_type_them_and_refused_with_an_example() {
    let app = TestApp::spawn().await;
    let (_, page) = result_page(
        &app,
        &[
            ("age", "32岁"),
            ("education", "college"),
            ("insurance_months", "２年６个月"),
        ],
    )
    .await;
    assert_eq!(item_points(&page, "insurance_years"), "+6", "30 months");
    for (field, typed, message) in [
        ("age", "三十二", "年龄请填写整数，例如 32"),
        ("age", "32.5", "年龄请填写整数，例如 32"),
        ("age", "-3", "年龄不能是负数"),
        (
            "insurance_months",
            "2年13个月",
            "月份部分请填写0到11，例如 2年6个月",
        ),
        ("age", "1000000000000", "年龄请填写16到100之间的整数"),
        ("insurance_months", "三十", "例如 30 或 2年6个月"),
    ] {
        let mut answers = vec![
            ("age", "30"),
            ("education", "college"),
            ("contribution_tier", "none"),
        ];
        answers.retain(|(name, _)| *name != field);
        answers.push((field, typed));
        let response = app.post_form("/self-test", &answers).await;
        assert_eq!(response.status(), 422, "{field}={typed}");
        let page = Page::from(response).await;
        assert!(
            page.text(&format!("#e-{field}")).contains(message),
            "{field}={typed}"
        );
        assert_eq!(
            page.attr(&format!("#f-{field}"), "value").as_deref(),
            Some(typed),
            "what was typed is kept"
        );
    }
}

#[tokio::test]
async fn a_shared_result_says_its_verdict() {
    let app = TestApp::spawn().await;
    let (token, page) = result_page(
        &app,
        &[
            ("age", "45"),
            ("education", "bachelor"),
            ("insurance_months", "120"),
        ],
    )
    .await;
    let description = page
        .attr(r#"meta[property="og:description"]"#, "content")
        .unwrap();
    assert!(
        description.contains("117分，还差3分；预计") && description.contains("达标"),
        "{description}"
    );
    assert_eq!(
        page.attr(r#"meta[property="og:url"]"#, "content")
            .as_deref(),
        Some(format!("{}/self-test/{token}", crate::helpers::PUBLIC_URL).as_str())
    );
    assert!(
        !page.has(r#"link[rel="canonical"]"#),
        "not for search engines"
    );
}

/// Past the client's hourly limit a result is shown but not stored (the
/// third probe stored 5,543 rows a second from one client): the page says
/// so and offers no link back to it.
#[tokio::test]
async fn past_the_hourly_limit_a_result_is_shown_but_not_stored() {
    let app = TestApp::spawn_with(&[("HUJIFEN_RESULTS_PER_CLIENT_HOUR", "3")]).await;
    let answers = crate::helpers::SHORT_ANSWERS;
    for _ in 0..3 {
        app.result_token(&answers).await;
    }
    let shown = app.post_form("/self-test", &answers).await;
    assert_eq!(shown.status(), 200);
    assert_eq!(shown.headers()["cache-control"], "no-store");
    let page = Page::from(shown).await;
    assert!(!page.text("#total").is_empty(), "the total is shown");
    assert!(page.text("#unsaved").contains("没有保存"));
    assert!(!page.has("#change-answers"));
    assert!(
        !page.has(r#"input[name="assessment"]"#),
        "nothing to attach"
    );
    assert!(!page.has(r#"meta[property="og:url"]"#));
    assert_eq!(
        app.assessment_count().await,
        3,
        "only the first three stored"
    );
}
