//! The INVITE client: our own INVITE on the wire, ezk's `InviteInitiator` for dialogs and
//! sessions.
//!
//! Over UDP ezk puts the socket's bound address (`0.0.0.0:5060`) into the INVITE's Via,
//! without `rport`: behind a NAT that changes ports the server answers to port 5060 of the
//! NAT, which drops it, and the call hangs in "dialing". The dialog builder that could carry
//! another Via is private to `InviteInitiator`, and ezk's `InviteSession` (which the rest of
//! the call code runs on) can only be made by that initiator. So over UDP the initiator's
//! own transaction is parked on a local sink socket nobody reads, and we send the very same
//! INVITE, with the initiator's Via branch, our real address and `rport`, to the real next
//! hop, retransmitting it ourselves (RFC 3261 Timer A). Responses match client transactions
//! by branch alone, so they reach the initiator, which builds early dialogs and sessions as
//! usual; [`Initiator::adopt`] then points each new dialog at the real next hop with our
//! Via. Non-2xx finals are acknowledged by us, since ezk's ACK goes to the sink.
//!
//! Over TCP and TLS ezk's Via (the connection's own address) is right and answers come back
//! on the connection, so there the initiator sends as it always did.
//!
//! Either way the UAC route set is the Record-Route list reversed (RFC 3261 12.1.2), which
//! ezk leaves in the received order.

use crate::net::via_sent_by_with_rport;
use ezk_sip_core::transaction::consts::T1;
use ezk_sip_core::transaction::TsxResponse;
use ezk_sip_core::transport::{OutgoingParts, OutgoingRequest, TargetTransportInfo, TpHandle};
use ezk_sip_core::{Endpoint, Error, Request};
use ezk_sip_types::header::typed::{CSeq, Contact, FromTo, Via};
use ezk_sip_types::uri::{NameAddr, SipUri};
use ezk_sip_types::{Method, Name};
use ezk_sip_ua::invite::initiator::{Early, InviteInitiator, Response};
use ezk_sip_ua::invite::session::InviteSession;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// Places one INVITE (and its digest retries) and hands out the dialogs it creates.
pub(super) struct Initiator {
    inner: InviteInitiator,
    endpoint: Endpoint,
    /// Over UDP: the real next hop and our Via's sent-by, for the INVITE and every dialog.
    wire: Option<Wire>,
    /// The current INVITE as the far end got it (over UDP; otherwise ezk's transaction has it).
    sent: Option<OutgoingRequest>,
    /// When to send `sent` again and the interval after that (Timer A); `None` once any
    /// response arrived.
    retransmit: Option<(Instant, Duration)>,
}

/// Where UDP requests really go, and the sink ezk's own transaction talks to.
struct Wire {
    target: TargetTransportInfo,
    sink_uri: SipUri,
    /// Held open so the sink's port stays ours while the call lasts.
    _sink: std::net::UdpSocket,
}

impl Initiator {
    /// An initiator calling `target` through `next_hop` (the transport and address ezk
    /// selects for `target`), advertising `local` as our address.
    pub(super) fn new(
        endpoint: Endpoint,
        from: NameAddr,
        contact: Contact,
        target: SipUri,
        next_hop: (TpHandle, SocketAddr),
        local: SocketAddr,
    ) -> Initiator {
        let mut inner = InviteInitiator::new(endpoint.clone(), from, contact, target);
        // Reliable provisionals and session timers need PRACK/refresh handling we do not need.
        inner.support_100rel = false;
        inner.support_timer = false;
        let wire = if next_hop.0.is_udp() {
            match Wire::new(next_hop, local) {
                Ok(wire) => Some(wire),
                Err(e) => {
                    tracing::warn!(
                        "cannot open a local sink socket ({e}); the INVITE's Via will lack rport"
                    );
                    None
                }
            }
        } else {
            None
        };
        Initiator {
            inner,
            endpoint,
            wire,
            sent: None,
            retransmit: None,
        }
    }

    /// A new INVITE of this call (the first one or a retry with credentials).
    pub(super) fn create_invite(&mut self) -> Request {
        self.inner.create_invite()
    }

