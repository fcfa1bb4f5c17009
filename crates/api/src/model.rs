//! Plain data exchanged between the engine and its front ends.

use serde::{Deserialize, Serialize};

/// Milliseconds since the Unix epoch; the one time format of the API.
pub type UnixMillis = i64;

/// A snapshot of the whole engine, answered by `ctl status`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Status {
    /// Version of the engine that answers, e.g. `0.1.0`.
    pub version: String,
    /// Local SIP listen addresses with their transport, e.g. `udp:0.0.0.0:5060`.
    pub listening: Vec<String>,
    /// One entry per configured account, in configuration order.
    pub accounts: Vec<AccountStatus>,
    /// Number of calls that have not ended.
    pub active_calls: usize,
    /// Do not disturb: the voicemail takes every call at once (see [`DoNotDisturb`]).
    pub do_not_disturb: bool,
}

/// The do-not-disturb switch, as `GET /api/v1/dnd` answers and `PUT /api/v1/dnd` takes it.
///
/// On, the voicemail takes every incoming call at once (and any call ringing when it is
/// switched on). It is kept across restarts; `[voicemail] do_not_disturb` in the config file is
/// only the state before the user first switches it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct DoNotDisturb {
    /// Whether do-not-disturb is on.
    pub on: bool,
}

/// How far an account's registration has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum RegistrationState {
    /// The account is configured with `register = false`.
    Disabled,
    /// A REGISTER is under way (first attempt or a retry).
    Registering,
    /// The registrar accepted the binding.
    Registered,
    /// The last attempt failed; `reason` says why and a retry is scheduled.
    Failed,
    /// The binding was removed (clean shutdown).
    Unregistered,
}

/// One account and its registration, as shown in the accounts panel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AccountStatus {
    /// The account's configured name.
    pub name: String,
    /// Address of record, e.g. `sip:101@pbx.example.com`.
    pub aor: String,
    /// `udp`, `tcp` or `tls`.
    pub transport: String,
    /// Current registration state.
    pub state: RegistrationState,
    /// Why the last attempt failed, in words a user can act on.
    pub reason: Option<String>,
    /// When the state last changed.
    pub since: UnixMillis,
}

/// Which side started a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum CallDirection {
    /// The far end called us.
    Incoming,
    /// We called the far end.
    Outgoing,
}

/// Where a call stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum CallState {
    /// Outgoing INVITE sent, no answer from the far end yet.
    Dialing,
    /// Outgoing call is ringing at the far end (180/183).
    Ringing,
    /// Incoming call waits for `answer` or `hangup`.
    Incoming,
    /// Answered; media flows.
    Active,
    /// Finished; `end_reason` says how.
    Ended,
}

/// A live call, as listed by `ctl calls`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CallInfo {
    /// Engine-local id used by `answer`, `hangup` and `keys` (e.g. `c3`).
    pub id: String,
    /// The account the call belongs to; `None` for direct calls.
    pub account: Option<String>,
    /// Who started the call.
    pub direction: CallDirection,
    /// Current state.
    pub state: CallState,
    /// The far end's SIP URI.
    pub remote_uri: String,
    /// The user part of the far end's URI (extension or number).
    pub remote_number: String,
    /// `remote_number` as a person reads it, from the account's dial plan: national format
    /// for numbers at home (`030 123456`), international abroad (`+44 20 7946 0958`),
    /// extensions as they are.
    pub remote_display: String,
    /// The far end's display name, when it sent one.
    pub remote_name: Option<String>,
    /// Negotiated audio codec, once known (e.g. `opus`, `PCMU`).
    pub codec: Option<String>,
    /// When the call was created.
    pub started_at: UnixMillis,
    /// When it was answered.
    pub answered_at: Option<UnixMillis>,
    /// When it ended.
    pub ended_at: Option<UnixMillis>,
    /// Stable reason string once ended: `local_hangup`, `remote_hangup`, `transferred`,
    /// `cancelled`, `declined`, `busy`, `no_answer`, `failed:<sip code>`, `error`.
    pub end_reason: Option<String>,
    /// We put the far end on hold (they hear music).
    pub on_hold: bool,
    /// The far end put us on hold.
    pub held_by_remote: bool,
    /// Our microphone is muted on this call.
    pub muted: bool,
    /// Keys go to the far end as DTMF, codes included (`keys_as_dtmf`).
    pub keys_as_dtmf: bool,
    /// The other call of an announced transfer: on the caller's call, the consultation with
    /// the colleague; on the consultation, the waiting caller.
    pub linked_call: Option<String>,
    /// Grows with every change of the call. Front ends get snapshots both as answers to
    /// their actions and as events, which may arrive in either order: they keep the one
    /// with the higher revision.
    pub revision: u32,
}

/// One row of the call history, as listed by `ctl history`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct HistoryEntry {
    /// Row id in the history.
    pub id: i64,
    /// Who started the call.
    pub direction: CallDirection,
    /// The account used, `None` for direct calls.
    pub account: Option<String>,
    /// The far end's SIP URI.
    pub remote_uri: String,
    /// The user part of the far end's URI.
    pub remote_number: String,
    /// `remote_number` as a person reads it (see [`CallInfo::remote_display`]).
    pub remote_display: String,
    /// The far end's display name, when known.
    pub remote_name: Option<String>,
    /// When the call was created.
    pub started_at: UnixMillis,
    /// When it was answered, if it was.
    pub answered_at: Option<UnixMillis>,
    /// When it ended.
    pub ended_at: Option<UnixMillis>,
    /// Talk time in whole seconds (answer to end); 0 when never answered.
    pub duration_seconds: i64,
    /// How the call ended (see [`CallInfo::end_reason`]).
    pub end_reason: Option<String>,
}

