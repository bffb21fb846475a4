//! Guide pages, the home page, sitemap and robots, and view counts.

use serde_json::Value;

use crate::helpers::{PUBLIC_URL, Page, TestApp, text_of};

const SLUGS: &[&str] = &[
    "policy-overview",
    "eligibility",
    "process",
    "materials",
    "children-school",
    "basic-indicators",
    "bonus-indicators",
    "deductions-and-veto",
    "contribution-base",
    "faq",
];

fn json_ld(page: &Page) -> Vec<Value> {
    page.all(r#"script[type="application/ld+json"]"#)
        .into_iter()
        .map(|script| {
            serde_json::from_str(&script.text().collect::<String>()).expect("valid JSON-LD")
        })
        .collect()
}

#[tokio::test]
async fn every_guide_is_complete_for_readers_and_search() {
    let app = TestApp::spawn().await;
    let mut titles = Vec::new();
    let mut descriptions = Vec::new();
    for slug in SLUGS {
        let path = format!("/guide/{slug}");
        let response = app.get(&path).await;
        assert_eq!(response.status(), 200, "{path}");
        let page = Page::from(response).await;
        let title = page.text("title");
        let description = page.attr(r#"meta[name="description"]"#, "content").unwrap();
        assert!(
            !title.is_empty() && description.chars().count() >= 30,
            "{path}"
        );
        titles.push(title.clone());
        descriptions.push(description);
        assert_eq!(
            page.attr(r#"link[rel="canonical"]"#, "href").as_deref(),
            Some(format!("{PUBLIC_URL}{path}").as_str())
        );
        assert_eq!(
            page.attr(r#"meta[property="og:type"]"#, "content")
                .as_deref(),
            Some("article")
        );
        assert!(
            page.attr(r#"meta[property="og:title"]"#, "content")
                .is_some()
        );
        assert!(!page.has(r#"meta[name="robots"]"#), "{path} is indexable");
        let blocks = json_ld(&page);
        let article = blocks
            .iter()
            .find(|b| b["@type"] == "Article")
            .expect("Article JSON-LD");
        assert!(title.starts_with(article["headline"].as_str().unwrap()));

        // The layout: breadcrumbs, dates, views, body, two calls to action, related, offers.
        let crumbs: Vec<String> = page
            .all(".breadcrumbs a, .breadcrumbs [aria-current]")
            .into_iter()
            .map(text_of)
            .collect();
        assert_eq!(crumbs, ["首页", "居住证积分", "正文"]);
        assert_eq!(page.all(".article-meta time").len(), 2);
        assert!(page.text("#views").ends_with("浏览"));
        let body_chars: usize = text_of(page.one(".prose"))
            .chars()
            .filter(|c| !c.is_whitespace())
            .count();
        assert!(body_chars >= 1500, "{path} has {body_chars} characters");
        assert!(
            page.has(r#".prose .inline-cta a[href="/self-test"]"#),
            "{path}: CTA inside"
        );
        assert!(
            page.has(r#".after-article a[href="/self-test"]"#),
            "{path}: CTA after"
        );
        assert!(page.all(".related a").len() >= 2, "{path}: related");
        let offers: Vec<String> = page
            .all(".side .offer")
            .into_iter()
            .map(|a| a.value().attr("href").unwrap().to_string())
            .collect();
        assert_eq!(
            offers,
            [
                "/consultation?interest=guide",
                "/consultation?interest=materials",
                "/consultation?interest=planning",
                "/consultation?interest=news"
            ]
        );
        let nav: Vec<String> = page.all(".nav a").into_iter().map(text_of).collect();
        assert_eq!(nav, ["首页", "积分计算器", "政策指南", "机构入驻"]);
        assert!(page.has(r#".nav a[href="/consultation?interest=institution"]"#));
    }
    let mut unique = titles.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), titles.len(), "titles are unique");
    descriptions.sort();
    descriptions.dedup();
    assert_eq!(descriptions.len(), SLUGS.len(), "descriptions are unique");
}

#[tokio::test]
async fn the_faq_has_faqpage_structured_data() {
    let app = TestApp::spawn().await;
    let page = Page::from(app.get("/guide/faq").await).await;
    let blocks = json_ld(&page);
    let faq = blocks
        .iter()
        .find(|b| b["@type"] == "FAQPage")
        .expect("FAQPage JSON-LD");
    let questions = faq["mainEntity"].as_array().unwrap();
    assert!(questions.len() >= 10);
    let headings = page.all(".prose h3");
    assert_eq!(questions.len(), headings.len());
    for (question, heading) in questions.iter().zip(headings) {
        assert_eq!(question["name"], text_of(heading));
        assert!(
            question["acceptedAnswer"]["text"]
                .as_str()
                .is_some_and(|a| a.chars().count() > 10)
        );
    }
}

#[tokio::test]
async fn the_wage_table_is_rendered_from_the_engine_data() {
    let app = TestApp::spawn().await;
    let page = Page::from(app.get("/guide/contribution-base").await).await;
    let rows: Vec<String> = page
        .all(".wage-table tbody tr")
        .into_iter()
        .map(text_of)
        .collect();
    let wages = hujifen::scoring::ReferenceWages::bundled();
    assert_eq!(rows.len(), wages.periods().len());
    assert!(
        rows[0].contains("2023年7月起")
            && rows[0].contains("11396")
            && rows[0].contains("9116.8")
            && rows[0].contains("34188")
    );
    for stale in ["12434", "12307", "12183", "37302"] {
        assert!(rows.iter().all(|r| !r.contains(stale)), "{stale}");
    }
    assert!(
        rows.iter()
            .any(|r| r.contains("9339") && r.contains("7471.2") && r.contains("28017"))
    );
}

#[tokio::test]
async fn the_guide_index_and_home_list_the_guides_and_offers() {
    let app = TestApp::spawn().await;
    let page = Page::from(app.get("/guide").await).await;
    let links: Vec<String> = page
        .all(".guide-list a")
        .into_iter()
        .map(|a| a.value().attr("href").unwrap().to_string())
        .collect();
    let expected: Vec<String> = SLUGS.iter().map(|s| format!("/guide/{s}")).collect();
    assert_eq!(links, expected);

    let response = app.get("/").await;
    assert_eq!(response.status(), 200);
    let home = Page::from(response).await;
    assert!(home.has(r#".hero a[href="/self-test"]"#));
    assert_eq!(home.all("main .offers .offer").len(), 4);
    assert!(home.all(".guide-list a").len() >= 5);
    assert_eq!(
        home.attr(r#"link[rel="canonical"]"#, "href").as_deref(),
        Some(format!("{PUBLIC_URL}/").as_str())
    );
}

#[tokio::test]
async fn the_view_count_grows_and_survives_a_clean_stop() {
    let app = TestApp::spawn().await;
    let views = |page: &Page| -> u64 {
        page.text("#views")
            .trim_end_matches("浏览")
            .trim()
            .parse()
            .expect("a number")
    };
    let first = views(&Page::from(app.get("/guide/process").await).await);
    let second = views(&Page::from(app.get("/guide/process").await).await);
    assert_eq!(second, first + 1);
    let _ = app
        .client
        .head(app.url("/guide/process"))
        .send()
        .await
        .unwrap();
    let third = views(&Page::from(app.get("/guide/process").await).await);
    assert_eq!(third, second + 1, "HEAD does not count");
    let stored_before: Option<i64> =
        hujifen::db::query("SELECT views FROM page_views WHERE path = '/guide/process'")
            .scalar_optional(&app.db)
            .await
            .unwrap();
    assert!(stored_before.unwrap_or(0) < 3 || stored_before == Some(3));

    let (database_url, _data) = app.stop().await;
    let db = hujifen::db::connect(&database_url).await.unwrap();
    let stored: i64 =
        hujifen::db::query("SELECT views FROM page_views WHERE path = '/guide/process'")
            .scalar(&db)
            .await
            .unwrap();
    assert_eq!(stored, 3, "nothing lost on a clean stop");
}

#[tokio::test]
async fn unknown_guides_get_the_404_page() {
    let app = TestApp::spawn().await;
    for path in ["/guide/nope", "/guide/../Cargo.toml", "/guide/faq.md"] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 404, "{path}");
        assert_eq!(Page::from(response).await.text("h1"), "页面不存在");
    }
}

#[tokio::test]
async fn sitemap_and_robots() {
    let app = TestApp::spawn().await;
    let response = app.get("/sitemap.xml").await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("xml")
    );
    let xml = response.text().await.unwrap();
    let document = scraper::Html::parse_fragment(&xml);
    let selector = scraper::Selector::parse("loc").unwrap();
    let locations: Vec<String> = document.select(&selector).map(text_of).collect();
    for path in ["/", "/self-test"] {
        assert!(
            locations.contains(&format!("{PUBLIC_URL}{path}")),
            "{path} in {locations:?}"
        );
    }
    for slug in SLUGS {
        assert!(
            locations.contains(&format!("{PUBLIC_URL}/guide/{slug}")),
            "{slug}"
        );
    }

    let robots = app.get("/robots.txt").await.text().await.unwrap();
    let lines: Vec<&str> = robots.lines().collect();
    assert!(lines.contains(&"Disallow: /admin"));
    assert!(lines.contains(&"Disallow: /api"));
    assert!(lines.contains(&format!("Sitemap: {PUBLIC_URL}/sitemap.xml").as_str()));
}

#[tokio::test]
async fn pages_are_gzipped_and_the_home_page_is_small() {
    let app = TestApp::spawn().await;
    let mut total = 0;
    let home = app
        .client
        .get(app.url("/"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(home.headers()["content-encoding"], "gzip");
    let html_bytes = home.bytes().await.unwrap();
    total += html_bytes.len();
    let page = Page::from(app.get("/").await).await;
    assert!(page.all("script[src]").is_empty());
    for link in page.all(r#"link[rel="stylesheet"], link[rel="icon"]"#) {
        let href = link.value().attr("href").unwrap();
        assert!(
            href.starts_with("/static/"),
            "no third-party request: {href}"
        );
        let response = app
            .client
            .get(app.url(href))
            .header("accept-encoding", "gzip")
            .send()
            .await
            .unwrap();
        let cache = response.headers()["cache-control"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(cache.contains("max-age=31536000"), "{href}: {cache}");
        total += response.bytes().await.unwrap().len();
    }
    assert!(total <= 60 * 1024, "home page transfers {total} bytes");
    let all_html = app.get("/").await.text().await.unwrap();
    assert!(!all_html.contains("@font-face") && !all_html.contains("fonts.googleapis"));
}

/// GETs `path` with `Accept-Encoding: accept`; returns the response's
/// headers, the bytes sent, and the body (unzipped when it is gzip).
async fn get_decoded(
    app: &TestApp,
    path: &str,
    accept: &str,
) -> (reqwest::header::HeaderMap, usize, String) {
    use std::io::Read;
    let response = app
        .client
        .get(app.url(path))
        .header("accept-encoding", accept)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{path}");
    let headers = response.headers().clone();
    let bytes = response.bytes().await.unwrap();
    let mut text = String::new();
    if headers.get("content-encoding").is_some_and(|v| v == "gzip") {
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut text)
            .expect("a valid gzip body");
    } else {
        text = String::from_utf8(bytes.to_vec()).unwrap();
    }
    (headers, bytes.len(), text)
}

/// A guide page without its view count, which changes with every GET.
fn without_views(html: &str) -> String {
    let (before, rest) = html.split_once(r#"id="views">"#).unwrap();
    let (_, after) = rest.split_once("</span>").unwrap();
    format!("{before}{after}")
}

#[tokio::test]
async fn fixed_pages_static_files_and_the_sitemap_are_served_gzipped_when_asked() {
    let app = TestApp::spawn().await;
    let page = Page::from(app.get("/").await).await;
    let css = page.attr(r#"link[rel="stylesheet"]"#, "href").unwrap();
    for path in [
        "/",
        "/guide",
        "/guide/process",
        "/self-test",
        css.as_str(),
        "/sitemap.xml",
    ] {
        let (headers, sent, zipped) = get_decoded(&app, path, "gzip, deflate, br").await;
        assert_eq!(headers["content-encoding"], "gzip", "{path}");
        assert_eq!(headers["vary"], "accept-encoding", "{path}");
        assert!(
            sent * 2 < zipped.len(),
            "{path}: {sent} of {}",
            zipped.len()
        );

        let (headers, _, plain) = get_decoded(&app, path, "gzip;q=0, identity").await;
        assert!(headers.get("content-encoding").is_none(), "{path}");
        assert_eq!(headers["vary"], "accept-encoding", "{path}");
        if path.starts_with("/guide/") {
            let views = |html: &str| Page(scraper::Html::parse_document(html)).text("#views");
            assert_eq!(
                (views(&zipped), views(&plain)),
                ("1 浏览".into(), "2 浏览".into())
            );
            assert_eq!(without_views(&zipped), without_views(&plain));
        } else {
            assert_eq!(zipped, plain, "{path}");
        }
    }
}

#[tokio::test]
async fn every_article_lists_its_sources_and_the_faq_answers_25_questions() {
    let app = TestApp::spawn().await;
    let guides = hujifen::guides::Guides::load(
        &hujifen::scoring::ReferenceWages::bundled(),
        time::macros::date!(2026 - 12 - 02),
    )
    .unwrap();
    for guide in guides.all() {
        let page = Page::from(app.get(&guide.path()).await).await;
        let sources = page.all("#sources li a[href^=http]");
        assert!(!sources.is_empty(), "{} lists its sources", guide.slug);
        let times = page.all(".article-meta time");
        assert_eq!(
            times[1].value().attr("datetime"),
            Some(guide.updated.to_string().as_str()),
            "{} shows its update date",
            guide.slug
        );
    }
    let faq = Page::from(app.get("/guide/faq").await).await;
    let questions = json_ld(&faq)
        .into_iter()
        .find(|b| b["@type"] == "FAQPage")
        .expect("FAQPage JSON-LD")["mainEntity"]
        .as_array()
        .unwrap()
        .clone();
    assert!(questions.len() >= 25, "{} questions", questions.len());
    for question in &questions {
        assert!(
            !question["acceptedAnswer"]["text"]
                .as_str()
                .unwrap_or_default()
                .is_empty(),
            "{question}"
        );
    }
    let text: String = questions.iter().map(|q| q["name"].to_string()).collect();
    for topic in ["续", "换工作", "中考", "档案", "非全日制"] {
        assert!(text.contains(topic), "the FAQ asks about {topic}");
    }
}

#[tokio::test]
async fn the_children_article_is_reached_from_home_and_every_result() {
    let app = TestApp::spawn().await;
    let article = app.get("/guide/children-school").await;
    assert_eq!(article.status(), 200);
    let article = Page::from(article).await;
    assert_eq!(
        article.text("h1"),
        "孩子在上海中考、高考：积分要提前多久准备"
    );
    assert!(
        article.text(".prose").contains("5月"),
        "the early-May deadline"
    );
    let home = Page::from(app.get("/").await).await;
    assert!(home.has(r#"main a[href="/guide/children-school"]"#));
    for (answers, verdict, more) in [
        (
            vec![
                ("age", "30"),
                ("education", "bachelor_degree"),
                ("insurance_months", "24"),
            ],
            "reached",
            "/guide/process",
        ),
        (
            vec![("age", "30"), ("education", "college")],
            "short",
            "/guide/bonus-indicators",
        ),
        (
            vec![("age", "61"), ("education", "doctor")],
            "blocked",
            "/guide/eligibility",
        ),
    ] {
        let mut answers = answers;
        answers.push(("contribution_tier", "none"));
        answers.push(("insurance_months", "24"));
        let response = app.post_form("/self-test", &answers).await;
        let path = crate::helpers::location(&response);
        let page = Page::from(app.get(&path).await).await;
        assert_eq!(
            page.attr("#verdict", "data-verdict").as_deref(),
            Some(verdict)
        );
        assert!(
            page.has(r#"#guides a[href="/guide/children-school"]"#),
            "{verdict}"
        );
        assert!(
            page.has(&format!(r#"#guides a[href="{more}"]"#)),
            "{verdict}: {more}"
        );
    }
}
