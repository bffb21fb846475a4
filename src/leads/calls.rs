//! The call log: what one call to a lead was, what an advisor may write
//! about it, and what it does to the lead. Pure: no web, no database.
//!
//! Rules (issue 18): every call counts as an attempt, and an attempt keeps
//! the callback promise (see `workdays::Calendar::lead_is_overdue`).
//! Unanswered attempts (no answer, phone off) are counted since the last
//! answered one; three move the lead to its own queue section.

use time::Date;

use super::changes::{self, Refusal};
use super::status::LeadStatus;

crate::vocabulary::vocabulary! {
    /// How a call went; the code is what forms send and events store.
    pub enum CallOutcome {
        Connected => ("connected", "接通"),
        NoAnswer => ("no_answer", "未接通"),
        PoweredOff => ("powered_off", "关机"),
        InvalidNumber => ("invalid_number", "空号"),
        Declined => ("declined", "拒绝"),
    }
}

impl CallOutcome {
    /// Someone picked up (and talked, or said no).
    pub fn reached_someone(self) -> bool {
        matches!(self, Self::Connected | Self::Declined)
    }

    /// Worth trying again later: nobody picked up.
    pub fn unanswered(self) -> bool {
        matches!(self, Self::NoAnswer | Self::PoweredOff)
    }
}

/// How many unanswered attempts move a lead out of the daily queue into
/// "三次未接通".
pub const UNREACHABLE_AFTER: i64 = 3;

/// How long a revealed number stays shown to the advisor who asked.
pub const REVEAL_MINUTES: i64 = 10;

/// The "记录本次通话" form's fields, as typed (trimmed by the caller).
#[derive(Debug, Clone, Copy, Default)]
pub struct CallForm<'a> {
    pub outcome: &'a str,
    pub status: &'a str,
    pub note: &'a str,
    pub follow_up: &'a str,
}

/// A refusal of the call form, with the field it is about, so the page
/// puts the message beside that field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallRefusal {
    pub field: &'static str,
    pub message: Refusal,
}

/// A call as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub outcome: CallOutcome,
    /// The status the advisor chose, if any.
    pub status: Option<LeadStatus>,
    pub note: Option<String>,
    pub follow_up: Option<Date>,
}

const NOTE_MAX_CHARS: usize = 2000;

/// Checks the call form; `today` is the Shanghai date (a follow-up may not
/// be in the past).
pub fn call(form: CallForm<'_>, today: Date) -> Result<Call, CallRefusal> {
    let refuse = |field, message| CallRefusal { field, message };
    let outcome = match form.outcome {
        "" => return Err(refuse("outcome", "请选择本次通话结果")),
        code => CallOutcome::from_code(code).ok_or(refuse("outcome", "未知的通话结果"))?,
    };
    let status = match form.status {
        "" => None,
        code => Some(LeadStatus::from_code(code).ok_or(refuse("status", "未知的状态"))?),
    };
    let note = match form.note {
        "" => None,
        text if text.chars().count() > NOTE_MAX_CHARS => {
            return Err(refuse("note", "备注最多2000字"));
        }
        text => Some(
            changes::note(text)
                .map_err(|m| refuse("note", m))?
                .to_string(),
        ),
    };
    let follow_up =
        changes::follow_up(form.follow_up, today).map_err(|m| refuse("follow_up", m))?;
    if status == Some(LeadStatus::Invalid)
        && note.is_none()
        && outcome != CallOutcome::InvalidNumber
    {
        return Err(refuse("note", "标记为无效时请在备注中写明原因"));
    }
    Ok(Call {
        outcome,
        status,
        note,
        follow_up,
    })
}

/// What a call changes on the lead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallEffects {
    /// The new status and its reason, when it changes.
    pub status: Option<(LeadStatus, Option<String>)>,
    /// Unanswered attempts since the last answered one, after this call.
    pub unanswered_calls: i64,
    /// Whether this is the first time someone was reached.
    pub first_contact: bool,
}

