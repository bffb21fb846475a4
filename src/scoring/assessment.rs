//! The assessment contract of DESIGN.md: what scoring one profile on one
//! date produces. Data only; `engine` scores and `plan` plans into it.

use serde::{Deserialize, Serialize};

use super::eligibility::EligibilityNote;
use super::materials::MaterialGroup;
use super::revisions::Revisions;
use super::school::School;
use super::tables as t;
use super::verdict::{Blocker, Verdict};
use super::wages::{ReferenceWages, WagePeriod, YearMonth, chinese_date};

time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

/// One line of the breakdown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub code: String,
    pub label: String,
    /// Deductions are negative; an item that applies but does not count is 0.
    pub points: i32,
    /// Why the item scores what it scores, in Chinese.
    pub note: String,
}

/// The reference-wage period the assessment used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferenceWageUsed {
    pub from: YearMonth,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<YearMonth>,
    pub yuan: u32,
    /// The last month a public notice confirms the figure for. Absent in
    /// results stored before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified_to: Option<YearMonth>,
}

impl From<&WagePeriod> for ReferenceWageUsed {
    fn from(period: &WagePeriod) -> Self {
        Self {
            from: period.from,
            to: period.to,
            yuan: period.yuan,
            verified_to: Some(period.verified_to),
        }
    }
}

impl ReferenceWageUsed {
    pub fn period(&self) -> WagePeriod {
        WagePeriod {
            from: self.from,
            to: self.to,
            yuan: self.yuan,
            verified_to: self
                .verified_to
                .unwrap_or_else(|| WagePeriod::default_verified_to(self.from, self.to)),
        }
    }
}

/// The result of scoring one profile on one date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    pub rule_set: String,
    pub standard: i32,
    pub total: i32,
    /// The score alone: total ≥ standard.
    pub reaches_standard: bool,
    pub vetoed: bool,
    /// Reaches the standard, no veto, and no unmet condition to apply.
    pub eligible: bool,
    /// Points still missing to the standard (0 when reached).
    pub gap: i32,
    pub items: Vec<Item>,
    pub eligibility: Vec<EligibilityNote>,
    /// The date the answers were scored on (Shanghai time), "YYYY-MM-DD".
    #[serde(with = "iso_date")]
    pub assessed_on: time::Date,
    /// None only when the date lies before the first period of the table.
    pub reference_wage: Option<ReferenceWageUsed>,
    /// The rule revision (RULES.md §10) the assessment used: the effective
    /// date of the latest one in force on `assessed_on`, "YYYY-MM-DD".
    #[serde(default)]
    pub rules_revision: String,
    /// Reached (and nothing known blocks it), blocked, or short of 120.
    #[serde(default)]
    pub verdict: Verdict,
    /// What stops the application whatever the points, and whether it can change.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blockers: Vec<Blocker>,
    /// The total with every 不确定 answer at its least / most favourable
    /// value; both equal `total` when nothing is unknown.
    #[serde(default)]
    pub total_min: i32,
    #[serde(default)]
    pub total_max: i32,
    /// Which unknown decides whether 120 is reached (filled by `evaluate`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deciding_unknowns: Vec<String>,
    /// When 120 is reached if nothing changes (filled by `evaluate`).
    #[serde(default)]
    pub projection: Projection,
    /// What would raise the total, most points first (filled by `evaluate`).
    #[serde(default)]
    pub suggestions: Vec<Suggestion>,
    /// The papers this profile needs (filled by `evaluate`).
    #[serde(default)]
    pub materials: Vec<MaterialGroup>,
    /// The most realistic combinations of steps that close the gap when no
    /// single step does (filled by `evaluate`).
    #[serde(default)]
    pub routes: Vec<Route>,
    /// Items that count only with a document the visitor may lack.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<Dependency>,
    /// The child's 中考 and 高考 against the 通知书 (filled by `evaluate`
    /// when a child is given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub school: Option<School>,
}

/// An item that counts only with a document (a 推荐函, a 认定).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dependency {
    pub code: String,
    pub label: String,
    /// The document, in Chinese.
    pub document: String,
    pub points: i32,
    /// The total without this item.
    pub total_without: i32,
}

impl Route {
    /// "做到后即" or "约36个月后": when the steps all count, in Chinese.
    pub fn when(&self) -> String {
        if self.months == 0 {
            "做到后即".to_string()
        } else {
            format!("约{}个月后", self.months)
        }
    }
}

