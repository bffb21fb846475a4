//! SMS verification codes: 6 digits from a CSPRNG, valid for a short time,
//! single use, at most a few wrong entries per code and per phone.

use rand::Rng;

/// The one message for a wrong and for an expired (or never sent) code: two
/// messages would tell a stranger whether a phone has a live code.
pub const WRONG_OR_EXPIRED: &str = "验证码不正确或已过期，请检查后重新输入或重新获取";

/// A fresh 6-digit code (leading zeros kept).
pub fn generate_code() -> String {
    // ThreadRng is a CSPRNG seeded from the OS.
    format!("{:06}", rand::rng().random_range(0..1_000_000u32))
}

/// Whether `text` has the shape of a code: exactly 6 ASCII digits.
pub fn looks_like_code(text: &str) -> bool {
    text.len() == 6 && text.bytes().all(|b| b.is_ascii_digit())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeRules {
    /// Seconds a code stays valid.
    pub ttl_seconds: i64,
    /// Wrong entries that kill one code.
    pub max_wrong_per_code: u32,
    /// Wrong entries per phone and client (IPv4 address or IPv6 /64) per
    /// 24 h, across codes: a stranger's guesses lock only their own pair.
    pub max_wrong_per_phone_day: u32,
    /// The higher phone-wide ceiling per 24 h, across every client.
    pub max_wrong_per_phone_all_clients: u32,
}

/// Wrong entries of the last 24 hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WrongToday {
    /// By this phone from this client.
    pub by_client: u32,
    /// By this phone from anyone.
    pub by_phone: u32,
}

impl Default for CodeRules {
    fn default() -> Self {
        Self {
            ttl_seconds: 300,
            max_wrong_per_code: 5,
            max_wrong_per_phone_day: 10,
            max_wrong_per_phone_all_clients: 30,
        }
    }
}

/// What is known about the latest code of a phone when one is entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeState {
    pub age_seconds: i64,
    pub wrong_entries: u32,
    pub used: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeVerdict {
    /// Compare the entered code with the stored one.
    Compare,
    /// No code was sent to this phone (or it was used, or it expired).
    NoneValid,
    /// Too many wrong entries: a new code is needed (or tomorrow).
    Locked,
}

impl CodeRules {
    /// The validity as the SMS text states it, in whole minutes (rounded up).
    pub fn valid_minutes(&self) -> i64 {
        (self.ttl_seconds + 59) / 60
    }

    /// Whether the phone is locked for the day for this client: no code is
    /// compared, and none is sent (an SMS would be billed for nothing).
    pub fn locked_for_the_day(&self, wrong: WrongToday) -> bool {
        wrong.by_client >= self.max_wrong_per_phone_day
            || wrong.by_phone >= self.max_wrong_per_phone_all_clients
    }

    /// Decides whether an entered code may be compared at all.
    pub fn check(&self, code: Option<CodeState>, wrong_today: WrongToday) -> CodeVerdict {
        if self.locked_for_the_day(wrong_today) {
            return CodeVerdict::Locked;
        }
        match code {
            None => CodeVerdict::NoneValid,
            Some(state) if state.used || state.age_seconds >= self.ttl_seconds => {
                CodeVerdict::NoneValid
            }
            Some(state) if state.wrong_entries >= self.max_wrong_per_code => CodeVerdict::Locked,
            Some(_) => CodeVerdict::Compare,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits_and_vary() {
        let codes: Vec<String> = (0..200).map(|_| generate_code()).collect();
        assert!(codes.iter().all(|c| looks_like_code(c)));
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert!(unique.len() > 190);
        assert!(!looks_like_code("12345"));
        assert!(!looks_like_code("1234567"));
        assert!(!looks_like_code("12345a"));
        assert!(!looks_like_code("１２３４５６"));
    }

    #[test]
    fn verdicts() {
        let rules = CodeRules::default();
        let w = |by_client| WrongToday {
            by_client,
            by_phone: by_client,
        };
        let fresh = CodeState {
            age_seconds: 10,
            wrong_entries: 0,
            used: false,
        };
        assert_eq!(rules.check(Some(fresh), w(0)), CodeVerdict::Compare);
        assert_eq!(rules.check(None, w(0)), CodeVerdict::NoneValid);
        assert_eq!(
            rules.check(
                Some(CodeState {
                    used: true,
                    ..fresh
                }),
                w(0)
            ),
            CodeVerdict::NoneValid
        );
        assert_eq!(
            rules.check(
                Some(CodeState {
                    age_seconds: 299,
                    ..fresh
                }),
                w(0)
            ),
            CodeVerdict::Compare
        );
        assert_eq!(
            rules.check(
                Some(CodeState {
                    age_seconds: 300,
                    ..fresh
                }),
                w(0)
            ),
            CodeVerdict::NoneValid
        );
        assert_eq!(
            rules.check(
                Some(CodeState {
                    wrong_entries: 4,
                    ..fresh
                }),
                w(4)
            ),
            CodeVerdict::Compare
        );
        assert_eq!(
            rules.check(
                Some(CodeState {
                    wrong_entries: 5,
                    ..fresh
                }),
                w(5)
            ),
            CodeVerdict::Locked
        );
        assert_eq!(rules.check(Some(fresh), w(9)), CodeVerdict::Compare);
        assert_eq!(
            rules.check(Some(fresh), w(10)),
            CodeVerdict::Locked,
            "a new code does not reset the day"
        );
    }

    #[test]
    fn a_strangers_guesses_lock_only_their_own_pair() {
        let rules = CodeRules::default();
        let stranger = WrongToday {
            by_client: 10,
            by_phone: 10,
        };
        assert!(rules.locked_for_the_day(stranger));
        // The owner, from another client, is not locked by them.
        let owner = WrongToday {
            by_client: 0,
            by_phone: 10,
        };
        assert!(!rules.locked_for_the_day(owner));
        // Guesses spread over many clients still hit the phone-wide ceiling.
        let spread = WrongToday {
            by_client: 2,
            by_phone: 30,
        };
        assert!(rules.locked_for_the_day(spread));
    }
}
