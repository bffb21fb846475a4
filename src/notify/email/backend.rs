//! Where an email goes: an SMTP server, or the log when none is set.

use std::time::Duration;

use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::EmailMessage;
use crate::settings::MailSettings;

pub enum EmailBackend {
    /// `HUJIFEN_SMTP_URL`: sent over SMTP (lettre). Boxed: the transport is large.
    Smtp(Box<AsyncSmtpTransport<Tokio1Executor>>),
    /// `HUJIFEN_SMTP_URL` unset: written to the log, for development.
    Log,
}

impl EmailBackend {
    pub fn from_settings(mail: &MailSettings) -> anyhow::Result<Self> {
        let Some(url) = &mail.smtp_url else {
            return Ok(Self::Log);
        };
        crate::notify::sms::install_tls_provider();
        let builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|error| anyhow::anyhow!("HUJIFEN_SMTP_URL: {error}"))?;
        let transport = builder.timeout(Some(Duration::from_secs(15))).build();
        Ok(Self::Smtp(Box::new(transport)))
    }

    /// Whether this backend delivers to addresses (the log does not).
    pub fn addresses_people(&self) -> bool {
        matches!(self, Self::Smtp(_))
    }

    pub async fn send(
        &self,
        from: &Mailbox,
        to: Vec<Mailbox>,
        email: &EmailMessage,
    ) -> Result<(), String> {
        let transport = match self {
            Self::Log => {
                tracing::info!(subject = %email.subject, body = %email.body, "email (HUJIFEN_SMTP_URL unset, logged only)");
                return Ok(());
            }
            Self::Smtp(transport) => transport,
        };
        let mut builder = Message::builder()
            .from(from.clone())
            .subject(&email.subject)
            .message_id(email.message_id.clone());
        for to in to {
            builder = builder.to(to);
        }
        let message = builder
            .header(ContentType::TEXT_PLAIN)
            .body(email.body.clone())
            .map_err(|error| error.to_string())?;
        transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|error| error.to_string())
    }
}
