//! The points tables of RULES.md §2–4, written to read like the tables there.
//! Every number the rules name lives in this file.

use super::profile::{Award, ContributionTier, Education, Qualification};

/// 标准分值.
pub const STANDARD: i32 = 120;
/// The rule set these tables implement.
pub const RULE_SET: &str = "sh-2017";

// §2 年龄: 56–60 → 5; 18–55 → min(30, 5 + 2·(56 − age)); otherwise 0.
pub const AGE_MIN: u32 = 18;
pub const AGE_MAX: u32 = 60;
pub const AGE_TOP_POINTS: i32 = 30;
pub const AGE_LATE_POINTS: i32 = 5;

pub fn age_points(age: u32) -> i32 {
    match age {
        56..=60 => AGE_LATE_POINTS,
        18..=55 => AGE_TOP_POINTS.min(5 + 2 * (56 - age as i32)),
        _ => 0,
    }
}

// §2 教育背景.
pub fn education_points(education: Education) -> i32 {
    match education {
        Education::None => 0,            // 高中及以下
        Education::College => 50,        // 大专（高职）
        Education::Bachelor => 60,       // 本科（无学位）
        Education::BachelorDegree => 90, // 本科 + 学士学位
        Education::Master => 100,        // 硕士研究生学历学位
        Education::Doctor => 110,        // 博士研究生学历学位
    }
}

// §2 专业技术职称和技能等级.
pub fn qualification_points(qualification: Qualification) -> i32 {
    match qualification {
        Qualification::None => 0, // 无，或初级职称
        Qualification::Skill5 => 15,
        Qualification::Skill4 => 30,
        Qualification::Skill3 => 60,
        Qualification::Skill2 => 100,
        Qualification::Skill1 => 140,
        Qualification::IntermediateTitle => 100,
        Qualification::SeniorTitle => 140,
    }
}

/// Those that score only when, in the last 12 months, at least 6 months were
/// contributed at a base of at least 1× the reference wage.
pub fn qualification_needs_base(qualification: Qualification) -> bool {
    matches!(
        qualification,
        Qualification::Skill2
            | Qualification::Skill1
            | Qualification::IntermediateTitle
            | Qualification::SeniorTitle
    )
}

// §2 社会保险年限: 3 per full 12 months, no cap.
pub const INSURANCE_POINTS_PER_YEAR: i32 = 3;

// §3 加分指标.
pub const ENTREPRENEUR_POINTS: i32 = 120;
pub const INNOVATION_INTERMEDIARY_POINTS: i32 = 120;
pub const SHORTAGE_MAJOR_POINTS: i32 = 30;
pub const FRESH_GRADUATE_POINTS: i32 = 10;

/// 投资纳税: 10 per full 10万元 of average annual tax. 带动本地就业: 10 per
/// full 10 本市户籍 employees. The larger counts, capped.
pub const INVESTMENT_POINTS_PER_STEP: i32 = 10;
pub const INVESTMENT_TAX_STEP_WAN: f64 = 10.0;
pub const INVESTMENT_HIRES_STEP: f64 = 10.0;
pub const INVESTMENT_CAP: i32 = 120;

/// 缴纳职工社会保险费基数: the points of the highest tier reached.
pub fn contribution_points(tier: ContributionTier) -> i32 {
    match tier {
        ContributionTier::None => 0,
        ContributionTier::X0_8 => 25, // ≥ 36 of the last 48 months at ≥ 0.8×
        ContributionTier::X1 => 50,   // ≥ 36 of the last 48 months at ≥ 1×
        ContributionTier::X2 => 100,  // ≥ 36 of the last 48 months at ≥ 2×
        ContributionTier::X3 => 120,  // ≥ 24 of the last 36 months at ≥ 3× (not the SI cap)
    }
}

/// The Shanghai contribution months a tier needs within its window
/// (RULES.md §3): 36 of the last 48 for 0.8×, 1× and 2×; 24 of the last 36
/// for 3×. Nobody reaches a tier with fewer months paid in all.
pub fn tier_months_required(tier: ContributionTier) -> u32 {
    match tier {
        ContributionTier::None => 0,
        ContributionTier::X0_8 | ContributionTier::X1 | ContributionTier::X2 => 36,
        ContributionTier::X3 => 24,
    }
}

/// The window, in months, a tier's months are counted in.
pub fn tier_window_months(tier: ContributionTier) -> u32 {
    match tier {
        ContributionTier::X3 => 36,
        _ => 48,
    }
}

/// The highest tier, at most the one claimed, that `insurance_months` can
/// carry: a claimed tier the months cannot carry falls (with fewer than 24
/// months, to none).
pub fn tier_carried(claimed: ContributionTier, insurance_months: u32) -> ContributionTier {
    ContributionTier::ALL
        .iter()
        .rev()
        .copied()
        .filter(|tier| *tier <= claimed)
        .find(|tier| insurance_months >= tier_months_required(*tier))
        .unwrap_or(ContributionTier::None)
}

/// Months of contributions in the last 12 that the 1× base condition of
/// 技师, 高级技师 and titles needs: with fewer paid in all it cannot hold.
pub const TITLE_BASE_MONTHS: u32 = 6;

