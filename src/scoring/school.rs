//! "Will I make it before my child's 中考?": the school dates of a 积分
//! family (SCHOOL-DEADLINES.md, the fact sheet) against the month the
//! parent's 积分通知书 can be in hand. Pure: dates and the projection in,
//! statuses out; it never changes the score.
//!
//! Future dates are estimates from the 2016–2026 cycles (the sheet's §2);
//! the status rule is the sheet's derived rule, not a published one.

use serde::{Deserialize, Serialize};
use time::{Date, Month};

use super::wages::YearMonth;
use crate::vocabulary::vocabulary;

time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

vocabulary! {
    /// The child's grade in the current school year (Shanghai runs 五四制:
    /// 六年级 to 九年级 are 初中). `None` is 不需要.
    #[derive(Default)]
    pub enum ChildGrade {
        #[default]
        None => ("none", "不需要"),
        Preschool => ("preschool", "还没上小学"),
        G1 => ("1", "一年级"),
        G2 => ("2", "二年级"),
        G3 => ("3", "三年级"),
        G4 => ("4", "四年级"),
        G5 => ("5", "五年级"),
        G6 => ("6", "六年级（预初）"),
        G7 => ("7", "七年级（初一）"),
        G8 => ("8", "八年级（初二）"),
        G9 => ("9", "九年级（初三）"),
        G10 => ("10", "高一"),
        G11 => ("11", "高二"),
        G12 => ("12", "高三"),
    }
}

impl ChildGrade {
    pub fn is_none(&self) -> bool {
        *self == Self::None
    }

    /// 1–12 for a school grade; None before school or without a child.
    pub fn number(self) -> Option<i32> {
        let index = Self::ALL.iter().position(|g| *g == self)?;
        (index >= 2).then(|| index as i32 - 1)
    }
}

/// Months from applying to holding the 积分通知书 (fact sheet P2): about 2,
/// one more when the employer has never registered for 积分.
pub const PROCESSING_MONTHS: u32 = 2;
pub const FIRST_REGISTRATION_EXTRA_MONTHS: u32 = 1;

vocabulary! {
    /// How the month the 通知书 can be in hand compares with a deadline.
    #[derive(Default, PartialOrd, Ord)]
    pub enum Status {
        #[default]
        Comfortable => ("comfortable", "时间充裕"),
        OnTrack => ("on_track", "来得及"),
        Tight => ("tight", "时间很紧"),
        LateRoute => ("late_route", "只能走补报名"),
        Misses => ("misses", "赶不上今年"),
        Done => ("done", "已经过了"),
    }
}

/// The 中考 of this child's cycle (DESIGN.md `school.zhongkao`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Zhongkao {
    pub year: i32,
    /// Recommended: hold the 通知书 before the 报名材料核查 opens.
    #[serde(with = "iso_date")]
    pub target: Date,
    /// 补报名: the last chance (May 7).
    #[serde(with = "iso_date")]
    pub last_chance: Date,
    pub ready_by: Option<YearMonth>,
    pub status: Status,
}

/// The 高考 of this child's cycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gaokao {
    pub year: i32,
    /// The 资格审核 in the autumn of 高三, where the 通知书 is checked.
    pub review_by: YearMonth,
    pub status: Status,
}

/// 小学 or 初中 entry for a younger child: 积分 changes priority, not
/// eligibility (fact sheet Y2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// "primary" (小学一年级) or "middle" (初中六年级).
    pub stage: String,
    /// The September the child enters.
    pub year: i32,
    /// The 入学信息登记 (mid-April of the entry year).
    #[serde(with = "iso_date")]
    pub registration: Date,
    /// Agencies advise holding the 通知书 by April 1 of the entry year.
    #[serde(with = "iso_date")]
    pub hold_by: Date,
    pub status: Status,
}

/// One warning of the fact sheet, shown only when it applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    pub code: String,
    pub text: String,
}

/// One row of the printable timeline: when, what happens, what to hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Milestone {
    pub when: String,
    pub event: String,
    pub hold: String,
}

/// The school answer beside the score (DESIGN.md `school`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct School {
    pub grade: ChildGrade,
    pub zhongkao: Zhongkao,
    pub gaokao: Gaokao,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry: Option<Entry>,
    /// The months from applying to the 通知书 used for `ready_by`.
    pub processing_months: u32,
    pub warnings: Vec<Warning>,
    /// What remains when this year's 中考 is missed (fact sheet Z15–Z18).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    pub timeline: Vec<Milestone>,
}

