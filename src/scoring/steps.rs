//! The steps that raise the total, each scored at the month it can first
//! count, ranked; and, when no single step closes the gap, the most
//! realistic combinations of them (`routes`). Every number here comes from
//! the engine applied to the changed answers, so a step can never promise
//! what the rules would not give (a 技师 without the 1× base, a tier
//! without its months).

use std::cell::RefCell;

use super::assessment::{Effort, Projection, Route, Suggestion};
use super::engine::{Basis, total_on};
use super::plan::{months_before_61, profile_after, threshold_text};
use super::profile::{ContributionTier, Education, Profile, Qualification};
use super::tables as t;

/// One change to the answers a visitor can make.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Change {
    Education(Education),
    Qualification(Qualification),
    /// Six of the last 12 months at a base of at least 1×.
    TitleBase,
    /// The tier turns out to be this one (a check of the records).
    Tier(ContributionTier),
    /// The base raised to this tier for the months it needs: at 1× or
    /// more, the last 12 months then meet the title base condition too.
    RaiseTier(ContributionTier),
    ShortageMajor,
    Lingang(u32),
    Suburb(u32),
    /// Nothing but the months passing.
    Time,
}

impl Change {
    fn apply(self, profile: &mut Profile) {
        match self {
            Self::Education(education) => profile.education = education,
            Self::Qualification(qualification) => profile.qualification = qualification,
            Self::TitleBase => {
                profile.qualification_base_met = true;
                profile.unknown.qualification_base_met = false;
            }
            Self::Tier(tier) => {
                profile.contribution_tier = tier;
                profile.unknown.contribution_tier = false;
            }
            Self::RaiseTier(tier) => {
                Self::Tier(tier).apply(profile);
                if tier >= ContributionTier::X1 {
                    Self::TitleBase.apply(profile);
                }
            }
            Self::ShortageMajor => {
                profile.shortage_major = true;
                profile.unknown.shortage_major = false;
            }
            Self::Lingang(years) => profile.lingang_years = years,
            Self::Suburb(years) => profile.suburb_years = years,
            Self::Time => {}
        }
    }

    /// The indicator it changes: two changes of one never combine (values
    /// inside an indicator never stack). 教育背景 and 职称 are one choice.
    fn indicator(self) -> &'static str {
        match self {
            Self::Education(_) | Self::Qualification(_) => "education_or_qualification",
            Self::TitleBase => "title_base",
            Self::Tier(_) | Self::RaiseTier(_) => "contribution_base",
            Self::ShortageMajor => "shortage_major",
            Self::Lingang(_) | Self::Suburb(_) => "place",
            Self::Time => "time",
        }
    }

    /// Whether this change meets what a step `needs` (a base raised to 1×
    /// or more meets the title base condition).
    fn meets(self, need: Change) -> bool {
        self == need
            || (need == Self::TitleBase
                && matches!(self, Self::RaiseTier(tier) if tier >= ContributionTier::X1))
    }
}

/// A step before it is scored.
#[derive(Debug, Clone)]
struct Step {
    code: String,
    /// What to do, in Chinese.
    action: String,
    /// The step in a few words, for a route.
    short: String,
    change: Change,
    /// The earliest month from now it can count.
    months: u32,
    effort: Effort,
    /// How big a change it is within its effort (0 a check, 1 the smallest):
    /// routes prefer the smaller.
    size: u32,
    /// The codes of the steps it only scores together with.
    needs: Vec<String>,
    /// What those steps change (one of them, or what meets it, suffices).
    needs_change: Option<Change>,
}

/// Steps scored together at the month they all count.
#[derive(Debug, Clone, Copy)]
struct Score {
    /// The total then, with the steps done.
    with: i32,
    /// The total then with time alone.
    baseline: i32,
    months: u32,
}

/// Scores steps against one profile, keeping the total of time alone by
/// month (a handful of months recur across hundreds of combinations).
struct Scorer<'a> {
    profile: &'a Profile,
    basis: &'a Basis<'a>,
    baselines: RefCell<Vec<(u32, i32)>>,
}

impl<'a> Scorer<'a> {
    fn new(profile: &'a Profile, basis: &'a Basis<'a>) -> Self {
        Self {
            profile,
            basis,
            baselines: RefCell::new(Vec::new()),
        }
    }

