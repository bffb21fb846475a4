//! The result page: the total against 120, every item with its reason, and
//! the conditions to apply.

use askama::Template;

use crate::leads::form::Interest;
use crate::scoring::{Assessment, Item, tables};
use crate::web::consultations::{AttachedAssessment, CallbackForm};
use crate::web::layout::{PageMeta, SITE_NAME};

const BASIC: &[&str] = &["age", "education", "qualification", "insurance_years"];
const DEDUCTIONS: &[&str] = &[
    "false_material",
    "detention",
    "criminal",
    "serious_criminal",
    "family_planning",
];

pub struct GroupView<'a> {
    pub title: &'static str,
    pub items: Vec<&'a Item>,
    pub subtotal: i32,
}

#[derive(Template)]
#[template(path = "self_test/result.html")]
pub struct ResultPage<'a> {
    pub meta: PageMeta,
    pub token: &'a str,
    pub a: &'a Assessment,
    pub groups: Vec<GroupView<'a>>,
    pub headline: String,
    pub verdict: &'static str,
    pub assessed_on: String,
    pub period_text: String,
    /// The sum of the items before the floor at 0.
    pub raw_sum: i32,
    /// The callback form, with this result attached.
    pub callback: CallbackForm,
}

impl<'a> ResultPage<'a> {
    pub fn new(token: &'a str, a: &'a Assessment) -> Self {
        let callback = CallbackForm::blank(
            Interest::Callback,
            Some(AttachedAssessment {
                token: token.to_string(),
                total: a.total,
            }),
            "result",
        );
        let group = |title, keep: &dyn Fn(&str) -> bool| {
            let items: Vec<&Item> = a.items.iter().filter(|item| keep(&item.code)).collect();
            GroupView {
                title,
                subtotal: items.iter().map(|item| item.points).sum(),
                items,
            }
        };
        let groups: Vec<GroupView> = [
            group("基础指标", &|code| BASIC.contains(&code)),
            group("加分指标", &|code| {
                !BASIC.contains(&code) && !DEDUCTIONS.contains(&code)
            }),
            group("减分指标与一票否决", &|code| {
                DEDUCTIONS.contains(&code)
            }),
        ]
        .into_iter()
        .filter(|group| !group.items.is_empty())
        .collect();

        let (verdict, headline) = match (a.reaches_standard, a.eligible, a.vetoed) {
            (true, true, _) => ("reached", format!("已达到{}分标准分值", a.standard)),
            (true, false, true) => (
                "blocked",
                "分数达到120分，但有一票否决记录，不能申请积分".to_string(),
            ),
            (true, false, false) => (
                "blocked",
                "分数达到120分，但目前还不符合申请条件（见下方）".to_string(),
            ),
            (false, _, _) => (
                "short",
                format!("距{}分标准分值还差 {} 分", a.standard, a.gap),
            ),
        };
        let period_text = match &a.reference_wage {
            Some(used) => format!("{} {} 元/月", used.period().chinese(), used.yuan),
            None => "测评日期早于已收录的社平工资期间".to_string(),
        };
        let date = a.assessed_on;
        ResultPage {
            meta: PageMeta::private(
                format!("积分自测结果：{}分 - {SITE_NAME}", a.total),
                "上海居住证积分自测结果与分项明细。",
            ),
            token,
            a,
            groups,
            headline,
            verdict,
            assessed_on: format!("{}年{}月{}日", date.year(), date.month() as u8, date.day()),
            period_text,
            raw_sum: a.items.iter().map(|item| item.points).sum(),
            callback,
        }
    }

    pub fn condition_class(&self, met: &Option<bool>) -> &'static str {
        match met {
            Some(true) => "met",
            Some(false) => "unmet",
            None => "check",
        }
    }

    pub fn condition_mark(&self, met: &Option<bool>) -> &'static str {
        match met {
            Some(true) => "✓ 符合",
            Some(false) => "✗ 不符合",
            None => "? 请自行确认",
        }
    }

    /// "+30", "−50", "0".
    pub fn signed(&self, points: &i32) -> String {
        match *points {
            p if p > 0 => format!("+{p}"),
            p if p < 0 => format!("−{}", -p),
            _ => "0".into(),
        }
    }

    /// The share of the standard reached, for the progress bar (0–100).
    pub fn percent(&self) -> i32 {
        (self.a.total * 100 / tables::STANDARD).clamp(0, 100)
    }
}
