//! Unguessable tokens for result links, idempotency keys and sessions.

/// 128 random bits from the OS-seeded CSPRNG, as 32 hex digits.
pub fn random_token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    crate::secrets::hex(&bytes)
}

/// Whether `text` could be a token made by `random_token`.
pub fn looks_like_token(text: &str) -> bool {
    text.len() == 32 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}
