//! `/admin/leads`: the list with filters, one lead with everything the
//! visitor told us and what happened since, and the CSV export for admins.
//! The actions on a lead are in `lead_actions`.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde_json::{Value, json};
use time::Duration;

use super::flash::{self, Flash};
use super::lead_form::Section;
use super::lead_view::{LeadView, lead_view};
use super::{Admin, Chrome, SignedIn, local_time};
use crate::clock::{iso_minutes_ago, shanghai_midnight_utc};
use crate::db;
use crate::db::lead_admin::{self, LeadFilter, LeadRow};
use crate::form::RawFields;
use crate::leads::brief::call_brief;
use crate::leads::calls::{CallOutcome, REVEAL_MINUTES};
use crate::leads::changes::parse_date;
use crate::leads::export::csv_line;
use crate::leads::form::Interest;
use crate::leads::snapshot::Snapshot;
use crate::leads::status::LeadStatus;
use crate::web::body::query_fields;
use crate::web::{AppError, AppState, render, shanghai_today};

const PAGE_SIZE: i64 = 20;

/// The filter a query asks for, limited to what this advisor may see.
/// Unknown values are ignored rather than refused: a filter can only narrow.
fn filter_from(query: &RawFields, me: &SignedIn) -> LeadFilter {
    let pick = |name: &str, allowed: &[&str]| {
        query
            .get(name)
            .filter(|v| allowed.contains(&v.as_str()))
            .cloned()
    };
    let interests: Vec<&str> = Interest::ALL.iter().map(|i| i.code()).collect();
    LeadFilter {
        status: query
            .get("status")
            .and_then(|code| LeadStatus::from_code(code)),
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
        unreachable: None,
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
    statuses: &'static [LeadStatus],
    interests: Vec<(&'static str, &'static str)>,
    is_admin: bool,
    /// The query string without `page`, for the pager and the export link.
    base_query: String,
}

impl ListPage {
    pub fn value(&self, name: &str) -> &str {
        self.query.get(name).map_or("", String::as_str)
    }

    /// Whether any filter narrows the list (the panel says so when closed).
    pub fn filtering(&self) -> bool {
        ["status", "advisor", "interest", "band", "from", "to", "q"]
            .iter()
            .any(|name| !self.value(name).is_empty())
    }
}

pub async fn list(
    state: web::Data<AppState>,
    me: SignedIn,
    request: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let query = query_fields(&request);
    let filter = filter_from(&query, &me);
    let page = query
        .get("page")
        .and_then(|p| p.parse::<i64>().ok())
        .unwrap_or(1)
        .clamp(1, 100_000);
    let (rows, total) =
        lead_admin::list(&state.db, &filter, PAGE_SIZE, (page - 1) * PAGE_SIZE).await?;
    let today = shanghai_today();
    let base_query = serde_urlencoded::to_string(
        query
            .iter()
            .filter(|(k, _)| k.as_str() != "page")
            .collect::<Vec<_>>(),
    )
    .unwrap_or_default();
    let advisors = db::advisors::all(&state.db)
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
        statuses: LeadStatus::ALL,
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
            Interest::asked(&s("interest")).label()
        ),
        "repeat_request" => format!(
            "再次提交回电请求（{}）",
            Interest::asked(&s("interest")).label()
        ),
        "note" => format!("备注：{}", s("text")),
        "status_changed" => {
            let reason = detail["reason"]
                .as_str()
                .map(|r| format!("，原因：{r}"))
                .unwrap_or_default();
            format!(
                "状态：{} → {}{reason}",
                LeadStatus::label_of(&s("from")),
                LeadStatus::label_of(&s("to"))
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
        "call" => {
            let outcome = CallOutcome::from_code(&s("outcome")).map_or("未知", CallOutcome::label);
            let attempt = detail["attempt"].as_i64().unwrap_or(0);
            match detail["note"].as_str() {
                Some(note) => format!("通话：{outcome}（第{attempt}次拨打）备注：{note}"),
                None => format!("通话：{outcome}（第{attempt}次拨打）"),
            }
        }
        other => other.to_string(),
    }
}

/// One consent record: when, notice version, marketing, sensitive data, IP.
type ConsentView = (String, String, bool, bool, String);

/// The full number, shown to the advisor who revealed it until `until`.
pub struct Revealed {
    pub phone: String,
    /// "14:32", Shanghai time.
    pub until: String,
}

/// Why an action was refused, beside which form and field, with what was
/// typed.
pub struct PageRefusal {
    section: Section,
    field: Option<&'static str>,
    message: &'static str,
    kept: RawFields,
}

#[derive(Template)]
#[template(path = "admin/lead.html")]
pub struct DetailPage {
    chrome: Chrome,
    lead: LeadView,
    revealed: Option<Revealed>,
    source: String,
    snapshot: Option<Snapshot>,
    brief: Vec<String>,
    events: Vec<EventView>,
    consents: Vec<ConsentView>,
    statuses: &'static [LeadStatus],
    outcomes: &'static [CallOutcome],
    advisors: Vec<(i64, String)>,
    flash: Option<&'static str>,
    refusal: Option<PageRefusal>,
    csrf: String,
    /// Today (Shanghai), the earliest follow-up date.
    today: String,
    /// One-tap follow-up dates: (date, label).
    quick_picks: Vec<(String, &'static str)>,
}

impl DetailPage {
    pub fn signed(&self, points: &i32) -> String {
        crate::web::layout::signed_points(*points)
    }

    /// The page of `row` as `me` sees it: masked unless `me` revealed the
    /// number in the last 10 minutes, with no message.
    pub async fn load(state: &AppState, me: &SignedIn, row: &LeadRow) -> Result<Self, AppError> {
        let extra = lead_admin::extra(&state.db, row.id)
            .await?
            .ok_or(AppError::NotFound)?;
        let snapshot: Option<Snapshot> = extra
            .assessment_snapshot
            .as_deref()
            .and_then(|json| serde_json::from_str(json).ok());
        let today = shanghai_today();
        Ok(DetailPage {
            chrome: me.chrome(&format!("线索 #{}", row.id)),
            lead: lead_view(row, &state.calendar, today),
            revealed: revealed(state, me, row).await?,
            source: source_text(&extra.source, extra.assessment_token.is_some()).to_string(),
            brief: brief(state, snapshot.as_ref()),
            snapshot,
            events: timeline(state, row.id).await?,
            consents: consents(state, row.id).await?,
            statuses: LeadStatus::ALL,
            outcomes: CallOutcome::ALL,
            advisors: assignable_advisors(state, me).await?,
            flash: None,
            refusal: None,
            csrf: me.csrf.clone(),
            today: today.to_string(),
            quick_picks: vec![
                ((today + Duration::days(1)).to_string(), "明天"),
                ((today + Duration::days(3)).to_string(), "3天后"),
            ],
        })
    }

    /// Confirms the last action.
    pub fn with_flash(mut self, flash: Option<Flash>) -> Self {
        self.flash = flash.map(Flash::message);
        self
    }

    /// Shows why an action was refused, beside its form, with `kept` typed.
    pub fn refused(
        mut self,
        section: Section,
        field: Option<&'static str>,
        message: &'static str,
        kept: RawFields,
    ) -> Self {
        self.refusal = Some(PageRefusal {
            section,
            field,
            message,
            kept,
        });
        self
    }

    /// The refusal message if it belongs to the form `section`.
    pub fn error_in(&self, section: &str) -> Option<&'static str> {
        self.refusal
            .as_ref()
            .filter(|refusal| refusal.section.code() == section)
            .map(|refusal| refusal.message)
    }

    /// The refusal message if it is about the field `name`.
    pub fn field_error(&self, name: &str) -> Option<&'static str> {
        self.refusal
            .as_ref()
            .filter(|refusal| refusal.field == Some(name))
            .map(|refusal| refusal.message)
    }

    /// The id of what the error summary links to: the field, or the form.
    pub fn error_target(&self) -> String {
        match &self.refusal {
            Some(PageRefusal {
                field: Some(field), ..
            }) => format!("call-{}", field.replace('_', "-")),
            Some(refusal) => format!("{}-form", refusal.section.code().replace('_', "-")),
            None => String::new(),
        }
    }

    /// What was typed into `name` on the refused form `section`, else "".
    pub fn kept(&self, section: &str, name: &str) -> &str {
        self.refusal
            .as_ref()
            .filter(|refusal| refusal.section.code() == section)
            .and_then(|refusal| refusal.kept.get(name))
            .map_or("", String::as_str)
    }
}

