//! Free loopback ports, unique within the test process.

use std::collections::HashSet;
use std::net::{TcpListener, UdpSocket};
use std::sync::Mutex;

use crate::{Error, Result};

/// Ports already handed out by this process; never handed out twice, so
/// parallel tests in one test binary cannot clash.
static GIVEN: Mutex<Option<HashSet<u16>>> = Mutex::new(None);

/// Returns a port that is free on 127.0.0.1 for both UDP and TCP.
///
/// The kernel picks it (bind to port 0); the port is remembered so that this
/// process never returns it again.
pub fn free_port() -> Result<u16> {
    free_ports(1)
}

/// Returns the first of `n` consecutive ports that are all free on 127.0.0.1
/// for UDP and TCP (e.g. an RTP/RTCP pair).
pub(crate) fn free_ports(n: u16) -> Result<u16> {
    let mut given = GIVEN.lock().unwrap_or_else(|e| e.into_inner());
    let given = given.get_or_insert_with(HashSet::new);
    for _ in 0..200 {
        let probe =
            UdpSocket::bind("127.0.0.1:0").map_err(|e| Error::io("bind UDP 127.0.0.1:0", e))?;
        let first = probe
            .local_addr()
            .map_err(|e| Error::io("read local address", e))?
            .port();
        drop(probe);
        if first.checked_add(n).is_none() {
            continue;
        }
        let all_free = (first..first + n).all(|p| {
            !given.contains(&p)
                && UdpSocket::bind(("127.0.0.1", p)).is_ok()
                && TcpListener::bind(("127.0.0.1", p)).is_ok()
        });
        if all_free {
            given.extend(first..first + n);
            return Ok(first);
        }
    }
    Err(Error::Other(format!(
        "no {n} consecutive free ports found on 127.0.0.1"
    )))
}
