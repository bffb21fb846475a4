//! The site's secret key and what is derived from it: the ALTCHA signing key
//! and the HMAC that stores verification codes.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use hmac::{KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = hmac::Hmac<Sha256>;

/// File name of the generated key, in the data folder.
pub const KEY_FILE: &str = "secret.key";

#[derive(Clone)]
pub struct Secrets {
    altcha_key: String,
    /// Signs advisors' known-device cookies.
    device_key: Vec<u8>,
    /// Keyed once at start and cloned per use, so the request path has no
    /// fallible key setup.
    code_mac: HmacSha256,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secrets(..)")
    }
}

/// Lower-case hex, without a `format!` per byte (tokens are made per request).
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 15)]));
    }
    text
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

fn keyed(key: &[u8]) -> anyhow::Result<HmacSha256> {
    <HmacSha256 as KeyInit>::new_from_slice(key).map_err(|_| anyhow::anyhow!("HMAC key rejected"))
}

fn derive(master: &[u8], purpose: &str) -> anyhow::Result<Vec<u8>> {
    let mut mac = keyed(master)?;
    mac.update(purpose.as_bytes());
    Ok(mac.finalize().into_bytes().to_vec())
}

impl Secrets {
    pub fn from_master(master: &[u8]) -> anyhow::Result<Self> {
        Ok(Self {
            altcha_key: hex(&derive(master, "altcha challenge signatures")?),
            device_key: derive(master, "known-device cookies")?,
            code_mac: keyed(&derive(master, "sms verification codes")?)?,
        })
    }

    /// `HUJIFEN_SESSION_KEY` when set, else the key kept in the data folder
    /// next to a SQLite database (created with owner-only permissions). With
    /// no data folder (PostgreSQL: several instances must sign alike) the
    /// key must be set.
    pub fn load(configured: Option<&str>, data_folder: Option<&Path>) -> anyhow::Result<Self> {
        if let Some(key) = configured {
            if key.len() < 32 {
                bail!("HUJIFEN_SESSION_KEY must be at least 32 characters");
            }
            return Self::from_master(key.as_bytes());
        }
        let Some(data_folder) = data_folder else {
            bail!(
                "HUJIFEN_SESSION_KEY is required with PostgreSQL: every instance must use the same key (at least 32 characters)"
            );
        };
        std::fs::create_dir_all(data_folder)
            .with_context(|| format!("creating the data folder {}", data_folder.display()))?;
        let path: PathBuf = data_folder.join(KEY_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let key = unhex(text.trim())
                    .filter(|key| key.len() >= 32)
                    .with_context(|| {
                        format!("{} is not a hex key of 32 bytes or more", path.display())
                    })?;
                Self::from_master(&key)
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let mut key = [0u8; 32];
                rand::RngCore::fill_bytes(&mut rand::rng(), &mut key);
                write_private(&path, &hex(&key))
                    .with_context(|| format!("writing {}", path.display()))?;
                Self::from_master(&key)
            }
            Err(error) => Err(error).with_context(|| format!("reading {}", path.display())),
        }
    }

    pub fn device_key(&self) -> &[u8] {
        &self.device_key
    }

    pub fn altcha_key(&self) -> &str {
        &self.altcha_key
    }

    /// What the database stores for a code sent to a phone.
    pub fn code_hmac(&self, phone: &str, code: &str) -> String {
        hex(&self.code_mac(phone, code).finalize().into_bytes())
    }

    /// Compares an entered code with the stored HMAC in constant time.
    pub fn code_matches(&self, phone: &str, code: &str, stored: &str) -> bool {
        unhex(stored)
            .is_some_and(|expected| self.code_mac(phone, code).verify_slice(&expected).is_ok())
    }

    fn code_mac(&self, phone: &str, code: &str) -> HmacSha256 {
        let mut mac = self.code_mac.clone();
        mac.update(phone.as_bytes());
        mac.update(b":");
        mac.update(code.as_bytes());
        mac
    }
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_bound_to_the_phone_and_compared_by_hmac() {
        let secrets = Secrets::from_master(b"0123456789abcdef0123456789abcdef").unwrap();
        let stored = secrets.code_hmac("13812345678", "123456");
        assert_eq!(stored.len(), 64);
        assert!(!stored.contains("123456"));
        assert!(secrets.code_matches("13812345678", "123456", &stored));
        assert!(!secrets.code_matches("13812345678", "123457", &stored));
        assert!(!secrets.code_matches("13912345678", "123456", &stored));
        assert!(!secrets.code_matches("13812345678", "123456", "not hex"));
        let other = Secrets::from_master(b"another key of at least 32 bytes!!").unwrap();
        assert!(!other.code_matches("13812345678", "123456", &stored));
    }

    #[test]
    fn the_device_cookie_key_is_its_own_derivation() {
        let secrets = Secrets::from_master(b"0123456789abcdef0123456789abcdef").unwrap();
        let other = Secrets::from_master(b"another master key, 32 bytes long").unwrap();
        assert_eq!(secrets.device_key().len(), 32);
        assert_ne!(secrets.device_key(), other.device_key());
        assert_ne!(
            hex(secrets.device_key()),
            secrets.altcha_key(),
            "never another key's"
        );
        assert!(!secrets.device_key().is_empty(), "never an empty key");
    }

    #[test]
    fn the_key_is_generated_once_and_kept() {
        let folder = tempfile::tempdir().unwrap();
        let first = Secrets::load(None, Some(folder.path())).unwrap();
        let second = Secrets::load(None, Some(folder.path())).unwrap();
        assert_eq!(first.altcha_key(), second.altcha_key());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(folder.path().join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(Secrets::load(Some("short"), Some(folder.path())).is_err());
        let configured = Secrets::load(
            Some("a configured key that is long enough"),
            Some(folder.path()),
        )
        .unwrap();
        assert_ne!(configured.altcha_key(), first.altcha_key());
    }

    #[test]
    fn without_a_data_folder_the_key_must_be_configured() {
        let error = Secrets::load(None, None).err().map(|e| e.to_string());
        assert!(
            error
                .as_deref()
                .is_some_and(|e| e.contains("HUJIFEN_SESSION_KEY is required")),
            "{error:?}"
        );
        assert!(Secrets::load(Some("a configured key that is long enough"), None).is_ok());
    }
}
