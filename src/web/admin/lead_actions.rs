//! The actions on one lead, one handler each: POST `/admin/leads/{id}/…`
//! `calls`, `reveal`, `notes`, `status`, `assign`, `follow-up`. The form is
//! checked first (`LeadForm`: session, visibility, CSRF); a change answers
//! 303 back to the lead with a flash (post/redirect/get), a refused one the
//! lead page with the reason beside the form that sent it.

use actix_web::{HttpResponse, web};

use super::flash::{Flash, redirect_with};
use super::lead_form::LeadForm;
use super::lead_page::Section;
use crate::clock::shanghai_midnight_utc;
use crate::db;
use crate::db::lead_admin::{self, Change};
use crate::leads::calls::{self, CallForm};
use crate::leads::changes::{self, UNKNOWN_ADVISOR};
use crate::web::{AppError, AppState, shanghai_today};

/// Records `change` and logs `event` ("phone revealed" is a security
/// event of SECURITY.md); the advisor goes back to the lead.
async fn apply(
    state: &AppState,
    form: &LeadForm,
    change: Change<'_>,
    event: &'static str,
) -> Result<(), AppError> {
    let actor = &form.me.advisor.username;
    let lead_id = form.lead.id;
    if lead_admin::apply(&state.db, lead_id, actor, change).await? == lead_admin::Applied::Gone {
        tracing::info!(advisor = %actor, lead_id, "lead deleted before the change: {event} not saved");
        return Err(AppError::NotFound);
    }
    tracing::info!(advisor = %actor, lead_id, "{event}");
    Ok(())
}

fn back_to_lead(state: &AppState, form: &LeadForm, flash: Flash) -> Result<HttpResponse, AppError> {
    redirect_with(state, &format!("/admin/leads/{}", form.lead.id), flash)
}

/// `calls`: one call — its outcome, and optionally a status, a note and
/// the next follow-up — in one form. "保存并打开下一条" (`then=next`) goes on
/// to the next lead to call.
pub async fn log_call(
    state: web::Data<AppState>,
    form: LeadForm,
) -> Result<HttpResponse, AppError> {
    let today = shanghai_today();
    let (outcome, status) = (form.field("outcome"), form.field("status"));
    let (note, follow_up) = (form.field("note"), form.field("follow_up"));
    let typed = CallForm {
        outcome: &outcome,
        status: &status,
        note: &note,
        follow_up: &follow_up,
    };
    let call = match calls::call(typed, today) {
        Ok(call) => call,
        Err(refusal) => {
            let field = Some(refusal.field);
            return Err(form
                .refuse(&state, Section::Call, field, refusal.message)
                .await);
        }
    };
    apply(&state, &form, Change::Call(&call), "call logged").await?;
    if form.field("then") != "next" {
        return back_to_lead(&state, &form, Flash::Saved);
    }
    let next = lead_admin::next_to_call(
        &state.db,
        form.lead.id,
        form.me.visible_to(),
        &today.to_string(),
        &shanghai_midnight_utc(today),
    )
    .await?;
    match next {
        Some(id) => redirect_with(&state, &format!("/admin/leads/{id}"), Flash::Saved),
        None => redirect_with(&state, "/admin", Flash::QueueDone),
    }
}

/// `reveal`: the full number stays shown to this advisor for 10 minutes;
/// each reveal is in the timeline, and an unassigned lead becomes theirs.
pub async fn reveal(state: web::Data<AppState>, form: LeadForm) -> Result<HttpResponse, AppError> {
    let me = &form.me.advisor;
    let change = Change::Reveal {
        advisor_id: me.id,
        advisor_name: &me.display_name,
    };
    apply(&state, &form, change, "phone revealed").await?;
    back_to_lead(&state, &form, Flash::Revealed)
}

/// `notes`: a note in the timeline.
pub async fn add_note(
    state: web::Data<AppState>,
    form: LeadForm,
) -> Result<HttpResponse, AppError> {
    let text = form.field("text");
    match changes::note(&text) {
        Ok(text) => apply(&state, &form, Change::Note(text), "note added").await?,
        Err(message) => return Err(form.refuse(&state, Section::Note, None, message).await),
    }
    back_to_lead(&state, &form, Flash::Saved)
}

/// `status`: a new status, with a reason (required for 无效).
pub async fn set_status(
    state: web::Data<AppState>,
    form: LeadForm,
) -> Result<HttpResponse, AppError> {
    match changes::status(&form.field("status"), &form.field("reason")) {
        Ok((status, reason)) => {
            let reason = reason.as_deref();
            let change = Change::Status { status, reason };
            apply(&state, &form, change, "status changed").await?;
        }
        Err(message) => return Err(form.refuse(&state, Section::Status, None, message).await),
    }
    back_to_lead(&state, &form, Flash::Saved)
}

/// `assign`: the lead to an active advisor, chosen by id, or to nobody.
/// An advisor may take a lead or let it go, never hand it to another.
pub async fn assign(state: web::Data<AppState>, form: LeadForm) -> Result<HttpResponse, AppError> {
    let refuse = |message| form.refuse(&state, Section::Assign, None, message);
    let advisor_id = match changes::assignee(&form.field("advisor")) {
        Ok(advisor_id) => advisor_id,
        Err(message) => return Err(refuse(message).await),
    };
    let advisor = match advisor_id {
        None => None,
        Some(advisor_id) => {
            let found = db::advisors::by_id(&state.db, advisor_id).await?;
            match found.filter(|advisor| advisor.active) {
                Some(advisor) => Some(advisor),
                None => return Err(refuse(UNKNOWN_ADVISOR).await),
            }
        }
    };
    let me = &form.me.advisor;
    if !me.is_admin() && advisor_id.is_some_and(|id| id != me.id) {
        return Err(AppError::Forbidden);
    }
    let change = Change::Assign {
        advisor_id,
        advisor_name: advisor.as_ref().map(|a| a.display_name.as_str()),
    };
    apply(&state, &form, change, "lead assigned").await?;
    back_to_lead(&state, &form, Flash::Saved)
}

/// `follow-up`: the next follow-up date (today or later), or none.
pub async fn set_follow_up(
    state: web::Data<AppState>,
    form: LeadForm,
) -> Result<HttpResponse, AppError> {
    match changes::follow_up(&form.field("date"), shanghai_today()) {
        Ok(date) => {
            let date = date.map(|d| d.to_string());
            let change = Change::FollowUp(date.as_deref());
            apply(&state, &form, change, "follow-up set").await?;
        }
        Err(message) => {
            return Err(form.refuse(&state, Section::FollowUp, None, message).await);
        }
    }
    back_to_lead(&state, &form, Flash::Saved)
}

/// Any other action: 404, after the same checks as the real ones.
pub async fn unknown(_form: LeadForm) -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound)
}