/// What a user can do to one call: `POST /api/v1/calls/{id}/{action}`, `ctl <action>`.
///
/// One enum rather than one API method per button, so every face (HTTP, CLI, desktop IPC)
/// offers the same set and a new action is added in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum CallAction {
    /// Answer a ringing incoming call.
    Answer,
    /// Hang up, cancel or decline (603), whatever fits the state.
    Hangup,
    /// Decline a ringing incoming call with 603 Decline.
    Decline,
    /// Decline a ringing incoming call as busy (486 Busy Here), e.g. so the caller's
    /// server offers its own voicemail or busy treatment.
    Busy,
    /// Put the far end on hold, with music.
    Hold,
    /// Take the far end off hold.
    Resume,
    /// Stop sending our microphone.
    Mute,
    /// Send our microphone again.
    Unmute,
    /// Send every key as DTMF, codes included (for a remote menu that wants `*` and `#`).
    KeysAsDtmf,
    /// Read keypad codes again (the default).
    KeyCodes,
}

impl CallAction {
    /// The action's name in paths and on the command line, e.g. `busy`.
    pub fn as_str(self) -> &'static str {
        match self {
            CallAction::Answer => "answer",
            CallAction::Hangup => "hangup",
            CallAction::Decline => "decline",
            CallAction::Busy => "busy",
            CallAction::Hold => "hold",
            CallAction::Resume => "resume",
            CallAction::Mute => "mute",
            CallAction::Unmute => "unmute",
            CallAction::KeysAsDtmf => "keys_as_dtmf",
            CallAction::KeyCodes => "key_codes",
        }
    }
}

/// What a busy lamp shows for a colleague's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum LampState {
    /// Not known yet, or the server refused or does not answer (see `problem`).
    Unknown,
    /// No call.
    Idle,
    /// A call rings there and can be picked up (`*8` + extension).
    Ringing,
    /// On the phone.
    Busy,
}

/// One lamp of the busy-lamp panel, as listed by `ctl blf`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Lamp {
    /// The account whose server is watched.
    pub account: String,
    /// The colleague's extension as configured (`blf = [...]`).
    pub extension: String,
    /// What the lamp shows.
    pub state: LampState,
    /// Who is calling, while it rings (display name or number).
    pub caller: Option<String>,
    /// Why the lamp is unknown, in words a user can act on.
    pub problem: Option<String>,
    /// When the state last changed.
    pub since: UnixMillis,
}

/// What `ctl transfer` asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TransferRequest {
    /// The colleague or number to transfer to, as for `dial`.
    pub target: String,
    /// `true`: announced transfer — the caller waits on hold while we talk to the target, and
    /// hanging up that consultation hands the caller over. `false`: blind transfer at once.
    pub attended: bool,
}

/// What `ctl dial` asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DialRequest {
    /// An extension (`101`), a phone number (`+49 30 1234`) or a `sip:` URI.
    pub target: String,
    /// The account to call from; the first registered account when `None`.
    pub account: Option<String>,
}

/// Something that happened in the engine, pushed to `ctl events` and the UI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// An account's registration state changed.
    Account {
        /// The account after the change.
        account: AccountStatus,
    },
    /// A call was created or changed state (including its end).
    Call {
        /// The call after the change.
        call: CallInfo,
    },
    /// A busy lamp changed.
    Lamp {
        /// The lamp after the change.
        lamp: Lamp,
    },
    /// The far end sent a keypad digit.
    Dtmf {
        /// The call it arrived on.
        call_id: String,
        /// `0`-`9`, `*`, `#`, `A`-`D`.
        digit: char,
    },
    /// A voicemail message or call attempt was filed or changed (transcribed, sorted into
    /// a category, attributed to a contact, marked read or unread).
    Voicemail {
        /// The inbox row after the change.
        message: crate::InboxEntry,
    },
    /// A voicemail message or call attempt was deleted.
    VoicemailDeleted {
        /// Its former id.
        id: i64,
    },
    /// Do-not-disturb was switched on or off (from any front end).
    DoNotDisturb {
        /// Whether it is on now.
        on: bool,
    },
    /// A speech model install went on (a few times a second), finished or failed.
    ModelInstall {
        /// Where it is now.
        progress: crate::ModelInstallProgress,
    },
    /// Callers forwarded to a person (`[voicemail.human]`) have used 90 % or more of this
    /// month's minutes; sent once a month. At the limit they are no longer forwarded.
    ForwardingMinutes {
        /// Minutes used this month.
        used_minutes: u64,
        /// The monthly limit.
        limit_minutes: u64,
        /// What this means and what to do, in words for the user.
        message: String,
    },
    /// Something the user should see that belongs to no call or account,
    /// e.g. an audio device fell back to the default.
    Notice {
        /// The message, in words a user can act on.
        message: String,
    },
}
