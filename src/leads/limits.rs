//! Rate-limit decisions over sliding windows. The counts come from the
//! database (counted atomically there); the decision is plain arithmetic.

/// At most `limit` events per `seconds`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub limit: u32,
    pub seconds: i64,
}

/// What the database found inside one window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    pub count: u32,
    /// Seconds since the oldest event still inside the window.
    pub oldest_age_seconds: Option<i64>,
}

/// Why a request was refused, and when to come back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub retry_after_seconds: i64,
    pub message: &'static str,
}

/// A named window with the message a visitor sees when it is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub window: Window,
    pub message: &'static str,
}

/// Refuses when any window is full; waits for the longest of them.
pub fn decide(checks: &[(Rule, Usage)]) -> Result<(), Refusal> {
    let mut refusal: Option<Refusal> = None;
    for (rule, usage) in checks {
        if usage.count < rule.window.limit {
            continue;
        }
        // Full: a slot frees when the oldest event leaves the window.
        let wait = (rule.window.seconds - usage.oldest_age_seconds.unwrap_or(0)).max(1);
        if refusal
            .as_ref()
            .is_none_or(|r| wait > r.retry_after_seconds)
        {
            refusal = Some(Refusal {
                retry_after_seconds: wait,
                message: rule.message,
            });
        }
    }
    refusal.map_or(Ok(()), Err)
}

/// The SMS send limits of SECURITY.md, as settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendLimits {
    pub phone_interval: Window,
    pub phone_hour: Window,
    pub phone_day: Window,
    pub ip_hour: Window,
    pub ip_day: Window,
    /// The looser bucket of the client's network (IPv4 /24, IPv6 /48).
    pub network_hour: Window,
    pub network_day: Window,
    pub global_day: Window,
}

impl Default for SendLimits {
    fn default() -> Self {
        Self {
            phone_interval: Window {
                limit: 1,
                seconds: 60,
            },
            phone_hour: Window {
                limit: 5,
                seconds: 3600,
            },
            phone_day: Window {
                limit: 10,
                seconds: 86_400,
            },
            ip_hour: Window {
                limit: 10,
                seconds: 3600,
            },
            ip_day: Window {
                limit: 20,
                seconds: 86_400,
            },
            network_hour: Window {
                limit: 50,
                seconds: 3600,
            },
            network_day: Window {
                limit: 100,
                seconds: 86_400,
            },
            global_day: Window {
                limit: 2000,
                seconds: 86_400,
            },
        }
    }
}

impl SendLimits {
    pub fn phone_rules(&self) -> [Rule; 3] {
        [
            Rule {
                window: self.phone_interval,
                message: "验证码发送太频繁，请稍后再试",
            },
            Rule {
                window: self.phone_hour,
                message: "该号码1小时内获取验证码次数过多，请稍后再试",
            },
            Rule {
                window: self.phone_day,
                message: "该号码今天获取验证码次数已达上限，请明天再试",
            },
        ]
    }

    pub fn ip_rules(&self) -> [Rule; 2] {
        [
            Rule {
                window: self.ip_hour,
                message: "您的网络获取验证码次数过多，请稍后再试",
            },
            Rule {
                window: self.ip_day,
                message: "您的网络今天获取验证码次数已达上限，请明天再试",
            },
        ]
    }

    pub fn network_rules(&self) -> [Rule; 2] {
        [
            Rule {
                window: self.network_hour,
                message: "您所在的网络获取验证码次数过多，请稍后再试",
            },
            Rule {
                window: self.network_day,
                message: "您所在的网络今天获取验证码次数已达上限，请明天再试",
            },
        ]
    }

    pub fn global_rule(&self) -> Rule {
        Rule {
            window: self.global_day,
            message: "短信服务繁忙，请稍后再试或直接使用页面上的其他联系方式",
        }
    }
}

