//! Advisor email through the outbox: a background worker sends what is due
//! over SMTP (lettre), retries with backoff, and marks what went out. The
//! mail names the lead id, interest and score band, never a name or phone.

use std::sync::Arc;
use std::time::Duration;

use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::Deserialize;
use sqlx::SqlitePool;
use tokio::sync::{Notify, watch};

use crate::db::outbox::{self, OutboxMessage};
use crate::leads::form::Interest;
use crate::leads::score_band_label;
use crate::settings::Settings;

/// The longest wait between two tries.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);

pub struct Mailer {
    /// None: `HUJIFEN_SMTP_URL` unset, mail is written to the log.
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
    to: Vec<Mailbox>,
    public_url: String,
}

/// A composed notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub subject: String,
    pub body: String,
}

#[derive(Deserialize)]
struct LeadNotification {
    lead_id: i64,
    interest: String,
    band: String,
    #[serde(default)]
    repeat: bool,
}

impl Mailer {
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Self> {
        let transport = match &settings.mail.smtp_url {
            None => None,
            Some(url) => {
                crate::notify::sms::install_tls_provider();
                let builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|error| anyhow::anyhow!("HUJIFEN_SMTP_URL: {error}"))?;
                Some(builder.timeout(Some(Duration::from_secs(15))).build())
            }
        };
        let host = settings
            .server
            .public_url
            .split("://")
            .nth(1)
            .and_then(|rest| rest.split([':', '/']).next())
            .filter(|host| {
                host.contains('.') && !host.chars().all(|c| c.is_ascii_digit() || c == '.')
            })
            .unwrap_or("localhost.localdomain");
        let from_text = settings
            .mail
            .from
            .clone()
            .unwrap_or_else(|| format!("沪积分 <noreply@{host}>"));
        let from: Mailbox = from_text
            .parse()
            .map_err(|error| anyhow::anyhow!("HUJIFEN_MAIL_FROM {from_text:?}: {error}"))?;
        let to = settings
            .mail
            .notify_to
            .iter()
            .map(|address| {
                address
                    .parse::<Mailbox>()
                    .map_err(|error| anyhow::anyhow!("HUJIFEN_NOTIFY_TO {address:?}: {error}"))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Self {
            transport,
            from,
            to,
            public_url: settings.server.public_url.clone(),
        })
    }

    pub fn compose(&self, message: &OutboxMessage) -> Result<Mail, String> {
        if message.kind == "sms_budget_alert" {
            return budget_alert(&message.payload);
        }
        if message.kind != "lead_notification" {
            return Err(format!("unknown outbox kind {:?}", message.kind));
        }
        let lead: LeadNotification =
            serde_json::from_str(&message.payload).map_err(|error| format!("payload: {error}"))?;
        let interest = Interest::from_code(&lead.interest).label();
        let band = score_band_label(&lead.band);
        let link = format!("{}/admin/leads/{}", self.public_url, lead.lead_id);
        let (subject, opening) = if lead.repeat {
            (
                format!(
                    "【沪积分】线索 #{} 再次请求回电（{interest} · {band}）",
                    lead.lead_id
                ),
                "一位已有线索的访客再次提交了回电请求。",
            )
        } else {
            (
                format!("【沪积分】新线索 #{}（{interest} · {band}）", lead.lead_id),
                "有一条新的回电请求。",
            )
        };
        let body = format!(
            "{opening}\n\n线索编号：{}\n意向：{interest}\n自测分数段：{band}\n\n请在1个工作日内联系，详情请登录后台查看：\n{link}\n\n为保护个人信息，邮件中不含访客姓名和电话。\n",
            lead.lead_id
        );
        Ok(Mail { subject, body })
    }

    /// `HUJIFEN_NOTIFY_TO`, else every active advisor with an email.
    async fn recipients(&self, pool: &SqlitePool) -> Result<Vec<Mailbox>, String> {
        if !self.to.is_empty() {
            return Ok(self.to.clone());
        }
        let emails = crate::db::advisors::active_emails(pool)
            .await
            .map_err(|error| error.to_string())?;
        Ok(emails
            .iter()
            .filter_map(|email| email.parse().ok())
            .collect())
    }

    async fn deliver(&self, pool: &SqlitePool, mail: &Mail) -> Result<(), String> {
        let Some(transport) = &self.transport else {
            tracing::info!(subject = %mail.subject, body = %mail.body, "email (HUJIFEN_SMTP_URL unset, logged only)");
            return Ok(());
        };
        let recipients = self.recipients(pool).await?;
        if recipients.is_empty() {
            tracing::warn!(subject = %mail.subject, "no recipients: set HUJIFEN_NOTIFY_TO or give an advisor an email; email logged only");
            return Ok(());
        }
        let mut builder = Message::builder()
            .from(self.from.clone())
            .subject(&mail.subject);
        for to in recipients {
            builder = builder.to(to);
        }
        let message = builder
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body.clone())
            .map_err(|error| error.to_string())?;
        transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|error| error.to_string())
    }
}

