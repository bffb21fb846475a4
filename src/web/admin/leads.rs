//! `/admin/leads`: the list with filters, one lead with everything the
//! visitor told us and what happened since, the actions on it, and the CSV
//! export for admins.

use crate::leads::form::has_invisible_character;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde_json::{Value, json};
use time::{Date, Duration};

use super::queue::shanghai_midnight_utc;
use super::{Chrome, Current, current, local_date, local_time, signed_form};
use crate::db;
use crate::db::lead_admin::{self, Change, LeadFilter, LeadRow, STATUSES, status_label};
use crate::form::RawFields;
use crate::leads::brief::call_brief;
use crate::leads::export::csv_line;
use crate::leads::form::Interest;
use crate::leads::snapshot::Snapshot;
use crate::leads::workdays::Calendar;
use crate::leads::{mask_phone, score_band, score_band_label};
use crate::web::body::query_fields;
use crate::web::{AppError, AppState, render, shanghai_today};

const PAGE_SIZE: i64 = 20;
/// Free text refuses format characters (bidi, zero-width), as every form does.
const INVISIBLE_NOTE: &str =
    "备注包含看不见的特殊字符（如零宽空格、文字方向控制符），请删除后重新填写";
const INVISIBLE_REASON: &str =
    "原因包含看不见的特殊字符（如零宽空格、文字方向控制符），请删除后重新填写";
const NOTE_MAX_CHARS: usize = 2000;
const REASON_MAX_CHARS: usize = 200;

/// A lead as lists show it: never the full phone.
pub struct LeadView {
    pub id: i64,
    pub name: String,
    pub phone: String,
    pub interest: &'static str,
    pub organisation: Option<String>,
    pub status: &'static str,
    pub status_code: String,
    pub advisor: String,
    pub total: Option<i64>,
    pub band: &'static str,
    pub created: String,
    pub age: String,
    pub overdue: bool,
    pub next_follow_up: Option<String>,
}

fn age_text(created_iso: &str) -> String {
    let Ok(created) =
        time::OffsetDateTime::parse(created_iso, &time::format_description::well_known::Rfc3339)
    else {
        return String::new();
    };
    let minutes = (time::OffsetDateTime::now_utc() - created)
        .whole_minutes()
        .max(0);
    match minutes {
        0..=59 => format!("{minutes}分钟"),
        60..=1439 => format!("{}小时", minutes / 60),
        _ => format!("{}天", minutes / 1440),
    }
}

pub fn lead_view(row: &LeadRow, calendar: &Calendar, today: Date) -> LeadView {
    let overdue = row.status == "new"
        && local_date(&row.created_at)
            .is_some_and(|submitted| calendar.is_overdue(submitted, today));
    LeadView {
        id: row.id,
        name: row.name.clone(),
        phone: mask_phone(&row.phone),
        interest: Interest::from_code(&row.interest).label(),
        organisation: row.organisation.clone(),
        status: status_label(&row.status),
        status_code: row.status.clone(),
        advisor: row.advisor_name.clone().unwrap_or_else(|| "未分配".into()),
        total: row.total,
        band: score_band_label(score_band(row.total.and_then(|t| i32::try_from(t).ok()))),
        created: local_time(&row.created_at),
        age: age_text(&row.created_at),
        overdue,
        next_follow_up: row.next_follow_up.clone(),
    }
}

