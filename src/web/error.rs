//! One error type for handlers, and the site's error pages.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use askama::Template;

use super::body::BodyError;
use super::layout::{PageMeta, SITE_NAME, Site};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("request body too large")]
    PayloadTooLarge,
    #[error("unreadable request")]
    BadRequest,
    #[error("request body too slow")]
    RequestTimeout,
    /// No valid advisor session: off to the login page.
    #[error("login required")]
    LoginRequired,
    /// Signed in, but not allowed (role, CSRF token, origin).
    #[error("forbidden")]
    Forbidden,
    /// The database cannot answer right now (a server restarting, a pool
    /// exhausted): 503, and the next try may work.
    #[error("database unavailable: {0:#}")]
    Unavailable(anyhow::Error),
    /// Refused with a page of its own (an admin form again, the reason
    /// beside it): answered as rendered.
    #[error("refused with a page ({status})")]
    Refused { status: StatusCode, html: String },
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    pub fn internal(error: impl Into<anyhow::Error>) -> Self {
        let error = error.into();
        let unavailable = error
            .chain()
            .filter_map(|cause| cause.downcast_ref::<sqlx::Error>())
            .any(crate::db::is_unavailable);
        if unavailable {
            Self::Unavailable(error)
        } else {
            Self::Internal(error)
        }
    }
}

impl From<BodyError> for AppError {
    fn from(error: BodyError) -> Self {
        match error {
            BodyError::TooLarge => Self::PayloadTooLarge,
            BodyError::Unreadable => Self::BadRequest,
            BodyError::TimedOut => Self::RequestTimeout,
        }
    }
}

impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        Self::internal(error)
    }
}

impl From<crate::db::assessments::Error> for AppError {
    fn from(error: crate::db::assessments::Error) -> Self {
        Self::internal(error)
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::BadRequest => StatusCode::BAD_REQUEST,
            Self::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            Self::LoginRequired => StatusCode::SEE_OTHER,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Refused { status, .. } => *status,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The status only: the site middleware renders the page, since only it
    /// knows the request id.
    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Internal(error) => {
                tracing::error!(error = format!("{error:#}"), "request failed")
            }
            Self::Unavailable(error) => {
                tracing::warn!(error = format!("{error:#}"), "database unavailable");
                return HttpResponse::ServiceUnavailable()
                    .insert_header((actix_web::http::header::RETRY_AFTER, "5"))
                    .finish();
            }
            Self::Refused { status, html } => {
                return HttpResponse::build(*status)
                    .content_type(super::HTML)
                    .body(html.clone());
            }
            Self::LoginRequired => {
                return HttpResponse::SeeOther()
                    .insert_header((actix_web::http::header::LOCATION, "/admin/login"))
                    .finish();
            }
            _ => {}
        }
        HttpResponse::new(self.status_code())
    }
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    pub meta: PageMeta,
    pub status: u16,
    pub title: &'static str,
    pub message: &'static str,
    pub request_id: &'a str,
}

impl<'a> ErrorPage<'a> {
    pub fn for_status(status: StatusCode, request_id: &'a str, site: &Arc<Site>) -> Self {
        let (title, message) = match status.as_u16() {
            403 => (
                "无权访问",
                "您没有权限进行这个操作，或页面已过期。请刷新页面后重试。",
            ),
            404 => (
                "页面不存在",
                "您访问的页面不存在或已失效。可以回到首页，或直接做一次积分自测。",
            ),
            405 => (
                "不支持的请求方式",
                "该页面不支持这种请求方式，请回到首页重新操作。",
            ),
            413 => (
                "提交的内容过大",
                "您提交的内容超过了允许的大小，请精简后再试。",
            ),
            408 => ("请求超时", "网络较慢，请求没有按时完成，请重试。"),
            429 => ("操作过于频繁", "您的操作太频繁了，请稍后再试。"),
            400..=499 => ("请求有误", "无法处理这次请求，请返回上一页检查后重试。"),
            _ => (
                "服务暂时不可用",
                "服务器开了个小差，请稍后重试。如需帮助，请把下方的请求编号告诉我们。",
            ),
        };
        Self {
            meta: PageMeta::private(site, format!("{title} - {SITE_NAME}"), message),
            status: status.as_u16(),
            title,
            message,
            request_id,
        }
    }
}

/// The same page inside the admin layout, for `/admin` paths.
#[derive(Template)]
#[template(path = "admin/error.html")]
pub struct AdminErrorPage<'a> {
    pub chrome: super::admin::Chrome,
    pub status: u16,
    pub title: &'static str,
    pub message: &'static str,
    pub request_id: &'a str,
}

impl<'a> From<ErrorPage<'a>> for AdminErrorPage<'a> {
    fn from(page: ErrorPage<'a>) -> Self {
        Self {
            chrome: super::admin::Chrome::anonymous(page.title),
            status: page.status,
            title: page.title,
            message: page.message,
            request_id: page.request_id,
        }
    }
}

