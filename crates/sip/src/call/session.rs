//! An established call: BYE either way, re-INVITEs both ways (hold), session refreshes, DTMF,
//! transfers (REFER both ways), media events.

use super::in_dialog::{self, CallUsage, DialogRef, InDialogRequest};
use super::{
    emit, CallCommand, CallEvent, CallSetup, DtmfMode, EndReason, EventSink, TransferProgress,
};
use crate::sdp::LocalSdp;
use bytes::Bytes;
use ezk_sip_types::header::typed::ContentType;
use ezk_sip_types::StatusCode;
use ezk_sip_ua::invite::session::{InviteSession, InviteSessionEvent};
use frontdesk_media::{Direction, MediaEvent, MediaParams, MediaSession, Outgoing};
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
    session: InviteSession,
    media: MediaSession,
    local_sdp: LocalSdp,
    commands: mpsc::UnboundedReceiver<CallCommand>,
    events: EventSink,
    setup: CallSetup,
) {
    let (requests_tx, requests) = mpsc::unbounded_channel();
    let (internal_tx, internal) = mpsc::unbounded_channel();
    let usage = session.dialog.register_usage(CallUsage {
        requests: requests_tx,
        dialog: session.dialog.clone(),
    });
    let mut call = Established {
        session,
        media,
        local_sdp,
        events,
        setup,
        held: false,
        hold_wanted: false,
        hold_asked: None,
        remote_held: false,
        refer_sent: false,
        refer_received: false,
        infos: None,
        internal: internal_tx,
    };
    let reason = call.run(commands, requests, internal).await;
    drop(usage);
    call.media.stop().await;
    emit(&call.events, CallEvent::Ended(reason));
}

/// An answered call and what it knows about itself.
struct Established {
    session: InviteSession,
    media: MediaSession,
    local_sdp: LocalSdp,
    events: EventSink,
    setup: CallSetup,
    /// We hold the far end (it agreed).
    held: bool,
    /// What the user last asked for: hold (`true`) or resume.
    hold_wanted: bool,
    /// The hold state our re-INVITE under way offers; while it runs, the call goes on (a
    /// hang-up is never kept waiting for the far end's answer).
    hold_asked: Option<bool>,
    /// The far end holds us.
    remote_held: bool,
    /// A REFER of ours is under way: NOTIFYs report its progress.
    refer_sent: bool,
    /// We act on the far end's REFER: a final success ends this call.
    refer_received: bool,
    /// Queue of keys going out as SIP INFO, once the first one is sent.
    infos: Option<mpsc::UnboundedSender<char>>,
    /// Answers of requests running in their own tasks.
    internal: mpsc::UnboundedSender<Internal>,
}

/// How long we wait for the transferor to take our last NOTIFY before leaving the call.
const FINAL_NOTIFY_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// What a request running in its own task reports back to the call.
enum Internal {
    /// The far end answered our REFER.
    ReferAnswered(Result<(), in_dialog::InDialogError>),
    /// Our re-INVITE asking for `hold` is over: the SDP state and media of the answer, or why
    /// not.
    HoldAnswered {
        hold: bool,
        result: Result<(LocalSdp, MediaParams), in_dialog::InDialogError>,
    },
}

/// What ends the loop: the reason the call is over.
type Outcome = std::ops::ControlFlow<EndReason>;

impl Established {
    async fn run(
        &mut self,
        mut commands: mpsc::UnboundedReceiver<CallCommand>,
        mut requests: mpsc::UnboundedReceiver<InDialogRequest>,
        mut internal: mpsc::UnboundedReceiver<Internal>,
    ) -> EndReason {
        let mut media_events = self.media.events();
        loop {
            let outcome = tokio::select! {
                command = commands.recv() => self.on_command(command).await,
                event = self.session.run() => self.on_session_event(event).await,
                Some(request) = requests.recv() => self.on_request(request),
                Some(report) = internal.recv() => self.on_internal(report),
                media_event = media_events.recv() => {
                    match media_event {
                        Ok(event) => self.on_media_event(event),
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => {
                            media_events = self.media.events();
                            tokio::task::yield_now().await;
                        }
                    }
                    Outcome::Continue(())
                }
            };
            if let Outcome::Break(reason) = outcome {
                return reason;
            }
        }
    }

    fn emit(&self, event: CallEvent) {
        emit(&self.events, event);
    }

    fn notice(&self, text: String) {
        self.emit(CallEvent::Notice(text));
    }

    async fn hang_up(&mut self) {
        if let Err(e) = self.session.terminate().await {
            tracing::debug!("BYE got no clean answer: {e}");
        }
    }

