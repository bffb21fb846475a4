//! Lead alerts for the advisors' group chats (企业微信, 钉钉): which robots
//! there are, and what an alert carries. Each configured robot gets its own
//! outbox row, so one failing robot never makes another repeat a message.
//! An alert holds the phone masked from the moment it is made: the full
//! number and the name never reach the outbox or a chat.

use super::school::LeadSchool;
use crate::scoring::school::Status;
use serde::{Deserialize, Serialize};

use super::phone::mask_phone;

/// A group-chat robot that announces leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AlertChannel {
    /// 企业微信 group robot.
    WeCom,
    /// 钉钉 group robot with 加签.
    DingTalk,
}

impl AlertChannel {
    pub const ALL: [AlertChannel; 2] = [AlertChannel::WeCom, AlertChannel::DingTalk];

    /// The outbox kind of this robot's rows.
    pub fn outbox_kind(self) -> &'static str {
        match self {
            AlertChannel::WeCom => "wecom_alert",
            AlertChannel::DingTalk => "dingtalk_alert",
        }
    }

    /// The robot an outbox kind belongs to; None for other kinds (email).
    pub fn of_outbox_kind(kind: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|channel| channel.outbox_kind() == kind)
    }

    /// For logs and errors.
    pub fn name(self) -> &'static str {
        match self {
            AlertChannel::WeCom => "wecom",
            AlertChannel::DingTalk => "dingtalk",
        }
    }
}

/// Why a lead is announced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertEvent {
    /// A new callback request was stored.
    NewLead,
    /// A lead broke the promise to call back within 1 working day.
    Overdue,
}

/// The payload of one robot row in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadAlert {
    pub event: AlertEvent,
    pub lead_id: i64,
    /// The interest code (`planning`, …).
    pub interest: String,
    /// The attached self-test's total, if any.
    pub total: Option<i64>,
    /// `138****5678`.
    pub masked_phone: String,
    /// The lead's `created_at` (UTC ISO text), for its age.
    pub created_at: String,
    /// The child's 中考 year and status, never more of the child.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub school: Option<SchoolNote>,
}

/// What an alert says of a child (issue 26): the 中考 year, the status and
/// whether the lead is urgent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchoolNote {
    pub zhongkao_year: i32,
    /// The status code (`tight`, …).
    pub status: String,
    pub urgent: bool,
}

impl SchoolNote {
    pub fn of(school: &LeadSchool, today: time::Date) -> Self {
        Self {
            zhongkao_year: school.zhongkao_year,
            status: school.status.code().to_string(),
            urgent: LeadSchool::urgent(Some(school.status.code()), Some(&school.deadline), today),
        }
    }

    /// "孩子2029年中考 · 时间很紧".
    pub fn line(&self) -> String {
        let status = Status::from_code(&self.status).map_or("", Status::label);
        format!("孩子{}年中考 · {status}", self.zhongkao_year)
    }
}

impl LeadAlert {
    /// An alert about a lead; `phone` is masked here, so no caller can put
    /// the full number in an alert.
    pub fn new(
        event: AlertEvent,
        lead_id: i64,
        interest: &str,
        total: Option<i64>,
        phone: &str,
        created_at: &str,
    ) -> Self {
        Self {
            event,
            lead_id,
            interest: interest.to_string(),
            total,
            masked_phone: mask_phone(phone),
            created_at: created_at.to_string(),
            school: None,
        }
    }
}

impl LeadAlert {
    /// The same alert with what it may say of the child.
    pub fn with_school(self, school: Option<SchoolNote>) -> Self {
        Self { school, ..self }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_name_their_robot() {
        for channel in AlertChannel::ALL {
            assert_eq!(
                AlertChannel::of_outbox_kind(channel.outbox_kind()),
                Some(channel)
            );
        }
        assert_eq!(AlertChannel::of_outbox_kind("lead_notification"), None);
    }

    #[test]
    fn an_alert_holds_the_phone_masked() {
        let alert = LeadAlert::new(
            AlertEvent::NewLead,
            7,
            "planning",
            Some(108),
            "13812345678",
            "2026-12-02T08:30:00.000Z",
        );
        assert_eq!(alert.masked_phone, "138****5678");
        let payload = serde_json::to_string(&alert).unwrap();
        assert!(!payload.contains("13812345678"), "{payload}");
        assert!(payload.contains(r#""event":"new_lead""#), "{payload}");
    }
}
