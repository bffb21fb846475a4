//! The path to 120: the range when answers are unknown, the month the
//! standard is reached if nothing changes, and the changes that would raise
//! the total, ranked. Pure, like the rest of the engine.

use super::assessment::{Effort, Projection, Suggestion};
use super::engine::{Basis, assess_on};
use super::profile::{ContributionTier, Education, Profile, Qualification};
use super::tables::{self as t};
use super::wages::YearMonth;

/// The answers a year-counted or month-counted item grows with: everything
/// time adds after `months` months, nothing else.
pub fn profile_after(profile: &Profile, months: u32) -> Profile {
    let years = months / 12;
    let grow = |value: u32| if value > 0 { value + years } else { 0 };
    Profile {
        age: profile.age + years,
        insurance_months: profile.insurance_months + months,
        spouse_hukou_years: grow(profile.spouse_hukou_years),
        suburb_years: grow(profile.suburb_years),
        lingang_years: grow(profile.lingang_years),
        public_service_years: grow(profile.public_service_years),
        ..profile.clone()
    }
}

fn total(profile: &Profile, basis: &Basis) -> i32 {
    assess_on(profile, basis).total
}

/// Month by month from the assessment month (only the months where time
/// changes something are scored).
pub fn project(profile: &Profile, basis: &Basis) -> Projection {
    let vetoed = profile.serious_criminal || profile.family_planning_violation;
    if vetoed || profile.age > t::AGE_MAX {
        return Projection::default();
    }
    // The month the age passes 60 is the first month not to look at.
    let limit = (t::AGE_MAX + 1 - profile.age) * 12;
    let start = YearMonth::of(basis.on);
    (0..limit)
        .filter(|m| m.is_multiple_of(12) || (profile.insurance_months + m).is_multiple_of(12))
        .find(|m| total(&profile_after(profile, *m), basis) >= t::STANDARD)
        .map(|months| Projection {
            reaches_standard_on: Some(start.plus_months(months)),
            months: Some(months),
        })
        .unwrap_or_default()
}

/// The lowest tier that reaches 120 with the rest of the answers as given.
fn lowest_tier_reaching(profile: &Profile, basis: &Basis) -> Option<ContributionTier> {
    ContributionTier::ALL[1..].iter().copied().find(|tier| {
        let with_tier = Profile {
            contribution_tier: *tier,
            ..profile.clone()
        };
        total(&with_tier, basis) >= t::STANDARD
    })
}

/// "（不低于9116.8元/月）" for a tier, from the period of the basis.
fn threshold_text(tier: ContributionTier, basis: &Basis) -> String {
    match (
        basis.wages.period_for(YearMonth::of(basis.on)),
        t::contribution_multiple_tenths(tier),
    ) {
        (Some(period), Some(multiple)) => format!("{}元/月", period.threshold_text(multiple)),
        _ => String::new(),
    }
}

/// The total with the unknowns at their worst and best, and the sentences
/// naming which unknown decides whether 120 is reached.
pub fn range(profile: &Profile, basis: &Basis) -> (i32, i32, Vec<String>) {
    let assessed = assess_on(profile, basis);
    let (low, high) = (assessed.total_min, assessed.total_max);
    let mut deciding = Vec::new();
    if low < t::STANDARD && high >= t::STANDARD {
        if profile.unknown.contribution_tier
            && let Some(tier) = lowest_tier_reaching(profile, basis)
        {
            deciding.push(format!(
                "社保缴费基数：只要{}（不低于{}），就能达到120分",
                tier.label(),
                threshold_text(tier, basis)
            ));
        }
        if profile.unknown.qualification_base_met
            && total(
                &Profile {
                    qualification_base_met: true,
                    ..profile.clone()
                },
                basis,
            ) >= t::STANDARD
        {
            deciding.push(format!(
                "职称社保基数条件：如果近12个月内有6个月基数不低于社平工资，{}即可计分，达到120分",
                profile.qualification.label()
            ));
        }
        if profile.unknown.shortage_major
            && total(
                &Profile {
                    shortage_major: true,
                    ..profile.clone()
                },
                basis,
            ) >= t::STANDARD
        {
            deciding.push("紧缺急需专业：如果所学专业在目录内，加30分即可达到120分".to_string());
        }
        if deciding.is_empty() {
            deciding.push("几项不确定的答案要同时满足才能达到120分，建议先逐项核实".to_string());
        }
    }
    (low, high, deciding)
}

