//! Which local address the far end can reach us on.

use ezk_sip_types::host::{Host, HostPort};
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

/// The Via `sent-by` for requests from `local`, asking for `rport` (RFC 3581).
///
/// Behind a NAT that changes ports, a server answers a request without `rport` to the port
/// in our Via, which the NAT drops: the request times out. With `rport` it answers to the
/// port it saw and tells us that port, so we can register it. ezk builds the Via from a
/// host and port only, so the parameter rides on the host text; nothing parses it back.
pub fn via_sent_by_with_rport(local: SocketAddr) -> HostPort {
    HostPort {
        host: Host::Name(format!("{local};rport").into()),
        port: None,
    }
}

/// Shuts down this process's own TCP connection from `local` to `remote`, so the SIP stack
/// reading it sees it end and the next request opens a new one. Returns whether it found
/// and shut down that connection.
///
/// A connection from an address this machine no longer has (new network, new DHCP lease)
/// is not noticed by the kernel for about 15 minutes of retransmissions; ezk would keep
/// sending requests into it. ezk cannot close a connection, so we find its socket among
/// our file descriptors (Linux: `/proc/self/net/tcp*` and `/proc/self/fd`). Elsewhere it
/// does nothing.
pub fn shut_down_tcp_connection(local: SocketAddr, remote: SocketAddr) -> bool {
    #[cfg(target_os = "linux")]
    {
        linux::shut_down_tcp_connection(local, remote).unwrap_or_else(|e| {
            tracing::debug!("cannot shut down the connection {local} -> {remote}: {e}");
            false
        })
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (local, remote);
        false
    }
}

#[cfg(target_os = "linux")]
mod linux {
    use std::net::{IpAddr, Shutdown, SocketAddr, TcpStream};
    use std::os::fd::{BorrowedFd, OwnedFd};
    use std::os::unix::fs::MetadataExt;

    pub(super) fn shut_down_tcp_connection(
        local: SocketAddr,
        remote: SocketAddr,
    ) -> std::io::Result<bool> {
        let Some(inode) = socket_inode(local, remote)? else {
            return Ok(false);
        };
        let wanted = format!("socket:[{inode}]");
        for entry in std::fs::read_dir("/proc/self/fd")?.flatten() {
            let is_it = std::fs::read_link(entry.path())
                .is_ok_and(|target| target.as_os_str() == wanted.as_str());
            let Some(fd) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<i32>().ok())
            else {
                continue;
            };
            if !is_it {
                continue;
            }
            // Work on a duplicate we own, checked to be that very socket: the number may
            // have been closed and reused since we read the link.
            // SAFETY: the descriptor is only duplicated here; if it was closed meanwhile
            // the duplication fails, and a reused number is caught by the inode check.
            let Ok(owned) = unsafe { BorrowedFd::borrow_raw(fd) }.try_clone_to_owned() else {
                continue;
            };
            let file = std::fs::File::from(owned);
            if file.metadata().map(|m| m.ino()).ok() != Some(inode) {
                continue;
            }
            let stream = TcpStream::from(OwnedFd::from(file));
            stream.shutdown(Shutdown::Both)?;
            return Ok(true);
        }
        Ok(false)
    }

    /// The inode of the socket `local` → `remote` in this namespace's TCP table.
    fn socket_inode(local: SocketAddr, remote: SocketAddr) -> std::io::Result<Option<u64>> {
        let table = if local.is_ipv4() {
            "/proc/self/net/tcp"
        } else {
            "/proc/self/net/tcp6"
        };
        let (local, remote) = (table_address(local), table_address(remote));
        Ok(std::fs::read_to_string(table)?
            .lines()
            .skip(1)
            .find_map(|line| {
                let fields: Vec<&str> = line.split_whitespace().collect();
                if fields.get(1) == Some(&local.as_str()) && fields.get(2) == Some(&remote.as_str())
                {
                    fields.get(9)?.parse().ok()
                } else {
                    None
                }
            }))
    }

    /// An address as `/proc/net/tcp*` prints it: the address's 32-bit words in host byte
    /// order, then the port, in upper-case hex.
    fn table_address(addr: SocketAddr) -> String {
        let octets = match addr.ip() {
            IpAddr::V4(ip) => ip.octets().to_vec(),
            IpAddr::V6(ip) => ip.octets().to_vec(),
        };
        let words: String = octets
            .chunks(4)
            .map(|w| format!("{:08X}", u32::from_ne_bytes([w[0], w[1], w[2], w[3]])))
            .collect();
        format!("{words}:{:04X}", addr.port())
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

    #[test]
    fn the_via_asks_for_rport() {
        use ezk_sip_types::header::typed::Via;
        use ezk_sip_types::print::AppendCtx;
        let printed = |local: &str| {
            let via = Via::new(
                "UDP",
                via_sent_by_with_rport(local.parse().unwrap()),
                "z9hG4bKa",
            );
            via.default_print_ctx().to_string()
        };
        assert_eq!(
            printed("10.0.1.2:5060"),
            "SIP/2.0/UDP 10.0.1.2:5060;rport;branch=z9hG4bKa"
        );
        assert_eq!(
            printed("[fd00::2]:5062"),
            "SIP/2.0/UDP [fd00::2]:5062;rport;branch=z9hG4bKa"
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn our_own_tcp_connection_can_be_shut_down() {
        use std::io::Read;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (mut server, _) = listener.accept().unwrap();
        let (local, remote) = (client.local_addr().unwrap(), client.peer_addr().unwrap());
        assert!(!shut_down_tcp_connection(
            remote,
            "127.0.0.1:9".parse().unwrap()
        ));
        assert!(shut_down_tcp_connection(local, remote));
        // The client side is shut: its reader sees the end, the far end gets a FIN.
        let mut byte = [0u8; 1];
        assert_eq!((&client).read(&mut byte).unwrap(), 0);
        assert_eq!(server.read(&mut byte).unwrap(), 0);
    }
}
