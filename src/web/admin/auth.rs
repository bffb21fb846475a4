//! Login and logout: a CSRF token before the session exists, the same answer
//! for an unknown user and a wrong password, throttling in the database, and
//! a fresh server-side session at every login.

use std::sync::OnceLock;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use subtle::ConstantTimeEq;

use super::{Chrome, cookie_name, current, session_hash, signed_form};
use crate::advisors::{LoginGate, login_gate, verify_password};
use crate::db;
use crate::web::body::{BODY_LIMIT, form_fields, read_limited};
use crate::web::client_ip::client_ip;
use crate::web::{AppError, AppState, random_token, render};

#[derive(Template)]
#[template(path = "admin/login.html")]
struct LoginPage {
    chrome: Chrome,
    csrf: String,
    username: String,
    error: Option<&'static str>,
}

fn login_cookie_name(state: &AppState) -> &'static str {
    if state.settings.is_https() {
        "__Host-hujifen_login"
    } else {
        "hujifen_login"
    }
}

fn cookie<'a>(state: &AppState, name: &'a str, value: String) -> Cookie<'a> {
    Cookie::build(name, value)
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.settings.is_https())
        .path("/")
        .finish()
}

fn login_page(
    state: &AppState,
    status: StatusCode,
    username: &str,
    error: Option<&'static str>,
) -> Result<HttpResponse, AppError> {
    let csrf = random_token();
    let mut response = render(
        status,
        &LoginPage {
            chrome: Chrome::anonymous("登录"),
            csrf: csrf.clone(),
            username: username.to_string(),
            error,
        },
    )?;
    response
        .add_cookie(&cookie(state, login_cookie_name(state), csrf))
        .map_err(AppError::internal)?;
    Ok(response)
}

pub async fn login_form(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, AppError> {
    if current(&state, &request).await.is_ok() {
        return Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, "/admin"))
            .finish());
    }
    login_page(&state, StatusCode::OK, "", None)
}

/// A hash to verify against when the user does not exist, so both failures
/// take the same time.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        crate::advisors::hash_password(&crate::advisors::random_password()).unwrap_or_default()
    })
}

const WRONG: &str = "用户名或密码错误";

pub async fn login(
    state: web::Data<AppState>,
    request: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let fields = form_fields(&read_limited(payload, BODY_LIMIT).await?);
    let username = fields
        .get("username")
        .map(|u| u.trim().to_lowercase())
        .unwrap_or_default();
    let password = fields.get("password").cloned().unwrap_or_default();
    let expected = request
        .cookie(login_cookie_name(&state))
        .map(|c| c.value().to_string());
    let sent = fields.get("csrf").cloned().unwrap_or_default();
    let csrf_ok = expected.is_some_and(|expected| {
        !sent.is_empty() && bool::from(sent.as_bytes().ct_eq(expected.as_bytes()))
    });
    if !csrf_ok {
        tracing::warn!("login without a valid CSRF token");
        return Err(AppError::Forbidden);
    }

    let ip = client_ip(&request, state.settings.trusted_proxy);
    let now = crate::clock::unix_now();
    let failures = db::advisors::login_failures(&state.pool, &username, &ip, now).await?;
    let wait = match login_gate(failures) {
        LoginGate::Open => None,
        LoginGate::IpBlocked {
            retry_after_seconds,
        }
        | LoginGate::AccountDelayed {
            retry_after_seconds,
        } => Some(retry_after_seconds),
    };
    if let Some(seconds) = wait {
        tracing::warn!(%ip, seconds, "login throttled");
        let response = login_page(
            &state,
            StatusCode::TOO_MANY_REQUESTS,
            &username,
            Some("登录失败次数过多，请稍后再试"),
        )?;
        return Ok(crate::web::body::with_retry_after(response, Some(seconds)));
    }

    let advisor = if username.is_empty() {
        None
    } else {
        db::advisors::by_username(&state.pool, &username).await?
    };
    let hash = advisor.as_ref().map_or_else(
        || dummy_hash().to_string(),
        |advisor| advisor.password_hash.clone(),
    );
    // Argon2 takes tens of milliseconds: off the async workers.
    let matches = web::block(move || verify_password(&password, &hash))
        .await
        .map_err(AppError::internal)?;
    let advisor = match advisor {
        Some(advisor) if matches && advisor.active => advisor,
        _ => {
            db::advisors::record_login_failure(&state.pool, &username, &ip, now).await?;
            tracing::warn!(%ip, "login failed");
            return login_page(&state, StatusCode::UNAUTHORIZED, &username, Some(WRONG));
        }
    };

    db::advisors::clear_account_failures(&state.pool, &username).await?;
    // A new session id at every login: nothing set before login survives it.
    let session_id = format!("{}{}", random_token(), random_token());
    db::advisors::create_session(
        &state.pool,
        &session_hash(&session_id),
        advisor.id,
        &random_token(),
        now,
    )
    .await?;
    tracing::info!(advisor = %advisor.username, "advisor signed in");
    let mut response = HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/admin"))
        .finish();
    response
        .add_cookie(&cookie(&state, cookie_name(&state), session_id))
        .map_err(AppError::internal)?;
    response
        .add_removal_cookie(&cookie(&state, login_cookie_name(&state), String::new()))
        .map_err(AppError::internal)?;
    Ok(response)
}

pub async fn logout(
    state: web::Data<AppState>,
    request: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let (signed_in, _) = signed_form(&state, &request, payload).await?;
    if let Some(cookie) = request.cookie(cookie_name(&state)) {
        db::advisors::delete_session(&state.pool, &session_hash(cookie.value())).await?;
    }
    tracing::info!(advisor = %signed_in.advisor.username, "advisor signed out");
    let mut response = HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/admin/login"))
        .finish();
    response
        .add_removal_cookie(&cookie(&state, cookie_name(&state), String::new()))
        .map_err(AppError::internal)?;
    Ok(response)
}
