//! How the site is served: the address, its public URL, threads, timeouts
//! and the proxies whose `X-Forwarded-For` is believed.

use std::time::Duration;

use anyhow::anyhow;

use super::Lookup;
use crate::leads::network::TrustedProxies;

#[derive(Debug, Clone)]
pub struct ServerSettings {
    /// `HUJIFEN_LISTEN` [127.0.0.1:8080].
    pub listen: String,
    /// `HUJIFEN_PUBLIC_URL` [http://127.0.0.1:8080], without a trailing slash.
    pub public_url: String,
    /// `HUJIFEN_WORKERS` [the number of cores]: HTTP worker threads.
    pub workers: usize,
    /// `HUJIFEN_REQUEST_TIMEOUT_MS` [10000]: time to send a request head, and
    /// again to send its body.
    pub request_timeout: Duration,
    /// `HUJIFEN_TRUSTED_PROXY` [unset]: addresses or CIDRs, a comma list.
    pub trusted_proxy: TrustedProxies,
    /// `HUJIFEN_DRAIN_SECONDS` [5]: after SIGTERM, how long `/readyz` fails
    /// while everything else is served, before the server stops accepting.
    pub drain: Duration,
}

impl ServerSettings {
    pub fn from_lookup(lookup: &Lookup<'_>) -> anyhow::Result<Self> {
        let public_url = lookup
            .get("HUJIFEN_PUBLIC_URL")
            .unwrap_or_else(|| "http://127.0.0.1:8080".into());
        let public_url = normalise_public_url(&public_url).ok_or_else(|| {
            anyhow!(
                "HUJIFEN_PUBLIC_URL must be an http:// or https:// URL (an internationalised host as punycode), got {public_url:?}"
            )
        })?;
        let trusted_proxy = match lookup.get("HUJIFEN_TRUSTED_PROXY") {
            None => TrustedProxies::none(),
            Some(text) => TrustedProxies::parse(&text).map_err(|error| {
                anyhow!(
                    "HUJIFEN_TRUSTED_PROXY must be IP addresses or CIDRs, a comma list: {error}"
                )
            })?,
        };
        let workers = match lookup.get("HUJIFEN_WORKERS") {
            None => std::thread::available_parallelism().map_or(2, usize::from),
            Some(text) => text
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=64).contains(n))
                .ok_or_else(|| anyhow!("HUJIFEN_WORKERS must be 1 to 64, got {text:?}"))?,
        };
        Ok(Self {
            listen: lookup
                .get("HUJIFEN_LISTEN")
                .unwrap_or_else(|| "127.0.0.1:8080".into()),
            public_url,
            workers,
            request_timeout: lookup.millis("HUJIFEN_REQUEST_TIMEOUT_MS", 10_000, 100..=300_000)?,
            trusted_proxy,
            drain: Duration::from_secs(lookup.number("HUJIFEN_DRAIN_SECONDS", 5, 0..=300)?),
        })
    }

    /// Whether the site is served over https (Secure cookies, HSTS).
    pub fn is_https(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// `scheme://host[:port]` of the public URL (normalised at start).
    pub fn public_origin(&self) -> &str {
        let url = self.public_url.as_str();
        let after_scheme = url.find("://").map_or(0, |at| at + 3);
        match url[after_scheme..].find('/') {
            Some(slash) => &url[..after_scheme + slash],
            None => url,
        }
    }

    /// The public URL's host name, without its port.
    pub fn public_host_name(&self) -> &str {
        let origin = self.public_origin();
        let authority = origin.split_once("://").map_or(origin, |(_, rest)| rest);
        host_name(authority)
    }
}

/// The name of a `host[:port]` authority ("[::1]:8080" -> "[::1]").
pub fn host_name(authority: &str) -> &str {
    authority
        .rsplit_once(':')
        .filter(|(name, port)| {
            !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) && !name.ends_with(':')
        })
        .map_or(authority, |(name, _)| name)
}

/// The public URL as browsers write its origin: scheme and host in lower
/// case, no default port, no trailing slash; the path kept. None when it is
/// not http(s) or its host is not ASCII (write an IDN as punycode).
pub fn normalise_public_url(text: &str) -> Option<String> {
    let text = text.trim().trim_end_matches('/');
    let (scheme, rest) = text.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let (authority, path) = match rest.find('/') {
        Some(slash) => rest.split_at(slash),
        None => (rest, ""),
    };
    if authority.is_empty() || !authority.is_ascii() || authority.contains('@') {
        return None;
    }
    let authority = authority.to_ascii_lowercase();
    let default_port = if scheme == "https" { ":443" } else { ":80" };
    let authority = authority.strip_suffix(default_port).unwrap_or(&authority);
    Some(format!("{scheme}://{authority}{path}"))
}
