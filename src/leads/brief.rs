//! The call brief: the two or three facts that decide a lead, from its
//! self-test snapshot — the gap, the cheapest way to close it, and what the
//! visitor could not confirm.

use super::snapshot::Snapshot;
use crate::scoring::plan;
use crate::scoring::{Profile, ReferenceWages};

/// How much a suggestion asks of the visitor, least first: meeting the base
/// condition of a title they hold, waiting, raising the contribution base,
/// moving, then studying or certifying.
fn effort(code: &str) -> u8 {
    match code {
        "qualification_base" => 1,
        "time" => 2,
        code if code.starts_with("contribution_") => 3,
        "lingang" | "suburb" => 4,
        _ => 5,
    }
}

/// The facts for the call, most decisive first.
pub fn call_brief(snapshot: &Snapshot, wages: &ReferenceWages) -> Vec<String> {
    let result = &snapshot.result;
    let mut facts = Vec::new();
    if result.vetoed {
        facts.push("有一票否决记录：不能申请积分，先说明这一点".to_string());
    }
    if result.reaches_standard {
        facts.push(format!(
            "自测{}分，已达到120分：重点核对申请条件和材料",
            result.total
        ));
    } else {
        facts.push(format!("自测{}分，还差{}分", result.total, result.gap));
        let profile: Profile =
            serde_json::from_value(serde_json::Value::Object(snapshot.answers.clone()))
                .unwrap_or_default();
        let projection = plan::project(&profile, result.assessed_on, wages);
        let suggestions = plan::suggestions(&profile, result.assessed_on, wages, &projection);
        let closing = suggestions
            .iter()
            .filter(|s| s.points >= result.gap)
            .min_by_key(|s| (effort(&s.code), s.months));
        match (closing, suggestions.first()) {
            (Some(s), _) => facts.push(format!(
                "最省力的补分方式：{}，可加{}分，足以达标",
                s.action, s.points
            )),
            (None, Some(s)) => facts.push(format!(
                "单项最多可补：{}（+{}分），还需组合其他方式",
                s.action, s.points
            )),
            (None, None) => {}
        }
    }
    if !snapshot.sensitive_shared {
        facts.push("访客未授权提供减分和一票否决情况：如有需要，请在电话中确认".to_string());
    }
    if let Some(note) = result
        .eligibility
        .iter()
        .find(|n| n.met == Some(false) && n.code != "standard")
    {
        facts.push(format!("申请条件不符：{}", note.note));
    } else {
        facts.push("需电话确认：目前在职且正常缴纳社保、持有效居住证、单位在本市注册".to_string());
    }
    facts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scoring::{ContributionTier, Education, Qualification, assess};
    use time::macros::date;

    fn snapshot(profile: &Profile, share: bool) -> Snapshot {
        let wages = ReferenceWages::bundled();
        let result = assess(profile, date!(2026 - 11 - 28), &wages);
        Snapshot::build("t", profile, &result, share, &wages)
    }

    #[test]
    fn a_missing_base_condition_is_the_cheapest_fix() {
        let profile = Profile {
            age: 50,
            education: Education::College,
            qualification: Qualification::IntermediateTitle,
            insurance_months: 96,
            contribution_tier: ContributionTier::X0_8,
            ..Profile::default()
        };
        let brief = call_brief(&snapshot(&profile, true), &ReferenceWages::bundled());
        assert_eq!(brief[0], "自测116分，还差4分");
        assert!(
            brief[1].contains("社保缴费基数不低于") && brief[1].contains("足以达标"),
            "{brief:?}"
        );
    }

    #[test]
    fn time_closes_a_small_gap() {
        let profile = Profile {
            age: 43,
            education: Education::College,
            insurance_months: 156,
            ..Profile::default()
        };
        let brief = call_brief(&snapshot(&profile, false), &ReferenceWages::bundled());
        assert_eq!(brief[0], "自测119分，还差1分");
        assert!(
            brief[1].contains("缴纳社保12个月") && brief[1].contains("足以达标"),
            "{brief:?}"
        );
        assert!(brief.iter().any(|f| f.contains("未授权提供减分")));
    }

    #[test]
    fn a_reached_score_points_to_the_conditions() {
        let profile = Profile {
            age: 30,
            education: Education::BachelorDegree,
            insurance_months: 24,
            ..Profile::default()
        };
        let brief = call_brief(&snapshot(&profile, true), &ReferenceWages::bundled());
        assert!(brief[0].contains("已达到120分"));
        assert!(brief.last().unwrap().contains("需电话确认"));
    }
}
