//! Requests inside an established call that ezk's INVITE session does not send or take:
//! our own re-INVITE (hold, resume), REFER with its NOTIFY progress (RFC 3515), INFO DTMF
//! (`application/dtmf-relay`), and the usage that receives REFER and INFO from the far end.

use super::session::{sdp_body, sdp_content_type};
use crate::sdp::LocalSdp;
use bytes::Bytes;
use ezk_sip_core::transaction::TsxResponse;
use ezk_sip_core::{Endpoint, IncomingRequest, MayTake};
use ezk_sip_types::header::typed::ContentType;
use ezk_sip_types::{Method, Name, StatusCode};
use ezk_sip_ua::dialog::{Dialog, Usage};
use ezk_sip_ua::invite::session::InviteSession;
use frontdesk_media::{Direction, MediaParams};
use std::time::Duration;
use tokio::sync::mpsc;

/// A dialog's identity, as needed for `Replaces` (RFC 3891) and for matching pickups.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DialogId {
    /// The Call-ID.
    pub call_id: String,
    /// Our tag.
    pub local_tag: String,
    /// The far end's tag.
    pub remote_tag: String,
}

impl DialogId {
    /// The identity of an ezk dialog.
    pub fn of(dialog: &Dialog) -> Self {
        Self {
            call_id: dialog.call_id.0.to_string(),
            local_tag: dialog
                .local_fromto
                .tag
                .as_ref()
                .map(|t| t.to_string())
                .unwrap_or_default(),
            remote_tag: dialog
                .peer_fromto
                .tag
                .as_ref()
                .map(|t| t.to_string())
                .unwrap_or_default(),
        }
    }

    /// The early dialog a provisional response to our INVITE creates: our From tag, its To
    /// tag. `None` without a To tag (no dialog then).
    pub fn of_early(response: &TsxResponse) -> Option<Self> {
        let headers = &response.base_headers;
        Some(Self {
            call_id: headers.call_id.0.to_string(),
            local_tag: headers.from.tag.as_ref()?.to_string(),
            remote_tag: headers.to.tag.as_ref()?.to_string(),
        })
    }

    /// The `Replaces` value that makes the far end of this dialog replace it: the tags are
    /// named from the receiver's point of view, so its tag (our remote) is the `to-tag`.
    pub fn replaces_for_remote(&self) -> String {
        format!(
            "{};to-tag={};from-tag={}",
            self.call_id, self.remote_tag, self.local_tag
        )
    }
}

/// A `Replaces` header (RFC 3891): which of our dialogs a new INVITE takes over. The tags
/// are named from our side: `to_tag` is our local tag, `from_tag` the far end's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replaces {
    /// The Call-ID of the dialog to replace.
    pub call_id: String,
    /// Our tag in that dialog.
    pub to_tag: String,
    /// The other party's tag in that dialog.
    pub from_tag: String,
    /// Only replace a dialog that is not answered yet (pickup).
    pub early_only: bool,
}

impl Replaces {
    /// Parses `call-id;to-tag=a;from-tag=b[;early-only]`; `None` when a part is missing.
    pub fn parse(value: &str) -> Option<Self> {
        let mut parts = value.split(';').map(str::trim);
        let call_id = parts.next().filter(|c| !c.is_empty())?.to_string();
        let (mut to_tag, mut from_tag, mut early_only) = (None, None, false);
        for part in parts {
            let (name, value) = part.split_once('=').unwrap_or((part, ""));
            match name.trim().to_ascii_lowercase().as_str() {
                "to-tag" => to_tag = Some(value.trim().to_string()),
                "from-tag" => from_tag = Some(value.trim().to_string()),
                "early-only" => early_only = true,
                _ => {}
            }
        }
        Some(Self {
            call_id,
            to_tag: to_tag?,
            from_tag: from_tag?,
            early_only,
        })
    }

    /// Whether this names `dialog` (seen from our side).
    pub fn matches(&self, dialog: &DialogId) -> bool {
        self.call_id == dialog.call_id
            && self.to_tag == dialog.local_tag
            && self.from_tag == dialog.remote_tag
    }
}

/// Why an in-dialog request did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum InDialogError {
    /// The far end answered with a failure status.
    #[error("the far end answered {code} {reason}")]
    Refused {
        /// The status code.
        code: u16,
        /// Its reason phrase.
        reason: String,
    },
    /// No answer, or the transport failed.
    #[error("{0}")]
    Transport(String),
    /// The answer carried no usable SDP.
    #[error("unusable SDP in the answer: {0}")]
    Sdp(String),
}

