//! Advisor rules: the password policy and the login throttle. Pure.

/// Passwords people pick that are long enough but guessed first; checked
/// lower-cased. (Short ones are refused by length anyway.)
const COMMON_LONG_PASSWORDS: &[&str] = &[
    "123456789012345",
    "1234567890123456",
    "12345678901234567890",
    "123123123123123",
    "111111111111111",
    "000000000000000",
    "qwertyuiopasdfg",
    "qwertyuiopasdfgh",
    "qwertyuiop123456",
    "1q2w3e4r5t6y7u8i",
    "1qaz2wsx3edc4rfv",
    "passwordpassword",
    "password12345678",
    "password123456789",
    "iloveyouiloveyou",
    "woaini1314woaini1314",
    "woainiwoainiwoaini",
    "aaaaaaaaaaaaaaa",
    "abcdefghijklmnop",
    "abc123abc123abc123",
    "administrator123",
    "adminadminadmin",
    "admin12345678901",
    "hujifenhujifen123",
    "shanghai12345678",
    "changemechangeme",
    "letmeinletmein123",
    "welcomewelcome123",
];

pub const PASSWORD_MIN_CHARS: usize = 15;
pub const PASSWORD_MAX_CHARS: usize = 64;

/// NIST SP 800-63B: length, a blocklist, no composition rules.
pub fn check_password(password: &str) -> Result<(), &'static str> {
    let chars = password.chars().count();
    if chars < PASSWORD_MIN_CHARS {
        return Err("密码至少15个字符（可以用一句好记的话）");
    }
    if chars > PASSWORD_MAX_CHARS {
        return Err("密码最多64个字符");
    }
    let lower = password.to_lowercase();
    let first = lower.chars().next();
    let one_character = lower.chars().all(|c| Some(c) == first);
    if one_character || COMMON_LONG_PASSWORDS.contains(&lower.as_str()) {
        return Err("这个密码太常见，容易被猜到，请换一个");
    }
    Ok(())
}

/// Failed logins seen recently, for one account and one IP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LoginFailures {
    /// Failures for this username in the last 24 hours.
    pub account: u32,
    /// Seconds since the account's latest failure.
    pub account_last_age_seconds: Option<i64>,
    /// Failures from this IP in the last 10 minutes.
    pub ip_recent: u32,
    /// Seconds since the oldest of those.
    pub ip_oldest_age_seconds: Option<i64>,
}

pub const ACCOUNT_FREE_FAILURES: u32 = 5;
pub const IP_WINDOW_SECONDS: i64 = 600;
pub const IP_MAX_FAILURES: u32 = 20;
const MAX_ACCOUNT_DELAY_SECONDS: i64 = 15 * 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginGate {
    Open,
    /// Too many failures from this IP: 429 until the window moves on.
    IpBlocked {
        retry_after_seconds: i64,
    },
    /// The account waits after repeated failures: 2^(n−5) seconds, at most 15 min.
    AccountDelayed {
        retry_after_seconds: i64,
    },
}

/// The delay an account must wait after `failures` failures.
pub fn account_delay_seconds(failures: u32) -> i64 {
    if failures < ACCOUNT_FREE_FAILURES {
        return 0;
    }
    let exponent = (failures - ACCOUNT_FREE_FAILURES).min(20);
    (1i64 << exponent).min(MAX_ACCOUNT_DELAY_SECONDS)
}

pub fn login_gate(failures: LoginFailures) -> LoginGate {
    if failures.ip_recent >= IP_MAX_FAILURES {
        let age = failures.ip_oldest_age_seconds.unwrap_or(0);
        return LoginGate::IpBlocked {
            retry_after_seconds: (IP_WINDOW_SECONDS - age).max(1),
        };
    }
    let delay = account_delay_seconds(failures.account);
    if delay > 0 {
        // Failures are stamped in whole seconds, so an age of `delay` can be
        // as little as `delay - 1` seconds of real time (a failure at x.99,
        // a try at x+1.01 has age 1): the wait is over once the age exceeds it.
        let age = failures.account_last_age_seconds.unwrap_or(0);
        if age <= delay {
            return LoginGate::AccountDelayed {
                retry_after_seconds: delay - age + 1,
            };
        }
    }
    LoginGate::Open
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_policy() {
        assert!(check_password("correct horse battery staple").is_ok());
        assert!(
            check_password("我的积分顾问密码是一句很长的话").is_ok(),
            "any characters count"
        );
        assert!(check_password("short").is_err());
        assert!(check_password(&"x".repeat(14)).is_err());
        assert!(check_password(&"ab".repeat(33)).is_err(), "more than 64");
        assert!(check_password("aaaaaaaaaaaaaaaaaaaa").is_err());
        assert!(
            check_password("PasswordPassword").is_err(),
            "common, any case"
        );
        assert!(check_password("123456789012345").is_err());
        assert!(check_password("nocomposition rules here").is_ok());
    }

    #[test]
    fn the_account_waits_longer_after_each_failure_past_five() {
        assert_eq!(account_delay_seconds(4), 0);
        assert_eq!(account_delay_seconds(5), 1);
        assert_eq!(account_delay_seconds(6), 2);
        assert_eq!(account_delay_seconds(10), 32);
        assert_eq!(account_delay_seconds(40), 900);
        let gate = |account, age| {
            login_gate(LoginFailures {
                account,
                account_last_age_seconds: Some(age),
                ..Default::default()
            })
        };
        assert_eq!(gate(4, 0), LoginGate::Open);
        let delayed = |retry_after_seconds| LoginGate::AccountDelayed {
            retry_after_seconds,
        };
        // An age of 1 may be 0.02 s of real time: still inside the 1 s wait.
        assert_eq!(gate(5, 0), delayed(2));
        assert_eq!(gate(5, 1), delayed(1));
        assert_eq!(gate(5, 2), LoginGate::Open);
        assert_eq!(gate(7, 1), delayed(4));
        assert_eq!(gate(7, 4), delayed(1));
        assert_eq!(gate(7, 5), LoginGate::Open);
    }

    #[test]
    fn an_ip_is_blocked_after_twenty_failures_in_ten_minutes() {
        let gate = |ip_recent, age| {
            login_gate(LoginFailures {
                ip_recent,
                ip_oldest_age_seconds: Some(age),
                ..Default::default()
            })
        };
        assert_eq!(gate(19, 100), LoginGate::Open);
        assert_eq!(
            gate(20, 100),
            LoginGate::IpBlocked {
                retry_after_seconds: 500
            }
        );
    }
}

