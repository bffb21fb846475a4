//! Plain pages: home, health, not found.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::layout::{OFFERS, Offer, PageMeta, SITE_NAME, Site};
use super::precompressed::Precompressed;
use super::{AppError, AppState, HTML};
use crate::guides::{Guide, Guides};

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage<'a> {
    meta: PageMeta,
    offers: &'static [Offer],
    latest: Vec<&'a Guide>,
}

/// The home page changes only with a release: rendered and gzipped at start.
pub fn render_home(site: &Arc<Site>, guides: &Guides) -> anyhow::Result<Precompressed> {
    let page = HomePage {
        meta: PageMeta::public(
            site,
            "/",
            format!("{SITE_NAME} · 30秒测一测，你的上海居住证积分够120分吗？"),
            "按《上海市居住证积分管理办法》逐项计算年龄、学历、职称、社保年限和基数等指标，30秒得出你的积分和差距，并讲清申请条件、流程和材料。",
        ),
        offers: &OFFERS,
        latest: guides.latest(6),
    };
    Ok(Precompressed::new(page.render()?))
}

pub async fn home(state: web::Data<AppState>, request: HttpRequest) -> HttpResponse {
    state.fixed_pages.home.respond(&request, HTML, None)
}

/// 200 only when the database answers.
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    if crate::db::is_healthy(&state.db).await {
        HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .body("ok")
    } else {
        HttpResponse::ServiceUnavailable()
            .content_type("text/plain; charset=utf-8")
            .body("database unavailable")
    }
}

/// Readiness for a load balancer: 200 while this instance takes new
/// traffic, 503 from SIGTERM on (the drain period), while every other
/// request is still served. Liveness, the database, is `/healthz`.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let (mut response, body) = if state.ready.load(Ordering::Relaxed) {
        (HttpResponse::Ok(), "ok")
    } else {
        (HttpResponse::ServiceUnavailable(), "draining")
    };
    response
        .content_type("text/plain; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body)
}

pub async fn not_found() -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound)
}
