//! The disk-space guard: the operator is warned (log and email) long
//! before the disk is so full that a write fails, a lead's included (third
//! outside probe: anonymous writes grew the database about 19 GB an hour
//! until it would). Pure: the caller measures the disk.

use super::email::DiskSpaceAlertEmail;

/// The operator's alert for `free_bytes` left under `folder` against the
/// `warn_free_mb` threshold, or None while there is room.
pub fn alert(free_bytes: u64, warn_free_mb: u64, folder: &str) -> Option<DiskSpaceAlertEmail> {
    let level = DiskLevel::of(free_bytes, warn_free_mb.saturating_mul(1024 * 1024));
    (level != DiskLevel::Ok).then(|| DiskSpaceAlertEmail {
        level: level.code().to_string(),
        free_mb: free_bytes / (1024 * 1024),
        warn_free_mb,
        folder: folder.to_string(),
    })
}

/// How full the data folder's disk is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DiskLevel {
    Ok,
    /// Below the warning threshold (`HUJIFEN_DISK_WARN_FREE_MB`).
    Low,
    /// Below a quarter of it: writes may soon fail.
    Critical,
}

impl DiskLevel {
    /// The level of `free_bytes` against the warning threshold.
    pub fn of(free_bytes: u64, warn_below_bytes: u64) -> Self {
        if free_bytes < warn_below_bytes / 4 {
            Self::Critical
        } else if free_bytes < warn_below_bytes {
            Self::Low
        } else {
            Self::Ok
        }
    }

    /// The code stored with an alert (one email a day per level).
    pub fn code(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Low => "low",
            Self::Critical => "critical",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_at_the_threshold_and_a_quarter_of_it() {
        let warn = 2048 * 1024 * 1024;
        assert_eq!(DiskLevel::of(warn, warn), DiskLevel::Ok);
        assert_eq!(DiskLevel::of(u64::MAX, warn), DiskLevel::Ok);
        assert_eq!(DiskLevel::of(warn - 1, warn), DiskLevel::Low);
        assert_eq!(DiskLevel::of(warn / 4, warn), DiskLevel::Low);
        assert_eq!(DiskLevel::of(warn / 4 - 1, warn), DiskLevel::Critical);
        assert_eq!(DiskLevel::of(0, warn), DiskLevel::Critical);
        assert!(DiskLevel::Critical > DiskLevel::Low && DiskLevel::Low > DiskLevel::Ok);
        assert_eq!(
            DiskLevel::of(0, 0),
            DiskLevel::Ok,
            "a threshold of 0 never warns"
        );
    }
}
