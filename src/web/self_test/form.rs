//! The self-test form as a view model: a table of questions (one entry per
//! field, in the order asked) turned into sections of fields with their
//! typed values and messages, so the template only lays them out.

use askama::Template;

use crate::scoring::input::RawAnswers;
use crate::scoring::school::ChildGrade;
use crate::scoring::{Award, ContributionTier, Education, FieldErrors, Qualification};
use crate::scoring::{ReferenceWages, Revisions, YearMonth, tables};
use crate::settings::Settings;
use crate::web::layout::{PageMeta, SITE_NAME, Site};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    Basic,
    Child,
    Bonus,
    Deductions,
}

/// One question: how it is asked. `{name}` in the words is filled from
/// today's figures (`Figures`).
struct Question {
    name: &'static str,
    section: Section,
    /// "integer", "decimal", "month", "select", "radio" or "checkbox".
    kind: &'static str,
    label: &'static str,
    help: &'static str,
    choices: &'static [(&'static str, &'static str)],
    required: bool,
    /// A select's first, empty option when the question is optional: no
    /// answer starts pre-selected (what blank means is in
    /// `scoring::input::parse_form_answers`).
    blank: &'static str,
    /// Asked only when the answer to `asked_by` is one of `asked_when`
    /// (space-separated codes; the script hides it otherwise).
    asked_by: &'static str,
    asked_when: &'static str,
    /// What the question means, folded under 什么意思？ (plain text).
    explain: &'static str,
}

const fn ask(
    section: Section,
    name: &'static str,
    kind: &'static str,
    label: &'static str,
    help: &'static str,
) -> Question {
    Question {
        name,
        section,
        kind,
        label,
        help,
        choices: &[],
        required: false,
        blank: "",
        asked_by: "",
        asked_when: "",
        explain: "",
    }
}

const fn choose(
    section: Section,
    name: &'static str,
    kind: &'static str,
    label: &'static str,
    help: &'static str,
    choices: &'static [(&'static str, &'static str)],
) -> Question {
    Question {
        choices,
        ..ask(section, name, kind, label, help)
    }
}

/// For the answers that may be 不确定; none starts selected.
const YES_NO_UNKNOWN: &[(&str, &str)] = &[("true", "是"), ("false", "否"), ("unknown", "不确定")];

/// The tier asked as the monthly base in whole yuan, with the exact
/// thresholds of today's figure (a band rounded to 万 once put 11,200 in
/// the 1× band, whose floor is 11,396).
const BANDS: &[(&str, &str)] = &[
    ("none", "{below_x0_8}元及以下"),
    ("x0_8", "{from_x0_8}–{below_x1}元"),
    ("x1", "{from_x1}–{below_x2}元"),
    ("x2", "{from_x2}–{below_x3}元"),
    ("x3", "{from_x3}元及以上"),
    ("unknown", "不清楚（结果给出分数范围）"),
];

const DURATIONS: &[(&str, &str)] = &[
    ("most", "近4年大多数月份都是"),
    ("recent", "最近才到（不到3年）"),
];

use Section::{Basic, Bonus, Child, Deductions};

/// 你的单位以前办过居住证积分吗？ Blank or 不清楚 counts the first
/// registration too, the cautious time.
const EMPLOYER_REGISTERED: &[(&str, &str)] =
    &[("true", "办过"), ("false", "没办过"), ("unknown", "不清楚")];

/// Every grade a child can be in, for the questions asked only with one.
const WITH_A_CHILD: &str = "preschool 1 2 3 4 5 6 7 8 9 10 11 12";

