//! Findings of the outside probe (issue 13) about stored data, free text
//! and errors: Cf characters, ids never reused, privacy deletion, JSON errors.
