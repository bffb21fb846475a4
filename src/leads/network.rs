//! Who a client is, for limits: one IPv4 address or one IPv6 /64 (a home or
//! phone network gets a whole /64, so its addresses are one client), and the
//! wider network around it (IPv4 /24, IPv6 /48) for a looser bucket. Also
//! the trusted proxies whose `X-Forwarded-For` names the client. Pure.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// The keys a request is counted under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientKeys {
    /// IPv4 address, or IPv6 /64: "203.0.113.7", "2001:db8:1:2::/64".
    pub client: String,
    /// IPv4 /24, or IPv6 /48: "203.0.113.0/24", "2001:db8:1::/48".
    pub network: String,
}

pub fn client_keys(ip: IpAddr) -> ClientKeys {
    match ip.to_canonical() {
        IpAddr::V4(v4) => ClientKeys {
            client: v4.to_string(),
            network: format!("{}/24", mask_v4(v4, 24)),
        },
        IpAddr::V6(v6) => ClientKeys {
            client: format!("{}/64", mask_v6(v6, 64)),
            network: format!("{}/48", mask_v6(v6, 48)),
        },
    }
}

fn mask_v4(ip: Ipv4Addr, bits: u8) -> Ipv4Addr {
    let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
    Ipv4Addr::from(u32::from(ip) & mask)
}

fn mask_v6(ip: Ipv6Addr, bits: u8) -> Ipv6Addr {
    let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
    Ipv6Addr::from(u128::from(ip) & mask)
}

/// One `X-Forwarded-For` hop: an address, or an address with a port
/// ("203.0.113.7:5000", "[2001:db8::1]:443") or in brackets, as some
/// proxies write it. None when it is none of these.
pub fn forwarded_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    if let Ok(address) = hop.parse::<IpAddr>() {
        return Some(address);
    }
    if let Some(rest) = hop.strip_prefix('[') {
        let (inside, after) = rest.split_once(']')?;
        let port_ok = after.is_empty()
            || after
                .strip_prefix(':')
                .is_some_and(|port| port.parse::<u16>().is_ok());
        if !port_ok {
            return None;
        }
        return inside.parse::<Ipv6Addr>().ok().map(IpAddr::V6);
    }
    hop.parse::<std::net::SocketAddrV4>()
        .ok()
        .map(|socket| IpAddr::V4(*socket.ip()))
}

/// An address block: "10.0.0.0/8", "2001:db8::/32", or one address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    bits: u8,
}

impl Cidr {
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, ip.to_canonical()) {
            (IpAddr::V4(network), IpAddr::V4(ip)) => mask_v4(ip, self.bits) == network,
            (IpAddr::V6(network), IpAddr::V6(ip)) => mask_v6(ip, self.bits) == network,
            _ => false,
        }
    }
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let (address, bits) = match text.split_once('/') {
            Some((address, bits)) => (address, Some(bits)),
            None => (text, None),
        };
        let address: IpAddr = address
            .parse()
            .map_err(|_| format!("{text:?} is not an IP address or CIDR"))?;
        let address = address.to_canonical();
        let max = if address.is_ipv4() { 32 } else { 128 };
        let bits = match bits {
            None => max,
            Some(bits) => bits
                .parse::<u8>()
                .ok()
                .filter(|bits| *bits <= max)
                .ok_or_else(|| format!("{text:?} has an invalid prefix length"))?,
        };
        let network = match address {
            IpAddr::V4(v4) => IpAddr::V4(mask_v4(v4, bits)),
            IpAddr::V6(v6) => IpAddr::V6(mask_v6(v6, bits)),
        };
        if network != address {
            return Err(format!("{text:?} has host bits set"));
        }
        Ok(Self { network, bits })
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.bits)
    }
}

/// `HUJIFEN_TRUSTED_PROXY`: the peers (addresses or CIDRs, a comma list)
/// whose `X-Forwarded-For` names the client. A fixed small list, so the
/// settings stay `Copy` where they are passed by value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TrustedProxies {
    blocks: [Option<Cidr>; TrustedProxies::MAX],
}

impl TrustedProxies {
    pub const MAX: usize = 8;

    pub fn none() -> Self {
        Self::default()
    }

