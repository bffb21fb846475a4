//! The robots' HTTP protocol: the JSON each takes, the 钉钉 加签, and what
//! a reply means. Both answer HTTP 200 with `{"errcode":N,"errmsg":"…"}`,
//! where any N but 0 is a refusal (a rate limit among them) to retry.

use base64::Engine;
use hmac::{KeyInit, Mac};
use reqwest::Url;
use serde::Deserialize;
use serde_json::{Value, json};

use super::message::AlertText;
use crate::leads::alerts::AlertChannel;

/// 企业微信: "api freq out of limit" (20 messages a minute per robot).
const WECOM_RATE_LIMITED: i64 = 45009;
/// 钉钉: "send too fast" (20 messages a minute per robot).
const DINGTALK_RATE_LIMITED: i64 = 130101;

/// The JSON body of a Markdown message.
pub fn body(channel: AlertChannel, text: &AlertText) -> Value {
    match channel {
        AlertChannel::WeCom => json!({
            "msgtype": "markdown",
            "markdown": { "content": text.markdown },
        }),
        AlertChannel::DingTalk => json!({
            "msgtype": "markdown",
            "markdown": { "title": text.title, "text": text.markdown },
        }),
    }
}

/// 钉钉 加签: Base64(HMAC-SHA256(key = secret, "{timestamp}\n{secret}")),
/// the timestamp in milliseconds.
pub fn dingtalk_signature(secret: &str, timestamp_ms: i64) -> String {
    let string_to_sign = format!("{timestamp_ms}\n{secret}");
    // HMAC takes a key of any length, so this cannot fail; an empty
    // signature would only be refused by the robot.
    let Ok(mut mac) = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
    else {
        return String::new();
    };
    mac.update(string_to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// The webhook with `&timestamp=…&sign=…` appended (the signature
/// URL-encoded, as 钉钉 asks).
pub fn dingtalk_signed_url(webhook: &Url, secret: &str, timestamp_ms: i64) -> Url {
    let mut url = webhook.clone();
    url.query_pairs_mut()
        .append_pair("timestamp", &timestamp_ms.to_string())
        .append_pair("sign", &dingtalk_signature(secret, timestamp_ms));
    url
}

/// Why a robot did not take a message. Each is retried.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("rate limited (errcode {errcode}: {errmsg})")]
    RateLimited { errcode: i64, errmsg: String },
    #[error("refused (errcode {errcode}: {errmsg})")]
    Refused { errcode: i64, errmsg: String },
    #[error("HTTP {0}")]
    Status(u16),
    #[error("unreadable reply")]
    Unreadable,
}

/// What a robot's reply means: delivered only on a 2xx with errcode 0.
pub fn check_reply(channel: AlertChannel, status: u16, body: &str) -> Result<(), Refusal> {
    if !(200..300).contains(&status) {
        return Err(Refusal::Status(status));
    }
    #[derive(Deserialize)]
    struct Reply {
        errcode: i64,
        #[serde(default)]
        errmsg: String,
    }
    let reply: Reply = serde_json::from_str(body).map_err(|_| Refusal::Unreadable)?;
    let rate_limited = match channel {
        AlertChannel::WeCom => WECOM_RATE_LIMITED,
        AlertChannel::DingTalk => DINGTALK_RATE_LIMITED,
    };
    // A robot's message is short, but it goes to the log and the outbox.
    let errmsg: String = reply.errmsg.chars().take(200).collect();
    match reply.errcode {
        0 => Ok(()),
        errcode if errcode == rate_limited => Err(Refusal::RateLimited { errcode, errmsg }),
        errcode => Err(Refusal::Refused { errcode, errmsg }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Computed independently (Python's hmac, hashlib and base64).
    #[test]
    fn the_dingtalk_signature_matches_an_independent_computation() {
        assert_eq!(
            dingtalk_signature("SECtest0123456789", 1_764_662_400_000),
            "OgDRuRHm5KWJhAFl6ne4KWjOmWmYfLR20Z6ESSkMUKU="
        );
        let webhook = Url::parse("https://oapi.dingtalk.com/robot/send?access_token=abc").unwrap();
        let url = dingtalk_signed_url(&webhook, "SECtest0123456789", 1_764_662_400_001);
        assert_eq!(
            url.as_str(),
            "https://oapi.dingtalk.com/robot/send?access_token=abc&timestamp=1764662400001\
             &sign=grgzQHvx%2F%2BZMpgOiFE3QPO7W5GgxN%2BmIpfdz9FUb0d4%3D"
        );
    }

    #[test]
    fn bodies_are_markdown_messages() {
        let text = AlertText {
            title: "新线索 #1".into(),
            markdown: "**新线索 #1**".into(),
        };
        assert_eq!(
            body(AlertChannel::WeCom, &text),
            json!({"msgtype": "markdown", "markdown": {"content": "**新线索 #1**"}})
        );
        assert_eq!(
            body(AlertChannel::DingTalk, &text),
            json!({"msgtype": "markdown", "markdown": {"title": "新线索 #1", "text": "**新线索 #1**"}})
        );
    }

    #[test]
    fn only_errcode_zero_is_delivered() {
        let ok = r#"{"errcode":0,"errmsg":"ok"}"#;
        assert_eq!(check_reply(AlertChannel::WeCom, 200, ok), Ok(()));
        assert_eq!(check_reply(AlertChannel::DingTalk, 200, ok), Ok(()));
        assert_eq!(
            check_reply(
                AlertChannel::WeCom,
                200,
                r#"{"errcode":45009,"errmsg":"api freq out of limit"}"#
            ),
            Err(Refusal::RateLimited {
                errcode: 45009,
                errmsg: "api freq out of limit".into()
            })
        );
        assert!(matches!(
            check_reply(
                AlertChannel::DingTalk,
                200,
                r#"{"errcode":130101,"errmsg":"send too fast"}"#
            ),
            Err(Refusal::RateLimited {
                errcode: 130101,
                ..
            })
        ));
        assert!(matches!(
            check_reply(
                AlertChannel::DingTalk,
                200,
                r#"{"errcode":310000,"errmsg":"sign not match"}"#
            ),
            Err(Refusal::Refused {
                errcode: 310000,
                ..
            })
        ));
        assert_eq!(
            check_reply(AlertChannel::WeCom, 502, ok),
            Err(Refusal::Status(502))
        );
        assert_eq!(
            check_reply(AlertChannel::WeCom, 200, "<html>"),
            Err(Refusal::Unreadable)
        );
    }
}
