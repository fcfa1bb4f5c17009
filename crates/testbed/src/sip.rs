//! Minimal raw SIP over UDP: send arbitrary bytes, probe with OPTIONS.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::net::UdpSocket;

use crate::{Error, Result};

/// Sends `bytes` in one UDP datagram from an ephemeral 127.0.0.1 port to `to`
/// (for malformed-message tests). Does not wait for an answer.
pub fn send_raw_udp(to: SocketAddr, bytes: &[u8]) -> Result<()> {
    let sock = std::net::UdpSocket::bind("127.0.0.1:0")
        .map_err(|e| Error::io("bind UDP 127.0.0.1:0", e))?;
    sock.send_to(bytes, to)
        .map_err(|e| Error::io(format!("send UDP to {to}"), e))?;
    Ok(())
}

/// Sends one SIP request (`message`, with `{local}` replaced by the local
/// `ip:port` it is sent from) and returns the first final (>= 200) response,
/// or `None` if none arrives within `timeout`. Provisional responses are skipped.
pub async fn request_udp(
    to: SocketAddr,
    message: &str,
    timeout: Duration,
) -> Result<Option<String>> {
    let sock = UdpSocket::bind("127.0.0.1:0")
        .await
        .map_err(|e| Error::io("bind UDP 127.0.0.1:0", e))?;
    let local = sock
        .local_addr()
        .map_err(|e| Error::io("read local address", e))?;
    let msg = message.replace("{local}", &local.to_string());
    sock.send_to(msg.as_bytes(), to)
        .await
        .map_err(|e| Error::io(format!("send UDP to {to}"), e))?;
    let deadline = tokio::time::Instant::now() + timeout;
    let mut buf = vec![0u8; 65536];
    loop {
        let recv = tokio::time::timeout_at(deadline, sock.recv_from(&mut buf)).await;
        let Ok(recv) = recv else { return Ok(None) };
        let (n, _) = recv.map_err(|e| Error::io(format!("receive UDP from {to}"), e))?;
        let text = String::from_utf8_lossy(&buf[..n]).into_owned();
        if status_code(&text).is_some_and(|c| c >= 200) {
            return Ok(Some(text));
        }
    }
}

/// Builds an OPTIONS request to `sip:[user@]host:port`, with `{local}` left as
/// a placeholder for [`request_udp`].
pub fn options_request(to: SocketAddr, user: Option<&str>) -> String {
    let ruri = match user {
        Some(u) => format!("sip:{u}@{to}"),
        None => format!("sip:{to}"),
    };
    let id = unique_token();
    format!(
        "OPTIONS {ruri} SIP/2.0\r\n\
         Via: SIP/2.0/UDP {{local}};branch=z9hG4bK-fdtb-{id};rport\r\n\
         Max-Forwards: 10\r\n\
         From: <sip:testbed@{{local}}>;tag=fdtb{id}\r\n\
         To: <{ruri}>\r\n\
         Call-ID: fdtb-{id}@127.0.0.1\r\n\
         CSeq: 1 OPTIONS\r\n\
         Contact: <sip:testbed@{{local}}>\r\n\
         Content-Length: 0\r\n\r\n"
    )
}

/// Status code of a SIP response (`SIP/2.0 200 OK` -> 200), `None` for requests.
pub fn status_code(message: &str) -> Option<u16> {
    let line = message.lines().next()?;
    let rest = line.strip_prefix("SIP/2.0 ")?;
    rest.get(..3)?.parse().ok()
}

/// Values of every header called `name` (case-insensitive) in a SIP message.
pub fn header_values<'a>(message: &'a str, name: &str) -> Vec<&'a str> {
    message
        .split("\r\n\r\n")
        .next()
        .unwrap_or("")
        .lines()
        .skip(1)
        .filter_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
        .collect()
}

/// A token unique within this process and very likely across processes.
pub(crate) fn unique_token() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{:x}{:x}{n:x}", std::process::id(), nanos & 0xffff_ffff)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_status_and_headers() {
        let m = "SIP/2.0 404 Not Found\r\nX-Contact: a\r\nx-contact: b\r\nVia: v\r\n\r\nbody: no";
        assert_eq!(status_code(m), Some(404));
        assert_eq!(header_values(m, "X-Contact"), vec!["a", "b"]);
        assert!(header_values(m, "body").is_empty());
        assert_eq!(status_code("OPTIONS sip:x SIP/2.0\r\n"), None);
    }
}
