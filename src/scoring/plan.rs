//! The path to 120: the range when answers are unknown, the month the
//! standard is reached if nothing changes, and the changes that would raise
//! the total, ranked. Pure, like the rest of the engine.

use serde::{Deserialize, Serialize};
use time::Date;

use super::engine::assess;
use super::profile::{ContributionTier, Education, Profile, Qualification};
use super::tables::{self as t};
use super::wages::{ReferenceWages, YearMonth};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Projection {
    /// The first month whose total reaches 120; None when it never does
    /// before the age passes 60, or the profile is vetoed.
    pub reaches_standard_on: Option<YearMonth>,
    /// Months from the assessment month (0: already reached).
    pub months: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suggestion {
    pub code: String,
    /// What to do, in Chinese.
    pub action: String,
    /// Points it adds (at the month it can first count).
    pub points: i32,
    /// The earliest month from now it could count.
    pub months: u32,
}

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

fn total(profile: &Profile, on: Date, wages: &ReferenceWages) -> i32 {
    assess(profile, on, wages).total
}

/// Month by month from the assessment month (only the months where time
/// changes something are scored).
pub fn project(profile: &Profile, on: Date, wages: &ReferenceWages) -> Projection {
    let vetoed = profile.serious_criminal || profile.family_planning_violation;
    if vetoed || profile.age > t::AGE_MAX {
        return Projection::default();
    }
    // The month the age passes 60 is the first month not to look at.
    let limit = (t::AGE_MAX + 1 - profile.age) * 12;
    let start = YearMonth::of(on);
    (0..limit)
        .filter(|m| m.is_multiple_of(12) || (profile.insurance_months + m).is_multiple_of(12))
        .find(|m| total(&profile_after(profile, *m), on, wages) >= t::STANDARD)
        .map(|months| Projection {
            reaches_standard_on: Some(start.plus_months(months)),
            months: Some(months),
        })
        .unwrap_or_default()
}

/// The same answers with every unknown at its most favourable value.
pub fn best_case(profile: &Profile) -> Profile {
    let mut best = profile.clone();
    if profile.unknown.contribution_tier {
        best.contribution_tier = ContributionTier::X3;
    }
    if profile.unknown.qualification_base_met {
        best.qualification_base_met = true;
    }
    if profile.unknown.shortage_major {
        best.shortage_major = true;
    }
    best
}

/// The total with the unknowns at their worst and best, and the sentences
/// naming which unknown decides whether 120 is reached.
pub fn range(profile: &Profile, on: Date, wages: &ReferenceWages) -> (i32, i32, Vec<String>) {
    let assessed = assess(profile, on, wages);
    let (low, high) = (assessed.total_min, assessed.total_max);
    let mut deciding = Vec::new();
    if low < t::STANDARD && high >= t::STANDARD {
        if profile.unknown.contribution_tier {
            let period = wages.period_for(YearMonth::of(on));
            let enough = [
                ContributionTier::X0_8,
                ContributionTier::X1,
                ContributionTier::X2,
                ContributionTier::X3,
            ]
            .into_iter()
            .find(|tier| {
                total(
                    &Profile {
                        contribution_tier: *tier,
                        ..profile.clone()
                    },
                    on,
                    wages,
                ) >= t::STANDARD
            });
            if let Some(tier) = enough {
                let threshold = match (period, t::contribution_multiple_tenths(tier)) {
                    (Some(period), Some(multiple)) => {
                        format!("（不低于{}元/月）", period.threshold_text(multiple))
                    }
                    _ => String::new(),
                };
                deciding.push(format!(
                    "社保缴费基数：只要{}{threshold}，就能达到120分",
                    t::contribution_label(tier)
                ));
            }
        }
        if profile.unknown.qualification_base_met
            && total(
                &Profile {
                    qualification_base_met: true,
                    ..profile.clone()
                },
                on,
                wages,
            ) >= t::STANDARD
        {
            deciding.push(format!(
                "职称社保基数条件：如果近12个月内有6个月基数不低于社平工资，{}即可计分，达到120分",
                t::qualification_label(profile.qualification)
            ));
        }
        if profile.unknown.shortage_major
            && total(
                &Profile {
                    shortage_major: true,
                    ..profile.clone()
                },
                on,
                wages,
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

fn tier_after(tier: ContributionTier, steps: usize) -> Option<ContributionTier> {
    const ORDER: [ContributionTier; 5] = [
        ContributionTier::None,
        ContributionTier::X0_8,
        ContributionTier::X1,
        ContributionTier::X2,
        ContributionTier::X3,
    ];
    let index = ORDER.iter().position(|t| *t == tier)?;
    ORDER.get(index + steps).copied()
}

fn education_after(education: Education, steps: usize) -> Option<Education> {
    const ORDER: [Education; 6] = [
        Education::None,
        Education::College,
        Education::Bachelor,
        Education::BachelorDegree,
        Education::Master,
        Education::Doctor,
    ];
    let index = ORDER.iter().position(|e| *e == education)?;
    ORDER.get(index + steps).copied()
}

/// The changes that raise the total, most points first.
pub fn suggestions(
    profile: &Profile,
    on: Date,
    wages: &ReferenceWages,
    projection: &Projection,
) -> Vec<Suggestion> {
    let now = total(profile, on, wages);
    let mut list: Vec<Suggestion> = Vec::new();
    let mut consider = |code: String, action: String, changed: Profile, months: u32| {
        let points = total(&changed, on, wages) - now;
        if points > 0 {
            list.push(Suggestion {
                code,
                action,
                points,
                months,
            });
        }
    };
    let period = wages.period_for(YearMonth::of(on));
    let threshold = |tier: ContributionTier| match (period, t::contribution_multiple_tenths(tier)) {
        (Some(period), Some(multiple)) => format!("{}元/月", period.threshold_text(multiple)),
        _ => String::new(),
    };

    for steps in 1..=2 {
        if let Some(education) = education_after(profile.education, steps) {
            consider(
                format!("education_{}", education_code(education)),
                format!("取得{}（取得后即可计分）", t::education_label(education)),
                Profile {
                    education,
                    ..profile.clone()
                },
                0,
            );
        }
    }

    let base_wait = if profile.qualification_base_met { 0 } else { 6 };
    for qualification in [
        Qualification::Skill3,
        Qualification::Skill2,
        Qualification::IntermediateTitle,
        Qualification::SeniorTitle,
    ] {
        if t::qualification_points(qualification) <= t::qualification_points(profile.qualification)
        {
            continue;
        }
        let needs_base = t::qualification_needs_base(qualification);
        let condition = if needs_base && !profile.qualification_base_met {
            "，并满足近12个月内6个月社保基数不低于社平工资的条件"
        } else {
            ""
        };
        consider(
            format!("qualification_{}", qualification_code(qualification)),
            format!(
                "取得与岗位相符的{}{condition}",
                t::qualification_label(qualification)
            ),
            Profile {
                qualification,
                qualification_base_met: true,
                ..profile.clone()
            },
            if needs_base { base_wait } else { 0 },
        );
    }

    if t::qualification_needs_base(profile.qualification) && !profile.qualification_base_met {
        consider(
            "qualification_base".into(),
            format!(
                "近12个月内有6个月社保缴费基数不低于{}（社平工资1倍），{}即可计分",
                threshold(ContributionTier::X1),
                t::qualification_label(profile.qualification)
            ),
            Profile {
                qualification_base_met: true,
                ..profile.clone()
            },
            6,
        );
    }

    for steps in 1..=2 {
        if let Some(tier) = tier_after(profile.contribution_tier, steps) {
            let months = if tier == ContributionTier::X3 { 24 } else { 36 };
            let multiple = t::contribution_multiple_tenths(tier).unwrap_or(10);
            consider(
                format!("contribution_{}", tier_code(tier)),
                format!(
                    "社保缴费基数提高到不低于{}（{}倍），连续缴满{months}个月",
                    threshold(tier),
                    multiple as f64 / 10.0
                ),
                Profile {
                    contribution_tier: tier,
                    ..profile.clone()
                },
                months,
            );
        }
    }

    if profile.lingang_years < t::LINGANG.from_years {
        let months = (t::LINGANG.from_years - profile.lingang_years) * 12;
        consider(
            "lingang".into(),
            format!(
                "在临港新片区工作并居住满{}年（需推荐函）",
                t::LINGANG.from_years
            ),
            Profile {
                lingang_years: t::LINGANG.from_years,
                ..profile.clone()
            },
            months,
        );
    }
    if profile.suburb_years < t::SUBURB.from_years {
        let months = (t::SUBURB.from_years - profile.suburb_years) * 12;
        consider(
            "suburb".into(),
            format!("在远郊重点区域工作并居住满{}年", t::SUBURB.from_years),
            Profile {
                suburb_years: t::SUBURB.from_years,
                ..profile.clone()
            },
            months,
        );
    }

    match projection.months {
        Some(months) if months > 0 => consider(
            "time".into(),
            format!("保持在本市工作并正常缴纳社保{months}个月（按现有情况自然累积）"),
            profile_after(profile, months),
            months,
        ),
        _ => {
            let months = 12 - profile.insurance_months % 12;
            consider(
                "time".into(),
                format!("再正常缴纳{months}个月社保（社保年限每满1年加3分）"),
                Profile {
                    insurance_months: profile.insurance_months + months,
                    ..profile.clone()
                },
                months,
            );
        }
    }

    list.sort_by_key(|s| (std::cmp::Reverse(s.points), s.months));
    list
}

fn education_code(education: Education) -> &'static str {
    match education {
        Education::None => "none",
        Education::College => "college",
        Education::Bachelor => "bachelor",
        Education::BachelorDegree => "bachelor_degree",
        Education::Master => "master",
        Education::Doctor => "doctor",
    }
}

fn qualification_code(qualification: Qualification) -> &'static str {
    match qualification {
        Qualification::None => "none",
        Qualification::Skill5 => "skill_5",
        Qualification::Skill4 => "skill_4",
        Qualification::Skill3 => "skill_3",
        Qualification::Skill2 => "skill_2",
        Qualification::Skill1 => "skill_1",
        Qualification::IntermediateTitle => "intermediate_title",
        Qualification::SeniorTitle => "senior_title",
    }
}

fn tier_code(tier: ContributionTier) -> &'static str {
    match tier {
        ContributionTier::None => "none",
        ContributionTier::X0_8 => "x0_8",
        ContributionTier::X1 => "x1",
        ContributionTier::X2 => "x2",
        ContributionTier::X3 => "x3",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scoring::profile::Unknowns;
    use time::macros::date;

    const ON: Date = date!(2026 - 11 - 28);

    fn wages() -> ReferenceWages {
        ReferenceWages::bundled()
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
        let projection = project(&p, ON, &wages());
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
        let projection = project(&p, ON, &wages());
        let months = projection.months.unwrap();
        assert!(total(&profile_after(&p, months), ON, &wages()) >= 120);
        for earlier in 0..months {
            assert!(
                total(&profile_after(&p, earlier), ON, &wages()) < 120,
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
        assert_eq!(total(&p, ON, &wages()), 119);
        let projection = project(&p, ON, &wages());
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
        let projection = project(&p, ON, &wages());
        match projection.months {
            Some(months) => {
                let later = profile_after(&p, months);
                assert!(later.age <= 60);
                assert!(total(&later, ON, &wages()) >= 120);
            }
            None => {
                for m in 0..((61 - 45) * 12) {
                    assert!(
                        total(&profile_after(&p, m), ON, &wages()) < 120,
                        "month {m}"
                    );
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
        assert_eq!(project(&p, ON, &wages()), Projection::default());
        let old = Profile {
            age: 61,
            education: Education::Doctor,
            insurance_months: 240,
            ..Profile::default()
        };
        assert_eq!(
            project(&old, ON, &wages()),
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
        assert_eq!(project(&vetoed, ON, &wages()), Projection::default());
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
        assert_eq!(total(&p, ON, &wages()), 116);
        assert_eq!(project(&p, ON, &wages()).months, Some(12));
        let capped = profile_after(&p, 120);
        let a = assess(&capped, ON, &wages());
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
    fn suggestions_are_ranked_by_points() {
        let p = Profile {
            age: 50,
            education: Education::College,
            qualification: Qualification::IntermediateTitle,
            insurance_months: 96,
            contribution_tier: ContributionTier::X0_8,
            ..Profile::default()
        };
        let projection = project(&p, ON, &wages());
        let list = suggestions(&p, ON, &wages(), &projection);
        assert!(
            list.windows(2).all(|w| w[0].points >= w[1].points),
            "{list:#?}"
        );
        let code = |c: &str| {
            list.iter()
                .find(|s| s.code == c)
                .unwrap_or_else(|| panic!("{c} in {list:#?}"))
        };
        assert_eq!(
            code("qualification_base").points,
            50,
            "the title replaces 大专: +50"
        );
        assert_eq!(code("qualification_base").months, 6);
        assert_eq!(code("contribution_x1").points, 25);
        assert_eq!(code("contribution_x1").months, 36);
        assert_eq!(code("contribution_x2").points, 75);
        assert_eq!(code("contribution_x2").months, 36);
        assert_eq!(code("education_bachelor").points, 10);
        assert_eq!(code("qualification_senior_title").months, 6);
        assert_eq!(code("lingang").points, 6);
        assert_eq!(code("lingang").months, 36);
        assert_eq!(code("suburb").points, 10);
        assert_eq!(code("suburb").months, 60);
        assert!(list.iter().any(|s| s.code == "time"));
        assert!(list.iter().all(|s| s.points > 0 && !s.action.is_empty()));
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
        let (low, high, deciding) = range(&p, ON, &wages());
        assert_eq!((low, high), (99, 219));
        assert_eq!(deciding.len(), 1);
        assert!(
            deciding[0].contains("0.8倍") && deciding[0].contains("9947.2"),
            "99 + 25 is enough: {deciding:?}"
        );

        let known = Profile {
            unknown: Unknowns::default(),
            ..p.clone()
        };
        let (low, high, deciding) = range(&known, ON, &wages());
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
        let (low, high, deciding) = range(&title, ON, &wages());
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
