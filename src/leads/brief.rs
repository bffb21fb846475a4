//! The call brief: the two or three facts that decide a lead, from its
//! self-test snapshot — the gap, the cheapest way to close it, and what the
//! visitor could not confirm.

use super::snapshot::Snapshot;
use crate::scoring::{
    ContributionTier, Education, Profile, Qualification, ReferenceWages, assess, tables,
};

/// One way to more points, easiest first.
struct Improvement {
    effort: u8,
    text: String,
    profile: Profile,
}

fn options(profile: &Profile) -> Vec<Improvement> {
    let mut list = Vec::new();
    if tables::qualification_needs_base(profile.qualification) && !profile.qualification_base_met {
        list.push(Improvement {
            effort: 1,
            text: format!(
                "满足{}的社保基数条件（近12个月内6个月基数不低于社平工资1倍）",
                tables::qualification_label(profile.qualification)
            ),
            profile: Profile {
                qualification_base_met: true,
                ..profile.clone()
            },
        });
    }
    let next_tier = match profile.contribution_tier {
        ContributionTier::None => Some(ContributionTier::X0_8),
        ContributionTier::X0_8 => Some(ContributionTier::X1),
        ContributionTier::X1 => Some(ContributionTier::X2),
        ContributionTier::X2 => Some(ContributionTier::X3),
        ContributionTier::X3 => None,
    };
    if let Some(tier) = next_tier {
        list.push(Improvement {
            effort: 2,
            text: format!("社保缴费基数提高一档：{}", tables::contribution_label(tier)),
            profile: Profile {
                contribution_tier: tier,
                ..profile.clone()
            },
        });
    }
    let to_next_year = 12 - profile.insurance_months % 12;
    for extra in [to_next_year, to_next_year + 12, to_next_year + 24] {
        list.push(Improvement {
            effort: 3,
            text: format!("再正常缴纳{extra}个月社保（社保年限加分）"),
            profile: Profile {
                insurance_months: profile.insurance_months + extra,
                ..profile.clone()
            },
        });
    }
    let better_education = match profile.education {
        Education::None => Some(Education::College),
        Education::College => Some(Education::Bachelor),
        Education::Bachelor => Some(Education::BachelorDegree),
        Education::BachelorDegree => Some(Education::Master),
        Education::Master => Some(Education::Doctor),
        Education::Doctor => None,
    };
    if let Some(education) = better_education {
        list.push(Improvement {
            effort: 4,
            text: format!("学历提升到{}", tables::education_label(education)),
            profile: Profile {
                education,
                ..profile.clone()
            },
        });
    }
    if profile.qualification == Qualification::None {
        list.push(Improvement {
            effort: 4,
            text: "取得与岗位相符的技能三级（高级工）证书".into(),
            profile: Profile {
                qualification: Qualification::Skill3,
                ..profile.clone()
            },
        });
    }
    list
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
        let mut candidates: Vec<(u8, i32, String)> = options(&profile)
            .into_iter()
            .map(|option| {
                let total = assess(&option.profile, result.assessed_on, wages).total;
                (option.effort, total - result.total, option.text)
            })
            .filter(|(_, gain, _)| *gain > 0)
            .collect();
        let closing = candidates
            .iter()
            .filter(|(_, gain, _)| *gain >= result.gap)
            .min_by_key(|(effort, gain, _)| (*effort, *gain))
            .cloned();
        match closing {
            Some((_, gain, text)) => {
                facts.push(format!("最省力的补分方式：{text}，可加{gain}分，足以达标"))
            }
            None => {
                candidates.sort_by_key(|(effort, gain, _)| (std::cmp::Reverse(*gain), *effort));
                if let Some((_, gain, text)) = candidates.first() {
                    facts.push(format!(
                        "单项最多可补：{text}（+{gain}分），还需组合其他方式"
                    ));
                }
            }
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
            brief[1].contains("社保基数条件") && brief[1].contains("足以达标"),
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
            brief[1].contains("社保缴费基数提高一档") || brief[1].contains("个月社保"),
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
