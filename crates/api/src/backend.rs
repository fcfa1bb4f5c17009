//! The interface every front end drives the engine through.

use crate::contacts::*;
use crate::inbox::*;
use crate::model::*;
use crate::speech_models::*;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// The class of a failed request; the HTTP API maps it to a status code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The request itself is wrong (bad target, bad keys).
    BadRequest,
    /// The named call or account does not exist.
    NotFound,
    /// The request does not fit the current state (answer a call that is not ringing).
    Conflict,
    /// Something outside failed (network, server refused).
    Unavailable,
    /// A bug or an unexpected failure inside the engine.
    Internal,
}

/// A failed request: a class and a message for the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[error("{message}")]
pub struct ApiError {
    /// What kind of failure this is.
    pub kind: ErrorKind,
    /// What went wrong and, where possible, what to do about it.
    pub message: String,
}

impl ApiError {
    /// Builds an error of the given kind.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }
    /// Shorthand for [`ErrorKind::BadRequest`].
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::BadRequest, message)
    }
    /// Shorthand for [`ErrorKind::NotFound`].
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }
    /// Shorthand for [`ErrorKind::Conflict`].
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, message)
    }
    /// Shorthand for [`ErrorKind::Unavailable`].
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unavailable, message)
    }
    /// Shorthand for [`ErrorKind::Internal`].
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, message)
    }
}

/// The engine as the front ends see it.
///
/// The daemon's HTTP server and the desktop shell's IPC commands are thin adapters over this
/// trait, so both faces offer exactly the same operations. `call` arguments are call ids from
/// [`CallInfo::id`]; `None` picks the obvious call (the ringing one for `answer`, the only or
/// newest one otherwise).
#[async_trait]
pub trait Backend: Send + Sync + 'static {
    /// Accounts, listen addresses and the number of calls.
    async fn status(&self) -> Result<Status, ApiError>;
    /// Places a call and returns it in state `dialing`.
    async fn dial(&self, request: DialRequest) -> Result<CallInfo, ApiError>;
    /// Carries out a user's action on a call and returns the call as it was before.
    async fn act(&self, call: Option<String>, action: CallAction) -> Result<CallInfo, ApiError>;
    /// Answers an incoming call.
    async fn answer(&self, call: Option<String>) -> Result<CallInfo, ApiError> {
        self.act(call, CallAction::Answer).await
    }
    /// Hangs up, cancels or declines a call, whatever its state.
    async fn hangup(&self, call: Option<String>) -> Result<CallInfo, ApiError> {
        self.act(call, CallAction::Hangup).await
    }
    /// Transfers a call (blind, or announced with a consultation call first).
    async fn transfer(
        &self,
        call: Option<String>,
        request: TransferRequest,
    ) -> Result<CallInfo, ApiError>;
    /// Keypad input to a call: digits, `*` and `#`.
    async fn keys(&self, keys: String, call: Option<String>) -> Result<(), ApiError>;
    /// The busy-lamp panel: every watched extension of every account, in configuration order.
    async fn lamps(&self) -> Result<Vec<Lamp>, ApiError>;
    /// Calls that have not ended, oldest first.
    async fn calls(&self) -> Result<Vec<CallInfo>, ApiError>;
    /// The newest `limit` calls of the history, newest first.
    async fn history(&self, limit: usize) -> Result<Vec<HistoryEntry>, ApiError>;
    /// A stream of everything that happens from now on.
    fn subscribe(&self) -> tokio::sync::broadcast::Receiver<Event>;

    // The voicemail inbox. The default bodies answer `unavailable`, for front ends' test
    // doubles that have no inbox; the engine implements them all.

    /// Inbox entries matching `filter`, newest first.
    async fn inbox(&self, filter: InboxFilter) -> Result<Vec<InboxEntry>, ApiError> {
        let _ = filter;
        Err(no_inbox())
    }
    /// One message with its whole transcript; `not_found` for an unknown id.
    async fn voicemail(&self, id: i64) -> Result<VoicemailMessage, ApiError> {
        let _ = id;
        Err(no_inbox())
    }
    /// Marks a message read (`true`) or unread again, and returns its row after the change.
    async fn mark_read(&self, id: i64, read: bool) -> Result<InboxEntry, ApiError> {
        let _ = (id, read);
        Err(no_inbox())
    }
    /// Deletes a message and its recording.
    async fn delete_voicemail(&self, id: i64) -> Result<(), ApiError> {
        let _ = id;
        Err(no_inbox())
    }
    /// Writes the recording as WAV and the transcript as text into `dir` (absolute; created
    /// if missing).
    async fn export_voicemail(&self, id: i64, dir: PathBuf) -> Result<ExportedMessage, ApiError> {
        let _ = (id, dir);
        Err(no_inbox())
    }
    /// The absolute path of a message's recording (Ogg Opus), for serving it.
    async fn voicemail_audio(&self, id: i64) -> Result<PathBuf, ApiError> {
        let _ = id;
        Err(no_inbox())
    }
    /// Dashboard counts with days cut at local midnight (`utc_offset_minutes` = local time
    /// minus UTC), for one mailbox or all.
    async fn inbox_counts(
        &self,
        utc_offset_minutes: i32,
        mailbox: Option<String>,
    ) -> Result<InboxCounts, ApiError> {
        let _ = (utc_offset_minutes, mailbox);
        Err(no_inbox())
    }

    // The contact book callers are identified from. Default bodies as for the inbox.

    /// Contacts matching `filter`, by name.
    async fn contacts(&self, filter: ContactFilter) -> Result<Vec<ContactEntry>, ApiError> {
        let _ = filter;
        Err(no_contacts())
    }
    /// Imports a CSV or vCard file: new contacts are added, known ones (same name and
    /// company) updated; rows with problems are skipped and reported per line, the rest is
    /// imported. Callers are identified from the result at once.
    async fn import_contacts(
        &self,
        request: ContactImportRequest,
    ) -> Result<ContactImportResult, ApiError> {
        let _ = request;
        Err(no_contacts())
    }
    /// Deletes a contact; `not_found` for an unknown id.
    async fn delete_contact(&self, id: i64) -> Result<(), ApiError> {
        let _ = id;
        Err(no_contacts())
    }

    /// Whether do-not-disturb is on: the voicemail takes every call at once.
    async fn do_not_disturb(&self) -> Result<DoNotDisturb, ApiError> {
        Err(no_voicemail())
    }
    /// Switches do-not-disturb on or off (kept across restarts), tells every front end with
    /// [`Event::DoNotDisturb`] when it changed, and answers the state after the switch;
    /// `conflict` when the voicemail is off.
    async fn set_do_not_disturb(&self, on: bool) -> Result<DoNotDisturb, ApiError> {
        let _ = on;
        Err(no_voicemail())
    }

    // The Whisper speech models the voicemail transcribes with.

    /// The model catalogue, what is installed, and the model the voicemail uses.
    async fn speech_models(&self) -> Result<SpeechModels, ApiError> {
        Err(no_voicemail())
    }
    /// Starts installing a model in the background and answers its first progress; more
    /// follows as [`Event::ModelInstall`]. `conflict` while another install runs,
    /// `bad_request` for a name that cannot be a model.
    async fn install_speech_model(
        &self,
        request: ModelInstallRequest,
    ) -> Result<ModelInstallProgress, ApiError> {
        let _ = request;
        Err(no_voicemail())
    }
}