/// The wait before try number `attempts + 1`: `first`, doubled each time, capped.
/// The operator's warning that the day's SMS budget is being spent.
fn budget_alert(payload: &str) -> Result<Mail, String> {
    #[derive(serde::Deserialize)]
    struct Alert {
        level: String,
        sent: u32,
        budget: u32,
    }
    let alert: Alert =
        serde_json::from_str(payload).map_err(|error| format!("payload: {error}"))?;
    let what = match alert.level.as_str() {
        "elevated" => "已用过半，人机验证已加难",
        "high" => "已用八成，人机验证再加难",
        "reserve" => "进入保留额度，只为今天未获取过验证码的号码和网络发送",
        _ => "已用完，今天不再发送验证码",
    };
    Ok(Mail {
        subject: format!(
            "【沪积分】短信额度提醒：今日已发送{}/{}条",
            alert.sent, alert.budget
        ),
        body: format!(
            "今天的短信验证码额度{what}。\n\n已发送：{} 条，每日额度：{} 条（HUJIFEN_SMS_DAILY_BUDGET）。\n\n如果不是正常访问量，可能有人在批量获取验证码：请查看日志中的 \"SMS limit reached\" 记录；如确属正常增长，可调高每日额度后重启。\n",
            alert.sent, alert.budget
        ),
    })
}

pub fn backoff(first: Duration, attempts: i64) -> Duration {
    let factor = 2u32.saturating_pow(u32::try_from(attempts.clamp(0, 20)).unwrap_or(20));
    first.saturating_mul(factor).min(MAX_BACKOFF)
}

/// Sends what is due once; returns how many went out.
pub async fn process_due(
    pool: &SqlitePool,
    mailer: &Mailer,
    retry: Duration,
) -> Result<usize, sqlx::Error> {
    let mut sent = 0;
    for message in outbox::due(pool, crate::clock::unix_now(), 20).await? {
        let result = match mailer.compose(&message) {
            Ok(mail) => mailer.deliver(pool, &mail).await,
            Err(error) => Err(error),
        };
        match result {
            Ok(()) => {
                outbox::mark_sent(pool, message.id, crate::clock::unix_now()).await?;
                sent += 1;
            }
            Err(error) => {
                let wait = backoff(retry, message.attempts);
                let next =
                    crate::clock::unix_now() + i64::try_from(wait.as_secs()).unwrap_or(3600).max(0);
                // Sub-second waits (tests) still move the next try forward.
                let next = if wait < Duration::from_secs(1) {
                    crate::clock::unix_now()
                } else {
                    next
                };
                tracing::warn!(outbox_id = message.id, attempts = message.attempts + 1, %error, "email not sent; will retry");
                outbox::mark_failed(pool, message.id, next, &error).await?;
            }
        }
    }
    Ok(sent)
}

/// Runs until `stop` turns true: wakes on `wake` (a new lead) or every `poll`.
pub async fn run_worker(
    pool: SqlitePool,
    mailer: Arc<Mailer>,
    poll: Duration,
    retry: Duration,
    wake: Arc<Notify>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        if *stop.borrow() {
            break;
        }
        if let Err(error) = process_due(&pool, &mailer, retry).await {
            tracing::error!(%error, "outbox worker could not read the outbox");
        }
        tokio::select! {
            _ = tokio::time::sleep(poll) => {}
            _ = wake.notified() => {}
            _ = stop.changed() => {}
        }
    }
    tracing::info!("outbox worker stopped");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mailer() -> Mailer {
        let settings = Settings::from_lookup(|name| match name {
            "HUJIFEN_PUBLIC_URL" => Some("https://hujifen.example".into()),
            "HUJIFEN_NOTIFY_TO" => Some("advisors@hujifen.example".into()),
            _ => None,
        })
        .unwrap();
        Mailer::from_settings(&settings).unwrap()
    }

    #[test]
    fn the_mail_names_the_lead_but_not_the_person() {
        let message = OutboxMessage {
            id: 1,
            kind: "lead_notification".into(),
            payload: r#"{"lead_id":42,"interest":"planning","band":"near","repeat":false}"#.into(),
            attempts: 0,
        };
        let mail = mailer().compose(&message).unwrap();
        assert!(
            mail.subject.contains("#42")
                && mail.subject.contains("一对一规划")
                && mail.subject.contains("差20分以内")
        );
        assert!(mail.body.contains("https://hujifen.example/admin/leads/42"));
        assert!(
            !mail
                .body
                .chars()
                .any(|c| c.is_ascii_digit() && mail.body.contains("138"))
        );
        assert_eq!(mailer().from.email.to_string(), "noreply@hujifen.example");
    }

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let first = Duration::from_secs(10);
        assert_eq!(backoff(first, 0), Duration::from_secs(10));
        assert_eq!(backoff(first, 1), Duration::from_secs(20));
        assert_eq!(backoff(first, 3), Duration::from_secs(80));
        assert_eq!(backoff(first, 12), Duration::from_secs(3600));
        assert_eq!(backoff(first, 1000), Duration::from_secs(3600));
    }

    #[test]
    fn bad_addresses_fail_at_start() {
        let settings = Settings::from_lookup(|name| {
            (name == "HUJIFEN_NOTIFY_TO").then(|| "not an address".into())
        })
        .unwrap();
        assert!(Mailer::from_settings(&settings).is_err());
    }
}
