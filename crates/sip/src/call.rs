//! Calls as tasks: one per call, owning its INVITE session and media, driven by commands.
//!
//! The engine starts a call with [`spawn_outgoing`] or [`spawn_incoming`], sends
//! [`CallCommand`]s through the returned [`CallHandle`] and receives [`CallEvent`]s. The task
//! always ends with exactly one [`CallEvent::Ended`], whatever happens.

mod in_dialog;
mod incoming;
mod initiator;
mod outgoing;
mod session;

use frontdesk_media::{AudioConfig, Codec, HoldMusic};
use std::sync::Arc;
use tokio::sync::mpsc;

pub use ezk_sip_types::uri::NameAddr;
pub use ezk_sip_types::StatusCode;
pub use in_dialog::{sipfrag_status, DialogId, Replaces};
pub use incoming::spawn_incoming;
pub use outgoing::{spawn_outgoing, OutgoingCall};

use crate::SipStack;

/// What every call needs from the engine.
#[derive(Clone)]
pub struct CallSetup {
    /// The endpoint.
    pub stack: Arc<SipStack>,
    /// Codecs in the user's preference order.
    pub codecs: Vec<Codec>,
    /// Where this call's audio comes from and goes to.
    pub audio: AudioConfig,
    /// What the far end hears while we hold the call; silence when `None`.
    pub hold_music: Option<Arc<HoldMusic>>,
    /// How keypad digits are sent.
    pub dtmf: DtmfMode,
}

/// How a call sends keypad digits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DtmfMode {
    /// RFC 4733 telephone-events in the media, falling back to SIP INFO when the far end did
    /// not negotiate them.
    #[default]
    Rfc4733,
    /// SIP INFO with `application/dtmf-relay`, for servers that ignore RFC 4733.
    Info,
}

/// What the engine asks a call to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallCommand {
    /// Answer a ringing incoming call.
    Answer,
    /// Answer a ringing incoming call with other audio than the call was set up with: the
    /// voicemail answers with [`AudioConfig::Program`].
    AnswerWith(AudioConfig),
    /// Hang up, cancel or decline (with 603), whatever fits the state.
    Hangup,
    /// Decline a ringing incoming call with this status (486 busy, 603 decline).
    Decline(u16),
    /// Send a keypad digit to the far end (RFC 4733 or INFO, see [`DtmfMode`]).
    Dtmf(char),
    /// Put the far end on hold (re-INVITE with `sendonly`), with music if configured.
    Hold,
    /// Take the far end off hold.
    Resume,
    /// Stop or restart sending the microphone.
    Mute(bool),
    /// Ask the far end to call `refer_to` (REFER): a blind transfer, or an attended one when
    /// the URI carries `?Replaces=`. Progress comes back as [`CallEvent::Transfer`].
    Refer {
        /// The Refer-To URI.
        refer_to: String,
        /// Our identity for `Referred-By`.
        referred_by: String,
    },
    /// Report how the call we placed for the far end's REFER is going (a NOTIFY with this
    /// status); a final status (>= 200) ends the call on success.
    ReferProgress(u16),
}

/// What a call reports.
#[derive(Debug, Clone, PartialEq)]
pub enum CallEvent {
    /// The far end is ringing (180/183).
    Ringing,
    /// Our INVITE has an early dialog (a provisional answer with a tag): an INVITE with
    /// `Replaces` may take it over, as a colleague's directed pickup does (RFC 3891 3).
    EarlyDialog(DialogId),
    /// The call is answered and media flows with this codec.
    Answered {
        /// The negotiated codec.
        codec: Codec,
        /// The dialog, for transfers with `Replaces` and for matching pickups.
        dialog: DialogId,
    },
    /// The hold state changed: `local` when we hold the far end, `remote` when they hold us.
    Hold {
        /// We put the far end on hold.
        local: bool,
        /// The far end put us on hold.
        remote: bool,
    },
    /// How a REFER we sent is going.
    Transfer(TransferProgress),
    /// The far end asks us to call `refer_to` (it transfers us). The engine places that call
    /// and reports back with [`CallCommand::ReferProgress`].
    Referred {
        /// The target, possibly with `?Replaces=`.
        refer_to: String,
        /// Who asked, when they said.
        referred_by: Option<String>,
    },
    /// The far end pressed a key.
    Dtmf(char),
    /// Something the user should know that does not end the call.
    Notice(String),
    /// The call is over; always the last event.
    Ended(EndReason),
}

/// What became of a REFER we sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransferProgress {
    /// The far end accepted the REFER (202) and is calling the target.
    Accepted,
    /// A NOTIFY reported this status of the far end's call to the target (1xx progress; 2xx
    /// success; 3xx-6xx failure).
    Status(u16),
    /// The REFER itself was refused or got no answer; `code` when the far end answered.
    Refused {
        /// The status of the REFER's answer, if any.
        code: Option<u16>,
        /// Why, in words.
        reason: String,
    },
}

/// How a call ended, as recorded in the history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndReason {
    /// We hung up an answered call.
    LocalHangup,
    /// The far end hung up.
    RemoteHangup,
    /// The caller gave up before answer, or we cancelled our own call.
    Cancelled,
    /// The call was transferred to someone else and we left it.
    Transferred,
    /// The call was declined (603, or by us).
    Declined,
    /// The far end is busy (486/600).
    Busy,
    /// Nobody answered (408/480/487 from a timeout).
    NoAnswer,
    /// Any other final failure status.
    Failed(u16),
    /// A local or network error.
    Error(String),
}

impl EndReason {
    /// The stable string used in the history and the API.
    pub fn as_str(&self) -> String {
        match self {
            EndReason::LocalHangup => "local_hangup".into(),
            EndReason::Transferred => "transferred".into(),
            EndReason::RemoteHangup => "remote_hangup".into(),
            EndReason::Cancelled => "cancelled".into(),
            EndReason::Declined => "declined".into(),
            EndReason::Busy => "busy".into(),
            EndReason::NoAnswer => "no_answer".into(),
            EndReason::Failed(code) => format!("failed:{code}"),
            EndReason::Error(_) => "error".into(),
        }
    }

    /// Maps a final failure status of our INVITE.
    pub fn from_status(code: u16) -> Self {
        match code {
            486 | 600 => EndReason::Busy,
            603 => EndReason::Declined,
            408 | 480 => EndReason::NoAnswer,
            487 => EndReason::Cancelled,
            other => EndReason::Failed(other),
        }
    }
}

/// The engine's grip on a running call.
#[derive(Clone)]
pub struct CallHandle {
    commands: mpsc::UnboundedSender<CallCommand>,
}

/// The call has already ended.
#[derive(Debug, thiserror::Error)]
#[error("the call has ended")]
pub struct CallGone;

impl CallHandle {
    /// Sends a command; fails only when the call is over.
    pub fn send(&self, command: CallCommand) -> Result<(), CallGone> {
        self.commands.send(command).map_err(|_| CallGone)
    }
}

/// The SDP offer in a request, if it carries one.
pub(crate) fn sdp_offer_of(request: &ezk_sip_core::IncomingRequest) -> Option<String> {
    session::sdp_body(&request.headers, &request.body)
}

/// The sending half of a call's events.
pub type EventSink = mpsc::UnboundedSender<CallEvent>;

fn emit(events: &EventSink, event: CallEvent) {
    // The engine may have stopped listening during shutdown; the call ends anyway.
    let _ = events.send(event);
}