fn date(year: i32, month: u8, day: u8) -> Date {
    // Every call below names a real day of a year within the validated
    // range, so this cannot fail; the fallback keeps it panic-free.
    Month::try_from(month)
        .ok()
        .and_then(|month| Date::from_calendar_date(year, month, day).ok())
        .unwrap_or(Date::MIN)
}

fn first_day(month: YearMonth) -> Date {
    date(month.year, month.month, 1)
}

/// The year the current school year started (September).
pub fn school_year_of(on: Date) -> i32 {
    if on.month() as u8 >= 9 {
        on.year()
    } else {
        on.year() - 1
    }
}

/// The June of the 中考 for a child in `grade` in the school year starting
/// in September of `school_year` (fact sheet §2: Y + (9 − g) + 1); for a
/// child not yet at school, from the birth month (entry in September of the
/// year the child turns 6 by August 31; 中考 nine years later). The grade
/// is preferred whenever it is known.
pub fn zhongkao_year(grade: ChildGrade, birth: Option<YearMonth>, school_year: i32) -> Option<i32> {
    match grade.number() {
        Some(g) => Some(school_year + (9 - g) + 1),
        None if grade == ChildGrade::Preschool => birth.map(|b| primary_entry_year(b) + 9),
        None => None,
    }
}

/// The September a child born in `birth` enters 小学 (6 by August 31).
pub fn primary_entry_year(birth: YearMonth) -> i32 {
    if birth.month <= 8 {
        birth.year + 6
    } else {
        birth.year + 7
    }
}

/// The sheet's status rule for the 中考 of year `z`: the first day of the
/// month the 通知书 can be in hand against the dates of the cycle.
fn zhongkao_status(ready: Option<Date>, z: i32, on: Date) -> Status {
    if on > date(z, 6, 30) {
        return Status::Done;
    }
    let Some(ready) = ready else {
        return Status::Misses;
    };
    if ready <= date(z - 1, 2, 1) {
        Status::Comfortable
    } else if ready <= date(z - 1, 11, 15) {
        Status::OnTrack
    } else if ready <= date(z, 1, 15) {
        Status::Tight
    } else if ready <= date(z, 4, 20) {
        Status::LateRoute
    } else {
        Status::Misses
    }
}

/// The same scale for the 高考 of year `g`: the 通知书 is checked at the
/// 资格审核 in the autumn of 高三 (fact sheet G2, G3; 补报名 G4 is low
/// confidence).
fn gaokao_status(ready: Option<Date>, g: i32, on: Date) -> Status {
    if on > date(g, 6, 30) {
        return Status::Done;
    }
    let Some(ready) = ready else {
        return Status::Misses;
    };
    if ready <= date(g - 1, 4, 1) {
        Status::Comfortable
    } else if ready <= date(g - 1, 8, 1) {
        Status::OnTrack
    } else if ready <= date(g - 1, 10, 10) {
        Status::Tight
    } else if ready <= date(g, 4, 15) {
        Status::LateRoute
    } else {
        Status::Misses
    }
}

/// 小学 or 初中 entry within the next years, when the child is young
/// enough: priority only, so a late 通知书 "misses" the priority, not school.
fn entry(
    grade: ChildGrade,
    birth: Option<YearMonth>,
    school_year: i32,
    ready: Option<Date>,
    on: Date,
) -> Option<Entry> {
    let (stage, year) = match grade.number() {
        Some(g @ 1..=5) => ("middle", school_year + (6 - g)),
        None if grade == ChildGrade::Preschool => ("primary", primary_entry_year(birth?)),
        _ => return None,
    };
    let hold_by = date(year, 4, 1);
    let status = if on > date(year, 6, 30) {
        Status::Done
    } else {
        match ready {
            Some(ready) if ready <= date(year - 1, 10, 1) => Status::Comfortable,
            Some(ready) if ready <= hold_by => Status::OnTrack,
            _ => Status::Misses,
        }
    };
    Some(Entry {
        stage: stage.into(),
        year,
        registration: date(year, 4, 15),
        hold_by,
        status,
    })
}

