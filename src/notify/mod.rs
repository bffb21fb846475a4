//! Messages that leave the site: SMS codes to visitors, email to advisors
//! and lead alerts to their group-chat robots (both through the outbox).

pub mod disk;
pub mod email;
pub mod outbox;
pub mod robots;
pub mod sms;