/// Every question in the order asked: the contract's fields
/// (`scoring::input::FIELDS`) plus the form's own (`FORM_ONLY_FIELDS`).
const QUESTIONS: &[Question] = &[
    Question {
        required: true,
        ..ask(Basic, "age", "integer", "年龄（周岁）", "例如 32")
    },
    Question {
        required: true,
        ..choose(
            Basic,
            "education",
            "select",
            "最高学历",
            "国（境）外学历需经认证",
            Education::CHOICES,
        )
    },
    Question {
        blank: "请选择（没有可不选）",
        ..choose(
            Basic,
            "qualification",
            "select",
            "职称或技能等级",
            "与学历只算分高的一项；技能等级凭职业资格证书或职业技能等级证书",
            Qualification::CHOICES,
        )
    },
    Question {
        asked_by: "qualification",
        asked_when: "skill_2 skill_1 intermediate_title senior_title",
        blank: "请选择（不清楚可不选）",
        ..choose(
            Basic,
            "qualification_base_met",
            "select",
            "近12个月内是否至少有6个月社保缴费基数不低于 {x1} 元/月",
            "只有技能二级、一级和中级、高级职称需要回答：须满足此条件才计分；不清楚可选“不确定”",
            YES_NO_UNKNOWN,
        )
    },
    Question {
        required: true,
        ..ask(
            Basic,
            "insurance_months",
            "integer",
            "在上海交社保多少个月了？",
            "补缴的不算；不清楚可以先估一个数，例如 2年",
        )
    },
    Question {
        required: true,
        explain: "缴费基数一般按上年度月平均工资核定，可能低于实际工资。积分按{period}社平工资 {wage} 元/月分档：0.8倍 {x0_8} 元、1倍 {x1} 元、2倍 {x2} 元、3倍 {x3} 元（每月）。近48个月中至少36个月达到某一档才算这一档；3倍档看近36个月中至少24个月。社保交得不够这些月数时，这一档暂不计分。",
        ..choose(
            Basic,
            "contribution_tier",
            "radio",
            "你的社保缴费基数每月多少元？",
            "看近4年里大多数月份。基数可能低于工资，以缴费记录为准：打开“随申办”→ 社保 → 缴费记录，30秒可查",
            BANDS,
        )
    },
    Question {
        asked_by: "contribution_tier",
        asked_when: "x0_8 x1 x2 x3",
        ..choose(
            Basic,
            "base_duration",
            "radio",
            "缴费基数在这一档多久了？",
            "选了{from_x0_8}元以上才需要回答",
            DURATIONS,
        )
    },
    Question {
        blank: "请选择（不需要可跳过）",
        ..choose(
            Child,
            "child_grade",
            "select",
            "孩子现在几年级？",
            "只用来算孩子中考、高考前积分来不来得及，不影响分数；按本学年（9月开学）的年级",
            ChildGrade::CHOICES,
        )
    },
    Question {
        asked_by: "child_grade",
        asked_when: "preschool",
        ..ask(
            Child,
            "child_birth",
            "month",
            "孩子的出生年月",
            "例如 2021-05；用来推算上小学和中考的年份",
        )
    },
    Question {
        asked_by: "child_grade",
        asked_when: WITH_A_CHILD,
        blank: "请选择（不清楚可不选）",
        ..choose(
            Child,
            "employer_registered",
            "select",
            "你的单位以前给员工办过居住证积分吗？",
            "没办过的，单位要先做积分单位注册，拿到通知书约多1个月",
            EMPLOYER_REGISTERED,
        )
    },
    ask(
        Bonus,
        "entrepreneur",
        "checkbox",
        "经认定的创业人才",
        "由主管部门认定，计120分",
    ),
    ask(
        Bonus,
        "innovation_intermediary",
        "checkbox",
        "经认定的创新创业中介服务人才",
        "由主管部门认定，计120分",
    ),
    Question {
        blank: "请选择（不清楚可不选）",
        ..choose(
            Bonus,
            "shortage_major",
            "select",
            "所学全日制专业是否在紧缺急需专业目录内，且从事相应工作",
            "计30分，须具有全日制大专及以上学历；不清楚可选“不确定”或不选，结果会给出分数范围",
            YES_NO_UNKNOWN,
        )
    },
    ask(
        Bonus,
        "fresh_graduate",
        "checkbox",
        "全日制应届高校毕业生",
        "计10分，须全日制大专及以上学历；实务中在毕业当年或次年申请时计入",
    ),
    ask(
        Bonus,
        "tax_avg_wan",
        "decimal",
        "近3年按投资份额计算的年均纳税额（万元）",
        "每满10万元计10分，最高120分；与聘用人数取较高者",
    ),
    ask(
        Bonus,
        "local_hires_avg",
        "decimal",
        "近3年年均聘用本市户籍人数",
        "每满10人计10分，最高120分",
    ),
    ask(
        Bonus,
        "public_service_years",
        "integer",
        "在环卫等特定公共服务领域工作的年限",
        "满5年起每年计4分",
    ),
    ask(
        Bonus,
        "suburb_years",
        "integer",
        "在远郊重点区域工作并居住的年限",
        "五个新城（嘉定、青浦、松江、奉贤、南汇新城）、南北转型地区等；满5年起每年计2分，最高20分。南汇新城在临港新片区内，按临港计更有利",
    ),
    ask(
        Bonus,
        "lingang_years",
        "integer",
        "在临港新片区工作并居住的年限",
        "{lingang_rule}；与远郊重点区域只取其一",
    ),
    ask(
        Bonus,
        "spouse_hukou_years",
        "integer",
        "与上海户籍配偶结婚的年数",
        "每满1年计4分，最高40分",
    ),
    Question {
        blank: "请选择（没有可不选）",
        ..choose(
            Bonus,
            "award",
            "select",
            "在本市工作期间获得的表彰奖励",
            "取最高的一项",
            Award::CHOICES,
        )
    },
    ask(
        Deductions,
        "false_material_count",
        "integer",
        "近3年内提供虚假材料的次数",
        "每次减150分",
    ),
    ask(
        Deductions,
        "detention_count",
        "integer",
        "近5年内行政拘留的次数",
        "每次减50分",
    ),
    ask(
        Deductions,
        "criminal_count",
        "integer",
        "近5年内一般刑事犯罪记录的次数",
        "每次减150分",
    ),
    ask(
        Deductions,
        "serious_criminal",
        "checkbox",
        "有严重刑事犯罪记录",
        "一票否决：不能申请积分",
    ),
    // 违反计划生育政策 is not asked: the 2023 text removed that veto
    // (RULES.md §4); the API still accepts the field.
];