/// What the family needs to know: the 中考 and 高考 of this child, whether
/// the parent's 通知书 comes in time, the warnings that apply and the
/// dated timeline. None without a child (or for 还没上小学 without a birth
/// month, which the form asks).
///
/// `reaches_on` is the projected month the points reach 120 (None: never
/// by time alone); `employer_registered` false adds the first registration.
pub fn plan(
    grade: ChildGrade,
    birth: Option<YearMonth>,
    on: Date,
    reaches_on: Option<YearMonth>,
    employer_registered: bool,
) -> Option<School> {
    let school_year = school_year_of(on);
    let z = zhongkao_year(grade, birth, school_year)?;
    let g = z + 3;
    let processing = PROCESSING_MONTHS
        + if employer_registered {
            0
        } else {
            FIRST_REGISTRATION_EXTRA_MONTHS
        };
    let ready_by = reaches_on.map(|month| month.plus_months(processing));
    let ready = ready_by.map(first_day);
    let zhongkao = Zhongkao {
        year: z,
        target: date(z - 1, 11, 15),
        last_chance: date(z, 5, 7),
        ready_by,
        status: zhongkao_status(ready, z, on),
    };
    let gaokao = Gaokao {
        year: g,
        review_by: YearMonth {
            year: g - 1,
            month: 10,
        },
        status: gaokao_status(ready, g, on),
    };
    let entry = entry(grade, birth, school_year, ready, on);
    let warnings = warnings(grade, &zhongkao, &gaokao);
    let options = if zhongkao.status == Status::Misses {
        missed_options()
    } else {
        Vec::new()
    };
    let timeline = timeline(on, &zhongkao, &gaokao, processing);
    Some(School {
        grade,
        zhongkao,
        gaokao,
        entry,
        processing_months: processing,
        warnings,
        options,
        timeline,
    })
}

fn warning(code: &str, text: String) -> Warning {
    Warning {
        code: code.into(),
        text,
    }
}

/// The sheet's warnings, each only when it applies.
fn warnings(grade: ChildGrade, zhongkao: &Zhongkao, gaokao: &Gaokao) -> Vec<Warning> {
    let mut list = Vec::new();
    let z = zhongkao.year;
    let exams_ahead = zhongkao.status != Status::Done || gaokao.status != Status::Done;
    if exams_ahead {
        list.push(warning(
            "on_notice",
            "孩子须登记在你的积分通知书上，并“享受积分待遇”：学校和区招考机构要能在积分系统里查到孩子的信息。".into(),
        ));
    }
    if zhongkao.status != Status::Done {
        list.push(warning(
            "child_permit",
            "孩子本人也要有有效的居住证或居住登记凭证（2026年的通知写的是居住证，2021和2024年的材料表也接受居住登记凭证）；办居住证要先居住登记满6个月，只有登记凭证的现在就可以开始办。".into(),
        ));
        list.push(warning(
            "renewal_window",
            format!(
                "如果你的居住证签注月份落在{}年11月到{z}年6月之间（材料核查到中考），签注后要马上续办积分，否则核查时积分会显示失效。",
                z - 1
            ),
        ));
    }
    if gaokao.status != Status::Done {
        list.push(warning(
            "lapse_60",
            "每年签注居住证不要逾期超过60天：超过会中断“连续持证”的年限，高考的第二条路径（父母连续持居住证满3年）要从头算。".into(),
        ));
    }
    if grade.number().is_some_and(|g| g >= 7) && gaokao.status != Status::Done {
        list.push(warning(
            "age_16",
            "孩子满16周岁后，继续登记在积分通知书上要提供全日制高中阶段的在读证明或学籍材料。"
                .into(),
        ));
    }
    if zhongkao.status == Status::Done && gaokao.status != Status::Done {
        list.push(warning(
            "gaokao_route",
            "在上海参加高考，还要满足以下两条之一：孩子在上海参加过中考；或者父母一方连续持居住证满3年。同时孩子须从本市高中阶段学校毕业。".into(),
        ));
    }
    list
}

/// When this year's 中考 is missed (fact sheet Z15–Z18).
fn missed_options() -> Vec<String> {
    vec![
        "随迁子女可报考本市全日制中职学校（含五年一贯制、中高职贯通）：父母一方持有效居住证并在5月7日前缴满6个月职工社保，孩子在本市初中连续就读3年且为应届生（2021年的条件）。".into(),
        "孩子可以先单独报名参加初中学业水平考试，完成初中学业。".into(),
        "积分办下来后，孩子可在下一年以18周岁以下本市往届初中毕业生的身份报名中招。".into(),
        "也可以考虑回户籍地升学，或转读国际课程（各地政策需另行确认）。".into(),
    ]
}

