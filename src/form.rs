//! Messages for form fields, shared by every form and the JSON API.

use std::collections::BTreeMap;

use serde::{Serialize, Serializer};

/// The raw fields of a submitted form (or JSON object), as typed.
pub type RawFields = BTreeMap<String, String>;

/// One Chinese message per field, in the order they were added (or sorted
/// into form order); serialised as a JSON object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(Vec<(&'static str, String)>);

impl FieldErrors {
    /// Adds a message unless the field already has one.
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        if !self.contains(field) {
            self.0.push((field, message.into()));
        }
    }

    /// Orders the messages as the fields appear on the form.
    pub fn sort_by_fields<'a>(&mut self, fields: impl IntoIterator<Item = &'a str>) {
        let order: Vec<&str> = fields.into_iter().collect();
        self.0.sort_by_key(|(name, _)| {
            order
                .iter()
                .position(|field| field == name)
                .unwrap_or(usize::MAX)
        });
    }

    pub fn contains(&self, field: &str) -> bool {
        self.0.iter().any(|(name, _)| *name == field)
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(name, _)| *name == field)
            .map(|(_, message)| message.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.0
            .iter()
            .map(|(name, message)| (*name, message.as_str()))
    }
}

impl Serialize for FieldErrors {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

/// Whether a checkbox-like value means yes.
pub fn is_checked(value: Option<&str>) -> bool {
    matches!(value.map(str::trim), Some("on" | "true" | "1" | "yes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_one_message_per_field_and_sorts() {
        let mut errors = FieldErrors::default();
        errors.add("b", "second");
        errors.add("a", "first");
        errors.add("a", "ignored");
        assert_eq!(errors.len(), 2);
        errors.sort_by_fields(["a", "b"]);
        assert_eq!(
            errors.iter().collect::<Vec<_>>(),
            [("a", "first"), ("b", "second")]
        );
        assert_eq!(
            serde_json::to_string(&errors).unwrap(),
            r#"{"a":"first","b":"second"}"#
        );
    }
}
