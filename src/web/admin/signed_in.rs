//! Who is signed in: the session cookie looked up once per request by an
//! extractor, so a handler that takes a [`SignedIn`] (or an [`Admin`], or a
//! [`SignedForm`]) never runs without one.

use std::ops::Deref;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use subtle::ConstantTimeEq;

use super::{Chrome, ChromeUser, cookie_name, session_hash};
use crate::db;
use crate::db::advisors::Advisor;
use crate::form::RawFields;
use crate::web::body::{BODY_LIMIT, form_fields, read_limited};
use crate::web::{AppError, AppState};

/// Idle timeout and absolute lifetime of a session (SECURITY.md).
pub const IDLE_SECONDS: i64 = 30 * 60;
pub const ABSOLUTE_SECONDS: i64 = 8 * 3600;

/// The signed-in advisor of this request; without a live session the
/// request is answered with a redirect to the login page.
pub struct SignedIn {
    pub advisor: Advisor,
    pub csrf: String,
}

impl SignedIn {
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

/// The advisor signed in on this request, or a redirect to the login page.
pub async fn signed_in(state: &AppState, request: &HttpRequest) -> Result<SignedIn, AppError> {
    let cookie = request
        .cookie(cookie_name(state))
        .ok_or(AppError::LoginRequired)?;
    let hash = session_hash(cookie.value());
    let session = db::advisors::session(&state.db, &hash)
        .await?
        .ok_or(AppError::LoginRequired)?;
    let now = crate::clock::unix_now();
    if now - session.last_seen_at > IDLE_SECONDS || now - session.created_at > ABSOLUTE_SECONDS {
        db::advisors::delete_session(&state.db, &hash).await?;
        return Err(AppError::LoginRequired);
    }
    let advisor = db::advisors::by_id(&state.db, session.advisor_id)
        .await?
        .filter(|advisor| advisor.active)
        .ok_or(AppError::LoginRequired)?;
    // One write a minute at most keeps the idle clock honest without a
    // write per page.
    if now - session.last_seen_at >= 60 {
        db::advisors::touch_session(&state.db, &hash, now).await?;
    }
    Ok(SignedIn {
        advisor,
        csrf: session.csrf_token,
    })
}

pub(super) fn app_state(request: &HttpRequest) -> Result<web::Data<AppState>, AppError> {
    request
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("AppState is not registered")))
}

impl FromRequest for SignedIn {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let request = request.clone();
        Box::pin(async move {
            let state = app_state(&request)?;
            signed_in(&state, &request).await
        })
    }
}

/// A signed-in advisor with the admin role; anyone else gets 403.
pub struct Admin(pub SignedIn);

impl Deref for Admin {
    type Target = SignedIn;

    fn deref(&self) -> &SignedIn {
        &self.0
    }
}

impl FromRequest for Admin {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let signed_in = SignedIn::from_request(request, payload);
        Box::pin(async move { Admin::admit(signed_in.await?) })
    }
}

/// Who may send a [`SignedForm`]: any signed-in advisor, or admins only.
pub trait Signer: Sized {
    fn admit(signed_in: SignedIn) -> Result<Self, AppError>;
}

impl Signer for SignedIn {
    fn admit(signed_in: SignedIn) -> Result<Self, AppError> {
        Ok(signed_in)
    }
}

impl Signer for Admin {
    fn admit(signed_in: SignedIn) -> Result<Self, AppError> {
        signed_in.require_admin()?;
        Ok(Admin(signed_in))
    }
}

/// Where every state-changing admin request starts: its form fields (read
/// first, so an oversized body is a 413 whoever sends it), from the advisor
/// signed in on this request (`W`: [`SignedIn`] or [`Admin`]), with this
/// session's CSRF token.
pub struct SignedForm<W = SignedIn> {
    pub me: W,
    pub fields: RawFields,
}

impl<W> FromRequest for SignedForm<W>
where
    W: Signer + 'static,
{
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let request = request.clone();
        let body = web::Payload::from_request(&request, payload);
        Box::pin(async move {
            let body = body
                .await
                .map_err(|error| AppError::internal(anyhow::anyhow!(error.to_string())))?;
            let fields = form_fields(&read_limited(body, BODY_LIMIT).await?);
            let state = app_state(&request)?;
            let signed_in = signed_in(&state, &request).await?;
            signed_in.check_csrf(&fields)?;
            Ok(SignedForm {
                me: W::admit(signed_in)?,
                fields,
            })
        })
    }
}
