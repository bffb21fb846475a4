//! `/admin/leads`: the list with filters, one lead (its page is
//! `lead_page`), and the CSV export for admins. The actions on a lead are in
//! `lead_actions`.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde_json::json;
use time::Duration;

use super::flash;
use super::lead_page::DetailPage;
use super::lead_view::{LeadView, lead_view};
use super::{Admin, Chrome, SignedIn, local_time};
use crate::clock::shanghai_midnight_utc;
use crate::db;
use crate::db::lead_admin::{self, LeadFilter, LeadRow};
use crate::form::RawFields;
use crate::leads::changes::parse_date;
use crate::leads::export::csv_line;
use crate::leads::form::Interest;
use crate::leads::status::LeadStatus;
use crate::scoring::school::Status;
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

const CSV_HEADER: [&str; 13] = [
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
    "孩子中考年份",
    "中考积分状态",
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
        row.zhongkao_year.map(|y| y.to_string()).unwrap_or_default(),
        row.school_status
            .as_deref()
            .and_then(Status::from_code)
            .map(|s| s.label().to_string())
            .unwrap_or_default(),
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
