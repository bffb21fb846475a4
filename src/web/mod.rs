//! HTTP: actix handlers by area, their template structs beside them.
//! Handlers are thin: parse, call the domain, persist, render.

pub mod admin;
pub mod api;
pub mod assets;
mod body;
pub mod callback_form;
pub mod client_ip;
pub mod consultations;
pub mod error;
#[cfg(test)]
mod fuzz_tests;
pub mod guides;
pub mod layout;
pub mod middleware;
pub mod pages;
pub mod precompressed;
pub mod privacy;
pub mod quiet_log;
pub mod rules;
pub mod self_test;
pub mod seo;
pub mod share_image;

use actix_web::http::StatusCode;
use actix_web::middleware::Compress;
use actix_web::{HttpResponse, guard, web};
use askama::Template;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use tokio::sync::Notify;

use crate::guides::Guides;
use crate::leads::workdays::Calendar;
use crate::notify::sms::SmsSender;
use crate::secrets::Secrets;
use crate::settings::Settings;
use crate::views::ViewCounter;
pub use error::AppError;

/// What every handler can reach.
pub struct AppState {
    pub db: crate::db::Db,
    pub settings: Settings,
    /// The address, operator and share card every page shows.
    pub site: Arc<layout::Site>,
    pub guides: Guides,
    /// Every guide page, rendered at start.
    /// Keyed by path ("/guide/faq").
    pub guide_pages: std::collections::HashMap<String, guides::RenderedGuide>,
    /// Pages the same for every visitor, rendered and gzipped at start.
    pub fixed_pages: FixedPages,
    pub views: ViewCounter,
    /// Built once at start.
    pub sitemap: precompressed::Precompressed,
    pub robots: web::Bytes,
    pub secrets: Secrets,
    pub sms: Arc<dyn SmsSender>,
    /// Wakes the email worker when a lead is stored.
    pub outbox_wake: Arc<Notify>,
    /// Working days, for the callback promise.
    pub calendar: Calendar,
    /// The group-commit writers of callback requests and self-test results.
    pub leads: crate::db::leads::LeadWriter,
    pub assessments: crate::db::assessments::AssessmentWriter,
    /// Bounds password hashing (admin logins).
    pub logins: Arc<admin::auth::LoginLimiter>,
    /// Warnings a client can repeat at will, one line a minute each.
    pub quiet_log: crate::web::quiet_log::QuietLog,
    /// Self-test results stored per client and network (in memory).
    pub results_stored: std::sync::Mutex<crate::leads::client_windows::ClientWindows>,
    /// True while the instance takes new traffic: cleared on SIGTERM, so
    /// `/readyz` fails while the load balancer drains it.
    pub ready: Arc<AtomicBool>,
}

/// Every route. `guide_paths` are the guide pages' paths: each is a route
/// of its own, matched by comparing strings, so the busiest pages cost no
/// pattern matching (a `{slug}` pattern runs a regex for every route tried).
pub fn routes(config: &mut web::ServiceConfig, guide_paths: &[String]) {
    // The pages made and gzipped at start negotiate their own encoding: they
    // sit outside `Compress`, which cost a guide page 5-8% of its
    // throughput even when it left the response alone.
    for path in guide_paths {
        config.service(web::resource(path.as_str()).route(read().to(guides::article)));
    }
    config
        .service(web::resource("/").route(read().to(pages::home)))
        .service(web::resource("/guide").route(read().to(guides::index)))
        .service(web::resource("/rules").route(read().to(rules::show)))
        .service(web::resource("/sitemap.xml").route(read().to(seo::sitemap)))
        .service(web::resource("/static/{path:.*}").route(read().to(assets::serve)))
        .service(
            web::scope("")
                .wrap(Compress::default())
                .configure(dynamic_routes),
        )
        .default_service(web::to(pages::not_found));
}

/// The pages rendered per request, compressed as they go.
fn dynamic_routes(config: &mut web::ServiceConfig) {
    config
        .service(web::resource("/healthz").route(read().to(pages::healthz)))
        .service(web::resource("/readyz").route(read().to(pages::readyz)))
        .service(
            web::resource("/self-test")
                .route(read().to(self_test::form))
                .route(web::post().to(self_test::submit)),
        )
        .service(web::resource("/self-test/{token}").route(read().to(self_test::result)))
        .service(web::resource("/consultation").route(read().to(consultations::show)))
        .service(
            web::resource("/verification-codes/challenge")
                .route(read().to(consultations::challenge)),
        )
        .service(
            web::resource("/verification-codes").route(web::post().to(consultations::send_code)),
        )
        .service(web::resource("/consultations").route(web::post().to(consultations::submit)))
        .service(web::resource("/consultations/thanks").route(read().to(consultations::thanks)))
        .service(web::resource("/privacy").route(read().to(privacy::show)))
        .service(
            web::resource("/privacy/requests")
                .route(read().to(privacy::requests_form))
                .route(web::post().to(privacy::request)),
        )
        .service(web::resource("/robots.txt").route(read().to(seo::robots)))
        .service(web::resource("/api/v1/assessments").route(web::post().to(api::create_assessment)))
        .configure(admin::routes);
}

/// GET, and HEAD answered the same way (actix sends no body for HEAD).
/// Other methods on a known path get 405 from the resource.
fn read() -> actix_web::Route {
    web::route().guard(guard::Any(guard::Get()).or(guard::Head()))
}

pub use crate::clock::shanghai_today;

/// Pages that change only with a release.
pub struct FixedPages {
    pub home: precompressed::Precompressed,
    pub guide_index: precompressed::Precompressed,
    pub self_test_form: precompressed::Precompressed,
    pub rules: precompressed::Precompressed,
}

impl FixedPages {
    pub fn render(
        settings: &Settings,
        site: &Arc<layout::Site>,
        guides: &Guides,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            home: pages::render_home(site, guides)?,
            guide_index: guides::render_index(site, guides)?,
            self_test_form: self_test::render_form(settings, site)?,
            rules: rules::render_rules(settings, site, shanghai_today())?,
        })
    }
}

pub const HTML: &str = "text/html; charset=utf-8";

/// Renders a page with a status.
pub fn render(status: StatusCode, page: &impl Template) -> Result<HttpResponse, AppError> {
    let html = page
        .render()
        .map_err(|error| AppError::Internal(error.into()))?;
    Ok(HttpResponse::build(status).content_type(HTML).body(html))
}

/// Renders a page that holds a visitor's answers or a form key: never cached.
pub fn render_private(status: StatusCode, page: &impl Template) -> Result<HttpResponse, AppError> {
    let mut response = render(status, page)?;
    response.headers_mut().insert(
        actix_web::http::header::CACHE_CONTROL,
        actix_web::http::header::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

pub use crate::tokens::{looks_like_token, random_token};
