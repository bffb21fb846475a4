//! A lead's timeline, typed: each kind of event names its fields, and knows
//! which of them hold personal data (what a visitor or an advisor typed
//! about the person). The retention job and the privacy deletion blank
//! exactly those through [`LeadEvent::without_personal_data`], whose match
//! has no wildcard: a new kind does not compile until it says what it holds.
//!
//! Stored as the `kind` column and the other fields as a JSON `detail`, the
//! layout the timeline had before it was typed, so old rows still read.

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LeadEvent {
    // Every field has a default: the retention job before typed events
    // blanked some kinds to `{}`, and those rows must still read.
    /// The first callback request.
    Created {
        #[serde(default)]
        interest: String,
        #[serde(default)]
        source: String,
        /// The result token attached: a key to the person's answers.
        #[serde(default)]
        assessment: Option<String>,
    },
    /// The same phone asked again; the lead was updated.
    RepeatRequest {
        #[serde(default)]
        interest: String,
        #[serde(default)]
        source: String,
        /// The result token attached this time: a key to the person's answers.
        #[serde(default)]
        assessment: Option<String>,
        #[serde(default)]
        organisation: Option<String>,
    },
    /// An advisor's free-text note about the person.
    Note {
        #[serde(default)]
        text: String,
    },
    StatusChanged {
        #[serde(default)]
        from: String,
        #[serde(default)]
        to: String,
        /// Why it was closed, in the advisor's words.
        #[serde(default)]
        reason: Option<String>,
    },
    /// Advisor names are the site's staff, not the visitor's data.
    Assigned {
        #[serde(default)]
        advisor_id: Option<i64>,
        #[serde(default)]
        advisor: Option<String>,
    },
    FollowUpSet {
        #[serde(default)]
        date: Option<String>,
    },
    PhoneRevealed,
    /// One call attempt; the note is what was said.
    Call {
        #[serde(default)]
        outcome: String,
        #[serde(default)]
        note: Option<String>,
        #[serde(default)]
        attempt: i64,
    },
    MarketingWithdrawn,
    /// The retention job blanked the lead.
    Anonymised,
}