/// Steps that close the gap together (DESIGN.md `routes`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Route {
    /// The codes of the steps, as in `suggestions`.
    pub steps: Vec<String>,
    /// What the steps add together, at the month they all count.
    pub points: i32,
    /// The month from now they all count.
    pub months: u32,
    /// The total then.
    pub total: i32,
    /// The steps in a line, in Chinese.
    pub summary: String,
    /// With a child: whether the 通知书 comes before the 中考 target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub makes_target: Option<bool>,
}

impl Assessment {
    pub fn item(&self, code: &str) -> Option<&Item> {
        self.items.iter().find(|item| item.code == code)
    }

    /// Why this result may differ if scored `today` (a later rule set,
    /// rule revision or reference wage), in Chinese; None when it would not.
    pub fn outdated(&self, wages: &ReferenceWages, today: time::Date) -> Option<String> {
        if self.rule_set != t::RULE_SET {
            return Some(format!(
                "此结果按旧的计分规则（{}）计算，现行规则为{}。",
                self.rule_set,
                t::RULE_SET
            ));
        }
        let later: Vec<String> = Revisions::bundled()
            .since(&self.rules_revision, today)
            .iter()
            .map(|r| format!("{}起{}", chinese_date(r.effective), r.title))
            .collect();
        if !later.is_empty() {
            return Some(format!(
                "此结果按当时的规则计算，此后规则有更新：{}。按最新规则重新计算，结果可能不同。",
                later.join("；")
            ));
        }
        // Whether a figure was verified further is no reason to recompute.
        let used = self.reference_wage.clone().map(|used| ReferenceWageUsed {
            verified_to: None,
            ..used
        });
        let period_on = |date| {
            wages
                .period_for(YearMonth::of(date))
                .map(|period| ReferenceWageUsed {
                    verified_to: None,
                    ..ReferenceWageUsed::from(period)
                })
        };
        let (then, now) = (period_on(self.assessed_on), period_on(today));
        let describe = |wage: &Option<ReferenceWageUsed>| {
            wage.as_ref()
                .map(|w| format!("{} {}元/月", w.period().chinese(), w.yuan))
                .unwrap_or_else(|| "无".into())
        };
        (used != then || used != now).then(|| {
            format!(
                "此结果按当时的社平工资（{}）计算，现行数据为{}。",
                describe(&used),
                describe(&now)
            )
        })
    }
}

impl Assessment {
    /// One line when the assessment month lies past the last month a public
    /// notice confirms the reference wage for (RULES.md §5), in Chinese.
    pub fn wage_unverified(&self) -> Option<String> {
        let used = self.reference_wage.as_ref()?.period();
        let month = YearMonth::of(self.assessed_on);
        used.unverified_in(month).then(|| {
            format!(
                "{}起的积分用社平工资尚未见公开通知，暂按{}元/月计算；新的通知公布并录入后，档次的金额和结果可能变化。",
                used.verified_to.plus_months(1).chinese(),
                used.yuan
            )
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Projection {
    /// The first month whose total reaches 120; None when it never does
    /// before the age passes 60, or the profile is vetoed.
    pub reaches_standard_on: Option<YearMonth>,
    /// Months from the assessment month (0: already reached).
    pub months: Option<u32>,
}

crate::vocabulary::vocabulary! {
    /// What a suggestion asks of the visitor, least first (DESIGN.md).
    #[derive(Default, PartialOrd, Ord)]
    pub enum Effort {
        /// Time alone.
        None => ("none", "等待即可"),
        /// Check a fact or a list.
        Verify => ("verify", "先核实"),
        /// Needs the employer: the contribution base, the post.
        #[default]
        Employer => ("employer", "需单位配合"),
        /// Study or a certificate.
        Qualify => ("qualify", "需考证或进修"),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suggestion {
    pub code: String,
    /// What to do, in Chinese.
    pub action: String,
    /// Points it adds (at the month it can first count).
    pub points: i32,
    /// The earliest month from now it could count.
    pub months: u32,
    #[serde(default)]
    pub effort: Effort,
    /// Closes the gap by itself at its month, where time alone would not
    /// by then (never with `needs`).
    #[serde(default)]
    pub closes: bool,
    /// The codes of the steps it only scores together with.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub needs: Vec<String>,
    /// With a child: whether the 通知书 comes before the 中考 target
    /// (材料核查) when this step closes the gap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub makes_target: Option<bool>,
}

/// What a stored result records besides its answers: enough to score them
/// again exactly as the visitor saw them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub rule_set: String,
    pub assessed_on: time::Date,
    pub reference_wage: Option<ReferenceWageUsed>,
    /// None for results stored before revisions were recorded: those were
    /// scored with the parameters of the first revision.
    pub rules_revision: Option<String>,
}
