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
    iso_text(
        date.midnight()
            .assume_offset(time::macros::offset!(+8))
            .to_offset(time::UtcOffset::UTC),
    )
}

/// Now as the stored timestamp text, `2026-12-02T08:30:00.123Z`: what
/// SQLite's `strftime('%Y-%m-%dT%H:%M:%fZ', 'now')` writes, and what sorts
/// as text in time order on both backends.
pub fn iso_now() -> String {
    iso_text(time::OffsetDateTime::now_utc())
}

/// `days` before now, as stored timestamp text.
pub fn iso_days_ago(days: i64) -> String {
    iso_text(time::OffsetDateTime::now_utc() - time::Duration::days(days))
}

/// A unix time as stored timestamp text (the epoch when out of range).
pub fn iso_at(unix: i64) -> String {
    iso_text(
        time::OffsetDateTime::from_unix_timestamp(unix).unwrap_or(time::OffsetDateTime::UNIX_EPOCH),
    )
}

/// `minutes` before now, as stored timestamp text.
pub fn iso_minutes_ago(minutes: i64) -> String {
    iso_text(time::OffsetDateTime::now_utc() - time::Duration::minutes(minutes))
}

/// A stored timestamp text (`iso_now`'s format, RFC 3339) as a time; None
/// when it is not one.
pub fn parse_iso(text: &str) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
}

/// The date in Shanghai of a stored timestamp text.
pub fn shanghai_date_of(text: &str) -> Option<time::Date> {
    parse_iso(text).map(|at| at.to_offset(time::macros::offset!(+8)).date())
}

fn iso_text(at: time::OffsetDateTime) -> String {
    let utc = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        utc.year(),
        utc.month() as u8,
        utc.day(),
        utc.hour(),
        utc.minute(),
        utc.second(),
        utc.millisecond()
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

    #[test]
    fn a_stored_time_has_its_shanghai_date() {
        assert_eq!(
            shanghai_date_of("2026-11-27T16:00:00.000Z"),
            Some(date!(2026 - 11 - 28))
        );
        assert_eq!(
            shanghai_date_of("2026-11-27T15:59:59.999Z"),
            Some(date!(2026 - 11 - 27))
        );
        assert_eq!(shanghai_date_of("yesterday"), None);
    }
}
