//! At most one log line per client and event per period, with how many
//! events it stands for: a client that repeats a refused request thousands
//! of times a second must not grow the log by gigabytes an hour (third
//! outside probe: a replayed proof of work, ≈ 5 GB an hour). Pure: the
//! caller passes the time.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// The key every new client shares once `max_keys` clients are being
/// counted: the memory stays bounded and a flood still shows.
pub const MANY_CLIENTS: &str = "(many clients)";

#[derive(Debug)]
pub struct LogThrottle {
    period: Duration,
    max_keys: usize,
    windows: HashMap<String, Window>,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    /// When the last line for this key was written.
    logged_at: Instant,
    /// Events since then that wrote no line.
    unlogged: u64,
}

/// A line to write: the key it is counted under, and the events it stands
/// for (this one and those folded since the last line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub key: String,
    pub count: u64,
}

impl LogThrottle {
    pub fn new(period: Duration, max_keys: usize) -> Self {
        Self {
            period,
            max_keys: max_keys.max(2),
            windows: HashMap::new(),
        }
    }

    /// One line a minute per key, for at most 10,000 keys at once.
    pub fn per_minute() -> Self {
        Self::new(Duration::from_secs(60), 10_000)
    }

    /// An event for `key` at `now`: the line to write, or None when it is
    /// only counted (it will be in the next line's count).
    pub fn note(&mut self, key: &str, now: Instant) -> Option<Line> {
        let key = if self.windows.contains_key(key) || self.make_room(now) {
            key
        } else {
            MANY_CLIENTS
        };
        let period = self.period;
        match self.windows.get_mut(key) {
            Some(window) if now.saturating_duration_since(window.logged_at) < period => {
                window.unlogged += 1;
                None
            }
            Some(window) => {
                let count = window.unlogged + 1;
                *window = Window {
                    logged_at: now,
                    unlogged: 0,
                };
                Some(Line {
                    key: key.to_string(),
                    count,
                })
            }
            None => {
                self.windows.insert(
                    key.to_string(),
                    Window {
                        logged_at: now,
                        unlogged: 0,
                    },
                );
                Some(Line {
                    key: key.to_string(),
                    count: 1,
                })
            }
        }
    }

    /// Whether a new key fits, after forgetting keys quiet for a period
    /// (their unlogged events are dropped with them). One place is kept
    /// for the shared key.
    fn make_room(&mut self, now: Instant) -> bool {
        let regular = |windows: &HashMap<String, Window>| {
            windows.len() - usize::from(windows.contains_key(MANY_CLIENTS))
        };
        if regular(&self.windows) < self.max_keys - 1 {
            return true;
        }
        let period = self.period;
        self.windows
            .retain(|_, window| now.saturating_duration_since(window.logged_at) < period);
        regular(&self.windows) < self.max_keys - 1
    }

    /// Keys being counted now.
    pub fn keys(&self) -> usize {
        self.windows.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_a_period_per_key_with_the_count_it_stands_for() {
        let start = Instant::now();
        let at = |seconds: u64| start + Duration::from_secs(seconds);
        let mut throttle = LogThrottle::per_minute();
        assert_eq!(
            throttle.note("203.0.113.7", at(0)),
            Some(Line {
                key: "203.0.113.7".into(),
                count: 1
            }),
            "the first event is logged at once"
        );
        for second in 1..60 {
            assert_eq!(throttle.note("203.0.113.7", at(second)), None);
        }
        assert!(
            throttle.note("198.51.100.1", at(30)).is_some(),
            "another client has its own line"
        );
        assert_eq!(
            throttle.note("203.0.113.7", at(60)),
            Some(Line {
                key: "203.0.113.7".into(),
                count: 60
            }),
            "the next line counts the 59 folded events and itself"
        );
        assert_eq!(throttle.note("203.0.113.7", at(61)), None);
    }

    #[test]
    fn memory_is_bounded_and_a_flood_of_clients_still_shows() {
        let now = Instant::now();
        let mut throttle = LogThrottle::new(Duration::from_secs(60), 3);
        let lines: Vec<Option<Line>> = (0..10)
            .map(|i| throttle.note(&format!("10.0.0.{i}"), now))
            .collect();
        assert!(throttle.keys() <= 3, "{}", throttle.keys());
        assert!(lines[..2].iter().all(Option::is_some));
        assert_eq!(
            lines[2].as_ref().map(|line| line.key.as_str()),
            Some(MANY_CLIENTS)
        );
        assert!(
            lines[3..].iter().all(Option::is_none),
            "folded into one line"
        );
        // A period later the quiet keys make room again.
        let later = now + Duration::from_secs(61);
        assert_eq!(
            throttle.note("10.0.0.99", later).map(|line| line.key),
            Some("10.0.0.99".to_string())
        );
    }
}
