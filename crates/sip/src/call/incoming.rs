//! Taking a call: ring (180), wait for the user, answer with SDP or decline; the caller may
//! CANCEL at any time.

use super::in_dialog::DialogId;
use super::session::{self, sdp_body, sdp_content_type};
use super::{emit, CallCommand, CallEvent, CallHandle, CallSetup, EndReason, EventSink};
use crate::net::advertised;
use crate::sdp::LocalSdp;
use crate::IncomingInvite;
use bytes::Bytes;
use ezk_sip_types::header::typed::{Contact, FromTo};
use ezk_sip_types::uri::{NameAddr, SipUri};
use ezk_sip_types::Name;
use ezk_sip_types::StatusCode;
use ezk_sip_ua::dialog::Dialog;
use ezk_sip_ua::invite::acceptor::InviteAcceptor;
use frontdesk_media::{Direction, MediaSession};
use tokio::sync::mpsc;

/// Starts ringing for an incoming INVITE; the engine answers or declines through the handle.
///
/// `contact_user` is the user part of the Contact we answer with (the called account's user).
pub fn spawn_incoming(
    setup: CallSetup,
    invite: IncomingInvite,
    contact_user: String,
    events: EventSink,
) -> CallHandle {
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        if let Err(reason) = run(setup, invite, contact_user, rx, events.clone()).await {
            emit(&events, CallEvent::Ended(reason));
        }
    });
    CallHandle { commands: tx }
}