    fn baseline(&self, months: u32) -> i32 {
        if let Some((_, total)) = self.baselines.borrow().iter().find(|(m, _)| *m == months) {
            return *total;
        }
        let total = total_on(&profile_after(self.profile, months), self.basis);
        self.baselines.borrow_mut().push((months, total));
        total
    }

    fn score(&self, steps: &[&Step]) -> Score {
        let months = steps.iter().map(|s| s.months).max().unwrap_or(0);
        let mut changed = profile_after(self.profile, months);
        for step in steps {
            step.change.apply(&mut changed);
        }
        Score {
            with: total_on(&changed, self.basis),
            baseline: self.baseline(months),
            months,
        }
    }
}

/// The step with the steps it needs.
fn with_needs<'a>(step: &'a Step, all: &'a [Step]) -> Vec<&'a Step> {
    std::iter::once(step)
        .chain(all.iter().filter(|s| step.needs.contains(&s.code)))
        .collect()
}

/// The changes that raise the total, each with what it adds at the month it
/// can first count (beyond what time alone brings by then), ranked by
/// `rank`. The result page and the advisor's call brief show this order.
pub fn suggestions(profile: &Profile, basis: &Basis, projection: &Projection) -> Vec<Suggestion> {
    let scorer = Scorer::new(profile, basis);
    let now = scorer.baseline(0);
    let all = candidates(profile, basis, projection, now);
    let mut list: Vec<Suggestion> = all
        .iter()
        .filter_map(|step| {
            let Score { with, baseline, .. } = scorer.score(&with_needs(step, &all));
            let points = if step.change == Change::Time {
                with - now
            } else {
                with - baseline
            };
            (points > 0).then(|| Suggestion {
                code: step.code.clone(),
                action: step.action.clone(),
                points,
                months: step.months.max(needs_months(step, &all)),
                effort: step.effort,
                // The step, not time alone, closes the gap by its month.
                closes: step.needs.is_empty()
                    && with >= t::STANDARD
                    && (step.change == Change::Time || baseline < t::STANDARD),
                needs: step.needs.clone(),
                makes_target: None,
            })
        })
        .collect();
    rank(&mut list);
    list
}

fn needs_months(step: &Step, all: &[Step]) -> u32 {
    with_needs(step, all)
        .iter()
        .map(|s| s.months)
        .max()
        .unwrap_or(0)
}

/// Those that alone close the gap first, by effort then by month, and of
/// two alike the smaller change (a base of 0.8× before 1×); then the rest:
/// those that count alone before those that need another step, most points
/// first, then soonest.
pub fn rank(list: &mut [Suggestion]) {
    list.sort_by_key(|s| {
        if s.closes {
            (false, false, s.effort, s.months, s.points, 0)
        } else {
            (
                true,
                !s.needs.is_empty(),
                Effort::None,
                0,
                -s.points,
                s.months,
            )
        }
    });
}

/// How many routes an assessment offers.
const ROUTES: usize = 3;

/// When no single step closes the gap: the combinations of two (else
/// three) steps that do, fewest and easiest first: by the hardest effort
/// among them, then how big the changes are, then how soon, then the
/// highest total. A route never holds two steps of one indicator, holds
/// what each step needs, and holds no step it could do without.
pub fn routes(profile: &Profile, basis: &Basis, projection: &Projection) -> Vec<Route> {
    let scorer = Scorer::new(profile, basis);
    let now = scorer.baseline(0);
    // A route is worth showing only if it comes sooner than time alone.
    let sooner_than = projection.months.unwrap_or(u32::MAX);
    let all: Vec<Step> = candidates(profile, basis, projection, now)
        .into_iter()
        .filter(|step| step.change != Change::Time && step.months < sooner_than)
        .collect();
    let closes = |steps: &[&Step]| scorer.score(steps).with >= t::STANDARD;
    let mut found: Vec<(Vec<&Step>, Score)> = Vec::new();
    for size in 2..=3 {
        for combination in combinations(&all, size) {
            if !is_whole(&combination) || !closes(&combination) {
                continue;
            }
            let minimal = (0..combination.len()).all(|left_out| {
                let rest = without(&combination, left_out);
                !is_whole(&rest) || rest.is_empty() || !closes(&rest)
            });
            if minimal {
                let score = scorer.score(&combination);
                found.push((combination, score));
            }
        }
        if !found.is_empty() {
            break;
        }
    }
    found.sort_by_key(|(steps, score)| {
        let effort = steps.iter().map(|s| s.effort).max().unwrap_or_default();
        let size: u32 = steps.iter().map(|s| s.size).sum();
        (effort, size, score.months, -score.with)
    });
    found
        .into_iter()
        .take(ROUTES)
        .map(|(steps, score)| Route {
            steps: steps.iter().map(|s| s.code.clone()).collect(),
            points: score.with - score.baseline,
            months: score.months,
            total: score.with,
            summary: steps
                .iter()
                .map(|s| s.short.as_str())
                .collect::<Vec<_>>()
                .join(" + "),
            makes_target: None,
        })
        .collect()
}