/// id, title, intro, collapsible: a collapsible section starts closed
/// unless it holds answers or errors.
const SECTIONS: &[(Section, &str, &str, &str, bool)] = &[
    (Basic, "basic", "基本情况", "", false),
    (Child, "child", "孩子上学（不需要可跳过）", "", false),
    (
        Bonus,
        "bonus",
        "加分项（没有可跳过）",
        "创业、纳税、远郊或临港、配偶户籍、表彰等",
        true,
    ),
    (
        Deductions,
        "deductions",
        "减分项与一票否决（没有可跳过）",
        "仅用于计算本次结果；未经您同意，不会提供给顾问",
        true,
    ),
];

/// Today's figures the questions quote: the reference wage, the tier
/// thresholds (exact and rounded to 万) and the 临港 rule in force.
struct Figures(Vec<(&'static str, String)>);

impl Figures {
    fn today(wages: &ReferenceWages) -> Self {
        let today = super::shanghai_today();
        let period = wages.current(YearMonth::of(today)).cloned();
        let mut figures = vec![
            (
                "period",
                period.as_ref().map(|p| p.chinese()).unwrap_or_default(),
            ),
            (
                "wage",
                period
                    .as_ref()
                    .map(|p| p.yuan.to_string())
                    .unwrap_or_default(),
            ),
        ];
        for tier in &ContributionTier::ALL[1..] {
            let multiple = tables::contribution_multiple_tenths(*tier);
            // A base is whole yuan: the band of a tier starts at the first
            // whole yuan not below its threshold (9116.8 → 9117).
            let (exact, from, below) = match (&period, multiple) {
                (Some(period), Some(multiple)) => {
                    let from = period.threshold_tenths(multiple).div_ceil(10);
                    (
                        period.threshold_text(multiple),
                        from.to_string(),
                        (from - 1).to_string(),
                    )
                }
                _ => ("—".to_string(), "—".to_string(), "—".to_string()),
            };
            let (exact_key, from_key, below_key) = match tier {
                ContributionTier::X0_8 => ("x0_8", "from_x0_8", "below_x0_8"),
                ContributionTier::X1 => ("x1", "from_x1", "below_x1"),
                ContributionTier::X2 => ("x2", "from_x2", "below_x2"),
                _ => ("x3", "from_x3", "below_x3"),
            };
            figures.push((exact_key, exact));
            figures.push((from_key, from));
            figures.push((below_key, below));
        }
        let lingang = Revisions::bundled().rules_on(today).lingang;
        let cap = lingang.cap.unwrap_or_default();
        let rule = if lingang.from_years <= 1 {
            format!("每满1年计{}分，最高{cap}分", lingang.per_year)
        } else {
            format!(
                "满{}年起每年计{}分，最高{cap}分",
                lingang.from_years, lingang.per_year
            )
        };
        figures.push(("lingang_rule", rule));
        Figures(figures)
    }

    fn fill(&self, text: &str) -> String {
        // Most words quote no figure: one scan instead of one per figure.
        if !text.contains('{') {
            return text.to_string();
        }
        self.0.iter().fold(text.to_string(), |text, (name, value)| {
            text.replace(&format!("{{{name}}}"), value)
        })
    }
}

pub struct ChoiceView {
    pub code: &'static str,
    pub label: String,
    pub selected: bool,
}

pub struct FieldView {
    pub name: &'static str,
    pub label: String,
    pub help: String,
    /// "integer", "decimal", "month", "select", "radio" or "checkbox".
    pub kind: &'static str,
    pub required: bool,
    /// The empty first option of a select ("" when none: a required select
    /// shows 请选择).
    pub blank: &'static str,
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

impl FieldView {
    fn new(question: &Question, raw: &RawAnswers, errors: &FieldErrors, figures: &Figures) -> Self {
        let value = answer(raw, question.name);
        FieldView {
            name: question.name,
            label: figures.fill(question.label),
            help: figures.fill(question.help),
            kind: question.kind,
            required: question.required,
            blank: question.blank,
            checked: matches!(value.as_str(), "on" | "true" | "1" | "yes"),
            // Nothing is pre-selected: a radio list with no answer yet has
            // no choice checked (a select without a blank option shows its
            // first).
            choices: question
                .choices
                .iter()
                .map(|(code, label)| ChoiceView {
                    code,
                    selected: *code == value,
                    label: figures.fill(label),
                })
                .collect(),
            value,
            error: errors.get(question.name).map(String::from),
            asked_by: question.asked_by,
            asked_when: question.asked_when,
            explain: figures.fill(question.explain),
        }
    }

    /// Whether the visitor answered something other than nothing, or the
    /// answer has an error.
    fn is_answered(&self) -> bool {
        let value = self.value.as_str();
        !(value.is_empty() || value == "0" || value == "none" || value == "false")
            || self.error.is_some()
    }
}

fn answer(raw: &RawAnswers, name: &str) -> String {
    raw.get(name)
        .map(|v| v.trim().to_string())
        .unwrap_or_default()
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

impl FormPage {
    pub fn new(
        settings: &Settings,
        site: &std::sync::Arc<Site>,
        raw: &RawAnswers,
        errors: &FieldErrors,
    ) -> Self {
        let figures = Figures::today(&settings.reference_wages);
        let sections = SECTIONS
            .iter()
            .map(|(section, id, title, intro, collapsible)| {
                let fields: Vec<FieldView> = QUESTIONS
                    .iter()
                    .filter(|question| question.section == *section)
                    .map(|question| FieldView::new(question, raw, errors, &figures))
                    .collect();
                SectionView {
                    id,
                    title,
                    intro,
                    collapsible: *collapsible,
                    open: !collapsible || fields.iter().any(FieldView::is_answered),
                    fields,
                }
            })
            .collect();
        let title = if errors.is_empty() {
            format!("居住证积分自测：30秒算出你的上海积分 - {SITE_NAME}")
        } else {
            format!(
                "（请修改{}处）居住证积分自测 - {SITE_NAME}",
                errors.iter().count()
            )
        };
        let description = "回答几个问题，按上海居住证积分规则算出你的分数、与120分的差距，以及每一项得分的理由。无需姓名和电话。";
        // The blank form is public; one holding a visitor's answers (a
        // "change your answers" link, a form sent back with errors) is
        // nobody's search result, like the result page it came from.
        let meta = if raw.is_empty() {
            PageMeta::public(site, "/self-test", title, description)
        } else {
            PageMeta::private(site, title, description)
        };
        FormPage {
            meta,
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

    fn empty_form() -> FormPage {
        FormPage::new(
            &settings(),
            &Site::unnamed(),
            &RawAnswers::new(),
            &FieldErrors::default(),
        )
    }

    /// Every code the form offers is one the contract accepts.
    #[test]
    fn every_offered_choice_parses() {
        let page = empty_form();
        let mut offered = 0;
        for field in page.sections.iter().flat_map(|s| &s.fields) {
            for choice in &field.choices {
                let mut raw: RawAnswers = [
                    ("age", "30"),
                    ("education", "college"),
                    ("child_birth", "2021-05"),
                ]
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
        assert_eq!(offered, 6 + 8 + 3 + 6 + 2 + 14 + 3 + 3 + 4);
    }

    /// The bands name the exact thresholds in whole yuan, touching without
    /// a gap: 9116.8 makes 9117 the first yuan of 0.8×.
    #[test]
    fn the_bands_carry_the_exact_thresholds() {
        let page = empty_form();
        let Some(tier) = page
            .sections
            .iter()
            .flat_map(|s| &s.fields)
            .find(|f| f.name == "contribution_tier")
        else {
            panic!("the form asks the tier");
        };
        let labels: Vec<&str> = tier.choices.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(
            labels[..5],
            [
                "9116元及以下",
                "9117–11395元",
                "11396–22791元",
                "22792–34187元",
                "34188元及以上"
            ]
        );
        assert!(tier.help.contains("随申办"));
        assert!(tier.choices.iter().all(|c| !c.selected));
    }

    /// No scoring question starts answered: radios have nothing checked and
    /// every optional select opens on an empty choice.
    #[test]
    fn no_question_starts_answered() {
        let page = empty_form();
        for field in page.sections.iter().flat_map(|s| &s.fields) {
            assert!(field.choices.iter().all(|c| !c.selected), "{}", field.name);
            if field.kind == "select" {
                assert!(field.required || !field.blank.is_empty(), "{}", field.name);
            }
        }
        let months = page
            .sections
            .iter()
            .flat_map(|s| &s.fields)
            .position(|f| f.name == "insurance_months");
        let band = page
            .sections
            .iter()
            .flat_map(|s| &s.fields)
            .position(|f| f.name == "contribution_tier");
        assert!(months < band, "months are asked before the band");
    }

    #[test]
    fn every_contract_field_is_on_the_form_once() {
        let page = empty_form();
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
            .filter(|name| !crate::scoring::input::API_ONLY_FIELDS.contains(name))
            .collect();
        names.sort_unstable();
        contract.sort_unstable();
        assert_eq!(names, contract);
    }
}
