//! The 30-second self-test: the form, its submission, and the result page.

mod form;
mod result;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};

use super::body::{BODY_LIMIT, form_fields, query_fields, read_limited};
use super::client_ip::client_keys_of;
use super::precompressed::Precompressed;
use super::quiet_log::Repeated;
use super::{AppError, AppState, HTML, looks_like_token, render_private, shanghai_today};
use crate::db;
use crate::scoring::input::{RawAnswers, answer_fields, check_on, parse_form_answers};
use crate::scoring::{FieldErrors, assess, evaluate, replay};
use crate::tokens::time_ordered_token;

pub use form::FormPage;
pub use result::ResultPage;

/// The empty form is the same for everyone: rendered and gzipped at start.
pub fn render_form(
    settings: &crate::settings::Settings,
    site: &std::sync::Arc<crate::web::layout::Site>,
) -> anyhow::Result<Precompressed> {
    let page = FormPage::new(settings, site, &RawAnswers::new(), &FieldErrors::default());
    Ok(Precompressed::new(askama::Template::render(&page)?))
}

/// `GET /self-test`, or `GET /self-test?from={token}`: the form pre-filled
/// with a stored result's answers ("修改答案"). A token that is malformed or
/// unknown opens the empty form.
pub async fn form(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let query = query_fields(&request);
    let token = query
        .get("from")
        .map(|t| t.trim())
        .filter(|t| looks_like_token(t));
    let stored = match token {
        Some(token) => db::assessments::find(&state.db, token).await?,
        None => None,
    };
    let Some(stored) = stored else {
        return Ok(state
            .fixed_pages
            .self_test_form
            .respond(&request, HTML, None));
    };
    let raw: RawAnswers = answer_fields(&stored.profile).into_iter().collect();
    render_private(
        StatusCode::OK,
        &FormPage::new(&state.settings, &state.site, &raw, &FieldErrors::default()),
    )
}

pub async fn submit(
    state: web::Data<AppState>,
    request: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let body = read_limited(payload, BODY_LIMIT).await?;
    let raw = form_fields(&body);
    let wages = &state.settings.reference_wages;
    let today = shanghai_today();
    let checked = parse_form_answers(&raw).and_then(|profile| {
        let errors = check_on(&profile, today);
        if errors.is_empty() {
            Ok(profile)
        } else {
            Err(errors)
        }
    });
    let profile = match checked {
        Ok(profile) => profile,
        Err(errors) => {
            return render_private(
                StatusCode::UNPROCESSABLE_ENTITY,
                &FormPage::new(&state.settings, &state.site, &raw, &errors),
            );
        }
    };
    if !may_store_result(&state, &request) {
        // Past the client's hourly limit: the answer is still theirs to
        // see, only not stored (one client stored 5,543 rows a second).
        let assessment = evaluate(&profile, today, wages);
        let page = ResultPage::new(None, &assessment, &profile, &state.settings, &state.site);
        return render_private(StatusCode::OK, &page);
    }
    // The breakdown is stored as the visitor sees it; the plan is derived
    // from it when the page is shown, which keeps this POST cheap.
    let assessment = assess(&profile, today, wages);
    let token = time_ordered_token();
    state
        .assessments
        .insert(&token, &profile, &assessment)
        .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, format!("/self-test/{token}")))
        .finish())
}

/// Whether this client and its network may store one more result this hour.
fn may_store_result(state: &AppState, request: &HttpRequest) -> bool {
    let keys = client_keys_of(request, state.settings.server.trusted_proxy);
    let allowed = state
        .results_stored
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .allow(&keys, std::time::Instant::now());
    if !allowed
        && let Some(line) = state
            .quiet_log
            .note(Repeated::ResultNotStored, &keys.client)
    {
        tracing::warn!(ip = %line.key, refused = line.count, "self-test result shown but not stored: hourly limit");
    }
    allowed
}

pub async fn result(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    if !looks_like_token(&token) {
        return Err(AppError::NotFound);
    }
    let stored = db::assessments::find(&state.db, &token)
        .await?
        .ok_or(AppError::NotFound)?;
    let wages = &state.settings.reference_wages;
    let assessment = replay(&stored.profile, &stored.recorded, wages);
    let page = ResultPage::new(
        Some(&token),
        &assessment,
        &stored.profile,
        &state.settings,
        &state.site,
    );
    render_private(StatusCode::OK, &page)
}