    /// Sends `invite` and starts its transaction.
    pub(super) async fn send_invite(&mut self, invite: Request) -> Result<(), Error> {
        let Some(wire) = &mut self.wire else {
            return self.inner.send_invite(invite).await;
        };
        let real = invite.clone();
        let mut parked = invite;
        // Only the first INVITE picks the initiator's destination; retries reuse it.
        if self.inner.transaction().is_none() {
            parked.line.uri = wire.sink_uri.clone();
        }
        self.inner.send_invite(parked).await?;
        let branch = self
            .inner
            .transaction()
            .and_then(|tsx| tsx.request().msg.headers.get_named::<Via>().ok())
            .and_then(|via| via.params.get_val("branch").cloned())
            .ok_or_else(|| Error::from(std::io::Error::other("the INVITE has no Via branch")))?;
        let mut request = self
            .endpoint
            .create_outgoing(real, &mut wire.target)
            .await?;
        let sent_by = wire.target.via_host_port.clone().expect("set for UDP");
        request
            .msg
            .headers
            .insert_named_front(&Via::new("UDP", sent_by, branch));
        self.endpoint.send_outgoing_request(&mut request).await?;
        tracing::debug!("INVITE sent to {}", request.parts.destination);
        self.sent = Some(request);
        self.retransmit = Some((Instant::now() + T1, T1 * 2));
        Ok(())
    }

    /// The current INVITE as sent: digest answers and CANCELs are built from it.
    pub(super) fn sent(&self) -> Option<&OutgoingRequest> {
        self.sent
            .as_ref()
            .or_else(|| self.inner.transaction().map(|tsx| tsx.request()))
    }

