//! Settings from the environment (names and defaults from DESIGN.md), one
//! struct per concern, each read by its own `from_lookup`.

mod limits;
mod operator;
mod robots;
mod server;
mod sms;

use std::ops::RangeInclusive;
use std::time::Duration;

use anyhow::{Context, anyhow, bail};

use crate::scoring::ReferenceWages;

pub use limits::{CaptchaSettings, LimitSettings};
pub use operator::OperatorSettings;
pub use robots::{DingTalkRobot, RobotSettings};
pub use server::{ServerSettings, host_name, normalise_public_url};
pub use sms::{AliyunSettings, SmsSetting, SmsSettings};

#[derive(Debug, Clone)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub secrets: SecretSettings,
    pub first_admin: FirstAdminSettings,
    /// `HUJIFEN_REFERENCE_WAGES` [the table bundled with the build]: a TOML
    /// file in the format of `src/scoring/reference_wages.toml`.
    pub reference_wages: ReferenceWages,
    pub sms: SmsSettings,
    pub limits: LimitSettings,
    pub mail: MailSettings,
    pub outbox: OutboxSettings,
    /// The group-chat robots told of new and overdue leads.
    pub robots: RobotSettings,
    pub retention: RetentionSettings,
    pub disk: DiskSettings,
    pub operator: OperatorSettings,
}

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup` (the environment, or a test's map).
    /// Blank values count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let lookup = Lookup::new(&lookup);
        let server = ServerSettings::from_lookup(&lookup)?;
        let sms = SmsSettings::from_lookup(&lookup)?;
        // A public https site is a deployment: the console sender would
        // write every visitor's code to the log and send none.
        if server.is_https() && sms.sender == SmsSetting::Console {
            bail!(
                "HUJIFEN_PUBLIC_URL is https:// but HUJIFEN_SMS is console (the default), which \
                 sends no SMS and logs every code: set HUJIFEN_SMS=aliyun"
            );
        }
        Ok(Self {
            server,
            database: DatabaseSettings::from_lookup(&lookup),
            secrets: SecretSettings::from_lookup(&lookup),
            first_admin: FirstAdminSettings::from_lookup(&lookup)?,
            reference_wages: reference_wages(&lookup)?,
            sms,
            limits: LimitSettings::from_lookup(&lookup)?,
            mail: MailSettings::from_lookup(&lookup),
            outbox: OutboxSettings::from_lookup(&lookup)?,
            robots: RobotSettings::from_lookup(&lookup)?,
            retention: RetentionSettings::from_lookup(&lookup)?,
            disk: DiskSettings::from_lookup(&lookup)?,
            operator: OperatorSettings::from_lookup(&lookup),
        })
    }
}

/// Named values, read and checked: the environment or a test's map.
pub struct Lookup<'a> {
    read: &'a dyn Fn(&str) -> Option<String>,
}

impl<'a> Lookup<'a> {
    pub fn new(read: &'a dyn Fn(&str) -> Option<String>) -> Self {
        Self { read }
    }

    /// The trimmed value; blank counts as unset.
    pub fn get(&self, name: &str) -> Option<String> {
        (self.read)(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    }

    /// A whole number in `range`, `default` when unset.
    pub fn number(
        &self,
        name: &str,
        default: u64,
        range: RangeInclusive<u64>,
    ) -> anyhow::Result<u64> {
        match self.get(name) {
            None => Ok(default),
            Some(text) => text
                .parse::<u64>()
                .ok()
                .filter(|n| range.contains(n))
                .ok_or_else(|| anyhow!("{name} must be a whole number in {range:?}, got {text:?}")),
        }
    }

    /// A number of milliseconds in `range`, `default` when unset.
    pub fn millis(
        &self,
        name: &str,
        default: u64,
        range: RangeInclusive<u64>,
    ) -> anyhow::Result<Duration> {
        self.number(name, default, range).map(Duration::from_millis)
    }
}

#[derive(Debug, Clone)]
pub struct DatabaseSettings {
    /// `DATABASE_URL` [sqlite://data/hujifen.db].
    pub url: String,
}

impl DatabaseSettings {
    pub fn from_lookup(lookup: &Lookup<'_>) -> Self {
        Self {
            url: lookup
                .get("DATABASE_URL")
                .unwrap_or_else(|| "sqlite://data/hujifen.db".into()),
        }
    }
}

#[derive(Debug, Clone)]
pub struct SecretSettings {
    /// `HUJIFEN_SESSION_KEY` [generated and kept in the data folder].
    pub session_key: Option<String>,
}

impl SecretSettings {
    pub fn from_lookup(lookup: &Lookup<'_>) -> Self {
        Self {
            session_key: lookup.get("HUJIFEN_SESSION_KEY"),
        }
    }
}

/// The first advisor (an admin), created on a first start with no advisor.
#[derive(Debug, Clone)]
pub struct FirstAdminSettings {
    /// `HUJIFEN_ADMIN_USERNAME` [admin].
    pub username: String,
    /// `HUJIFEN_ADMIN_PASSWORD` [unset: a random one is printed once].
    pub password: Option<String>,
}

impl FirstAdminSettings {
    pub fn from_lookup(lookup: &Lookup<'_>) -> anyhow::Result<Self> {
        let username = match lookup.get("HUJIFEN_ADMIN_USERNAME") {
            None => crate::advisors::DEFAULT_ADMIN_USERNAME.into(),
            Some(name) => {
                crate::advisors::check_username(&name).map_err(|_| {
                    anyhow!("HUJIFEN_ADMIN_USERNAME must be 2 to 32 of a-z, 0-9, '.', '_', '-', got {name:?}")
                })?;
                name
            }
        };
        Ok(Self {
            username,
            password: lookup.get("HUJIFEN_ADMIN_PASSWORD"),
        })
    }
}

/// `HUJIFEN_REFERENCE_WAGES`, else the bundled table.
fn reference_wages(lookup: &Lookup<'_>) -> anyhow::Result<ReferenceWages> {
    match lookup.get("HUJIFEN_REFERENCE_WAGES") {
        None => ReferenceWages::parse(crate::scoring::wages::BUNDLED_TABLE)
            .map_err(|error| anyhow!("bundled reference wage table: {error}")),
        Some(path) => {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading HUJIFEN_REFERENCE_WAGES {path}"))?;
            ReferenceWages::parse(&text)
                .map_err(|error| anyhow!("HUJIFEN_REFERENCE_WAGES {path}: {error}"))
        }
    }
}

/// Email to advisors and the operator.
#[derive(Debug, Clone)]
pub struct MailSettings {
    /// `HUJIFEN_SMTP_URL` [unset: emails are logged].
    pub smtp_url: Option<String>,
    /// `HUJIFEN_MAIL_FROM` [沪积分 <noreply@HOST> from the public URL].
    pub from: Option<String>,
    /// `HUJIFEN_NOTIFY_TO`, a comma list [every active advisor with an email].
    pub notify_to: Vec<String>,
}

impl MailSettings {
    pub fn from_lookup(lookup: &Lookup<'_>) -> Self {
        Self {
            smtp_url: lookup.get("HUJIFEN_SMTP_URL"),
            from: lookup.get("HUJIFEN_MAIL_FROM"),
            notify_to: lookup
                .get("HUJIFEN_NOTIFY_TO")
                .map(|list| {
                    list.split(',')
                        .map(str::trim)
                        .filter(|a| !a.is_empty())
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default(),
        }
    }
}

/// The outbox worker's pace.
#[derive(Debug, Clone, Copy)]
pub struct OutboxSettings {
    /// `HUJIFEN_OUTBOX_POLL_MS` [2000]: how often the worker looks for work.
    pub poll: Duration,
    /// `HUJIFEN_OUTBOX_RETRY_MS` [10000]: first retry delay, doubled per attempt up to an hour.
    pub retry: Duration,
    /// `HUJIFEN_OUTBOX_CLAIM_SECS` [120]: how long a message claimed by one
    /// instance's worker is its own to send; after that (a crashed
    /// instance) another worker sends it. Longer than one delivery.
    pub claim_seconds: i64,
}

impl OutboxSettings {
    pub fn from_lookup(lookup: &Lookup<'_>) -> anyhow::Result<Self> {
        Ok(Self {
            poll: lookup.millis("HUJIFEN_OUTBOX_POLL_MS", 2000, 10..=600_000)?,
            retry: lookup.millis("HUJIFEN_OUTBOX_RETRY_MS", 10_000, 10..=3_600_000)?,
            claim_seconds: lookup.number("HUJIFEN_OUTBOX_CLAIM_SECS", 120, 5..=3600)? as i64,
        })
    }
}

/// The disk-space guard.
#[derive(Debug, Clone, Copy)]
pub struct DiskSettings {
    /// `HUJIFEN_DISK_WARN_FREE_MB` [2048]: below this much free space on the
    /// data folder's disk the operator is warned (log, and email once a day
    /// per level); below a quarter of it the warning is critical. 0: off.
    pub warn_free_mb: u64,
    /// `HUJIFEN_DISK_CHECK_MS` [600000]: how often the disk is looked at.
    pub check: Duration,
}

impl DiskSettings {
    pub fn from_lookup(lookup: &Lookup<'_>) -> anyhow::Result<Self> {
        Ok(Self {
            warn_free_mb: lookup.number("HUJIFEN_DISK_WARN_FREE_MB", 2048, 0..=100_000_000)?,
            check: lookup.millis("HUJIFEN_DISK_CHECK_MS", 600_000, 50..=86_400_000)?,
        })
    }
}

/// How long personal data and counters are kept.
#[derive(Debug, Clone, Copy)]
pub struct RetentionSettings {
    /// `HUJIFEN_RETENTION_DAYS` [180]: leads are anonymised this long after
    /// their last activity.
    pub lead_days: i64,
    /// `HUJIFEN_CODE_RETENTION_HOURS` [24]: verification codes are deleted after this.
    pub code_hours: i64,
    /// `HUJIFEN_COUNTER_RETENTION_DAYS` [7]: send and login counters are deleted after this.
    pub counter_days: i64,
    /// `HUJIFEN_RESULT_RETENTION_DAYS` [365]: stored self-test results no
    /// lead points to are deleted after this (DESIGN.md).
    pub result_days: i64,
}

impl RetentionSettings {
    pub fn from_lookup(lookup: &Lookup<'_>) -> anyhow::Result<Self> {
        Ok(Self {
            lead_days: lookup.number("HUJIFEN_RETENTION_DAYS", 180, 1..=3650)? as i64,
            code_hours: lookup.number("HUJIFEN_CODE_RETENTION_HOURS", 24, 1..=720)? as i64,
            counter_days: lookup.number("HUJIFEN_COUNTER_RETENTION_DAYS", 7, 1..=365)? as i64,
            result_days: lookup.number("HUJIFEN_RESULT_RETENTION_DAYS", 365, 1..=3650)? as i64,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::leads::codes::CodeRules;
    use crate::leads::limits::{SendLimits, SubmitLimits};
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
        assert_eq!(s.server.listen, "127.0.0.1:8080");
        assert_eq!(s.database.url, "sqlite://data/hujifen.db");
        assert_eq!(s.server.public_url, "http://127.0.0.1:8080");
        assert_eq!(s.sms.sender, SmsSetting::Console);
        assert!(
            s.mail.smtp_url.is_none()
                && s.server.trusted_proxy.is_empty()
                && s.mail.notify_to.is_empty()
        );
        assert!(!s.server.is_https());
        assert_eq!(s.limits.send, SendLimits::default());
        assert_eq!(s.limits.submit, SubmitLimits::default());
        assert_eq!(s.limits.codes, CodeRules::default());
        assert_eq!(s.limits.captcha.ttl_seconds, 120);
        assert_eq!(s.operator, OperatorSettings::default());
        assert!(!s.operator.is_named());
    }

    #[test]
    fn an_https_site_refuses_the_console_sms_sender() {
        let https = ("HUJIFEN_PUBLIC_URL", "https://hujifen.example");
        let error = settings(&[https]).unwrap_err().to_string();
        assert!(error.contains("HUJIFEN_SMS"), "{error}");
        assert!(settings(&[https, ("HUJIFEN_SMS", "console")]).is_err());
        assert!(settings(&[https, ("HUJIFEN_SMS", "file:/tmp/sms.jsonl")]).is_ok());
        assert!(
            settings(&[("HUJIFEN_SMS", "console")]).is_ok(),
            "http: development"
        );
    }

    #[test]
    fn a_trusted_proxy_of_every_address_is_refused() {
        for everyone in [
            "0.0.0.0/0",
            "::/0",
            "127.0.0.1,::/0",
            "0.0.0.0/1,128.0.0.0/1",
        ] {
            assert!(
                settings(&[("HUJIFEN_TRUSTED_PROXY", everyone)]).is_err(),
                "{everyone}"
            );
        }
    }

    #[test]
    fn the_aliyun_endpoint_is_https_or_loopback_http() {
        let aliyun = |endpoint: &'static str| {
            settings(&[
                ("HUJIFEN_SMS", "aliyun"),
                ("HUJIFEN_ALIYUN_ACCESS_KEY_ID", "id"),
                ("HUJIFEN_ALIYUN_ACCESS_KEY_SECRET", "secret"),
                ("HUJIFEN_ALIYUN_SIGN_NAME", "沪积分"),
                ("HUJIFEN_ALIYUN_TEMPLATE_CODE", "SMS_1"),
                ("HUJIFEN_ALIYUN_ENDPOINT", endpoint),
            ])
        };
        assert!(aliyun("https://dysmsapi.aliyuncs.com").is_ok());
        assert!(aliyun("http://127.0.0.1:9000").is_ok(), "a test's fake");
        for bad in [
            "http://dysmsapi.aliyuncs.com",
            "ftp://dysmsapi.aliyuncs.com",
            "https://",
            "dysmsapi.aliyuncs.com",
        ] {
            assert!(aliyun(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_operator_is_read_trimmed_and_blank_is_unset() {
        let s = settings(&[
            ("HUJIFEN_OPERATOR", "  上海某某咨询有限公司 "),
            ("HUJIFEN_ICP", "沪ICP备12345678号-1"),
            ("HUJIFEN_CONTACT", "   "),
        ])
        .unwrap();
        assert_eq!(s.operator.name.as_deref(), Some("上海某某咨询有限公司"));
        assert_eq!(s.operator.icp.as_deref(), Some("沪ICP备12345678号-1"));
        assert_eq!(s.operator.contact, None);
        assert!(s.operator.is_named());
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
        assert_eq!(s.limits.send.phone_interval.seconds, 5);
        assert_eq!(s.limits.send.phone_hour.limit, 2);
        assert_eq!(s.limits.send.global_day.limit, 7);
        assert_eq!(s.limits.codes.ttl_seconds, 2);
        assert_eq!(s.limits.submit.phone_day.limit, 1);
        assert_eq!(s.limits.captcha.max_number, 100);
        let aliyun = settings(&[
            ("HUJIFEN_SMS", "aliyun"),
            ("HUJIFEN_ALIYUN_ACCESS_KEY_ID", "id"),
            ("HUJIFEN_ALIYUN_ACCESS_KEY_SECRET", "secret"),
            ("HUJIFEN_ALIYUN_SIGN_NAME", "沪积分"),
            ("HUJIFEN_ALIYUN_TEMPLATE_CODE", "SMS_1"),
        ])
        .unwrap();
        assert_eq!(
            aliyun.sms.aliyun.unwrap().endpoint,
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
        assert_eq!(s.server.public_url, "https://hujifen.example");
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
        assert!(s.server.is_https());
        assert_eq!(s.sms.sender, SmsSetting::File("/tmp/sms.jsonl".into()));
        assert_eq!(s.mail.notify_to, ["a@example.com", "b@example.com"]);
        assert_eq!(s.server.workers, 1);
        assert!(s.server.trusted_proxy.contains("10.1.2.3".parse().unwrap()));
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
