//! `/admin`: today's queue — new leads, overdue ones, follow-ups due, counts
//! by status, and a 30-day activity chart drawn as SVG on the server.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use time::{Date, Duration};

use super::flash::{self, Flash};
use super::lead_view::{LeadView, lead_view};
use super::{Chrome, SignedIn};
use crate::clock::shanghai_midnight_utc;
use crate::db::lead_admin::{self, LeadFilter};
use crate::leads::status::LeadStatus;
use crate::web::{AppError, AppState, render, shanghai_today};

#[derive(Template)]
#[template(path = "admin/queue.html")]
struct QueuePage {
    chrome: Chrome,
    fresh: Vec<LeadView>,
    overdue: Vec<LeadView>,
    follow_ups: Vec<LeadView>,
    /// Open leads that did not answer three times: tried later, apart.
    unreachable: Vec<LeadView>,
    counts: Vec<(&'static str, &'static str, i64)>,
    flash: Option<&'static str>,
    chart: String,
}

pub async fn today(
    state: web::Data<AppState>,
    me: SignedIn,
    request: HttpRequest,
) -> Result<HttpResponse, AppError> {
    let today = shanghai_today();
    let flash = flash::pending(&state, &request);
    let filter = LeadFilter {
        status: Some(LeadStatus::New),
        visible_to: me.visible_to(),
        unreachable: Some(false),
        ..LeadFilter::default()
    };
    let (new_leads, _) = lead_admin::list(&state.db, &filter, 200, 0).await?;
    let (mut overdue, mut fresh): (Vec<LeadView>, Vec<LeadView>) = new_leads
        .iter()
        .map(|row| lead_view(row, &state.calendar, today))
        .partition(|view| view.overdue);
    // A child whose 中考 is near and at risk comes first (issue 26).
    overdue.sort_by_key(|view| !view.urgent);
    fresh.sort_by_key(|view| !view.urgent);
    let follow_ups = lead_admin::follow_ups_due(&state.db, &today.to_string(), me.visible_to())
        .await?
        .iter()
        .map(|row| lead_view(row, &state.calendar, today))
        .collect();
    let unreachable = lead_admin::unreachable(&state.db, me.visible_to())
        .await?
        .iter()
        .map(|row| lead_view(row, &state.calendar, today))
        .collect();
    let stored: BTreeMap<String, i64> = lead_admin::status_counts(&state.db, me.visible_to())
        .await?
        .into_iter()
        .collect();
    let counts = LeadStatus::ALL
        .iter()
        .map(|status| {
            let count = stored.get(status.code()).copied().unwrap_or(0);
            (status.code(), status.label(), count)
        })
        .collect();
    let first_day = today - Duration::days(29);
    let activity = lead_admin::daily_activity(&state.db, &shanghai_midnight_utc(first_day)).await?;
    let page = QueuePage {
        chrome: me.chrome("今日队列"),
        fresh,
        overdue,
        follow_ups,
        unreachable,
        counts,
        chart: activity_chart(first_day, &activity),
        flash: flash.map(Flash::message),
    };
    let mut response = render(StatusCode::OK, &page)?;
    if flash.is_some() {
        flash::clear(&state, &mut response)?;
    }
    Ok(response)
}

/// A day's counts: self-tests, leads, first contacts.
type DayCounts = (i64, i64, i64);
/// One line of the chart: its name, colour, and which count it draws.
type Series = (&'static str, &'static str, fn(&DayCounts) -> i64);

const DAYS: usize = 30;

/// The counts of each of the 30 days from `first_day`, zero where the
/// database had none.
fn chart_days(first_day: Date, activity: &[(String, i64, i64, i64)]) -> Vec<(Date, DayCounts)> {
    let by_day: BTreeMap<&str, DayCounts> = activity
        .iter()
        .map(|(day, tests, leads, contacts)| (day.as_str(), (*tests, *leads, *contacts)))
        .collect();
    (0..DAYS)
        .map(|offset| {
            let day = first_day + Duration::days(offset as i64);
            let counts = by_day.get(day.to_string().as_str()).copied();
            (day, counts.unwrap_or_default())
        })
        .collect()
}

/// Three lines over 30 days: self-tests, leads, first contacts.
pub fn activity_chart(first_day: Date, activity: &[(String, i64, i64, i64)]) -> String {
    const WIDTH: f64 = 600.0;
    const HEIGHT: f64 = 180.0;
    const LEFT: f64 = 36.0;
    const BOTTOM: f64 = 20.0;
    let days = chart_days(first_day, activity);
    let max = days
        .iter()
        .map(|(_, (a, b, c))| *a.max(b).max(c))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let x = |index: usize| LEFT + (WIDTH - LEFT - 8.0) * index as f64 / (DAYS - 1) as f64;
    let y = |value: i64| (HEIGHT - BOTTOM) - (HEIGHT - BOTTOM - 10.0) * value as f64 / max;
    let line = |pick: fn(&DayCounts) -> i64| {
        days.iter()
            .enumerate()
            .map(|(i, (_, counts))| format!("{:.1},{:.1}", x(i), y(pick(counts))))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let total = |pick: fn(&DayCounts) -> i64| days.iter().map(|(_, c)| pick(c)).sum::<i64>();
    let series: [Series; 3] = [
        ("自测", "#9e0b23", |c| c.0),
        ("线索", "#1a7f37", |c| c.1),
        ("首次联系", "#0b5cad", |c| c.2),
    ];
    let mut svg = format!(
        r#"<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="chart-title" xmlns="http://www.w3.org/2000/svg"><title id="chart-title">近30天每日自测、线索与首次联系</title>"#
    );
    svg.push_str(&format!(
        r##"<line x1="{LEFT}" y1="{b}" x2="{r}" y2="{b}" stroke="#b9c0c8"/><text x="{t}" y="14" font-size="11" text-anchor="end" fill="#5b636d">{max}</text><text x="{t}" y="{b}" font-size="11" text-anchor="end" fill="#5b636d">0</text>"##,
        b = HEIGHT - BOTTOM,
        r = WIDTH - 8.0,
        t = LEFT - 6.0,
        max = max as i64
    ));
    for (index, (day, _)) in days
        .iter()
        .enumerate()
        .filter(|(i, _)| (i % 7 == 0 && i + 3 < DAYS) || *i == DAYS - 1)
    {
        svg.push_str(&format!(
            r##"<text x="{:.1}" y="{}" font-size="11" text-anchor="middle" fill="#5b636d">{}/{}</text>"##,
            x(index),
            HEIGHT - 4.0,
            day.month() as u8,
            day.day()
        ));
    }
    for (name, colour, pick) in series {
        svg.push_str(&format!(
            r#"<polyline fill="none" stroke="{colour}" stroke-width="2" points="{}"><title>{name}：共{}</title></polyline>"#,
            line(pick),
            total(pick)
        ));
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_chart_has_three_series_over_thirty_days() {
        let svg = activity_chart(
            date!(2026 - 10 - 30),
            &[
                ("2026-11-28".into(), 5, 2, 1),
                ("2026-11-01".into(), 3, 0, 0),
            ],
        );
        assert_eq!(svg.matches("<polyline").count(), 3);
        assert!(
            svg.contains("自测：共8") && svg.contains("线索：共2") && svg.contains("首次联系：共1")
        );
        let points = svg
            .split("points=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next());
        assert_eq!(points.map(|p| p.split(' ').count()), Some(30));
        assert!(!svg.contains("style="), "no inline styles under the CSP");
    }
}