    /// The next response to the INVITE; sessions come ready for use (see [`Self::adopt`]).
    pub(super) async fn receive(&mut self) -> Result<Response, Error> {
        loop {
            let due = self.retransmit.map(|(at, _)| at);
            let retransmit_due = async {
                match due {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            let response = tokio::select! {
                response = self.inner.receive() => Some(response),
                () = retransmit_due => None,
            };
            let Some(response) = response else {
                self.resend().await;
                continue;
            };
            let mut response = response?;
            self.retransmit = None;
            match &mut response {
                Response::Failure(failure) => self.acknowledge_failure(failure).await,
                Response::Session(session, _) => self.adopt(session).await,
                _ => {}
            }
            return Ok(response);
        }
    }

    /// Sends the INVITE again (UDP, no answer yet), doubling the interval.
    async fn resend(&mut self) {
        let (Some(request), Some((_, interval))) = (&mut self.sent, self.retransmit) else {
            return;
        };
        if let Err(e) = self.endpoint.send_outgoing_request(request).await {
            tracing::debug!("resending the INVITE failed: {e}");
        }
        self.retransmit = Some((Instant::now() + interval, interval * 2));
    }

    /// Acknowledges a non-2xx final answer to our own INVITE (RFC 3261 17.1.1.3); ezk's
    /// transaction acknowledges it only towards the sink.
    async fn acknowledge_failure(&self, failure: &TsxResponse) {
        let Some(invite) = &self.sent else { return };
        let mut ack = matching_request(invite, Method::ACK, Some(&failure.base_headers.to));
        if let Err(e) = self.endpoint.send_outgoing_request(&mut ack).await {
            tracing::debug!(
                "sending the ACK for {} failed: {e}",
                failure.line.code.into_u16()
            );
        }
    }

    /// Makes a dialog this initiator created ready for in-dialog requests: the UAC route set
    /// in the right order and, over UDP, the real next hop with our Via. Call it on every
    /// session before using it (sessions from [`Self::receive`] already are).
    pub(super) async fn adopt(&self, session: &mut InviteSession) {
        // Only the session holds its dialog until the call code registers its own usage.
        if let Some(dialog) = Arc::get_mut(&mut session.dialog) {
            dialog.route_set.reverse();
        } else {
            tracing::warn!("cannot put the route set in UAC order: the dialog is shared");
        }
        if let Some(wire) = &self.wire {
            *session.dialog.target_tp_info.lock().await = wire.target.clone();
        }
    }

    /// Ends an early dialog that lost to another branch of a forked call.
    pub(super) fn dismiss(&self, early: Early) {
        if self.wire.is_some() {
            // Its requests would go to the sink; the proxy cancels the other branches once
            // one answers (RFC 3261 16.7), and our CANCEL carries the INVITE's branch.
            drop(early);
        } else {
            tokio::spawn(early.cancel());
        }
    }

    /// Keeps `ack` for retransmitted 200s of `session`.
    pub(super) fn set_acknowledge(&mut self, session: &InviteSession, ack: OutgoingRequest) {
        self.inner.set_acknowledge(session, ack);
    }
}

impl Wire {
    fn new(next_hop: (TpHandle, SocketAddr), local: SocketAddr) -> std::io::Result<Wire> {
        // Our own address: the UDP transport reaches it whatever it is bound to.
        let sink = std::net::UdpSocket::bind(SocketAddr::new(local.ip(), 0))?;
        let text = format!("sip:{};transport=udp", sink.local_addr()?);
        let sink_uri = text
            .parse()
            .map_err(|_| std::io::Error::other(format!("bad sink URI {text}")))?;
        Ok(Wire {
            target: TargetTransportInfo {
                via_host_port: Some(via_sent_by_with_rport(local)),
                transport: Some(next_hop),
            },
            sink_uri,
            _sink: sink,
        })
    }
}

/// A request matching `invite` (CANCEL, or ACK for a non-2xx), sent where it went.
pub(super) fn matching_request(
    invite: &OutgoingRequest,
    method: Method,
    to: Option<&FromTo>,
) -> OutgoingRequest {
    OutgoingRequest {
        msg: matching_message(&invite.msg, method, to),
        parts: OutgoingParts {
            transport: invite.parts.transport.clone(),
            destination: invite.parts.destination,
            buffer: Default::default(),
        },
    }
}

/// Same Request-URI, top Via, From, Call-ID, Route and CSeq number as `invite` (RFC 3261
/// 9.1, 17.1.1.3); the To of the INVITE or, for an ACK, the answer's.
fn matching_message(invite: &Request, method: Method, to: Option<&FromTo>) -> Request {
    let mut request = Request::new(method.clone(), invite.line.uri.clone());
    let mut via_copied = false;
    for (name, value) in invite.headers.iter() {
        let keep = match name {
            n if *n == Name::VIA => !std::mem::replace(&mut via_copied, true),
            n if *n == Name::TO => to.is_none(),
            n => {
                *n == Name::FROM
                    || *n == Name::CALL_ID
                    || *n == Name::ROUTE
                    || *n == Name::MAX_FORWARDS
            }
        };
        if keep {
            request.headers.insert(name.clone(), value.clone());
        }
    }
    if let Some(to) = to {
        request.headers.insert_type(Name::TO, to);
    }
    let number = invite
        .headers
        .get_named::<CSeq>()
        .map(|c| c.cseq)
        .unwrap_or(1);
    request.headers.insert_named(&CSeq::new(number, method));
    request
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invite() -> Request {
        let mut invite = Request::new(Method::INVITE, "sip:102@10.0.0.1".parse().unwrap());
        let headers = &mut invite.headers;
        headers.insert(
            Name::VIA,
            "SIP/2.0/UDP 10.0.1.2:5060;rport;branch=z9hG4bKours",
        );
        headers.insert(Name::VIA, "SIP/2.0/UDP 10.9.9.9;branch=z9hG4bKother");
        headers.insert(Name::FROM, "<sip:101@pbx>;tag=a");
        headers.insert(Name::TO, "<sip:102@pbx>");
        headers.insert(Name::CALL_ID, "c1");
        headers.insert(Name::ROUTE, "<sip:10.0.0.1;lr>");
        headers.insert(Name::CSEQ, "7 INVITE");
        headers.insert(Name::CONTACT, "<sip:101@10.0.1.2>");
        invite
    }

    fn printed(request: &Request) -> String {
        use ezk_sip_types::print::AppendCtx;
        format!("{}\r\n{}", request.default_print_ctx(), request.headers)
    }

    #[test]
    fn a_cancel_keeps_the_invites_branch_and_to() {
        let cancel = printed(&matching_message(&invite(), Method::CANCEL, None));
        assert!(
            cancel.starts_with("CANCEL sip:102@10.0.0.1 SIP/2.0"),
            "{cancel}"
        );
        assert!(
            cancel.contains("Via: SIP/2.0/UDP 10.0.1.2:5060;rport;branch=z9hG4bKours"),
            "{cancel}"
        );
        assert!(!cancel.contains("z9hG4bKother"), "{cancel}");
        assert!(cancel.contains("To: <sip:102@pbx>\r\n"), "{cancel}");
        assert!(cancel.contains("Route: <sip:10.0.0.1;lr>"), "{cancel}");
        assert!(cancel.contains("CSeq: 7 CANCEL"), "{cancel}");
        assert!(!cancel.contains("Contact"), "{cancel}");
    }

    #[test]
    fn an_ack_for_a_failure_takes_the_answers_to_tag() {
        let to: FromTo = FromTo::new(
            NameAddr::uri("sip:102@pbx".parse::<SipUri>().unwrap()),
            Some("b".into()),
        );
        let ack = printed(&matching_message(&invite(), Method::ACK, Some(&to)));
        assert!(ack.starts_with("ACK sip:102@10.0.0.1 SIP/2.0"), "{ack}");
        assert!(ack.contains("branch=z9hG4bKours"), "{ack}");
        assert!(ack.contains(";tag=b"), "{ack}");
        assert_eq!(ack.matches("To:").count(), 1, "{ack}");
        assert!(ack.contains("CSeq: 7 ACK"), "{ack}");
    }
}
