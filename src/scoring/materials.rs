//! The papers a profile needs: the base materials every applicant brings,
//! plus those for each indicator claimed. A checklist to print, not the
//! official list: the official system names the exact documents.

use serde::{Deserialize, Serialize};

use super::profile::{Award, ContributionTier, Education, Profile, Qualification};
use super::tables;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaterialGroup {
    /// The indicator code the papers prove ("base" for everyone).
    pub code: String,
    pub title: String,
    pub items: Vec<String>,
}

fn group(code: &str, title: &str, items: &[&str]) -> MaterialGroup {
    MaterialGroup {
        code: code.into(),
        title: title.into(),
        items: items.iter().map(|item| item.to_string()).collect(),
    }
}

/// The papers for `profile`, in the order of the indicators.
pub fn checklist(profile: &Profile) -> Vec<MaterialGroup> {
    let mut groups = vec![group("base", "基本材料（每位申请人）", BASE)];
    groups.extend(education_group(profile));
    groups.extend(qualification_group(profile));
    groups.extend(
        CLAIMED
            .iter()
            .filter(|claim| (claim.applies)(profile))
            .map(|claim| {
                let title = if claim.code == "award" {
                    format!("{}：{}", claim.title, profile.award.label())
                } else {
                    claim.title.to_string()
                };
                group(claim.code, &title, claim.items)
            }),
    );
    groups.push(group("family", "配偶和子女随同办理时（如需要）", FAMILY));
    groups
}

const BASE: &[&str] = &[
    "有效的《上海市居住证》",
    "本人居民身份证",
    "与申请单位签订的劳动合同",
    "本市职工社会保险缴费记录（可在“随申办”或社保网站打印）",
    "用人单位营业执照（由单位在系统中提交）",
    "积分申请表（在积分系统填写后打印，本人和单位签字盖章）",
];

const FAMILY: &[&str] = &[
    "结婚证",
    "配偶和子女的居民身份证或户口簿",
    "子女的出生医学证明",
    "配偶和子女的居住证明（居住证等）",
];

fn education_group(profile: &Profile) -> Option<MaterialGroup> {
    if profile.education == Education::None {
        return None;
    }
    let mut items = vec![
        "毕业证书（学历证书）",
        "学信网《教育部学历证书电子注册备案表》（在线验证报告）",
    ];
    if matches!(
        profile.education,
        Education::BachelorDegree | Education::Master | Education::Doctor
    ) {
        items.push("学位证书及学位在线验证报告");
    }
    items.push("国（境）外学历学位：教育部留学服务中心出具的认证书");
    items.push(
        "非全日制学历：就读地须在本市（含外地高校在沪备案的学习中心）、户籍地或就读期间工作并缴纳社保的省份（“三地一致”）",
    );
    Some(group(
        "education",
        &format!("教育背景：{}", profile.education.label()),
        &items,
    ))
}

fn qualification_group(profile: &Profile) -> Option<MaterialGroup> {
    if profile.qualification == Qualification::None {
        return None;
    }
    let certificate = match profile.qualification {
        Qualification::IntermediateTitle | Qualification::SeniorTitle => {
            "专业技术职称证书（与现岗位相符；一般须在本市工作期间取得，全国统考取得的也可）"
        }
        _ => "职业资格证书或职业技能等级证书（与现岗位相符；外省市取得的三级及以上证书须先经核验）",
    };
    let mut items = vec![certificate, "用人单位出具的聘任文件（聘书或聘任证明）"];
    if tables::qualification_needs_base(profile.qualification) {
        items.push("近12个月社保缴费基数记录（证明有6个月不低于社平工资）");
    }
    Some(group(
        "qualification",
        &format!("职称或技能等级：{}", profile.qualification.label()),
        &items,
    ))
}

/// An indicator whose papers depend only on whether it is claimed.
struct Claim {
    code: &'static str,
    title: &'static str,
    items: &'static [&'static str],
    applies: fn(&Profile) -> bool,
}