/// How much of the daily SMS budget is spent: the site degrades in steps
/// instead of turning codes off for everyone at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum BudgetLevel {
    /// Under half spent.
    Normal,
    /// From half: the proof of work gets harder.
    Elevated,
    /// From 80 %: harder still, and the operator is told.
    High,
    /// The last 10 %: only for a phone and a network with no send today.
    Reserve,
    /// All spent.
    Exhausted,
}

impl BudgetLevel {
    pub fn of(sent_today: u32, budget: u32) -> Self {
        let budget = u64::from(budget.max(1));
        let per_mille = u64::from(sent_today) * 1000 / budget;
        match per_mille {
            0..500 => Self::Normal,
            500..800 => Self::Elevated,
            800..900 => Self::High,
            900..1000 => Self::Reserve,
            _ => Self::Exhausted,
        }
    }

    /// The proof-of-work difficulty, as a multiple of the configured one.
    pub fn work_multiplier(self) -> u64 {
        match self {
            Self::Normal => 1,
            Self::Elevated => 4,
            Self::High | Self::Reserve | Self::Exhausted => 16,
        }
    }

    /// The level code stored with an alert and shown in the log.
    pub fn code(self) -> &'static str {
        match self {
            Self::Normal => "normal",
            Self::Elevated => "elevated",
            Self::High => "high",
            Self::Reserve => "reserve",
            Self::Exhausted => "exhausted",
        }
    }

    /// Whether reaching this level tells the operator (once a day each).
    pub fn alerts(self) -> bool {
        self >= Self::Elevated
    }
}

/// The reserve: the last part of the budget is kept for visitors who have
/// not had a code today (by phone and by client: an IPv4 address or IPv6
/// /64, not the wider network, which carrier NAT shares among many), so one
/// busy client cannot spend all of it.
pub fn reserve_allows(level: BudgetLevel, phone_sends_today: u32, client_sends_today: u32) -> bool {
    match level {
        BudgetLevel::Reserve => phone_sends_today == 0 && client_sends_today == 0,
        BudgetLevel::Exhausted => false,
        _ => true,
    }
}

/// "3分钟" / "2小时" / "明天": when a refused request may try again.
pub fn reopens_in(seconds: i64) -> String {
    match seconds {
        ..=60 => "1分钟".to_string(),
        61..=3600 => format!("{}分钟", (seconds + 59) / 60),
        3601..=43_200 => format!("{}小时", (seconds + 3599) / 3600),
        _ => "约一天".to_string(),
    }
}

/// Lead submissions: per phone per 24 h, per client (IPv4 address, IPv6
/// /64) per hour, and per network (IPv4 /24, IPv6 /48) per hour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmitLimits {
    pub phone_day: Window,
    pub ip_hour: Window,
    pub network_hour: Window,
}

impl Default for SubmitLimits {
    fn default() -> Self {
        Self {
            phone_day: Window {
                limit: 3,
                seconds: 86_400,
            },
            ip_hour: Window {
                limit: 10,
                seconds: 3600,
            },
            network_hour: Window {
                limit: 30,
                seconds: 3600,
            },
        }
    }
}

