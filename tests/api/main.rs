//! Integration tests: the real app on port 0 with a temp SQLite file, driven
//! over HTTP the way a browser or an API client would. One binary, modules.

mod helpers;
mod notify;

mod admin;
mod anonymisation;
mod api;
mod architecture;
mod calls;
mod consultations;
mod guides;
mod hardening;
mod instances;
mod login_flood;
mod operator;
mod pages;
mod personas;
mod plan;
mod probe_data;
mod probe_http;
mod process;
mod readiness;
mod robots;
mod schema;
mod school;
mod self_test;
mod snapshots;
mod startup;
mod verdicts;
