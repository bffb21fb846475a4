//! Which SMS provider sends the verification codes.

use std::path::PathBuf;

use anyhow::{anyhow, bail};

use super::Lookup;

/// Where SMS texts go (`HUJIFEN_SMS`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SmsSetting {
    /// Logs the text: the development default.
    Console,
    /// Appends one JSON object a line to the file: for tests.
    File(PathBuf),
    /// The real Aliyun SendSms API, keys in `HUJIFEN_ALIYUN_*`.
    Aliyun,
}

#[derive(Debug, Clone)]
pub struct SmsSettings {
    /// `HUJIFEN_SMS` [console].
    pub sender: SmsSetting,
    /// `HUJIFEN_ALIYUN_*`: required when `HUJIFEN_SMS=aliyun`.
    pub aliyun: Option<AliyunSettings>,
}

/// The Aliyun SMS account (阿里云短信 SendSms).
#[derive(Debug, Clone)]
pub struct AliyunSettings {
    /// `HUJIFEN_ALIYUN_ACCESS_KEY_ID`.
    pub access_key_id: String,
    /// `HUJIFEN_ALIYUN_ACCESS_KEY_SECRET`.
    pub access_key_secret: String,
    /// `HUJIFEN_ALIYUN_SIGN_NAME`: the approved SMS signature.
    pub sign_name: String,
    /// `HUJIFEN_ALIYUN_TEMPLATE_CODE`: the approved template with a `${code}` variable.
    pub template_code: String,
    /// `HUJIFEN_ALIYUN_ENDPOINT` [https://dysmsapi.aliyuncs.com].
    pub endpoint: String,
}

impl SmsSettings {
    pub fn from_lookup(lookup: &Lookup<'_>) -> anyhow::Result<Self> {
        let sender = match lookup.get("HUJIFEN_SMS").as_deref() {
            None | Some("console") => SmsSetting::Console,
            Some("aliyun") => SmsSetting::Aliyun,
            Some(other) => match other.strip_prefix("file:") {
                Some(path) if !path.is_empty() => SmsSetting::File(path.into()),
                _ => bail!("HUJIFEN_SMS must be console, file:PATH or aliyun, got {other:?}"),
            },
        };
        let aliyun = match sender {
            SmsSetting::Aliyun => Some(AliyunSettings::from_lookup(lookup)?),
            _ => None,
        };
        Ok(Self { sender, aliyun })
    }
}

impl AliyunSettings {
    pub fn from_lookup(lookup: &Lookup<'_>) -> anyhow::Result<Self> {
        let required = |name: &str| {
            lookup
                .get(name)
                .ok_or_else(|| anyhow!("HUJIFEN_SMS=aliyun needs {name}"))
        };
        Ok(Self {
            access_key_id: required("HUJIFEN_ALIYUN_ACCESS_KEY_ID")?,
            access_key_secret: required("HUJIFEN_ALIYUN_ACCESS_KEY_SECRET")?,
            sign_name: required("HUJIFEN_ALIYUN_SIGN_NAME")?,
            template_code: required("HUJIFEN_ALIYUN_TEMPLATE_CODE")?,
            endpoint: endpoint(lookup.get("HUJIFEN_ALIYUN_ENDPOINT"))?,
        })
    }
}

/// The API endpoint: https, or http to a loopback address (a test's fake
/// provider). The request carries the signed access key and the phone.
fn endpoint(setting: Option<String>) -> anyhow::Result<String> {
    let Some(text) = setting else {
        return Ok("https://dysmsapi.aliyuncs.com".into());
    };
    let url = reqwest::Url::parse(&text)
        .map_err(|_| anyhow!("HUJIFEN_ALIYUN_ENDPOINT must be an https:// URL, got {text:?}"))?;
    let host = url.host_str().unwrap_or("");
    let loopback = host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    let allowed = match url.scheme() {
        "https" => !host.is_empty(),
        "http" => loopback,
        _ => false,
    };
    if !allowed {
        bail!(
            "HUJIFEN_ALIYUN_ENDPOINT must be an https:// URL (http:// only to loopback), got {text:?}"
        );
    }
    Ok(text)
}
