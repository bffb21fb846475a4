//! Mainland mobile numbers (SECURITY.md): strip `+86`/`0086`, spaces and
//! dashes, then `^1[3-9]\d{9}$`.

use std::fmt;

/// A normalised mainland mobile number, 11 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl Phone {
    pub fn parse(input: &str) -> Result<Self, &'static str> {
        let compact: String = input
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '\u{3000}' | '\t'))
            .map(|c| match c {
                // Full-width digits and plus, as some input methods type them.
                '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
                '＋' => '+',
                _ => c,
            })
            .collect();
        if compact.is_empty() {
            return Err("请填写手机号码");
        }
        let national = compact
            .strip_prefix("+86")
            .or_else(|| compact.strip_prefix("0086"))
            .unwrap_or(&compact);
        let bytes = national.as_bytes();
        let valid = bytes.len() == 11
            && bytes[0] == b'1'
            && (b'3'..=b'9').contains(&bytes[1])
            && bytes.iter().all(u8::is_ascii_digit);
        if valid {
            Ok(Self(national.to_string()))
        } else {
            Err("请填写正确的中国大陆手机号码（11位，以1开头）")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `138****5678`.
    pub fn masked(&self) -> String {
        mask_phone(&self.0)
    }
}

impl fmt::Display for Phone {
    /// Masked: a full number is never printed by accident.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

/// `13812345678` -> `138****5678`; anything else keeps at most its last 4.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() == 11 {
        format!(
            "{}****{}",
            chars[..3].iter().collect::<String>(),
            chars[7..].iter().collect::<String>()
        )
    } else {
        let tail: String = chars.iter().rev().take(4).rev().collect();
        format!("****{tail}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_mainland_mobiles_in_common_spellings() {
        for input in [
            "13812345678",
            " 138 1234 5678 ",
            "138-1234-5678",
            "+8613812345678",
            "+86 138 1234 5678",
            "008613812345678",
            "１３８１２３４５６７８",
            "＋86 13812345678",
        ] {
            assert_eq!(
                Phone::parse(input).unwrap().as_str(),
                "13812345678",
                "{input}"
            );
        }
        for prefix in 3..=9 {
            assert!(Phone::parse(&format!("1{prefix}012345678")).is_ok());
        }
    }

    #[test]
    fn refuses_everything_else() {
        for input in [
            "",
            "   ",
            "12812345678",
            "10012345678",
            "23812345678",
            "1381234567",
            "138123456789",
            "+85213812345678",
            "+1 4155552671",
            "021-12345678",
            "1381234567a",
            "13812345678; DROP TABLE leads",
            "+8613812345678+86",
        ] {
            assert!(Phone::parse(input).is_err(), "{input:?}");
        }
        assert_eq!(Phone::parse("").unwrap_err(), "请填写手机号码");
    }

    #[test]
    fn masks() {
        assert_eq!(Phone::parse("13812345678").unwrap().masked(), "138****5678");
        assert_eq!(
            format!("{}", Phone::parse("13812345678").unwrap()),
            "138****5678"
        );
        assert_eq!(mask_phone("5678"), "****5678");
    }
}
