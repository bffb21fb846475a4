//! The form of every action on one lead, read and checked before the
//! handler runs: the session, the lead (404 unless this advisor may see
//! it), the body, the CSRF token. A form that cannot be acted on at all (a
//! forged or missing token, a body over the limit) is refused beside the
//! form that sent it, on the lead page, with nothing changed.

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, web};
use askama::Template;
use futures_util::future::LocalBoxFuture;

use super::SignedIn;
use super::lead_page::{DetailPage, Section};
use super::leads::visible_lead;
use super::signed_in::{app_state, signed_in};
use crate::db::lead_admin::LeadRow;
use crate::form::RawFields;
use crate::leads::changes::Refusal;
use crate::web::body::{BodyError, form_fields, read_limited};
use crate::web::{AppError, AppState};

/// Room for the longest note (2,000 characters of Chinese are about 18 KB
/// percent-encoded) and the other fields; larger bodies are refused.
pub const LEAD_FORM_LIMIT: usize = 64 * 1024;

const TOO_LARGE: Refusal = "提交的内容过长（备注最多2000字），本次没有保存";
const BAD_TOKEN: Refusal = "页面已过期或无法确认是您本人提交，本次没有保存。请重新提交";

/// A checked form on a lead the signed-in advisor may see.
pub struct LeadForm {
    pub me: SignedIn,
    pub lead: LeadRow,
    pub fields: RawFields,
}

impl LeadForm {
    /// A field, trimmed; missing counts as empty.
    pub fn field(&self, name: &str) -> String {
        self.fields
            .get(name)
            .map(|value| value.trim().to_string())
            .unwrap_or_default()
    }

    /// The lead page again with `message` beside `section`'s form (and
    /// `field`, when the refusal is about one) and what was typed kept.
    pub async fn refuse(
        &self,
        state: &AppState,
        section: Section,
        field: Option<&'static str>,
        message: Refusal,
    ) -> AppError {
        refusal(
            state,
            &self.me,
            &self.lead,
            StatusCode::UNPROCESSABLE_ENTITY,
            section,
            field,
            message,
            self.fields.clone(),
        )
        .await
    }
}

/// The lead page as a refusal, or the error that stopped rendering it.
#[allow(clippy::too_many_arguments)]
async fn refusal(
    state: &AppState,
    me: &SignedIn,
    lead: &LeadRow,
    status: StatusCode,
    section: Section,
    field: Option<&'static str>,
    message: Refusal,
    kept: RawFields,
) -> AppError {
    let page = match DetailPage::load(state, me, lead).await {
        Ok(page) => page.refused(section, field, message, kept),
        Err(error) => return error,
    };
    match page.render() {
        Ok(html) => AppError::Refused { status, html },
        Err(error) => AppError::internal(error),
    }
}

impl FromRequest for LeadForm {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let request = request.clone();
        let body = web::Payload::from_request(&request, payload);
        Box::pin(async move {
            let state = app_state(&request)?;
            let me = signed_in(&state, &request).await?;
            let id = request.match_info().get("id").unwrap_or_default();
            let lead = visible_lead(&state, &me, id).await?;
            let section = request
                .path()
                .rsplit('/')
                .next()
                .and_then(Section::of_action);
            let body = body
                .await
                .map_err(|error| AppError::internal(anyhow::anyhow!(error.to_string())))?;
            let refuse = |status, message, kept| {
                let (state, me, lead) = (&state, &me, &lead);
                async move {
                    match section {
                        Some(section) => {
                            refusal(state, me, lead, status, section, None, message, kept).await
                        }
                        None if status == StatusCode::FORBIDDEN => AppError::Forbidden,
                        None => AppError::PayloadTooLarge,
                    }
                }
            };
            let fields = match read_limited(body, LEAD_FORM_LIMIT).await {
                Ok(bytes) => form_fields(&bytes),
                Err(BodyError::TooLarge) => {
                    let status = StatusCode::PAYLOAD_TOO_LARGE;
                    return Err(refuse(status, TOO_LARGE, RawFields::new()).await);
                }
                Err(error) => return Err(error.into()),
            };
            if me.check_csrf(&fields).is_err() {
                return Err(refuse(StatusCode::FORBIDDEN, BAD_TOKEN, fields).await);
            }
            Ok(LeadForm { me, lead, fields })
        })
    }
}
