//! What a lead alert says in a group chat: a short Markdown card with the
//! interest, the score, the masked phone, the lead's age and its link. Only
//! what the alert holds is shown, so never a name or a full phone.

use time::OffsetDateTime;

use crate::leads::alerts::{AlertChannel, AlertEvent, LeadAlert};
use crate::leads::form::Interest;
use crate::leads::{score_band, score_band_label};

/// An alert as a robot shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertText {
    /// The notification preview (钉钉 shows it; 企业微信 has none).
    pub title: String,
    pub markdown: String,
}

/// The card for `alert` on `channel`, its age counted to `now` (when the
/// alert was raised, so that every try sends the same text).
pub fn compose(
    channel: AlertChannel,
    alert: &LeadAlert,
    public_url: &str,
    now: OffsetDateTime,
) -> AlertText {
    let urgent = if alert.school.as_ref().is_some_and(|s| s.urgent) {
        "【急】"
    } else {
        ""
    };
    let (title, call_to_action) = match alert.event {
        AlertEvent::NewLead => (
            format!("{urgent}新线索 #{}", alert.lead_id),
            "请在1个工作日内联系",
        ),
        AlertEvent::Overdue => (
            format!("线索 #{} 已超时未联系", alert.lead_id),
            "已超过“1个工作日内沟通”的承诺，请尽快联系",
        ),
    };
    let link = format!("{public_url}/admin/leads/{}", alert.lead_id);
    let school = alert.school.as_ref().map(|school| school.line());
    let lines = [
        Some(format!("**{title}**")),
        Some(format!(
            "意向：{}",
            Interest::asked(&alert.interest).label()
        )),
        Some(format!("自测分数：{}", score_text(alert.total))),
        school,
        // In a code span: the mask's asterisks are not Markdown emphasis.
        Some(format!("电话：`{}`", alert.masked_phone)),
        Some(format!(
            "提交于：{}",
            submitted_text(&alert.created_at, now)
        )),
        Some(format!("{call_to_action}：[查看线索]({link})")),
    ];
    let lines: Vec<String> = lines.into_iter().flatten().collect();
    // 钉钉's Markdown joins single line breaks into one paragraph.
    let separator = match channel {
        AlertChannel::WeCom => "\n",
        AlertChannel::DingTalk => "\n\n",
    };
    AlertText {
        title,
        markdown: lines.join(separator),
    }
}

/// `108分（差20分以内）`, or that no self-test is attached.
fn score_text(total: Option<i64>) -> String {
    match total.and_then(|total| i32::try_from(total).ok()) {
        Some(total) => format!("{total}分（{}）", score_band_label(score_band(Some(total)))),
        None => score_band_label(score_band(None)).to_string(),
    }
}

/// `12月2日 16:30（5分钟前）` in Shanghai time.
fn submitted_text(created_at: &str, now: OffsetDateTime) -> String {
    let Some(created) = crate::clock::parse_iso(created_at) else {
        return "未知".into();
    };
    let local = created.to_offset(time::macros::offset!(+8));
    format!(
        "{}月{}日 {:02}:{:02}（{}前）",
        u8::from(local.month()),
        local.day(),
        local.hour(),
        local.minute(),
        age_text((now - created).whole_seconds())
    )
}

/// A lead's age in words: minutes, then hours, then days.
pub fn age_text(seconds: i64) -> String {
    let minutes = seconds.max(0) / 60;
    let (days, hours, minutes) = (minutes / 1440, minutes % 1440 / 60, minutes % 60);
    match (days, hours, minutes) {
        (0, 0, 0) => "不到1分钟".into(),
        (0, 0, minutes) => format!("{minutes}分钟"),
        (0, hours, 0) => format!("{hours}小时"),
        (0, hours, minutes) => format!("{hours}小时{minutes}分钟"),
        (days, 0, _) => format!("{days}天"),
        (days, hours, _) => format!("{days}天{hours}小时"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn alert(event: AlertEvent, total: Option<i64>) -> LeadAlert {
        LeadAlert::new(
            event,
            42,
            "planning",
            total,
            "13812345678",
            "2026-12-02T08:30:00.000Z",
        )
    }

    /// A near, at-risk 中考 is marked urgent; the card names the year and
    /// the status and nothing more of the child.
    #[test]
    fn an_urgent_child_is_marked_and_named_by_year_and_status_only() {
        let now = datetime!(2026-12-02 08:35 UTC);
        let school = crate::leads::alerts::SchoolNote {
            zhongkao_year: 2027,
            status: "late_route".into(),
            urgent: true,
        };
        let text = compose(
            AlertChannel::WeCom,
            &alert(AlertEvent::NewLead, Some(90)).with_school(Some(school)),
            "https://hujifen.example",
            now,
        );
        assert!(text.title.starts_with("【急】新线索 #42"), "{}", text.title);
        assert!(
            text.markdown.contains("孩子2027年中考 · 只能走补报名"),
            "{}",
            text.markdown
        );
        let calm = compose(
            AlertChannel::WeCom,
            &alert(AlertEvent::NewLead, Some(90)),
            "https://hujifen.example",
            now,
        );
        assert!(!calm.title.contains("急") && !calm.markdown.contains("孩子"));
    }

    #[test]
    fn a_new_lead_card_names_what_advisors_need_and_no_more() {
        let now = datetime!(2026-12-02 08:35 UTC);
        let text = compose(
            AlertChannel::WeCom,
            &alert(AlertEvent::NewLead, Some(108)),
            "https://hujifen.example",
            now,
        );
        assert_eq!(text.title, "新线索 #42");
        assert_eq!(
            text.markdown,
            "**新线索 #42**\n意向：一对一规划\n自测分数：108分（差20分以内）\n电话：`138****5678`\n\
             提交于：12月2日 16:30（5分钟前）\n请在1个工作日内联系：[查看线索](https://hujifen.example/admin/leads/42)"
        );
        assert!(!text.markdown.contains("13812345678"));
    }

    #[test]
    fn an_overdue_card_says_so_and_dingtalk_gets_paragraphs() {
        let now = datetime!(2026-12-04 10:30 UTC);
        let text = compose(
            AlertChannel::DingTalk,
            &alert(AlertEvent::Overdue, None),
            "https://hujifen.example",
            now,
        );
        assert_eq!(text.title, "线索 #42 已超时未联系");
        assert!(
            text.markdown.contains("\n\n自测分数：未附自测结果\n\n"),
            "{}",
            text.markdown
        );
        assert!(
            text.markdown.contains("（2天2小时前）"),
            "{}",
            text.markdown
        );
        assert!(text.markdown.contains("已超过“1个工作日内沟通”的承诺"));
    }

    #[test]
    fn ages_read_naturally() {
        assert_eq!(age_text(-5), "不到1分钟");
        assert_eq!(age_text(59), "不到1分钟");
        assert_eq!(age_text(300), "5分钟");
        assert_eq!(age_text(7200), "2小时");
        assert_eq!(age_text(7260), "2小时1分钟");
        assert_eq!(age_text(86_400 * 3 + 59), "3天");
        assert_eq!(age_text(86_400 * 3 + 3600 * 5 + 600), "3天5小时");
    }
}