impl SubmitLimits {
    pub fn rules(&self) -> [Rule; 3] {
        [
            Rule {
                window: self.phone_day,
                message: "该号码今天提交次数已达上限，我们会尽快与您联系",
            },
            Rule {
                window: self.ip_hour,
                message: "提交太频繁，请稍后再试",
            },
            Rule {
                window: self.network_hour,
                message: "您所在的网络提交太频繁，请稍后再试",
            },
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_degrades_in_steps() {
        let level = |sent| BudgetLevel::of(sent, 2000);
        assert_eq!(level(0), BudgetLevel::Normal);
        assert_eq!(level(999), BudgetLevel::Normal);
        assert_eq!(level(1000), BudgetLevel::Elevated);
        assert_eq!(level(1599), BudgetLevel::Elevated);
        assert_eq!(level(1600), BudgetLevel::High);
        assert_eq!(level(1800), BudgetLevel::Reserve);
        assert_eq!(level(1999), BudgetLevel::Reserve);
        assert_eq!(level(2000), BudgetLevel::Exhausted);
        assert_eq!(BudgetLevel::of(5, 0), BudgetLevel::Exhausted);
        assert!(level(1000).work_multiplier() > level(0).work_multiplier());
        assert!(level(1600).work_multiplier() > level(1000).work_multiplier());
        assert!(!level(999).alerts() && level(1000).alerts() && level(2000).alerts());
        assert!(reserve_allows(BudgetLevel::High, 3, 9));
        assert!(reserve_allows(BudgetLevel::Reserve, 0, 0));
        assert!(!reserve_allows(BudgetLevel::Reserve, 1, 0));
        assert!(!reserve_allows(BudgetLevel::Reserve, 0, 1));
        assert!(!reserve_allows(BudgetLevel::Exhausted, 0, 0));
    }

    #[test]
    fn refusals_say_when_to_come_back() {
        assert_eq!(reopens_in(1), "1分钟");
        assert_eq!(reopens_in(61), "2分钟");
        assert_eq!(reopens_in(3600), "60分钟");
        assert_eq!(reopens_in(3601), "2小时");
        assert_eq!(reopens_in(86_000), "约一天");
    }

    fn rule(limit: u32, seconds: i64, message: &'static str) -> Rule {
        Rule {
            window: Window { limit, seconds },
            message,
        }
    }

    #[test]
    fn under_every_limit_is_allowed() {
        let checks = [
            (
                rule(1, 60, "a"),
                Usage {
                    count: 0,
                    oldest_age_seconds: None,
                },
            ),
            (
                rule(5, 3600, "b"),
                Usage {
                    count: 4,
                    oldest_age_seconds: Some(100),
                },
            ),
        ];
        assert_eq!(decide(&checks), Ok(()));
        assert_eq!(decide(&[]), Ok(()));
    }

    #[test]
    fn a_full_window_refuses_until_its_oldest_event_leaves() {
        let checks = [(
            rule(1, 60, "wait"),
            Usage {
                count: 1,
                oldest_age_seconds: Some(15),
            },
        )];
        assert_eq!(
            decide(&checks),
            Err(Refusal {
                retry_after_seconds: 45,
                message: "wait"
            })
        );
        let edge = [(
            rule(1, 60, "wait"),
            Usage {
                count: 1,
                oldest_age_seconds: Some(60),
            },
        )];
        assert_eq!(decide(&edge).unwrap_err().retry_after_seconds, 1, "never 0");
    }

    #[test]
    fn the_longest_wait_wins() {
        let checks = [
            (
                rule(1, 60, "minute"),
                Usage {
                    count: 1,
                    oldest_age_seconds: Some(10),
                },
            ),
            (
                rule(5, 3600, "hour"),
                Usage {
                    count: 5,
                    oldest_age_seconds: Some(600),
                },
            ),
            (
                rule(10, 86_400, "day"),
                Usage {
                    count: 6,
                    oldest_age_seconds: Some(600),
                },
            ),
        ];
        assert_eq!(
            decide(&checks),
            Err(Refusal {
                retry_after_seconds: 3000,
                message: "hour"
            })
        );
    }

    #[test]
    fn defaults_match_security_md() {
        let s = SendLimits::default();
        assert_eq!((s.phone_interval.limit, s.phone_interval.seconds), (1, 60));
        assert_eq!((s.phone_hour.limit, s.phone_hour.seconds), (5, 3600));
        assert_eq!((s.phone_day.limit, s.phone_day.seconds), (10, 86_400));
        assert_eq!((s.ip_hour.limit, s.ip_day.limit), (10, 20));
        let l = SubmitLimits::default();
        assert_eq!((l.phone_day.limit, l.ip_hour.limit), (3, 10));
        assert_eq!((l.network_hour.limit, l.network_hour.seconds), (30, 3600));
    }
}
