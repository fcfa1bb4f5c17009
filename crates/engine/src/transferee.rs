//! Being transferred: the far end sent a REFER, so we call its `Refer-To` target (with the
//! `Replaces` it may carry), report progress back as NOTIFYs, and the old call ends once the
//! new one is answered. A failed attempt leaves the old call as it was.

use crate::dial::Extras;
use crate::Engine;
use frontdesk_api::{DialRequest, Event};
use frontdesk_sip::call::CallCommand;
use std::sync::Arc;

impl Engine {
    /// Call `number`'s far end asks us to call `refer_to`.
    pub(crate) fn referred(&self, number: u64, refer_to: String, referred_by: Option<String>) {
        let engine = self.strong();
        tokio::spawn(async move { engine.follow_refer(number, refer_to, referred_by).await });
    }

    async fn follow_refer(
        self: Arc<Self>,
        number: u64,
        refer_to: String,
        referred_by: Option<String>,
    ) {
        let Some((old, handle)) = self.calls.get(number) else {
            return;
        };
        let (target, replaces) = split_refer_to(&refer_to);
        self.emit(Event::Notice {
            message: format!("call c{number}: transferred to {target}"),
        });
        let request = DialRequest {
            target: target.clone(),
            account: old.account,
        };
        let extras = Extras {
            replaces,
            referred_by,
            progress_to: Some(number),
            literal: true,
            ..Extras::default()
        };
        if let Err(e) = self.dial_with(request, extras).await {
            self.emit(Event::Notice {
                message: format!("call c{number}: cannot follow the transfer to {target}: {e}"),
            });
            let _ = handle.send(CallCommand::ReferProgress(503));
        }
    }
}

/// Splits `sip:103@h?Replaces=a%40b%3Bto-tag%3Dx` into the URI and the decoded `Replaces`
/// value; other URI headers are dropped.
pub(crate) fn split_refer_to(refer_to: &str) -> (String, Option<String>) {
    let Some((uri, headers)) = refer_to.split_once('?') else {
        return (refer_to.to_string(), None);
    };
    let replaces = headers.split('&').find_map(|header| {
        let (name, value) = header.split_once('=')?;
        name.eq_ignore_ascii_case("replaces")
            .then(|| percent_decode(value))
    });
    (uri.to_string(), replaces)
}

fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(byte) = u8::from_str_radix(&value[i + 1..i + 3], 16) {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refer_to_with_replaces_is_split_and_decoded() {
        let (uri, replaces) =
            split_refer_to("sip:103@127.0.0.1:5070?Replaces=a%40h%3Bto-tag%3Dx%3Bfrom-tag%3Dy");
        assert_eq!(uri, "sip:103@127.0.0.1:5070");
        assert_eq!(replaces.as_deref(), Some("a@h;to-tag=x;from-tag=y"));
    }

    #[test]
    fn plain_and_odd_refer_tos_survive() {
        assert_eq!(split_refer_to("sip:103@h"), ("sip:103@h".into(), None));
        assert_eq!(
            split_refer_to("sip:103@h?X=1&replaces=abc%2"),
            ("sip:103@h".into(), Some("abc%2".into()))
        );
        assert_eq!(split_refer_to("sip:103@h?Other=1").1, None);
    }
}
