//! The statements that differ between SQLite and PostgreSQL, one function
//! each, so that every other query is one text for both.

use super::Backend;

/// The Shanghai calendar day of a stored UTC timestamp text, `YYYY-MM-DD`.
pub fn shanghai_day(backend: Backend, column: &str) -> String {
    match backend {
        Backend::Sqlite => format!("date({column}, '+8 hours')"),
        Backend::Postgres => format!(
            "to_char(({column})::timestamptz AT TIME ZONE 'UTC' + interval '8 hours', 'YYYY-MM-DD')"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_backend_has_its_own_day_expression() {
        assert_eq!(
            shanghai_day(Backend::Sqlite, "created_at"),
            "date(created_at, '+8 hours')"
        );
        assert!(shanghai_day(Backend::Postgres, "created_at").starts_with("to_char((created_at)"));
    }
}
