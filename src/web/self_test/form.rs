//! The self-test form as a view model: sections of fields with their typed
//! values and messages, so the template only lays them out.

use askama::Template;

use crate::scoring::input::RawAnswers;
use crate::scoring::{ContributionTier, FieldErrors, Revisions, YearMonth, tables};
use crate::settings::Settings;
use crate::web::layout::{PageMeta, SITE_NAME};

const EDUCATION: &[(&str, &str)] = &[
    ("none", "高中及以下"),
    ("college", "大专（高职）"),
    ("bachelor", "本科（无学士学位）"),
    ("bachelor_degree", "本科并有学士学位"),
    ("master", "硕士研究生学历学位"),
    ("doctor", "博士研究生学历学位"),
];

const QUALIFICATION: &[(&str, &str)] = &[
    ("none", "无（或初级职称）"),
    ("skill_5", "技能五级（初级工）"),
    ("skill_4", "技能四级（中级工）"),
    ("skill_3", "技能三级（高级工）"),
    ("skill_2", "技能二级（技师）"),
    ("skill_1", "技能一级（高级技师）"),
    ("intermediate_title", "中级专业技术职称"),
    ("senior_title", "高级专业技术职称"),
];

/// For the answers that may be 不确定.
const YES_NO_UNKNOWN: &[(&str, &str)] = &[("false", "否"), ("true", "是"), ("unknown", "不确定")];
/// The base condition starts at 不确定: only title holders answer it.
const UNKNOWN_YES_NO: &[(&str, &str)] = &[("unknown", "不确定"), ("true", "是"), ("false", "否")];

const AWARD: &[(&str, &str)] = &[
    ("none", "无"),
    ("municipal_special", "市级专项表彰奖励"),
    ("municipal_comprehensive", "市级综合表彰奖励"),
    ("provincial", "省部级及以上表彰奖励"),
];

const BONUS_FIELDS: &[&str] = &[
    "entrepreneur",
    "innovation_intermediary",
    "shortage_major",
    "fresh_graduate",
    "tax_avg_wan",
    "local_hires_avg",
    "public_service_years",
    "suburb_years",
    "lingang_years",
    "spouse_hukou_years",
    "award",
];

const DEDUCTION_FIELDS: &[&str] = &[
    "false_material_count",
    "detention_count",
    "criminal_count",
    "serious_criminal",
    "family_planning_violation",
];

pub struct ChoiceView {
    pub code: &'static str,
    pub label: String,
    pub selected: bool,
}

pub struct FieldView {
    pub name: &'static str,
    pub label: String,
    pub help: String,
    /// "integer", "decimal", "select", "radio" or "checkbox".
    pub kind: &'static str,
    pub required: bool,
    pub value: String,
    pub checked: bool,
    pub choices: Vec<ChoiceView>,
    pub error: Option<String>,
    /// For a question only some visitors answer: the answers of the field
    /// `asked_by` that ask it (the script hides it otherwise).
    pub asked_by: &'static str,
    pub asked_when: &'static str,
    /// What the question means, folded under 什么意思？ (plain text).
    pub explain: String,
}

pub struct SectionView {
    pub id: &'static str,
    pub title: &'static str,
    pub intro: &'static str,
    /// Collapsible sections start closed unless they hold answers or errors.
    pub collapsible: bool,
    pub open: bool,
    pub fields: Vec<FieldView>,
}

#[derive(Template)]
#[template(path = "self_test/form.html")]
pub struct FormPage {
    pub meta: PageMeta,
    pub sections: Vec<SectionView>,
    /// Every message, in form order, for the summary at the top.
    pub summary: Vec<(&'static str, String)>,
}

struct Builder<'a> {
    raw: &'a RawAnswers,
    errors: &'a FieldErrors,
}