/// Whether an error is answered in JSON rather than with the site's page:
/// the API (`/api/…`), and callers whose `Accept` asks for
/// `application/json` at least as much as for `text/html` (scripts, API
/// clients; browsers navigating never list JSON).
pub fn wants_json(request: &HttpRequest) -> bool {
    if request.path().starts_with("/api/") {
        return true;
    }
    let accept = request
        .headers()
        .get_all(header::ACCEPT)
        .filter_map(|value| value.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    accept_prefers_json(&accept)
}

/// `application/json` has a quality above zero, and `text/html` none
/// higher (listed first on a tie).
fn accept_prefers_json(accept: &str) -> bool {
    let mut json = None;
    let mut html = None;
    for (position, range) in accept.split(',').enumerate() {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let quality = parts
            .filter_map(|parameter| parameter.split_once('='))
            .find(|(name, _)| name.trim().eq_ignore_ascii_case("q"))
            .map_or(1.0, |(_, value)| value.trim().parse::<f32>().unwrap_or(0.0));
        let slot = match media.as_str() {
            "application/json" => &mut json,
            "text/html" => &mut html,
            _ => continue,
        };
        if slot.is_none() {
            *slot = Some((quality, position));
        }
    }
    match (json, html) {
        (Some((json_q, _)), _) if json_q <= 0.0 => false,
        (Some(_), None) => true,
        (Some((json_q, json_at)), Some((html_q, html_at))) => {
            json_q > html_q || (json_q == html_q && json_at < html_at)
        }
        (None, _) => false,
    }
}

/// The message a JSON caller gets for a status: about the request, not a
/// page.
pub fn json_message(status: StatusCode) -> &'static str {
    match status.as_u16() {
        403 => "无权进行此操作，或请求已过期",
        404 => "请求的资源不存在",
        405 => "不支持该请求方式",
        408 => "请求超时，请重试",
        413 => "请求内容过大",
        415 => "不支持该内容类型",
        421 => "请求的主机名不正确",
        429 => "请求过于频繁，请稍后再试",
        400..=499 => "请求有误，请检查后重试",
        _ => "服务暂时不可用，请稍后重试",
    }
}

/// `{"error": "<Chinese message>", "request_id": "…"}`.
pub fn json_body(status: StatusCode, request_id: &str) -> String {
    serde_json::json!({ "error": json_message(status), "request_id": request_id }).to_string()
}

/// The body for an error response that has none: its content type and
/// text. JSON for JSON callers ([`wants_json`]); otherwise the site's page,
/// in the admin layout under `/admin`. The site middleware calls this for
/// every 4xx and 5xx without an HTML or JSON body of its own.
pub fn error_body(
    request: &HttpRequest,
    status: StatusCode,
    request_id: &str,
) -> (&'static str, String) {
    if wants_json(request) {
        return ("application/json", json_body(status, request_id));
    }
    // The app's site, so the footer names the operator; there is always
    // one in a running app, none in a unit test's bare request.
    let site = request
        .app_data::<actix_web::web::Data<super::AppState>>()
        .map_or_else(Site::unnamed, |state| Arc::clone(&state.site));
    let page = ErrorPage::for_status(status, request_id, &site);
    let rendered = if request.path().starts_with("/admin") {
        AdminErrorPage::from(page).render()
    } else {
        page.render()
    };
    let html = rendered.unwrap_or_else(|_| format!("{} 请求编号 {request_id}", status.as_u16()));
    ("text/html; charset=utf-8", html)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn json_when_the_caller_asks_for_it() {
        for accept in [
            "application/json",
            "application/json, text/plain, */*",
            "Application/JSON; charset=utf-8",
            "text/html;q=0.5, application/json",
            "application/json, text/html",
        ] {
            assert!(accept_prefers_json(accept), "{accept}");
        }
        for accept in [
            "",
            "*/*",
            "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8",
            "text/html, application/json",
            "text/html, application/json;q=0.9",
            "application/json;q=0",
            "application/jsonp",
        ] {
            assert!(!accept_prefers_json(accept), "{accept}");
        }
        let api = TestRequest::post().uri("/api/v1/nope").to_http_request();
        assert!(wants_json(&api), "the API answers JSON whatever it accepts");
        let script = TestRequest::get()
            .uri("/nope")
            .insert_header((header::ACCEPT, "application/json"))
            .to_http_request();
        assert!(wants_json(&script));
        let browser = TestRequest::get()
            .uri("/nope")
            .insert_header((header::ACCEPT, "text/html,*/*;q=0.8"))
            .to_http_request();
        assert!(!wants_json(&browser));
    }

    #[test]
    fn the_json_error_has_a_chinese_message_and_the_request_id()
    -> Result<(), Box<dyn std::error::Error>> {
        let request = TestRequest::get().uri("/api/v1/nope").to_http_request();
        let (content_type, body) = error_body(&request, StatusCode::NOT_FOUND, "00ab");
        assert_eq!(content_type, "application/json");
        let value: serde_json::Value = serde_json::from_str(&body)?;
        assert_eq!(
            value,
            serde_json::json!({ "error": "请求的资源不存在", "request_id": "00ab" })
        );
        for status in [400, 403, 404, 405, 408, 413, 429, 500, 503] {
            let status = StatusCode::from_u16(status)?;
            let message = json_message(status);
            assert!(
                message
                    .chars()
                    .any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c)),
                "{status}: {message}"
            );
        }
        let page = TestRequest::get().uri("/nope").to_http_request();
        let (content_type, html) = error_body(&page, StatusCode::NOT_FOUND, "00ab");
        assert!(content_type.starts_with("text/html"));
        assert!(html.contains("页面不存在") && html.contains("00ab"));
        Ok(())
    }
}