fn parse_date(text: &str) -> Option<Date> {
    Date::parse(
        text.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()
}

/// The filter a query asks for, limited to what this advisor may see.
/// Unknown values are ignored rather than refused: a filter can only narrow.
fn filter_from(query: &RawFields, me: &Current) -> LeadFilter {
    let pick = |name: &str, allowed: &[&str]| {
        query
            .get(name)
            .filter(|v| allowed.contains(&v.as_str()))
            .cloned()
    };
    let statuses: Vec<&str> = STATUSES.iter().map(|(code, _)| *code).collect();
    let interests: Vec<&str> = Interest::ALL.iter().map(|i| i.code()).collect();
    LeadFilter {
        status: pick("status", &statuses),
        advisor: match query.get("advisor").map(String::as_str) {
            Some("none") => Some(None),
            Some(id) => id.parse().ok().map(Some),
            None => None,
        },
        interest: pick("interest", &interests),
        from: query
            .get("from")
            .and_then(|d| parse_date(d))
            .map(shanghai_midnight_utc),
        until: query
            .get("to")
            .and_then(|d| parse_date(d))
            .map(|d| shanghai_midnight_utc(d + Duration::days(1))),
        band: pick("band", &["reached", "near", "far", "none"]),
        search: query.get("q").map(|q| q.chars().take(32).collect()),
        visible_to: me.visible_to(),
    }
}

#[derive(Template)]
#[template(path = "admin/leads.html")]
struct ListPage {
    chrome: Chrome,
    leads: Vec<LeadView>,
    query: RawFields,
    total: i64,
    page: i64,
    pages: i64,
    advisors: Vec<(i64, String)>,
    statuses: &'static [(&'static str, &'static str)],
    interests: Vec<(&'static str, &'static str)>,
    is_admin: bool,
    /// The query string without `page`, for the pager and the export link.
    base_query: String,
}

impl ListPage {
    pub fn value(&self, name: &str) -> &str {
        self.query.get(name).map_or("", String::as_str)
    }
}

pub async fn list(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let me = current(&state, &request).await?;
    let query = query_fields(&request);
    let filter = filter_from(&query, &me);
    let page = query
        .get("page")
        .and_then(|p| p.parse::<i64>().ok())
        .unwrap_or(1)
        .clamp(1, 100_000);
    let (rows, total) =
        lead_admin::list(&state.pool, &filter, PAGE_SIZE, (page - 1) * PAGE_SIZE).await?;
    let today = shanghai_today();
    let base_query = serde_urlencoded::to_string(
        query
            .iter()
            .filter(|(k, _)| k.as_str() != "page")
            .collect::<Vec<_>>(),
    )
    .unwrap_or_default();
    let advisors = db::advisors::all(&state.pool)
        .await?
        .into_iter()
        .map(|a| (a.id, a.display_name))
        .collect();
    let page = ListPage {
        chrome: me.chrome("线索"),
        leads: rows
            .iter()
            .map(|row| lead_view(row, &state.calendar, today))
            .collect(),
        total,
        page,
        pages: ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1),
        advisors,
        statuses: STATUSES,
        interests: Interest::ALL
            .iter()
            .map(|i| (i.code(), i.label()))
            .collect(),
        is_admin: me.advisor.is_admin(),
        query,
        base_query,
    };
    render(StatusCode::OK, &page)
}

/// One timeline entry, in words.
pub struct EventView {
    pub when: String,
    pub who: String,
    pub text: String,
}

fn event_text(kind: &str, detail: &Value) -> String {
    let s = |key: &str| detail[key].as_str().unwrap_or("").to_string();
    match kind {
        "created" => format!(
            "提交回电请求（{}）",
            Interest::from_code(&s("interest")).label()
        ),
        "repeat_request" => format!(
            "再次提交回电请求（{}）",
            Interest::from_code(&s("interest")).label()
        ),
        "note" => format!("备注：{}", s("text")),
        "status_changed" => {
            let reason = detail["reason"]
                .as_str()
                .map(|r| format!("，原因：{r}"))
                .unwrap_or_default();
            format!(
                "状态：{} → {}{reason}",
                status_label(&s("from")),
                status_label(&s("to"))
            )
        }
        "assigned" => match detail["advisor"].as_str() {
            Some(name) => format!("分配给 {name}"),
            None => "取消分配".into(),
        },
        "follow_up_set" => match detail["date"].as_str() {
            Some(date) => format!("下次跟进：{date}"),
            None => "清除下次跟进日期".into(),
        },
        "phone_revealed" => "查看了完整手机号".into(),
        other => other.to_string(),
    }
}

#[derive(Template)]
#[template(path = "admin/lead.html")]
struct DetailPage {
    chrome: Chrome,
    lead: LeadView,
    /// The full number, only right after a reveal.
    revealed_phone: Option<String>,
    source: String,
    snapshot: Option<Snapshot>,
    brief: Vec<String>,
    events: Vec<EventView>,
    consents: Vec<(String, String, bool, bool, String)>,
    statuses: &'static [(&'static str, &'static str)],
    advisors: Vec<(i64, String)>,
    error: Option<String>,
    csrf: String,
}

