//! `GET /rules` (规则与更新记录): every rule revision with its date, what
//! changed and its public sources, and the reference-wage table; all from
//! the data the engine scores with. Rendered and gzipped at start.

use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::layout::{PageMeta, SITE_NAME, Site};
use super::precompressed::Precompressed;
use super::{AppState, HTML};
use crate::scoring::{Revision, Revisions};
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
    };
    Ok(Precompressed::new(page.render()?))
}

pub async fn show(state: web::Data<AppState>, request: HttpRequest) -> HttpResponse {
    state.fixed_pages.rules.respond(&request, HTML, None)
}