/// The counts of months paid at which an item can change besides each full
/// year: the projection looks at these months too.
pub const MONTHS_THAT_UNLOCK: &[u32] = &[TITLE_BASE_MONTHS, 24, 36];

/// The multiple of the reference wage a tier needs, in tenths (0.8× = 8).
pub fn contribution_multiple_tenths(tier: ContributionTier) -> Option<u32> {
    match tier {
        ContributionTier::None => None,
        ContributionTier::X0_8 => Some(8),
        ContributionTier::X1 => Some(10),
        ContributionTier::X2 => Some(20),
        ContributionTier::X3 => Some(30),
    }
}

/// Year-counted bonus items: points per full year, the number of full years
/// from which they count (all years then count), and the cap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearlyBonus {
    pub per_year: i32,
    pub from_years: u32,
    pub cap: Option<i32>,
}

/// 特定的公共服务领域（环卫）: 4 per year from 5 years on, no cap.
pub const PUBLIC_SERVICE: YearlyBonus = YearlyBonus {
    per_year: 4,
    from_years: 5,
    cap: None,
};
/// 远郊重点区域: 2 per year from 5 years on, max 20.
pub const SUBURB: YearlyBonus = YearlyBonus {
    per_year: 2,
    from_years: 5,
    cap: Some(20),
};
/// 临港新片区: 2 per year, max 20; instead of 远郊, never both. From how
/// many years it counts is dated data (`revisions`): 3 in the 2017 text, every
/// year since 2024-08-21. This constant is the 2017 rule.
pub const LINGANG: YearlyBonus = YearlyBonus {
    per_year: 2,
    from_years: 3,
    cap: Some(20),
};
/// 配偶为本市户籍人员: 4 per year of marriage, max 40.
pub const SPOUSE_HUKOU: YearlyBonus = YearlyBonus {
    per_year: 4,
    from_years: 0,
    cap: Some(40),
};

impl YearlyBonus {
    pub fn points(&self, years: u32) -> i32 {
        if years < self.from_years {
            return 0;
        }
        let points = self.per_year.saturating_mul(years as i32);
        self.cap.map_or(points, |cap| points.min(cap))
    }
}

// §3 表彰奖励: the highest.
pub fn award_points(award: Award) -> i32 {
    match award {
        Award::None => 0,
        Award::MunicipalSpecial => 30,       // 市级专项
        Award::MunicipalComprehensive => 60, // 市级综合
        Award::Provincial => 110,            // 省部级及以上
    }
}

// §4 减分指标: points per record, added up.
pub const FALSE_MATERIAL_DEDUCTION: i32 = 150; // 提供虚假材料，近3年内
pub const DETENTION_DEDUCTION: i32 = 50; // 行政拘留，近5年内
pub const CRIMINAL_DEDUCTION: i32 = 150; // 一般刑事犯罪，近5年内

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn age_table_boundaries() {
        for (age, points) in [
            (16, 0),
            (17, 0),
            (18, 30),
            (30, 30),
            (43, 30),
            (44, 29),
            (45, 27),
            (46, 25),
            (50, 17),
            (55, 7),
            (56, 5),
            (60, 5),
            (61, 0),
            (100, 0),
        ] {
            assert_eq!(age_points(age), points, "age {age}");
        }
    }

    #[test]
    fn a_tier_needs_its_months() {
        use ContributionTier::*;
        for (claimed, months, carried) in [
            (X3, 0, None),
            (X3, 10, None),
            (X3, 23, None),
            (X3, 24, X3),
            (X3, 35, X3),
            (X2, 24, None),
            (X2, 35, None),
            (X2, 36, X2),
            (X1, 35, None),
            (X1, 36, X1),
            (X0_8, 35, None),
            (X0_8, 36, X0_8),
            (X0_8, 600, X0_8),
            (None, 600, None),
        ] {
            assert_eq!(
                tier_carried(claimed, months),
                carried,
                "{claimed:?} {months}"
            );
        }
        assert_eq!(tier_months_required(X3), 24);
        assert_eq!(tier_window_months(X3), 36);
        assert_eq!(tier_window_months(X0_8), 48);
    }

    #[test]
    fn yearly_bonus_thresholds_and_caps() {
        assert_eq!(PUBLIC_SERVICE.points(4), 0);
        assert_eq!(PUBLIC_SERVICE.points(5), 20);
        assert_eq!(PUBLIC_SERVICE.points(30), 120, "no cap");
        assert_eq!(SUBURB.points(4), 0);
        assert_eq!(SUBURB.points(5), 10);
        assert_eq!(SUBURB.points(10), 20);
        assert_eq!(SUBURB.points(11), 20, "cap at 20");
        assert_eq!(LINGANG.points(2), 0);
        assert_eq!(LINGANG.points(3), 6);
        assert_eq!(LINGANG.points(10), 20);
        assert_eq!(LINGANG.points(60), 20, "cap at 20");
        assert_eq!(SPOUSE_HUKOU.points(0), 0);
        assert_eq!(SPOUSE_HUKOU.points(1), 4);
        assert_eq!(SPOUSE_HUKOU.points(10), 40);
        assert_eq!(SPOUSE_HUKOU.points(11), 40, "cap at 40");
    }
}
