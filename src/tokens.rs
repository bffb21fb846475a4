//! Unguessable tokens for result links, idempotency keys and sessions.

/// 128 random bits from the OS-seeded CSPRNG, as 32 hex digits.
pub fn random_token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    crate::secrets::hex(&bytes)
}

/// A self-test result's token: the time in milliseconds (48 bits) then 80
/// random bits, as 32 hex digits. Tokens made close in time sort together,
/// so storing one touches the right edge of the token index instead of a
/// random leaf; with random tokens a batch of results dirtied a page each,
/// and `POST /self-test` spent most of its time writing them to the WAL.
/// 80 bits from the CSPRNG stay unguessable. The price: whoever holds a
/// result link can read when the test was taken, to the millisecond (the
/// page itself shows only the date). A secret offset would not hide it, as
/// anyone can take a test and compare. We accept it: the link is the
/// visitor's to share, and the hour of a self-test says little.
pub fn time_ordered_token() -> String {
    use rand::RngCore;
    let millis = time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000;
    let mut bytes = [0u8; 16];
    // The low 48 bits of the time: enough until the year 10889.
    bytes[..6].copy_from_slice(&(millis as u64).to_be_bytes()[2..]);
    rand::rng().fill_bytes(&mut bytes[6..]);
    crate::secrets::hex(&bytes)
}

/// Whether `text` could be a token made by `random_token` or
/// `time_ordered_token`.
pub fn looks_like_token(text: &str) -> bool {
    text.len() == 32 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_have_the_shape_of_a_token_and_do_not_repeat() {
        let (a, b) = (random_token(), random_token());
        assert!(looks_like_token(&a) && looks_like_token(&b));
        assert_ne!(a, b);
        let (c, d) = (time_ordered_token(), time_ordered_token());
        assert!(looks_like_token(&c) && looks_like_token(&d));
        assert_ne!(c[12..], d[12..]);
    }

    #[test]
    fn time_ordered_tokens_sort_by_time() {
        let first = time_ordered_token();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let second = time_ordered_token();
        assert!(first[..12] < second[..12], "{first} then {second}");
        let now = time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000;
        let stamped = i128::from(u64::from_str_radix(&second[..12], 16).unwrap_or(0));
        assert!((now - stamped).abs() < 1_000, "{second} is not now");
    }
}