impl Call {
    /// The effects on a lead in `current` status with `unanswered` attempts
    /// so far and `contacted` telling whether anyone was reached before.
    ///
    /// The status is the advisor's choice when made. Otherwise a new lead
    /// whose phone was answered becomes 已联系, and a number that does not
    /// exist makes it 无效 (reason 空号): both are what the advisor would pick.
    pub fn effects(&self, current: LeadStatus, unanswered: i64, contacted: bool) -> CallEffects {
        let automatic = match self.outcome {
            CallOutcome::InvalidNumber => Some(LeadStatus::Invalid),
            outcome if outcome.reached_someone() && current == LeadStatus::New => {
                Some(LeadStatus::Contacted)
            }
            _ => None,
        };
        let status = self
            .status
            .or(automatic)
            .filter(|status| *status != current);
        let reason = match status {
            Some(LeadStatus::Invalid) => Some(
                self.note
                    .clone()
                    .unwrap_or_else(|| self.outcome.label().to_string()),
            ),
            _ => None,
        };
        let unanswered_calls = if self.outcome.unanswered() {
            unanswered + 1
        } else if self.outcome.reached_someone() {
            0
        } else {
            unanswered
        };
        CallEffects {
            status: status.map(|status| (status, reason)),
            unanswered_calls,
            first_contact: !contacted && self.outcome.reached_someone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 12 - 02);

    fn form(outcome: &'static str) -> CallForm<'static> {
        CallForm {
            outcome,
            ..CallForm::default()
        }
    }

    fn refused(form: CallForm<'_>) -> (&'static str, &'static str) {
        let refusal = call(form, TODAY).unwrap_err();
        (refusal.field, refusal.message)
    }

    #[test]
    fn every_outcome_is_accepted_by_its_code() {
        for &outcome in CallOutcome::ALL {
            let recorded = call(form(outcome.code()), TODAY).unwrap();
            assert_eq!(recorded.outcome, outcome);
            assert_eq!(
                (recorded.status, recorded.note, recorded.follow_up),
                (None, None, None)
            );
        }
        assert_eq!(
            CallOutcome::CHOICES.iter().map(|c| c.1).collect::<Vec<_>>(),
            ["接通", "未接通", "关机", "空号", "拒绝"]
        );
    }

    #[test]
    fn bad_fields_are_refused_with_the_field_named() {
        assert_eq!(refused(form("")), ("outcome", "请选择本次通话结果"));
        assert_eq!(refused(form("busy")), ("outcome", "未知的通话结果"));
        let bad_status = CallForm {
            status: "archived",
            ..form("connected")
        };
        assert_eq!(refused(bad_status), ("status", "未知的状态"));
        let long = "备".repeat(2001);
        let long_note = CallForm {
            note: &long,
            ..form("connected")
        };
        assert_eq!(refused(long_note), ("note", "备注最多2000字"));
        let hidden = CallForm {
            note: "a\u{200B}b",
            ..form("connected")
        };
        assert_eq!(refused(hidden).0, "note");
        let past = CallForm {
            follow_up: "2026-12-01",
            ..form("no_answer")
        };
        assert_eq!(refused(past), ("follow_up", "下次跟进日期不能早于今天"));
        let not_a_date = CallForm {
            follow_up: "明天",
            ..form("no_answer")
        };
        assert_eq!(
            refused(not_a_date),
            ("follow_up", "日期格式应为 2026-12-01")
        );
        let invalid_without_reason = CallForm {
            status: "invalid",
            ..form("declined")
        };
        assert_eq!(refused(invalid_without_reason).0, "note");
    }

    #[test]
    fn a_follow_up_today_or_later_and_a_note_are_kept() {
        let recorded = call(
            CallForm {
                status: "following",
                note: "下午再打",
                follow_up: "2026-12-02",
                ..form("no_answer")
            },
            TODAY,
        )
        .unwrap();
        assert_eq!(recorded.status, Some(LeadStatus::Following));
        assert_eq!(recorded.note.as_deref(), Some("下午再打"));
        assert_eq!(recorded.follow_up, Some(TODAY));
    }

    fn effects(outcome: &'static str, current: LeadStatus, unanswered: i64) -> CallEffects {
        call(form(outcome), TODAY)
            .unwrap()
            .effects(current, unanswered, false)
    }

    #[test]
    fn unanswered_attempts_count_until_someone_answers() {
        assert_eq!(effects("no_answer", LeadStatus::New, 0).unanswered_calls, 1);
        assert_eq!(
            effects("powered_off", LeadStatus::New, 2).unanswered_calls,
            3
        );
        assert_eq!(effects("connected", LeadStatus::New, 2).unanswered_calls, 0);
        assert_eq!(
            effects("declined", LeadStatus::Contacted, 5).unanswered_calls,
            0
        );
        assert_eq!(
            effects("invalid_number", LeadStatus::New, 2).unanswered_calls,
            2
        );
        assert!(effects("powered_off", LeadStatus::New, 2).unanswered_calls >= UNREACHABLE_AFTER);
    }

    #[test]
    fn statuses_follow_the_call_unless_the_advisor_chose_one() {
        let new = LeadStatus::New;
        assert_eq!(
            effects("connected", new, 0).status,
            Some((LeadStatus::Contacted, None))
        );
        assert_eq!(
            effects("declined", new, 0).status,
            Some((LeadStatus::Contacted, None))
        );
        assert_eq!(effects("no_answer", new, 0).status, None);
        assert_eq!(effects("connected", LeadStatus::Following, 0).status, None);
        assert_eq!(
            effects("invalid_number", LeadStatus::Following, 0).status,
            Some((LeadStatus::Invalid, Some("空号".into())))
        );
        let chosen = call(
            CallForm {
                status: "signed",
                ..form("connected")
            },
            TODAY,
        )
        .unwrap();
        assert_eq!(
            chosen.effects(new, 0, false).status,
            Some((LeadStatus::Signed, None))
        );
        let unchanged = call(
            CallForm {
                status: "new",
                ..form("no_answer")
            },
            TODAY,
        )
        .unwrap();
        assert_eq!(unchanged.effects(new, 0, false).status, None);
        let invalid = call(
            CallForm {
                status: "invalid",
                note: "不是本人",
                ..form("declined")
            },
            TODAY,
        )
        .unwrap();
        assert_eq!(
            invalid.effects(new, 0, false).status,
            Some((LeadStatus::Invalid, Some("不是本人".into())))
        );
    }

    #[test]
    fn the_first_contact_is_the_first_call_someone_answered() {
        let connected = call(form("connected"), TODAY).unwrap();
        assert!(connected.effects(LeadStatus::New, 0, false).first_contact);
        assert!(!connected.effects(LeadStatus::New, 0, true).first_contact);
        let no_answer = call(form("no_answer"), TODAY).unwrap();
        assert!(!no_answer.effects(LeadStatus::New, 0, false).first_contact);
    }
}
