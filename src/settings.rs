//! Settings from the environment (names and defaults from DESIGN.md).

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, anyhow, bail};

use crate::leads::codes::CodeRules;
use crate::leads::limits::{SendLimits, SubmitLimits, Window};
use crate::leads::network::TrustedProxies;
use crate::scoring::ReferenceWages;

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
pub struct Settings {
    /// `HUJIFEN_LISTEN` [127.0.0.1:8080].
    pub listen: String,
    /// `DATABASE_URL` [sqlite://data/hujifen.db].
    pub database_url: String,
    /// `HUJIFEN_PUBLIC_URL` [http://127.0.0.1:8080], without a trailing slash.
    pub public_url: String,
    /// `HUJIFEN_SMS` [console].
    pub sms: SmsSetting,
    /// `HUJIFEN_SMTP_URL` [unset: emails are logged].
    pub smtp_url: Option<String>,
    /// `HUJIFEN_MAIL_FROM`.
    pub mail_from: Option<String>,
    /// `HUJIFEN_NOTIFY_TO`, a comma list [every active advisor with an email].
    pub notify_to: Vec<String>,
    /// `HUJIFEN_SESSION_KEY` [generated and kept in the data folder].
    pub session_key: Option<String>,
    /// `HUJIFEN_TRUSTED_PROXY` [unset]: addresses or CIDRs, a comma list.
    pub trusted_proxy: TrustedProxies,
    /// `HUJIFEN_ADMIN_PASSWORD` [unset: a random one is printed once].
    pub admin_password: Option<String>,
    /// `HUJIFEN_ADMIN_USERNAME` [admin]: the username of the first advisor
    /// (an admin), created on a first start with no advisor.
    pub admin_username: String,
    /// `HUJIFEN_REFERENCE_WAGES` [the table bundled with the build]: a TOML
    /// file in the format of `src/scoring/reference_wages.toml`.
    pub reference_wages: ReferenceWages,
    /// `HUJIFEN_WORKERS` [the number of cores]: HTTP worker threads.
    pub workers: usize,
    /// `HUJIFEN_ALIYUN_*`: required when `HUJIFEN_SMS=aliyun`.
    pub aliyun: Option<AliyunSettings>,
    /// SMS send limits (`HUJIFEN_SMS_*`).
    pub send_limits: SendLimits,
    /// Lead submission limits (`HUJIFEN_LEADS_*`).
    pub submit_limits: SubmitLimits,
    /// Verification code rules (`HUJIFEN_CODE_*`).
    pub code_rules: CodeRules,
    /// `HUJIFEN_CAPTCHA_MAX_NUMBER` [50000]: proof-of-work difficulty (the
    /// browser tries half of it on average).
    pub captcha_max_number: u64,
    /// `HUJIFEN_CAPTCHA_TTL_SECS` [120]: how long a challenge stays valid.
    pub captcha_ttl_seconds: i64,
    /// `HUJIFEN_OUTBOX_POLL_MS` [2000]: how often the email worker looks for work.
    pub outbox_poll: Duration,
    /// `HUJIFEN_OUTBOX_RETRY_MS` [10000]: first retry delay, doubled per attempt up to an hour.
    pub outbox_retry: Duration,
    /// `HUJIFEN_REQUEST_TIMEOUT_MS` [10000]: time to send a request head, and
    /// again to send its body.
    pub request_timeout: Duration,
    /// `HUJIFEN_RETENTION_DAYS` [180]: leads are anonymised this long after
    /// their last activity.
    pub retention_days: i64,
    /// `HUJIFEN_CODE_RETENTION_HOURS` [24]: verification codes are deleted after this.
    pub code_retention_hours: i64,
    /// `HUJIFEN_COUNTER_RETENTION_DAYS` [7]: send and login counters are deleted after this.
    pub counter_retention_days: i64,
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

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup` (the environment, or a test's map).
    /// Blank values count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };

        let public_url =
            get("HUJIFEN_PUBLIC_URL").unwrap_or_else(|| "http://127.0.0.1:8080".into());
        let public_url = normalise_public_url(&public_url).ok_or_else(|| {
            anyhow!(
                "HUJIFEN_PUBLIC_URL must be an http:// or https:// URL (an internationalised host as punycode), got {public_url:?}"
            )
        })?;
        let sms = match get("HUJIFEN_SMS").as_deref() {
            None | Some("console") => SmsSetting::Console,
            Some("aliyun") => SmsSetting::Aliyun,
            Some(other) => match other.strip_prefix("file:") {
                Some(path) if !path.is_empty() => SmsSetting::File(path.into()),
                _ => bail!("HUJIFEN_SMS must be console, file:PATH or aliyun, got {other:?}"),
            },
        };
        let trusted_proxy = match get("HUJIFEN_TRUSTED_PROXY") {
            None => TrustedProxies::none(),
            Some(text) => TrustedProxies::parse(&text).map_err(|error| {
                anyhow!(
                    "HUJIFEN_TRUSTED_PROXY must be IP addresses or CIDRs, a comma list: {error}"
                )
            })?,
        };
        let reference_wages = match get("HUJIFEN_REFERENCE_WAGES") {
            None => ReferenceWages::parse(crate::scoring::wages::BUNDLED_TABLE)
                .map_err(|error| anyhow!("bundled reference wage table: {error}"))?,
            Some(path) => {
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("reading HUJIFEN_REFERENCE_WAGES {path}"))?;
                ReferenceWages::parse(&text)
                    .map_err(|error| anyhow!("HUJIFEN_REFERENCE_WAGES {path}: {error}"))?
            }
        };
        let workers = match get("HUJIFEN_WORKERS") {
            None => std::thread::available_parallelism().map_or(2, usize::from),
            Some(text) => text
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=64).contains(n))
                .ok_or_else(|| anyhow!("HUJIFEN_WORKERS must be 1 to 64, got {text:?}"))?,
        };

        let number = |name: &str,
                      default: u64,
                      range: std::ops::RangeInclusive<u64>|
         -> anyhow::Result<u64> {
            match get(name) {
                None => Ok(default),
                Some(text) => text
                    .parse::<u64>()
                    .ok()
                    .filter(|n| range.contains(n))
                    .ok_or_else(|| {
                        anyhow!("{name} must be a whole number in {range:?}, got {text:?}")
                    }),
            }
        };
        let window = |name: &str, default: Window| -> anyhow::Result<Window> {
            Ok(Window {
                limit: number(name, u64::from(default.limit), 1..=1_000_000)? as u32,
                seconds: default.seconds,
            })
        };
        let defaults = SendLimits::default();
        let send_limits = SendLimits {
            phone_interval: Window {
                limit: 1,
                seconds: number("HUJIFEN_SMS_PHONE_INTERVAL_SECS", 60, 1..=86_400)? as i64,
            },
            phone_hour: window("HUJIFEN_SMS_PHONE_PER_HOUR", defaults.phone_hour)?,
            phone_day: window("HUJIFEN_SMS_PHONE_PER_DAY", defaults.phone_day)?,
            ip_hour: window("HUJIFEN_SMS_IP_PER_HOUR", defaults.ip_hour)?,
            ip_day: window("HUJIFEN_SMS_IP_PER_DAY", defaults.ip_day)?,
            network_hour: window("HUJIFEN_SMS_NETWORK_PER_HOUR", defaults.network_hour)?,
            network_day: window("HUJIFEN_SMS_NETWORK_PER_DAY", defaults.network_day)?,
            global_day: window("HUJIFEN_SMS_DAILY_BUDGET", defaults.global_day)?,
        };
        let submit_defaults = SubmitLimits::default();
        let submit_limits = SubmitLimits {
            phone_day: window("HUJIFEN_LEADS_PER_PHONE_DAY", submit_defaults.phone_day)?,
            ip_hour: window("HUJIFEN_LEADS_PER_IP_HOUR", submit_defaults.ip_hour)?,
        };
        let code_defaults = CodeRules::default();
        let code_rules = CodeRules {
            ttl_seconds: number(
                "HUJIFEN_CODE_TTL_SECS",
                code_defaults.ttl_seconds as u64,
                1..=3600,
            )? as i64,
            max_wrong_per_code: number("HUJIFEN_CODE_MAX_WRONG", 5, 1..=100)? as u32,
            max_wrong_per_phone_day: number("HUJIFEN_CODE_MAX_WRONG_PER_DAY", 10, 1..=1000)? as u32,
            max_wrong_per_phone_all_clients: number(
                "HUJIFEN_CODE_MAX_WRONG_PER_PHONE_DAY",
                30,
                1..=10_000,
            )? as u32,
        };
        let aliyun = if sms == SmsSetting::Aliyun {
            let required =
                |name: &str| get(name).ok_or_else(|| anyhow!("HUJIFEN_SMS=aliyun needs {name}"));
            Some(AliyunSettings {
                access_key_id: required("HUJIFEN_ALIYUN_ACCESS_KEY_ID")?,
                access_key_secret: required("HUJIFEN_ALIYUN_ACCESS_KEY_SECRET")?,
                sign_name: required("HUJIFEN_ALIYUN_SIGN_NAME")?,
                template_code: required("HUJIFEN_ALIYUN_TEMPLATE_CODE")?,
                endpoint: get("HUJIFEN_ALIYUN_ENDPOINT")
                    .unwrap_or_else(|| "https://dysmsapi.aliyuncs.com".into()),
            })
        } else {
            None
        };

        Ok(Self {
            aliyun,
            send_limits,
            submit_limits,
            code_rules,
            captcha_max_number: number("HUJIFEN_CAPTCHA_MAX_NUMBER", 50_000, 10..=10_000_000)?,
            captcha_ttl_seconds: number("HUJIFEN_CAPTCHA_TTL_SECS", 120, 5..=600)? as i64,
            outbox_poll: Duration::from_millis(number(
                "HUJIFEN_OUTBOX_POLL_MS",
                2000,
                10..=600_000,
            )?),
            outbox_retry: Duration::from_millis(number(
                "HUJIFEN_OUTBOX_RETRY_MS",
                10_000,
                10..=3_600_000,
            )?),
            request_timeout: Duration::from_millis(number(
                "HUJIFEN_REQUEST_TIMEOUT_MS",
                10_000,
                100..=300_000,
            )?),
            retention_days: number("HUJIFEN_RETENTION_DAYS", 180, 1..=3650)? as i64,
            code_retention_hours: number("HUJIFEN_CODE_RETENTION_HOURS", 24, 1..=720)? as i64,
            counter_retention_days: number("HUJIFEN_COUNTER_RETENTION_DAYS", 7, 1..=365)? as i64,
            listen: get("HUJIFEN_LISTEN").unwrap_or_else(|| "127.0.0.1:8080".into()),
            database_url: get("DATABASE_URL").unwrap_or_else(|| "sqlite://data/hujifen.db".into()),
            public_url,
            sms,
            smtp_url: get("HUJIFEN_SMTP_URL"),
            mail_from: get("HUJIFEN_MAIL_FROM"),
            notify_to: get("HUJIFEN_NOTIFY_TO")
                .map(|list| {
                    list.split(',')
                        .map(str::trim)
                        .filter(|a| !a.is_empty())
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default(),
            session_key: get("HUJIFEN_SESSION_KEY"),
            trusted_proxy,
            admin_password: get("HUJIFEN_ADMIN_PASSWORD"),
            admin_username: match get("HUJIFEN_ADMIN_USERNAME") {
                None => crate::cli::DEFAULT_ADMIN_USERNAME.into(),
                Some(name) => {
                    crate::advisors::check_username(&name).map_err(|_| {
                        anyhow!("HUJIFEN_ADMIN_USERNAME must be 2 to 32 of a-z, 0-9, '.', '_', '-', got {name:?}")
                    })?;
                    name
                }
            },
            reference_wages,
            workers,
        })
    }

    /// Whether the site is served over https (Secure cookies, HSTS).
    pub fn is_https(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// `scheme://host[:port]` of the public URL (normalised at start).
    pub fn public_origin(&self) -> &str {
        let url = self.public_url.as_str();
        let after_scheme = url.find("://").map_or(0, |at| at + 3);
        match url[after_scheme..].find('/') {
            Some(slash) => &url[..after_scheme + slash],
            None => url,
        }
    }

