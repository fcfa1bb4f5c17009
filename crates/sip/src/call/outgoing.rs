//! Placing a call: INVITE with our offer, digest retries for 401 and 407, CANCEL while it
//! rings, early dialogs, then the established session. The INVITE itself goes out through
//! [`Initiator`], whose Via carries our real address and `rport` so answers find us behind
//! a NAT.

use super::in_dialog::{ack_for, DialogId};
use super::initiator::{matching_request, Initiator};
use super::session::{self, sdp_body, sdp_content_type};
use super::{emit, CallCommand, CallEvent, CallHandle, CallSetup, EndReason, EventSink};
use crate::auth::Authenticator;
use crate::net::advertised;
use crate::sdp::LocalSdp;
use bytes::Bytes;
use ezk_sip_core::transaction::TsxResponse;
use ezk_sip_types::header::typed::Contact;
use ezk_sip_types::uri::{NameAddr, SipUri};
use ezk_sip_ua::invite::initiator::{Early, EarlyResponse, Response};
use ezk_sip_ua::invite::session::InviteSession;
use frontdesk_media::{Direction, MediaSession};
use std::future::poll_fn;
use std::net::SocketAddr;
use std::task::Poll;
use tokio::sync::mpsc;

/// Who calls whom.
pub struct OutgoingCall {
    /// Our identity (From).
    pub from: NameAddr,
    /// The user part of our Contact.
    pub contact_user: String,
    /// `;transport=` for our Contact, if not UDP.
    pub contact_transport: Option<&'static str>,
    /// The Request-URI.
    pub target: SipUri,
    /// Credentials for challenges.
    pub auth: Authenticator,
    /// A `Replaces` header value (RFC 3891): this call takes over that dialog at the far end
    /// (directed pickup with `;early-only`, or the target side of an attended transfer).
    pub replaces: Option<String>,
    /// A `Referred-By` value when we call because someone transferred us.
    pub referred_by: Option<String>,
}

/// Starts calling; progress arrives as events.
pub fn spawn_outgoing(setup: CallSetup, call: OutgoingCall, events: EventSink) -> CallHandle {
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        if let Err(reason) = run(setup, call, rx, events.clone()).await {
            emit(&events, CallEvent::Ended(reason));
        }
    });
    CallHandle { commands: tx }
}