/// No two steps of one indicator, and what every step needs inside.
fn is_whole(steps: &[&Step]) -> bool {
    let distinct = steps.iter().enumerate().all(|(i, a)| {
        steps[i + 1..]
            .iter()
            .all(|b| a.change.indicator() != b.change.indicator())
    });
    distinct
        && steps.iter().all(|s| {
            s.needs_change
                .is_none_or(|need| steps.iter().any(|o| o.change.meets(need)))
        })
}

fn without<'a>(steps: &[&'a Step], index: usize) -> Vec<&'a Step> {
    steps
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != index)
        .map(|(_, s)| *s)
        .collect()
}

/// Every choice of `size` steps, in the order given.
fn combinations(all: &[Step], size: usize) -> Vec<Vec<&Step>> {
    if size == 0 {
        return vec![Vec::new()];
    }
    let mut out = Vec::new();
    for (index, first) in all.iter().enumerate() {
        for mut rest in combinations(&all[index + 1..], size - 1) {
            rest.insert(0, first);
            out.push(rest);
        }
    }
    out
}

/// Every step worth scoring for this profile: none that counts only after
/// the age passes 60.
fn candidates(profile: &Profile, basis: &Basis, projection: &Projection, now: i32) -> Vec<Step> {
    let mut list = Vec::new();
    verify_unknowns(profile, basis, now, &mut list);
    let base_code = title_base(profile, basis, &mut list);
    study(profile, basis, base_code.as_deref(), &mut list);
    contribution_base(profile, basis, &mut list);
    places(profile, basis, &mut list);
    time(profile, projection, &mut list);
    let last = months_before_61(profile);
    list.retain(|step| step.months <= last);
    list
}

fn step(code: &str, action: String, short: String, change: Change) -> Step {
    Step {
        code: code.into(),
        action,
        short,
        change,
        months: 0,
        effort: Effort::Verify,
        size: 0,
        needs: Vec::new(),
        needs_change: None,
    }
}

/// An unknown answer that could decide the result, or a list worth
/// checking when it alone could close a small gap: find out first.
fn verify_unknowns(profile: &Profile, basis: &Basis, now: i32, list: &mut Vec<Step>) {
    if profile.unknown.contribution_tier {
        let months_for =
            |tier| t::tier_months_required(tier).saturating_sub(profile.insurance_months);
        let reaches = |tier: &ContributionTier| {
            let mut later = profile_after(profile, months_for(*tier));
            Change::Tier(*tier).apply(&mut later);
            total_on(&later, basis) >= t::STANDARD
        };
        let tier = ContributionTier::ALL[1..]
            .iter()
            .copied()
            .find(reaches)
            .unwrap_or(ContributionTier::X3);
        let wait = months_for(tier);
        let later = if wait > 0 {
            format!("（社保再缴{wait}个月才够这一档要求的月数）")
        } else {
            String::new()
        };
        list.push(Step {
            months: wait,
            ..step(
                "verify_contribution_tier",
                format!(
                    "在“随申办”查询本人社保缴费记录，核对近4年的缴费基数：{}（不低于{}）可计{}分{later}",
                    tier.label(),
                    threshold_text(tier, basis),
                    t::contribution_points(tier)
                ),
                "核对社保缴费基数".into(),
                Change::Tier(tier),
            )
        });
    }
    let gap = t::STANDARD - now;
    let worth_checking = profile.unknown.shortage_major
        || (gap <= t::SHORTAGE_MAJOR_POINTS && !profile.shortage_major);
    if worth_checking && profile.education != Education::None {
        list.push(step(
            "verify_shortage_major",
            "对照本市公布的紧缺急需专业目录，核对所学全日制大专及以上专业是否在内、现岗位是否相符（符合可加30分）".into(),
            "核对紧缺急需专业目录".into(),
            Change::ShortageMajor,
        ));
    }
}