/// The value `steps` places up the order of a vocabulary, if any.
fn steps_up<T: Copy + PartialEq>(all: &[T], value: T, steps: usize) -> Option<T> {
    let index = all.iter().position(|v| *v == value)?;
    all.get(index + steps).copied()
}

/// The changes that raise the total, ranked by `rank`: those that alone
/// close the gap first, least effort then soonest; then the rest, most
/// points first. The result page and the advisor's call brief both show
/// this order.
pub fn suggestions(profile: &Profile, basis: &Basis, projection: &Projection) -> Vec<Suggestion> {
    let mut c = Candidates {
        profile,
        basis,
        now: total(profile, basis),
        list: Vec::new(),
    };
    verify_unknowns(&mut c);
    study(&mut c);
    title_base(&mut c);
    contribution_base(&mut c);
    places(&mut c);
    time(&mut c, projection);
    let gap = t::STANDARD - c.now;
    rank(&mut c.list, gap);
    c.list
}

/// The suggestions gathered so far, and what they are measured against.
struct Candidates<'a> {
    profile: &'a Profile,
    basis: &'a Basis<'a>,
    /// The total as answered.
    now: i32,
    list: Vec<Suggestion>,
}

impl Candidates<'_> {
    /// Keeps the change when it adds points.
    fn consider(
        &mut self,
        code: String,
        action: String,
        changed: Profile,
        months: u32,
        effort: Effort,
    ) {
        let points = total(&changed, self.basis) - self.now;
        if points > 0 {
            self.list.push(Suggestion {
                code,
                action,
                points,
                months,
                effort,
            });
        }
    }
}

/// An unknown answer that could decide the result: find out first.
fn verify_unknowns(c: &mut Candidates) {
    if c.profile.unknown.contribution_tier {
        let tier = lowest_tier_reaching(c.profile, c.basis).unwrap_or(ContributionTier::X3);
        c.consider(
            "verify_contribution_tier".into(),
            format!(
                "在“随申办”查询本人社保缴费记录，核对近4年的缴费基数：{}（不低于{}）可计{}分",
                tier.label(),
                threshold_text(tier, c.basis),
                t::contribution_points(tier)
            ),
            Profile {
                contribution_tier: tier,
                ..c.profile.clone()
            },
            0,
            Effort::Verify,
        );
    }
    if c.profile.unknown.shortage_major {
        c.consider(
            "verify_shortage_major".into(),
            "对照本市公布的紧缺急需专业目录，核对所学全日制专业是否在内、现岗位是否相符".into(),
            Profile {
                shortage_major: true,
                ..c.profile.clone()
            },
            0,
            Effort::Verify,
        );
    }
}

/// A higher degree, a title or a skill level.
fn study(c: &mut Candidates) {
    for steps in 1..=2 {
        if let Some(education) = steps_up(Education::ALL, c.profile.education, steps) {
            c.consider(
                format!("education_{}", education.code()),
                format!("取得{}（取得后即可计分）", education.label()),
                Profile {
                    education,
                    ..c.profile.clone()
                },
                0,
                Effort::Qualify,
            );
        }
    }

    let base_wait = if c.profile.qualification_base_met {
        0
    } else {
        6
    };
    for qualification in [
        Qualification::Skill3,
        Qualification::Skill2,
        Qualification::IntermediateTitle,
        Qualification::SeniorTitle,
    ] {
        if t::qualification_points(qualification)
            <= t::qualification_points(c.profile.qualification)
        {
            continue;
        }
        let needs_base = t::qualification_needs_base(qualification);
        let condition = if needs_base && !c.profile.qualification_base_met {
            "，并满足近12个月内6个月社保基数不低于社平工资的条件"
        } else {
            ""
        };
        c.consider(
            format!("qualification_{}", qualification.code()),
            format!("取得与岗位相符的{}{condition}", qualification.label()),
            Profile {
                qualification,
                qualification_base_met: true,
                ..c.profile.clone()
            },
            if needs_base { base_wait } else { 0 },
            Effort::Qualify,
        );
    }
}

