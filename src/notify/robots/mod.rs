//! Lead alerts in the advisors' group chats: 企业微信 and 钉钉 robots, fed
//! by the outbox (one row per robot per alert, see `db::alerts`). The card
//! is composed when it is sent (`message`), so its age is current after
//! retries; `wire` holds each robot's protocol.

mod message;
mod wire;

use std::time::Duration;

use reqwest::Url;

use crate::db::outbox::OutboxMessage;
use crate::leads::alerts::{AlertChannel, LeadAlert};
use crate::settings::{DingTalkRobot, Settings};

pub use message::{AlertText, age_text, compose};
pub use wire::{Refusal, body, check_reply, dingtalk_signature, dingtalk_signed_url};

/// A robot that does not answer within this is tried again later.
const TIMEOUT: Duration = Duration::from_secs(5);

/// The configured robots and one HTTPS client for them.
pub struct Robots {
    client: reqwest::Client,
    wecom: Option<Url>,
    dingtalk: Option<DingTalkRobot>,
    public_url: String,
}

impl Robots {
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Self> {
        crate::notify::sms::install_tls_provider();
        // No redirects: a 3xx from (or in front of) the webhook would
        // re-send the lead card to whatever host it names, perhaps over
        // plain http. The card goes only to the URL the settings checked.
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self {
            client,
            wecom: settings.robots.wecom_webhook.clone(),
            dingtalk: settings.robots.dingtalk.clone(),
            public_url: settings.server.public_url.clone(),
        })
    }

    /// Sends the alert of an outbox row to its robot. Err (with the robot's
    /// error code, if it gave one) means try again later.
    pub async fn deliver(
        &self,
        channel: AlertChannel,
        message: &OutboxMessage,
    ) -> Result<(), String> {
        let alert: LeadAlert =
            serde_json::from_str(&message.payload).map_err(|error| format!("payload: {error}"))?;
        let now = time::OffsetDateTime::now_utc();
        let text = card(channel, &alert, &self.public_url, message);
        let url = match (channel, &self.wecom, &self.dingtalk) {
            (AlertChannel::WeCom, Some(webhook), _) => webhook.clone(),
            (AlertChannel::DingTalk, _, Some(robot)) => {
                let timestamp_ms = i64::try_from(now.unix_timestamp_nanos() / 1_000_000)
                    .map_err(|_| "clock out of range".to_string())?;
                dingtalk_signed_url(&robot.webhook, &robot.secret, timestamp_ms)
            }
            _ => {
                // Queued while this robot was configured, and it no longer
                // is: there is nowhere to send it, so it counts as done
                // rather than waiting in the outbox for ever.
                tracing::warn!(
                    outbox_id = message.id,
                    robot = channel.name(),
                    lead_id = alert.lead_id,
                    "robot alert dropped: that robot is no longer configured"
                );
                return Ok(());
            }
        };
        self.post(channel, url, &body(channel, &text)).await
    }

    async fn post(
        &self,
        channel: AlertChannel,
        url: Url,
        body: &serde_json::Value,
    ) -> Result<(), String> {
        // `without_url`: the webhook URL carries the robot's key.
        let response = self
            .client
            .post(url)
            .json(body)
            .send()
            .await
            .map_err(|error| format!("{} robot: {}", channel.name(), error.without_url()))?;
        let status = response.status().as_u16();
        let reply = response
            .text()
            .await
            .map_err(|error| format!("{} robot: {}", channel.name(), error.without_url()))?;
        check_reply(channel, status, &reply)
            .map_err(|refusal| format!("{} robot {refusal}", channel.name()))
    }
}

/// The card an outbox row sends, its age counted to when the alert was
/// raised (the row's `created_at`), not to this try: a resend after a lost
/// answer carries the same text.
fn card(
    channel: AlertChannel,
    alert: &LeadAlert,
    public_url: &str,
    message: &OutboxMessage,
) -> message::AlertText {
    // `created_at` is floored to the second; the alert was raised within
    // that second, so its end does not show "11天23小时" for 12 days.
    let raised = time::OffsetDateTime::from_unix_timestamp(message.created_at.saturating_add(1))
        .unwrap_or_else(|_| time::OffsetDateTime::now_utc());
    compose(channel, alert, public_url, raised)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_try_of_a_row_sends_the_same_card() {
        let alert = LeadAlert::new(
            crate::leads::alerts::AlertEvent::NewLead,
            7,
            "callback",
            Some(96),
            "13812345678",
            "2026-12-02T08:30:00.000Z",
        );
        // Queued five minutes after the lead was made; tried days later.
        let queued = time::macros::datetime!(2026-12-02 08:34:59 UTC).unix_timestamp();
        let message = OutboxMessage {
            id: 3,
            kind: AlertChannel::WeCom.outbox_kind().into(),
            payload: serde_json::to_string(&alert).unwrap(),
            attempts: 4,
            created_at: queued,
        };
        let text = card(
            AlertChannel::WeCom,
            &alert,
            "https://hujifen.example",
            &message,
        );
        assert!(text.markdown.contains("（5分钟前）"), "{}", text.markdown);
        assert_eq!(
            card(
                AlertChannel::WeCom,
                &alert,
                "https://hujifen.example",
                &message
            ),
            text
        );
    }

    #[tokio::test]
    async fn a_row_for_a_robot_no_longer_configured_counts_as_done() {
        let settings = Settings::from_lookup(|_| None).unwrap();
        let robots = Robots::from_settings(&settings).unwrap();
        let alert = LeadAlert::new(
            crate::leads::alerts::AlertEvent::NewLead,
            1,
            "callback",
            None,
            "13812345678",
            "2026-12-02T08:30:00.000Z",
        );
        let message = OutboxMessage {
            id: 1,
            kind: AlertChannel::WeCom.outbox_kind().into(),
            payload: serde_json::to_string(&alert).unwrap(),
            attempts: 0,
            created_at: 1_800_000_000,
        };
        assert_eq!(robots.deliver(AlertChannel::WeCom, &message).await, Ok(()));
        assert_eq!(
            robots.deliver(AlertChannel::DingTalk, &message).await,
            Ok(())
        );
    }
}
