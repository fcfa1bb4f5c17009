//! Which local address the far end can reach us on.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};

/// The local IP the OS would use to send to `remote`.
///
/// SDP and Contact headers must carry an address the far end can reach, never `0.0.0.0`.
/// Connecting a UDP socket sends nothing; it only asks the routing table.
pub fn local_ip_towards(remote: SocketAddr) -> IpAddr {
    let unspecified: SocketAddr = if remote.is_ipv4() {
        (Ipv4Addr::UNSPECIFIED, 0).into()
    } else {
        (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
    };
    UdpSocket::bind(unspecified)
        .and_then(|socket| {
            socket.connect(remote)?;
            socket.local_addr()
        })
        .map(|addr| addr.ip())
        .unwrap_or(if remote.ip().is_loopback() {
            remote.ip()
        } else {
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        })
}

/// The address to advertise for a socket bound to `bound` when talking to `remote`.
pub fn advertised(bound: SocketAddr, remote: SocketAddr) -> SocketAddr {
    if bound.ip().is_unspecified() {
        SocketAddr::new(local_ip_towards(remote), bound.port())
    } else {
        bound
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_peer_is_reached_over_loopback() {
        let ip = local_ip_towards("127.0.0.1:5060".parse().unwrap());
        assert!(ip.is_loopback(), "{ip}");
    }

    #[test]
    fn a_bound_address_is_kept() {
        let bound = "127.0.0.5:5070".parse().unwrap();
        assert_eq!(advertised(bound, "127.0.0.1:1".parse().unwrap()), bound);
        let any = "0.0.0.0:5070".parse().unwrap();
        assert_eq!(
            advertised(any, "127.0.0.1:1".parse().unwrap()),
            "127.0.0.1:5070".parse().unwrap()
        );
    }
}
