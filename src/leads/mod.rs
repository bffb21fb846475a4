//! Lead rules: phone and name parsing, verification codes, rate-limit
//! decisions, and the callback form. Pure: no web, no database, no clock.

pub mod alerts;
pub mod brief;
pub mod calls;
pub mod changes;
pub mod client_windows;
pub mod codes;
pub mod events;
pub mod export;
pub mod form;
pub mod limits;
pub mod log_throttle;
pub mod network;
pub mod phone;
pub mod school;
pub mod snapshot;
pub mod status;
pub mod workdays;

pub use phone::{Phone, mask_phone};

/// The version of the 个人信息处理规则 (`/privacy`) that consent records point to.
pub const NOTICE_VERSION: &str = "2026-11-28";

/// How far a lead's attached score is from the standard, for advisors and
/// notifications (never the score itself in an email).
pub fn score_band(total: Option<i32>) -> &'static str {
    match total {
        None => "none",
        Some(total) if total >= 120 => "reached",
        Some(total) if total >= 100 => "near",
        Some(_) => "far",
    }
}

pub fn score_band_label(band: &str) -> &'static str {
    match band {
        "reached" => "已达120分",
        "near" => "差20分以内",
        "far" => "差20分以上",
        _ => "未附自测结果",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands() {
        assert_eq!(score_band(None), "none");
        assert_eq!(score_band(Some(120)), "reached");
        assert_eq!(score_band(Some(191)), "reached");
        assert_eq!(score_band(Some(119)), "near");
        assert_eq!(score_band(Some(100)), "near");
        assert_eq!(score_band(Some(99)), "far");
        assert_eq!(score_band(Some(0)), "far");
    }
}
