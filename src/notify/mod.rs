//! Messages that leave the site: SMS codes to visitors, email to advisors.

pub mod email;
pub mod sms;
