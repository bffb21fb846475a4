//! Eligibility to apply (RULES.md §6): not points, shown beside the score.

use serde::{Deserialize, Serialize};

use super::profile::Profile;
use super::tables as t;

/// One condition to apply. `met` is `None` when the answers cannot tell and
/// the visitor must check it themselves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EligibilityNote {
    pub code: String,
    pub met: Option<bool>,
    pub note: String,
}

/// Months contributed in the last 12 that the conditions require.
pub const RECENT_MONTHS_REQUIRED: u32 = 6;

pub fn notes(profile: &Profile, total: i32, vetoed: bool) -> Vec<EligibilityNote> {
    let note = |code: &str, met: Option<bool>, note: String| EligibilityNote {
        code: code.into(),
        met,
        note,
    };
    let age_ok = (t::AGE_MIN..=t::AGE_MAX).contains(&profile.age);
    vec![
        note(
            "standard",
            Some(total >= t::STANDARD),
            if total >= t::STANDARD {
                format!("积分{total}分，达到{}分标准分值", t::STANDARD)
            } else {
                format!(
                    "积分{total}分，距{}分标准分值还差{}分",
                    t::STANDARD,
                    t::STANDARD - total
                )
            },
        ),
        note(
            "veto",
            Some(!vetoed),
            if vetoed {
                "有一票否决记录，不能申请积分".into()
            } else {
                "无一票否决记录".into()
            },
        ),
        note(
            "age",
            Some(age_ok),
            if age_ok {
                format!("{}周岁，在18–60周岁之间", profile.age)
            } else {
                format!(
                    "{}周岁，不在18–60周岁之间（积分指标按此范围设置），目前不能申请",
                    profile.age
                )
            },
        ),
        if profile.insurance_months < RECENT_MONTHS_REQUIRED {
            note(
                "insurance",
                Some(false),
                format!(
                    "累计缴纳{}个月社保，而申请要求近12个月内至少缴纳6个月本市职工社保（补缴不计）",
                    profile.insurance_months
                ),
            )
        } else {
            note(
                "insurance",
                None,
                "须目前在职并正常缴纳本市职工社保（申请当月也须缴纳），近12个月内至少缴纳6个月，补缴不计".into(),
            )
        },
        note(
            "residence_permit",
            None,
            "须持有有效的《上海市居住证》".into(),
        ),
        note(
            "employer",
            None,
            "须通过在本市注册的用人单位申请；个体工商户、外省市政府和企业的驻沪办事机构或派出机构、不在本市缴纳企业税收的分支机构、本市企业的外地分支机构不能申请，在本市注册并纳税的分支机构一般可以（以受理部门为准）。社保、个税和劳动合同须都在申请单位，社保缴费基数与个税申报收入应相符"
                .into(),
        ),
    ]
}

/// No condition is known to be unmet.
pub fn all_met(notes: &[EligibilityNote]) -> bool {
    notes.iter().all(|note| note.met != Some(false))
}
