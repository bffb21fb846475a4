//! Warnings a client can repeat at will, each written at most once a
//! minute per client with a count (`leads::log_throttle`).

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use crate::leads::log_throttle::{Line, LogThrottle};

/// What a client repeated: each has its own throttle, so a flood of one
/// never hides another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Repeated {
    CaptchaReplay,
    SmsLimit,
    ResultNotStored,
    /// An admin login refused without hashing (busy or throttled).
    LoginRefused,
}

/// The request-path warnings a client can repeat at will, each throttled
/// per client: one per app, in AppState.
#[derive(Debug, Default)]
pub struct QuietLog {
    throttles: Mutex<HashMap<Repeated, LogThrottle>>,
}

impl QuietLog {
    /// `what` happened again for `client`: the line to write, if any.
    pub fn note(&self, what: Repeated, client: &str) -> Option<Line> {
        self.throttles
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(what)
            .or_insert_with(LogThrottle::per_minute)
            .note(client, Instant::now())
    }
}