impl DetailPage {
    pub fn signed(&self, points: &i32) -> String {
        crate::web::layout::signed_points(*points)
    }
}

/// The lead if it exists and this advisor may see it; 404 otherwise, so a
/// lead that is not yours looks like one that does not exist.
async fn visible_lead(state: &AppState, me: &Current, id: &str) -> Result<LeadRow, AppError> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let row = lead_admin::row(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if me.can_see(row.advisor_id) {
        Ok(row)
    } else {
        tracing::warn!(advisor = %me.advisor.username, lead_id = id, "lead of another advisor refused");
        Err(AppError::NotFound)
    }
}

async fn detail_page(
    state: &AppState,
    me: &Current,
    row: &LeadRow,
    revealed: bool,
    error: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let extra = lead_admin::extra(&state.pool, row.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let snapshot: Option<Snapshot> = extra
        .assessment_snapshot
        .as_deref()
        .and_then(|json| serde_json::from_str(json).ok());
    let brief = snapshot
        .as_ref()
        .map(|s| call_brief(s, &state.settings.reference_wages))
        .unwrap_or_else(|| {
            vec!["未附自测结果：电话中先了解年龄、学历、职称和社保情况".to_string()]
        });
    let events = lead_admin::events(&state.pool, row.id)
        .await?
        .into_iter()
        .map(|event| EventView {
            when: local_time(&event.created_at),
            who: event.actor.unwrap_or_else(|| "访客".into()),
            text: event_text(
                &event.kind,
                &serde_json::from_str(&event.detail).unwrap_or(Value::Null),
            ),
        })
        .collect();
    let consents = lead_admin::consents(&state.pool, row.id)
        .await?
        .into_iter()
        .map(|c| {
            (
                local_time(&c.created_at),
                c.notice_version,
                c.marketing,
                c.share_sensitive,
                c.ip,
            )
        })
        .collect();
    let advisors = db::advisors::all(&state.pool)
        .await?
        .into_iter()
        .filter(|a| a.active && (me.advisor.is_admin() || a.id == me.advisor.id))
        .map(|a| (a.id, a.display_name))
        .collect();
    let source = match (extra.source.as_str(), &extra.assessment_token) {
        ("result", _) => "自测结果页".to_string(),
        (_, Some(_)) => "咨询页（附自测结果）".to_string(),
        _ => "咨询页".to_string(),
    };
    let page = DetailPage {
        chrome: me.chrome(&format!("线索 #{}", row.id)),
        lead: lead_view(row, &state.calendar, shanghai_today()),
        revealed_phone: revealed.then(|| row.phone.clone()),
        source,
        snapshot,
        brief,
        events,
        consents,
        statuses: STATUSES,
        advisors,
        error,
        csrf: me.csrf.clone(),
    };
    render(status, &page)
}

pub async fn detail(
    state: web::Data<AppState>,
    request: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let me = current(&state, &request).await?;
    let row = visible_lead(&state, &me, &id).await?;
    detail_page(&state, &me, &row, false, None, StatusCode::OK).await
}

/// POST `/admin/leads/{id}/{reveal|notes|status|assign|follow-up}`.
pub async fn act(
    state: web::Data<AppState>,
    request: HttpRequest,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let (id, action) = path.into_inner();
    let (me, fields) = signed_form(&state, &request, payload).await?;
    let row = visible_lead(&state, &me, &id).await?;
    let actor = me.advisor.username.clone();
    let field = |name: &str| {
        fields
            .get(name)
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let refuse = |message: &str| {
        detail_page(
            &state,
            &me,
            &row,
            false,
            Some(message.to_string()),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
    };

    let change = match action.as_str() {
        "reveal" => {
            lead_admin::apply(&state.pool, row.id, &actor, Change::Reveal).await?;
            tracing::info!(advisor = %actor, lead_id = row.id, "phone revealed");
            return detail_page(&state, &me, &row, true, None, StatusCode::OK).await;
        }
        "notes" => {
            let text = field("text");
            let chars = text.chars().count();
            if chars == 0 {
                return refuse("请填写备注内容").await;
            }
            if chars > NOTE_MAX_CHARS {
                return refuse("备注最多2000字").await;
            }
            if has_invisible_character(&text, true) {
                return refuse(INVISIBLE_NOTE).await;
            }
            lead_admin::apply(&state.pool, row.id, &actor, Change::Note(&text)).await?;
            "note"
        }
        "status" => {
            let status = field("status");
            if !STATUSES.iter().any(|(code, _)| *code == status) {
                return refuse("未知的状态").await;
            }
            let reason = field("reason");
            if status == "invalid" && reason.is_empty() {
                return refuse("标记为无效时请填写原因").await;
            }
            if reason.chars().count() > REASON_MAX_CHARS {
                return refuse("原因最多200字").await;
            }
            if has_invisible_character(&reason, false) {
                return refuse(INVISIBLE_REASON).await;
            }
            let reason = (!reason.is_empty()).then_some(reason.as_str());
            lead_admin::apply(
                &state.pool,
                row.id,
                &actor,
                Change::Status {
                    status: &status,
                    reason,
                },
            )
            .await?;
            "status"
        }
        "assign" => {
            let wanted = field("advisor");
            let target = if wanted.is_empty() {
                None
            } else {
                let id: i64 = wanted.parse().map_err(|_| AppError::NotFound)?;
                Some(
                    db::advisors::by_id(&state.pool, id)
                        .await?
                        .filter(|a| a.active),
                )
            };
            let (advisor_id, advisor_name) = match target {
                None => (None, None),
                Some(None) => return refuse("该顾问不存在或已停用").await,
                Some(Some(advisor)) => (Some(advisor.id), Some(advisor.display_name)),
            };
            if !me.advisor.is_admin() && advisor_id.is_some_and(|id| id != me.advisor.id) {
                return Err(AppError::Forbidden);
            }
            lead_admin::apply(
                &state.pool,
                row.id,
                &actor,
                Change::Assign {
                    advisor_id,
                    advisor_name: advisor_name.as_deref(),
                },
            )
            .await?;
            "assign"
        }
        "follow-up" => {
            let text = field("date");
            let date = if text.is_empty() {
                None
            } else {
                match parse_date(&text) {
                    Some(date) => Some(date.to_string()),
                    None => return refuse("日期格式应为 2026-12-01").await,
                }
            };
            lead_admin::apply(
                &state.pool,
                row.id,
                &actor,
                Change::FollowUp(date.as_deref()),
            )
            .await?;
            "follow-up"
        }
        _ => return Err(AppError::NotFound),
    };
    tracing::info!(advisor = %actor, lead_id = row.id, change, "lead updated");
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, format!("/admin/leads/{}", row.id)))
        .finish())
}

