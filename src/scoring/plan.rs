//! The path to 120: the range when answers are unknown and the month the
//! standard is reached if nothing changes (the steps that bring it sooner
//! are in `steps`). Pure, like the rest of the engine.

use super::assessment::Projection;
use super::engine::{Basis, assess_on, total_on, vetoed};
use super::profile::{ContributionTier, Profile};
use super::tables::{self as t};
use super::wages::YearMonth;

/// The answers a year-counted or month-counted item grows with: everything
/// time adds after `months` months, nothing else.
pub fn profile_after(profile: &Profile, months: u32) -> Profile {
    let years = months / 12;
    let grow = |value: u32| if value > 0 { value + years } else { 0 };
    Profile {
        // The birthday may be next month: cautiously a year older from the
        // first month of each year (only the age costs points with time).
        age: profile.age + months.div_ceil(12),
        insurance_months: profile.insurance_months + months,
        // 应届 counts in the year of graduation or the next: cautiously,
        // not a year from now.
        fresh_graduate: profile.fresh_graduate && months < 12,
        spouse_hukou_years: grow(profile.spouse_hukou_years),
        suburb_years: grow(profile.suburb_years),
        lingang_years: grow(profile.lingang_years),
        public_service_years: grow(profile.public_service_years),
        ..profile.clone()
    }
}

fn total(profile: &Profile, basis: &Basis) -> i32 {
    total_on(profile, basis)
}

/// Month by month from the assessment month (only the months where time
/// changes something are scored: a year of age, a full year of
/// contributions, the months a tier or the title base condition needs).
pub fn project(profile: &Profile, basis: &Basis) -> Projection {
    if vetoed(profile, &basis.rules) || profile.age > t::AGE_MAX {
        return Projection::default();
    }
    let limit = months_before_61(profile) + 1;
    let start = YearMonth::of(basis.on);
    let paid = profile.insurance_months;
    (0..limit)
        .filter(|m| {
            m.is_multiple_of(12)
                || (paid + m).is_multiple_of(12)
                || t::MONTHS_THAT_UNLOCK.contains(&(paid + m))
        })
        .find(|m| total(&profile_after(profile, *m), basis) >= t::STANDARD)
        .map(|months| Projection {
            reaches_standard_on: Some(start.plus_months(months)),
            months: Some(months),
        })
        .unwrap_or_default()
}

/// The last month from now at which the visitor is still at most 60 (by
/// `profile_after`'s cautious age): no plan counts on a later month.
pub fn months_before_61(profile: &Profile) -> u32 {
    t::AGE_MAX.saturating_sub(profile.age) * 12
}

/// The lowest tier that reaches 120 with the rest of the answers as given.
pub(super) fn lowest_tier_reaching(profile: &Profile, basis: &Basis) -> Option<ContributionTier> {
    ContributionTier::ALL[1..].iter().copied().find(|tier| {
        let with_tier = Profile {
            contribution_tier: *tier,
            ..profile.clone()
        };
        total(&with_tier, basis) >= t::STANDARD
    })
}

/// "（不低于9116.8元/月）" for a tier, from the period of the basis.
pub(super) fn threshold_text(tier: ContributionTier, basis: &Basis) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scoring::profile::{Education, Qualification, Unknowns};
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
