//! What a lead keeps of the self-test it came with: the answers and the
//! result as the visitor saw them, minus the deduction and veto answers
//! unless the visitor chose to share them.

use serde::{Deserialize, Serialize};

use crate::scoring::{Assessment, Profile, ReferenceWages, evaluate};

/// The answers that are sensitive personal information.
pub const SENSITIVE_FIELDS: &[&str] = &[
    "false_material_count",
    "detention_count",
    "criminal_count",
    "serious_criminal",
    "family_planning_violation",
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub token: String,
    /// Whether the deduction and veto answers are included.
    pub sensitive_shared: bool,
    /// The answers; without consent the sensitive fields are absent (not
    /// zero, which would claim a clean record).
    pub answers: serde_json::Map<String, serde_json::Value>,
    pub result: Assessment,
}

impl Snapshot {
    /// Without consent to share, the sensitive answers are dropped and the
    /// result is scored again without them (same date), so neither the items
    /// nor the total reveal them.
    pub fn build(
        token: &str,
        answers: &Profile,
        result: &Assessment,
        share_sensitive: bool,
        wages: &ReferenceWages,
    ) -> Self {
        let mut fields = match serde_json::to_value(answers) {
            Ok(serde_json::Value::Object(fields)) => fields,
            _ => serde_json::Map::new(),
        };
        if share_sensitive {
            return Self {
                token: token.into(),
                sensitive_shared: true,
                answers: fields,
                result: result.clone(),
            };
        }
        for field in SENSITIVE_FIELDS {
            fields.remove(*field);
        }
        Self {
            token: token.into(),
            sensitive_shared: false,
            answers: fields,
            result: evaluate(&answers.without_sensitive(), result.assessed_on, wages),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scoring::{Education, assess};

    #[test]
    fn sensitive_answers_stay_out_unless_shared() {
        let wages = ReferenceWages::bundled();
        let answers = Profile {
            age: 33,
            education: Education::BachelorDegree,
            insurance_months: 36,
            detention_count: 1,
            serious_criminal: true,
            ..Profile::default()
        };
        let result = assess(&answers, time::macros::date!(2026 - 11 - 28), &wages);
        assert_eq!(result.total, 79);

        let private = Snapshot::build("t", &answers, &result, false, &wages);
        assert!(!private.sensitive_shared);
        for field in SENSITIVE_FIELDS {
            assert!(!private.answers.contains_key(*field), "{field}");
        }
        assert_eq!(private.answers["age"], 33);
        assert_eq!(private.result.total, 129);
        assert!(!private.result.vetoed);
        assert!(
            private
                .result
                .items
                .iter()
                .all(|i| i.code != "detention" && i.code != "serious_criminal")
        );
        let json = serde_json::to_string(&private).unwrap();
        assert!(
            !json.contains("行政拘留") && !json.contains("严重刑事") && !json.contains("detention")
        );

        let shared = Snapshot::build("t", &answers, &result, true, &wages);
        assert!(shared.sensitive_shared);
        assert_eq!(shared.result, result);
    }
}