/// Runs the call; an `Err` is the end reason of a call that never got established.
async fn run(
    setup: CallSetup,
    mut call: OutgoingCall,
    mut commands: mpsc::UnboundedReceiver<CallCommand>,
    events: EventSink,
) -> Result<(), EndReason> {
    let endpoint = setup.stack.endpoint().clone();
    let (transport, remote) = endpoint.select_transport(&call.target).await.map_err(|e| {
        EndReason::Error(format!(
            "cannot reach {}: {e}",
            crate::account::uri_to_string(&call.target)
        ))
    })?;
    let local = advertised(setup.stack.listen_addr(), remote);
    let mut media = MediaSession::bind(local.ip())
        .await
        .map_err(|e| EndReason::Error(format!("cannot open a media port: {e}")))?;
    let mut local_sdp = LocalSdp::new(
        local.ip(),
        media.local_rtp_addr().port(),
        setup.codecs.clone(),
    );
    let offer = Bytes::from(local_sdp.offer(Direction::SendRecv));

    let contact = contact_for(&call, local)?;
    let mut initiator = Initiator::new(
        endpoint.clone(),
        call.from.clone(),
        contact,
        call.target.clone(),
        (transport, remote),
        local,
    );

    call.auth.new_request();
    send_invite(&mut initiator, &mut call, &offer).await?;

    let mut earlies: Vec<Early> = Vec::new();
    let mut progress = Progress::default();
    let (session, answer) = loop {
        let step = tokio::select! {
            response = initiator.receive() => Step::Initiator(response),
            early = next_early(&mut earlies), if !earlies.is_empty() => Step::Early(early),
            command = commands.recv() => Step::Command(command),
        };
        match step {
            Step::Command(Some(CallCommand::Hangup))
            | Step::Command(Some(CallCommand::Decline(_)))
            | Step::Command(None) => {
                media.stop().await;
                cancel(&endpoint, initiator, earlies).await;
                return Err(EndReason::Cancelled);
            }
            Step::Command(Some(CallCommand::Dtmf(digit))) if progress.early_media => {
                let _ = media.send_dtmf(digit);
            }
            Step::Command(Some(_)) => {}
            Step::Initiator(Err(e)) => {
                media.stop().await;
                return Err(match e {
                    ezk_sip_core::Error::RequestTimedOut => EndReason::NoAnswer,
                    other => EndReason::Error(format!("SIP error: {other}")),
                });
            }
            Step::Initiator(Ok(Response::Provisional(response))) => {
                progress.provisional(&response, &local_sdp, &mut media, &setup, &events);
            }
            Step::Initiator(Ok(Response::Early(early, response, _))) => {
                progress.provisional(&response, &local_sdp, &mut media, &setup, &events);
                if let Some(dialog) = DialogId::of_early(&response) {
                    emit(&events, CallEvent::EarlyDialog(dialog));
                }
                earlies.push(early);
            }
            Step::Initiator(Ok(Response::Failure(response))) => {
                let code = response.line.code.into_u16();
                if matches!(code, 401 | 407) {
                    let request = initiator.sent().expect("INVITE was sent");
                    if let Err(e) = call.auth.challenged(request, &response) {
                        media.stop().await;
                        emit(&events, CallEvent::Notice(e.to_string()));
                        return Err(EndReason::Failed(code));
                    }
                    send_invite(&mut initiator, &mut call, &offer).await?;
                    continue;
                }
                media.stop().await;
                return Err(EndReason::from_status(code));
            }
            Step::Initiator(Ok(Response::Session(session, response))) => break (session, response),
            Step::Initiator(Ok(Response::EarlyEvent)) => {}
            Step::Initiator(Ok(Response::Finished)) => {
                media.stop().await;
                return Err(EndReason::Error(
                    "the INVITE transaction ended without an answer".into(),
                ));
            }
            Step::Early(Ok(EarlyResponse::Provisional(response, _))) => {
                progress.provisional(&response, &local_sdp, &mut media, &setup, &events);
            }
            Step::Early(Ok(EarlyResponse::Success(mut session, response))) => {
                initiator.adopt(&mut session).await;
                break (session, response);
            }
            Step::Early(Ok(EarlyResponse::Terminated)) | Step::Early(Err(_)) => {}
        }
    };

    // Other early dialogs of a forked call lose.
    for early in earlies {
        initiator.dismiss(early);
    }
    establish(
        session,
        answer,
        initiator,
        media,
        progress.early_media,
        local_sdp,
        commands,
        events,
        setup,
    )
    .await;
    Ok(())
}

/// Longest we wait for the INVITE to end after a CANCEL (RFC 3261 Timer B).
const CANCEL_WAIT: std::time::Duration = std::time::Duration::from_secs(32);