impl InDialogError {
    /// The status code when the far end refused.
    pub fn code(&self) -> Option<u16> {
        match self {
            InDialogError::Refused { code, .. } => Some(*code),
            _ => None,
        }
    }
}

fn refused(response: &TsxResponse) -> InDialogError {
    InDialogError::Refused {
        code: response.line.code.into_u16(),
        reason: response
            .line
            .reason
            .as_ref()
            .map(|r| r.to_string())
            .unwrap_or_default(),
    }
}

/// How long a re-INVITE may take before we give up on it.
const REINVITE_WAIT: Duration = Duration::from_secs(32);

/// Sends a re-INVITE offering `direction` (sendonly to hold, sendrecv to resume) and returns
/// the media parameters of the answer, once acknowledged. A 491 (both sides re-INVITEd at
/// once) is retried after the pause RFC 3261 14.1 asks of the dialog's owner.
pub(super) async fn reinvite(
    session: &DialogRef,
    local_sdp: &mut LocalSdp,
    direction: Direction,
) -> Result<MediaParams, InDialogError> {
    let mut attempts = 0;
    loop {
        attempts += 1;
        match reinvite_once(session, local_sdp, direction).await {
            Err(InDialogError::Refused { code: 491, .. }) if attempts < 3 => {
                tokio::time::sleep(Duration::from_millis(2100 + rand_millis(1900))).await;
            }
            other => return other,
        }
    }
}

async fn reinvite_once(
    session: &DialogRef,
    local_sdp: &mut LocalSdp,
    direction: Direction,
) -> Result<MediaParams, InDialogError> {
    let dialog = &session.dialog;
    let mut invite = dialog.create_request(Method::INVITE, None);
    invite.headers.insert_named(&sdp_content_type());
    invite.body = Bytes::from(local_sdp.offer(direction));
    let mut transaction = {
        let mut target = dialog.target_tp_info.lock().await;
        session
            .endpoint
            .send_invite(invite, &mut target)
            .await
            .map_err(|e| InDialogError::Transport(e.to_string()))?
    };
    let answer = loop {
        let response = tokio::time::timeout(REINVITE_WAIT, transaction.receive())
            .await
            .map_err(|_| InDialogError::Transport("no answer to the re-INVITE".into()))?
            .map_err(|e| InDialogError::Transport(e.to_string()))?
            .ok_or_else(|| InDialogError::Transport("the re-INVITE ended unanswered".into()))?;
        match response.line.code.into_u16() {
            100..=199 => continue,
            200..=299 => break response,
            _ => return Err(refused(&response)),
        }
    };
    let mut ack = ack_for(&session.dialog, &answer)
        .await
        .map_err(|e| InDialogError::Transport(e.to_string()))?;
    if let Err(e) = session.endpoint.send_outgoing_request(&mut ack).await {
        tracing::warn!("sending the ACK of a re-INVITE failed: {e}");
    }
    // Retransmitted 200s (UDP) get the same ACK until the transaction ends.
    let endpoint = session.endpoint.clone();
    tokio::spawn(async move {
        while let Ok(Some(_)) = transaction.receive().await {
            let _ = endpoint.send_outgoing_request(&mut ack).await;
        }
    });
    let sdp = sdp_body(&answer.headers, &answer.body)
        .ok_or_else(|| InDialogError::Sdp("the answer has no SDP".into()))?;
    local_sdp
        .accept_answer(&sdp)
        .map_err(|e| InDialogError::Sdp(e.to_string()))
}

/// The ACK for a 2xx to an INVITE of this session.
///
/// ezk's `create_ack` takes a fresh CSeq from the dialog before overwriting it with the
/// INVITE's, so the next request would skip a number; peers that insist on consecutive
/// CSeqs (ezk's own dialog layer does) then hold that request forever. Give the number back.
pub(super) async fn ack_for(
    dialog: &Dialog,
    answer: &TsxResponse,
) -> Result<ezk_sip_core::transport::OutgoingRequest, ezk_sip_core::Error> {
    let ack = ezk_sip_ua::invite::create_ack(dialog, answer.base_headers.cseq.cseq).await?;
    dialog
        .local_cseq
        .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    Ok(ack)
}

