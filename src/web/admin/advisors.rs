//! `/admin/advisors` (admins only): add an advisor, disable one (ending their
//! sessions), reset a password. New passwords are shown once, never logged.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use askama::Template;
use serde_json::json;

use super::{Admin, Chrome, SignedForm, SignedIn};
use crate::advisors::{hash_password, parse_new_advisor, random_password};
use crate::db;
use crate::db::advisors::{Advisor, NewAdvisor};
use crate::form::{FieldErrors, RawFields};
use crate::web::{AppError, AppState, render};

#[derive(Template)]
#[template(path = "admin/advisors.html")]
struct AdvisorsPage {
    chrome: Chrome,
    advisors: Vec<Advisor>,
    values: RawFields,
    errors: FieldErrors,
    /// A password to hand over, shown on this response only.
    notice: Option<String>,
    csrf: String,
}

impl AdvisorsPage {
    pub fn value(&self, name: &str) -> &str {
        self.values.get(name).map_or("", String::as_str)
    }
}

/// The page, answered 422 when it carries errors.
async fn page(
    state: &AppState,
    me: &SignedIn,
    values: RawFields,
    errors: FieldErrors,
    notice: Option<String>,
) -> Result<HttpResponse, AppError> {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = AdvisorsPage {
        chrome: me.chrome("顾问管理"),
        advisors: db::advisors::all(&state.db).await?,
        values,
        errors,
        notice,
        csrf: me.csrf.clone(),
    };
    render(status, &page)
}

/// The page with a one-time message (a new password) on it.
async fn announce(
    state: &AppState,
    me: &SignedIn,
    notice: String,
) -> Result<HttpResponse, AppError> {
    page(
        state,
        me,
        RawFields::new(),
        FieldErrors::default(),
        Some(notice),
    )
    .await
}

/// Records an admin action in the audit table and the log.
async fn audit(
    state: &AppState,
    me: &SignedIn,
    event: &str,
    details: serde_json::Value,
    advisor: &str,
) -> Result<(), AppError> {
    db::advisors::record_admin_event(&state.db, me.advisor.id, event, &details).await?;
    tracing::info!(by = %me.advisor.username, advisor, event, "admin action");
    Ok(())
}

pub async fn list(state: web::Data<AppState>, me: Admin) -> Result<HttpResponse, AppError> {
    page(&state, &me, RawFields::new(), FieldErrors::default(), None).await
}

async fn hashed(password: String) -> Result<String, AppError> {
    web::block(move || hash_password(&password))
        .await
        .map_err(AppError::internal)?
        .map_err(|error| AppError::internal(anyhow::anyhow!(error)))
}

pub async fn add(
    state: web::Data<AppState>,
    form: SignedForm<Admin>,
) -> Result<HttpResponse, AppError> {
    let SignedForm { me, fields } = form;
    // The typed password is never sent back into the form.
    let refuse = |errors: FieldErrors| {
        let mut values = fields.clone();
        values.remove("password");
        page(&state, &me, values, errors, None)
    };
    let new = match parse_new_advisor(&fields) {
        Ok(new) => new,
        Err(errors) => return refuse(errors).await,
    };
    let password_hash = hashed(new.password.clone()).await?;
    let created = db::advisors::insert(
        &state.db,
        NewAdvisor {
            username: &new.username,
            display_name: &new.display_name,
            email: new.email.as_deref(),
            role: new.role,
            password_hash: &password_hash,
        },
    )
    .await?;
    let Some(id) = created else {
        let mut errors = FieldErrors::default();
        errors.add("username", "该用户名已存在");
        return refuse(errors).await;
    };
    let (username, role, password) = (new.username, new.role, new.password);
    audit(
        &state,
        &me,
        "advisor_added",
        json!({ "advisor_id": id, "role": role }),
        &username,
    )
    .await?;
    let notice = if new.generated {
        format!("已添加 {username}。初始密码（只显示这一次）：{password}")
    } else {
        format!("已添加 {username}。")
    };
    announce(&state, &me, notice).await
}

/// The advisor in the path, or 404.
async fn advisor_in_path(state: &AppState, id: &str) -> Result<Advisor, AppError> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    db::advisors::by_id(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// POST `/admin/advisors/{id}/disable`: no more logins, sessions ended.
/// An admin cannot disable themselves.
pub async fn disable(
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: SignedForm<Admin>,
) -> Result<HttpResponse, AppError> {
    let me = form.me;
    let advisor = advisor_in_path(&state, &id).await?;
    if advisor.id == me.advisor.id {
        let mut errors = FieldErrors::default();
        errors.add("advisor", "不能停用自己的账号");
        return page(&state, &me, RawFields::new(), errors, None).await;
    }
    db::advisors::disable(&state.db, advisor.id).await?;
    let details = json!({ "advisor_id": advisor.id });
    audit(&state, &me, "advisor_disabled", details, &advisor.username).await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/admin/advisors"))
        .finish())
}

/// POST `/admin/advisors/{id}/password`: a new random password, shown once.
pub async fn reset_password(
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: SignedForm<Admin>,
) -> Result<HttpResponse, AppError> {
    let me = form.me;
    let advisor = advisor_in_path(&state, &id).await?;
    let password = random_password();
    db::advisors::set_password(&state.db, advisor.id, &hashed(password.clone()).await?).await?;
    let details = json!({ "advisor_id": advisor.id });
    audit(&state, &me, "password_reset", details, &advisor.username).await?;
    let notice = format!("{} 的新密码（只显示这一次）：{password}", advisor.username);
    announce(&state, &me, notice).await
}

/// Any other action on an advisor: 404, after the same checks.
pub async fn unknown(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    _: SignedForm<Admin>,
) -> Result<HttpResponse, AppError> {
    advisor_in_path(&state, &path.0).await?;
    Err(AppError::NotFound)
}