/// Cancels the pending INVITE and waits for it to end.
///
/// ezk's `InviteInitiator::cancel` sends the CANCEL in a new transaction with a new Via
/// branch, which proxies cannot match to the INVITE (RFC 3261 9.1 wants the INVITE's branch),
/// so we build it here from the INVITE itself. Its own 200 needs no handling; what matters
/// is the INVITE's 487. A 200 that crossed the CANCEL is acknowledged and hung up.
async fn cancel(
    endpoint: &ezk_sip_core::Endpoint,
    mut initiator: Initiator,
    mut earlies: Vec<Early>,
) {
    let Some(mut request) = initiator.sent().map(cancel_for) else {
        return;
    };
    let unreliable = request.parts.transport.is_udp();
    let deadline = tokio::time::Instant::now() + CANCEL_WAIT;
    let mut resend = tokio::time::interval(std::time::Duration::from_millis(500));
    let mut sent = 0;
    loop {
        tokio::select! {
            _ = resend.tick(), if sent == 0 || (unreliable && sent < 7) => {
                sent += 1;
                if let Err(e) = endpoint.send_outgoing_request(&mut request).await {
                    tracing::debug!("sending CANCEL failed: {e}");
                }
            }
            response = initiator.receive() => match response {
                Ok(Response::Session(session, answer)) => return hang_up_crossed(session, answer).await,
                Ok(Response::Early(early, ..)) => earlies.push(early),
                Ok(Response::Provisional(_)) | Ok(Response::EarlyEvent) => {}
                Ok(Response::Failure(_)) | Ok(Response::Finished) | Err(_) => return,
            },
            early = next_early(&mut earlies), if !earlies.is_empty() => {
                if let Ok(EarlyResponse::Success(mut session, answer)) = early {
                    initiator.adopt(&mut session).await;
                    return hang_up_crossed(session, answer).await;
                }
            }
            _ = tokio::time::sleep_until(deadline) => return,
        }
    }
}

/// A CANCEL matching `invite`: same Request-URI, top Via, From, To, Call-ID, Route and
/// CSeq number (RFC 3261 9.1).
fn cancel_for(
    invite: &ezk_sip_core::transport::OutgoingRequest,
) -> ezk_sip_core::transport::OutgoingRequest {
    matching_request(invite, ezk_sip_types::Method::CANCEL, None)
}

/// A 200 arrived although we cancelled: acknowledge it and hang up at once.
async fn hang_up_crossed(mut session: InviteSession, answer: TsxResponse) {
    if let Ok(mut ack) = ack_for(&session.dialog, &answer).await {
        let _ = session.endpoint.send_outgoing_request(&mut ack).await;
    }
    let _ = session.terminate().await;
}

// One value at a time on the stack while the call is set up; boxing would buy nothing.
#[allow(clippy::large_enum_variant)]
enum Step {
    Initiator(Result<Response, ezk_sip_core::Error>),
    Early(Result<EarlyResponse, ezk_sip_core::Error>),
    Command(Option<CallCommand>),
}

/// The next response of any early dialog; earlies that finished are removed.
async fn next_early(earlies: &mut Vec<Early>) -> Result<EarlyResponse, ezk_sip_core::Error> {
    poll_fn(|cx| {
        for i in 0..earlies.len() {
            if let Poll::Ready(result) = earlies[i].poll_receive(cx) {
                if matches!(
                    result,
                    Ok(EarlyResponse::Terminated) | Ok(EarlyResponse::Success(..))
                ) {
                    earlies.remove(i);
                }
                return Poll::Ready(result);
            }
        }
        Poll::Pending
    })
    .await
}

async fn send_invite(
    initiator: &mut Initiator,
    call: &mut OutgoingCall,
    offer: &Bytes,
) -> Result<(), EndReason> {
    let auth = &mut call.auth;
    let mut invite = initiator.create_invite();
    if let Some(replaces) = &call.replaces {
        invite
            .headers
            .insert(ezk_sip_types::Name::from("Replaces"), replaces.clone());
        invite
            .headers
            .insert(ezk_sip_types::Name::REQUIRE, "replaces");
    }
    if let Some(referred_by) = &call.referred_by {
        invite.headers.insert(
            ezk_sip_types::Name::from("Referred-By"),
            format!("<{referred_by}>"),
        );
    }
    invite.headers.insert_named(&sdp_content_type());
    invite.body = offer.clone();
    auth.authorize(&mut invite.headers);
    initiator
        .send_invite(invite)
        .await
        .map_err(|e| EndReason::Error(format!("cannot send the INVITE: {e}")))
}

fn contact_for(call: &OutgoingCall, local: SocketAddr) -> Result<Contact, EndReason> {
    let transport = call
        .contact_transport
        .map(|t| format!(";transport={t}"))
        .unwrap_or_default();
    let text = format!("sip:{}@{local}{transport}", call.contact_user);
    let uri: SipUri = text
        .parse()
        .map_err(|_| EndReason::Error(format!("bad contact {text}")))?;
    Ok(Contact::new(NameAddr::uri(uri)))
}