impl LeadEvent {
    /// The `kind` column.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Created { .. } => "created",
            Self::RepeatRequest { .. } => "repeat_request",
            Self::Note { .. } => "note",
            Self::StatusChanged { .. } => "status_changed",
            Self::Assigned { .. } => "assigned",
            Self::FollowUpSet { .. } => "follow_up_set",
            Self::PhoneRevealed => "phone_revealed",
            Self::Call { .. } => "call",
            Self::MarketingWithdrawn => "marketing_withdrawn",
            Self::Anonymised => "anonymised",
        }
    }

    /// The event with every field that holds personal data blanked, the
    /// rest kept (an anonymised timeline still says a call was unanswered).
    pub fn without_personal_data(self) -> Self {
        match self {
            Self::RepeatRequest {
                interest, source, ..
            } => Self::RepeatRequest {
                interest,
                source,
                assessment: None,
                organisation: None,
            },
            Self::Note { .. } => Self::Note {
                text: String::new(),
            },
            Self::StatusChanged { from, to, .. } => Self::StatusChanged {
                from,
                to,
                reason: None,
            },
            Self::Call {
                outcome, attempt, ..
            } => Self::Call {
                outcome,
                note: None,
                attempt,
            },
            // Nothing about the person in these. Each field is named,
            // so a field added later must be placed on one side or the other.
            Self::Created {
                interest, source, ..
            } => Self::Created {
                interest,
                source,
                assessment: None,
            },
            Self::Assigned {
                advisor_id,
                advisor,
            } => Self::Assigned {
                advisor_id,
                advisor,
            },
            Self::FollowUpSet { date } => Self::FollowUpSet { date },
            event @ (Self::PhoneRevealed | Self::MarketingWithdrawn | Self::Anonymised) => event,
        }
    }

    /// The `detail` column: the fields without the kind.
    pub fn detail(&self) -> String {
        let mut value = serde_json::to_value(self).unwrap_or(Value::Null);
        if let Some(fields) = value.as_object_mut() {
            fields.remove("kind");
        }
        match value {
            Value::Object(_) => value.to_string(),
            _ => "{}".to_string(),
        }
    }

    /// An event as stored; None for a kind or a detail this build does not
    /// know (shown by its kind, and blanked whole by the retention job).
    pub fn from_stored(kind: &str, detail: &str) -> Option<Self> {
        let mut value: Value = serde_json::from_str(detail).ok()?;
        value
            .as_object_mut()?
            .insert("kind".into(), Value::String(kind.to_string()));
        serde_json::from_value(value).ok()
    }

    /// One event of every kind, with `marker` (and a name and a phone) in
    /// every field that could hold what someone typed: what the tests that
    /// prove anonymisation plant. The unit test's `kind_index` has no
    /// wildcard, so a new kind must be added there, and then here, or
    /// `every_kind_is_planted` fails.
    pub fn every_kind(marker: &str) -> Vec<LeadEvent> {
        let text = || format!("张三 13812345678 {marker}");
        vec![
            Self::Created {
                interest: "planning".into(),
                source: "self_test".into(),
                assessment: Some(text()),
            },
            Self::RepeatRequest {
                interest: "institution".into(),
                source: "consultation".into(),
                assessment: Some(text()),
                organisation: Some(text()),
            },
            Self::Note { text: text() },
            Self::StatusChanged {
                from: "new".into(),
                to: "closed".into(),
                reason: Some(text()),
            },
            Self::Assigned {
                advisor_id: Some(1),
                advisor: Some("顾问".into()),
            },
            Self::FollowUpSet {
                date: Some("2026-12-09".into()),
            },
            Self::PhoneRevealed,
            Self::Call {
                outcome: "answered".into(),
                note: Some(text()),
                attempt: 2,
            },
            Self::MarketingWithdrawn,
            Self::Anonymised,
        ]
    }

    /// The result token this event attached, if any.
    pub fn attached_result(&self) -> Option<&str> {
        match self {
            Self::Created { assessment, .. } | Self::RepeatRequest { assessment, .. } => {
                assessment.as_deref()
            }
            _ => None,
        }
    }

    /// The detail to store after anonymising a stored event: its fields
    /// without personal data, or `{}` when it cannot be read.
    pub fn anonymised_detail(kind: &str, detail: &str) -> String {
        Self::from_stored(kind, detail)
            .map(|event| event.without_personal_data().detail())
            .unwrap_or_else(|| "{}".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind_index(event: &LeadEvent) -> usize {
        match event {
            LeadEvent::Created { .. } => 0,
            LeadEvent::RepeatRequest { .. } => 1,
            LeadEvent::Note { .. } => 2,
            LeadEvent::StatusChanged { .. } => 3,
            LeadEvent::Assigned { .. } => 4,
            LeadEvent::FollowUpSet { .. } => 5,
            LeadEvent::PhoneRevealed => 6,
            LeadEvent::Call { .. } => 7,
            LeadEvent::MarketingWithdrawn => 8,
            LeadEvent::Anonymised => 9,
        }
    }

    #[test]
    fn every_kind_is_planted() {
        let indices: Vec<usize> = LeadEvent::every_kind("x").iter().map(kind_index).collect();
        assert_eq!(indices, (0..10).collect::<Vec<_>>());
    }

    #[test]
    fn no_personal_text_survives_anonymisation() {
        for event in LeadEvent::every_kind("PLANTED") {
            let kind = event.kind();
            let stored = event.detail();
            let blanked = LeadEvent::anonymised_detail(kind, &stored);
            assert!(!blanked.contains("PLANTED"), "{kind}: {blanked}");
            assert!(!blanked.contains("13812345678"), "{kind}: {blanked}");
            assert!(
                LeadEvent::from_stored(kind, &blanked).is_some(),
                "{kind}: an anonymised event still reads"
            );
        }
    }

    #[test]
    fn events_round_trip_in_the_stored_layout() {
        for event in LeadEvent::every_kind("x") {
            let detail = event.detail();
            assert!(!detail.contains("\"kind\""), "{detail}");
            assert_eq!(
                LeadEvent::from_stored(event.kind(), &detail).as_ref(),
                Some(&event)
            );
        }
        // Rows written before the timeline was typed.
        assert_eq!(
            LeadEvent::from_stored("note", r#"{"text":"回电"}"#),
            Some(LeadEvent::Note {
                text: "回电".into()
            })
        );
        assert_eq!(
            LeadEvent::from_stored("note", "{}"),
            Some(LeadEvent::Note {
                text: String::new()
            }),
            "a note blanked by the old retention job"
        );
        assert_eq!(
            LeadEvent::from_stored("phone_revealed", "{}"),
            Some(LeadEvent::PhoneRevealed)
        );
        // Kinds the old retention job blanked to `{}` still read.
        for kind in ["status_changed", "repeat_request", "call", "created"] {
            assert!(LeadEvent::from_stored(kind, "{}").is_some(), "{kind}");
        }
        assert_eq!(LeadEvent::from_stored("mystery", r#"{"a":1}"#), None);
        assert_eq!(
            LeadEvent::anonymised_detail("mystery", r#"{"a":"张三"}"#),
            "{}"
        );
        assert_eq!(LeadEvent::anonymised_detail("note", "not json"), "{}");
    }
}
