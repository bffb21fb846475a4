//! The rules engine of RULES.md (rule set `sh-2017`): `Profile` -> `Assessment`.
//! Pure: no web, no database, no clock (the caller passes the date).

mod assessment;
pub mod eligibility;
mod engine;
mod evaluate;
pub mod input;
pub mod materials;
pub mod plan;
mod profile;
pub mod revisions;
pub mod school;
pub mod steps;
pub mod tables;
pub mod verdict;
pub mod wages;

pub use assessment::{
    Assessment, Dependency, Effort, Item, Projection, Recorded, ReferenceWageUsed, Route,
    Suggestion,
};
pub use eligibility::EligibilityNote;
pub use engine::{Basis, assess, assess_on, total_on, vetoed};
pub use evaluate::{evaluate, evaluate_on, replay};
pub use input::{FieldErrors, parse_answers};
pub use profile::{Award, ContributionTier, Education, Profile, Qualification, Unknowns};
pub use revisions::{Revision, Revisions};
pub use verdict::{Blocker, Verdict};
pub use wages::{ReferenceWages, WagePeriod, YearMonth};

#[cfg(test)]
mod tests;