/// The full number if `me` revealed it in the last 10 minutes.
async fn revealed(
    state: &AppState,
    me: &SignedIn,
    row: &LeadRow,
) -> Result<Option<Revealed>, AppError> {
    let since = iso_minutes_ago(REVEAL_MINUTES);
    let at = lead_admin::revealed_at(&state.db, row.id, &me.advisor.username, &since).await?;
    Ok(at.map(|at| Revealed {
        phone: row.phone.clone(),
        until: local_clock_time(&at, REVEAL_MINUTES),
    }))
}

/// "14:32": Shanghai time `minutes` after stored UTC ISO text.
fn local_clock_time(iso: &str, minutes: i64) -> String {
    time::OffsetDateTime::parse(iso, &time::format_description::well_known::Rfc3339)
        .map(|at| {
            let at = (at + Duration::minutes(minutes)).to_offset(time::macros::offset!(+8));
            format!("{:02}:{:02}", at.hour(), at.minute())
        })
        .unwrap_or_default()
}

/// Where the visitor asked for the callback.
fn source_text(source: &str, with_assessment: bool) -> &'static str {
    match (source, with_assessment) {
        ("result", _) => "自测结果页",
        (_, true) => "咨询页（附自测结果）",
        _ => "咨询页",
    }
}

/// What to ask on the call: from the attached result, or the basics.
fn brief(state: &AppState, snapshot: Option<&Snapshot>) -> Vec<String> {
    snapshot
        .map(|s| call_brief(s, &state.settings.reference_wages))
        .unwrap_or_else(|| vec!["未附自测结果：电话中先了解年龄、学历、职称和社保情况".to_string()])
}

