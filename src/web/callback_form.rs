//! The callback form as the templates see it, on the result page and on
//! `/consultation`.

use crate::form::{FieldErrors, RawFields, is_checked};
use crate::leads::form::{FIELDS, Interest};

/// A self-test result attached to the request.
#[derive(Debug, Clone)]
pub struct AttachedAssessment {
    pub token: String,
    pub total: i32,
    /// Whether the visitor answered a deduction or veto question: only
    /// then is there anything to share (the box is shown).
    pub has_sensitive: bool,
}

pub struct CallbackForm {
    pub values: RawFields,
    pub errors: FieldErrors,
    pub interest: Interest,
    pub assessment: Option<AttachedAssessment>,
    pub idempotency_key: String,
    /// Where the form is shown: "result" or "consultation".
    pub source: &'static str,
    /// A status line, e.g. that a code was sent.
    pub notice: Option<String>,
    /// Seconds until 立即获取 may be used again, when a countdown runs.
    pub code_wait_seconds: Option<i64>,
}

impl CallbackForm {
    pub fn blank(
        interest: Interest,
        assessment: Option<AttachedAssessment>,
        source: &'static str,
    ) -> Self {
        Self {
            values: RawFields::new(),
            errors: FieldErrors::default(),
            interest,
            assessment,
            idempotency_key: crate::tokens::random_token(),
            source,
            notice: None,
            code_wait_seconds: None,
        }
    }

    /// The form again after a submission: typed values, the same key (so a
    /// later double submit still makes one lead), messages in form order.
    pub fn resubmitted(
        raw: RawFields,
        mut errors: FieldErrors,
        assessment: Option<AttachedAssessment>,
    ) -> Self {
        errors.sort_by_fields(FIELDS.iter().copied());
        let key = raw
            .get("idempotency_key")
            .map(|key| key.trim().to_string())
            .filter(|key| {
                (16..=64).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_alphanumeric())
            })
            .unwrap_or_else(crate::tokens::random_token);
        let source = if raw.get("source").map(String::as_str) == Some("result") {
            "result"
        } else {
            "consultation"
        };
        Self {
            interest: Interest::asked(raw.get("interest").map_or("", String::as_str)),
            values: raw,
            errors,
            assessment,
            idempotency_key: key,
            source,
            notice: None,
            code_wait_seconds: None,
        }
    }

    pub fn value(&self, name: &str) -> &str {
        self.values.get(name).map_or("", |value| value.as_str())
    }

    pub fn checked(&self, name: &str) -> bool {
        is_checked(self.values.get(name).map(String::as_str))
    }

    pub fn error(&self, name: &str) -> Option<&str> {
        self.errors.get(name)
    }

    pub fn summary(&self) -> Vec<(&'static str, String)> {
        self.errors
            .iter()
            .map(|(name, message)| (name, message.to_string()))
            .collect()
    }

    pub fn is_institution(&self) -> bool {
        self.interest == Interest::Institution
    }
}
