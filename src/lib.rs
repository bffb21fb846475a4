//! 沪积分: the Shanghai residence-permit points self-test, guides, and
//! callback requests. The binary in `main.rs` is a thin wrapper over `app`.

pub mod advisors;
pub mod app;
pub mod cli;
pub mod clock;
pub mod db;
pub mod form;
pub mod guides;
pub mod leads;
pub mod logging;
pub mod notify;
pub mod scoring;
pub mod secrets;
pub mod settings;
pub mod tokens;
pub mod views;
pub mod vocabulary;
pub mod web;
pub mod workers;
