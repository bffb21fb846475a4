//! Garbage in, no panic out: random bodies through the form and JSON parsers
//! and on into the engine, for a bounded time (`FUZZ_SECONDS`, default 2;
//! CI runs it for 60). A property test rather than `cargo fuzz`, which needs
//! a nightly toolchain this project does not have.

use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;

use super::api::raw_answers;
use super::body::form_fields;
use crate::leads::form::parse_callback;
use crate::scoring::input::FIELDS;
use crate::scoring::{ReferenceWages, evaluate, parse_answers};

/// Values that have broken parsers elsewhere, mixed with random ones.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("unknown".to_string()),
        Just("-0".to_string()),
        Just("１００".to_string()),
        Just("1e309".to_string()),
        Just("NaN".to_string()),
        Just("18446744073709551616".to_string()),
        Just("4294967295".to_string()),
        Just("<script>alert(1)</script>".to_string()),
        Just("\u{0}\u{202e}".to_string()),
        (0u32..200).prop_map(|n| n.to_string()),
        "[a-z_0-9.+-]{0,12}",
        any::<String>(),
    ]
}

fn field() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(
            FIELDS
                .iter()
                .map(|(name, _)| name.to_string())
                .collect::<Vec<_>>()
        ),
        proptest::sample::select(vec![
            "name".to_string(),
            "phone".to_string(),
            "code".to_string(),
            "consent".to_string(),
            "interest".to_string(),
            "website".to_string(),
        ]),
        "[a-z_]{0,10}",
    ]
}

/// A body: raw bytes, or a form, or JSON built from plausible fields.
fn body() -> impl Strategy<Value = Vec<u8>> {
    let pairs = || proptest::collection::vec((field(), value()), 0..24);
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..2048),
        pairs().prop_map(|pairs| serde_urlencoded::to_string(pairs)
            .unwrap_or_default()
            .into_bytes()),
        pairs().prop_map(|pairs| {
            let object: serde_json::Map<String, serde_json::Value> = pairs
                .into_iter()
                .map(|(k, v)| {
                    let value = v
                        .parse::<i64>()
                        .map(serde_json::Value::from)
                        .unwrap_or(serde_json::Value::from(v));
                    (k, value)
                })
                .collect();
            serde_json::Value::Object(object).to_string().into_bytes()
        }),
    ]
}

fn exercise(bytes: &[u8], wages: &ReferenceWages) {
    let on = time::macros::date!(2026 - 11 - 28);
    let check = |profile: crate::scoring::Profile| {
        let a = evaluate(&profile, on, wages);
        let sum: i32 = a.items.iter().map(|i| i.points).sum();
        assert_eq!(a.total, sum.max(0));
        assert!(a.total_min <= a.total_max);
    };
    let fields = form_fields(bytes);
    if let Ok(profile) = parse_answers(&fields) {
        check(profile);
    }
    let _ = parse_callback(&fields);
    if let Ok(serde_json::Value::Object(object)) =
        serde_json::from_slice::<serde_json::Value>(bytes)
    {
        let (raw, _) = raw_answers(&object);
        if let Ok(profile) = parse_answers(&raw) {
            check(profile);
        }
    }
}

#[test]
fn fuzz_parsers_and_engine_never_panic() {
    let seconds: u64 = std::env::var("FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let wages = ReferenceWages::bundled();
    let strategy = body();
    let mut runner = TestRunner::default();
    let mut cases = 0u64;
    while Instant::now() < deadline {
        let input = match strategy.new_tree(&mut runner) {
            Ok(tree) => tree.current(),
            Err(reason) => panic!("no body generated: {reason}"),
        };
        exercise(&input, &wages);
        cases += 1;
    }
    eprintln!("fuzzed {cases} bodies in {seconds} s");
    assert!(cases > 100);
}
