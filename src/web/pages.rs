//! Plain pages: home, health, not found.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::{AppError, AppState, render};

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage;

pub async fn home() -> Result<HttpResponse, AppError> {
    render(StatusCode::OK, &HomePage)
}

/// 200 only when the database answers.
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    if crate::db::is_healthy(&state.pool).await {
        HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .body("ok")
    } else {
        HttpResponse::ServiceUnavailable()
            .content_type("text/plain; charset=utf-8")
            .body("database unavailable")
    }
}

pub async fn not_found() -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound)
}
