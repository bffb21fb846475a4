//! Where a lead stands in the advisors' pipeline: one enum owns each
//! status's stored code, its Chinese label and its place in the order.

crate::vocabulary::vocabulary! {
    /// The statuses of the pipeline, in order; the code is what
    /// `leads.status` stores and forms send.
    pub enum LeadStatus {
        New => ("new", "新线索"),
        Contacted => ("contacted", "已联系"),
        Following => ("following", "跟进中"),
        Signed => ("signed", "已签约"),
        Invalid => ("invalid", "无效"),
    }
}

impl LeadStatus {
    /// Statuses in which a lead is still being worked: a repeat request
    /// joins the open lead instead of making a new one.
    pub const OPEN: [LeadStatus; 3] = [
        LeadStatus::New,
        LeadStatus::Contacted,
        LeadStatus::Following,
    ];

    /// Statuses whose follow-up dates belong in today's queue.
    pub const FOLLOWED_UP: [LeadStatus; 2] = [LeadStatus::Contacted, LeadStatus::Following];

    /// The label of a stored code; "未知" for anything else.
    pub fn label_of(code: &str) -> &'static str {
        Self::from_code(code).map_or("未知", Self::label)
    }

    /// A quoted SQL list of codes (`'new', 'contacted'`) for `IN (…)`.
    /// The codes are constants of this enum, never user input.
    pub fn sql_list(statuses: &[LeadStatus]) -> String {
        statuses
            .iter()
            .map(|status| format!("'{}'", status.code()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_in_order() {
        let codes: Vec<&str> = LeadStatus::ALL.iter().map(|s| s.code()).collect();
        assert_eq!(
            codes,
            ["new", "contacted", "following", "signed", "invalid"]
        );
        for &status in LeadStatus::ALL {
            assert_eq!(LeadStatus::from_code(status.code()), Some(status));
        }
        assert_eq!(LeadStatus::from_code("archived"), None);
        assert_eq!(LeadStatus::label_of("contacted"), "已联系");
        assert_eq!(LeadStatus::label_of("archived"), "未知");
    }

    #[test]
    fn open_statuses_as_sql() {
        assert_eq!(
            LeadStatus::sql_list(&LeadStatus::OPEN),
            "'new', 'contacted', 'following'"
        );
    }
}