/// `/admin/leads.csv`: the filtered list with full phones, admins only.
pub async fn csv(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let me = current(&state, &request).await?;
    me.require_admin()?;
    let query = query_fields(&request);
    let filter = filter_from(&query, &me);
    let (rows, _) = lead_admin::list(&state.pool, &filter, 100_000, 0).await?;
    // A byte-order mark so Excel reads the Chinese as UTF-8.
    let mut body = String::from("\u{feff}");
    body.push_str(&csv_line([
        "编号",
        "称呼",
        "手机号",
        "意向",
        "机构",
        "状态",
        "顾问",
        "自测分数",
        "提交时间",
        "首次联系",
        "下次跟进",
    ]));
    for row in &rows {
        body.push_str(&csv_line([
            row.id.to_string(),
            row.name.clone(),
            row.phone.clone(),
            Interest::from_code(&row.interest).label().to_string(),
            row.organisation.clone().unwrap_or_default(),
            status_label(&row.status).to_string(),
            row.advisor_name.clone().unwrap_or_default(),
            row.total.map(|t| t.to_string()).unwrap_or_default(),
            local_time(&row.created_at),
            row.first_contacted_at
                .as_deref()
                .map(local_time)
                .unwrap_or_default(),
            row.next_follow_up.clone().unwrap_or_default(),
        ]));
    }
    db::advisors::record_admin_event(
        &state.pool,
        me.advisor.id,
        "csv_export",
        &json!({ "rows": rows.len(), "filter": query }),
    )
    .await?;
    tracing::info!(advisor = %me.advisor.username, rows = rows.len(), "leads exported");
    let filename = format!(
        "leads-{}.csv",
        shanghai_today().to_string().replace('-', "")
    );
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .body(body))
}
