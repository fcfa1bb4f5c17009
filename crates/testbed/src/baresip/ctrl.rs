//! Client for baresip's `ctrl_tcp` module: netstring-framed JSON.
//!
//! Commands are `{"command": .., "params": .., "token": ..}`; baresip answers
//! `{"response": true, "ok": .., "data": .., "token": ..}` and sends events
//! `{"event": true, "class": .., "type": .., "param": .., ...}` at any time.

use std::collections::VecDeque;
use std::net::SocketAddr;

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::{Error, Result};

/// One event reported by baresip.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Event class, e.g. `call` or `register`.
    pub class: String,
    /// Event type, e.g. `CALL_ESTABLISHED` or `REGISTER_FAIL`.
    pub kind: String,
    /// Free-form parameter, e.g. the reason of `CALL_CLOSED`.
    pub param: String,
    /// Peer URI for call events.
    pub peer_uri: Option<String>,
    /// The complete JSON object.
    pub raw: Value,
}

impl Event {
    fn from_json(v: Value) -> Event {
        let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
        Event {
            class: s("class").unwrap_or_default(),
            kind: s("type").unwrap_or_default(),
            param: s("param").unwrap_or_default(),
            peer_uri: s("peeruri"),
            raw: v,
        }
    }
}

/// Connection to `ctrl_tcp`, with events not yet consumed.
#[derive(Debug)]
pub(crate) struct Ctrl {
    stream: TcpStream,
    buf: Vec<u8>,
    pub(crate) events: VecDeque<Event>,
    /// Every event seen, in order (for diagnostics).
    pub(crate) history: Vec<Event>,
    next_token: u64,
}

impl Ctrl {
    /// Connects to `addr` once.
    pub(crate) async fn connect(addr: SocketAddr) -> std::io::Result<Ctrl> {
        let stream = TcpStream::connect(addr).await?;
        Ok(Ctrl {
            stream,
            buf: Vec::new(),
            events: VecDeque::new(),
            history: Vec::new(),
            next_token: 1,
        })
    }

    /// Sends a command and returns `(ok, data)` of its response; events that
    /// arrive meanwhile are queued.
    pub(crate) async fn command(&mut self, command: &str, params: &str) -> Result<(bool, String)> {
        let token = format!("t{}", self.next_token);
        self.next_token += 1;
        let msg = json!({"command": command, "params": params, "token": token}).to_string();
        let framed = format!("{}:{},", msg.len(), msg);
        self.stream
            .write_all(framed.as_bytes())
            .await
            .map_err(|e| Error::io("write to baresip ctrl_tcp", e))?;
        loop {
            let v = self.read_message().await?;
            if v.get("response").is_some() {
                if v.get("token").and_then(Value::as_str) == Some(token.as_str()) {
                    let ok = v.get("ok").and_then(Value::as_bool).unwrap_or(false);
                    let data = v
                        .get("data")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned();
                    return Ok((ok, data));
                }
            } else {
                self.push_event(v);
            }
        }
    }

    /// Reads the next message and queues it if it is an event.
    pub(crate) async fn pump(&mut self) -> Result<()> {
        let v = self.read_message().await?;
        if v.get("event").is_some() {
            self.push_event(v);
        }
        Ok(())
    }

    fn push_event(&mut self, v: Value) {
        let ev = Event::from_json(v);
        self.history.push(ev.clone());
        self.events.push_back(ev);
    }

    /// Reads one netstring and parses it as JSON. Cancel-safe: partial data
    /// stays in the buffer.
    async fn read_message(&mut self) -> Result<Value> {
        loop {
            if let Some((payload, used)) = parse_netstring(&self.buf)? {
                let v: Value = serde_json::from_slice(payload)
                    .map_err(|e| Error::Other(format!("baresip ctrl_tcp sent bad JSON: {e}")))?;
                self.buf.drain(..used);
                return Ok(v);
            }
            let mut chunk = [0u8; 8192];
            let n = self
                .stream
                .read(&mut chunk)
                .await
                .map_err(|e| Error::io("read from baresip ctrl_tcp", e))?;
            if n == 0 {
                return Err(Error::Other(
                    "baresip closed its ctrl_tcp connection".into(),
                ));
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }
}

/// Splits one complete netstring (`len:payload,`) off the front of `buf`;
/// returns the payload and the number of bytes used, or `None` if incomplete.
fn parse_netstring(buf: &[u8]) -> Result<Option<(&[u8], usize)>> {
    let Some(colon) = buf.iter().position(|&b| b == b':') else {
        if buf.len() > 10 {
            return Err(Error::Other(
                "baresip ctrl_tcp: bad netstring length".into(),
            ));
        }
        return Ok(None);
    };
    let len: usize = std::str::from_utf8(&buf[..colon])
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| Error::Other("baresip ctrl_tcp: bad netstring length".into()))?;
    let end = colon + 1 + len;
    if buf.len() < end + 1 {
        return Ok(None);
    }
    if buf[end] != b',' {
        return Err(Error::Other(
            "baresip ctrl_tcp: netstring without ','".into(),
        ));
    }
    Ok(Some((&buf[colon + 1..end], end + 1)))
}

#[cfg(test)]
mod tests {
    use super::parse_netstring;

    #[test]
    fn netstrings() {
        assert_eq!(
            parse_netstring(b"3:abc,rest").unwrap(),
            Some((&b"abc"[..], 6))
        );
        assert_eq!(parse_netstring(b"3:ab").unwrap(), None);
        assert_eq!(parse_netstring(b"12").unwrap(), None);
        assert!(parse_netstring(b"3:abcX").is_err());
        assert!(parse_netstring(b"x:abc,").is_err());
    }
}
