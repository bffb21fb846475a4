//! The actions on one lead, one handler each: POST `/admin/leads/{id}/…`
//! `reveal`, `notes`, `status`, `assign`, `follow-up`. Each checks the
//! session, the CSRF token and that the lead is visible to the advisor;
//! a change answers 303 back to the lead (post/redirect/get), a refused one
//! 422 with the lead page and the reason.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};

use super::SignedForm;
use super::SignedIn;
use super::leads::{DetailPage, visible_lead};
use crate::db;
use crate::db::lead_admin::{self, Change, LeadRow};
use crate::leads::changes::{self, Refusal, UNKNOWN_ADVISOR};
use crate::web::{AppError, AppState, render};

/// The id in the path of every action.
type LeadId = web::Path<String>;

/// A form field, trimmed; missing counts as empty.
fn field(form: &SignedForm, name: &str) -> String {
    form.fields
        .get(name)
        .map(|v| v.trim().to_string())
        .unwrap_or_default()
}

/// Records `change` and sends the advisor back to the lead.
async fn apply(
    state: &AppState,
    me: &SignedIn,
    row: &LeadRow,
    change: Change<'_>,
    what: &'static str,
) -> Result<HttpResponse, AppError> {
    let actor = &me.advisor.username;
    lead_admin::apply(&state.db, row.id, actor, change).await?;
    tracing::info!(advisor = %actor, lead_id = row.id, change = what, "lead updated");
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, format!("/admin/leads/{}", row.id)))
        .finish())
}

/// The lead page again, 422, saying why nothing changed.
async fn refuse(
    state: &AppState,
    me: &SignedIn,
    row: &LeadRow,
    message: Refusal,
) -> Result<HttpResponse, AppError> {
    let page = DetailPage::load(state, me, row).await?.refused(message);
    render(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

/// `reveal`: the full number on this response, recorded in the timeline.
pub async fn reveal(
    state: web::Data<AppState>,
    id: LeadId,
    form: SignedForm,
) -> Result<HttpResponse, AppError> {
    let me = &form.me;
    let row = visible_lead(&state, me, &id).await?;
    lead_admin::apply(&state.db, row.id, &me.advisor.username, Change::Reveal).await?;
    tracing::info!(advisor = %me.advisor.username, lead_id = row.id, "phone revealed");
    let page = DetailPage::load(&state, me, &row).await?.reveal(&row.phone);
    render(StatusCode::OK, &page)
}

/// `notes`: a note in the timeline.
pub async fn add_note(
    state: web::Data<AppState>,
    id: LeadId,
    form: SignedForm,
) -> Result<HttpResponse, AppError> {
    let row = visible_lead(&state, &form.me, &id).await?;
    let text = field(&form, "text");
    match changes::note(&text) {
        Ok(text) => apply(&state, &form.me, &row, Change::Note(text), "note").await,
        Err(message) => refuse(&state, &form.me, &row, message).await,
    }
}

/// `status`: a new status, with a reason (required for 无效).
pub async fn set_status(
    state: web::Data<AppState>,
    id: LeadId,
    form: SignedForm,
) -> Result<HttpResponse, AppError> {
    let row = visible_lead(&state, &form.me, &id).await?;
    match changes::status(&field(&form, "status"), &field(&form, "reason")) {
        Ok((status, reason)) => {
            let reason = reason.as_deref();
            let change = Change::Status { status, reason };
            apply(&state, &form.me, &row, change, "status").await
        }
        Err(message) => refuse(&state, &form.me, &row, message).await,
    }
}

/// `assign`: the lead to an active advisor, chosen by id, or to nobody.
/// An advisor may take a lead or let it go, never hand it to another.
pub async fn assign(
    state: web::Data<AppState>,
    id: LeadId,
    form: SignedForm,
) -> Result<HttpResponse, AppError> {
    let me = &form.me;
    let row = visible_lead(&state, me, &id).await?;
    let advisor_id = match changes::assignee(&field(&form, "advisor")) {
        Ok(advisor_id) => advisor_id,
        Err(message) => return refuse(&state, me, &row, message).await,
    };
    let advisor = match advisor_id {
        None => None,
        Some(advisor_id) => {
            let found = db::advisors::by_id(&state.db, advisor_id).await?;
            match found.filter(|advisor| advisor.active) {
                Some(advisor) => Some(advisor),
                None => return refuse(&state, me, &row, UNKNOWN_ADVISOR).await,
            }
        }
    };
    if !me.advisor.is_admin() && advisor_id.is_some_and(|id| id != me.advisor.id) {
        return Err(AppError::Forbidden);
    }
    let change = Change::Assign {
        advisor_id,
        advisor_name: advisor.as_ref().map(|a| a.display_name.as_str()),
    };
    apply(&state, me, &row, change, "assign").await
}

/// `follow-up`: the next follow-up date, or none.
pub async fn set_follow_up(
    state: web::Data<AppState>,
    id: LeadId,
    form: SignedForm,
) -> Result<HttpResponse, AppError> {
    let row = visible_lead(&state, &form.me, &id).await?;
    match changes::follow_up(&field(&form, "date")) {
        Ok(date) => {
            let date = date.map(|d| d.to_string());
            let change = Change::FollowUp(date.as_deref());
            apply(&state, &form.me, &row, change, "follow-up").await
        }
        Err(message) => refuse(&state, &form.me, &row, message).await,
    }
}

/// Any other action: 404, after the same checks as the real ones.
pub async fn unknown(
    state: web::Data<AppState>,
    id: LeadId,
    form: SignedForm,
) -> Result<HttpResponse, AppError> {
    visible_lead(&state, &form.me, &id).await?;
    Err(AppError::NotFound)
}
