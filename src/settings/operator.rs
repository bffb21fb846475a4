//! Who runs the site, as every public page's footer and `/privacy` name
//! it (the 个人信息处理者 and a contact). Unset in local development: the
//! pages then leave these lines out.

use super::Lookup;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OperatorSettings {
    /// `HUJIFEN_OPERATOR` [unset]: the operator's legal name.
    pub name: Option<String>,
    /// `HUJIFEN_ICP` [unset]: its ICP 备案号, linked to the MIIT register.
    pub icp: Option<String>,
    /// `HUJIFEN_CONTACT` [unset]: a public contact (an email or a phone).
    pub contact: Option<String>,
}

impl OperatorSettings {
    /// Values are only trimmed: they are shown as text, HTML-escaped.
    pub fn from_lookup(lookup: &Lookup<'_>) -> Self {
        Self {
            name: lookup.get("HUJIFEN_OPERATOR"),
            icp: lookup.get("HUJIFEN_ICP"),
            contact: lookup.get("HUJIFEN_CONTACT"),
        }
    }

    /// Whether any of the three is set.
    pub fn is_named(&self) -> bool {
        self.name.is_some() || self.icp.is_some() || self.contact.is_some()
    }
}