fn no_contacts() -> ApiError {
    ApiError::unavailable("this Frontdesk has no contact book")
}

fn no_voicemail() -> ApiError {
    ApiError::unavailable("this Frontdesk has no voicemail")
}

fn no_inbox() -> ApiError {
    ApiError::unavailable("this Frontdesk has no voicemail inbox")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_serialise_with_a_type_tag() {
        let event = Event::Dtmf {
            call_id: "c1".into(),
            digit: '5',
        };
        let json = serde_json::to_string(&event).unwrap();
        assert_eq!(json, r#"{"type":"dtmf","call_id":"c1","digit":"5"}"#);
        let back: Event = serde_json::from_str(&json).unwrap();
        assert_eq!(back, event);
    }

    #[test]
    fn do_not_disturb_is_an_object_and_an_event() {
        let json = serde_json::to_string(&Event::DoNotDisturb { on: true }).unwrap();
        assert_eq!(json, r#"{"type":"do_not_disturb","on":true}"#);
        let switch: DoNotDisturb = serde_json::from_str(r#"{"on":false}"#).unwrap();
        assert_eq!(switch, DoNotDisturb { on: false });
        let typo = serde_json::from_str::<DoNotDisturb>(r#"{"of":true}"#).unwrap_err();
        assert!(typo.to_string().contains("of"), "{typo}");
    }

    #[test]
    fn states_are_snake_case_strings() {
        assert_eq!(
            serde_json::to_string(&CallState::Active).unwrap(),
            r#""active""#
        );
        assert_eq!(
            serde_json::to_string(&RegistrationState::Registered).unwrap(),
            r#""registered""#
        );
    }
}