impl Builder<'_> {
    fn value(&self, name: &str) -> String {
        self.raw
            .get(name)
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    }

    fn field(
        &self,
        name: &'static str,
        kind: &'static str,
        label: impl Into<String>,
        help: impl Into<String>,
    ) -> FieldView {
        let value = self.value(name);
        FieldView {
            name,
            label: label.into(),
            help: help.into(),
            kind,
            required: false,
            checked: matches!(value.as_str(), "on" | "true" | "1" | "yes"),
            value,
            choices: Vec::new(),
            error: self.errors.get(name).map(String::from),
            asked_by: "",
            asked_when: "",
            explain: String::new(),
        }
    }

    fn choice(
        &self,
        name: &'static str,
        kind: &'static str,
        label: &str,
        help: &str,
        choices: Vec<(&'static str, String)>,
    ) -> FieldView {
        let mut field = self.field(name, kind, label, help);
        // Nothing is pre-selected: a radio list with no answer yet has no
        // choice checked (a select without a blank option shows its first).
        field.choices = choices
            .into_iter()
            .map(|(code, label)| ChoiceView {
                code,
                selected: code == field.value,
                label,
            })
            .collect();
        field
    }

    fn listed(list: &[(&'static str, &'static str)]) -> Vec<(&'static str, String)> {
        list.iter()
            .map(|(code, label)| (*code, label.to_string()))
            .collect()
    }

    fn has_answers(&self, names: &[&str]) -> bool {
        names.iter().any(|name| {
            let value = self.value(name);
            !(value.is_empty() || value == "0" || value == "none" || value == "false")
                || self.errors.contains(name)
        })
    }
}