/// Argon2id with the crate's defaults (m=19456 KiB, t=2, p=1). Slow on
/// purpose: call it off the async workers.
pub fn hash_password(password: &str) -> Result<String, String> {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let mut bytes = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
    let salt = SaltString::encode_b64(&bytes).map_err(|error| error.to_string())?;
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| error.to_string())
}

/// Checks a password against a stored hash; a broken hash never matches.
pub fn verify_password(password: &str, hash: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    PasswordHash::new(hash).is_ok_and(|parsed| {
        argon2::Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// A random password that passes the policy: 20 characters from an
/// alphabet without look-alikes (about 115 bits).
pub fn random_password() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..20)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

/// Usernames: 2–32 of a–z, 0–9, `.`, `_`, `-`.
pub fn check_username(username: &str) -> Result<(), &'static str> {
    let valid = (2..=32).contains(&username.len())
        && username.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
        });
    if valid {
        Ok(())
    } else {
        Err("用户名为2–32位小写字母、数字或 . _ -")
    }
}

/// A checked "add an advisor" form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAdvisorForm {
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub role: &'static str,
    pub password: String,
    /// The form left the password blank: one was generated to show once.
    pub generated: bool,
}

/// Checks the fields of the "add an advisor" form.
pub fn parse_new_advisor(
    fields: &crate::form::RawFields,
) -> Result<NewAdvisorForm, crate::form::FieldErrors> {
    let get = |name: &str| {
        fields
            .get(name)
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let username = get("username").to_lowercase();
    let display_name = get("display_name");
    let email = get("email");
    let mut errors = crate::form::FieldErrors::default();
    if let Err(message) = check_username(&username) {
        errors.add("username", message);
    }
    if display_name.is_empty() || display_name.chars().count() > 32 {
        errors.add("display_name", "请填写显示名称（最多32个字）");
    }
    if !email.is_empty() && (email.len() > 254 || email.parse::<lettre::Address>().is_err()) {
        errors.add("email", "邮箱格式不正确");
    }
    let role = match get("role").as_str() {
        "admin" => "admin",
        "advisor" => "advisor",
        _ => {
            errors.add("role", "请选择角色");
            "advisor"
        }
    };
    let typed = fields.get("password").cloned().unwrap_or_default();
    let generated = typed.is_empty();
    let password = if generated { random_password() } else { typed };
    if let Err(message) = check_password(&password) {
        errors.add("password", message);
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(NewAdvisorForm {
        username,
        display_name,
        email: (!email.is_empty()).then_some(email),
        role,
        password,
        generated,
    })
}

#[cfg(test)]
mod hashing_tests {
    use super::*;

    #[test]
    fn argon2id_round_trip() {
        let hash = hash_password("correct horse battery staple").unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(verify_password("correct horse battery staple", &hash));
        assert!(!verify_password("correct horse battery stapler", &hash));
        assert!(!verify_password("anything", "not a hash"));
        let password = random_password();
        assert!(check_password(&password).is_ok());
        assert!(check_username("zhang.san").is_ok());
        assert!(check_username("Zhang").is_err());
        assert!(check_username("a").is_err());
    }

    #[test]
    fn the_add_advisor_form() {
        let fields = |pairs: &[(&str, &str)]| -> crate::form::RawFields {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let new = parse_new_advisor(&fields(&[
            ("username", " Wang "),
            ("display_name", "王"),
            ("role", "advisor"),
        ]))
        .unwrap();
        assert_eq!(
            (new.username.as_str(), new.role, new.email),
            ("wang", "advisor", None)
        );
        assert!(new.generated && check_password(&new.password).is_ok());
        let errors = parse_new_advisor(&fields(&[
            ("username", "x"),
            ("email", "nope"),
            ("role", "boss"),
            ("password", "short"),
        ]))
        .unwrap_err();
        for field in ["username", "display_name", "email", "role", "password"] {
            assert!(errors.contains(field), "{field}");
        }
    }
}
