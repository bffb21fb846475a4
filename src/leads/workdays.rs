//! Working days in mainland China: Monday to Friday, minus public holidays,
//! plus make-up working days, from `holidays.toml`. The promise to call back
//! "within 1 working day" is measured with it.

use std::collections::{BTreeMap, HashSet};

use serde::Deserialize;
use time::macros::format_description;
use time::{Date, Duration, Weekday};

const BUNDLED: &str = include_str!("holidays.toml");

#[derive(Deserialize)]
struct Year {
    holidays: Vec<String>,
    workdays: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Calendar {
    holidays: HashSet<Date>,
    workdays: HashSet<Date>,
}

impl Calendar {
    pub fn bundled() -> Result<Self, String> {
        Self::parse(BUNDLED)
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let years: BTreeMap<String, Year> =
            toml::from_str(text).map_err(|error| error.to_string())?;
        let date = |text: &String| {
            Date::parse(text, format_description!("[year]-[month]-[day]"))
                .map_err(|_| format!("{text:?} is not a date"))
        };
        let mut calendar = Self::default();
        for year in years.values() {
            for day in &year.holidays {
                calendar.holidays.insert(date(day)?);
            }
            for day in &year.workdays {
                calendar.workdays.insert(date(day)?);
            }
        }
        Ok(calendar)
    }

    pub fn is_working_day(&self, date: Date) -> bool {
        if self.workdays.contains(&date) {
            return true;
        }
        if self.holidays.contains(&date) {
            return false;
        }
        !matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
    }

    /// The first working day after `date`.
    pub fn next_working_day(&self, date: Date) -> Date {
        let mut day = date;
        loop {
            day = day.saturating_add(Duration::DAY);
            if self.is_working_day(day) || day == Date::MAX {
                return day;
            }
        }
    }

    /// The last day to call back a request made on `submitted` (Shanghai
    /// date): the whole of the next working day. Overdue from the day after.
    pub fn callback_due(&self, submitted: Date) -> Date {
        self.next_working_day(submitted)
    }

    pub fn is_overdue(&self, submitted: Date, today: Date) -> bool {
        today > self.callback_due(submitted)
    }

    /// Whether a lead breaks the promise "1个工作日内沟通" on `today`: it is
    /// still new, no call was attempted, and its due day has passed. A call
    /// attempt keeps the promise whether or not it was answered.
    pub fn lead_is_overdue(
        &self,
        still_new: bool,
        submitted: Date,
        attempted: bool,
        today: Date,
    ) -> bool {
        still_new && !attempted && self.is_overdue(submitted, today)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn weekdays_weekends_holidays_and_make_up_days() {
        let c = Calendar::bundled().unwrap();
        assert!(c.is_working_day(date!(2026 - 11 - 27)), "a Friday");
        assert!(!c.is_working_day(date!(2026 - 11 - 28)), "a Saturday");
        assert!(!c.is_working_day(date!(2026 - 10 - 01)), "National Day");
        assert!(
            c.is_working_day(date!(2026 - 10 - 10)),
            "a Saturday made a working day"
        );
        assert!(!c.is_working_day(date!(2026 - 02 - 16)), "Spring Festival");
        assert!(c.is_working_day(date!(2026 - 02 - 14)));
        assert!(!c.is_working_day(date!(2025 - 10 - 08)));
    }

    #[test]
    fn the_callback_is_due_by_the_end_of_the_next_working_day() {
        let c = Calendar::bundled().unwrap();
        // Across a weekend: Friday -> Monday.
        assert_eq!(c.callback_due(date!(2026 - 11 - 27)), date!(2026 - 11 - 30));
        assert!(!c.is_overdue(date!(2026 - 11 - 27), date!(2026 - 11 - 30)));
        assert!(c.is_overdue(date!(2026 - 11 - 27), date!(2026 - 12 - 01)));
        // Made on a Saturday: due Monday.
        assert_eq!(c.callback_due(date!(2026 - 11 - 28)), date!(2026 - 11 - 30));
        // Across a holiday: 30 September -> 8 October (1–7 off).
        assert_eq!(c.callback_due(date!(2026 - 09 - 30)), date!(2026 - 10 - 08));
        // Before a make-up Saturday: 9 October (Fri) -> 10 October (Sat, working).
        assert_eq!(c.callback_due(date!(2026 - 10 - 09)), date!(2026 - 10 - 10));
        // A plain weekday.
        assert_eq!(c.callback_due(date!(2026 - 11 - 24)), date!(2026 - 11 - 25));
        assert!(c.is_overdue(date!(2026 - 11 - 24), date!(2026 - 11 - 26)));
    }

    #[test]
    fn a_call_attempt_keeps_the_promise_whatever_its_outcome() {
        let c = Calendar::bundled().unwrap();
        let (friday, tuesday) = (date!(2026 - 11 - 27), date!(2026 - 12 - 01));
        assert!(c.lead_is_overdue(true, friday, false, tuesday));
        assert!(!c.lead_is_overdue(true, friday, true, tuesday), "attempted");
        assert!(
            !c.lead_is_overdue(false, friday, false, tuesday),
            "no longer new"
        );
        assert!(
            !c.lead_is_overdue(true, friday, false, date!(2026 - 11 - 30)),
            "due Monday"
        );
    }

    #[test]
    fn bad_data_is_refused() {
        assert!(Calendar::parse("[2026]\nholidays = [\"2026-13-01\"]\nworkdays = []\n").is_err());
    }
}
