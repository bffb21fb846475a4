//! The answers a visitor gives: the input of the assessment contract (DESIGN.md).

use serde::{Deserialize, Serialize};
use validator::Validate;

use super::school::ChildGrade;
use super::wages::YearMonth;
use crate::vocabulary::vocabulary;

vocabulary! {
    /// 教育背景.
    #[derive(Default)]
    pub enum Education {
        #[default]
        None => ("none", "高中及以下"),
        College => ("college", "大专（高职）"),
        Bachelor => ("bachelor", "本科（无学士学位）"),
        BachelorDegree => ("bachelor_degree", "本科并有学士学位"),
        Master => ("master", "硕士研究生学历学位"),
        Doctor => ("doctor", "博士研究生学历学位"),
    }
}

vocabulary! {
    /// 专业技术职称和技能等级. None also stands for a 初级职称, which scores nothing.
    #[derive(Default)]
    pub enum Qualification {
        #[default]
        None => ("none", "无（或初级职称）"),
        Skill5 => ("skill_5", "技能五级（初级工）"),
        Skill4 => ("skill_4", "技能四级（中级工）"),
        Skill3 => ("skill_3", "技能三级（高级工）"),
        Skill2 => ("skill_2", "技能二级（技师）"),
        Skill1 => ("skill_1", "技能一级（高级技师）"),
        IntermediateTitle => ("intermediate_title", "中级专业技术职称"),
        SeniorTitle => ("senior_title", "高级专业技术职称"),
    }
}

vocabulary! {
    /// The highest contribution-base tier reached (缴纳职工社会保险费基数),
    /// lowest first; the label states the rule of the tier.
    #[derive(Default, PartialOrd, Ord)]
    pub enum ContributionTier {
        #[default]
        None => ("none", "低于社平工资0.8倍，或不满足月数要求"),
        X0_8 => ("x0_8", "近48个月内至少36个月达到0.8倍"),
        X1 => ("x1", "近48个月内至少36个月达到1倍"),
        X2 => ("x2", "近48个月内至少36个月达到2倍"),
        X3 => ("x3", "近36个月内至少24个月不低于3倍"),
    }
}

impl ContributionTier {
    /// The tier below (none stays none).
    pub fn one_lower(self) -> Self {
        match self {
            Self::None | Self::X0_8 => Self::None,
            Self::X1 => Self::X0_8,
            Self::X2 => Self::X1,
            Self::X3 => Self::X2,
        }
    }
}

vocabulary! {
    /// 表彰奖励: the highest one received.
    #[derive(Default)]
    pub enum Award {
        #[default]
        None => ("none", "无"),
        MunicipalSpecial => ("municipal_special", "市级专项表彰奖励"),
        MunicipalComprehensive => ("municipal_comprehensive", "市级综合表彰奖励"),
        Provincial => ("provincial", "省部级及以上表彰奖励"),
    }
}

/// Every answer of the self-test. Omitted optional answers are none / false / 0.
///
/// The bounds are sanity limits on what a person can truthfully answer; the
/// scoring rules themselves are in `tables` and `engine`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default, Validate)]
#[serde(default)]
pub struct Profile {
    #[validate(range(min = 16, max = 100, message = "年龄请填写16到100之间的整数（周岁）"))]
    pub age: u32,
    pub education: Education,
    pub qualification: Qualification,
    pub qualification_base_met: bool,
    #[validate(range(max = 600, message = "社保月数请填写0到600之间的整数"))]
    pub insurance_months: u32,
    pub contribution_tier: ContributionTier,
    pub entrepreneur: bool,
    pub innovation_intermediary: bool,
    pub shortage_major: bool,
    pub fresh_graduate: bool,
    #[validate(range(
        max = 100000.0,
        message = "年均纳税额请填写0到100000之间的数字（万元）"
    ))]
    pub tax_avg_wan: f64,
    #[validate(range(max = 100000.0, message = "年均聘用人数请填写0到100000之间的数字"))]
    pub local_hires_avg: f64,
    #[validate(range(max = 60, message = "年限请填写0到60之间的整数"))]
    pub public_service_years: u32,
    #[validate(range(max = 60, message = "年限请填写0到60之间的整数"))]
    pub suburb_years: u32,
    #[validate(range(max = 60, message = "年限请填写0到60之间的整数"))]
    pub lingang_years: u32,
    #[validate(range(max = 80, message = "婚龄请填写0到80之间的整数"))]
    pub spouse_hukou_years: u32,
    pub award: Award,
    #[validate(range(max = 50, message = "次数请填写0到50之间的整数"))]
    pub false_material_count: u32,
    #[validate(range(max = 50, message = "次数请填写0到50之间的整数"))]
    pub detention_count: u32,
    #[validate(range(max = 50, message = "次数请填写0到50之间的整数"))]
    pub criminal_count: u32,
    pub serious_criminal: bool,
    pub family_planning_violation: bool,
    /// For the school planner (`school`); never scored.
    #[serde(skip_serializing_if = "ChildGrade::is_none")]
    pub child_grade: ChildGrade,
    /// Asked for a child not yet at school.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub child_birth: Option<YearMonth>,
    /// Whether the employer has applied for 积分 before: the 通知书 then
    /// takes about 2 months, else about 3 (fact sheet P2). Never scored.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub employer_registered: bool,
    /// Answers the visitor gave as 不确定; their fields above then hold the
    /// pessimistic value (none / false).
    #[serde(skip_serializing_if = "Unknowns::is_empty")]
    pub unknown: Unknowns,
}

/// The answers that may be 不确定 (`unknown`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Unknowns {
    pub contribution_tier: bool,
    pub qualification_base_met: bool,
    pub shortage_major: bool,
}

impl Unknowns {
    pub fn is_empty(&self) -> bool {
        !(self.contribution_tier || self.qualification_base_met || self.shortage_major)
    }
}

impl Profile {
    /// The same answers with every unknown at its most favourable value.
    pub fn best_case(&self) -> Profile {
        let mut best = self.clone();
        if self.unknown.contribution_tier {
            best.contribution_tier = ContributionTier::X3;
        }
        if self.unknown.qualification_base_met {
            best.qualification_base_met = true;
        }
        if self.unknown.shortage_major {
            best.shortage_major = true;
        }
        best
    }

    /// Whether any deduction or veto question was answered with a record.
    pub fn has_sensitive_answers(&self) -> bool {
        self.false_material_count > 0
            || self.detention_count > 0
            || self.criminal_count > 0
            || self.serious_criminal
            || self.family_planning_violation
    }

    /// The same answers without the deduction and veto ones (违法犯罪 records
    /// are sensitive personal information under PIPL).
    pub fn without_sensitive(&self) -> Self {
        Self {
            false_material_count: 0,
            detention_count: 0,
            criminal_count: 0,
            serious_criminal: false,
            family_planning_violation: false,
            ..self.clone()
        }
    }
}
