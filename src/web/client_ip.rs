//! The client: the socket peer, or the last `X-Forwarded-For` hop when the
//! peer is a configured trusted proxy. Every limit keys on it, IPv6 by /64
//! (see `leads::network`).

use std::net::IpAddr;

use actix_web::HttpRequest;

use crate::leads::network::{ClientKeys, TrustedProxies, client_keys, forwarded_hop};

/// The client's address as seen through the trusted proxies: walking
/// `X-Forwarded-For` from the right, the first hop that is not itself a
/// trusted proxy (a CDN in front of a local proxy is skipped when listed).
pub fn client_addr(request: &HttpRequest, trusted: TrustedProxies) -> Option<IpAddr> {
    let peer = request.peer_addr().map(|address| address.ip())?;
    if !trusted.contains(peer) {
        return Some(peer);
    }
    let hops: Vec<&str> = request
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        let Some(address) = forwarded_hop(hop) else {
            // A hop that is not an address ends what can be trusted.
            break;
        };
        client = address;
        if !trusted.contains(address) {
            break;
        }
    }
    Some(client)
}

/// The keys limits count a request under: the client (an IPv4 address or
/// an IPv6 /64) and its wider network.
pub fn client_keys_of(request: &HttpRequest, trusted: TrustedProxies) -> ClientKeys {
    match client_addr(request, trusted) {
        Some(ip) => client_keys(ip),
        None => ClientKeys {
            client: "unknown".into(),
            network: "unknown".into(),
        },
    }
}

/// The client key alone: an IPv4 address or an IPv6 /64.
pub fn client_ip(request: &HttpRequest, trusted: TrustedProxies) -> String {
    client_keys_of(request, trusted).client
}

/// Whether the socket peer is one of the trusted proxies.
pub fn peer_is_trusted(request: &HttpRequest, trusted: TrustedProxies) -> bool {
    request
        .peer_addr()
        .is_some_and(|address| trusted.contains(address.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn only_a_trusted_proxy_may_name_the_client() -> Result<(), Box<dyn std::error::Error>> {
        let proxy = TrustedProxies::parse("10.0.0.0/24")?;
        let via_proxy = TestRequest::default()
            .peer_addr("10.0.0.1:5000".parse()?)
            .insert_header(("x-forwarded-for", "1.2.3.4, 5.6.7.8"))
            .to_http_request();
        assert_eq!(client_ip(&via_proxy, proxy), "5.6.7.8", "the last hop");
        assert_eq!(client_ip(&via_proxy, TrustedProxies::none()), "10.0.0.1");
        let direct = TestRequest::default()
            .peer_addr("9.9.9.9:5000".parse()?)
            .insert_header(("x-forwarded-for", "1.2.3.4"))
            .to_http_request();
        assert_eq!(
            client_ip(&direct, proxy),
            "9.9.9.9",
            "spoofed header ignored"
        );
        assert!(!peer_is_trusted(&direct, proxy));
        assert!(peer_is_trusted(&via_proxy, proxy));
        let garbage = TestRequest::default()
            .peer_addr("10.0.0.1:5000".parse()?)
            .insert_header(("x-forwarded-for", "not-an-ip"))
            .to_http_request();
        assert_eq!(client_ip(&garbage, proxy), "10.0.0.1");
        // CDN edge -> local proxy -> app: the last untrusted hop.
        let chained = TrustedProxies::parse("10.0.0.0/24, 198.51.100.0/24")?;
        let via_cdn = TestRequest::default()
            .peer_addr("10.0.0.1:5000".parse()?)
            .insert_header(("x-forwarded-for", "1.2.3.4, 203.0.113.9, 198.51.100.20"))
            .to_http_request();
        assert_eq!(client_ip(&via_cdn, chained), "203.0.113.9");
        // A hop with a port or in brackets is an address, not the end of the walk.
        let with_ports = TestRequest::default()
            .peer_addr("10.0.0.1:5000".parse()?)
            .insert_header((
                "x-forwarded-for",
                "1.2.3.4, [2001:db8:7:8::9]:443, 198.51.100.20:8443",
            ))
            .to_http_request();
        assert_eq!(client_ip(&with_ports, chained), "2001:db8:7:8::/64");
        Ok(())
    }

    #[test]
    fn an_ipv6_client_is_its_slash_64() -> Result<(), Box<dyn std::error::Error>> {
        let request = TestRequest::default()
            .peer_addr("[2001:db8:5:6:1:2:3:4]:5000".parse()?)
            .to_http_request();
        let keys = client_keys_of(&request, TrustedProxies::none());
        assert_eq!(keys.client, "2001:db8:5:6::/64");
        assert_eq!(keys.network, "2001:db8:5::/48");
        Ok(())
    }
}
