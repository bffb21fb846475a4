//! The two clocks the site reads: unix seconds for counters and windows,
//! and today's date in Shanghai (UTC+8, no daylight saving) for assessments.

pub fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

pub fn shanghai_today() -> time::Date {
    time::OffsetDateTime::now_utc()
        .to_offset(time::macros::offset!(+8))
        .date()
}
