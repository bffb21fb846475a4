//! Per-client counts over a fixed window, kept in memory: for limits whose
//! events are not worth a database row each, like storing a self-test
//! result (third outside probe: one client stored 5,543 rows a second).
//! Counted per instance; behind a load balancer a client reaches at most
//! the limit on each instance. Pure: the caller passes the time.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::network::ClientKeys;

/// How many events a client and its network may have in a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientLimit {
    /// An IPv4 address or an IPv6 /64.
    pub per_client: u32,
    /// Its IPv4 /24 or IPv6 /48 (looser: carrier NAT shares it).
    pub per_network: u32,
    pub window: Duration,
}

#[derive(Debug)]
pub struct ClientWindows {
    limit: ClientLimit,
    /// Most keys counted at once; past it, windows that ended are dropped
    /// and, if too few have, the oldest eighth (a flood of new clients
    /// must not turn every other visitor away).
    max_keys: usize,
    counts: HashMap<String, Count>,
}

#[derive(Debug, Clone, Copy)]
struct Count {
    started: Instant,
    events: u32,
}

impl ClientWindows {
    pub fn new(limit: ClientLimit, max_keys: usize) -> Self {
        Self {
            limit,
            max_keys: max_keys.max(2),
            counts: HashMap::new(),
        }
    }

    /// Whether one more event of `keys` fits; counted when it does.
    pub fn allow(&mut self, keys: &ClientKeys, now: Instant) -> bool {
        let client = self.current(&keys.client, now);
        let network = self.current(&keys.network, now);
        if client >= self.limit.per_client || network >= self.limit.per_network {
            return false;
        }
        self.make_room(keys, now);
        for key in [&keys.client, &keys.network] {
            let count = self.counts.entry(key.clone()).or_insert(Count {
                started: now,
                events: 0,
            });
            if now.saturating_duration_since(count.started) >= self.limit.window {
                *count = Count {
                    started: now,
                    events: 0,
                };
            }
            count.events += 1;
        }
        true
    }

    /// Events of `key` in its current window.
    fn current(&self, key: &str, now: Instant) -> u32 {
        self.counts
            .get(key)
            .filter(|count| now.saturating_duration_since(count.started) < self.limit.window)
            .map_or(0, |count| count.events)
    }

    /// Room for `keys`: windows that ended go first, then the oldest
    /// eighth of the rest (amortised: one selection per eighth of the table).
    fn make_room(&mut self, keys: &ClientKeys, now: Instant) {
        let new_keys = [&keys.client, &keys.network]
            .iter()
            .filter(|key| !self.counts.contains_key(key.as_str()))
            .count();
        if self.counts.len() + new_keys <= self.max_keys {
            return;
        }
        let window = self.limit.window;
        self.counts
            .retain(|_, count| now.saturating_duration_since(count.started) < window);
        if self.counts.len() + new_keys <= self.max_keys || self.counts.is_empty() {
            return;
        }
        let mut starts: Vec<Instant> = self.counts.values().map(|count| count.started).collect();
        let evict = (self.max_keys / 8).max(new_keys).min(starts.len() - 1);
        let (_, cutoff, _) = starts.select_nth_unstable(evict);
        let cutoff = *cutoff;
        self.counts.retain(|_, count| count.started > cutoff);
    }

    /// Keys counted now.
    pub fn keys(&self) -> usize {
        self.counts.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::leads::network::client_keys;

    fn keys(ip: &str) -> ClientKeys {
        client_keys(ip.parse().unwrap())
    }

    const LIMIT: ClientLimit = ClientLimit {
        per_client: 3,
        per_network: 5,
        window: Duration::from_secs(3600),
    };

    #[test]
    fn a_client_gets_its_limit_a_window_and_then_again() {
        let now = Instant::now();
        let mut windows = ClientWindows::new(LIMIT, 100);
        let me = keys("203.0.113.7");
        assert_eq!(
            (0..5).map(|_| windows.allow(&me, now)).collect::<Vec<_>>(),
            [true, true, true, false, false]
        );
        let an_hour_later = now + Duration::from_secs(3600);
        assert!(windows.allow(&me, an_hour_later));
    }

    #[test]
    fn the_network_bucket_is_looser_and_shared() {
        let now = Instant::now();
        let mut windows = ClientWindows::new(LIMIT, 100);
        let allowed = (1..=10)
            .filter(|i| windows.allow(&keys(&format!("203.0.113.{i}")), now))
            .count();
        assert_eq!(allowed, 5, "five from the /24, whoever sends them");
        assert!(windows.allow(&keys("198.51.100.1"), now), "another network");
        // IPv6: one /64 is one client, the /48 its network.
        let mut windows = ClientWindows::new(LIMIT, 100);
        let v6 = |host: u32| keys(&format!("2001:db8:1:2::{host:x}"));
        assert_eq!((1..=5).filter(|h| windows.allow(&v6(*h), now)).count(), 3);
    }

    #[test]
    fn memory_is_bounded_and_a_flood_turns_no_one_away() {
        let start = Instant::now();
        let mut windows = ClientWindows::new(LIMIT, 16);
        for i in 0..100u64 {
            let now = start + Duration::from_millis(i);
            assert!(windows.allow(&keys(&format!("10.{i}.0.1")), now), "{i}");
            assert!(windows.keys() <= 16, "{}", windows.keys());
        }
        // The newest clients are still counted: the oldest made room.
        let now = start + Duration::from_millis(100);
        let newest = keys("10.99.0.1");
        assert!(windows.allow(&newest, now) && windows.allow(&newest, now));
        assert!(!windows.allow(&newest, now), "its own three, still counted");
    }
}
