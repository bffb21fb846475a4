//! The rules engine of RULES.md (rule set `sh-2017`): `Profile` -> `Assessment`.
//! Pure: no web, no database, no clock (the caller passes the date).

pub mod eligibility;
mod engine;
pub mod input;
pub mod materials;
pub mod plan;
mod profile;
pub mod tables;
pub mod wages;

pub use eligibility::EligibilityNote;
pub use engine::{Assessment, Item, ReferenceWageUsed, add_plan, assess, evaluate};
pub use input::{FieldErrors, parse_answers};
pub use profile::{Award, ContributionTier, Education, Profile, Qualification, Unknowns};
pub use wages::{ReferenceWages, WagePeriod, YearMonth};

#[cfg(test)]
mod tests;
