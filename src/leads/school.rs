//! What a lead keeps of the child's school deadline (issue 26): the 中考
//! year, the recommended date, the 补报名 last chance and the status, never
//! the grade or birth month; and which leads are urgent.

use crate::scoring::school::{School, Status};

/// The child's deadline as a lead stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeadSchool {
    pub zhongkao_year: i32,
    /// "YYYY-MM-DD": hold the 通知书 before the 材料核查.
    pub target: String,
    /// "YYYY-MM-DD": the 补报名 last chance.
    pub deadline: String,
    pub status: Status,
}

/// Days ahead within which a tight, 补报名 or missed 中考 makes a lead
/// urgent.
pub const URGENT_WITHIN_DAYS: i64 = 365;

/// The statuses that make a lead urgent when the 中考 is near.
pub const URGENT_STATUSES: &[Status] = &[Status::Tight, Status::LateRoute, Status::Misses];

impl LeadSchool {
    /// None without a child, or when the 中考 is already past.
    pub fn of(school: Option<&School>) -> Option<Self> {
        let school = school?;
        let zhongkao = &school.zhongkao;
        (zhongkao.status != Status::Done).then(|| Self {
            zhongkao_year: zhongkao.year,
            target: zhongkao.target.to_string(),
            deadline: zhongkao.last_chance.to_string(),
            status: zhongkao.status,
        })
    }

    /// Tight, 补报名 or missed, with the last chance within a year of
    /// `today` ("YYYY-MM-DD").
    pub fn urgent(status: Option<&str>, deadline: Option<&str>, today: time::Date) -> bool {
        let Some(status) = status.and_then(Status::from_code) else {
            return false;
        };
        let horizon = (today + time::Duration::days(URGENT_WITHIN_DAYS)).to_string();
        let today = today.to_string();
        URGENT_STATUSES.contains(&status)
            && deadline.is_some_and(|d| d >= today.as_str() && d <= horizon.as_str())
    }

    /// "孩子2029年中考 · 需2028-11前持证 · 来得及" for a queue card.
    pub fn card_line(zhongkao_year: i64, target: &str, status: &str) -> String {
        let month = target.get(..7).unwrap_or(target);
        let status: &str = match Status::from_code(status) {
            Some(known) => known.label(),
            None => status,
        };
        format!("孩子{zhongkao_year}年中考 · 需{month}前持证 · {status}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scoring::school::{ChildGrade, plan};
    use time::macros::date;

    #[test]
    fn a_lead_keeps_the_year_the_dates_and_the_status() {
        let on = date!(2026 - 12 - 07);
        let school = plan(
            ChildGrade::G9,
            None,
            on,
            Some("2027-02".parse().unwrap()),
            true,
        );
        let lead = LeadSchool::of(school.as_ref()).unwrap();
        assert_eq!(lead.zhongkao_year, 2027);
        assert_eq!(lead.target, "2026-11-15");
        assert_eq!(lead.deadline, "2027-05-07");
        assert_eq!(lead.status, Status::LateRoute);
        assert!(LeadSchool::urgent(
            Some("late_route"),
            Some("2027-05-07"),
            on
        ));
        assert!(!LeadSchool::urgent(
            Some("on_track"),
            Some("2027-05-07"),
            on
        ));
        assert!(
            !LeadSchool::urgent(Some("misses"), Some("2029-05-07"), on),
            "more than a year off"
        );
        assert!(
            !LeadSchool::urgent(Some("misses"), Some("2026-05-07"), on),
            "past"
        );
        assert!(!LeadSchool::urgent(None, None, on));
        assert_eq!(
            LeadSchool::card_line(2029, "2028-11-15", "on_track"),
            "孩子2029年中考 · 需2028-11前持证 · 来得及"
        );
        let done = plan(ChildGrade::G11, None, on, None, true);
        assert_eq!(LeadSchool::of(done.as_ref()), None);
        assert_eq!(LeadSchool::of(None), None);
    }
}
