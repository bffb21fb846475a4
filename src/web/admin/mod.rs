//! The advisors' workspace under `/admin`: login, today's queue, leads,
//! advisors. Every page needs a session; every POST a CSRF token (the site
//! middleware already refused other origins).

pub mod advisors;
pub mod auth;
pub mod leads;
pub mod queue;

use actix_web::{HttpRequest, web};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::body::{BODY_LIMIT, form_fields, read_limited};
use super::{AppError, AppState};
use crate::db;
use crate::db::advisors::Advisor;
use crate::form::RawFields;

/// Idle timeout and absolute lifetime of a session (SECURITY.md).
pub const IDLE_SECONDS: i64 = 30 * 60;
pub const ABSOLUTE_SECONDS: i64 = 8 * 3600;

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
        .service(web::resource("/admin/leads/{id}/{action}").route(web::post().to(leads::act)))
        .service(
            web::resource("/admin/advisors")
                .route(web::get().to(advisors::list))
                .route(web::post().to(advisors::add)),
        )
        .service(
            web::resource("/admin/advisors/{id}/{action}").route(web::post().to(advisors::act)),
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

/// The signed-in advisor of this request.
pub struct Current {
    pub advisor: Advisor,
    pub csrf: String,
}

impl Current {
    pub fn chrome(&self, title: &str) -> Chrome {
        Chrome {
            title: format!("{title} - 沪积分顾问后台"),
            user: Some(ChromeUser {
                display_name: self.advisor.display_name.clone(),
                is_admin: self.advisor.is_admin(),
                csrf: self.csrf.clone(),
            }),
        }
    }

    /// An advisor sees leads assigned to them or to nobody; an admin, all.
    pub fn visible_to(&self) -> Option<i64> {
        (!self.advisor.is_admin()).then_some(self.advisor.id)
    }

    pub fn can_see(&self, advisor_id: Option<i64>) -> bool {
        self.advisor.is_admin() || advisor_id.is_none() || advisor_id == Some(self.advisor.id)
    }

    pub fn require_admin(&self) -> Result<(), AppError> {
        if self.advisor.is_admin() {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The form's token must be this session's, compared in constant time.
    pub fn check_csrf(&self, fields: &RawFields) -> Result<(), AppError> {
        let sent = fields.get("csrf").map_or("", String::as_str);
        if bool::from(sent.as_bytes().ct_eq(self.csrf.as_bytes())) && !sent.is_empty() {
            Ok(())
        } else {
            tracing::warn!(advisor = %self.advisor.username, "admin POST with a bad CSRF token");
            Err(AppError::Forbidden)
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

/// The advisor signed in on this request, or a redirect to the login page.
pub async fn current(state: &AppState, request: &HttpRequest) -> Result<Current, AppError> {
    let cookie = request
        .cookie(cookie_name(state))
        .ok_or(AppError::LoginRequired)?;
    let hash = session_hash(cookie.value());
    let session = db::advisors::session(&state.pool, &hash)
        .await?
        .ok_or(AppError::LoginRequired)?;
    let now = crate::clock::unix_now();
    if now - session.last_seen_at > IDLE_SECONDS || now - session.created_at > ABSOLUTE_SECONDS {
        db::advisors::delete_session(&state.pool, &hash).await?;
        return Err(AppError::LoginRequired);
    }
    let advisor = db::advisors::by_id(&state.pool, session.advisor_id)
        .await?
        .filter(|advisor| advisor.active)
        .ok_or(AppError::LoginRequired)?;
    // One write a minute at most keeps the idle clock honest without a
    // write per page.
    if now - session.last_seen_at >= 60 {
        db::advisors::touch_session(&state.pool, &hash, now).await?;
    }
    Ok(Current {
        advisor,
        csrf: session.csrf_token,
    })
}

/// Where every state-changing admin request starts: its form fields, from
/// the advisor signed in on this request, with this session's CSRF token.
pub async fn signed_form(
    state: &AppState,
    request: &HttpRequest,
    payload: web::Payload,
) -> Result<(Current, RawFields), AppError> {
    let fields = form_fields(&read_limited(payload, BODY_LIMIT).await?);
    let me = current(state, request).await?;
    me.check_csrf(&fields)?;
    Ok((me, fields))
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

/// The Shanghai date of stored UTC ISO text.
pub fn local_date(iso: &str) -> Option<time::Date> {
    time::OffsetDateTime::parse(iso, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|t| t.to_offset(time::macros::offset!(+8)).date())
}
