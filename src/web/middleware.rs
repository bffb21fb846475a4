//! The site middleware: a request id, one log line per request, security
//! headers on every response, and the site's page for error responses.

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};

use crate::logging::{RequestId, in_request};

use super::AppState;
use crate::settings::{ServerSettings, host_name, normalise_public_url};

const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data:; object-src 'none'; \
     base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

pub async fn site(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let request_id = RequestId::new();
    // Every line logged while the request runs, its own line included,
    // carries its id.
    in_request(request_id, respond(request, next, request_id)).await
}

async fn respond(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
    request_id: RequestId,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let request_id = request_id.as_str();
    let started = Instant::now();
    let method = request.method().clone();
    // An Arc, not a copy of the URL: this runs on every request.
    let state = request.app_data::<web::Data<AppState>>().cloned();
    let settings = state.as_ref().map(|state| &state.settings.server);
    let https = settings.is_some_and(ServerSettings::is_https);
    let admin = request.path().starts_with("/admin");

    let response = if settings.is_some_and(|settings| !host_allowed(&request, settings)) {
        // A foreign Host could poison links built from it, or reach this
        // site under another name (DNS rebinding): refused, unless a trusted
        // proxy (which answers for its own names) sent it.
        let host = header_text(&request, "host");
        tracing::warn!(%host, "request for another host refused");
        request.into_response(HttpResponse::MisdirectedRequest().finish())
    } else if method == actix_web::http::Method::POST
        && !same_origin(&request, settings.map_or("", ServerSettings::public_origin))
    {
        let (origin, site) = (
            header_text(&request, "origin"),
            header_text(&request, "sec-fetch-site"),
        );
        let path = request.path();
        tracing::warn!(%path, %origin, fetch_site = %site, "cross-origin POST refused");
        request.into_response(HttpResponse::Forbidden().finish())
    } else {
        // Handlers and extractors turn their errors into responses; only an
        // inner middleware could return Err, and there is none.
        next.call(request).await?.map_into_boxed_body()
    };
    let mut response = render_error_page(response, request_id);
    add_security_headers(response.headers_mut(), request_id, https);
    if admin {
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
    }

    let status = response.status().as_u16();
    // The route pattern ("/self-test/{token}"), never the path itself: a
    // result token is a key to someone's answers, and a query string may
    // carry personal data.
    let route = response.request().match_pattern();
    let path = route.as_deref().unwrap_or("(no route)");
    tracing::info!(
        method = method.as_str(),
        path,
        status,
        // Whole microseconds: an integer is cheaper to write than a float.
        duration_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
        "request"
    );
    Ok(response)
}

fn header_text(request: &ServiceRequest, name: &str) -> String {
    request
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("")
        .to_string()
}

/// The Host must name the public host (with or without a port) or this
/// server's own socket address (a direct visit by address); anything goes
/// through a trusted proxy, and a request without a Host (HTTP/1.0) passes.
/// Runs on every request: no allocation.
fn host_allowed(request: &ServiceRequest, settings: &ServerSettings) -> bool {
    let Some(host) = request.headers().get(header::HOST) else {
        return true;
    };
    let Ok(host) = host.to_str() else {
        return false;
    };
    let public = settings.public_host_name();
    let name = host_name(host);
    let loopback = |name: &str| matches!(name, "127.0.0.1" | "localhost" | "[::1]");
    name.eq_ignore_ascii_case(public)
        // A site developed on its own machine answers to every loopback name.
        || (loopback(public) && loopback(name))
        || host
            .parse::<std::net::SocketAddr>()
            .is_ok_and(|address| address == request.app_config().local_addr())
        || request
            .peer_addr()
            .is_some_and(|peer| settings.trusted_proxy.contains(peer.ip()))
}

/// Error responses without a page of their own (a bare status from
/// `AppError` or actix) get the site's page; HTML and JSON bodies are kept.
/// A POST is same-origin unless the browser says otherwise. Modern browsers
/// send `Sec-Fetch-Site`, which pages cannot forge: it decides. Otherwise the
/// `Origin` must be the public URL's origin ("null", as sent under
/// `Referrer-Policy: no-referrer` by older browsers, is refused). Clients
/// that send neither (curl, tests) are not browsers under attack.
fn same_origin(request: &ServiceRequest, public_origin: &str) -> bool {
    let headers = request.headers();
    match headers
        .get("sec-fetch-site")
        .and_then(|value| value.to_str().ok())
    {
        Some("same-origin") => return true,
        Some("cross-site" | "same-site") => return false,
        _ => {}
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    // The public URL's origin only: never Host, X-Forwarded-Host or
    // Forwarded, which the client writes, and never http:// for https://.
    normalise_public_url(origin).as_deref() == Some(public_origin)
}

fn render_error_page(
    response: ServiceResponse<BoxBody>,
    request_id: &str,
) -> ServiceResponse<BoxBody> {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let has_own_body = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| {
            value.starts_with("text/html") || value.starts_with("application/json")
        });
    if has_own_body {
        return response;
    }
    // JSON for callers that asked for it, else the site's page.
    let (content_type, body) = super::error::error_body(response.request(), status, request_id);
    let (request, old) = response.into_parts();
    let mut page = HttpResponse::build(status);
    page.content_type(content_type);
    // The old body's headers go with it: a `Content-Encoding: gzip` from
    // `Compress` over the new plain page broke every client (curl error 61).
    for (name, value) in old.headers() {
        let describes_old_body = [
            header::CONTENT_TYPE,
            header::CONTENT_LENGTH,
            header::CONTENT_ENCODING,
        ]
        .contains(name);
        if !describes_old_body {
            page.append_header((name.clone(), value.clone()));
        }
    }
    if status == StatusCode::NOT_FOUND || status.is_server_error() {
        page.insert_header((header::CACHE_CONTROL, "no-store"));
    }
    ServiceResponse::new(request, page.body(body))
}

fn add_security_headers(headers: &mut header::HeaderMap, request_id: &str, https: bool) {
    let fixed: [(HeaderName, &'static str); 5] = [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (
            HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=()",
        ),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    if let Ok(value) = HeaderValue::from_str(request_id) {
        headers.insert(HeaderName::from_static("x-request-id"), value);
    }
}
