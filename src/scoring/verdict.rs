//! The verdict of an assessment and what blocks an application, so that each
//! result offers the next step that fits it: how to apply, what stands in the
//! way, or the plan to 120.

use serde::{Deserialize, Serialize};

use super::eligibility::RECENT_MONTHS_REQUIRED;
use super::profile::Profile;
use super::revisions::DatedRules;
use super::tables as t;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// 120 or more and nothing the answers tell blocks the application.
    Reached,
    /// A veto or the age rules it out, or 120 is reached but a condition
    /// to apply is not met yet.
    Blocked,
    /// Short of 120 and nothing rules the application out: the plan.
    #[default]
    Short,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockerKind {
    /// 一票否决: not eligible whatever the total.
    Veto,
    /// Outside 18–60.
    Age,
    /// A condition to apply that time or the visitor can meet.
    Condition,
}

/// One thing that stops the application, and whether it can change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Blocker {
    pub code: String,
    pub kind: BlockerKind,
    /// What blocks, in Chinese.
    pub reason: String,
    /// Whether and how it can change, in Chinese.
    pub outlook: String,
    /// False when nothing the visitor does changes it.
    pub can_change: bool,
}

/// Everything in the answers that stops an application under `rules`,
/// vetoes first.
pub fn blockers(profile: &Profile, rules: &DatedRules) -> Vec<Blocker> {
    let blocker = |code: &str, kind, reason: String, outlook: String, can_change| Blocker {
        code: code.into(),
        kind,
        reason,
        outlook,
        can_change,
    };
    let mut list = Vec::new();
    if profile.serious_criminal {
        list.push(blocker(
            "serious_criminal",
            BlockerKind::Veto,
            "有严重刑事犯罪记录：按规定一票否决，不能申请居住证积分".into(),
            "这一条不随时间或分数改变。".into(),
            false,
        ));
    }
    if profile.family_planning_violation && rules.family_planning_veto {
        list.push(blocker(
            "family_planning",
            BlockerKind::Veto,
            "有违反计划生育政策规定的行为记录：按测评日适用的2017年办法一票否决".into(),
            "2023年起施行的办法已删除此项：2023年1月1日起测评不再否决，可按最新规则重新计算。"
                .into(),
            true,
        ));
    }
    if profile.age > t::AGE_MAX {
        list.push(blocker(
            "age",
            BlockerKind::Age,
            format!(
                "{}周岁，超过{}周岁：积分指标只覆盖{}–{}周岁，不能申请",
                profile.age,
                t::AGE_MAX,
                t::AGE_MIN,
                t::AGE_MAX
            ),
            "年龄条件不会再满足；可了解其他居住证相关政策。".into(),
            false,
        ));
    } else if profile.age < t::AGE_MIN {
        list.push(blocker(
            "age",
            BlockerKind::Age,
            format!("{}周岁，未满{}周岁：暂不能申请", profile.age, t::AGE_MIN),
            format!(
                "{}年后满{}周岁，届时可以申请。",
                t::AGE_MIN - profile.age,
                t::AGE_MIN
            ),
            true,
        ));
    }
    if profile.insurance_months < RECENT_MONTHS_REQUIRED {
        let missing = RECENT_MONTHS_REQUIRED - profile.insurance_months;
        list.push(blocker(
            "insurance",
            BlockerKind::Condition,
            format!(
                "累计缴纳{}个月本市职工社保，申请要求近12个月内至少6个月（补缴不计）",
                profile.insurance_months
            ),
            format!("再正常缴纳{missing}个月社保后即可申请。"),
            true,
        ));
    }
    list
}

/// The verdict from the score, the eligibility and the blockers.
pub fn verdict(reaches_standard: bool, eligible: bool, blockers: &[Blocker]) -> Verdict {
    let ruled_out = blockers
        .iter()
        .any(|b| matches!(b.kind, BlockerKind::Veto | BlockerKind::Age));
    if ruled_out || (reaches_standard && !eligible) {
        Verdict::Blocked
    } else if eligible {
        Verdict::Reached
    } else {
        Verdict::Short
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scoring::Revisions;
    use time::macros::date;

    fn blockers(profile: &Profile) -> Vec<Blocker> {
        super::blockers(
            profile,
            &Revisions::bundled().rules_on(date!(2022 - 06 - 01)),
        )
    }

    fn profile(age: u32, months: u32) -> Profile {
        Profile {
            age,
            insurance_months: months,
            ..Profile::default()
        }
    }

    #[test]
    fn nothing_blocks_a_plain_profile() {
        assert!(blockers(&profile(30, 24)).is_empty());
        assert_eq!(verdict(true, true, &[]), Verdict::Reached);
        assert_eq!(verdict(false, false, &[]), Verdict::Short);
    }

    #[test]
    fn vetoes_and_age_rule_out_whatever_the_score() {
        let vetoed = Profile {
            serious_criminal: true,
            family_planning_violation: true,
            ..profile(30, 24)
        };
        let list = blockers(&vetoed);
        assert_eq!(
            list.iter().map(|b| b.code.as_str()).collect::<Vec<_>>(),
            ["serious_criminal", "family_planning"]
        );
        assert!(!list[0].can_change);
        assert!(list[1].outlook.contains("2023年起施行的办法已删除"));
        let today = Revisions::bundled().rules_on(date!(2026 - 12 - 07));
        assert_eq!(
            super::blockers(&vetoed, &today)
                .iter()
                .map(|b| b.code.as_str())
                .collect::<Vec<_>>(),
            ["serious_criminal"],
            "no family-planning veto under the 2023 text"
        );
        assert_eq!(verdict(true, false, &list), Verdict::Blocked);
        assert_eq!(verdict(false, false, &list), Verdict::Blocked);

        let old = blockers(&profile(61, 240));
        assert_eq!(old[0].kind, BlockerKind::Age);
        assert!(!old[0].can_change);
        assert_eq!(verdict(false, false, &old), Verdict::Blocked);
        let young = blockers(&profile(17, 12));
        assert!(young[0].can_change && young[0].outlook.contains("1年后"));
        for age in [18, 60] {
            assert!(blockers(&profile(age, 24)).is_empty(), "{age}");
        }
    }

    #[test]
    fn too_few_months_blocks_only_a_reached_score() {
        let list = blockers(&profile(30, 3));
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].kind, BlockerKind::Condition);
        assert!(list[0].outlook.contains("3个月"));
        assert_eq!(verdict(true, false, &list), Verdict::Blocked);
        assert_eq!(verdict(false, false, &list), Verdict::Short);
        assert!(blockers(&profile(30, 6)).is_empty());
    }
}
