//! The revisions of the rules (RULES.md §10) and the dated parameters they
//! set, read from data so that a new notice needs no code change.

use std::sync::LazyLock;

use serde::Deserialize;
use time::Date;

use super::tables::{self as t, YearlyBonus};

/// The revisions shipped with the code.
pub const BUNDLED_TABLE: &str = include_str!("rule_revisions.toml");

time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub title: String,
    pub url: String,
}

/// One revision: when it took effect, what changed, where it is published.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Revision {
    #[serde(with = "iso_date")]
    pub effective: Date,
    pub title: String,
    pub changes: Vec<String>,
    pub sources: Vec<Source>,
    #[serde(default)]
    lingang_from_years: Option<u32>,
    #[serde(default)]
    family_planning_veto: Option<bool>,
}

impl Revision {
    /// The id results store: the effective date, "YYYY-MM-DD".
    pub fn id(&self) -> String {
        self.effective.to_string()
    }
}

/// The parameters in force under one revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatedRules {
    /// The id of the latest revision that applied.
    pub revision: String,
    pub lingang: YearlyBonus,
    /// Whether a family-planning record vetoes the application: under the
    /// 2017 text only; the 2023 text removed it (RULES.md §4).
    pub family_planning_veto: bool,
    /// RULES.md §3 guard: 应届生 needs at least 大专. False only to replay
    /// results stored before revisions were recorded, which scored without
    /// it, exactly as their visitors saw them.
    pub fresh_graduate_needs_college: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TableFile {
    revision: Vec<Revision>,
}

/// Every revision, checked: in order, the first one setting every parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revisions {
    revisions: Vec<Revision>,
}

static BUNDLED: LazyLock<Result<Revisions, String>> =
    LazyLock::new(|| Revisions::parse(BUNDLED_TABLE));

