//! `/privacy`: the 个人信息处理规则 that consent records point to.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::body::{BODY_LIMIT, form_fields, read_limited};
use super::layout::{PageMeta, SITE_NAME, Site};
use super::{AppError, AppState, render, render_private};
use crate::db;
use crate::db::privacy::{Action, Outcome};
use crate::form::{FieldErrors, RawFields};
use crate::leads::codes::looks_like_code;
use crate::leads::form::Interest;
use crate::leads::status::LeadStatus;
use crate::leads::{NOTICE_VERSION, Phone};

#[derive(Template)]
#[template(path = "privacy.html")]
struct PrivacyPage {
    meta: PageMeta,
    version: &'static str,
    code_minutes: i64,
    /// How long leads, codes and counters are kept: the settings, so the
    /// rules say what the retention job does.
    retention_days: i64,
    code_retention_hours: i64,
    counter_retention_days: i64,
}

pub async fn show(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    render(
        StatusCode::OK,
        &PrivacyPage {
            meta: PageMeta::public(
                &state.site,
                "/privacy",
                format!("个人信息处理规则 - {SITE_NAME}"),
                "沪积分如何收集、使用、保存和删除你提交的个人信息，以及你如何查阅、更正、删除和撤回同意。",
            ),
            version: NOTICE_VERSION,
            code_minutes: state.settings.limits.codes.valid_minutes(),
            retention_days: state.settings.retention.lead_days,
            code_retention_hours: state.settings.retention.code_hours,
            counter_retention_days: state.settings.retention.counter_days,
        },
    )
}

/// One lead as its owner sees it: masked.
pub struct HeldView {
    pub name: String,
    pub interest: &'static str,
    pub status: &'static str,
    pub created: String,
    pub marketing: bool,
    pub has_snapshot: bool,
    pub consents: i64,
    pub events: i64,
}

#[derive(Template)]
#[template(path = "privacy_requests.html")]
pub struct RequestsPage {
    pub meta: PageMeta,
    pub values: RawFields,
    pub errors: FieldErrors,
    pub notice: Option<String>,
    pub result: Option<String>,
    pub held: Vec<HeldView>,
    pub masked_phone: String,
}

impl RequestsPage {
    pub fn new(
        site: &Arc<Site>,
        values: RawFields,
        errors: FieldErrors,
        notice: Option<String>,
    ) -> Self {
        Self {
            meta: PageMeta::private(
                site,
                format!("查询、撤回或删除我的信息 - {SITE_NAME}"),
                "验证手机号后，查看我们保存的你的信息，撤回接收资讯的同意，或删除你的回电申请。",
            ),
            values,
            errors,
            notice,
            result: None,
            held: Vec::new(),
            masked_phone: String::new(),
        }
    }

    pub fn value(&self, name: &str) -> &str {
        self.values.get(name).map_or("", String::as_str)
    }

    pub fn summary(&self) -> Vec<(&'static str, String)> {
        self.errors
            .iter()
            .map(|(name, message)| (name, message.to_string()))
            .collect()
    }
}

pub async fn requests_form(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    render_private(
        StatusCode::OK,
        &RequestsPage::new(&state.site, RawFields::new(), FieldErrors::default(), None),
    )
}