/// What the provisional responses so far have told the caller.
#[derive(Default)]
struct Progress {
    /// Ringing was reported.
    rang: bool,
    /// Early media flows (a provisional response carried SDP).
    early_media: bool,
}

impl Progress {
    /// Any provisional response, with or without an early dialog, may say the far end rings
    /// and may carry early media: a 183 with SDP often follows a 180 on the same dialog.
    fn provisional(
        &mut self,
        response: &TsxResponse,
        local_sdp: &LocalSdp,
        media: &mut MediaSession,
        setup: &CallSetup,
        events: &EventSink,
    ) {
        if (180..=183).contains(&response.line.code.into_u16()) && !self.rang {
            self.rang = true;
            emit(events, CallEvent::Ringing);
        }
        if self.early_media {
            return;
        }
        let Some(answer) = sdp_body(&response.headers, &response.body) else {
            return;
        };
        match local_sdp.accept_answer(&answer) {
            Ok(params) => match media.start(params, setup.audio.clone()) {
                Ok(()) => self.early_media = true,
                Err(e) => emit(
                    events,
                    CallEvent::Notice(format!("early media failed: {e}")),
                ),
            },
            Err(e) => tracing::debug!("ignoring unusable early SDP: {e}"),
        }
    }
}

/// ACKs the 200, starts (or updates) media and runs the session.
#[allow(clippy::too_many_arguments)]
async fn establish(
    session: InviteSession,
    answer: TsxResponse,
    mut initiator: Initiator,
    mut media: MediaSession,
    media_started: bool,
    local_sdp: LocalSdp,
    commands: mpsc::UnboundedReceiver<CallCommand>,
    events: EventSink,
    setup: CallSetup,
) {
    let mut session = session;
    let ack = ack_for(&session.dialog, &answer).await;
    let mut ack = match ack {
        Ok(ack) => ack,
        Err(e) => {
            let _ = session.terminate().await;
            media.stop().await;
            emit(
                &events,
                CallEvent::Ended(EndReason::Error(format!("cannot build the ACK: {e}"))),
            );
            return;
        }
    };
    if let Err(e) = session.endpoint.send_outgoing_request(&mut ack).await {
        tracing::warn!("sending ACK failed: {e}");
    }
    initiator.set_acknowledge(&session, ack);
    // Keep answering retransmitted 200s with the ACK while the call runs.
    tokio::spawn(async move {
        while let Ok(response) = initiator.receive().await {
            match response {
                Response::Finished | Response::Failure(_) => break,
                Response::Session(mut other, _) => {
                    let _ = other.terminate().await;
                }
                Response::Early(early, ..) => initiator.dismiss(early),
                _ => {}
            }
        }
    });

    let params = sdp_body(&answer.headers, &answer.body)
        .ok_or_else(|| "the answer has no SDP".to_string())
        .and_then(|sdp| local_sdp.accept_answer(&sdp).map_err(|e| e.to_string()));
    let params = match params {
        Ok(params) => params,
        Err(e) => {
            let _ = session.terminate().await;
            media.stop().await;
            emit(&events, CallEvent::Ended(EndReason::Error(e)));
            return;
        }
    };
    let codec = params.codec;
    let started = if media_started {
        media.update(params);
        Ok(())
    } else {
        media.start(params, setup.audio.clone())
    };
    if let Err(e) = started {
        let _ = session.terminate().await;
        media.stop().await;
        emit(
            &events,
            CallEvent::Ended(EndReason::Error(format!("audio failed: {e}"))),
        );
        return;
    }
    let dialog = DialogId::of(&session.dialog);
    emit(&events, CallEvent::Answered { codec, dialog });
    session::run(session, media, local_sdp, commands, events, setup).await;
}