/// The 1× base condition of 技师 and titles: when unknown for a title held,
/// check it; when not met, the employer has to raise the base for 6
/// months. Returns the step's code, which later titles need.
fn title_base(profile: &Profile, basis: &Basis, list: &mut Vec<Step>) -> Option<String> {
    if profile.qualification_base_met {
        return None;
    }
    let x1 = threshold_text(ContributionTier::X1, basis);
    let held = t::qualification_needs_base(profile.qualification);
    let scores = if held {
        format!("，{}即可计分", profile.qualification.label())
    } else {
        "（技能二级、一级和中级、高级职称计分的条件）".to_string()
    };
    let base = if profile.unknown.qualification_base_met && held {
        Step {
            months: t::TITLE_BASE_MONTHS.saturating_sub(profile.insurance_months),
            ..step(
                "verify_qualification_base",
                format!(
                    "在“随申办”查询近12个月的缴费记录：有6个月社保缴费基数不低于{x1}（社平工资1倍）{scores}"
                ),
                "核对近12个月的缴费基数".into(),
                Change::TitleBase,
            )
        }
    } else {
        let far = t::tier_carried(profile.contribution_tier, profile.insurance_months)
            < ContributionTier::X1;
        Step {
            months: t::TITLE_BASE_MONTHS,
            effort: Effort::Employer,
            size: if far { 2 } else { 1 },
            ..step(
                "qualification_base",
                format!("近12个月内有6个月社保缴费基数不低于{x1}（社平工资1倍）{scores}"),
                format!("社保基数不低于{x1}满6个月"),
                Change::TitleBase,
            )
        }
    };
    let code = base.code.clone();
    list.push(base);
    Some(code)
}

/// A higher degree, a title or a skill level. A 技师 or a title without the
/// 1× base needs the base step too, and waits for its months.
fn study(profile: &Profile, basis: &Basis, base_code: Option<&str>, list: &mut Vec<Step>) {
    for steps in 1..=2u32 {
        if let Some(education) = steps_up(Education::ALL, profile.education, steps as usize) {
            list.push(Step {
                effort: Effort::Qualify,
                size: steps,
                ..step(
                    &format!("education_{}", education.code()),
                    format!("取得{}（取得后即可计分）", education.label()),
                    format!("取得{}", education.label()),
                    Change::Education(education),
                )
            });
        }
    }
    for (qualification, size) in [
        (Qualification::Skill3, 1),
        (Qualification::Skill2, 2),
        (Qualification::IntermediateTitle, 2),
        (Qualification::SeniorTitle, 3),
    ] {
        if t::qualification_points(qualification) <= t::qualification_points(profile.qualification)
        {
            continue;
        }
        let needs_base = t::qualification_needs_base(qualification);
        let needs_change = (needs_base && base_code.is_some()).then_some(Change::TitleBase);
        let (condition, needs, months) = match (needs_base, base_code) {
            (true, Some(code)) => (
                format!(
                    "；还须近12个月内6个月社保基数不低于{}（社平工资1倍），只取得证书不计分",
                    threshold_text(ContributionTier::X1, basis)
                ),
                vec![code.to_string()],
                t::TITLE_BASE_MONTHS,
            ),
            (true, None) => (
                String::new(),
                Vec::new(),
                t::TITLE_BASE_MONTHS.saturating_sub(profile.insurance_months),
            ),
            (false, _) => (String::new(), Vec::new(), 0),
        };
        list.push(Step {
            months,
            effort: Effort::Qualify,
            size,
            needs,
            needs_change,
            ..step(
                &format!("qualification_{}", qualification.code()),
                format!("取得与岗位相符的{}{condition}", qualification.label()),
                format!("取得{}", qualification.label()),
                Change::Qualification(qualification),
            )
        });
    }
}

