//! Delivery of the outbox: what is due is sent, what fails is tried again
//! later with a doubling wait, what went out is marked. Email rows go to
//! the mailer, robot rows to their robot. The worker that calls this on a
//! schedule lives in `workers`.

use std::time::Duration;

use crate::db::outbox::{self, OutboxMessage};
use crate::leads::alerts::AlertChannel;
use crate::notify::email::Mailer;
use crate::notify::robots::Robots;
use crate::settings::{OutboxSettings, Settings};

/// Where outbox rows go: advisor and operator email, and the group-chat robots.
pub struct Channels {
    pub mailer: Mailer,
    pub robots: Robots,
}

impl Channels {
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Self> {
        Ok(Self {
            mailer: Mailer::from_settings(settings)?,
            robots: Robots::from_settings(settings)?,
        })
    }

    /// Sends one row by its kind; Err means try again later.
    async fn deliver(&self, pool: &crate::db::Db, message: &OutboxMessage) -> Result<(), String> {
        match AlertChannel::of_outbox_kind(&message.kind) {
            Some(channel) => self.robots.deliver(channel, message).await,
            None => {
                let email = self.mailer.compose(message)?;
                self.mailer.send(pool, &email).await
            }
        }
    }
}

/// The longest wait between two tries.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);

/// The wait before try number `attempts + 1`: `first`, doubled each time, capped.
pub fn backoff(first: Duration, attempts: i64) -> Duration {
    let factor = 2u32.saturating_pow(u32::try_from(attempts.clamp(0, 20)).unwrap_or(20));
    first.saturating_mul(factor).min(MAX_BACKOFF)
}

/// Sends what is due once; returns how many went out. Each message is
/// claimed first, so with several instances each goes out once.
pub async fn process_due(
    pool: &crate::db::Db,
    channels: &Channels,
    settings: &OutboxSettings,
) -> Result<usize, sqlx::Error> {
    let mut sent = 0;
    let now = crate::clock::unix_now();
    let retry = settings.retry;
    for message in outbox::claim_due(pool, now, 20, settings.claim_seconds).await? {
        match channels.deliver(pool, &message).await {
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
                tracing::warn!(outbox_id = message.id, kind = %message.kind, attempts = message.attempts + 1, %error, "outbox message not sent; will retry");
                outbox::mark_failed(pool, message.id, next, &error).await?;
            }
        }
    }
    Ok(sent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let first = Duration::from_secs(10);
        assert_eq!(backoff(first, 0), Duration::from_secs(10));
        assert_eq!(backoff(first, 1), Duration::from_secs(20));
        assert_eq!(backoff(first, 3), Duration::from_secs(80));
        assert_eq!(backoff(first, 12), Duration::from_secs(3600));
        assert_eq!(backoff(first, 1000), Duration::from_secs(3600));
    }
}
