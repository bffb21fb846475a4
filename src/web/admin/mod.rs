//! The advisors' workspace under `/admin`: login, today's queue, leads,
//! advisors. Every page needs a session; every POST a CSRF token (the site
//! middleware already refused other origins).

pub mod advisors;
pub mod auth;
pub mod flash;
pub mod lead_actions;
pub mod lead_form;
pub mod lead_page;
pub mod lead_view;
pub mod leads;
pub mod queue;
pub mod signed_in;

use actix_web::web;
use sha2::{Digest, Sha256};

use super::AppState;

pub use signed_in::{ABSOLUTE_SECONDS, Admin, IDLE_SECONDS, SignedForm, SignedIn};

pub fn routes(config: &mut web::ServiceConfig) {
    config
        .service(
            web::resource("/admin/login")
                .route(web::get().to(auth::login_form))
                .route(web::post().to(auth::login)),
        )
        .service(web::resource("/admin/logout").route(web::post().to(auth::logout)))
        .service(web::resource("/admin").route(web::get().to(queue::today)))
        .service(web::resource("/admin/leads").route(web::get().to(leads::list)))
        .service(web::resource("/admin/leads.csv").route(web::get().to(leads::csv)))
        .service(web::resource("/admin/leads/{id}").route(web::get().to(leads::detail)))
        .service(
            web::resource("/admin/leads/{id}/reveal").route(web::post().to(lead_actions::reveal)),
        )
        .service(
            web::resource("/admin/leads/{id}/calls").route(web::post().to(lead_actions::log_call)),
        )
        .service(
            web::resource("/admin/leads/{id}/notes").route(web::post().to(lead_actions::add_note)),
        )
        .service(
            web::resource("/admin/leads/{id}/status")
                .route(web::post().to(lead_actions::set_status)),
        )
        .service(
            web::resource("/admin/leads/{id}/assign").route(web::post().to(lead_actions::assign)),
        )
        .service(
            web::resource("/admin/leads/{id}/follow-up")
                .route(web::post().to(lead_actions::set_follow_up)),
        )
        .service(
            web::resource("/admin/leads/{id}/{action}")
                .route(web::post().to(lead_actions::unknown)),
        )
        .service(
            web::resource("/admin/advisors")
                .route(web::get().to(advisors::list))
                .route(web::post().to(advisors::add)),
        )
        .service(
            web::resource("/admin/advisors/{id}/disable").route(web::post().to(advisors::disable)),
        )
        .service(
            web::resource("/admin/advisors/{id}/password")
                .route(web::post().to(advisors::reset_password)),
        )
        .service(
            web::resource("/admin/advisors/{id}/{action}").route(web::post().to(advisors::unknown)),
        );
}

/// The admin layout's header: who is signed in, and the logout form.
pub struct Chrome {
    pub title: String,
    pub user: Option<ChromeUser>,
}

pub struct ChromeUser {
    pub display_name: String,
    pub is_admin: bool,
    pub csrf: String,
}

impl Chrome {
    /// Pages shown before login, or by the error handler.
    pub fn anonymous(title: &str) -> Self {
        Self {
            title: format!("{title} - 沪积分顾问后台"),
            user: None,
        }
    }
}

pub fn cookie_name(state: &AppState) -> &'static str {
    if state.settings.server.is_https() {
        "__Host-hujifen_session"
    } else {
        "hujifen_session"
    }
}

/// What the database keeps of a session id.
pub fn session_hash(session_id: &str) -> String {
    crate::secrets::hex(&Sha256::digest(session_id.as_bytes()))
}

/// "2026-11-28 14:05" in Shanghai time, from stored UTC ISO text.
pub fn local_time(iso: &str) -> String {
    time::OffsetDateTime::parse(iso, &time::format_description::well_known::Rfc3339)
        .map(|t| {
            let t = t.to_offset(time::macros::offset!(+8));
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02}",
                t.year(),
                t.month() as u8,
                t.day(),
                t.hour(),
                t.minute()
            )
        })
        .unwrap_or_else(|_| iso.to_string())
}
