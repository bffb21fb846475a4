//! Advisor rules: the password policy and the login throttle. Pure.

/// The first advisor's username when `HUJIFEN_ADMIN_USERNAME` is not set.
pub const DEFAULT_ADMIN_USERNAME: &str = "admin";

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

/// Failed logins seen recently, for one account bucket and one IP.
///
/// The account has two buckets: attempts from a browser that presents a
/// valid known-device cookie for it, and everyone else's. A stranger's
/// failures never delay the known device (SECURITY.md, learned from an
/// outside probe); the known device has its own, higher ceiling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LoginFailures {
    /// Whether `account` counts the known device's bucket.
    pub known_device: bool,
    /// Failures in this account bucket in the last 24 hours, attempts in
    /// flight included (each is reserved as a failure before hashing).
    pub account: u32,
    /// Seconds since the bucket's latest failure.
    pub account_last_age_seconds: Option<i64>,
    /// Failures from this IP in the last 10 minutes, attempts in flight included.
    pub ip_recent: u32,
    /// Seconds since the oldest of those.
    pub ip_oldest_age_seconds: Option<i64>,
    /// Failures from the IP's network (IPv4 /24, IPv6 /48) in the same window.
    pub network_recent: u32,
    pub network_oldest_age_seconds: Option<i64>,
}

pub const ACCOUNT_FREE_FAILURES: u32 = 5;
/// A browser that signed in before may fail twice as often before it waits.
pub const KNOWN_DEVICE_FREE_FAILURES: u32 = 2 * ACCOUNT_FREE_FAILURES;
pub const IP_WINDOW_SECONDS: i64 = 600;
pub const IP_MAX_FAILURES: u32 = 20;
/// Failures a whole /24 or /48 may have in the window: looser than one
/// address (carrier NAT shares a /24), tight enough that one IPv6 /48 or
/// a block of addresses cannot keep the hashing pool busy.
pub const NETWORK_MAX_FAILURES: u32 = 100;
const MAX_ACCOUNT_DELAY_SECONDS: i64 = 15 * 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginGate {
    Open,
    /// Too many failures from this IP, or from its network: 429 until the
    /// window moves on.
    IpBlocked {
        retry_after_seconds: i64,
    },
    /// The account bucket waits after repeated failures: 2^(n−free) seconds,
    /// at most 15 min.
    AccountDelayed {
        retry_after_seconds: i64,
    },
}

impl LoginGate {
    /// How long to wait, when closed.
    pub fn retry_after_seconds(self) -> Option<i64> {
        match self {
            LoginGate::Open => None,
            LoginGate::IpBlocked {
                retry_after_seconds,
            }
            | LoginGate::AccountDelayed {
                retry_after_seconds,
            } => Some(retry_after_seconds),
        }
    }
}

/// The failures a bucket may have before its delay starts.
pub fn free_failures(known_device: bool) -> u32 {
    if known_device {
        KNOWN_DEVICE_FREE_FAILURES
    } else {
        ACCOUNT_FREE_FAILURES
    }
}

/// The delay a stranger's bucket must wait after `failures` failures.
pub fn account_delay_seconds(failures: u32) -> i64 {
    delay_after(failures, ACCOUNT_FREE_FAILURES)
}

fn delay_after(failures: u32, free: u32) -> i64 {
    if failures < free {
        return 0;
    }
    let exponent = (failures - free).min(20);
    (1i64 << exponent).min(MAX_ACCOUNT_DELAY_SECONDS)
}

