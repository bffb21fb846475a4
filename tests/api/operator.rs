//! A site that says who runs it: the operator, its ICP number and contact in
//! every public footer and on `/privacy`; the share card and Open Graph tags
//! a pasted link shows; offers that say a phone is needed; and what we hold
//! for a visitor as a table that reads on a phone.

use crate::helpers::{PUBLIC_URL, Page, TestApp, location, text_of};

const OPERATOR: &str = "上海某某咨询有限公司";
const ICP: &str = "沪ICP备12345678号-1";
const CONTACT: &str = "kefu@hujifen.example";

async fn app_with_operator() -> TestApp {
    TestApp::spawn_with(&[
        ("HUJIFEN_OPERATOR", OPERATOR),
        ("HUJIFEN_ICP", ICP),
        ("HUJIFEN_CONTACT", CONTACT),
    ])
    .await
}

/// Pages a visitor reaches, including an error page.
const FOOTER_PATHS: [&str; 9] = [
    "/",
    "/self-test",
    "/guide",
    "/guide/faq",
    "/consultation",
    "/privacy",
    "/privacy/requests",
    "/rules",
    "/no-such-page",
];

#[tokio::test]
async fn every_public_footer_names_the_operator_its_icp_number_and_contact() {
    let app = app_with_operator().await;
    for path in FOOTER_PATHS {
        let page = Page::from(app.get(path).await).await;
        assert_eq!(page.text("footer .operator-name"), OPERATOR, "{path}");
        assert_eq!(page.text("footer .operator-contact"), CONTACT, "{path}");
        let icp = page.one("footer a.icp");
        assert_eq!(text_of(icp), ICP, "{path}");
        assert_eq!(
            icp.value().attr("href"),
            Some("https://beian.miit.gov.cn/"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn without_the_settings_the_operator_lines_are_left_out() {
    let app = TestApp::spawn().await;
    for path in FOOTER_PATHS {
        let page = Page::from(app.get(path).await).await;
        assert!(page.has("footer"), "{path}");
        assert!(!page.has("footer .operator"), "{path}");
        assert!(!page.has("a.icp"), "{path}");
    }
    let privacy = Page::from(app.get("/privacy").await).await;
    assert!(!privacy.has("#processor-name") && !privacy.has("#processor-contact"));
    assert!(privacy.text("#who + p").contains("沪积分网站的运营者"));
}

#[tokio::test]
async fn one_setting_alone_shows_alone() {
    let app = TestApp::spawn_with(&[("HUJIFEN_ICP", ICP)]).await;
    let page = Page::from(app.get("/").await).await;
    assert_eq!(page.text("footer a.icp"), ICP);
    assert!(!page.has("footer .operator-name") && !page.has("footer .operator-contact"));
}

#[tokio::test]
async fn privacy_names_the_processor_and_how_to_reach_it() {
    let app = app_with_operator().await;
    let page = Page::from(app.get("/privacy").await).await;
    assert_eq!(page.text("#processor-name"), OPERATOR);
    assert_eq!(page.text("#processor-contact"), CONTACT);
    let who = page.text("#who + p");
    assert!(who.contains(&format!("运营者{OPERATOR}")), "{who}");
}

#[tokio::test]
async fn settings_are_trimmed_and_shown_as_text_never_as_markup() {
    let name = r#"<script>alert("x")</script>某某 & 公司"#;
    let app = TestApp::spawn_with(&[("HUJIFEN_OPERATOR", &format!("  {name}  "))]).await;
    let page = Page::from(app.get("/privacy").await).await;
    assert_eq!(page.text("footer .operator-name"), name);
    assert_eq!(page.text("#processor-name"), name);
    assert!(!page.has("footer script") && !page.has("#who + p script"));
}

/// The path of an absolute URL on the test app's public address.
fn path_of(url: &str) -> &str {
    url.strip_prefix(PUBLIC_URL)
        .unwrap_or_else(|| panic!("{url} is on {PUBLIC_URL}"))
}

/// Every page in the sitemap, the pages the brief names, and a result.
async fn public_paths(app: &TestApp) -> Vec<String> {
    let xml = app.get("/sitemap.xml").await.text().await.unwrap();
    let document = scraper::Html::parse_fragment(&xml);
    let selector = scraper::Selector::parse("loc").unwrap();
    let mut paths: Vec<String> = document
        .select(&selector)
        .map(|loc| path_of(&text_of(loc)).to_string())
        .collect();
    assert!(paths.len() > 10, "the guides are in the sitemap: {paths:?}");
    let answers = [
        ("age", "30"),
        ("education", "bachelor_degree"),
        ("insurance_months", "24"),
        ("contribution_tier", "none"),
    ];
    let result = app.post_form("/self-test", &answers).await;
    assert_eq!(result.status(), 303);
    for path in ["/self-test", "/consultation", "/privacy", "/rules"] {
        paths.push(path.to_string());
    }
    paths.push(location(&result));
    paths
}

fn meta(page: &Page, path: &str, attribute: &str, name: &str) -> String {
    let found = page.all(&format!(r#"head meta[{attribute}="{name}"]"#));
    assert_eq!(found.len(), 1, "{path}: one {name}");
    found[0].value().attr("content").unwrap_or("").to_string()
}

#[tokio::test]
async fn every_public_page_has_a_title_a_description_and_the_share_card() {
    let app = TestApp::spawn().await;
    let mut cards = Vec::new();
    for path in public_paths(&app).await {
        let response = app.get(&path).await;
        assert_eq!(response.status(), 200, "{path}");
        let page = Page::from(response).await;
        let og = |name: &str| meta(&page, &path, "property", name);
        assert_eq!(og("og:title"), page.text("title"), "{path}");
        assert!(og("og:description").chars().count() >= 10, "{path}");
        assert_eq!(og("og:site_name"), "沪积分", "{path}");
        assert!(
            ["website", "article"].contains(&og("og:type").as_str()),
            "{path}"
        );
        assert_eq!(path_of(&og("og:url")), path, "{path}");
        assert_eq!(og("og:image:width"), "1200", "{path}");
        assert_eq!(og("og:image:height"), "630", "{path}");
        assert_eq!(og("og:image:type"), "image/png", "{path}");
        assert!(!og("og:image:alt").is_empty(), "{path}");
        let twitter = meta(&page, &path, "name", "twitter:card");
        assert_eq!(twitter, "summary_large_image", "{path}");
        cards.push(og("og:image"));
    }
    cards.dedup();
    assert_eq!(cards.len(), 1, "one card for the site: {cards:?}");
    let card = path_of(&cards[0]);
    assert!(
        card.starts_with("/static/img/share-card.") && card.ends_with(".png"),
        "{card}"
    );
}

#[tokio::test]
async fn the_share_card_is_a_1200_by_630_png_cached_for_a_year() {
    let app = TestApp::spawn().await;
    let home = Page::from(app.get("/").await).await;
    let card = meta(&home, "/", "property", "og:image");
    let response = app
        .client
        .get(app.url(path_of(&card)))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "image/png");
    let cache = headers["cache-control"].to_str().unwrap();
    assert!(
        cache.contains("max-age=31536000") && cache.contains("immutable"),
        "{cache}"
    );
    assert!(
        headers.get("content-encoding").is_none(),
        "a PNG is not gzipped again"
    );
    let png = response.bytes().await.unwrap();
    // The signature, then the IHDR chunk: length, type, width, height.
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
    assert_eq!(&png[12..16], b"IHDR");
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
    assert_eq!((width, height), (1200, 630));
    // The plain name serves the same bytes, cached briefly.
    let plain = app.get("/static/img/share-card.png").await;
    assert!(
        plain.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age=300")
    );
    assert_eq!(plain.bytes().await.unwrap(), png);
}

#[tokio::test]
async fn the_offers_say_a_mainland_mobile_is_needed() {
    let app = TestApp::spawn().await;
    for (path, list) in [("/", "main .offers"), ("/guide/faq", ".side .offers")] {
        let page = Page::from(app.get(path).await).await;
        let note = page.text(&format!("{list} .offers-phone"));
        assert!(
            note.contains("电话") && note.contains("中国大陆手机号"),
            "{path}: {note}"
        );
    }
    for interest in ["callback", "guide", "materials", "planning", "news"] {
        let page = Page::from(app.get(&format!("/consultation?interest={interest}")).await).await;
        let intro = page.text("main .lead");
        assert!(
            intro.contains("中国大陆手机号") && intro.contains("回电"),
            "{interest}: {intro}"
        );
    }
}

#[tokio::test]
async fn what_we_hold_is_a_table_with_column_and_row_headings() {
    const PHONE: &str = "13912345678";
    let app = TestApp::spawn_with(&[("HUJIFEN_SMS_PHONE_INTERVAL_SECS", "1")]).await;
    let lead = app
        .leave_callback("/consultation", "李四", PHONE, &[])
        .await;
    assert_eq!(lead.status(), 303);
    // The first code went into the callback; the next may follow a second on.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    app.request_code(PHONE).await;
    let view = app
        .post_form(
            "/privacy/requests",
            &[
                ("phone", PHONE),
                ("code", &app.last_code_for(PHONE)),
                ("action", "view"),
            ],
        )
        .await;
    assert_eq!(view.status(), 200);
    let page = Page::from(view).await;
    let columns: Vec<String> = page
        .all(r#"table.held thead th[scope="col"]"#)
        .into_iter()
        .map(text_of)
        .collect();
    assert_eq!(columns.len(), 9, "{columns:?}");
    assert_eq!(columns[0], "称呼");
    let row = page.one(r#"table.held tbody th[scope="row"]"#);
    assert!(text_of(row).starts_with('李') && text_of(row).contains('*'));
    // Every cell carries its heading for the narrow-screen cards.
    let labels: Vec<&str> = page
        .all("table.held tbody tr > *")
        .into_iter()
        .map(|cell| cell.value().attr("data-label").unwrap_or(""))
        .collect();
    assert_eq!(labels, columns);
    assert!(page.all("[style]").is_empty(), "no inline styles (CSP)");
}
