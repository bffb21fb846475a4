//! The group-chat robots that announce leads: 企业微信 and 钉钉.

use std::fmt;
use std::time::Duration;

use anyhow::{anyhow, bail};
use reqwest::Url;

use super::Lookup;
use crate::leads::alerts::AlertChannel;

#[derive(Clone, Default)]
pub struct RobotSettings {
    /// `HUJIFEN_WECOM_WEBHOOK` [unset]: a 企业微信 group-robot webhook.
    pub wecom_webhook: Option<Url>,
    /// `HUJIFEN_DINGTALK_WEBHOOK` + `HUJIFEN_DINGTALK_SECRET` [unset]: a 钉钉
    /// robot with 加签; the one needs the other.
    pub dingtalk: Option<DingTalkRobot>,
    /// `HUJIFEN_OVERDUE_CHECK_MS` [60000]: how often overdue leads are looked for.
    pub overdue_check: Duration,
}

#[derive(Clone)]
pub struct DingTalkRobot {
    pub webhook: Url,
    /// The 加签 secret (`SEC…`).
    pub secret: String,
}

impl RobotSettings {
    pub fn from_lookup(lookup: &Lookup<'_>) -> anyhow::Result<Self> {
        let wecom_webhook = lookup
            .get("HUJIFEN_WECOM_WEBHOOK")
            .map(|url| webhook("HUJIFEN_WECOM_WEBHOOK", &url))
            .transpose()?;
        let dingtalk = match (
            lookup.get("HUJIFEN_DINGTALK_WEBHOOK"),
            lookup.get("HUJIFEN_DINGTALK_SECRET"),
        ) {
            (None, None) => None,
            (Some(url), Some(secret)) => Some(DingTalkRobot {
                webhook: webhook("HUJIFEN_DINGTALK_WEBHOOK", &url)?,
                secret,
            }),
            (Some(_), None) => bail!(
                "HUJIFEN_DINGTALK_WEBHOOK needs HUJIFEN_DINGTALK_SECRET (the robot's 加签 secret)"
            ),
            (None, Some(_)) => {
                bail!("HUJIFEN_DINGTALK_SECRET is set without HUJIFEN_DINGTALK_WEBHOOK")
            }
        };
        Ok(Self {
            wecom_webhook,
            dingtalk,
            overdue_check: lookup.millis("HUJIFEN_OVERDUE_CHECK_MS", 60_000, 10..=3_600_000)?,
        })
    }

    /// The robots that are configured: each gets its own copy of an alert.
    pub fn channels(&self) -> Vec<AlertChannel> {
        AlertChannel::ALL
            .into_iter()
            .filter(|channel| match channel {
                AlertChannel::WeCom => self.wecom_webhook.is_some(),
                AlertChannel::DingTalk => self.dingtalk.is_some(),
            })
            .collect()
    }
}

/// A webhook URL: https, or http to 127.0.0.1 (a test's fake robot). The
/// URL carries the robot's key, so a message names only its scheme and host.
fn webhook(name: &str, text: &str) -> anyhow::Result<Url> {
    let url = Url::parse(text).map_err(|_| anyhow!("{name} must be an https:// URL"))?;
    let allowed = match url.scheme() {
        "https" => url.host_str().is_some(),
        "http" => url.host_str() == Some("127.0.0.1"),
        _ => false,
    };
    if !allowed {
        bail!(
            "{name} must be an https:// URL (http:// only to 127.0.0.1), got {}",
            without_key(&url)
        );
    }
    Ok(url)
}

/// `scheme://host/…`: enough to recognise a webhook, without its key.
fn without_key(url: &Url) -> String {
    format!("{}://{}/…", url.scheme(), url.host_str().unwrap_or(""))
}

/// The webhooks' keys and the secret stay out of debug output.
impl fmt::Debug for RobotSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RobotSettings")
            .field(
                "wecom_webhook",
                &self.wecom_webhook.as_ref().map(without_key),
            )
            .field(
                "dingtalk_webhook",
                &self
                    .dingtalk
                    .as_ref()
                    .map(|robot| without_key(&robot.webhook)),
            )
            .field("overdue_check", &self.overdue_check)
            .finish()
    }
}

impl fmt::Debug for DingTalkRobot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DingTalkRobot")
            .field("webhook", &without_key(&self.webhook))
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn robots(pairs: &[(&str, &str)]) -> anyhow::Result<RobotSettings> {
        let read = |name: &str| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.to_string())
        };
        RobotSettings::from_lookup(&Lookup::new(&read))
    }

    const WECOM: &str = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=wecom-key";
    const DINGTALK: &str = "https://oapi.dingtalk.com/robot/send?access_token=ding-token";

    #[test]
    fn none_by_default() {
        let settings = robots(&[]).unwrap();
        assert!(settings.channels().is_empty());
        assert_eq!(settings.overdue_check, Duration::from_secs(60));
    }

    #[test]
    fn each_configured_robot_is_a_channel() {
        let both = robots(&[
            ("HUJIFEN_WECOM_WEBHOOK", WECOM),
            ("HUJIFEN_DINGTALK_WEBHOOK", DINGTALK),
            ("HUJIFEN_DINGTALK_SECRET", "SECsecret"),
        ])
        .unwrap();
        assert_eq!(
            both.channels(),
            [AlertChannel::WeCom, AlertChannel::DingTalk]
        );
        let debug = format!("{both:?}");
        assert!(
            !debug.contains("wecom-key")
                && !debug.contains("ding-token")
                && !debug.contains("SECsecret"),
            "{debug}"
        );
        let local = robots(&[("HUJIFEN_WECOM_WEBHOOK", "http://127.0.0.1:9/send?key=k")]).unwrap();
        assert_eq!(local.channels(), [AlertChannel::WeCom]);
    }

    #[test]
    fn plain_http_and_a_missing_secret_are_refused() {
        for url in [
            "http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=wecom-key",
            "http://localhost:9/send?key=wecom-key",
            "ftp://qyapi.weixin.qq.com/send?key=wecom-key",
            "qyapi.weixin.qq.com/send?key=wecom-key",
        ] {
            let error = robots(&[("HUJIFEN_WECOM_WEBHOOK", url)])
                .unwrap_err()
                .to_string();
            assert!(
                error.contains("HUJIFEN_WECOM_WEBHOOK must be an https:// URL"),
                "{error}"
            );
            assert!(!error.contains("wecom-key"), "the key stays out: {error}");
        }
        let error = robots(&[("HUJIFEN_DINGTALK_WEBHOOK", DINGTALK)])
            .unwrap_err()
            .to_string();
        assert!(error.contains("HUJIFEN_DINGTALK_SECRET"), "{error}");
        assert!(robots(&[("HUJIFEN_DINGTALK_SECRET", "SECsecret")]).is_err());
        assert!(
            robots(&[
                (
                    "HUJIFEN_DINGTALK_WEBHOOK",
                    "http://oapi.dingtalk.com/robot/send"
                ),
                ("HUJIFEN_DINGTALK_SECRET", "SECsecret"),
            ])
            .is_err()
        );
    }
}
