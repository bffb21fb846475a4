//! Findings of the outside probe (issue 13) about HTTP and limits: request
//! smuggling, Host and Origin, per-network limits, the SMS budget, codes.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::TestApp;

/// Writes raw bytes on a fresh connection and reads until the server closes
/// it (or 3 s pass): every response the server sent, as text.
async fn raw_exchange(app: &TestApp, request: &[u8]) -> String {
    let address = app.address.trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut received = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(3), stream.read_to_end(&mut received)).await;
    String::from_utf8_lossy(&received).to_string()
}

fn responses(reply: &str) -> usize {
    reply.matches("HTTP/1.1 ").count()
}

#[tokio::test]
async fn a_request_with_both_content_length_and_transfer_encoding_is_refused() {
    let app = TestApp::spawn().await;
    let host = app.address.trim_start_matches("http://").to_string();
    // A second request hidden in the body of the first: a front proxy that
    // honours Content-Length would see one request, this server two.
    let hidden = format!("GET /healthz HTTP/1.1\r\nHost: {host}\r\n\r\n");
    let body = format!("0\r\n\r\n{hidden}");
    let request = format!(
        "POST /self-test HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nTransfer-Encoding: chunked\r\n\r\n{body}",
        body.len()
    );
    let reply = raw_exchange(&app, request.as_bytes()).await;
    assert!(reply.starts_with("HTTP/1.1 400"), "{reply}");
    assert_eq!(responses(&reply), 1, "the hidden request is never answered: {reply}");
    assert_eq!(app.assessment_count().await, 0);
}

#[tokio::test]
async fn a_request_with_two_host_headers_is_refused_and_closed() {
    let app = TestApp::spawn().await;
    let host = app.address.trim_start_matches("http://").to_string();
    let request = format!(
        "GET / HTTP/1.1\r\nHost: {host}\r\nHost: evil.example\r\n\r\nGET /healthz HTTP/1.1\r\nHost: {host}\r\n\r\n"
    );
    let reply = raw_exchange(&app, request.as_bytes()).await;
    assert!(reply.starts_with("HTTP/1.1 400"), "{reply}");
    assert_eq!(responses(&reply), 1, "the connection is closed after the 400: {reply}");
}