/// One or two tiers above the one claimed, each after the months it needs
/// at the new base.
fn contribution_base(profile: &Profile, basis: &Basis, list: &mut Vec<Step>) {
    for steps in 1..=2u32 {
        let Some(tier) = steps_up(
            ContributionTier::ALL,
            profile.contribution_tier,
            steps as usize,
        ) else {
            continue;
        };
        let months = t::tier_months_required(tier);
        let multiple = f64::from(t::contribution_multiple_tenths(tier).unwrap_or(10)) / 10.0;
        let threshold = threshold_text(tier, basis);
        list.push(Step {
            months,
            effort: Effort::Employer,
            size: steps,
            ..step(
                &format!("contribution_{}", tier.code()),
                format!("社保缴费基数提高到不低于{threshold}（{multiple}倍），缴满{months}个月"),
                format!("社保基数提高到{multiple}倍（{threshold}）"),
                Change::RaiseTier(tier),
            )
        });
    }
}

/// Working and living in 临港新片区 or a 远郊重点区域.
fn places(profile: &Profile, basis: &Basis, list: &mut Vec<Step>) {
    let lingang_from = basis.rules.lingang.from_years.max(1);
    if profile.lingang_years < lingang_from {
        list.push(Step {
            months: (lingang_from - profile.lingang_years) * 12,
            effort: Effort::Employer,
            size: 2,
            ..step(
                "lingang",
                format!("在临港新片区工作并居住满{lingang_from}年（需推荐函）"),
                format!("在临港新片区工作并居住满{lingang_from}年"),
                Change::Lingang(lingang_from),
            )
        });
    }
    if profile.suburb_years < t::SUBURB.from_years {
        let years = t::SUBURB.from_years;
        list.push(Step {
            months: (years - profile.suburb_years) * 12,
            effort: Effort::Employer,
            size: 2,
            ..step(
                "suburb",
                format!("在远郊重点区域（如五个新城）工作并居住满{years}年"),
                format!("在远郊重点区域工作并居住满{years}年"),
                Change::Suburb(years),
            )
        });
    }
}

/// Time alone: the month the projection reaches 120, or the next year of
/// contributions.
fn time(profile: &Profile, projection: &Projection, list: &mut Vec<Step>) {
    let (months, action) = match projection.months {
        Some(months) if months > 0 => (
            months,
            format!("保持在本市工作并正常缴纳社保{months}个月（按现有情况自然累积）"),
        ),
        _ => {
            let months = 12 - profile.insurance_months % 12;
            (
                months,
                format!("再正常缴纳{months}个月社保（社保年限每满1年加3分）"),
            )
        }
    };
    list.push(Step {
        months,
        effort: Effort::None,
        ..step("time", action, "继续缴纳社保".into(), Change::Time)
    });
}

