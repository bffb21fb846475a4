//! Messages that leave the site: SMS codes to visitors, email to advisors
//! (through the outbox).

pub mod email;
pub mod outbox;
pub mod sms;
