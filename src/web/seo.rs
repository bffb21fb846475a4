//! `/sitemap.xml` and `/robots.txt`, built once at start.

use actix_web::{HttpRequest, HttpResponse, web};

use super::AppState;
use super::precompressed::Precompressed;
use crate::guides::Guides;

pub fn sitemap_xml(public_url: &str, guides: &Guides) -> Precompressed {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    let newest = guides.all().iter().map(|g| g.updated).max();
    let mut add = |path: &str, lastmod: Option<time::Date>| {
        xml.push_str(&format!(
            "  <url><loc>{}{path}</loc>",
            escape_xml(public_url)
        ));
        if let Some(date) = lastmod {
            xml.push_str(&format!("<lastmod>{date}</lastmod>"));
        }
        xml.push_str("</url>\n");
    };
    add("/", newest);
    add("/self-test", None);
    add("/guide", newest);
    add("/rules", None);
    for guide in guides.all() {
        add(&guide.path(), Some(guide.updated));
    }
    xml.push_str("</urlset>\n");
    Precompressed::new(xml)
}

pub fn robots_txt(public_url: &str) -> web::Bytes {
    format!("User-agent: *\nDisallow: /admin\nDisallow: /api\nSitemap: {public_url}/sitemap.xml\n")
        .into()
}

fn escape_xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

pub async fn sitemap(state: web::Data<AppState>, request: HttpRequest) -> HttpResponse {
    state.sitemap.respond(
        &request,
        "application/xml; charset=utf-8",
        Some("public, max-age=3600"),
    )
}

pub async fn robots(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .insert_header(("cache-control", "public, max-age=3600"))
        .body(state.robots.clone())
}