/// Whether one more attempt may be hashed. The caller reserves it (as a
/// failure) in the same transaction that read `failures`.
pub fn login_gate(failures: LoginFailures) -> LoginGate {
    // The network bucket is for strangers: someone behind the advisor's
    // carrier NAT or in their /48 must not lock the known browser out.
    let network_recent = if failures.known_device {
        0
    } else {
        failures.network_recent
    };
    let buckets = [
        (
            failures.ip_recent,
            IP_MAX_FAILURES,
            failures.ip_oldest_age_seconds,
        ),
        (
            network_recent,
            NETWORK_MAX_FAILURES,
            failures.network_oldest_age_seconds,
        ),
    ];
    for (recent, max, oldest_age) in buckets {
        if recent >= max {
            return LoginGate::IpBlocked {
                retry_after_seconds: (IP_WINDOW_SECONDS - oldest_age.unwrap_or(0)).max(1),
            };
        }
    }
    let delay = delay_after(failures.account, free_failures(failures.known_device));
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

/// Password hashes allowed to run at once: about the core count, at least 2,
/// at most 4. Each Argon2 verification holds 19 MiB, so this bounds memory.
pub fn hashing_permits(cores: usize) -> usize {
    cores.clamp(2, 4)
}

/// How long a known-device cookie is valid.
pub const KNOWN_DEVICE_SECONDS: i64 = 90 * 86_400;

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// Whose known device a cookie names: the account and its epoch, which a
/// password reset or a disable bumps (a cookie signed before stops counting).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceOwner<'a> {
    pub username: &'a str,
    pub epoch: i64,
}

fn device_mac(key: &[u8], owner: DeviceOwner<'_>, expires_at: i64) -> Option<String> {
    use hmac::{KeyInit, Mac};
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(key).ok()?;
    mac.update(b"known device\n");
    mac.update(owner.username.as_bytes());
    mac.update(b"\n");
    mac.update(owner.epoch.to_string().as_bytes());
    mac.update(b"\n");
    mac.update(expires_at.to_string().as_bytes());
    Some(crate::secrets::hex(&mac.finalize().into_bytes()))
}

/// The value of a known-device cookie for `owner`: its expiry and an
/// HMAC over it all. None only if the key is refused.
pub fn device_token(key: &[u8], owner: DeviceOwner<'_>, expires_at: i64) -> Option<String> {
    device_mac(key, owner, expires_at).map(|mac| format!("{expires_at}.{mac}"))
}

