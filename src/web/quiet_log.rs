//! Warnings a client can repeat at will, each written at most once a
//! minute per client with a count (`leads::log_throttle`).

use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use crate::leads::log_throttle::{Line, LogThrottle};

/// The request-path warnings a client can repeat at will, each throttled
/// per client: one per app, in AppState.
#[derive(Debug)]
pub struct QuietLog {
    captcha_replays: Mutex<LogThrottle>,
    sms_limits: Mutex<LogThrottle>,
    results_not_stored: Mutex<LogThrottle>,
}

impl Default for QuietLog {
    fn default() -> Self {
        Self {
            captcha_replays: Mutex::new(LogThrottle::per_minute()),
            sms_limits: Mutex::new(LogThrottle::per_minute()),
            results_not_stored: Mutex::new(LogThrottle::per_minute()),
        }
    }
}

impl QuietLog {
    /// A replayed proof of work from `client`: the line to write, if any.
    pub fn captcha_replay(&self, client: &str) -> Option<Line> {
        note(&self.captcha_replays, client)
    }

    /// An SMS send refused by a limit for `client`: the line to write, if any.
    pub fn sms_limit(&self, client: &str) -> Option<Line> {
        note(&self.sms_limits, client)
    }

    /// A self-test result not stored past `client`'s hourly limit.
    pub fn result_not_stored(&self, client: &str) -> Option<Line> {
        note(&self.results_not_stored, client)
    }
}

fn note(throttle: &Mutex<LogThrottle>, key: &str) -> Option<Line> {
    throttle
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .note(key, Instant::now())
}
