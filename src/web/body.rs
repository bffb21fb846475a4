//! Reading request bodies with a size limit, so each caller can answer an
//! oversized body in its own format (the site's page, or JSON).

use actix_web::web::{Bytes, BytesMut, Payload};
use futures_util::StreamExt;

/// Form and JSON bodies: 16 KiB (SECURITY.md).
pub const BODY_LIMIT: usize = 16 * 1024;

#[derive(Debug, PartialEq, Eq)]
pub enum BodyError {
    TooLarge,
    /// The client went away or sent a broken stream.
    Unreadable,
    /// The body did not arrive in time.
    TimedOut,
}

/// How long a client may take to send its body.
pub const BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

pub async fn read_limited(payload: Payload, limit: usize) -> Result<Bytes, BodyError> {
    tokio::time::timeout(BODY_TIMEOUT, read_all(payload, limit))
        .await
        .unwrap_or(Err(BodyError::TimedOut))
}

async fn read_all(mut payload: Payload, limit: usize) -> Result<Bytes, BodyError> {
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| BodyError::Unreadable)?;
        if body.len() + chunk.len() > limit {
            drain(payload, body.len() + chunk.len()).await;
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// How much of an oversized body is read and thrown away so the client,
/// still sending, gets to read the 413 instead of a reset connection.
const DRAIN_LIMIT: usize = 1024 * 1024;

async fn drain(mut payload: Payload, mut read: usize) {
    while read <= DRAIN_LIMIT {
        match payload.next().await {
            Some(Ok(chunk)) => read += chunk.len(),
            _ => return,
        }
    }
}

/// The fields of a request's query string (blank values left out); a
/// query that does not parse counts as empty.
pub fn query_fields(request: &actix_web::HttpRequest) -> crate::form::RawFields {
    serde_urlencoded::from_str::<Vec<(String, String)>>(request.query_string())
        .unwrap_or_default()
        .into_iter()
        .filter(|(_, value)| !value.trim().is_empty())
        .collect()
}

/// Adds `Retry-After` (seconds) to a refusal.
pub fn with_retry_after(
    mut response: actix_web::HttpResponse,
    seconds: Option<i64>,
) -> actix_web::HttpResponse {
    if let Some(value) =
        seconds.and_then(|s| actix_web::http::header::HeaderValue::from_str(&s.to_string()).ok())
    {
        response
            .headers_mut()
            .insert(actix_web::http::header::RETRY_AFTER, value);
    }
    response
}

/// The fields of an urlencoded form body; the last value of a repeated field
/// wins. Bytes that are not UTF-8 become U+FFFD and fail validation politely.
pub fn form_fields(body: &[u8]) -> crate::form::RawFields {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .unwrap_or_default()
        .into_iter()
        .collect()
}
