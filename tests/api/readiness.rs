//! Readiness and drain: on SIGTERM `/readyz` fails first while every other
//! request is still served, so a load balancer stops sending here before the
//! process stops accepting and exits.

use std::time::{Duration, Instant};

use reqwest::Client;

use crate::process::ServerProcess;

/// A fresh connection per request: what a load balancer's check does, and
/// no keep-alive connection can hide a stopped listener.
async fn get(server: &ServerProcess, path: &str) -> Result<(u16, String), reqwest::Error> {
    hujifen::notify::sms::install_tls_provider();
    let client = Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(5))
        .build()?;
    let response = client.get(server.url(path)).send().await?;
    let status = response.status().as_u16();
    Ok((status, response.text().await?))
}

#[tokio::test]
async fn sigterm_fails_readyz_for_the_drain_period_then_exits_0() {
    let folder = tempfile::tempdir().unwrap();
    let mut server = ServerProcess::start(folder.path(), &[("HUJIFEN_DRAIN_SECONDS", "2")]);
    assert_eq!(get(&server, "/readyz").await.unwrap(), (200, "ok".into()));

    let terminated = Instant::now();
    server.terminate();
    loop {
        let (status, _) = get(&server, "/readyz").await.unwrap();
        if status == 503 {
            break;
        }
        assert!(
            terminated.elapsed() < Duration::from_secs(1),
            "/readyz still answers {status} after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Draining: everything else is served as before, health included.
    for path in ["/", "/healthz", "/guide/faq"] {
        let (status, _) = get(&server, path).await.unwrap();
        assert_eq!(status, 200, "{path} while draining");
    }
    assert!(
        terminated.elapsed() < Duration::from_secs(2),
        "the checks ran inside the drain period"
    );
    assert!(server.child.try_wait().unwrap().is_none(), "still running");

    let status = server
        .wait_for_exit(Duration::from_secs(10))
        .expect("exits after the drain");
    assert!(status.success(), "exit status {status}");
    assert!(
        terminated.elapsed() >= Duration::from_secs(2),
        "the drain period was held: exited after {:?}",
        terminated.elapsed()
    );
    let log = server.log_text();
    assert!(log.contains("SIGTERM: /readyz fails, draining"), "{log}");
    assert!(log.contains("outbox worker stopped"), "{log}");
}
