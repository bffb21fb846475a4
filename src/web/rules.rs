//! `GET /rules` (规则与更新记录): every rule revision with its date, what
//! changed and its public sources, and the reference-wage table; all from
//! the data the engine scores with. Rendered and gzipped at start.

use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::layout::{PageMeta, SITE_NAME, Site};
use super::precompressed::Precompressed;
use super::{AppState, HTML};
use crate::scoring::{ReferenceWages, Revision, Revisions, YearMonth};
use crate::settings::Settings;

#[derive(Template)]
#[template(path = "rules.html")]
struct RulesPage<'a> {
    meta: PageMeta,
    /// Newest first.
    revisions: Vec<&'a Revision>,
    /// The id of the revision in force today.
    in_force: String,
    wage_table: String,
    /// The figure in force is assumed past the last month a notice
    /// confirms it (RULES.md §5): the open question, in Chinese.
    unverified: Option<String>,
}

impl RulesPage<'_> {
    fn chinese_date(&self, revision: &Revision) -> String {
        crate::scoring::wages::chinese_date(revision.effective)
    }
}

pub fn render_rules(
    settings: &Settings,
    site: &Arc<Site>,
    today: time::Date,
) -> anyhow::Result<Precompressed> {
    let revisions = Revisions::bundled();
    let page = RulesPage {
        meta: PageMeta::public(
            site,
            "/rules",
            format!("规则与更新记录 - {SITE_NAME}"),
            "本站计分所依据的上海居住证积分规则、此后每次调整的生效日期与公开来源，以及各时期的社平工资和社保基数档次。",
        ),
        revisions: revisions.all().iter().rev().collect(),
        in_force: revisions.in_force_on(today).id(),
        wage_table: crate::guides::wage_table_html(&settings.reference_wages),
        unverified: open_question(&settings.reference_wages, today),
    };
    Ok(Precompressed::new(page.render()?))
}

/// "2026年7月起的…尚未见公开通知" while today lies past the verified month.
fn open_question(wages: &ReferenceWages, today: time::Date) -> Option<String> {
    let month = YearMonth::of(today);
    let period = wages.current(month)?;
    period.unverified_in(month).then(|| {
        format!(
            "待确认：{}起积分所用的社平工资尚未见公开通知。本站暂按{}元/月（{}的数字）计算，并在每个测算结果中注明；新的通知公布并录入后，以新数字为准。",
            period.verified_to.plus_months(1).chinese(),
            period.yuan,
            period.chinese()
        )
    })
}

pub async fn show(state: web::Data<AppState>, request: HttpRequest) -> HttpResponse {
    state.fixed_pages.rules.respond(&request, HTML, None)
}
