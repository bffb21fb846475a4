//! `/privacy`: the 个人信息处理规则 that consent records point to.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::layout::{PageMeta, SITE_NAME};
use super::{AppError, AppState, render};
use crate::leads::NOTICE_VERSION;

#[derive(Template)]
#[template(path = "privacy.html")]
struct PrivacyPage {
    meta: PageMeta,
    version: &'static str,
    retention_days: u32,
    code_minutes: i64,
}

pub async fn show(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    render(
        StatusCode::OK,
        &PrivacyPage {
            meta: PageMeta::public(
                &state.settings,
                "/privacy",
                format!("个人信息处理规则 - {SITE_NAME}"),
                "沪积分如何收集、使用、保存和删除你提交的个人信息，以及你如何查阅、更正、删除和撤回同意。",
            ),
            version: NOTICE_VERSION,
            retention_days: 180,
            code_minutes: state.settings.code_rules.valid_minutes(),
        },
    )
}