/// How long the far end may take to accept a REFER.
const REFER_WAIT: Duration = Duration::from_secs(16);

/// What a request inside a call needs, detached from the session so the request can run in
/// its own task: hanging up must never wait for a slow re-INVITE, INFO or NOTIFY.
#[derive(Clone)]
pub(super) struct DialogRef {
    endpoint: Endpoint,
    dialog: std::sync::Arc<Dialog>,
}

impl DialogRef {
    pub(super) fn of(session: &InviteSession) -> Self {
        Self {
            endpoint: session.endpoint.clone(),
            dialog: session.dialog.clone(),
        }
    }
}

/// Sends a non-INVITE request in the dialog and waits for its final response.
async fn send_in_dialog(
    session: &DialogRef,
    request: ezk_sip_core::Request,
    wait: Duration,
) -> Result<TsxResponse, InDialogError> {
    let mut transaction = {
        let mut target = session.dialog.target_tp_info.lock().await;
        session
            .endpoint
            .send_request(request, &mut target)
            .await
            .map_err(|e| InDialogError::Transport(e.to_string()))?
    };
    let response = tokio::time::timeout(wait, transaction.receive_final())
        .await
        .map_err(|_| InDialogError::Transport("no answer".into()))?
        .map_err(|e| InDialogError::Transport(e.to_string()))?;
    if response.line.code.kind() == ezk_sip_types::CodeKind::Success {
        Ok(response)
    } else {
        Err(refused(&response))
    }
}

/// Asks the far end to call `refer_to` (a URI, possibly with `?Replaces=`), RFC 3515.
/// Returns once the REFER is accepted (202); progress follows as NOTIFYs.
pub(super) async fn refer(
    session: &DialogRef,
    refer_to: &str,
    referred_by: &str,
) -> Result<(), InDialogError> {
    let mut attempts = 0;
    loop {
        attempts += 1;
        // Each attempt is a new transaction: a fresh request with the next CSeq.
        let mut request = session.dialog.create_request(Method::REFER, None);
        request
            .headers
            .insert(Name::REFER_TO, format!("<{refer_to}>"));
        request
            .headers
            .insert(referred_by_name(), format!("<{referred_by}>"));
        request.headers.insert_named(&session.dialog.local_contact);
        match send_in_dialog(session, request, REFER_WAIT).await {
            // The far end is still finishing another transaction of the call (liblinphone
            // answers 491 to a REFER right after our hold re-INVITE): try again shortly.
            Err(InDialogError::Refused { code: 491, .. }) if attempts < REFER_ATTEMPTS => {
                tokio::time::sleep(Duration::from_millis(200 + rand_millis(800))).await;
            }
            other => return other.map(drop),
        }
    }
}

/// How often a REFER answered 491 (request pending) is sent.
const REFER_ATTEMPTS: u32 = 4;

/// Reports the progress of a REFER we accepted, as a NOTIFY with a `message/sipfrag` status
/// line (RFC 3515 2.4.5); `last` ends the implicit subscription.
pub(super) async fn notify_refer_progress(
    session: &DialogRef,
    code: u16,
    reason: &str,
    last: bool,
) -> Result<(), InDialogError> {
    let mut request = session.dialog.create_request(Method::NOTIFY, None);
    request.headers.insert(Name::EVENT, "refer");
    let state = if last {
        "terminated;reason=noresource".to_string()
    } else {
        "active;expires=60".to_string()
    };
    request.headers.insert(Name::SUBSCRIPTION_STATE, state);
    request.headers.insert_named(&session.dialog.local_contact);
    request
        .headers
        .insert_named(&ContentType(bytesstr::BytesStr::from_static(
            "message/sipfrag;version=2.0",
        )));
    request.body = Bytes::from(format!("SIP/2.0 {code} {reason}\r\n"));
    send_in_dialog(session, request, REFER_WAIT).await.map(drop)
}

/// Sends a keypad digit as SIP INFO (`application/dtmf-relay`), for servers that ignore
/// RFC 4733 events.
pub(super) async fn info_dtmf(session: &DialogRef, digit: char) -> Result<(), InDialogError> {
    let mut request = session.dialog.create_request(Method::INFO, None);
    request
        .headers
        .insert_named(&ContentType(bytesstr::BytesStr::from_static(
            "application/dtmf-relay",
        )));
    request.body = Bytes::from(format!("Signal={digit}\r\nDuration=160\r\n"));
    send_in_dialog(session, request, REFER_WAIT).await.map(drop)
}

