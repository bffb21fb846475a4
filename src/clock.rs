//! The two clocks the site reads: unix seconds for counters and windows,
//! and dates in Shanghai (UTC+8, no daylight saving) for assessments and
//! the advisors' date filters.

pub fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

pub fn shanghai_today() -> time::Date {
    time::OffsetDateTime::now_utc()
        .to_offset(time::macros::offset!(+8))
        .date()
}

/// UTC ISO text of Shanghai midnight starting `date`, comparable with the
/// stored `created_at` columns.
pub fn shanghai_midnight_utc(date: time::Date) -> String {
    let utc = date
        .midnight()
        .assume_offset(time::macros::offset!(+8))
        .to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.000Z",
        utc.year(),
        utc.month() as u8,
        utc.day(),
        utc.hour(),
        utc.minute(),
        utc.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn midnight_in_shanghai_is_16_00_utc_the_day_before() {
        assert_eq!(
            shanghai_midnight_utc(date!(2026 - 11 - 28)),
            "2026-11-27T16:00:00.000Z"
        );
    }
}