    /// A comma list; blank means none.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut proxies = Self::default();
        let entries: Vec<&str> = text
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .collect();
        if entries.len() > Self::MAX {
            return Err(format!("at most {} entries", Self::MAX));
        }
        for (slot, entry) in proxies.blocks.iter_mut().zip(entries) {
            let block: Cidr = entry.parse()?;
            // A /0 (or a few wide blocks) trusts every peer, so any client
            // could name itself in X-Forwarded-For and every limit would key
            // on what it wrote. A proxy's block is never wider than these.
            let widest = if block.network.is_ipv4() { 8 } else { 32 };
            if block.bits < widest {
                return Err(format!(
                    "{entry:?} is wider than /{widest} and would trust almost every address; name the proxy's own addresses"
                ));
            }
            *slot = Some(block);
        }
        Ok(proxies)
    }

    pub fn is_empty(&self) -> bool {
        self.blocks.iter().all(Option::is_none)
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        self.blocks.iter().flatten().any(|block| block.contains(ip))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn ipv4_is_one_address_in_a_slash_24() {
        let keys = client_keys(ip("203.0.113.77"));
        assert_eq!(keys.client, "203.0.113.77");
        assert_eq!(keys.network, "203.0.113.0/24");
        assert_eq!(client_keys(ip("203.0.113.1")).network, keys.network);
        assert_ne!(client_keys(ip("203.0.114.1")).network, keys.network);
        // An IPv4-mapped IPv6 address is the IPv4 client.
        assert_eq!(client_keys(ip("::ffff:203.0.113.77")), keys);
    }

    #[test]
    fn ipv6_is_one_slash_64_in_a_slash_48() {
        let a = client_keys(ip("2001:db8:1:2:aaaa:bbbb:cccc:dddd"));
        let b = client_keys(ip("2001:db8:1:2::1"));
        assert_eq!(a.client, "2001:db8:1:2::/64");
        assert_eq!(a, b, "every address of a /64 is one client");
        assert_eq!(a.network, "2001:db8:1::/48");
        let c = client_keys(ip("2001:db8:1:3::1"));
        assert_ne!(c.client, a.client);
        assert_eq!(c.network, a.network, "another /64 of the same /48");
    }

    #[test]
    fn forwarded_hops_may_carry_a_port_or_brackets() {
        assert_eq!(forwarded_hop(" 203.0.113.7 "), Some(ip("203.0.113.7")));
        assert_eq!(forwarded_hop("203.0.113.7:5000"), Some(ip("203.0.113.7")));
        assert_eq!(forwarded_hop("2001:db8::1"), Some(ip("2001:db8::1")));
        assert_eq!(forwarded_hop("[2001:db8::1]"), Some(ip("2001:db8::1")));
        assert_eq!(forwarded_hop("[2001:db8::1]:443"), Some(ip("2001:db8::1")));
        for bad in [
            "unknown",
            "",
            "[2001:db8::1]:x",
            "[203.0.113.7]",
            "1.2.3.4:99999",
            "_hidden",
        ] {
            assert_eq!(forwarded_hop(bad), None, "{bad}");
        }
    }

    #[test]
    fn trusted_proxies_are_addresses_or_blocks() {
        let proxies = TrustedProxies::parse("10.0.0.1, 192.168.0.0/16,2001:db8::/32").unwrap();
        assert!(proxies.contains(ip("10.0.0.1")));
        assert!(!proxies.contains(ip("10.0.0.2")));
        assert!(proxies.contains(ip("192.168.44.5")));
        assert!(proxies.contains(ip("2001:db8:ffff::1")));
        assert!(proxies.contains(ip("::ffff:10.0.0.1")));
        assert!(!proxies.contains(ip("2001:db9::1")));
        assert!(TrustedProxies::parse("").unwrap().is_empty());
        for bad in [
            "10.0.0.1/33",
            "10.0.0.1/24",
            "nope",
            "::1/129",
            "0.0.0.0/0",
            "::/0",
            "10.0.0.1, ::/0",
            "0.0.0.0/1, 128.0.0.0/1",
            "2000::/3",
        ] {
            assert!(TrustedProxies::parse(bad).is_err(), "{bad}");
        }
        let nine = ["10.0.0.1"; 9].join(",");
        assert!(TrustedProxies::parse(&nine).is_err());
        assert_eq!(
            "10.1.0.0/16".parse::<Cidr>().unwrap().to_string(),
            "10.1.0.0/16"
        );
    }
}
