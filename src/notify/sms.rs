//! SMS senders behind one trait, chosen by `HUJIFEN_SMS`: `console` (logs the
//! text; development only), `file:PATH` (one JSON object a line; tests) and
//! `aliyun` (the real 阿里云短信 SendSms API).

use std::collections::BTreeMap;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;

use base64::Engine;
use hmac::{KeyInit, Mac};
use serde::Deserialize;
use time::format_description::well_known::Rfc3339;

use crate::leads::Phone;
use crate::settings::{AliyunSettings, Settings, SmsSetting};

/// A verification code to send.
#[derive(Debug, Clone)]
pub struct CodeMessage {
    pub to: Phone,
    pub code: String,
    pub valid_minutes: i64,
}

impl CodeMessage {
    /// The text as the visitor reads it (the Aliyun template says the same).
    pub fn text(&self) -> String {
        format!(
            "【沪积分】您的验证码是{}，{}分钟内有效。如非本人操作，请忽略本短信。",
            self.code, self.valid_minutes
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SmsError {
    /// The provider answered and refused, with its error code.
    #[error("provider refused the message: {code}")]
    Refused { code: String },
    /// No answer we could use: network, timeout, unreadable reply.
    #[error("provider unreachable: {0}")]
    Unavailable(String),
}

impl SmsError {
    /// What the visitor is told.
    pub fn visitor_message(&self) -> &'static str {
        match self {
            SmsError::Refused { code } if code == "isv.MOBILE_NUMBER_ILLEGAL" => {
                "该号码暂时无法接收短信，请检查号码是否正确"
            }
            SmsError::Refused { code }
                if code == "isv.BUSINESS_LIMIT_CONTROL" || code == "isv.DAY_LIMIT_CONTROL" =>
            {
                "该号码接收短信过于频繁，请稍后再试"
            }
            _ => "短信发送失败，请稍后再试",
        }
    }
}

pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<(), SmsError>> + Send + 'a>>;

pub trait SmsSender: Send + Sync {
    fn send<'a>(&'a self, message: &'a CodeMessage) -> SendFuture<'a>;
}

pub fn from_settings(settings: &Settings) -> anyhow::Result<Arc<dyn SmsSender>> {
    Ok(match &settings.sms.sender {
        SmsSetting::Console => {
            use std::io::IsTerminal;
            match console_warning(std::io::stdout().is_terminal()) {
                ConsoleWarning::Developer(text) => tracing::warn!("{text}"),
                ConsoleWarning::Loud(text) => tracing::error!("{text}"),
            }
            Arc::new(ConsoleSender)
        }
        SmsSetting::File(path) => Arc::new(FileSender::new(path.clone())),
        SmsSetting::Aliyun => {
            let aliyun = settings.sms.aliyun.clone().ok_or_else(|| {
                anyhow::anyhow!("HUJIFEN_SMS=aliyun needs the HUJIFEN_ALIYUN_* settings")
            })?;
            Arc::new(AliyunSender::new(aliyun)?)
        }
    })
}

/// What to say at start about the console sender.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsoleWarning {
    /// A developer at a terminal reads the codes there: a warning.
    Developer(&'static str),
    /// Stdout is a file, a pipe or a service's journal: likely a deployment
    /// where every visitor's code is written to a log that others read.
    Loud(&'static str),
}

/// The start-up message for `HUJIFEN_SMS=console`, by whether stdout is a
/// terminal.
pub fn console_warning(stdout_is_terminal: bool) -> ConsoleWarning {
    if stdout_is_terminal {
        ConsoleWarning::Developer(
            "HUJIFEN_SMS=console: SMS texts, codes included, go to this log; development only",
        )
    } else {
        ConsoleWarning::Loud(
            "HUJIFEN_SMS=console and the log is not a terminal: no SMS is sent, every \
             verification code goes to this log in clear, so whoever reads the log can use \
             them. Development only; set HUJIFEN_SMS=aliyun (or file:PATH for tests)",
        )
    }
}

/// Development: writes the text to the log (masked phone).
pub struct ConsoleSender;

impl SmsSender for ConsoleSender {
    fn send<'a>(&'a self, message: &'a CodeMessage) -> SendFuture<'a> {
        Box::pin(async move {
            tracing::info!(target: "sms_console", to = %message.to, text = %message.text(), "SMS (console sender)");
            Ok(())
        })
    }
}

/// Tests: appends `{"to","text","at"}` a line.
pub struct FileSender {
    path: PathBuf,
    /// Whole lines only, even with concurrent sends.
    lock: tokio::sync::Mutex<()>,
}

impl FileSender {
    pub fn new(path: PathBuf) -> Self {
        Self {
            path,
            lock: tokio::sync::Mutex::new(()),
        }
    }
}

impl SmsSender for FileSender {
    fn send<'a>(&'a self, message: &'a CodeMessage) -> SendFuture<'a> {
        Box::pin(async move {
            use tokio::io::AsyncWriteExt;
            let at = time::OffsetDateTime::now_utc()
                .format(&Rfc3339)
                .map_err(|error| SmsError::Unavailable(error.to_string()))?;
            let mut line = serde_json::json!({
                "to": message.to.as_str(),
                "text": message.text(),
                "at": at,
            })
            .to_string();
            line.push('\n');
            let _guard = self.lock.lock().await;
            let mut file = tokio::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.path)
                .await
                .map_err(|error| SmsError::Unavailable(error.to_string()))?;
            file.write_all(line.as_bytes())
                .await
                .map_err(|error| SmsError::Unavailable(error.to_string()))?;
            file.flush()
                .await
                .map_err(|error| SmsError::Unavailable(error.to_string()))
        })
    }
}

/// 阿里云短信 SendSms (API version 2017-05-25, RPC style, signature v1).
pub struct AliyunSender {
    settings: AliyunSettings,
    client: reqwest::Client,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AliyunReply {
    code: Option<String>,
    message: Option<String>,
    request_id: Option<String>,
}

impl AliyunSender {
    pub fn new(settings: AliyunSettings) -> anyhow::Result<Self> {
        install_tls_provider();
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            .build()?;
        Ok(Self { settings, client })
    }

    /// The signed query parameters for one message.
    pub fn signed_params(
        &self,
        message: &CodeMessage,
        timestamp: &str,
        nonce: &str,
    ) -> BTreeMap<String, String> {
        let mut params: BTreeMap<String, String> = [
            ("AccessKeyId", self.settings.access_key_id.as_str()),
            ("Action", "SendSms"),
            ("Format", "JSON"),
            ("PhoneNumbers", message.to.as_str()),
            ("RegionId", "cn-hangzhou"),
            ("SignName", self.settings.sign_name.as_str()),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", nonce),
            ("SignatureVersion", "1.0"),
            ("TemplateCode", self.settings.template_code.as_str()),
            ("Timestamp", timestamp),
            ("Version", "2017-05-25"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        params.insert(
            "TemplateParam".into(),
            serde_json::json!({ "code": message.code }).to_string(),
        );
        let signature = aliyun_signature(&self.settings.access_key_secret, &params);
        params.insert("Signature".into(), signature);
        params
    }
}

impl SmsSender for AliyunSender {
    fn send<'a>(&'a self, message: &'a CodeMessage) -> SendFuture<'a> {
        Box::pin(async move {
            let timestamp = time::OffsetDateTime::now_utc()
                .replace_nanosecond(0)
                .ok()
                .and_then(|t| t.format(&Rfc3339).ok())
                .ok_or_else(|| SmsError::Unavailable("clock".into()))?;
            let nonce = crate::tokens::random_token();
            let params = self.signed_params(message, &timestamp, &nonce);
            let query: String = params
                .iter()
                .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
                .collect::<Vec<_>>()
                .join("&");
            let url = format!("{}/?{query}", self.settings.endpoint.trim_end_matches('/'));
            let response = self
                .client
                .get(url)
                .send()
                .await
                .map_err(|error| SmsError::Unavailable(error.without_url().to_string()))?;
            let status = response.status();
            let reply: AliyunReply = response.json().await.map_err(|error| {
                SmsError::Unavailable(format!("HTTP {status}: {}", error.without_url()))
            })?;
            match reply.code.as_deref() {
                Some("OK") => Ok(()),
                code => {
                    let code = code.unwrap_or("unknown").to_string();
                    tracing::warn!(
                        %code,
                        message = reply.message.as_deref().unwrap_or(""),
                        request_id = reply.request_id.as_deref().unwrap_or(""),
                        to = %message.to,
                        "Aliyun SendSms refused"
                    );
                    Err(SmsError::Refused { code })
                }
            }
        })
    }
}

/// Makes ring the process's TLS crypto provider (once; later calls are no-ops).
pub fn install_tls_provider() {
    // Err only means a provider is already installed.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// RFC 3986 encoding as Aliyun wants it: unreserved characters kept, space
/// as %20, everything else %XX of its UTF-8 bytes.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Signature v1: Base64(HMAC-SHA1(secret + "&", "GET&%2F&" + encode(sorted query))).
pub fn aliyun_signature(access_key_secret: &str, params: &BTreeMap<String, String>) -> String {
    let canonical = params
        .iter()
        .filter(|(key, _)| key.as_str() != "Signature")
        .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let string_to_sign = format!("GET&{}&{}", percent_encode("/"), percent_encode(&canonical));
    let key = format!("{access_key_secret}&");
    // HMAC accepts a key of any length, so this cannot fail; an empty
    // signature would only be refused by the provider.
    let Ok(mut mac) = <hmac::Hmac<sha1::Sha1> as KeyInit>::new_from_slice(key.as_bytes()) else {
        return String::new();
    };
    mac.update(string_to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example of Aliyun's signature documentation.
    #[test]
    fn signature_matches_the_documented_example() {
        let params: BTreeMap<String, String> = [
            ("AccessKeyId", "testId"),
            ("Action", "SendSms"),
            ("Format", "XML"),
            ("OutId", "123"),
            ("PhoneNumbers", "15300000001"),
            ("RegionId", "cn-hangzhou"),
            ("SignName", "阿里云短信测试专用"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "45e25e9b-0a6f-4070-8c85-2956eda1b466"),
            ("SignatureVersion", "1.0"),
            ("TemplateCode", "SMS_71390007"),
            ("TemplateParam", "{\"customer\":\"test\"}"),
            ("Timestamp", "2017-07-12T02:42:19Z"),
            ("Version", "2017-05-25"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(
            aliyun_signature("testSecret", &params),
            "zJDF+Lrzhj/ThnlvIToysFRq6t4="
        );
    }

    #[test]
    fn percent_encoding_is_rfc3986() {
        assert_eq!(percent_encode("a b*c~d/e+f"), "a%20b%2Ac~d%2Fe%2Bf");
        assert_eq!(percent_encode("沪"), "%E6%B2%AA");
    }

    #[test]
    fn the_console_sender_warns_loudly_off_a_terminal() {
        assert!(matches!(
            console_warning(true),
            ConsoleWarning::Developer(text) if text.contains("development only")
        ));
        let ConsoleWarning::Loud(text) = console_warning(false) else {
            panic!("off a terminal the warning is loud");
        };
        assert!(
            text.contains("verification code goes to this log"),
            "{text}"
        );
        assert!(text.contains("HUJIFEN_SMS=aliyun"), "{text}");
    }

    #[test]
    fn the_text_carries_the_code() {
        let message = CodeMessage {
            to: Phone::parse("13812345678").unwrap(),
            code: "012345".into(),
            valid_minutes: 5,
        };
        assert!(message.text().contains("012345") && message.text().contains("5分钟"));
    }

    #[test]
    fn the_https_client_builds() {
        let sender = AliyunSender::new(AliyunSettings {
            access_key_id: "id".into(),
            access_key_secret: "secret".into(),
            sign_name: "沪积分".into(),
            template_code: "SMS_1".into(),
            endpoint: "https://dysmsapi.aliyuncs.com".into(),
        });
        assert!(sender.is_ok());
    }
}
