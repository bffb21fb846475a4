//! The guide pages: `/guide` and `/guide/{slug}`.

use actix_web::http::Method;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde_json::json;

use std::collections::HashMap;
use std::sync::Arc;

use super::layout::{OFFERS, Offer, PageMeta, SITE_NAME, Site};
use super::precompressed::{GzipSplice, Precompressed, Spliced, encoded, wants_gzip};
use super::{AppError, AppState, HTML};
use crate::guides::{Guide, Guides, Section};

pub use crate::scoring::wages::chinese_date;

#[derive(Template)]
#[template(path = "guide/article.html")]
struct ArticlePage<'a> {
    meta: PageMeta,
    guide: &'a Guide,
    sections: &'a [Section],
    views: u64,
    published: String,
    updated: String,
    related: Vec<&'a Guide>,
    offers: &'static [Offer],
}

/// A guide page rendered once at start, split where the view count goes:
/// serving it is the pieces around a number, plain or gzipped.
pub struct RenderedGuide {
    before_views: web::Bytes,
    after_views: web::Bytes,
    gzip: GzipSplice,
}

/// Stands in for the view count while rendering; cannot occur in an article.
const VIEWS_PLACEHOLDER: u64 = u64::MAX;

fn article_page<'a>(
    site: &Arc<Site>,
    guides: &'a Guides,
    guide: &'a Guide,
    views: u64,
) -> ArticlePage<'a> {
    let path = guide.path();
    let canonical = format!("{}{path}", site.public_url);
    let mut meta = PageMeta::public(
        site,
        &path,
        format!("{} - {SITE_NAME}", guide.title),
        guide.description.clone(),
    )
    .article()
    .with_json_ld(&json!({
        "@context": "https://schema.org",
        "@type": "Article",
        "headline": guide.title,
        "description": guide.description,
        "datePublished": guide.published.to_string(),
        "dateModified": guide.updated.to_string(),
        "inLanguage": "zh-CN",
        "mainEntityOfPage": canonical,
        "author": {"@type": "Organization", "name": SITE_NAME},
        "publisher": {"@type": "Organization", "name": SITE_NAME},
    }));
    if !guide.faqs.is_empty() && guide.slug == "faq" {
        let questions: Vec<_> = guide
            .faqs
            .iter()
            .map(|faq| {
                json!({
                    "@type": "Question",
                    "name": faq.question,
                    "acceptedAnswer": {"@type": "Answer", "text": faq.answer},
                })
            })
            .collect();
        meta = meta.with_json_ld(&json!({
            "@context": "https://schema.org",
            "@type": "FAQPage",
            "mainEntity": questions,
        }));
    }
    ArticlePage {
        meta,
        guide,
        sections: &guide.sections,
        views,
        published: chinese_date(guide.published),
        updated: chinese_date(guide.updated),
        related: guides.related(guide),
        offers: &OFFERS,
    }
}

/// Renders every guide page once (at start), keyed by its path.
pub fn prerender(
    site: &Arc<Site>,
    guides: &Guides,
) -> anyhow::Result<HashMap<String, RenderedGuide>> {
    let mut pages = HashMap::new();
    for guide in guides.all() {
        let html = article_page(site, guides, guide, VIEWS_PLACEHOLDER).render()?;
        let marker = VIEWS_PLACEHOLDER.to_string();
        let (before, after) = html
            .split_once(&marker)
            .ok_or_else(|| anyhow::anyhow!("{}: no place for the view count", guide.slug))?;
        pages.insert(
            guide.path(),
            RenderedGuide {
                before_views: web::Bytes::copy_from_slice(before.as_bytes()),
                after_views: web::Bytes::copy_from_slice(after.as_bytes()),
                gzip: GzipSplice::new(before.as_bytes(), after.as_bytes()),
            },
        );
    }
    Ok(pages)
}

/// A guide page: its route is its own path (see `routes`).
pub async fn article(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, AppError> {
    // The page's path is its key here and the key of its view count.
    let (path, page) = state
        .guide_pages
        .get_key_value(request.match_info().as_str())
        .ok_or(AppError::NotFound)?;
    let views = if request.method() == Method::GET {
        state.views.record(path)
    } else {
        state.views.total(path)
    };
    let count = web::Bytes::from(views.to_string());
    let gzip = wants_gzip(&request);
    let body = if gzip {
        page.gzip.with_middle(&count)
    } else {
        Spliced::new([
            page.before_views.clone(),
            count,
            page.after_views.clone(),
            web::Bytes::new(),
        ])
    };
    Ok(encoded(gzip, HTML, None, body))
}

#[derive(Template)]
#[template(path = "guide/index.html")]
struct IndexPage<'a> {
    meta: PageMeta,
    guides: &'a [Guide],
    offers: &'static [Offer],
}

/// The guide index changes only with a release: rendered and gzipped at start.
pub fn render_index(site: &Arc<Site>, guides: &Guides) -> anyhow::Result<Precompressed> {
    let page = IndexPage {
        meta: PageMeta::public(
            site,
            "/guide",
            format!("上海居住证积分政策指南：条件、流程、材料与计分 - {SITE_NAME}"),
            "上海居住证积分政策解读合集：申请条件、办理流程、所需材料、各项指标怎么计分、社保基数与社平工资、常见问题。",
        ),
        guides: guides.all(),
        offers: &OFFERS,
    };
    Ok(Precompressed::new(page.render()?))
}

pub async fn index(state: web::Data<AppState>, request: HttpRequest) -> HttpResponse {
    state.fixed_pages.guide_index.respond(&request, HTML, None)
}