/// What a privacy request asks: the phone, its code and the action, or
/// the form's errors.
fn parse_request(fields: &RawFields) -> Result<(Phone, String, Action), FieldErrors> {
    let get = |name: &str| {
        fields
            .get(name)
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let mut errors = FieldErrors::default();
    let phone = Phone::parse(&get("phone"))
        .map_err(|message| errors.add("phone", message))
        .ok();
    let code = get("code");
    if !looks_like_code(&code) {
        errors.add("code", "请填写6位数字验证码");
    }
    let action = match get("action").as_str() {
        "view" => Some(Action::View),
        "withdraw_marketing" => Some(Action::WithdrawMarketing),
        "delete" => Some(Action::Delete),
        _ => {
            errors.add("action", "请选择要办理的事项");
            None
        }
    };
    match (phone, action, errors.is_empty()) {
        (Some(phone), Some(action), true) => Ok((phone, code, action)),
        _ => Err(errors),
    }
}

/// The form again, 422, with its messages.
fn refuse(
    site: &Arc<Site>,
    fields: RawFields,
    errors: FieldErrors,
) -> Result<HttpResponse, AppError> {
    render_private(
        StatusCode::UNPROCESSABLE_ENTITY,
        &RequestsPage::new(site, fields, errors, None),
    )
}

/// What was done, in a sentence for the visitor.
fn result_text(action: Action, leads: usize, counter_retention_days: i64) -> String {
    match (action, leads) {
        (_, 0) => "我们没有保存与该手机号相关的回电申请。".to_string(),
        (Action::View, n) => {
            format!("我们保存了与该手机号相关的{n}条回电申请，内容如下（已隐去部分信息）。")
        }
        (Action::WithdrawMarketing, n) => {
            format!("已撤回接收积分资讯的同意（涉及{n}条申请）。顾问仍会就你申请的事项回电。")
        }
        (Action::Delete, n) => format!(
            "已删除与该手机号相关的{n}条回电申请及其记录。为防止滥用，验证码发送和提交次数的计数（含手机号）会保留至多{counter_retention_days}天后自动删除；另保留一条不含手机号和姓名的办理记录。"
        ),
    }
}

/// The leads still held after `action`, masked for their owner.
fn held_views(held: Vec<db::privacy::Held>, action: Action) -> Vec<HeldView> {
    held.into_iter()
        .map(|lead| HeldView {
            name: mask_name(&lead.name),
            interest: Interest::asked(&lead.interest).label(),
            status: LeadStatus::label_of(&lead.status),
            created: crate::web::admin::local_time(&lead.created_at),
            marketing: lead.marketing && action != Action::WithdrawMarketing,
            has_snapshot: lead.has_snapshot,
            consents: lead.consents,
            events: lead.events,
        })
        .collect()
}

/// `POST /privacy/requests`: the phone's code proves ownership; then view,
/// withdraw marketing consent, or delete — each recorded.
pub async fn request(
    state: web::Data<AppState>,
    http: actix_web::HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let fields = form_fields(&read_limited(payload, BODY_LIMIT).await?);
    let (phone, code, action) = match parse_request(&fields) {
        Ok(request) => request,
        Err(errors) => return refuse(&state.site, fields, errors),
    };
    let client = super::client_ip::client_ip(&http, state.settings.server.trusted_proxy);
    let outcome = db::privacy::request(
        &state.db,
        &state.secrets,
        &state.settings.limits.codes,
        phone.as_str(),
        &client,
        &code,
        action,
        crate::clock::unix_now(),
    )
    .await?;
    let held = match outcome {
        Outcome::Done { held } => held,
        // One message for a wrong, an expired and a locked code: which one
        // it is would tell a stranger whether the phone has a live code.
        Outcome::Code(_) => {
            let mut errors = FieldErrors::default();
            errors.add("code", crate::leads::codes::WRONG_OR_EXPIRED);
            return refuse(&state.site, fields, errors);
        }
    };
    tracing::info!(action = action.code(), leads = held.len(), to = %phone, "privacy request handled");
    let mut page = RequestsPage::new(&state.site, RawFields::new(), FieldErrors::default(), None);
    page.result = Some(result_text(
        action,
        held.len(),
        state.settings.retention.counter_days,
    ));
    page.masked_phone = phone.masked();
    if action != Action::Delete {
        page.held = held_views(held, action);
    }
    render_private(StatusCode::OK, &page)
}

/// `张三` -> `张*`, `Li Lei` -> `L*****`.
fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => std::iter::once(first).chain(chars.map(|_| '*')).collect(),
        None => String::new(),
    }
}
