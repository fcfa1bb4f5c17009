//! An established call: BYE either way, re-INVITEs, session refreshes, DTMF, media events.

use super::{emit, CallCommand, CallEvent, EndReason, EventSink};
use crate::sdp::LocalSdp;
use bytes::Bytes;
use ezk_sip_types::header::typed::ContentType;
use ezk_sip_types::StatusCode;
use ezk_sip_ua::invite::session::{InviteSession, InviteSessionEvent};
use frontdesk_media::{MediaEvent, MediaSession};
use tokio::sync::mpsc;

/// `Content-Type: application/sdp`.
pub(super) fn sdp_content_type() -> ContentType {
    ContentType(bytesstr::BytesStr::from_static("application/sdp"))
}

/// The body of a message as text, when it is SDP.
pub(super) fn sdp_body(headers: &ezk_sip_types::Headers, body: &Bytes) -> Option<String> {
    let is_sdp = headers
        .get_named::<ContentType>()
        .is_ok_and(|ct| ct.0.eq_ignore_ascii_case("application/sdp"));
    (is_sdp && !body.is_empty()).then(|| String::from_utf8_lossy(body).into_owned())
}

/// Runs an answered call until either side ends it.
pub(super) async fn run(
    mut session: InviteSession,
    mut media: MediaSession,
    mut local_sdp: LocalSdp,
    mut commands: mpsc::UnboundedReceiver<CallCommand>,
    events: EventSink,
) {
    let mut media_events = media.events();
    let reason = loop {
        tokio::select! {
            command = commands.recv() => match command {
                Some(CallCommand::Hangup) | Some(CallCommand::Decline(_)) | None => {
                    if let Err(e) = session.terminate().await {
                        tracing::debug!("BYE got no clean answer: {e}");
                    }
                    break EndReason::LocalHangup;
                }
                Some(CallCommand::Dtmf(digit)) => {
                    if let Err(e) = media.send_dtmf(digit) {
                        emit(&events, CallEvent::Notice(format!("cannot send key {digit}: {e}")));
                    }
                }
                Some(CallCommand::Answer) => {}
            },
            event = session.run() => match event {
                Ok(InviteSessionEvent::Bye(bye)) => {
                    if let Err(e) = session.handle_bye(bye).await {
                        tracing::debug!("could not answer BYE: {e}");
                    }
                    break EndReason::RemoteHangup;
                }
                Ok(InviteSessionEvent::Terminated) => break EndReason::RemoteHangup,
                Ok(InviteSessionEvent::RefreshNeeded) => {
                    if let Err(e) = session.refresh().await {
                        tracing::warn!("session refresh failed: {e}");
                    }
                }
                Ok(InviteSessionEvent::ReInviteReceived(reinvite)) => {
                    answer_reinvite(&mut session, &mut media, &mut local_sdp, reinvite, &events).await;
                }
                Ok(InviteSessionEvent::Notify(_)) => {}
                Err(e) => break EndReason::Error(format!("SIP error: {e}")),
            },
            media_event = media_events.recv() => match media_event {
                Ok(MediaEvent::DtmfReceived(digit)) => emit(&events, CallEvent::Dtmf(digit)),
                Ok(other) => {
                    if let Some(notice) = notice_for(&other) {
                        emit(&events, CallEvent::Notice(notice));
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => {
                    media_events = media.events();
                    tokio::task::yield_now().await;
                }
            },
        }
    };
    media.stop().await;
    emit(&events, CallEvent::Ended(reason));
}

/// The media events a user should hear about.
fn notice_for(event: &MediaEvent) -> Option<String> {
    match event {
        MediaEvent::AudioDeviceFallback {
            direction,
            requested,
            used,
            reason,
        } => Some(format!(
            "audio {direction} {} failed ({reason}); using {used}",
            requested.as_deref().unwrap_or("default device")
        )),
        MediaEvent::AudioDeviceError(message) => Some(format!("audio device error: {message}")),
        MediaEvent::RecordingError(message) => Some(format!("recording failed: {message}")),
        _ => None,
    }
}

/// Answers a re-INVITE from the far end (hold, resume, new address or codec).
async fn answer_reinvite(
    session: &mut InviteSession,
    media: &mut MediaSession,
    local_sdp: &mut LocalSdp,
    reinvite: ezk_sip_ua::invite::session::ReInviteReceived,
    events: &EventSink,
) {
    let offer = sdp_body(&reinvite.invite.headers, &reinvite.invite.body);
    let answered = match offer.as_deref().map(|offer| local_sdp.answer(offer)) {
        Some(Ok((answer, params))) => {
            media.update(params);
            Some(answer)
        }
        Some(Err(e)) => {
            let response = session.dialog.create_response(
                &reinvite.invite,
                StatusCode::NOT_ACCEPTABLE_HERE,
                None,
            );
            if let Ok(response) = response {
                let _ = reinvite.transaction.respond_failure(response).await;
            }
            emit(
                events,
                CallEvent::Notice(format!("refused a change of the call's media: {e}")),
            );
            return;
        }
        // An offerless re-INVITE: we offer, the answer comes in the ACK.
        None => Some(local_sdp.offer(frontdesk_media::Direction::SendRecv)),
    };
    let Ok(mut response) = session
        .dialog
        .create_response(&reinvite.invite, StatusCode::OK, None)
    else {
        return;
    };
    if let Some(body) = answered {
        response.msg.headers.insert_named(&sdp_content_type());
        response.msg.body = Bytes::from(body);
    }
    match session.handle_reinvite_success(reinvite, response).await {
        Ok(ack) => {
            if let Some(answer) = sdp_body(&ack.headers, &ack.body) {
                match local_sdp.accept_answer(&answer) {
                    Ok(params) => media.update(params),
                    Err(e) => tracing::warn!("unusable SDP in ACK: {e}"),
                }
            }
        }
        Err(e) => tracing::warn!("re-INVITE was not acknowledged: {e}"),
    }
}
