//! A lead as the admin lists and pages show it: never the full phone.
//! Shared by today's queue and the leads pages.

use time::Date;

use super::local_time;
use crate::clock::shanghai_date_of;
use crate::db::lead_admin::LeadRow;
use crate::leads::calls::UNREACHABLE_AFTER;
use crate::leads::form::Interest;
use crate::leads::school::LeadSchool;
use crate::leads::status::LeadStatus;
use crate::leads::workdays::Calendar;
use crate::leads::{mask_phone, score_band, score_band_label};

pub struct LeadView {
    pub id: i64,
    pub name: String,
    pub phone: String,
    pub interest: &'static str,
    pub organisation: Option<String>,
    pub status: &'static str,
    pub status_code: String,
    pub advisor_id: Option<i64>,
    pub advisor: String,
    pub total: Option<i64>,
    pub band: &'static str,
    pub created: String,
    pub age: String,
    pub overdue: bool,
    pub next_follow_up: Option<String>,
    pub call_attempts: i64,
    /// Three unanswered calls or more since someone last answered.
    pub unreachable: bool,
    /// "孩子2029年中考 · 需2028-11前持证 · 来得及", when a child was named.
    pub school: Option<String>,
    /// The child's 中考 is near and tight, 补报名 or missed: call first.
    pub urgent: bool,
}

impl LeadView {
    /// Whether `id` is the advisor this lead is assigned to (the assign
    /// form's selected option).
    pub fn assigned_to(&self, id: &i64) -> bool {
        self.advisor_id == Some(*id)
    }
}

/// How long ago a lead came in: "5分钟", "3小时", "2天".
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
    let still_new = row.status == LeadStatus::New.code();
    let attempted = row.call_attempts > 0;
    let overdue = shanghai_date_of(&row.created_at)
        .is_some_and(|submitted| calendar.lead_is_overdue(still_new, submitted, attempted, today));
    LeadView {
        id: row.id,
        name: row.name.clone(),
        phone: mask_phone(&row.phone),
        interest: Interest::asked(&row.interest).label(),
        organisation: row.organisation.clone(),
        status: LeadStatus::label_of(&row.status),
        status_code: row.status.clone(),
        advisor_id: row.advisor_id,
        advisor: row.advisor_name.clone().unwrap_or_else(|| "未分配".into()),
        total: row.total,
        band: score_band_label(score_band(row.total.and_then(|t| i32::try_from(t).ok()))),
        created: local_time(&row.created_at),
        age: age_text(&row.created_at),
        overdue,
        next_follow_up: row.next_follow_up.clone(),
        call_attempts: row.call_attempts,
        unreachable: row.unanswered_calls >= UNREACHABLE_AFTER,
        school: match (row.zhongkao_year, &row.school_target, &row.school_status) {
            (Some(year), Some(target), Some(status)) => {
                Some(LeadSchool::card_line(year, target, status))
            }
            _ => None,
        },
        urgent: LeadSchool::urgent(
            row.school_status.as_deref(),
            row.school_deadline.as_deref(),
            today,
        ),
    }
}
