//! HTML snapshots of the self-test form and the result pages, so that a
//! refactoring that changes what a visitor sees shows up as a diff.
//!
//! The snapshot is an outline of `<main>`: one line per element with its
//! attributes, one line per text run. What changes per request or per day
//! (tokens, today's date) is replaced by a placeholder. After an intended
//! change, review and accept with `cargo insta review` (or delete the
//! `.snap` file and rerun the test with `INSTA_UPDATE=always`).

use scraper::{ElementRef, Node};

use crate::helpers::{Page, TestApp, location};

/// One line per element and per text run, indented by depth.
fn outline(element: ElementRef<'_>) -> String {
    let mut lines = Vec::new();
    walk(element, 0, &mut lines);
    lines.join("\n")
}

fn walk(element: ElementRef<'_>, depth: usize, lines: &mut Vec<String>) {
    let indent = "  ".repeat(depth);
    let value = element.value();
    let mut attributes: Vec<(&str, &str)> = value.attrs().collect();
    attributes.sort();
    let attributes: String = attributes
        .iter()
        .map(|(name, value)| format!(" {name}=\"{}\"", unhashed(value)))
        .collect();
    lines.push(format!("{indent}<{}{attributes}>", value.name()));
    for child in element.children() {
        match child.value() {
            Node::Element(_) => {
                if let Some(child) = ElementRef::wrap(child) {
                    walk(child, depth + 1, lines);
                }
            }
            Node::Text(text) => {
                let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
                if !text.is_empty() {
                    lines.push(format!("{indent}  {text}"));
                }
            }
            _ => {}
        }
    }
}

/// A static file's URL without its content hash (`errors.4ba00490.js` ->
/// `errors.js`), so editing a script does not change every snapshot.
fn unhashed(value: &str) -> String {
    if !value.starts_with("/static/") {
        return value.to_string();
    }
    let parts: Vec<&str> = value.split('.').collect();
    match parts.as_slice() {
        [stem @ .., hash, extension]
            if hash.len() == 8 && hash.bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            format!("{}.{extension}", stem.join("."))
        }
        _ => value.to_string(),
    }
}

/// Replaces what differs between runs: the result token, form tokens and
/// today's date in the forms the pages write it.
fn normalise(outline: String, token: Option<&str>) -> String {
    let today = hujifen::clock::shanghai_today();
    let mut text = outline
        .replace(&today.to_string(), "[today]")
        .replace(&hujifen::scoring::wages::chinese_date(today), "[today]");
    if let Some(token) = token {
        text = text.replace(token, "[token]");
    }
    text.lines()
        .map(|line| {
            if RANDOM_FIELDS
                .iter()
                .any(|name| line.contains(&format!("name=\"{name}\"")))
            {
                redact_value(line)
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Hidden fields whose value is drawn afresh for every page.
const RANDOM_FIELDS: [&str; 3] = ["csrf", "form_token", "idempotency_key"];

fn redact_value(line: &str) -> String {
    match line.find(" value=\"") {
        Some(start) => {
            let rest = &line[start + 8..];
            let end = rest.find('"').unwrap_or(rest.len());
            format!(
                "{} value=\"[redacted]\"{}",
                &line[..start],
                &rest[end + 1..]
            )
        }
        None => line.to_string(),
    }
}

async fn result_outline(app: &TestApp, answers: &[(&str, &str)]) -> String {
    let response = app.post_form("/self-test", answers).await;
    assert_eq!(response.status(), 303, "the answers are valid");
    let target = location(&response);
    let token = target.trim_start_matches("/self-test/").to_string();
    let page = Page::from(app.get(&target).await).await;
    normalise(outline(page.one("main")), Some(&token))
}

#[tokio::test]
async fn the_self_test_form() {
    let app = TestApp::spawn().await;
    let page = Page::from(app.get("/self-test").await).await;
    insta::assert_snapshot!(normalise(outline(page.one("main")), None));
}

#[tokio::test]
async fn a_result_that_reaches_the_standard() {
    let app = TestApp::spawn().await;
    let outline = result_outline(
        &app,
        &[
            ("age", "32"),
            ("education", "master"),
            ("qualification", "none"),
            ("insurance_months", "36"),
            ("contribution_tier", "x1"),
            ("base_duration", "most"),
        ],
    )
    .await;
    insta::assert_snapshot!(outline);
}

#[tokio::test]
async fn a_result_short_of_the_standard() {
    let app = TestApp::spawn().await;
    let outline = result_outline(
        &app,
        &[
            ("age", "44"),
            ("education", "college"),
            ("qualification", "intermediate_title"),
            ("qualification_base_met", "unknown"),
            ("insurance_months", "30"),
            ("contribution_tier", "none"),
            ("base_duration", "most"),
            ("shortage_major", "unknown"),
        ],
    )
    .await;
    insta::assert_snapshot!(outline);
}
