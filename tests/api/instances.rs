//! Two instances on one database: the same SQLite file here, the same
//! PostgreSQL database when the suite runs with HUJIFEN_TEST_POSTGRES_URL.
//! Every limit is counted in the database, so it holds across instances.

use crate::helpers::TestApp;

/// Solved proofs of work, each from the instance that will use it.
async fn solved(app: &TestApp, count: usize) -> Vec<String> {
    let mut solved = Vec::with_capacity(count);
    for _ in 0..count {
        solved.push(app.solved_altcha().await);
    }
    solved
}

#[tokio::test]
async fn a_limit_of_one_lets_exactly_one_code_through_across_two_instances() {
    // Only the per-phone limit binds: one code per phone an hour.
    let limits = [
        ("HUJIFEN_SMS_PHONE_PER_HOUR", "1"),
        ("HUJIFEN_SMS_IP_PER_HOUR", "1000"),
        ("HUJIFEN_SMS_IP_PER_DAY", "1000"),
        ("HUJIFEN_SMS_NETWORK_PER_HOUR", "1000"),
        ("HUJIFEN_SMS_NETWORK_PER_DAY", "1000"),
    ];
    let first = TestApp::spawn_with(&limits).await;
    let mut shared = limits.to_vec();
    shared.push(("DATABASE_URL", first.database_url.as_str()));
    let second = TestApp::spawn_with(&shared).await;

    let mut requests = Vec::new();
    for (app, proofs) in [
        (&first, solved(&first, 10).await),
        (&second, solved(&second, 10).await),
    ] {
        for altcha in proofs {
            let (client, url) = (app.browser(), app.url("/verification-codes"));
            requests.push(tokio::spawn(async move {
                client
                    .post(url)
                    .header("accept", "application/json")
                    .form(&[("phone", "13812345678"), ("altcha", altcha.as_str())])
                    .send()
                    .await
                    .map(|response| response.status().as_u16())
            }));
        }
    }
    let mut statuses = Vec::new();
    for request in requests {
        statuses.push(request.await.expect("task").expect("response"));
    }
    let granted = statuses.iter().filter(|status| **status == 200).count();
    assert_eq!(granted, 1, "exactly one of 20 is sent: {statuses:?}");
    assert!(
        statuses.iter().all(|status| matches!(status, 200 | 429)),
        "the rest are refused as over the limit: {statuses:?}"
    );
    let sent = first.sms_sent().len() + second.sms_sent().len();
    assert_eq!(sent, 1, "one SMS in all");
}