const CLAIMED: &[Claim] = &[
    Claim {
        code: "contribution_base",
        title: "社保缴费基数",
        items: &[
            "近4年（48个月）社保缴费明细，显示每月缴费基数（0.8倍至2倍档须有36个月达到，3倍档须近36个月内有24个月达到）",
        ],
        applies: |p| p.contribution_tier != ContributionTier::None || p.unknown.contribution_tier,
    },
    Claim {
        code: "shortage_major",
        title: "紧缺急需专业",
        items: &[
            "全日制大专及以上毕业证书（显示专业）",
            "用人单位出具的岗位与专业相符的证明",
        ],
        applies: |p| {
            (p.shortage_major || p.unknown.shortage_major) && p.education != Education::None
        },
    },
    Claim {
        code: "investment",
        title: "投资纳税或带动本地就业",
        items: &[
            "企业营业执照和本人投资份额证明（章程、验资或股权登记材料）",
            "近3个连续年度的完税证明",
            "带动就业的：近3年聘用本市户籍人员的社保缴费证明",
        ],
        applies: |p| p.tax_avg_wan > 0.0 || p.local_hires_avg > 0.0,
    },
    Claim {
        code: "entrepreneur",
        title: "创业人才或创新创业中介服务人才",
        items: &["主管部门出具的认定文件"],
        applies: |p| p.entrepreneur || p.innovation_intermediary,
    },
    Claim {
        code: "public_service",
        title: "特定公共服务领域（环卫）",
        items: &["环卫岗位劳动合同", "用人单位出具的在岗年限证明"],
        applies: |p| p.public_service_years > 0,
    },
    Claim {
        code: "suburb",
        title: "远郊重点区域",
        items: &[
            "用人单位在该区域注册或经营的证明",
            "本人在该区域居住的证明（居住证登记地址、房屋租赁合同或产权证）",
        ],
        applies: |p| p.suburb_years > 0,
    },
    Claim {
        code: "lingang",
        title: "临港新片区",
        items: &["临港新片区管委会出具的推荐函", "在新片区工作并居住的证明"],
        applies: |p| p.lingang_years > 0,
    },
    Claim {
        code: "fresh_graduate",
        title: "应届高校毕业生",
        items: &["毕业证书", "就业协议或劳动合同（毕业当年）"],
        applies: |p| p.fresh_graduate,
    },
    Claim {
        code: "award",
        title: "表彰奖励",
        items: &["获奖证书或表彰文件（在本市工作期间获得）"],
        applies: |p| p.award != Award::None,
    },
    Claim {
        code: "spouse_hukou",
        title: "配偶为本市户籍人员",
        items: &["结婚证", "配偶的户口簿或户籍证明", "配偶的居民身份证"],
        applies: |p| p.spouse_hukou_years > 0,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(profile: &Profile) -> Vec<String> {
        checklist(profile).into_iter().map(|g| g.code).collect()
    }

    #[test]
    fn everyone_gets_the_base_materials() {
        let groups = checklist(&Profile::default());
        assert_eq!(groups[0].code, "base");
        for item in ["居住证", "身份证", "劳动合同", "社会保险"] {
            assert!(groups[0].items.iter().any(|i| i.contains(item)), "{item}");
        }
        assert_eq!(codes(&Profile::default()), ["base", "family"]);
    }

    #[test]
    fn each_indicator_claimed_adds_its_papers() {
        let full = Profile {
            education: Education::BachelorDegree,
            qualification: Qualification::IntermediateTitle,
            contribution_tier: ContributionTier::X1,
            shortage_major: true,
            tax_avg_wan: 12.0,
            entrepreneur: true,
            public_service_years: 5,
            suburb_years: 5,
            lingang_years: 3,
            fresh_graduate: true,
            award: Award::Provincial,
            spouse_hukou_years: 2,
            ..Profile::default()
        };
        assert_eq!(
            codes(&full),
            [
                "base",
                "education",
                "qualification",
                "contribution_base",
                "shortage_major",
                "investment",
                "entrepreneur",
                "public_service",
                "suburb",
                "lingang",
                "fresh_graduate",
                "award",
                "spouse_hukou",
                "family"
            ]
        );
        let groups = checklist(&full);
        let items = |code: &str| {
            groups
                .iter()
                .find(|g| g.code == code)
                .unwrap()
                .items
                .join("；")
        };
        assert!(items("education").contains("学信网") && items("education").contains("学位证书"));
        assert!(
            items("qualification").contains("聘任")
                && items("qualification").contains("社保缴费基数")
        );
        assert!(items("investment").contains("完税证明"));
        assert!(
            items("spouse_hukou").contains("结婚证") && items("spouse_hukou").contains("户籍证明")
        );
        assert!(items("lingang").contains("推荐函"));
        let college = checklist(&Profile {
            education: Education::College,
            ..Profile::default()
        });
        assert!(
            !college[1].items.iter().any(|i| i.contains("学位证书")),
            "no degree for 大专"
        );
    }
}
