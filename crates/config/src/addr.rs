//! Host addresses written in the config: `domain` and `registrar`.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Transport;

/// A host name or IP literal with an optional port, e.g. `pbx.example.com`,
/// `10.0.0.5:5070` or `[2001:db8::1]:5060`.
///
/// Parsed up front so a typo is reported against the config line instead of
/// surfacing later as a DNS failure.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct HostPort {
    /// Host name, IPv4 literal, or IPv6 literal without brackets.
    pub host: String,
    /// Explicit port, if one was written.
    pub port: Option<u16>,
}

impl HostPort {
    /// True if the host is an IPv6 literal (needs brackets in URIs).
    pub fn is_ipv6(&self) -> bool {
        self.host.parse::<Ipv6Addr>().is_ok()
    }
}

impl fmt::Display for HostPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_ipv6() {
            write!(f, "[{}]", self.host)?;
        } else {
            f.write_str(&self.host)?;
        }
        if let Some(port) = self.port {
            write!(f, ":{port}")?;
        }
        Ok(())
    }
}

impl FromStr for HostPort {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (host, port) = if let Some(rest) = s.strip_prefix('[') {
            let (host, after) = rest
                .split_once(']')
                .ok_or_else(|| format!("`{s}`: missing `]` after the IPv6 address"))?;
            if host.parse::<Ipv6Addr>().is_err() {
                return Err(format!("`{host}` is not an IPv6 address"));
            }
            let port = match after {
                "" => None,
                p => Some(
                    p.strip_prefix(':')
                        .ok_or_else(|| format!("`{s}`: expected `:port` after `]`"))?,
                ),
            };
            (host, port)
        } else if s.matches(':').count() > 1 {
            return Err(format!(
                "`{s}`: write IPv6 addresses in brackets, e.g. `[2001:db8::1]:5060`"
            ));
        } else {
            match s.split_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (s, None),
            }
        };
        if !host.contains(':') {
            check_host_name(host)?;
        }
        let port = port.map(parse_port).transpose()?;
        Ok(HostPort {
            host: host.to_string(),
            port,
        })
    }
}

fn parse_port(p: &str) -> Result<u16, String> {
    match p.parse::<u16>() {
        Ok(0) | Err(_) => Err(format!("`{p}` is not a port number (1-65535)")),
        Ok(port) => Ok(port),
    }
}

/// Accepts IPv4 literals and DNS names (letters, digits, `-`, dots between labels).
fn check_host_name(host: &str) -> Result<(), String> {
    if host.is_empty() {
        return Err("the host name is empty".to_string());
    }
    if host.parse::<Ipv4Addr>().is_ok() {
        return Ok(());
    }
    let label_ok = |label: &str| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    if host.len() > 253 || !host.trim_end_matches('.').split('.').all(label_ok) {
        return Err(format!(
            "`{host}` is not a valid host name or IP address (letters, digits, `-` and `.` only)"
        ));
    }
    Ok(())
}

impl TryFrom<String> for HostPort {
    type Error = String;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<HostPort> for String {
    fn from(h: HostPort) -> String {
        h.to_string()
    }
}

/// Where an account sends all its requests instead of resolving `domain`:
/// `host[:port]`, or a `sip:`/`sips:` URI such as `sip:10.0.0.5:5070;transport=tcp`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Registrar {
    /// True for a `sips:` URI (TLS required).
    pub secure: bool,
    /// Host and optional port.
    pub addr: HostPort,
    /// Transport named by a `;transport=` URI parameter, if any.
    pub transport: Option<Transport>,
}

impl fmt::Display for Registrar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.secure { "sips" } else { "sip" };
        write!(f, "{scheme}:{}", self.addr)?;
        if let Some(t) = self.transport {
            write!(f, ";transport={t}")?;
        }
        Ok(())
    }
}

impl FromStr for Registrar {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.to_ascii_lowercase();
        let (secure, rest) = if lower.starts_with("sips:") {
            (true, &s[5..])
        } else if lower.starts_with("sip:") {
            (false, &s[4..])
        } else if s.contains("://") || s.contains('@') || s.contains(';') {
            return Err(format!(
                "`{s}`: expected `host[:port]` or a `sip:`/`sips:` URI without a user part"
            ));
        } else {
            (false, s)
        };
        if rest.contains('@') {
            return Err(format!(
                "`{s}`: the registrar is a server address; drop the `user@` part"
            ));
        }
        let mut parts = rest.split(';');
        let addr: HostPort = parts.next().unwrap_or_default().parse()?;
        let mut transport = None;
        for param in parts {
            match param.split_once('=') {
                Some((name, value)) if name.eq_ignore_ascii_case("transport") => {
                    transport = Some(value.parse::<Transport>()?);
                }
                // Other URI parameters (e.g. `lr`) do not change where we send.
                _ => {}
            }
        }
        if secure && matches!(transport, Some(Transport::Udp)) {
            return Err(format!("`{s}`: a `sips:` URI cannot use transport=udp"));
        }
        Ok(Registrar {
            secure,
            addr,
            transport,
        })
    }
}

impl TryFrom<String> for Registrar {
    type Error = String;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Registrar> for String {
    fn from(r: Registrar) -> String {
        r.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port_forms() {
        let h: HostPort = "pbx.example.com".parse().unwrap();
        assert_eq!((h.host.as_str(), h.port), ("pbx.example.com", None));
        let h: HostPort = "127.0.0.1:5070".parse().unwrap();
        assert_eq!((h.host.as_str(), h.port), ("127.0.0.1", Some(5070)));
        let h: HostPort = "[::1]:5060".parse().unwrap();
        assert_eq!((h.host.as_str(), h.port), ("::1", Some(5060)));
        assert_eq!(h.to_string(), "[::1]:5060");
    }

    #[test]
    fn host_port_rejects_garbage() {
        for bad in [
            "",
            "pbx.example.com:",
            "pbx:0",
            "pbx:99999",
            "pb x",
            "-pbx",
            "::1",
            "[::1",
            "[nope]:5",
            "a..b",
        ] {
            assert!(bad.parse::<HostPort>().is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn registrar_forms() {
        let r: Registrar = "127.0.0.1:5070".parse().unwrap();
        assert!(!r.secure);
        assert_eq!(r.addr.port, Some(5070));
        assert_eq!(r.to_string(), "sip:127.0.0.1:5070");

        let r: Registrar = "sips:proxy.example.com;lr;transport=TLS".parse().unwrap();
        assert!(r.secure);
        assert_eq!(r.transport, Some(Transport::Tls));
        assert_eq!(r.to_string(), "sips:proxy.example.com;transport=tls");

        let r: Registrar = "SIP:10.0.0.1;transport=tcp".parse().unwrap();
        assert_eq!(r.transport, Some(Transport::Tcp));
    }

    #[test]
    fn registrar_rejects_garbage() {
        for bad in [
            "http://pbx",
            "sip:101@pbx",
            "sip:pbx;transport=sctp",
            "sips:pbx;transport=udp",
            "sip:",
            "pbx:port",
        ] {
            assert!(bad.parse::<Registrar>().is_err(), "{bad:?} was accepted");
        }
    }
}