async fn timeline(state: &AppState, lead_id: i64) -> Result<Vec<EventView>, AppError> {
    Ok(lead_admin::events(&state.db, lead_id)
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
        .collect())
}

async fn consents(state: &AppState, lead_id: i64) -> Result<Vec<ConsentView>, AppError> {
    Ok(lead_admin::consents(&state.db, lead_id)
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
        .collect())
}

/// Whom `me` may hand the lead to: any active advisor for an admin, else
/// only themselves.
async fn assignable_advisors(
    state: &AppState,
    me: &SignedIn,
) -> Result<Vec<(i64, String)>, AppError> {
    Ok(db::advisors::all(&state.db)
        .await?
        .into_iter()
        .filter(|a| a.active && (me.advisor.is_admin() || a.id == me.advisor.id))
        .map(|a| (a.id, a.display_name))
        .collect())
}

/// The lead if it exists and this advisor may see it; 404 otherwise, so a
/// lead that is not yours looks like one that does not exist.
pub async fn visible_lead(state: &AppState, me: &SignedIn, id: &str) -> Result<LeadRow, AppError> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let row = lead_admin::row(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if me.can_see(row.advisor_id) {
        Ok(row)
    } else {
        tracing::warn!(advisor = %me.advisor.username, lead_id = id, "lead of another advisor refused");
        Err(AppError::NotFound)
    }
}

pub async fn detail(
    state: web::Data<AppState>,
    me: SignedIn,
    id: web::Path<String>,
    request: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let row = visible_lead(&state, &me, &id).await?;
    let flash = flash::pending(&state, &request);
    let page = DetailPage::load(&state, &me, &row).await?.with_flash(flash);
    let mut response = render(StatusCode::OK, &page)?;
    if flash.is_some() {
        flash::clear(&state, &mut response)?;
    }
    Ok(response)
}

const CSV_HEADER: [&str; 11] = [
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
];

/// One lead as a CSV line, full phone included.
fn csv_row(row: &LeadRow) -> String {
    csv_line([
        row.id.to_string(),
        row.name.clone(),
        row.phone.clone(),
        Interest::asked(&row.interest).label().to_string(),
        row.organisation.clone().unwrap_or_default(),
        LeadStatus::label_of(&row.status).to_string(),
        row.advisor_name.clone().unwrap_or_default(),
        row.total.map(|t| t.to_string()).unwrap_or_default(),
        local_time(&row.created_at),
        row.first_contacted_at
            .as_deref()
            .map(local_time)
            .unwrap_or_default(),
        row.next_follow_up.clone().unwrap_or_default(),
    ])
}

/// `/admin/leads.csv`: the filtered list with full phones, admins only.
pub async fn csv(
    state: web::Data<AppState>,
    me: Admin,
    request: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let query = query_fields(&request);
    let filter = filter_from(&query, &me);
    let (rows, _) = lead_admin::list(&state.db, &filter, 100_000, 0).await?;
    // A byte-order mark so Excel reads the Chinese as UTF-8.
    let mut body = String::from("\u{feff}");
    body.push_str(&csv_line(CSV_HEADER));
    for row in &rows {
        body.push_str(&csv_row(row));
    }
    db::advisors::record_admin_event(
        &state.db,
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
