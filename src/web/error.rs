//! One error type for handlers, and the site's error pages.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

use super::body::BodyError;
use super::layout::{PageMeta, SITE_NAME};

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
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    pub fn internal(error: impl Into<anyhow::Error>) -> Self {
        Self::Internal(error.into())
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
    pub fn for_status(status: StatusCode, request_id: &'a str) -> Self {
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
            meta: PageMeta::private(format!("{title} - {SITE_NAME}"), message),
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