impl Revisions {
    /// The table bundled with this build (parsed once).
    pub fn bundled() -> &'static Self {
        // The bundled file is checked by a unit test, so this cannot fail in
        // a build that passed its tests.
        match &*BUNDLED {
            Ok(revisions) => revisions,
            Err(error) => panic!("bundled rule revisions: {error}"),
        }
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let file: TableFile = toml::from_str(text).map_err(|error| error.to_string())?;
        let revisions = file.revision;
        let first = revisions.first().ok_or("the table has no revision")?;
        if first.lingang_from_years.is_none() || first.family_planning_veto.is_none() {
            return Err("the first revision must set every parameter".into());
        }
        if revisions
            .windows(2)
            .any(|pair| pair[0].effective >= pair[1].effective)
        {
            return Err("revisions must be in order of their date, without repeats".into());
        }
        if revisions
            .iter()
            .any(|r| r.title.trim().is_empty() || r.changes.is_empty() || r.sources.is_empty())
        {
            return Err("every revision needs a title, its changes and a source".into());
        }
        Ok(Self { revisions })
    }

    /// Oldest first.
    pub fn all(&self) -> &[Revision] {
        &self.revisions
    }

    /// The latest revision in force on `date` (the first one before it all).
    pub fn in_force_on(&self, date: Date) -> &Revision {
        self.revisions
            .iter()
            .rev()
            .find(|revision| revision.effective <= date)
            .unwrap_or(&self.revisions[0])
    }

    /// The revision with this id, if there is one.
    pub fn by_id(&self, id: &str) -> Option<&Revision> {
        self.revisions.iter().find(|revision| revision.id() == id)
    }

    /// The revisions that took effect after `id` up to `date`: what a result
    /// made under `id` does not know of.
    pub fn since(&self, id: &str, date: Date) -> Vec<&Revision> {
        let after = self.by_id(id).map(|r| r.effective);
        self.revisions
            .iter()
            .filter(|r| after.is_none_or(|after| r.effective > after) && r.effective <= date)
            .collect()
    }

    /// The parameters of `revision`: each from the latest revision up to it
    /// that sets it.
    pub fn rules_of(&self, revision: &Revision) -> DatedRules {
        let upto = self
            .revisions
            .iter()
            .take_while(|r| r.effective <= revision.effective);
        let upto: Vec<&Revision> = upto.collect();
        let lingang_from_years = upto
            .iter()
            .rev()
            .find_map(|r| r.lingang_from_years)
            .unwrap_or(t::LINGANG.from_years);
        let family_planning_veto = upto
            .iter()
            .rev()
            .find_map(|r| r.family_planning_veto)
            .unwrap_or(true);
        DatedRules {
            revision: revision.id(),
            lingang: YearlyBonus {
                from_years: lingang_from_years,
                ..t::LINGANG
            },
            family_planning_veto,
            fresh_graduate_needs_college: true,
        }
    }

    /// The parameters in force on `date`.
    pub fn rules_on(&self, date: Date) -> DatedRules {
        self.rules_of(self.in_force_on(date))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn bundled_table_matches_rules_md() {
        let revisions = Revisions::bundled();
        let ids: Vec<String> = revisions.all().iter().map(Revision::id).collect();
        assert_eq!(
            ids,
            ["2018-01-01", "2023-01-01", "2023-07-01", "2024-08-21"]
        );
        for revision in revisions.all() {
            assert!(
                revision
                    .sources
                    .iter()
                    .all(|s| s.url.starts_with("http://") || s.url.starts_with("https://")),
                "{}",
                revision.id()
            );
        }
    }

    #[test]
    fn lingang_counts_from_three_years_until_2024_08_21() {
        let revisions = Revisions::bundled();
        for (date, revision, from_years) in [
            (date!(2017 - 06 - 01), "2018-01-01", 3),
            (date!(2018 - 01 - 01), "2018-01-01", 3),
            (date!(2022 - 12 - 31), "2018-01-01", 3),
            (date!(2023 - 01 - 01), "2023-01-01", 3),
            (date!(2023 - 06 - 30), "2023-01-01", 3),
            (date!(2023 - 07 - 01), "2023-07-01", 3),
            (date!(2024 - 08 - 20), "2023-07-01", 3),
            (date!(2024 - 08 - 21), "2024-08-21", 1),
            (date!(2026 - 12 - 02), "2024-08-21", 1),
        ] {
            let rules = revisions.rules_on(date);
            assert_eq!(rules.revision, revision, "{date}");
            assert_eq!(rules.lingang.from_years, from_years, "{date}");
            assert_eq!(rules.lingang.per_year, 2);
            assert_eq!(rules.lingang.cap, Some(20));
        }
    }

    #[test]
    fn the_family_planning_veto_ends_with_2022() {
        let revisions = Revisions::bundled();
        assert!(
            revisions
                .rules_on(date!(2022 - 12 - 31))
                .family_planning_veto
        );
        assert!(
            !revisions
                .rules_on(date!(2023 - 01 - 01))
                .family_planning_veto
        );
        assert!(
            !revisions
                .rules_on(date!(2026 - 12 - 07))
                .family_planning_veto
        );
        let revision = revisions.by_id("2023-01-01").unwrap();
        assert!(
            revision.sources.len() >= 2,
            "the 2023 text names its sources"
        );
    }

    #[test]
    fn later_revisions_are_listed_for_an_old_result() {
        let revisions = Revisions::bundled();
        let later: Vec<String> = revisions
            .since("2018-01-01", date!(2026 - 12 - 02))
            .iter()
            .map(|r| r.id())
            .collect();
        assert_eq!(later, ["2023-01-01", "2023-07-01", "2024-08-21"]);
        assert!(
            revisions
                .since("2024-08-21", date!(2026 - 12 - 02))
                .is_empty()
        );
        assert_eq!(
            revisions.since("2018-01-01", date!(2024 - 01 - 01)).len(),
            2,
            "only what is in force by the date"
        );
    }

    #[test]
    fn broken_tables_are_refused() {
        let one = |date: &str, extra: &str| {
            format!(
                "[[revision]]\neffective = \"{date}\"\ntitle = \"t\"\nchanges = [\"c\"]\nsources = [{{ title = \"s\", url = \"https://x\" }}]\n{extra}\n"
            )
        };
        let all = "lingang_from_years = 3\nfamily_planning_veto = true";
        assert!(Revisions::parse(&one("2018-01-01", all)).is_ok());
        assert!(
            Revisions::parse(&one("2018-01-01", "lingang_from_years = 3")).is_err(),
            "first sets all"
        );
        let unordered = one("2020-01-01", all) + &one("2019-01-01", "");
        assert!(Revisions::parse(&unordered).is_err());
        assert!(Revisions::parse(&one("2018-13-01", all)).is_err());
        assert!(Revisions::parse(&one("2018-01-01", "lingang_from = 3")).is_err());
        assert!(Revisions::parse("revision = []").is_err());
    }
}