/// The value `steps` places up the order of a vocabulary, if any.
fn steps_up<T: Copy + PartialEq>(all: &[T], value: T, steps: usize) -> Option<T> {
    let index = all.iter().position(|v| *v == value)?;
    all.get(index + steps).copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scoring::profile::Unknowns;
    use crate::scoring::wages::ReferenceWages;
    use crate::scoring::{Assessment, evaluate};
    use time::macros::date;

    fn evaluated(profile: &Profile) -> Assessment {
        evaluate(profile, date!(2026 - 12 - 07), &ReferenceWages::bundled())
    }

    fn find<'a>(a: &'a Assessment, code: &str) -> &'a Suggestion {
        a.suggestions
            .iter()
            .find(|s| s.code == code)
            .unwrap_or_else(|| panic!("{code} in {:#?}", a.suggestions))
    }

    /// 45 y, 高中, 8 years, a base of 8千 (issue 25): 51, 69 short. A 技师 or
    /// a title needs the 1× base too, so none is a single step; the route
    /// that closes the gap is 技能三级 with the base at 0.8×.
    #[test]
    fn a_far_short_visitor_gets_a_route_not_a_false_single_step() {
        let a = evaluated(&Profile {
            age: 45,
            insurance_months: 96,
            ..Profile::default()
        });
        assert_eq!((a.total, a.gap), (51, 69));
        assert!(
            a.suggestions.iter().all(|s| !s.closes),
            "{:#?}",
            a.suggestions
        );
        for code in [
            "qualification_skill_2",
            "qualification_intermediate_title",
            "qualification_senior_title",
        ] {
            let s = find(&a, code);
            assert_eq!(s.needs, ["qualification_base"], "{code}");
            assert_eq!(s.months, 6, "{code}");
            assert!(s.action.contains("11396"), "{}", s.action);
        }
        let route = &a.routes[0];
        assert_eq!(route.steps, ["qualification_skill_3", "contribution_x0_8"]);
        assert_eq!(route.months, 36);
        // At 48: 21 + 60 + 33 (11 years) + 25 = 139; time alone gives 54.
        assert_eq!((route.total, route.points), (139, 85));
        assert!(route.summary.contains("技能三级") && route.summary.contains("0.8倍"));
        assert!(a.routes.len() <= ROUTES);
    }

    /// 38 y, 大专, 48 months at 0.8×: 117, 3 short. Time closes it first;
    /// the shortage list is worth checking though the answer was 否.
    #[test]
    fn a_small_gap_offers_the_shortage_list_to_a_graduate() {
        let profile = Profile {
            age: 38,
            education: Education::College,
            insurance_months: 48,
            contribution_tier: ContributionTier::X0_8,
            ..Profile::default()
        };
        let a = evaluated(&profile);
        assert_eq!(a.total, 117);
        assert_eq!(a.suggestions[0].code, "time");
        assert_eq!(a.suggestions[0].months, 12);
        let check = find(&a, "verify_shortage_major");
        assert_eq!((check.points, check.months, check.closes), (30, 0, true));
        assert_eq!(check.effort, Effort::Verify);
        assert!(a.routes.is_empty(), "single steps close the gap");
        // In 12 months time alone closes 3 points: a year in 临港 adds 2
        // but is not what closes the gap.
        let lingang = find(&a, "lingang");
        assert_eq!(
            (lingang.points, lingang.months, lingang.closes),
            (2, 12, false)
        );
        // Not for 高中, and not for a gap above 30.
        let school = evaluated(&Profile {
            education: Education::None,
            ..profile.clone()
        });
        assert!(
            school
                .suggestions
                .iter()
                .all(|s| s.code != "verify_shortage_major")
        );
        let far = evaluated(&Profile {
            insurance_months: 12,
            contribution_tier: ContributionTier::None,
            ..profile
        });
        assert!(far.gap > 30);
        assert!(
            far.suggestions
                .iter()
                .all(|s| s.code != "verify_shortage_major")
        );
    }

    #[test]
    fn suggestions_that_close_the_gap_come_first_least_effort_first() {
        // 50 y, 大专, 中级职称 without the base condition: 116, 4 short.
        let a = evaluated(&Profile {
            age: 50,
            education: Education::College,
            qualification: Qualification::IntermediateTitle,
            insurance_months: 96,
            contribution_tier: ContributionTier::X0_8,
            ..Profile::default()
        });
        let list = &a.suggestions;
        let closing = list.iter().take_while(|s| s.closes).count();
        assert!(list[closing..].iter().all(|s| !s.closes), "{list:#?}");
        assert!(
            list[..closing]
                .windows(2)
                .all(|w| (w[0].effort, w[0].months) <= (w[1].effort, w[1].months)),
            "{list:#?}"
        );
        assert!(
            list[closing..]
                .windows(2)
                .all(|w| (w[0].needs.len(), -w[0].points) <= (w[1].needs.len(), -w[1].points)),
            "alone before needing another step, then by points: {list:#?}"
        );
        assert_eq!(list[0].code, "time", "time alone closes 4 points");
        assert_eq!(
            list[1].code, "verify_shortage_major",
            "a check asks less: {list:#?}"
        );
        assert_eq!(list[2].code, "qualification_base", "{list:#?}");
        assert_eq!(
            find(&a, "qualification_base").points,
            50,
            "the title replaces 大专"
        );
        assert_eq!(find(&a, "qualification_base").effort, Effort::Employer);
        // A base raised to 1× for 36 months also meets the title's base
        // condition: +25 for the tier and +50 for the title over 大专.
        assert_eq!(find(&a, "contribution_x1").points, 75);
        assert_eq!(find(&a, "contribution_x1").months, 36);
        assert_eq!(find(&a, "contribution_x2").points, 125);
        assert_eq!(find(&a, "education_bachelor").points, 10);
        assert_eq!(find(&a, "education_bachelor").effort, Effort::Qualify);
        let senior = find(&a, "qualification_senior_title");
        assert_eq!((senior.months, senior.points), (6, 90));
        assert!(!senior.closes && senior.needs == ["qualification_base"]);
        assert_eq!(find(&a, "lingang").points, 2);
        assert_eq!(find(&a, "lingang").months, 12);
        assert_eq!(find(&a, "suburb").points, 10);
        assert_eq!(find(&a, "suburb").months, 60);
    }

    #[test]
    fn a_deciding_unknown_becomes_a_check_to_make() {
        // 30 + 60 + 9 = 99; a tier of 0.8× (25) would reach 124.
        let a = evaluated(&Profile {
            age: 30,
            education: Education::Bachelor,
            insurance_months: 36,
            unknown: Unknowns {
                contribution_tier: true,
                shortage_major: true,
                ..Unknowns::default()
            },
            ..Profile::default()
        });
        let codes: Vec<&str> = a.suggestions.iter().map(|s| s.code.as_str()).collect();
        assert_eq!(
            codes[..3],
            ["time", "verify_contribution_tier", "verify_shortage_major"],
            "{:#?}",
            a.suggestions
        );
        let tier = &a.suggestions[1];
        assert_eq!(
            (tier.effort, tier.months, tier.points),
            (Effort::Verify, 0, 25)
        );
        assert!(tier.action.contains("随申办") && tier.action.contains("9116.8"));
        assert_eq!(a.suggestions[2].points, 30);
    }

    #[test]
    fn an_unknown_tier_with_few_months_is_checked_for_the_month_it_counts() {
        // 30 y, 本科, 12 months: 93. The lowest tier that reaches 120 is
        // 0.8×, once 36 months are paid: 24 more (30 + 60 + 9 + 25 = 124).
        let a = evaluated(&Profile {
            age: 30,
            education: Education::Bachelor,
            insurance_months: 12,
            unknown: Unknowns {
                contribution_tier: true,
                ..Unknowns::default()
            },
            ..Profile::default()
        });
        let check = find(&a, "verify_contribution_tier");
        assert_eq!((check.months, check.points), (24, 25));
        assert!(check.action.contains("再缴24个月"), "{}", check.action);
        assert!(check.action.contains("0.8倍"), "{}", check.action);
    }

    #[test]
    fn ranking_puts_closers_first() {
        let s = |code: &str, points, months, effort, closes| Suggestion {
            code: code.into(),
            action: String::new(),
            points,
            months,
            effort,
            closes,
            needs: Vec::new(),
            makes_target: None,
        };
        let mut list = vec![
            s("big_far", 100, 60, Effort::Qualify, true),
            s("small", 3, 0, Effort::None, false),
            s("wait", 10, 24, Effort::None, true),
            s("check", 10, 0, Effort::Verify, true),
            s("wait_sooner", 12, 12, Effort::None, true),
            s("medium", 8, 0, Effort::Qualify, false),
            s("raise_more", 50, 36, Effort::Employer, true),
            s("raise", 25, 36, Effort::Employer, true),
            Suggestion {
                needs: vec!["qualification_base".into()],
                ..s("title", 140, 6, Effort::Qualify, false)
            },
        ];
        rank(&mut list);
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
                "small",
                "title"
            ]
        );
    }

    #[test]
    fn combinations_choose_without_repeats() {
        let steps: Vec<Step> = (0..5)
            .map(|i| step(&i.to_string(), String::new(), String::new(), Change::Time))
            .collect();
        assert_eq!(combinations(&steps, 2).len(), 10);
        assert_eq!(combinations(&steps, 3).len(), 10);
        let first: Vec<&str> = combinations(&steps, 3)[0]
            .iter()
            .map(|s| s.code.as_str())
            .collect();
        assert_eq!(first, ["0", "1", "2"]);
    }
}