/// The status code in a `message/sipfrag` NOTIFY body, e.g. 180 for `SIP/2.0 180 Ringing`.
pub fn sipfrag_status(body: &[u8]) -> Option<u16> {
    let text = std::str::from_utf8(body).ok()?;
    let line = text.lines().next()?.trim();
    let mut parts = line.split_whitespace();
    if !parts.next()?.eq_ignore_ascii_case("SIP/2.0") {
        return None;
    }
    parts
        .next()?
        .parse()
        .ok()
        .filter(|c| (100..700).contains(c))
}

/// Whether a NOTIFY ends its subscription (`Subscription-State: terminated`).
pub fn ends_subscription(request: &IncomingRequest) -> bool {
    request
        .headers
        .get_named::<ezk_sip_types::header::typed::SubscriptionState>()
        .map(|s| {
            matches!(
                s.state,
                ezk_sip_types::header::typed::SubStateValue::Terminated
            )
        })
        .unwrap_or(false)
}

/// The digit in an INFO `application/dtmf-relay` body (`Signal=5`).
pub fn dtmf_relay_digit(body: &[u8]) -> Option<char> {
    let text = std::str::from_utf8(body).ok()?;
    text.lines().find_map(|line| {
        let (key, value) = line.split_once('=')?;
        if !key.trim().eq_ignore_ascii_case("signal") {
            return None;
        }
        let value = value.trim();
        match value {
            "10" => Some('*'),
            "11" => Some('#'),
            v if v.len() == 1 => v
                .chars()
                .next()
                .map(|c| c.to_ascii_uppercase())
                .filter(|c| matches!(c, '0'..='9' | '*' | '#' | 'A'..='D')),
            _ => None,
        }
    })
}

/// A request from the far end that the call must act on.
pub(super) enum InDialogRequest {
    /// A REFER, already answered 202; the call must NOTIFY its progress.
    Refer {
        /// The Refer-To value without angle brackets.
        refer_to: String,
        /// The Referred-By value, when given.
        referred_by: Option<String>,
    },
    /// A keypad digit sent as INFO.
    Dtmf(char),
}

/// The dialog usage that answers REFER and INFO, which ezk's INVITE usage leaves to a 404.
pub(super) struct CallUsage {
    pub(super) requests: mpsc::UnboundedSender<InDialogRequest>,
    pub(super) dialog: std::sync::Arc<Dialog>,
}

#[async_trait::async_trait]
impl Usage for CallUsage {
    fn name(&self) -> &'static str {
        "frontdesk-call"
    }

    async fn receive(&self, endpoint: &Endpoint, mut request: MayTake<'_, IncomingRequest>) {
        let method = request.line.method.clone();
        if method != Method::REFER && method != Method::INFO {
            return;
        }
        let Some(mut request) = request.inner().take() else {
            return;
        };
        let transaction = endpoint.create_server_tsx(&mut request);
        let (status, forward) = if method == Method::REFER {
            refer_answer(&request)
        } else {
            info_answer(&request)
        };
        match self.dialog.create_response(&request, status, None) {
            Ok(response) => {
                if let Err(e) = transaction.respond(response).await {
                    tracing::debug!("could not answer {method}: {e}");
                }
            }
            Err(e) => tracing::debug!("could not build the answer to {method}: {e}"),
        }
        if let Some(forward) = forward {
            let _ = self.requests.send(forward);
        }
    }
}

fn refer_answer(request: &IncomingRequest) -> (StatusCode, Option<InDialogRequest>) {
    let header = |name: &Name| request.headers.get_raw(name).next().map(|v| v.to_string());
    let Some(refer_to) = header(&Name::REFER_TO).map(|v| strip_angles(&v)) else {
        return (StatusCode::BAD_REQUEST, None);
    };
    if !refer_to.to_ascii_lowercase().starts_with("sip") {
        return (StatusCode::from(416), None);
    }
    let referred_by = header(&referred_by_name()).map(|v| strip_angles(&v));
    (
        StatusCode::from(202),
        Some(InDialogRequest::Refer {
            refer_to,
            referred_by,
        }),
    )
}