    async fn on_command(&mut self, command: Option<CallCommand>) -> Outcome {
        match command {
            Some(CallCommand::Hangup) | Some(CallCommand::Decline(_)) | None => {
                self.hang_up().await;
                return Outcome::Break(EndReason::LocalHangup);
            }
            Some(CallCommand::Dtmf(digit)) => self.send_dtmf(digit).await,
            Some(CallCommand::Hold) => self.want_hold(true),
            Some(CallCommand::Resume) => self.want_hold(false),
            Some(CallCommand::Mute(muted)) => {
                if !self.held {
                    self.media.set_outgoing(if muted {
                        Outgoing::Silence
                    } else {
                        Outgoing::Microphone
                    });
                }
            }
            Some(CallCommand::Refer {
                refer_to,
                referred_by,
            }) => {
                // NOTIFYs may overtake the 202 (RFC 3515), so they count from now on.
                self.refer_sent = true;
                let dialog = DialogRef::of(&self.session);
                let done = self.internal.clone();
                tokio::spawn(async move {
                    let result = in_dialog::refer(&dialog, &refer_to, &referred_by).await;
                    let _ = done.send(Internal::ReferAnswered(result));
                });
            }
            Some(CallCommand::ReferProgress(code)) => {
                let last = code >= 200;
                let reason = StatusCode::from(code)
                    .text()
                    .unwrap_or("Progress")
                    .to_string();
                let dialog = DialogRef::of(&self.session);
                let notify = async move {
                    if let Err(e) =
                        in_dialog::notify_refer_progress(&dialog, code, &reason, last).await
                    {
                        tracing::debug!("the transferor did not take our NOTIFY: {e}");
                    }
                };
                if last {
                    // The final report goes out before we leave the call (bounded wait).
                    let _ = tokio::time::timeout(FINAL_NOTIFY_WAIT, notify).await;
                } else {
                    tokio::spawn(notify);
                }
                if last && (200..300).contains(&code) && self.refer_received {
                    self.hang_up().await;
                    return Outcome::Break(EndReason::Transferred);
                }
                if last {
                    self.refer_received = false;
                }
            }
            Some(CallCommand::Answer | CallCommand::AnswerWith(_)) => {}
        }
        Outcome::Continue(())
    }

    /// RFC 4733 in the media, or SIP INFO when the account asks for it. INFOs go out one
    /// after the other in their own task, so the call never waits for their answers.
    async fn send_dtmf(&mut self, digit: char) {
        if self.setup.dtmf != DtmfMode::Info {
            if let Err(e) = self.media.send_dtmf(digit) {
                self.notice(format!("cannot send key {digit}: {e}"));
            }
            return;
        }
        let infos = self.infos.get_or_insert_with(|| {
            let (tx, mut rx) = mpsc::unbounded_channel::<char>();
            let dialog = DialogRef::of(&self.session);
            let events = self.events.clone();
            tokio::spawn(async move {
                while let Some(digit) = rx.recv().await {
                    if let Err(e) = in_dialog::info_dtmf(&dialog, digit).await {
                        emit(
                            &events,
                            CallEvent::Notice(format!("cannot send key {digit}: {e}")),
                        );
                    }
                }
            });
            tx
        });
        let _ = infos.send(digit);
    }

    /// Holds or resumes the far end with a re-INVITE; the state changes only once the far end
    /// agreed, so a refused hold leaves the call as it was. While one re-INVITE runs, a second
    /// wish waits for it: the last one wins.
    fn want_hold(&mut self, hold: bool) {
        self.hold_wanted = hold;
        if self.hold_asked.is_none() {
            if self.held == hold {
                self.emit_hold();
            } else {
                self.ask_hold(hold);
            }
        }
    }

    /// Sends the re-INVITE for `hold` in its own task; [`Internal::HoldAnswered`] reports back.
    fn ask_hold(&mut self, hold: bool) {
        self.hold_asked = Some(hold);
        let direction = if hold {
            Direction::SendOnly
        } else {
            Direction::SendRecv
        };
        let dialog = DialogRef::of(&self.session);
        let mut local_sdp = self.local_sdp.clone();
        let done = self.internal.clone();
        tokio::spawn(async move {
            let result = in_dialog::reinvite(&dialog, &mut local_sdp, direction)
                .await
                .map(|params| (local_sdp, params));
            let _ = done.send(Internal::HoldAnswered { hold, result });
        });
    }

    /// The far end's answer to our hold or resume.
    fn on_hold_answered(
        &mut self,
        hold: bool,
        result: Result<(LocalSdp, MediaParams), in_dialog::InDialogError>,
    ) {
        self.hold_asked = None;
        match result {
            Ok((local_sdp, params)) => {
                self.local_sdp = local_sdp;
                self.remote_held =
                    matches!(params.direction, Direction::RecvOnly | Direction::Inactive) && !hold;
                self.media.update(params);
                self.held = hold;
                self.media
                    .set_outgoing(match (&self.setup.hold_music, hold) {
                        (Some(music), true) => Outgoing::Music(music.clone()),
                        (None, true) => Outgoing::Silence,
                        (_, false) => Outgoing::Microphone,
                    });
            }
            Err(e) => {
                let what = if hold { "hold" } else { "resume" };
                self.notice(format!("could not {what} the call: {e}"));
                // A refused wish is not tried again on its own.
                self.hold_wanted = self.held;
            }
        }
        if self.hold_wanted != self.held {
            self.ask_hold(self.hold_wanted);
        } else {
            self.emit_hold();
        }
    }

