//! The emails the site sends, each a type that renders its own subject and
//! body. They name a lead by its id, never by a name or phone.

use serde::Deserialize;

use crate::db::outbox::OutboxMessage;
use crate::leads::alerts::SchoolNote;
use crate::leads::form::Interest;
use crate::leads::score_band_label;

/// An email as it is sent: subject and plain-text body, and the
/// Message-ID every try of it carries (set by the mailer from its outbox
/// row), so a mail client shows a resent message once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailMessage {
    pub subject: String,
    pub body: String,
    pub message_id: Option<String>,
}

/// A kind of email: what it says, rendered from its own data.
pub trait Email {
    fn subject(&self) -> String;
    fn body(&self) -> String;

    fn render(&self) -> EmailMessage {
        EmailMessage {
            subject: self.subject(),
            body: self.body(),
            message_id: None,
        }
    }
}

/// The email an outbox row asks for, by its kind.
pub fn from_outbox(message: &OutboxMessage, public_url: &str) -> Result<EmailMessage, String> {
    match message.kind.as_str() {
        NewLeadEmail::KIND => {
            Ok(NewLeadEmail::from_payload(&message.payload, public_url)?.render())
        }
        SmsBudgetAlertEmail::KIND => {
            Ok(SmsBudgetAlertEmail::from_payload(&message.payload)?.render())
        }
        DiskSpaceAlertEmail::KIND => Ok(parse::<DiskSpaceAlertEmail>(&message.payload)?.render()),
        other => Err(format!("unknown outbox kind {other:?}")),
    }
}

fn parse<'a, T: Deserialize<'a>>(payload: &'a str) -> Result<T, String> {
    serde_json::from_str(payload).map_err(|error| format!("payload: {error}"))
}

/// Advisors are told of a new callback request (or a repeated one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLeadEmail {
    pub lead_id: i64,
    pub interest: Interest,
    /// The score band code (`near`, …).
    pub band: String,
    /// A visitor with a lead already asked again.
    pub repeat: bool,
    /// The lead's page in the admin area.
    pub link: String,
    /// The child's 中考 year and status, when a child was named.
    pub school: Option<SchoolNote>,
}

impl NewLeadEmail {
    /// The outbox kind written with each new lead.
    pub const KIND: &'static str = "lead_notification";

    pub fn from_payload(payload: &str, public_url: &str) -> Result<Self, String> {
        #[derive(Deserialize)]
        struct Payload {
            lead_id: i64,
            interest: String,
            band: String,
            #[serde(default)]
            repeat: bool,
            #[serde(default)]
            school: Option<SchoolNote>,
        }
        let lead: Payload = parse(payload)?;
        Ok(Self {
            lead_id: lead.lead_id,
            interest: Interest::asked(&lead.interest),
            band: lead.band,
            repeat: lead.repeat,
            link: format!("{public_url}/admin/leads/{}", lead.lead_id),
            school: lead.school,
        })
    }

    fn labels(&self) -> (&'static str, &'static str) {
        (self.interest.label(), score_band_label(&self.band))
    }
}

impl Email for NewLeadEmail {
    fn subject(&self) -> String {
        let (interest, band) = self.labels();
        let urgent = if self.school.as_ref().is_some_and(|s| s.urgent) {
            "【急】"
        } else {
            ""
        };
        if self.repeat {
            format!(
                "【沪积分】{urgent}线索 #{} 再次请求回电（{interest} · {band}）",
                self.lead_id
            )
        } else {
            format!(
                "【沪积分】{urgent}新线索 #{}（{interest} · {band}）",
                self.lead_id
            )
        }
    }

    fn body(&self) -> String {
        let (interest, band) = self.labels();
        let opening = if self.repeat {
            "一位已有线索的访客再次提交了回电请求。"
        } else {
            "有一条新的回电请求。"
        };
        let school = self
            .school
            .as_ref()
            .map(|s| format!("\n{}", s.line()))
            .unwrap_or_default();
        format!(
            "{opening}\n\n线索编号：{}\n意向：{interest}\n自测分数段：{band}{school}\n\n请在1个工作日内联系，详情请登录后台查看：\n{}\n\n为保护个人信息，邮件中不含访客姓名和电话。\n",
            self.lead_id, self.link
        )
    }
}

/// The operator's warning that the day's SMS budget is being spent.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SmsBudgetAlertEmail {
    /// The budget level reached: `elevated`, `high`, `reserve` or `exhausted`.
    pub level: String,
    pub sent: u32,
    pub budget: u32,
}

impl SmsBudgetAlertEmail {
    /// The outbox kind written when a budget level is first reached in a day.
    pub const KIND: &'static str = "sms_budget_alert";

    pub fn from_payload(payload: &str) -> Result<Self, String> {
        parse(payload)
    }
}

impl Email for SmsBudgetAlertEmail {
    fn subject(&self) -> String {
        format!(
            "【沪积分】短信额度提醒：今日已发送{}/{}条",
            self.sent, self.budget
        )
    }

    fn body(&self) -> String {
        let what = match self.level.as_str() {
            "elevated" => "已用过半，人机验证已加难",
            "high" => "已用八成，人机验证再加难",
            "reserve" => "进入保留额度，只为今天未获取过验证码的号码和网络发送",
            _ => "已用完，今天不再发送验证码",
        };
        format!(
            "今天的短信验证码额度{what}。\n\n已发送：{} 条，每日额度：{} 条（HUJIFEN_SMS_DAILY_BUDGET）。\n\n如果不是正常访问量，可能有人在批量获取验证码：请查看日志中的 \"SMS limit reached\" 记录；如确属正常增长，可调高每日额度后重启。\n",
            self.sent, self.budget
        )
    }
}

/// The operator's warning that the data folder's disk is filling up.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct DiskSpaceAlertEmail {
    /// `low` or `critical`.
    pub level: String,
    pub free_mb: u64,
    pub warn_free_mb: u64,
    /// The folder whose disk is measured.
    pub folder: String,
}

impl DiskSpaceAlertEmail {
    pub const KIND: &'static str = "disk_space_alert";
}

impl Email for DiskSpaceAlertEmail {
    fn subject(&self) -> String {
        let what = if self.level == "critical" {
            "磁盘空间即将用完"
        } else {
            "磁盘空间不足"
        };
        format!("【沪积分】{what}：剩余{} MB", self.free_mb)
    }

    fn body(&self) -> String {
        format!(
            "数据目录 {} 所在磁盘只剩 {} MB（提醒线 {} MB，HUJIFEN_DISK_WARN_FREE_MB）。\n\n磁盘写满后，新的回电请求也将无法保存。请尽快清理或扩容：先看日志文件和备份是否占用过多；如果数据库增长异常，请查看日志中的 \"self-test result shown but not stored\" 和 \"replayed captcha solution refused\" 记录。\n\n在空间恢复之前，每天会再提醒一次。\n",
            self.folder, self.free_mb, self.warn_free_mb
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_disk_alert_says_how_much_is_left_and_what_to_do() {
        let message = OutboxMessage {
            id: 1,
            kind: DiskSpaceAlertEmail::KIND.into(),
            payload: r#"{"level":"critical","free_mb":300,"warn_free_mb":2048,"folder":"data"}"#
                .into(),
            attempts: 0,
            created_at: 1_800_000_000,
        };
        let email = from_outbox(&message, "https://hujifen.example").unwrap();
        assert!(email.subject.contains("即将用完") && email.subject.contains("300 MB"));
        assert!(email.body.contains("2048 MB") && email.body.contains("回电请求"));
    }
}
