//! Reading HTML responses with CSS selectors, as a browser would see them.

use reqwest::Response;
use scraper::{ElementRef, Html, Selector};

pub struct Page(pub Html);

impl Page {
    pub async fn from(response: Response) -> Self {
        Page(Html::parse_document(&response.text().await.expect("body")))
    }

    pub fn all(&self, css: &str) -> Vec<ElementRef<'_>> {
        let selector = Selector::parse(css).unwrap_or_else(|_| panic!("selector {css}"));
        self.0.select(&selector).collect()
    }

    pub fn one(&self, css: &str) -> ElementRef<'_> {
        let found = self.all(css);
        assert_eq!(found.len(), 1, "exactly one {css}");
        found[0]
    }

    pub fn has(&self, css: &str) -> bool {
        !self.all(css).is_empty()
    }

    pub fn text(&self, css: &str) -> String {
        text_of(self.one(css))
    }

    pub fn attr(&self, css: &str, name: &str) -> Option<String> {
        self.one(css).value().attr(name).map(String::from)
    }

    /// The hidden fields under `css` (a form), as the browser would send them.
    pub fn hidden_fields(&self, css: &str) -> Vec<(String, String)> {
        self.all(&format!("{css} input[type=hidden]"))
            .into_iter()
            .filter_map(|input| {
                let name = input.value().attr("name")?;
                Some((
                    name.to_string(),
                    input.value().attr("value").unwrap_or("").to_string(),
                ))
            })
            .collect()
    }
}

/// The text of an element, whitespace collapsed.
pub fn text_of(element: ElementRef<'_>) -> String {
    element
        .text()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}