/// Every date from today to the 高考 with what must be held (the sheet's §2
/// for this family); rows already past are left out.
fn timeline(on: Date, zhongkao: &Zhongkao, gaokao: &Gaokao, processing: u32) -> Vec<Milestone> {
    let z = zhongkao.year;
    let g = gaokao.year;
    let apply_by = YearMonth::of(zhongkao.target).minus_months(processing);
    let row = |end: Date, when: String, event: &str, hold: &str| {
        (end >= on).then(|| Milestone {
            when,
            event: event.into(),
            hold: hold.into(),
        })
    };
    [
        row(
            date(9999, 12, 31),
            "现在".into(),
            "核对你和孩子的居住证：签注月份、孩子是居住证还是居住登记凭证；缺的现在就办",
            "—",
        ),
        row(
            first_day(apply_by),
            format!("{}前", apply_by.chinese()),
            "最晚在这时提交积分申请（约需2–3个月）",
            "—",
        ),
        row(
            date(z - 1, 6, 30),
            format!("{}年2月–6月（初二下）", z - 1),
            "不少学校开始收积分通知书（各校不同）",
            "建议已持有",
        ),
        row(
            zhongkao.target,
            format!("约{}年11月中旬–{z}年1月（初三上）", z - 1),
            "中招报名材料核查（往年最早11月18日开始）",
            "须持有",
        ),
        row(
            date(z, 3, 10),
            format!("约{z}年1月–3月"),
            "学校组织网上报名和确认",
            "须持有",
        ),
        row(
            zhongkao.last_chance,
            format!("{z}年5月6日–7日"),
            "补报名：最后机会，之后今年的积分路径关闭",
            "须持有",
        ),
        row(date(z, 6, 30), format!("{z}年6月中旬"), "中考", "继续持有"),
        row(
            date(g - 1, 11, 15),
            format!("约{}年10月–11月（高三上）", g - 1),
            "高考报名和资格审核，核查积分通知书",
            "须持有",
        ),
        row(date(g, 6, 30), format!("{g}年6月上旬"), "高考", "继续持有"),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Whether a 通知书 applied for in `reaches_on` (from now) makes the
/// recommended 中考 target.
pub fn makes_target(reaches_on: YearMonth, processing: u32, target: Date) -> bool {
    first_day(reaches_on.plus_months(processing)) <= target
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date as d;

    fn ym(text: &str) -> YearMonth {
        text.parse().unwrap()
    }

    /// The sheet's worked timeline: 七年级 in December 2026.
    #[test]
    fn the_worked_timeline_of_a_seventh_grader() {
        let on = d!(2026 - 12 - 07);
        let school = plan(ChildGrade::G7, None, on, Some(ym("2027-12")), true).unwrap();
        assert_eq!(school.zhongkao.year, 2029);
        assert_eq!(school.gaokao.year, 2032);
        assert_eq!(school.zhongkao.target, d!(2028 - 11 - 15));
        assert_eq!(school.zhongkao.last_chance, d!(2029 - 05 - 07));
        assert_eq!(school.gaokao.review_by, ym("2031-10"));
        // Applying in 2027-12, the 通知书 by 2028-02: comfortable (≤ 2028-02-01).
        assert_eq!(school.zhongkao.ready_by, Some(ym("2028-02")));
        assert_eq!(school.zhongkao.status, Status::Comfortable);
        assert_eq!(school.gaokao.status, Status::Comfortable);
        // Each band of the rule, by the month 120 is reached.
        for (reach, status) in [
            ("2027-11", Status::Comfortable),
            ("2028-01", Status::OnTrack),
            ("2028-09", Status::OnTrack),
            ("2028-10", Status::Tight),
            ("2028-11", Status::Tight),
            ("2028-12", Status::LateRoute),
            ("2029-02", Status::LateRoute),
            ("2029-03", Status::Misses),
        ] {
            let school = plan(ChildGrade::G7, None, on, Some(ym(reach)), true).unwrap();
            assert_eq!(school.zhongkao.status, status, "{reach}");
        }
        let never = plan(ChildGrade::G7, None, on, None, true).unwrap();
        assert_eq!(never.zhongkao.status, Status::Misses);
        assert!(!never.options.is_empty());
        // An employer that never registered adds a month.
        let first = plan(ChildGrade::G7, None, on, Some(ym("2027-12")), false).unwrap();
        assert_eq!(first.zhongkao.ready_by, Some(ym("2028-03")));
        assert_eq!(first.zhongkao.status, Status::OnTrack);
        let events: Vec<&str> = school.timeline.iter().map(|m| m.event.as_str()).collect();
        assert_eq!(events.len(), 9, "{events:?}");
        assert!(
            school.timeline[1].when.starts_with("2028年9月"),
            "{:?}",
            school.timeline[1]
        );
    }

    #[test]
    fn grades_and_the_school_year_boundary() {
        // August is still the school year that started the September before.
        assert_eq!(school_year_of(d!(2027 - 08 - 31)), 2026);
        assert_eq!(school_year_of(d!(2027 - 09 - 01)), 2027);
        for (grade, year) in [
            (ChildGrade::G1, 2035),
            (ChildGrade::G5, 2031),
            (ChildGrade::G6, 2030),
            (ChildGrade::G9, 2027),
            (ChildGrade::G10, 2026),
            (ChildGrade::G12, 2024),
        ] {
            assert_eq!(zhongkao_year(grade, None, 2026), Some(year), "{grade:?}");
        }
        assert_eq!(zhongkao_year(ChildGrade::None, None, 2026), None);
        assert_eq!(zhongkao_year(ChildGrade::Preschool, None, 2026), None);
        // Born 2021-08: 小学 2027, 中考 2036; born 2021-09: a year later.
        assert_eq!(
            zhongkao_year(ChildGrade::Preschool, Some(ym("2021-08")), 2026),
            Some(2036)
        );
        assert_eq!(
            zhongkao_year(ChildGrade::Preschool, Some(ym("2021-09")), 2026),
            Some(2037)
        );
        assert_eq!(ChildGrade::G7.number(), Some(7));
        assert_eq!(ChildGrade::Preschool.number(), None);
    }

    #[test]
    fn past_exams_are_done_and_warnings_apply_only_when_they_do() {
        let on = d!(2026 - 12 - 07);
        let senior = plan(ChildGrade::G11, None, on, Some(ym("2026-12")), true).unwrap();
        assert_eq!(senior.zhongkao.status, Status::Done);
        assert_eq!(senior.gaokao.year, 2028);
        assert_eq!(senior.gaokao.status, Status::Comfortable);
        let codes: Vec<&str> = senior.warnings.iter().map(|w| w.code.as_str()).collect();
        assert!(
            codes.contains(&"gaokao_route") && !codes.contains(&"renewal_window"),
            "{codes:?}"
        );
        let young = plan(ChildGrade::G2, None, on, Some(ym("2027-01")), true).unwrap();
        let codes: Vec<&str> = young.warnings.iter().map(|w| w.code.as_str()).collect();
        assert!(
            !codes.contains(&"age_16") && !codes.contains(&"gaokao_route"),
            "{codes:?}"
        );
        let entry = young.entry.unwrap();
        assert_eq!((entry.stage.as_str(), entry.year), ("middle", 2030));
        assert_eq!(entry.status, Status::Comfortable);
        // Ninth grade in June 2027, after the exam: done; the 高考 ahead.
        let after = plan(
            ChildGrade::G9,
            None,
            d!(2027 - 07 - 01),
            Some(ym("2027-07")),
            true,
        )
        .unwrap();
        assert_eq!(after.zhongkao.status, Status::Done);
        assert!(after.timeline.iter().all(|m| !m.event.contains("补报名")));
    }

    #[test]
    fn a_preschool_child_plans_the_primary_entry() {
        let on = d!(2026 - 12 - 07);
        let school = plan(
            ChildGrade::Preschool,
            Some(ym("2020-10")),
            on,
            Some(ym("2027-06")),
            true,
        )
        .unwrap();
        let entry = school.entry.unwrap();
        assert_eq!((entry.stage.as_str(), entry.year), ("primary", 2027));
        assert_eq!(entry.registration, d!(2027 - 04 - 15));
        assert_eq!(entry.status, Status::Misses, "the 通知书 comes after April");
        assert_eq!(school.zhongkao.year, 2036);
        assert!(plan(ChildGrade::Preschool, None, on, None, true).is_none());
        assert!(plan(ChildGrade::None, None, on, None, true).is_none());
    }

    #[test]
    fn the_target_is_met_by_the_first_day_of_the_ready_month() {
        assert!(makes_target(ym("2028-09"), 2, d!(2028 - 11 - 15)));
        assert!(!makes_target(ym("2028-10"), 2, d!(2028 - 11 - 15)));
    }
}