/// The base condition of a title held: when unknown, check it first; when
/// known to be unmet, the employer has to raise the base.
fn title_base(c: &mut Candidates) {
    if t::qualification_needs_base(c.profile.qualification) && !c.profile.qualification_base_met {
        let (code, how, months, effort) = if c.profile.unknown.qualification_base_met {
            (
                "verify_qualification_base",
                "在“随申办”查询近12个月的缴费记录：",
                0,
                Effort::Verify,
            )
        } else {
            ("qualification_base", "近12个月内", 6, Effort::Employer)
        };
        c.consider(
            code.into(),
            format!(
                "{how}有6个月社保缴费基数不低于{}（社平工资1倍），{}即可计分",
                threshold_text(ContributionTier::X1, c.basis),
                c.profile.qualification.label()
            ),
            Profile {
                qualification_base_met: true,
                ..c.profile.clone()
            },
            months,
            effort,
        );
    }
}

/// One or two tiers more of the contribution base.
fn contribution_base(c: &mut Candidates) {
    for steps in 1..=2 {
        if let Some(tier) = steps_up(ContributionTier::ALL, c.profile.contribution_tier, steps) {
            let months = if tier == ContributionTier::X3 { 24 } else { 36 };
            let multiple = t::contribution_multiple_tenths(tier).unwrap_or(10);
            c.consider(
                format!("contribution_{}", tier.code()),
                format!(
                    "社保缴费基数提高到不低于{}（{}倍），缴满{months}个月",
                    threshold_text(tier, c.basis),
                    multiple as f64 / 10.0
                ),
                Profile {
                    contribution_tier: tier,
                    ..c.profile.clone()
                },
                months,
                Effort::Employer,
            );
        }
    }
}

/// Working and living in 临港新片区 or a 远郊重点区域.
fn places(c: &mut Candidates) {
    let lingang = &c.basis.rules.lingang;
    let lingang_from = lingang.from_years.max(1);
    if c.profile.lingang_years < lingang_from {
        let months = (lingang_from - c.profile.lingang_years) * 12;
        c.consider(
            "lingang".into(),
            format!("在临港新片区工作并居住满{lingang_from}年（需推荐函）"),
            Profile {
                lingang_years: lingang_from,
                ..c.profile.clone()
            },
            months,
            Effort::Employer,
        );
    }
    if c.profile.suburb_years < t::SUBURB.from_years {
        let months = (t::SUBURB.from_years - c.profile.suburb_years) * 12;
        c.consider(
            "suburb".into(),
            format!("在远郊重点区域工作并居住满{}年", t::SUBURB.from_years),
            Profile {
                suburb_years: t::SUBURB.from_years,
                ..c.profile.clone()
            },
            months,
            Effort::Employer,
        );
    }
}

/// Time alone: the month the projection reaches 120, or the next year of
/// contributions.
fn time(c: &mut Candidates, projection: &Projection) {
    match projection.months {
        Some(months) if months > 0 => c.consider(
            "time".into(),
            format!("保持在本市工作并正常缴纳社保{months}个月（按现有情况自然累积）"),
            profile_after(c.profile, months),
            months,
            Effort::None,
        ),
        _ => {
            let months = 12 - c.profile.insurance_months % 12;
            c.consider(
                "time".into(),
                format!("再正常缴纳{months}个月社保（社保年限每满1年加3分）"),
                Profile {
                    insurance_months: c.profile.insurance_months + months,
                    ..c.profile.clone()
                },
                months,
                Effort::None,
            );
        }
    }
}