    /// The public URL's host name, without its port.
    pub fn public_host_name(&self) -> &str {
        let origin = self.public_origin();
        let authority = origin.split_once("://").map_or(origin, |(_, rest)| rest);
        host_name(authority)
    }
}

/// The name of a `host[:port]` authority ("[::1]:8080" -> "[::1]").
pub fn host_name(authority: &str) -> &str {
    authority
        .rsplit_once(':')
        .filter(|(name, port)| {
            !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) && !name.ends_with(':')
        })
        .map_or(authority, |(name, _)| name)
}

/// The public URL as browsers write its origin: scheme and host in lower
/// case, no default port, no trailing slash; the path kept. None when it is
/// not http(s) or its host is not ASCII (write an IDN as punycode).
pub fn normalise_public_url(text: &str) -> Option<String> {
    let text = text.trim().trim_end_matches('/');
    let (scheme, rest) = text.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let (authority, path) = match rest.find('/') {
        Some(slash) => rest.split_at(slash),
        None => (rest, ""),
    };
    if authority.is_empty() || !authority.is_ascii() || authority.contains('@') {
        return None;
    }
    let authority = authority.to_ascii_lowercase();
    let default_port = if scheme == "https" { ":443" } else { ":80" };
    let authority = authority.strip_suffix(default_port).unwrap_or(&authority);
    Some(format!("{scheme}://{authority}{path}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(pairs: &[(&str, &str)]) -> anyhow::Result<Settings> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults_match_the_design() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.listen, "127.0.0.1:8080");
        assert_eq!(s.database_url, "sqlite://data/hujifen.db");
        assert_eq!(s.public_url, "http://127.0.0.1:8080");
        assert_eq!(s.sms, SmsSetting::Console);
        assert!(s.smtp_url.is_none() && s.trusted_proxy.is_empty() && s.notify_to.is_empty());
        assert!(!s.is_https());
        assert_eq!(s.send_limits, SendLimits::default());
        assert_eq!(s.submit_limits, SubmitLimits::default());
        assert_eq!(s.code_rules, CodeRules::default());
        assert_eq!(s.captcha_ttl_seconds, 120);
    }

    #[test]
    fn limits_are_settings() {
        let s = settings(&[
            ("HUJIFEN_SMS_PHONE_INTERVAL_SECS", "5"),
            ("HUJIFEN_SMS_PHONE_PER_HOUR", "2"),
            ("HUJIFEN_SMS_DAILY_BUDGET", "7"),
            ("HUJIFEN_CODE_TTL_SECS", "2"),
            ("HUJIFEN_LEADS_PER_PHONE_DAY", "1"),
            ("HUJIFEN_CAPTCHA_MAX_NUMBER", "100"),
        ])
        .unwrap();
        assert_eq!(s.send_limits.phone_interval.seconds, 5);
        assert_eq!(s.send_limits.phone_hour.limit, 2);
        assert_eq!(s.send_limits.global_day.limit, 7);
        assert_eq!(s.code_rules.ttl_seconds, 2);
        assert_eq!(s.submit_limits.phone_day.limit, 1);
        assert_eq!(s.captcha_max_number, 100);
        let aliyun = settings(&[
            ("HUJIFEN_SMS", "aliyun"),
            ("HUJIFEN_ALIYUN_ACCESS_KEY_ID", "id"),
            ("HUJIFEN_ALIYUN_ACCESS_KEY_SECRET", "secret"),
            ("HUJIFEN_ALIYUN_SIGN_NAME", "沪积分"),
            ("HUJIFEN_ALIYUN_TEMPLATE_CODE", "SMS_1"),
        ])
        .unwrap();
        assert_eq!(
            aliyun.aliyun.unwrap().endpoint,
            "https://dysmsapi.aliyuncs.com"
        );
    }

    #[test]
    fn values_are_read_and_checked() {
        let s = settings(&[
            ("HUJIFEN_PUBLIC_URL", "https://hujifen.example/"),
            ("HUJIFEN_SMS", "file:/tmp/sms.jsonl"),
            ("HUJIFEN_TRUSTED_PROXY", "127.0.0.1, 10.0.0.0/8"),
            ("HUJIFEN_NOTIFY_TO", "a@example.com, b@example.com,"),
            ("HUJIFEN_WORKERS", "1"),
        ])
        .unwrap();
        assert_eq!(s.public_url, "https://hujifen.example");
        for (given, normalised) in [
            (
                "HTTPS://HuJiFen.Example:443/",
                Some("https://hujifen.example"),
            ),
            ("http://127.0.0.1:8080", Some("http://127.0.0.1:8080")),
            ("http://example.com:80/sub/", Some("http://example.com/sub")),
            ("ftp://example.com", None),
            ("https://沪积分.cn", None),
            ("https://user@example.com", None),
        ] {
            assert_eq!(
                normalise_public_url(given).as_deref(),
                normalised,
                "{given}"
            );
        }
        assert!(s.is_https());
        assert_eq!(s.sms, SmsSetting::File("/tmp/sms.jsonl".into()));
        assert_eq!(s.notify_to, ["a@example.com", "b@example.com"]);
        assert_eq!(s.workers, 1);
        assert!(s.trusted_proxy.contains("10.1.2.3".parse().unwrap()));
        assert!(settings(&[("HUJIFEN_SMS", "carrier-pigeon")]).is_err());
        assert!(settings(&[("HUJIFEN_TRUSTED_PROXY", "proxy")]).is_err());
        assert!(settings(&[("HUJIFEN_PUBLIC_URL", "hujifen.example")]).is_err());
        assert!(settings(&[("HUJIFEN_WORKERS", "0")]).is_err());
        assert!(
            settings(&[("HUJIFEN_SMS", "aliyun")]).is_err(),
            "aliyun needs its keys"
        );
        assert!(settings(&[("HUJIFEN_SMS_PHONE_PER_HOUR", "lots")]).is_err());
        assert!(settings(&[("HUJIFEN_REFERENCE_WAGES", "/nonexistent/wages.toml")]).is_err());
    }
}