impl FormPage {
    pub fn new(settings: &Settings, raw: &RawAnswers, errors: &FieldErrors) -> Self {
        let wages = &settings.reference_wages;
        let b = Builder { raw, errors };
        let today = YearMonth::of(super::shanghai_today());
        let period = wages.current(today).cloned();
        let threshold = |tier: ContributionTier| -> String {
            match (&period, tables::contribution_multiple_tenths(tier)) {
                (Some(period), Some(multiple)) => period.threshold_text(multiple),
                _ => String::from("—"),
            }
        };
        let lingang = Revisions::bundled()
            .rules_on(super::shanghai_today())
            .lingang;
        let lingang_help = if lingang.from_years <= 1 {
            format!(
                "每满1年计{}分，最高{}分；与远郊重点区域只取其一",
                lingang.per_year,
                lingang.cap.unwrap_or_default()
            )
        } else {
            format!(
                "满{}年起每年计{}分，最高{}分；与远郊重点区域只取其一",
                lingang.from_years,
                lingang.per_year,
                lingang.cap.unwrap_or_default()
            )
        };
        let mut base_met = b.choice(
            "qualification_base_met",
            "select",
            &format!(
                "近12个月内是否至少有6个月社保缴费基数不低于 {} 元/月",
                threshold(ContributionTier::X1)
            ),
            "只有技能二级、一级和中级、高级职称需要回答：须满足此条件才计分",
            Builder::listed(UNKNOWN_YES_NO),
        );
        base_met.asked_by = "qualification";
        base_met.asked_when = "skill_2 skill_1 intermediate_title senior_title";
        // The tier asked in money people know (their 税前月工资, which the
        // base usually is), rounded; the exact rule and figures fold away.
        let wan = |tier: ContributionTier| -> String {
            match (&period, tables::contribution_multiple_tenths(tier)) {
                (Some(period), Some(multiple)) => {
                    let hundreds = (period.threshold_tenths(multiple) + 5000) / 10_000;
                    format!("{}.{}万", hundreds / 10, hundreds % 10)
                }
                _ => String::from("—"),
            }
        };
        let (x0_8, x1, x2, x3) = (
            wan(ContributionTier::X0_8),
            wan(ContributionTier::X1),
            wan(ContributionTier::X2),
            wan(ContributionTier::X3),
        );
        let mut tier = b.choice(
            "contribution_tier",
            "radio",
            "你的社保缴费基数（一般约等于税前月工资）大约多少？",
            "看近4年里大多数月份",
            vec![
                ("none", format!("约{x0_8}以下")),
                ("x0_8", format!("约{x0_8}–{x1}")),
                ("x1", format!("约{x1}–{x2}")),
                ("x2", format!("约{x2}–{x3}")),
                ("x3", format!("约{x3}及以上")),
                ("unknown", "不清楚（结果给出分数范围）".to_string()),
            ],
        );
        tier.explain = format!(
            "缴费基数一般按上年度月平均工资核定，不是到手工资。积分按{}社平工资 {} 元/月分档：0.8倍 {} 元、1倍 {} 元、2倍 {} 元、3倍 {} 元（每月）。近48个月中至少36个月达到某一档才算这一档；3倍档看近36个月中至少24个月。每月的缴费基数可在“随申办”App的社保缴费记录中查到。",
            period.as_ref().map(|p| p.chinese()).unwrap_or_default(),
            period.as_ref().map(|p| p.yuan).unwrap_or_default(),
            threshold(ContributionTier::X0_8),
            threshold(ContributionTier::X1),
            threshold(ContributionTier::X2),
            threshold(ContributionTier::X3),
        );
        let mut duration = b.choice(
            "base_duration",
            "radio",
            "缴费基数在这一档多久了？",
            &format!("选了约{x0_8}以上才需要回答"),
            vec![
                ("most", "近4年大多数月份都是".to_string()),
                ("recent", "最近才到（不到3年）".to_string()),
            ],
        );
        duration.asked_by = "contribution_tier";
        duration.asked_when = "x0_8 x1 x2 x3";
        tier.required = true;

        let mut age = b.field("age", "integer", "年龄（周岁）", "例如 32");
        age.required = true;
        let mut education = b.choice(
            "education",
            "select",
            "最高学历",
            "国（境）外学历需经认证",
            Builder::listed(EDUCATION),
        );
        education.required = true;
        let basic = vec![
            age,
            education,
            b.choice(
                "qualification",
                "select",
                "职称或技能等级",
                "与学历只算分高的一项",
                Builder::listed(QUALIFICATION),
            ),
            base_met,
            b.field(
                "insurance_months",
                "integer",
                "在上海交社保多少个月了？",
                "例如 30；补缴的不算",
            ),
            tier,
            duration,
        ];

        let bonus = vec![
            b.field(
                "entrepreneur",
                "checkbox",
                "经认定的创业人才",
                "由主管部门认定，计120分",
            ),
            b.field(
                "innovation_intermediary",
                "checkbox",
                "经认定的创新创业中介服务人才",
                "由主管部门认定，计120分",
            ),
            b.choice(
                "shortage_major",
                "select",
                "所学全日制专业是否在紧缺急需专业目录内，且从事相应工作",
                "计30分，须具有全日制大专及以上学历；不清楚可选“不确定”",
                Builder::listed(YES_NO_UNKNOWN),
            ),
            b.field(
                "fresh_graduate",
                "checkbox",
                "全日制应届高校毕业生",
                "计10分，须全日制大专及以上学历；实务中在毕业当年或次年申请时计入",
            ),
            b.field(
                "tax_avg_wan",
                "decimal",
                "近3年按投资份额计算的年均纳税额（万元）",
                "每满10万元计10分，最高120分；与聘用人数取较高者",
            ),
            b.field(
                "local_hires_avg",
                "decimal",
                "近3年年均聘用本市户籍人数",
                "每满10人计10分，最高120分",
            ),
            b.field(
                "public_service_years",
                "integer",
                "在环卫等特定公共服务领域工作的年限",
                "满5年起每年计4分",
            ),
            b.field(
                "suburb_years",
                "integer",
                "在远郊重点区域工作并居住的年限",
                "满5年起每年计2分，最高20分",
            ),
            b.field(
                "lingang_years",
                "integer",
                "在临港新片区工作并居住的年限",
                lingang_help,
            ),
            b.field(
                "spouse_hukou_years",
                "integer",
                "与上海户籍配偶结婚的年数",
                "每满1年计4分，最高40分",
            ),
            b.choice(
                "award",
                "select",
                "在本市工作期间获得的表彰奖励",
                "取最高的一项",
                Builder::listed(AWARD),
            ),
        ];

        let deductions = vec![
            b.field(
                "false_material_count",
                "integer",
                "近3年内提供虚假材料的次数",
                "每次减150分",
            ),
            b.field(
                "detention_count",
                "integer",
                "近5年内行政拘留的次数",
                "每次减50分",
            ),
            b.field(
                "criminal_count",
                "integer",
                "近5年内一般刑事犯罪记录的次数",
                "每次减150分",
            ),
            b.field(
                "serious_criminal",
                "checkbox",
                "有严重刑事犯罪记录",
                "一票否决：不能申请积分",
            ),
            b.field(
                "family_planning_violation",
                "checkbox",
                "有违反国家及本市计划生育政策规定的行为记录",
                "一票否决：不能申请积分",
            ),
        ];

        let sections = vec![
            SectionView {
                id: "basic",
                title: "基本情况",
                intro: "",
                collapsible: false,
                open: true,
                fields: basic,
            },
            SectionView {
                id: "bonus",
                title: "加分项（没有可跳过）",
                intro: "创业、纳税、远郊或临港、配偶户籍、表彰等",
                collapsible: true,
                open: b.has_answers(BONUS_FIELDS),
                fields: bonus,
            },
            SectionView {
                id: "deductions",
                title: "减分项与一票否决（没有可跳过）",
                intro: "仅用于计算本次结果；未经您同意，不会提供给顾问",
                collapsible: true,
                open: b.has_answers(DEDUCTION_FIELDS),
                fields: deductions,
            },
        ];

        let title = if errors.is_empty() {
            format!("居住证积分自测：30秒算出你的上海积分 - {SITE_NAME}")
        } else {
            format!(
                "（请修改{}处）居住证积分自测 - {SITE_NAME}",
                errors.iter().count()
            )
        };
        FormPage {
            meta: PageMeta::public(
                settings,
                "/self-test",
                title,
                "回答几个问题，按上海居住证积分规则算出你的分数、与120分的差距，以及每一项得分的理由。无需姓名和电话。",
            ),
            sections,
            summary: errors
                .iter()
                .map(|(name, message)| (name, message.to_string()))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scoring::parse_answers;

    fn settings() -> Settings {
        Settings::from_lookup(|_| None).unwrap_or_else(|error| panic!("default settings: {error}"))
    }

    /// Every code the form offers is one the contract accepts.
    #[test]
    fn every_offered_choice_parses() {
        let page = FormPage::new(&settings(), &RawAnswers::new(), &FieldErrors::default());
        let mut offered = 0;
        for field in page.sections.iter().flat_map(|s| &s.fields) {
            for choice in &field.choices {
                let mut raw: RawAnswers = [("age", "30"), ("education", "college")]
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect();
                raw.insert(field.name.to_string(), choice.code.to_string());
                assert!(
                    parse_answers(&raw).is_ok(),
                    "{}={}",
                    field.name,
                    choice.code
                );
                offered += 1;
            }
        }
        assert_eq!(offered, 6 + 8 + 3 + 6 + 2 + 3 + 4);
    }

    #[test]
    fn every_contract_field_is_on_the_form_once() {
        let page = FormPage::new(&settings(), &RawAnswers::new(), &FieldErrors::default());
        let mut names: Vec<&str> = page
            .sections
            .iter()
            .flat_map(|s| &s.fields)
            .map(|f| f.name)
            .filter(|name| !crate::scoring::input::FORM_ONLY_FIELDS.contains(name))
            .collect();
        let mut contract: Vec<&str> = crate::scoring::input::FIELDS
            .iter()
            .map(|(name, _)| *name)
            .collect();
        names.sort_unstable();
        contract.sort_unstable();
        assert_eq!(names, contract);
    }
}
