//! What an advisor may write on a lead: a note, a status with its reason, a
//! follow-up date, an assignee. Each is checked here, with the Chinese
//! message the lead page shows when it is refused. Pure.

use time::Date;

use super::form::has_invisible_character;
use super::status::LeadStatus;

const NOTE_MAX_CHARS: usize = 2000;
const REASON_MAX_CHARS: usize = 200;
/// Free text refuses format characters (bidi, zero-width), as every form does.
const INVISIBLE_NOTE: &str =
    "备注包含看不见的特殊字符（如零宽空格、文字方向控制符），请删除后重新填写";
const INVISIBLE_REASON: &str =
    "原因包含看不见的特殊字符（如零宽空格、文字方向控制符），请删除后重新填写";

/// Why a change was refused, in Chinese for the lead page.
pub type Refusal = &'static str;

/// A `YYYY-MM-DD` date (surrounding spaces allowed).
pub fn parse_date(text: &str) -> Option<Date> {
    Date::parse(
        text.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()
}

/// A note's text (already trimmed): not empty, not too long, nothing invisible.
pub fn note(text: &str) -> Result<&str, Refusal> {
    let chars = text.chars().count();
    if chars == 0 {
        Err("请填写备注内容")
    } else if chars > NOTE_MAX_CHARS {
        Err("备注最多2000字")
    } else if has_invisible_character(text, true) {
        Err(INVISIBLE_NOTE)
    } else {
        Ok(text)
    }
}

/// A new status and its optional reason (both already trimmed); marking a
/// lead invalid needs a reason.
pub fn status(code: &str, reason: &str) -> Result<(LeadStatus, Option<String>), Refusal> {
    let status = LeadStatus::from_code(code).ok_or("未知的状态")?;
    if status == LeadStatus::Invalid && reason.is_empty() {
        return Err("标记为无效时请填写原因");
    }
    if reason.chars().count() > REASON_MAX_CHARS {
        return Err("原因最多200字");
    }
    if has_invisible_character(reason, false) {
        return Err(INVISIBLE_REASON);
    }
    Ok((status, (!reason.is_empty()).then(|| reason.to_string())))
}

/// The next follow-up date, today (Shanghai) or later; empty clears it.
pub fn follow_up(text: &str, today: Date) -> Result<Option<Date>, Refusal> {
    if text.is_empty() {
        return Ok(None);
    }
    match parse_date(text) {
        None => Err("日期格式应为 2026-12-01"),
        Some(date) if date < today => Err("下次跟进日期不能早于今天"),
        Some(date) => Ok(Some(date)),
    }
}

/// Refused when the chosen advisor does not exist or no longer works here.
pub const UNKNOWN_ADVISOR: Refusal = "该顾问不存在或已停用";

/// The assign form's choice: empty for nobody, else an advisor's id.
pub fn assignee(value: &str) -> Result<Option<i64>, Refusal> {
    if value.is_empty() {
        return Ok(None);
    }
    value
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .map(Some)
        .ok_or(UNKNOWN_ADVISOR)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes() {
        assert_eq!(note("下午回电"), Ok("下午回电"));
        assert_eq!(note(""), Err("请填写备注内容"));
        assert!(note(&"备".repeat(2001)).is_err());
        assert_eq!(note("a\u{202E}b"), Err(INVISIBLE_NOTE));
        assert_eq!(note("第一行\n第二行"), Ok("第一行\n第二行"));
    }

    #[test]
    fn statuses_and_reasons() {
        assert_eq!(status("contacted", ""), Ok((LeadStatus::Contacted, None)));
        assert_eq!(status("archived", ""), Err("未知的状态"));
        assert_eq!(status("invalid", ""), Err("标记为无效时请填写原因"));
        assert_eq!(
            status("invalid", "空号"),
            Ok((LeadStatus::Invalid, Some("空号".into())))
        );
        assert_eq!(status("signed", "a\nb"), Err(INVISIBLE_REASON));
        assert!(status("signed", &"因".repeat(201)).is_err());
    }

    #[test]
    fn follow_ups_and_assignees() {
        let today = time::macros::date!(2026 - 12 - 01);
        assert_eq!(follow_up("", today), Ok(None));
        assert_eq!(follow_up("2026-12-01", today), Ok(Some(today)));
        assert_eq!(
            follow_up("2026-11-30", today),
            Err("下次跟进日期不能早于今天")
        );
        assert!(follow_up("next tuesday", today).is_err());
        assert_eq!(assignee(""), Ok(None));
        assert_eq!(assignee("7"), Ok(Some(7)));
        assert_eq!(assignee("王老师"), Err(UNKNOWN_ADVISOR));
        assert_eq!(assignee("-1"), Err(UNKNOWN_ADVISOR));
    }
}
