//! The reference wage (本市上年度职工社会平均工资) by period, read from data
//! (RULES.md §5) so that a new year's figure needs no code change.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The table shipped with the code; `ReferenceWages::parse` reads a newer copy.
pub const BUNDLED_TABLE: &str = include_str!("reference_wages.toml");

/// A calendar month, ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    pub year: i32,
    pub month: u8,
}

impl YearMonth {
    pub fn new(year: i32, month: u8) -> Option<Self> {
        (1..=12).contains(&month).then_some(Self { year, month })
    }

    pub fn of(date: time::Date) -> Self {
        Self {
            year: date.year(),
            month: date.month() as u8,
        }
    }

    /// The month `months` later.
    pub fn plus_months(self, months: u32) -> Self {
        let index = self.year as i64 * 12 + (self.month as i64 - 1) + months as i64;
        Self {
            year: (index.div_euclid(12)) as i32,
            month: (index.rem_euclid(12) + 1) as u8,
        }
    }

    /// The month `months` earlier.
    pub fn minus_months(self, months: u32) -> Self {
        let index = self.year as i64 * 12 + (self.month as i64 - 1) - months as i64;
        Self {
            year: (index.div_euclid(12)) as i32,
            month: (index.rem_euclid(12) + 1) as u8,
        }
    }

    /// "2025年7月".
    pub fn chinese(self) -> String {
        format!("{}年{}月", self.year, self.month)
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl FromStr for YearMonth {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (year, month) = text
            .split_once('-')
            .ok_or_else(|| format!("{text:?} is not YYYY-MM"))?;
        let year: i32 = year
            .parse()
            .map_err(|_| format!("{text:?} is not YYYY-MM"))?;
        let month: u8 = month
            .parse()
            .map_err(|_| format!("{text:?} is not YYYY-MM"))?;
        Self::new(year, month).ok_or_else(|| format!("{text:?} has no such month"))
    }
}

impl Serialize for YearMonth {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for YearMonth {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// "2026年11月28日".
pub fn chinese_date(date: time::Date) -> String {
    format!("{}年{}月{}日", date.year(), date.month() as u8, date.day())
}

/// One period of the table: `from..=to`, open-ended when `to` is absent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WagePeriod {
    pub from: YearMonth,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<YearMonth>,
    /// 元/月.
    pub yuan: u32,
    /// The last month a public notice confirms the figure for (RULES.md
    /// §5): a closed period's end unless the table says otherwise; for the
    /// open period, what the table says (else the June after its start, as
    /// a July notice covers a year).
    pub verified_to: YearMonth,
}

impl WagePeriod {
    /// What a period is verified to when the table does not say.
    pub fn default_verified_to(from: YearMonth, to: Option<YearMonth>) -> YearMonth {
        to.unwrap_or_else(|| from.plus_months(11))
    }

    /// Whether `month` lies past the last verified month: its figure is
    /// assumed unchanged until the next notice is entered.
    pub fn unverified_in(&self, month: YearMonth) -> bool {
        month > self.verified_to
    }

    pub fn contains(&self, month: YearMonth) -> bool {
        self.from <= month && self.to.is_none_or(|to| month <= to)
    }

    /// `multiple_tenths` × the reference, exactly, in tenths of a yuan
    /// (0.8 × 9339 = 7471.2 is 74712).
    pub fn threshold_tenths(&self, multiple_tenths: u32) -> u64 {
        u64::from(self.yuan) * u64::from(multiple_tenths)
    }

    /// The threshold as people write it: "9116.8" or "11396".
    pub fn threshold_text(&self, multiple_tenths: u32) -> String {
        let tenths = self.threshold_tenths(multiple_tenths);
        if tenths.is_multiple_of(10) {
            (tenths / 10).to_string()
        } else {
            format!("{}.{}", tenths / 10, tenths % 10)
        }
    }

