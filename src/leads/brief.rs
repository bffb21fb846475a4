//! The call brief: the two or three facts that decide a lead, from its
//! self-test snapshot — the gap, the cheapest way to close it, and what the
//! visitor could not confirm.

use super::snapshot::Snapshot;
use crate::scoring::{Profile, ReferenceWages, evaluate};

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
        // The same ranking as the visitor's result page: those that close
        // the gap alone come first, least effort first.
        let planned = evaluate(&profile, result.assessed_on, wages);
        match (planned.suggestions.first(), planned.routes.first()) {
            (Some(s), _) if s.closes => facts.push(format!(
                "最省力的补分方式：{}，可加{}分，足以达标",
                s.action, s.points
            )),
            // The same route as the result page's "最现实的路线".
            (_, Some(route)) => facts.push(format!(
                "没有单项能补足，最现实的路线：{}（{}可达{}分）",
                route.summary,
                route.when(),
                route.total
            )),
            (Some(s), None) => facts.push(format!(
                "单项最多可补：{}（+{}分），还需组合其他方式",
                s.action, s.points
            )),
            (None, None) => {}
        }
    }
    if let Some(school) = &result.school
        && school.zhongkao.status != crate::scoring::school::Status::Done
    {
        // The queue card's words, from the same function.
        facts.push(super::school::LeadSchool::card_line(
            i64::from(school.zhongkao.year),
            &school.zhongkao.target.to_string(),
            school.zhongkao.status.code(),
        ));
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
    fn the_brief_leads_with_the_result_pages_first_suggestion() {
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
        // The same ranking as the result page: time alone closes 4 points
        // and asks nothing of anyone, so it comes first.
        let wages = ReferenceWages::bundled();
        let page = crate::scoring::evaluate(&profile, date!(2026 - 11 - 28), &wages);
        assert!(
            brief[1].contains(&page.suggestions[0].action) && brief[1].contains("足以达标"),
            "{brief:?}"
        );
        assert!(brief[1].contains("缴纳社保48个月"), "{brief:?}");
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

    /// The same route as the result page's "最现实的路线" when no single
    /// step closes the gap (issue 25: 45 y, 高中, 8 years, 8千).
    #[test]
    fn a_far_short_lead_is_briefed_with_the_route() {
        let profile = Profile {
            age: 45,
            insurance_months: 96,
            ..Profile::default()
        };
        let brief = call_brief(&snapshot(&profile, true), &ReferenceWages::bundled());
        assert_eq!(brief[0], "自测51分，还差69分");
        let page =
            crate::scoring::evaluate(&profile, date!(2026 - 11 - 28), &ReferenceWages::bundled());
        assert!(
            brief[1].contains("最现实的路线") && brief[1].contains(&page.routes[0].summary),
            "{brief:?}"
        );
        assert!(!brief[1].contains("技能二级"), "{brief:?}");
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
