//! The answers a visitor gives: the input of the assessment contract (DESIGN.md).

use serde::{Deserialize, Serialize};
use validator::Validate;

/// 教育背景.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Education {
    /// 高中及以下.
    #[default]
    None,
    College,
    Bachelor,
    BachelorDegree,
    Master,
    Doctor,
}

/// 专业技术职称和技能等级.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Qualification {
    /// None, or a 初级职称 (which scores nothing).
    #[default]
    None,
    #[serde(rename = "skill_5")]
    Skill5,
    #[serde(rename = "skill_4")]
    Skill4,
    #[serde(rename = "skill_3")]
    Skill3,
    #[serde(rename = "skill_2")]
    Skill2,
    #[serde(rename = "skill_1")]
    Skill1,
    IntermediateTitle,
    SeniorTitle,
}

/// The highest contribution-base tier the visitor reached (缴纳职工社会保险费基数).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Default)]
pub enum ContributionTier {
    #[default]
    #[serde(rename = "none")]
    None,
    #[serde(rename = "x0_8")]
    X0_8,
    #[serde(rename = "x1")]
    X1,
    #[serde(rename = "x2")]
    X2,
    #[serde(rename = "x3")]
    X3,
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

/// 表彰奖励.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Award {
    #[default]
    None,
    MunicipalSpecial,
    MunicipalComprehensive,
    Provincial,
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
