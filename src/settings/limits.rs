//! The limits against abuse: SMS sends, lead submissions, verification
//! codes and the proof-of-work captcha (SECURITY.md).

use std::time::Duration;

use super::Lookup;
use crate::leads::client_windows::ClientLimit;
use crate::leads::codes::CodeRules;
use crate::leads::limits::{SendLimits, SubmitLimits, Window};

#[derive(Debug, Clone)]
pub struct LimitSettings {
    /// SMS send limits (`HUJIFEN_SMS_*`).
    pub send: SendLimits,
    /// Lead submission limits (`HUJIFEN_LEADS_*`).
    pub submit: SubmitLimits,
    /// Verification code rules (`HUJIFEN_CODE_*`).
    pub codes: CodeRules,
    /// The proof of work asked before a code is sent (`HUJIFEN_CAPTCHA_*`).
    pub captcha: CaptchaSettings,
    /// Self-test results stored per hour (`HUJIFEN_RESULTS_PER_*_HOUR`
    /// [60 per client, 600 per network]): past it a result is shown but
    /// not stored. A family comparing what-ifs needs a few dozen.
    pub results: ClientLimit,
    /// `HUJIFEN_LOGIN_WAIT_MS` [2000]: how long a login waits for a
    /// password-hashing permit before it is refused as busy.
    pub login_wait: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaptchaSettings {
    /// `HUJIFEN_CAPTCHA_MAX_NUMBER` [50000]: proof-of-work difficulty (the
    /// browser tries half of it on average).
    pub max_number: u64,
    /// `HUJIFEN_CAPTCHA_TTL_SECS` [120]: how long a challenge stays valid.
    pub ttl_seconds: i64,
}

impl LimitSettings {
    pub fn from_lookup(lookup: &Lookup<'_>) -> anyhow::Result<Self> {
        Ok(Self {
            send: send_limits(lookup)?,
            submit: submit_limits(lookup)?,
            codes: code_rules(lookup)?,
            captcha: CaptchaSettings::from_lookup(lookup)?,
            results: ClientLimit {
                per_client: lookup.number("HUJIFEN_RESULTS_PER_CLIENT_HOUR", 60, 1..=1_000_000)?
                    as u32,
                per_network: lookup.number(
                    "HUJIFEN_RESULTS_PER_NETWORK_HOUR",
                    600,
                    1..=1_000_000,
                )? as u32,
                window: Duration::from_secs(3600),
            },
            login_wait: lookup.millis("HUJIFEN_LOGIN_WAIT_MS", 2000, 0..=10_000)?,
        })
    }
}

impl CaptchaSettings {
    pub fn from_lookup(lookup: &Lookup<'_>) -> anyhow::Result<Self> {
        Ok(Self {
            max_number: lookup.number("HUJIFEN_CAPTCHA_MAX_NUMBER", 50_000, 10..=10_000_000)?,
            ttl_seconds: lookup.number("HUJIFEN_CAPTCHA_TTL_SECS", 120, 5..=600)? as i64,
        })
    }
}

/// A limit whose count is a setting and whose period is fixed.
fn window(lookup: &Lookup<'_>, name: &str, default: Window) -> anyhow::Result<Window> {
    Ok(Window {
        limit: lookup.number(name, u64::from(default.limit), 1..=1_000_000)? as u32,
        seconds: default.seconds,
    })
}

fn send_limits(lookup: &Lookup<'_>) -> anyhow::Result<SendLimits> {
    let defaults = SendLimits::default();
    Ok(SendLimits {
        phone_interval: Window {
            limit: 1,
            seconds: lookup.number("HUJIFEN_SMS_PHONE_INTERVAL_SECS", 60, 1..=86_400)? as i64,
        },
        phone_hour: window(lookup, "HUJIFEN_SMS_PHONE_PER_HOUR", defaults.phone_hour)?,
        phone_day: window(lookup, "HUJIFEN_SMS_PHONE_PER_DAY", defaults.phone_day)?,
        ip_hour: window(lookup, "HUJIFEN_SMS_IP_PER_HOUR", defaults.ip_hour)?,
        ip_day: window(lookup, "HUJIFEN_SMS_IP_PER_DAY", defaults.ip_day)?,
        network_hour: window(
            lookup,
            "HUJIFEN_SMS_NETWORK_PER_HOUR",
            defaults.network_hour,
        )?,
        network_day: window(lookup, "HUJIFEN_SMS_NETWORK_PER_DAY", defaults.network_day)?,
        global_day: window(lookup, "HUJIFEN_SMS_DAILY_BUDGET", defaults.global_day)?,
    })
}

fn submit_limits(lookup: &Lookup<'_>) -> anyhow::Result<SubmitLimits> {
    let defaults = SubmitLimits::default();
    Ok(SubmitLimits {
        phone_day: window(lookup, "HUJIFEN_LEADS_PER_PHONE_DAY", defaults.phone_day)?,
        ip_hour: window(lookup, "HUJIFEN_LEADS_PER_IP_HOUR", defaults.ip_hour)?,
        network_hour: window(
            lookup,
            "HUJIFEN_LEADS_PER_NETWORK_HOUR",
            defaults.network_hour,
        )?,
    })
}

fn code_rules(lookup: &Lookup<'_>) -> anyhow::Result<CodeRules> {
    let defaults = CodeRules::default();
    Ok(CodeRules {
        ttl_seconds: lookup.number(
            "HUJIFEN_CODE_TTL_SECS",
            defaults.ttl_seconds as u64,
            1..=3600,
        )? as i64,
        max_wrong_per_code: lookup.number("HUJIFEN_CODE_MAX_WRONG", 5, 1..=100)? as u32,
        max_wrong_per_phone_day: lookup.number("HUJIFEN_CODE_MAX_WRONG_PER_DAY", 10, 1..=1000)?
            as u32,
        max_wrong_per_phone_all_clients: lookup.number(
            "HUJIFEN_CODE_MAX_WRONG_PER_PHONE_DAY",
            30,
            1..=10_000,
        )? as u32,
    })
}