/// Those that alone close `gap` first, by effort then by month, and of two
/// alike the smaller change (a base of 0.8× before 1×); then the rest, most
/// points first, then soonest.
pub fn rank(list: &mut [Suggestion], gap: i32) {
    list.sort_by_key(|s| {
        if s.points >= gap {
            (false, s.effort, s.months, s.points, 0)
        } else {
            (true, Effort::None, 0, -s.points, s.months)
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scoring::profile::Unknowns;
    use crate::scoring::wages::ReferenceWages;
    use time::Date;
    use time::macros::date;

    const ON: Date = date!(2026 - 11 - 28);

    fn basis() -> Basis<'static> {
        static WAGES: std::sync::LazyLock<ReferenceWages> =
            std::sync::LazyLock::new(ReferenceWages::bundled);
        Basis::on(ON, &WAGES)
    }

    fn ym(text: &str) -> YearMonth {
        text.parse().unwrap()
    }

    #[test]
    fn already_reached_is_this_month() {
        let p = Profile {
            age: 30,
            education: Education::BachelorDegree,
            insurance_months: 24,
            ..Profile::default()
        };
        let projection = project(&p, &basis());
        assert_eq!(
            projection,
            Projection {
                reaches_standard_on: Some(ym("2026-11")),
                months: Some(0)
            }
        );
    }

    #[test]
    fn insurance_years_carry_a_young_profile_to_120() {
        let p = Profile {
            age: 30,
            education: Education::College,
            insurance_months: 0,
            ..Profile::default()
        };
        let projection = project(&p, &basis());
        let months = projection.months.unwrap();
        assert!(total(&profile_after(&p, months), &basis()) >= 120);
        for earlier in 0..months {
            assert!(
                total(&profile_after(&p, earlier), &basis()) < 120,
                "month {earlier} is not earlier"
            );
        }
        // 80 + 3 a year: 14 years (168 months), age 44 by then (29): 29 + 50 + 42 = 121.
        assert_eq!(months, 168);
        assert_eq!(
            projection.reaches_standard_on,
            Some(ym("2026-11").plus_months(months))
        );
    }

    #[test]
    fn one_more_insurance_year_closes_a_gap_of_one() {
        // 43 y, 大专, 156 months = 119; a year on: 29 + 50 + 42 = 121.
        let p = Profile {
            age: 43,
            education: Education::College,
            insurance_months: 156,
            ..Profile::default()
        };
        assert_eq!(total(&p, &basis()), 119);
        let projection = project(&p, &basis());
        assert_eq!(projection.months, Some(12));
        assert_eq!(projection.reaches_standard_on, Some(ym("2027-11")));
    }

    #[test]
    fn age_decay_past_43_can_outrun_the_insurance_years() {
        // From 45 the age item loses 2 a year while insurance gains 3: slowly up.
        let p = Profile {
            age: 45,
            education: Education::College,
            insurance_months: 120,
            ..Profile::default()
        };
        // 27 + 50 + 30 = 107; each year −2 for age, +3 for insurance.
        let projection = project(&p, &basis());
        match projection.months {
            Some(months) => {
                let later = profile_after(&p, months);
                assert!(later.age <= 60);
                assert!(total(&later, &basis()) >= 120);
            }
            None => {
                for m in 0..((61 - 45) * 12) {
                    assert!(total(&profile_after(&p, m), &basis()) < 120, "month {m}");
                }
            }
        }
    }

    #[test]
    fn the_projection_stops_when_the_age_passes_60() {
        // 58 y, no education, 0 months: 5 points now; three years of insurance add 9. Never 120.
        let p = Profile {
            age: 58,
            insurance_months: 0,
            ..Profile::default()
        };
        assert_eq!(project(&p, &basis()), Projection::default());
        let old = Profile {
            age: 61,
            education: Education::Doctor,
            insurance_months: 240,
            ..Profile::default()
        };
        assert_eq!(
            project(&old, &basis()),
            Projection::default(),
            "past 60 never counts"
        );
        let vetoed = Profile {
            serious_criminal: true,
            ..Profile {
                age: 30,
                education: Education::Doctor,
                ..Profile::default()
            }
        };
        assert_eq!(project(&vetoed, &basis()), Projection::default());
    }

    #[test]
    fn a_spouse_item_grows_yearly_and_caps_at_40() {
        let p = Profile {
            age: 30,
            education: Education::College,
            spouse_hukou_years: 9,
            ..Profile::default()
        };
        assert_eq!(profile_after(&p, 12).spouse_hukou_years, 10);
        assert_eq!(profile_after(&p, 60).spouse_hukou_years, 14);
        // 30 + 50 + 36 = 116 now; in 12 months: 40 (cap) + 3 insurance = 123.
        assert_eq!(total(&p, &basis()), 116);
        assert_eq!(project(&p, &basis()).months, Some(12));
        let capped = profile_after(&p, 120);
        let a = assess_on(&capped, &basis());
        assert_eq!(a.item("spouse_hukou").unwrap().points, 40);
        let none = Profile {
            spouse_hukou_years: 0,
            ..p.clone()
        };
        assert_eq!(
            profile_after(&none, 60).spouse_hukou_years,
            0,
            "only items above 0 grow"
        );
    }

    #[test]
    fn suggestions_that_close_the_gap_come_first_least_effort_first() {
        // 50 y, 大专, 中级职称 without the base condition: 116, 4 short.
        let p = Profile {
            age: 50,
            education: Education::College,
            qualification: Qualification::IntermediateTitle,
            insurance_months: 96,
            contribution_tier: ContributionTier::X0_8,
            ..Profile::default()
        };
        let projection = project(&p, &basis());
        let list = suggestions(&p, &basis(), &projection);
        let gap = 4;
        let closing = list.iter().take_while(|s| s.points >= gap).count();
        assert!(
            list[closing..].iter().all(|s| s.points < gap),
            "closers first: {list:#?}"
        );
        assert!(
            list[..closing]
                .windows(2)
                .all(|w| (w[0].effort, w[0].months) <= (w[1].effort, w[1].months)),
            "by effort then month: {list:#?}"
        );
        assert!(
            list[closing..]
                .windows(2)
                .all(|w| w[0].points >= w[1].points),
            "the rest by points: {list:#?}"
        );
        let code = |c: &str| {
            list.iter()
                .find(|s| s.code == c)
                .unwrap_or_else(|| panic!("{c} in {list:#?}"))
        };
        assert_eq!(list[0].code, "time", "time alone closes 4 points");
        assert_eq!(list[0].effort, Effort::None);
        assert_eq!(list[1].code, "qualification_base", "{list:#?}");
        assert_eq!(
            code("qualification_base").points,
            50,
            "the title replaces 大专: +50"
        );
        assert_eq!(code("qualification_base").months, 6);
        assert_eq!(code("qualification_base").effort, Effort::Employer);
        assert_eq!(code("contribution_x1").points, 25);
        assert_eq!(code("contribution_x1").months, 36);
        assert_eq!(code("contribution_x2").points, 75);
        assert_eq!(code("contribution_x2").effort, Effort::Employer);
        assert_eq!(code("education_bachelor").points, 10);
        assert_eq!(code("education_bachelor").effort, Effort::Qualify);
        assert_eq!(code("qualification_senior_title").months, 6);
        // Under the revision in force, one year in 临港 already counts: +2,
        // not enough alone, so it comes last.
        assert_eq!(code("lingang").points, 2);
        assert_eq!(code("lingang").months, 12);
        assert_eq!(list.last().unwrap().code, "lingang");
        assert_eq!(code("suburb").points, 10);
        assert_eq!(code("suburb").months, 60);
        assert!(list.iter().all(|s| s.points > 0 && !s.action.is_empty()));
    }

    #[test]
    fn a_deciding_unknown_becomes_a_check_to_make() {
        // 30 + 60 + 9 = 99; a tier of 0.8× (25) would reach 124.
        let p = Profile {
            age: 30,
            education: Education::Bachelor,
            insurance_months: 36,
            unknown: Unknowns {
                contribution_tier: true,
                shortage_major: true,
                ..Unknowns::default()
            },
            ..Profile::default()
        };
        let list = suggestions(&p, &basis(), &project(&p, &basis()));
        let codes: Vec<&str> = list.iter().map(|s| s.code.as_str()).collect();
        // Time alone (7 more years) comes first; then the two checks, which
        // ask less than the employer or a certificate.
        assert_eq!(
            codes[..3],
            ["time", "verify_contribution_tier", "verify_shortage_major"],
            "{list:#?}"
        );
        let tier = &list[1];
        assert_eq!(tier.effort, Effort::Verify);
        assert_eq!(tier.months, 0);
        assert_eq!(tier.points, 25, "the lowest tier that reaches 120");
        assert!(tier.action.contains("随申办") && tier.action.contains("9116.8"));
        assert!(list[2].action.contains("紧缺急需专业目录"));
        assert_eq!(list[2].points, 30);
    }

    #[test]
    fn ranking_puts_closers_first() {
        let s = |code: &str, points, months, effort| Suggestion {
            code: code.into(),
            action: String::new(),
            points,
            months,
            effort,
        };
        let mut list = vec![
            s("big_far", 100, 60, Effort::Qualify),
            s("small", 3, 0, Effort::None),
            s("wait", 10, 24, Effort::None),
            s("check", 10, 0, Effort::Verify),
            s("wait_sooner", 12, 12, Effort::None),
            s("medium", 8, 0, Effort::Qualify),
            s("raise_more", 50, 36, Effort::Employer),
            s("raise", 25, 36, Effort::Employer),
        ];
        rank(&mut list, 10);
        let codes: Vec<&str> = list.iter().map(|s| s.code.as_str()).collect();
        assert_eq!(
            codes,
            [
                "wait_sooner",
                "wait",
                "check",
                "raise",
                "raise_more",
                "big_far",
                "medium",
                "small"
            ]
        );
    }

    #[test]
    fn ranges_name_the_deciding_unknown() {
        let p = Profile {
            age: 30,
            education: Education::Bachelor,
            insurance_months: 36,
            unknown: Unknowns {
                contribution_tier: true,
                ..Unknowns::default()
            },
            ..Profile::default()
        };
        // 30 + 60 + 9 = 99; with the tier: up to 219.
        let (low, high, deciding) = range(&p, &basis());
        assert_eq!((low, high), (99, 219));
        assert_eq!(deciding.len(), 1);
        assert!(
            deciding[0].contains("0.8倍") && deciding[0].contains("9116.8"),
            "99 + 25 is enough: {deciding:?}"
        );

        let known = Profile {
            unknown: Unknowns::default(),
            ..p.clone()
        };
        let (low, high, deciding) = range(&known, &basis());
        assert_eq!(low, high);
        assert!(deciding.is_empty());

        let title = Profile {
            age: 30,
            education: Education::College,
            qualification: Qualification::IntermediateTitle,
            insurance_months: 12,
            unknown: Unknowns {
                qualification_base_met: true,
                shortage_major: true,
                ..Unknowns::default()
            },
            ..Profile::default()
        };
        let (low, high, deciding) = range(&title, &basis());
        assert_eq!(low, 30 + 50 + 3);
        assert_eq!(high, 30 + 100 + 3 + 30);
        assert_eq!(
            deciding.len(),
            1,
            "only the base condition alone reaches 120: {deciding:?}"
        );
        assert!(deciding[0].contains("职称"));
    }
}