    fn emit_hold(&self) {
        self.emit(CallEvent::Hold {
            local: self.held,
            remote: self.remote_held,
        });
    }

    async fn on_session_event(
        &mut self,
        event: Result<InviteSessionEvent, ezk_sip_core::Error>,
    ) -> Outcome {
        match event {
            Ok(InviteSessionEvent::Bye(bye)) => {
                if let Err(e) = self.session.handle_bye(bye).await {
                    tracing::debug!("could not answer BYE: {e}");
                }
                let reason = if self.refer_sent {
                    // The transferee left after our REFER: the transfer went through.
                    EndReason::Transferred
                } else {
                    EndReason::RemoteHangup
                };
                return Outcome::Break(reason);
            }
            Ok(InviteSessionEvent::Terminated) => return Outcome::Break(EndReason::RemoteHangup),
            Ok(InviteSessionEvent::RefreshNeeded) => {
                if let Err(e) = self.session.refresh().await {
                    tracing::warn!("session refresh failed: {e}");
                }
            }
            Ok(InviteSessionEvent::ReInviteReceived(reinvite)) if self.hold_asked.is_some() => {
                // Both sides re-INVITE at once: ours goes on, the far end tries again later
                // (RFC 3261 14.2).
                let response = self.session.dialog.create_response(
                    &reinvite.invite,
                    StatusCode::REQUEST_PENDING,
                    None,
                );
                if let Ok(response) = response {
                    let _ = reinvite.transaction.respond_failure(response).await;
                }
            }
            Ok(InviteSessionEvent::ReInviteReceived(reinvite)) => {
                let before = self.remote_held;
                if let Some(remote_held) = answer_reinvite(
                    &mut self.session,
                    &mut self.media,
                    &mut self.local_sdp,
                    reinvite,
                    &self.events,
                )
                .await
                {
                    self.remote_held = remote_held;
                }
                if before != self.remote_held {
                    self.emit_hold();
                }
            }
            Ok(InviteSessionEvent::Notify(notify)) => {
                if self.refer_sent {
                    if let Some(code) = in_dialog::sipfrag_status(&notify.body) {
                        self.emit(CallEvent::Transfer(TransferProgress::Status(code)));
                        if (200..300).contains(&code) {
                            // The far end reached the target: our part is done.
                            self.hang_up().await;
                            return Outcome::Break(EndReason::Transferred);
                        }
                        if code >= 300 {
                            self.refer_sent = false;
                        }
                    } else if in_dialog::ends_subscription(&notify) {
                        self.refer_sent = false;
                    }
                }
            }
            Err(e) => return Outcome::Break(EndReason::Error(format!("SIP error: {e}"))),
        }
        Outcome::Continue(())
    }

    fn on_internal(&mut self, report: Internal) -> Outcome {
        match report {
            Internal::ReferAnswered(Ok(())) => {
                self.emit(CallEvent::Transfer(TransferProgress::Accepted))
            }
            Internal::HoldAnswered { hold, result } => self.on_hold_answered(hold, result),
            Internal::ReferAnswered(Err(e)) => {
                self.refer_sent = false;
                self.emit(CallEvent::Transfer(TransferProgress::Refused {
                    code: e.code(),
                    reason: e.to_string(),
                }));
            }
        }
        Outcome::Continue(())
    }

    fn on_request(&mut self, request: InDialogRequest) -> Outcome {
        match request {
            InDialogRequest::Dtmf(digit) => self.emit(CallEvent::Dtmf(digit)),
            InDialogRequest::Refer {
                refer_to,
                referred_by,
            } => {
                self.refer_received = true;
                self.emit(CallEvent::Referred {
                    refer_to,
                    referred_by,
                });
            }
        }
        Outcome::Continue(())
    }

    fn on_media_event(&mut self, event: MediaEvent) {
        match event {
            MediaEvent::DtmfReceived(digit) => self.emit(CallEvent::Dtmf(digit)),
            other => {
                if let Some(notice) = notice_for(&other) {
                    self.notice(notice);
                }
            }
        }
    }
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
///
/// Returns whether the far end now holds us (it offered sendonly or inactive), when the
/// offer was accepted.
async fn answer_reinvite(
    session: &mut InviteSession,
    media: &mut MediaSession,
    local_sdp: &mut LocalSdp,
    reinvite: ezk_sip_ua::invite::session::ReInviteReceived,
    events: &EventSink,
) -> Option<bool> {
    let offer = sdp_body(&reinvite.invite.headers, &reinvite.invite.body);
    let mut remote_held = None;
    let answered = match offer.as_deref().map(|offer| local_sdp.answer(offer)) {
        Some(Ok((answer, params))) => {
            remote_held = Some(matches!(
                params.direction,
                Direction::RecvOnly | Direction::Inactive
            ));
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
            return None;
        }
        // An offerless re-INVITE: we offer, the answer comes in the ACK.
        None => Some(local_sdp.offer(frontdesk_media::Direction::SendRecv)),
    };
    let Ok(mut response) = session
        .dialog
        .create_response(&reinvite.invite, StatusCode::OK, None)
    else {
        return None;
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
    remote_held
}