async fn run(
    setup: CallSetup,
    invite: IncomingInvite,
    contact_user: String,
    mut commands: mpsc::UnboundedReceiver<CallCommand>,
    events: EventSink,
) -> Result<(), EndReason> {
    let local = advertised(setup.stack.listen_addr(), invite.source());
    if let Err((status, why)) = invite.precheck(&setup.codecs) {
        tracing::info!("refusing a call: {why}");
        invite.reject(status).await;
        return Err(EndReason::Failed(status.into_u16()));
    }
    let offer = sdp_body(&invite.request.headers, &invite.request.body);
    let mut local_sdp = LocalSdp::new(local.ip(), 0, setup.codecs.clone());
    let contact_text = format!("sip:{contact_user}@{local}");
    let contact_uri: SipUri = contact_text
        .parse()
        .map_err(|_| EndReason::Error(format!("bad contact {contact_text}")))?;
    let IncomingInvite { endpoint, request } = invite;
    let mut dialog = match Dialog::new_server(
        endpoint.clone(),
        &request,
        Contact::new(NameAddr::uri(contact_uri)),
    ) {
        Ok(dialog) => dialog,
        Err(e) => {
            IncomingInvite { endpoint, request }
                .reject(StatusCode::BAD_REQUEST)
                .await;
            return Err(EndReason::Error(format!("malformed INVITE: {e}")));
        }
    };
    *dialog.target_tp_info.get_mut() =
        in_dialog_target(&request, !dialog.route_set.is_empty(), local);
    // The 180 carries our To tag so the caller gets an early dialog (RFC 3261 12.1.1);
    // ezk only adds it to 2xx responses.
    let local_tag = dialog.local_fromto.tag.clone();
    let mut acceptor = InviteAcceptor::new(dialog, request);
    let mut ringing = acceptor
        .create_response(StatusCode::RINGING, None)
        .await
        .map_err(|e| EndReason::Error(e.to_string()))?;
    tag_to(&mut ringing, &local_tag);
    acceptor
        .respond_provisional(ringing)
        .await
        .map_err(|e| EndReason::Error(e.to_string()))?;

    // Ring until the user decides or the caller gives up.
    let mut audio = setup.audio.clone();
    let decision = loop {
        tokio::select! {
            _ = acceptor.cancelled() => return Err(EndReason::Cancelled),
            command = commands.recv() => match command {
                Some(CallCommand::Answer) => break None,
                Some(CallCommand::AnswerWith(other)) => {
                    audio = other;
                    break None;
                }
                Some(CallCommand::Hangup) => break Some(603),
                Some(CallCommand::Decline(code)) => break Some(code),
                // Nothing to hold, send or transfer before the call is answered.
                Some(_) => {}
                None => break Some(480),
            }
        }
    };
    if let Some(code) = decision {
        let status = StatusCode::from(code);
        if let Ok(mut response) = acceptor.create_response(status, None).await {
            // Same To tag as the 180, so the caller's ACK matches (RFC 3261 12.1.1).
            tag_to(&mut response, &local_tag);
            // The transaction waits for the caller's ACK (up to 32 s); the call is over now.
            tokio::spawn(async move {
                if let Err(e) = acceptor.respond_failure(response).await {
                    tracing::debug!("the caller did not acknowledge our refusal: {e}");
                }
            });
        }
        return Err(if code == 486 {
            EndReason::Busy
        } else {
            EndReason::Declined
        });
    }

    let mut media = MediaSession::bind(local.ip())
        .await
        .map_err(|e| EndReason::Error(format!("cannot open a media port: {e}")))?;
    local_sdp.rtp_port = media.local_rtp_addr().port();
    let (body, params) = match &offer {
        Some(offer) => {
            let (answer, params) = local_sdp
                .answer(offer)
                .map_err(|e| EndReason::Error(e.to_string()))?;
            (answer, Some(params))
        }
        None => (local_sdp.offer(Direction::SendRecv), None),
    };
    let mut response = acceptor
        .create_response(StatusCode::OK, None)
        .await
        .map_err(|e| EndReason::Error(e.to_string()))?;
    response.msg.headers.insert_named(&sdp_content_type());
    response.msg.body = Bytes::from(body);
    let (session, ack) = acceptor
        .respond_success(response)
        .await
        .map_err(|e| match e {
            ezk_sip_ua::invite::acceptor::Error::RequestTerminated => EndReason::Cancelled,
            other => EndReason::Error(format!(
                "the caller did not acknowledge the answer: {other}"
            )),
        })?;
    let params = match params {
        Some(params) => params,
        None => {
            let answer = sdp_body(&ack.headers, &ack.body).unwrap_or_default();
            match local_sdp.accept_answer(&answer) {
                Ok(params) => params,
                Err(e) => {
                    let mut session = session;
                    let _ = session.terminate().await;
                    return Err(EndReason::Error(format!(
                        "no usable SDP answer in the ACK: {e}"
                    )));
                }
            }
        }
    };
    let codec = params.codec;
    if let Err(e) = media.start(params, audio) {
        let mut session = session;
        let _ = session.terminate().await;
        return Err(EndReason::Error(format!("audio failed: {e}")));
    }
    let dialog = DialogId::of(&session.dialog);
    emit(&events, CallEvent::Answered { codec, dialog });
    session::run(session, media, local_sdp, commands, events, setup).await;
    Ok(())
}

/// Puts our To tag on a provisional or failure response; ezk adds it to 2xx only.
fn tag_to(
    response: &mut ezk_sip_core::transport::OutgoingResponse,
    local_tag: &Option<bytesstr::BytesStr>,
) {
    let tagged = response
        .msg
        .headers
        .edit(Name::TO, |to: &mut FromTo| to.tag.clone_from(local_tag));
    if let Err(e) = tagged {
        tracing::debug!("could not tag the response: {e}");
    }
}

/// Where our requests in this dialog (BYE, re-INVITE, REFER) go and what their Via says:
/// through the proxy the INVITE came from when it record-routed the call (ezk would send them
/// straight to the caller's Contact), and over UDP with our real address and `rport`, so the
/// answers find their way back through a NAT.
fn in_dialog_target(
    request: &ezk_sip_core::IncomingRequest,
    record_routed: bool,
    local: std::net::SocketAddr,
) -> ezk_sip_core::transport::TargetTransportInfo {
    let udp = request.tp_info.transport.is_udp();
    ezk_sip_core::transport::TargetTransportInfo {
        via_host_port: udp.then(|| crate::net::via_sent_by_with_rport(local)),
        transport: record_routed
            .then(|| (request.tp_info.transport.clone(), request.tp_info.source)),
    }
}
