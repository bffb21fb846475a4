//! The one-time message after an admin action ("已保存"): the 303 sets a
//! short-lived cookie naming the message, and the next page shows it once
//! and removes it (post/redirect/get without losing the confirmation).
//! The cookie carries a code, never text, so nothing in it is trusted.

use actix_web::cookie::Cookie;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};

use super::auth::cookie;
use crate::web::{AppError, AppState};

/// What the next page confirms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flash {
    Saved,
    Revealed,
    /// Saved, and nothing is left to call today.
    QueueDone,
}

impl Flash {
    fn code(self) -> &'static str {
        match self {
            Self::Saved => "saved",
            Self::Revealed => "revealed",
            Self::QueueDone => "queue_done",
        }
    }

    fn from_code(code: &str) -> Option<Self> {
        [Self::Saved, Self::Revealed, Self::QueueDone]
            .into_iter()
            .find(|flash| flash.code() == code)
    }

    pub fn message(self) -> &'static str {
        match self {
            Self::Saved => "已保存",
            Self::Revealed => "号码已显示，10分钟内有效；本次查看已记录",
            Self::QueueDone => "已保存。今天要打的电话都打过了",
        }
    }
}

/// A long enough life to survive the redirect, short enough not to linger.
const MAX_AGE_SECONDS: i64 = 60;

fn flash_cookie_name(state: &AppState) -> &'static str {
    if state.settings.server.is_https() {
        "__Host-hujifen_flash"
    } else {
        "hujifen_flash"
    }
}

/// 303 to `location`, with `flash` shown there.
pub fn redirect_with(
    state: &AppState,
    location: &str,
    flash: Flash,
) -> Result<HttpResponse, AppError> {
    let mut flash_cookie = cookie(state, flash_cookie_name(state), flash.code().to_string());
    flash_cookie.set_max_age(actix_web::cookie::time::Duration::seconds(MAX_AGE_SECONDS));
    let mut response = HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish();
    response
        .add_cookie(&flash_cookie)
        .map_err(AppError::internal)?;
    Ok(response)
}

/// The flash this request carries, if any.
pub fn pending(state: &AppState, request: &HttpRequest) -> Option<Flash> {
    request
        .cookie(flash_cookie_name(state))
        .and_then(|cookie| Flash::from_code(cookie.value()))
}

/// Removes the flash from the browser once a page has shown it.
pub fn clear(state: &AppState, response: &mut HttpResponse) -> Result<(), AppError> {
    let removal: Cookie<'_> = cookie(state, flash_cookie_name(state), String::new());
    response
        .add_removal_cookie(&removal)
        .map_err(AppError::internal)
}
