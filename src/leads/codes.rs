//! SMS verification codes: 6 digits from a CSPRNG, valid for a short time,
//! single use, at most a few wrong entries per code and per phone.

use rand::Rng;

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
    /// Wrong entries per phone per 24 h, across codes.
    pub max_wrong_per_phone_day: u32,
}

impl Default for CodeRules {
    fn default() -> Self {
        Self {
            ttl_seconds: 300,
            max_wrong_per_code: 5,
            max_wrong_per_phone_day: 10,
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

    /// Decides whether an entered code may be compared at all.
    pub fn check(&self, code: Option<CodeState>, wrong_today: u32) -> CodeVerdict {
        if wrong_today >= self.max_wrong_per_phone_day {
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
        let fresh = CodeState {
            age_seconds: 10,
            wrong_entries: 0,
            used: false,
        };
        assert_eq!(rules.check(Some(fresh), 0), CodeVerdict::Compare);
        assert_eq!(rules.check(None, 0), CodeVerdict::NoneValid);
        assert_eq!(
            rules.check(
                Some(CodeState {
                    used: true,
                    ..fresh
                }),
                0
            ),
            CodeVerdict::NoneValid
        );
        assert_eq!(
            rules.check(
                Some(CodeState {
                    age_seconds: 299,
                    ..fresh
                }),
                0
            ),
            CodeVerdict::Compare
        );
        assert_eq!(
            rules.check(
                Some(CodeState {
                    age_seconds: 300,
                    ..fresh
                }),
                0
            ),
            CodeVerdict::NoneValid
        );
        assert_eq!(
            rules.check(
                Some(CodeState {
                    wrong_entries: 4,
                    ..fresh
                }),
                4
            ),
            CodeVerdict::Compare
        );
        assert_eq!(
            rules.check(
                Some(CodeState {
                    wrong_entries: 5,
                    ..fresh
                }),
                5
            ),
            CodeVerdict::Locked
        );
        assert_eq!(rules.check(Some(fresh), 9), CodeVerdict::Compare);
        assert_eq!(
            rules.check(Some(fresh), 10),
            CodeVerdict::Locked,
            "a new code does not reset the day"
        );
    }
}