/// Whether `token` is an unexpired known-device cookie for `owner` at its
/// current epoch, signed with `key`; compared in constant time.
pub fn device_token_valid(key: &[u8], owner: DeviceOwner<'_>, token: &str, now: i64) -> bool {
    use subtle::ConstantTimeEq;
    let Some((expires, sent)) = token.split_once('.') else {
        return false;
    };
    let Ok(expires_at) = expires.parse::<i64>() else {
        return false;
    };
    if expires_at <= now || expires_at > now.saturating_add(KNOWN_DEVICE_SECONDS) {
        return false;
    }
    device_mac(key, owner, expires_at)
        .is_some_and(|expected| bool::from(expected.as_bytes().ct_eq(sent.as_bytes())))
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

    #[test]
    fn a_network_is_blocked_after_a_hundred_failures_in_ten_minutes() {
        let gate = |network_recent, age| {
            login_gate(LoginFailures {
                ip_recent: 1,
                network_recent,
                network_oldest_age_seconds: Some(age),
                ..Default::default()
            })
        };
        assert_eq!(gate(99, 100), LoginGate::Open);
        assert_eq!(
            gate(100, 100),
            LoginGate::IpBlocked {
                retry_after_seconds: 500
            },
            "every address of the /24 or /48 waits"
        );
        let known = login_gate(LoginFailures {
            known_device: true,
            network_recent: 1000,
            network_oldest_age_seconds: Some(0),
            ..Default::default()
        });
        assert_eq!(
            known,
            LoginGate::Open,
            "but not the browser that signed in before"
        );
    }

    #[test]
    fn a_known_device_has_its_own_higher_ceiling() {
        let gate = |known_device, account| {
            login_gate(LoginFailures {
                known_device,
                account,
                account_last_age_seconds: Some(0),
                ..Default::default()
            })
        };
        assert_eq!(free_failures(false), 5);
        assert_eq!(free_failures(true), 10);
        assert_ne!(gate(false, 5), LoginGate::Open, "a stranger waits after 5");
        assert_eq!(gate(true, 5), LoginGate::Open);
        assert_eq!(gate(true, 9), LoginGate::Open);
        assert_eq!(
            gate(true, 10),
            LoginGate::AccountDelayed {
                retry_after_seconds: 2
            },
            "the known device waits after 10 of its own"
        );
        assert_eq!(
            gate(true, 40),
            LoginGate::AccountDelayed {
                retry_after_seconds: 901
            },
            "at most 15 minutes"
        );
        // The IP bucket holds for everyone, known device or not.
        let blocked = login_gate(LoginFailures {
            known_device: true,
            ip_recent: 20,
            ip_oldest_age_seconds: Some(0),
            ..Default::default()
        });
        assert_eq!(blocked.retry_after_seconds(), Some(600));
        assert_eq!(LoginGate::Open.retry_after_seconds(), None);
    }

    #[test]
    fn the_gate_counts_reserved_attempts_so_concurrency_buys_no_guesses() {
        // Each attempt is reserved as a failure before hashing: after the
        // fifth reservation the sixth is refused, however many are in flight.
        let mut failures = LoginFailures::default();
        let mut hashed = 0;
        for _ in 0..60 {
            if login_gate(failures) == LoginGate::Open {
                failures.account += 1;
                failures.ip_recent += 1;
                failures.account_last_age_seconds = Some(0);
                failures.ip_oldest_age_seconds = Some(0);
                hashed += 1;
            }
        }
        assert_eq!(hashed, ACCOUNT_FREE_FAILURES);
    }

    #[test]
    fn hashing_permits_are_about_the_core_count() {
        assert_eq!(hashing_permits(1), 2);
        assert_eq!(hashing_permits(2), 2);
        assert_eq!(hashing_permits(3), 3);
        assert_eq!(hashing_permits(64), 4, "a few: 19 MiB each");
    }

    #[test]
    fn known_device_tokens_are_signed_bound_and_expire() {
        let key = b"a device key for the tests, 32 bytes+";
        let now = 1_800_000_000;
        let admin = DeviceOwner {
            username: "admin",
            epoch: 0,
        };
        let wang = DeviceOwner {
            username: "wang",
            epoch: 0,
        };
        let token = device_token(key, admin, now + KNOWN_DEVICE_SECONDS).unwrap();
        assert!(device_token_valid(key, admin, &token, now));
        assert!(
            !device_token_valid(key, wang, &token, now),
            "bound to the username"
        );
        let reset = DeviceOwner { epoch: 1, ..admin };
        assert!(
            !device_token_valid(key, reset, &token, now),
            "a password reset or a disable bumps the epoch: the cookie stops counting"
        );
        assert!(
            !device_token_valid(b"another key", admin, &token, now),
            "signed with the site's key"
        );
        assert!(
            !device_token_valid(key, admin, &token, now + KNOWN_DEVICE_SECONDS),
            "expired"
        );
        let (expiry, mac) = token.split_once('.').unwrap();
        let later = format!("{}.{mac}", expiry.parse::<i64>().unwrap() + 1);
        assert!(
            !device_token_valid(key, admin, &later, now),
            "the expiry is signed"
        );
        let far = device_token(key, admin, now + 10 * KNOWN_DEVICE_SECONDS).unwrap();
        assert!(
            !device_token_valid(key, admin, &far, now),
            "no longer than 90 days ahead"
        );
        for junk in [
            "",
            ".",
            "abc",
            "1.2",
            &format!("{expiry}."),
            &format!(".{mac}"),
        ] {
            assert!(!device_token_valid(key, admin, junk, now), "{junk:?}");
        }
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

/// The most Argon2 memory a stored hash may ask for when checked in reused
/// memory: 64 MiB (the site's own hashes take 19 MiB).
const MAX_VERIFY_BLOCKS: usize = 64 * 1024;

/// `verify_password` in caller-provided Argon2 working memory, grown as
/// needed and kept for the next check, so repeated checks allocate nothing
/// (an allocation of 19 MiB per check is kept by the allocator per thread).
pub fn verify_password_in(password: &str, hash: &str, memory: &mut Vec<argon2::Block>) -> bool {
    use argon2::password_hash::{Output, PasswordHash};
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let Ok(algorithm) = argon2::Algorithm::try_from(parsed.algorithm) else {
        return false;
    };
    let version = match parsed.version.map(argon2::Version::try_from) {
        None => argon2::Version::default(),
        Some(Ok(version)) => version,
        Some(Err(_)) => return false,
    };
    let Ok(params) = argon2::Params::try_from(&parsed) else {
        return false;
    };
    let blocks = params.block_count();
    if blocks > MAX_VERIFY_BLOCKS {
        return false;
    }
    if memory.len() < blocks {
        memory.resize(blocks, argon2::Block::default());
    }
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let argon2 = argon2::Argon2::new(algorithm, version, params);
    Output::init_with(expected.len(), |out| {
        argon2
            .hash_password_into_with_memory(password.as_bytes(), salt, out, &mut memory[..blocks])
            .map_err(|_| argon2::password_hash::Error::Password)
    })
    // `Output` compares in constant time.
    .is_ok_and(|computed| computed == expected)
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
    if display_name.chars().count() > 32
        || !crate::leads::form::has_visible_character(&display_name)
    {
        errors.add("display_name", "请填写显示名称（最多32个字）");
    } else if crate::leads::form::has_invisible_character(&display_name, false) {
        errors.add(
            "display_name",
            format!(
                "显示名称{}",
                crate::leads::form::INVISIBLE_CHARACTER_MESSAGE
            ),
        );
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
        let mut memory = Vec::new();
        assert!(verify_password_in(
            "correct horse battery staple",
            &hash,
            &mut memory
        ));
        assert_eq!(memory.len(), 19_456, "1 KiB blocks");
        assert!(!verify_password_in(
            "correct horse battery stapler",
            &hash,
            &mut memory
        ));
        assert!(!verify_password_in("anything", "not a hash", &mut memory));
        let huge = hash.replace("m=19456", "m=4000000");
        assert!(
            !verify_password_in("correct horse battery staple", &huge, &mut memory),
            "a hash asking for 4 GiB is refused"
        );
        assert_eq!(memory.len(), 19_456, "and nothing was allocated for it");
        // Other parameters and algorithms verify the same as the crate does.
        use argon2::password_hash::{PasswordHasher, SaltString};
        for (algorithm, m, t, p) in [
            (argon2::Algorithm::Argon2id, 8, 3, 1),
            (argon2::Algorithm::Argon2i, 64, 1, 2),
            (argon2::Algorithm::Argon2d, 32, 2, 4),
        ] {
            let params = argon2::Params::new(m, t, p, Some(24)).unwrap();
            let other = argon2::Argon2::new(algorithm, argon2::Version::V0x10, params)
                .hash_password(
                    b"a password",
                    &SaltString::encode_b64(b"saltsaltsalt").unwrap(),
                )
                .unwrap()
                .to_string();
            assert!(verify_password("a password", &other), "{other}");
            assert!(
                verify_password_in("a password", &other, &mut memory),
                "{other}"
            );
            assert!(
                !verify_password_in("a passwore", &other, &mut memory),
                "{other}"
            );
        }
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
        let hidden = parse_new_advisor(&fields(&[
            ("username", "li"),
            ("display_name", "李\u{202E}四"),
            ("role", "advisor"),
        ]))
        .unwrap_err();
        assert!(
            hidden
                .get("display_name")
                .is_some_and(|m| m.contains("看不见的特殊字符"))
        );
    }
}