fn info_answer(request: &IncomingRequest) -> (StatusCode, Option<InDialogRequest>) {
    let is_dtmf = request
        .headers
        .get_named::<ContentType>()
        .is_ok_and(|ct| ct.0.to_ascii_lowercase().starts_with("application/dtmf"));
    if !is_dtmf {
        // Unknown INFO packages are acknowledged and ignored (RFC 6086 allows 469; 200 keeps
        // old servers that send keep-alive INFOs happy).
        return (StatusCode::OK, None);
    }
    match dtmf_relay_digit(&request.body) {
        Some(digit) => (StatusCode::OK, Some(InDialogRequest::Dtmf(digit))),
        None => (StatusCode::BAD_REQUEST, None),
    }
}

/// `Referred-By` (RFC 3892), which ezk has no constant for.
fn referred_by_name() -> Name {
    Name::from("Referred-By")
}

/// `<sip:x>;param` → `sip:x` (parameters outside the brackets are dropped).
fn strip_angles(value: &str) -> String {
    let value = value.trim();
    match (value.find('<'), value.find('>')) {
        (Some(start), Some(end)) if start < end => value[start + 1..end].to_string(),
        _ => value.split(';').next().unwrap_or(value).trim().to_string(),
    }
}

fn rand_millis(max: u64) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(max);
    hasher.finish() % max.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sipfrag_status_lines_are_read() {
        assert_eq!(sipfrag_status(b"SIP/2.0 200 OK\r\n"), Some(200));
        assert_eq!(sipfrag_status(b"SIP/2.0 180 Ringing"), Some(180));
        assert_eq!(
            sipfrag_status(b"SIP/2.0 486 Busy Here\r\nX: y\r\n"),
            Some(486)
        );
        assert_eq!(sipfrag_status(b"garbage"), None);
        assert_eq!(sipfrag_status(b"SIP/2.0 99999 x"), None);
        assert_eq!(sipfrag_status(&[0xff, 0xfe]), None);
        assert_eq!(sipfrag_status(b""), None);
    }

    #[test]
    fn dtmf_relay_bodies_are_read() {
        assert_eq!(dtmf_relay_digit(b"Signal=5\r\nDuration=160\r\n"), Some('5'));
        assert_eq!(dtmf_relay_digit(b"Signal= *\r\n"), Some('*'));
        assert_eq!(dtmf_relay_digit(b"signal=11"), Some('#'));
        assert_eq!(dtmf_relay_digit(b"Signal=a"), Some('A'));
        assert_eq!(dtmf_relay_digit(b"Signal=x"), None);
        assert_eq!(dtmf_relay_digit(b"Duration=160"), None);
        assert_eq!(dtmf_relay_digit(b"Signal=123"), None);
    }

    #[test]
    fn refer_to_values_lose_their_brackets() {
        assert_eq!(strip_angles("<sip:102@10.0.0.1>"), "sip:102@10.0.0.1");
        assert_eq!(
            strip_angles("<sip:102@10.0.0.1?Replaces=a%3Bto-tag%3Db>;x=1"),
            "sip:102@10.0.0.1?Replaces=a%3Bto-tag%3Db"
        );
        assert_eq!(strip_angles("sip:102@h;method=INVITE"), "sip:102@h");
    }

    #[test]
    fn replaces_headers_are_parsed() {
        let r = Replaces::parse("abc@h;to-tag=ours;from-tag=theirs;early-only").unwrap();
        assert_eq!(
            r,
            Replaces {
                call_id: "abc@h".into(),
                to_tag: "ours".into(),
                from_tag: "theirs".into(),
                early_only: true
            }
        );
        assert!(r.matches(&DialogId {
            call_id: "abc@h".into(),
            local_tag: "ours".into(),
            remote_tag: "theirs".into(),
        }));
        assert!(Replaces::parse("abc@h;to-tag=x").is_none());
        assert!(Replaces::parse(";to-tag=x;from-tag=y").is_none());
        assert!(!Replaces::parse("a;from-tag=y;to-tag=x").unwrap().early_only);
    }

    #[test]
    fn replaces_names_tags_from_the_receivers_side() {
        let id = DialogId {
            call_id: "abc@h".into(),
            local_tag: "ours".into(),
            remote_tag: "theirs".into(),
        };
        assert_eq!(
            id.replaces_for_remote(),
            "abc@h;to-tag=theirs;from-tag=ours"
        );
    }
}
