//! The client's address: the socket peer, or the last `X-Forwarded-For` hop
//! when the peer is the one configured trusted proxy. Every limit keys on it.

use std::net::IpAddr;

use actix_web::HttpRequest;

pub fn client_ip(request: &HttpRequest, trusted_proxy: Option<IpAddr>) -> String {
    let Some(peer) = request.peer_addr().map(|address| address.ip()) else {
        return "unknown".into();
    };
    if trusted_proxy == Some(peer) {
        let forwarded = request
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .last()
            .and_then(|hop| hop.trim().parse::<IpAddr>().ok());
        if let Some(client) = forwarded {
            return client.to_string();
        }
    }
    peer.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn only_the_trusted_proxy_may_name_the_client() -> Result<(), Box<dyn std::error::Error>> {
        let proxy: IpAddr = "10.0.0.1".parse()?;
        let via_proxy = TestRequest::default()
            .peer_addr("10.0.0.1:5000".parse()?)
            .insert_header(("x-forwarded-for", "1.2.3.4, 5.6.7.8"))
            .to_http_request();
        assert_eq!(
            client_ip(&via_proxy, Some(proxy)),
            "5.6.7.8",
            "the last hop"
        );
        assert_eq!(client_ip(&via_proxy, None), "10.0.0.1");
        let direct = TestRequest::default()
            .peer_addr("9.9.9.9:5000".parse()?)
            .insert_header(("x-forwarded-for", "1.2.3.4"))
            .to_http_request();
        assert_eq!(
            client_ip(&direct, Some(proxy)),
            "9.9.9.9",
            "spoofed header ignored"
        );
        let garbage = TestRequest::default()
            .peer_addr("10.0.0.1:5000".parse()?)
            .insert_header(("x-forwarded-for", "not-an-ip"))
            .to_http_request();
        assert_eq!(client_ip(&garbage, Some(proxy)), "10.0.0.1");
        Ok(())
    }
}