    /// "2025年7月起" or "2023年7月–2024年6月".
    pub fn chinese(&self) -> String {
        match self.to {
            Some(to) => format!("{}–{}", self.from.chinese(), to.chinese()),
            None => format!("{}起", self.from.chinese()),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TableFile {
    period: Vec<PeriodRow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PeriodRow {
    from: YearMonth,
    to: Option<YearMonth>,
    yuan: u32,
    verified_to: Option<YearMonth>,
    #[allow(dead_code)] // documentation for people editing the file
    note: Option<String>,
}

/// The whole table, checked: ordered, contiguous, only the last period open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferenceWages {
    periods: Vec<WagePeriod>,
}

impl ReferenceWages {
    /// The table bundled with this build.
    pub fn bundled() -> Self {
        // The bundled file is checked by a unit test, so this cannot fail in a build that passed its tests.
        Self::parse(BUNDLED_TABLE)
            .unwrap_or_else(|error| panic!("bundled reference wage table: {error}"))
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let file: TableFile = toml::from_str(text).map_err(|error| error.to_string())?;
        let periods: Vec<WagePeriod> = file
            .period
            .into_iter()
            .map(|row| WagePeriod {
                from: row.from,
                to: row.to,
                yuan: row.yuan,
                verified_to: row
                    .verified_to
                    .unwrap_or_else(|| WagePeriod::default_verified_to(row.from, row.to)),
            })
            .collect();
        if periods.is_empty() {
            return Err("the table has no period".into());
        }
        for (index, period) in periods.iter().enumerate() {
            if period.yuan == 0 {
                return Err(format!("period from {} has no wage", period.from));
            }
            if period.verified_to < period.from
                || period.to.is_some_and(|to| period.verified_to > to)
            {
                return Err(format!(
                    "period from {} is verified to {}, outside the period",
                    period.from, period.verified_to
                ));
            }
            match (period.to, periods.get(index + 1)) {
                (Some(to), _) if to < period.from => {
                    return Err(format!("period from {} ends before it starts", period.from));
                }
                (Some(to), Some(next)) if next.from != to.plus_months(1) => {
                    return Err(format!(
                        "period from {} must start the month after {to}",
                        next.from
                    ));
                }
                (None, Some(_)) => {
                    return Err(format!(
                        "only the last period may be open ({})",
                        period.from
                    ));
                }
                _ => {}
            }
        }
        Ok(Self { periods })
    }

    /// A table of one period: to score again exactly as an earlier result was.
    pub fn single(period: WagePeriod) -> Self {
        Self {
            periods: vec![period],
        }
    }

    pub fn periods(&self) -> &[WagePeriod] {
        &self.periods
    }

    /// The period in force in `month`, or the latest one when the table
    /// ends before it: what the site shows as today's figures.
    pub fn current(&self, month: YearMonth) -> Option<&WagePeriod> {
        self.period_for(month).or_else(|| self.periods.last())
    }

    /// The period a month falls in; months after the last closed period fall
    /// in nothing unless the last period is open.
    pub fn period_for(&self, month: YearMonth) -> Option<&WagePeriod> {
        self.periods.iter().find(|period| period.contains(month))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ym(text: &str) -> YearMonth {
        text.parse().unwrap()
    }

    #[test]
    fn bundled_table_is_valid_and_matches_rules() {
        let wages = ReferenceWages::bundled();
        let rows: Vec<(String, Option<String>, u32)> = wages
            .periods()
            .iter()
            .map(|p| (p.from.to_string(), p.to.map(|t| t.to_string()), p.yuan))
            .collect();
        let expected = [
            ("2018-04", Some("2019-03"), 7132),
            ("2019-04", Some("2020-06"), 7832),
            ("2020-07", Some("2021-06"), 9339),
            ("2021-07", Some("2023-06"), 10338),
            ("2023-07", None, 11396),
        ];
        assert_eq!(rows.len(), expected.len());
        for (row, (from, to, yuan)) in rows.iter().zip(expected) {
            assert_eq!(row.0, from);
            assert_eq!(row.1.as_deref(), to);
            assert_eq!(row.2, yuan);
        }
    }

    #[test]
    fn period_lookup_at_edges() {
        let wages = ReferenceWages::bundled();
        assert_eq!(wages.period_for(ym("2018-03")), None);
        assert_eq!(wages.period_for(ym("2018-04")).unwrap().yuan, 7132);
        assert_eq!(wages.period_for(ym("2019-03")).unwrap().yuan, 7132);
        assert_eq!(wages.period_for(ym("2019-04")).unwrap().yuan, 7832);
        assert_eq!(wages.period_for(ym("2022-12")).unwrap().yuan, 10338);
        assert_eq!(wages.period_for(ym("2023-06")).unwrap().yuan, 10338);
        assert_eq!(wages.period_for(ym("2023-07")).unwrap().yuan, 11396);
        assert_eq!(wages.period_for(ym("2025-07")).unwrap().yuan, 11396);
        assert_eq!(wages.period_for(ym("2031-01")).unwrap().yuan, 11396);
    }

    #[test]
    fn thresholds_are_exact_products() {
        let wages = ReferenceWages::bundled();
        let period = wages.period_for(ym("2020-07")).unwrap();
        assert_eq!(period.threshold_text(8), "7471.2");
        assert_eq!(period.threshold_text(10), "9339");
        assert_eq!(period.threshold_text(30), "28017");
        let current = wages.period_for(ym("2026-11")).unwrap();
        assert_eq!(current.threshold_text(8), "9116.8");
        assert_eq!(current.threshold_text(10), "11396");
        assert_eq!(current.threshold_text(20), "22792");
        assert_eq!(current.threshold_text(30), "34188");
    }

    #[test]
    fn a_new_figure_is_a_data_change() {
        let text = format!(
            "{}\n",
            BUNDLED_TABLE.replace(
                "from = \"2023-07\"\nyuan = 11396\nverified_to = \"2026-06\"",
                "from = \"2023-07\"\nto = \"2026-06\"\nyuan = 11396\n\n[[period]]\nfrom = \"2026-07\"\nyuan = 13000"
            )
        );
        let wages = ReferenceWages::parse(&text).unwrap();
        assert_eq!(wages.period_for(ym("2026-06")).unwrap().yuan, 11396);
        assert_eq!(wages.period_for(ym("2026-07")).unwrap().yuan, 13000);
        // Entering the July figure clears the open question.
        assert!(
            !wages
                .period_for(ym("2026-06"))
                .unwrap()
                .unverified_in(ym("2026-06"))
        );
        assert!(
            !wages
                .period_for(ym("2026-12"))
                .unwrap()
                .unverified_in(ym("2026-12"))
        );
    }

    #[test]
    fn the_current_figure_is_verified_to_june_2026_only() {
        let wages = ReferenceWages::bundled();
        let current = wages.period_for(ym("2026-12")).unwrap();
        assert_eq!(current.verified_to, ym("2026-06"));
        assert!(!current.unverified_in(ym("2026-06")));
        assert!(current.unverified_in(ym("2026-07")));
        let closed = wages.period_for(ym("2021-01")).unwrap();
        assert_eq!(
            closed.verified_to,
            ym("2021-06"),
            "a closed period to its end"
        );
        let outside = "[[period]]\nfrom=\"2018-04\"\nyuan=1\nverified_to=\"2018-03\"\n";
        assert!(ReferenceWages::parse(outside).is_err());
    }

    #[test]
    fn broken_tables_are_refused() {
        let gap = "[[period]]\nfrom=\"2018-04\"\nto=\"2019-03\"\nyuan=1\n[[period]]\nfrom=\"2019-05\"\nyuan=2\n";
        assert!(ReferenceWages::parse(gap).is_err());
        let open_middle =
            "[[period]]\nfrom=\"2018-04\"\nyuan=1\n[[period]]\nfrom=\"2019-05\"\nyuan=2\n";
        assert!(ReferenceWages::parse(open_middle).is_err());
        assert!(ReferenceWages::parse("[[period]]\nfrom=\"2018-13\"\nyuan=1\n").is_err());
        assert!(ReferenceWages::parse("period = []").is_err());
        assert!(ReferenceWages::parse("[[period]]\nfrom=\"2018-01\"\nyuan=0\n").is_err());
    }

    #[test]
    fn months_roll_over_years() {
        assert_eq!(ym("2019-12").plus_months(1), ym("2020-01"));
        assert_eq!(ym("2019-03").plus_months(13), ym("2020-04"));
        assert_eq!(ym("2019-03").plus_months(0), ym("2019-03"));
    }
}
