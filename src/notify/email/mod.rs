//! Advisor and operator email: messages that render themselves
//! (`messages`), sent through a backend (`backend`: SMTP or the log). Rows of
//! the outbox are turned into messages here and delivered by
//! `notify::outbox`.

mod backend;
mod messages;

use lettre::message::Mailbox;

use crate::db::outbox::OutboxMessage;
use crate::settings::Settings;

pub use backend::EmailBackend;
pub use messages::{DiskSpaceAlertEmail, Email, EmailMessage, NewLeadEmail, SmsBudgetAlertEmail};

/// Sends the site's emails: one backend, one sender, the advisors to tell.
pub struct Mailer {
    backend: EmailBackend,
    from: Mailbox,
    /// `HUJIFEN_NOTIFY_TO`; empty: every active advisor with an email.
    to: Vec<Mailbox>,
    public_url: String,
    /// The domain of the Message-IDs: the public URL's host.
    host: String,
}

impl Mailer {
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Self> {
        let backend = EmailBackend::from_settings(&settings.mail)?;
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
            backend,
            from,
            to,
            public_url: settings.server.public_url.clone(),
            host: host.to_string(),
        })
    }

    /// The email an outbox row stands for, with a Message-ID made from the
    /// row: the same on every try (an at-least-once resend after a lost
    /// acknowledgment shows once), different for every row.
    pub fn compose(&self, message: &OutboxMessage) -> Result<EmailMessage, String> {
        let mut email = messages::from_outbox(message, &self.public_url)?;
        email.message_id = Some(format!(
            "<outbox.{}.{}@{}>",
            message.id, message.created_at, self.host
        ));
        Ok(email)
    }

    /// `HUJIFEN_NOTIFY_TO`, else every active advisor with an email.
    async fn recipients(&self, pool: &crate::db::Db) -> Result<Vec<Mailbox>, String> {
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

    /// Sends to the advisors; with no one to send to, the email is only
    /// logged (and counts as sent).
    pub async fn send(&self, pool: &crate::db::Db, email: &EmailMessage) -> Result<(), String> {
        let to = if self.backend.addresses_people() {
            let recipients = self.recipients(pool).await?;
            if recipients.is_empty() {
                tracing::warn!(subject = %email.subject, "no recipients: set HUJIFEN_NOTIFY_TO or give an advisor an email; email logged only");
                return Ok(());
            }
            recipients
        } else {
            Vec::new()
        };
        self.backend.send(&self.from, to, email).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mailer() -> Mailer {
        let settings = Settings::from_lookup(|name| match name {
            "HUJIFEN_PUBLIC_URL" => Some("https://hujifen.example".into()),
            "HUJIFEN_NOTIFY_TO" => Some("advisors@hujifen.example".into()),
            "HUJIFEN_SMS" => Some("file:/dev/null".into()),
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
            created_at: 1_800_000_000,
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
    fn bad_addresses_fail_at_start() {
        let settings = Settings::from_lookup(|name| {
            (name == "HUJIFEN_NOTIFY_TO").then(|| "not an address".into())
        })
        .unwrap();
        assert!(Mailer::from_settings(&settings).is_err());
    }
}
