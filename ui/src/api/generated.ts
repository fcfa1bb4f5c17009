// GENERATED from crates/api by ts-rs; do not edit.
// Regenerate: FRONTDESK_WRITE_TS=1 cargo test -p frontdesk-api --features ts --test typescript

/**
 * A snapshot of the whole engine, answered by `ctl status`.
 */
export type Status = { 
/**
 * Version of the engine that answers, e.g. `0.1.0`.
 */
version: string, 
/**
 * Local SIP listen addresses with their transport, e.g. `udp:0.0.0.0:5060`.
 */
listening: Array<string>, 
/**
 * One entry per configured account, in configuration order.
 */
accounts: Array<AccountStatus>, 
/**
 * Number of calls that have not ended.
 */
active_calls: number, };

/**
 * How far an account's registration has come.
 */
export type RegistrationState = "disabled" | "registering" | "registered" | "failed" | "unregistered";

/**
 * One account and its registration, as shown in the accounts panel.
 */
export type AccountStatus = { 
/**
 * The account's configured name.
 */
name: string, 
/**
 * Address of record, e.g. `sip:101@pbx.example.com`.
 */
aor: string, 
/**
 * `udp`, `tcp` or `tls`.
 */
transport: string, 
/**
 * Current registration state.
 */
state: RegistrationState, 
/**
 * Why the last attempt failed, in words a user can act on.
 */
reason: string | null, 
/**
 * When the state last changed.
 */
since: number, };

/**
 * Which side started a call.
 */
export type CallDirection = "incoming" | "outgoing";

/**
 * Where a call stands.
 */
export type CallState = "dialing" | "ringing" | "incoming" | "active" | "ended";

/**
 * A live call, as listed by `ctl calls`.
 */
export type CallInfo = { 
/**
 * Engine-local id used by `answer`, `hangup` and `keys` (e.g. `c3`).
 */
id: string, 
/**
 * The account the call belongs to; `None` for direct calls.
 */
account: string | null, 
/**
 * Who started the call.
 */
direction: CallDirection, 
/**
 * Current state.
 */
state: CallState, 
/**
 * The far end's SIP URI.
 */
remote_uri: string, 
/**
 * The user part of the far end's URI (extension or number).
 */
remote_number: string, 
/**
 * `remote_number` as a person reads it, from the account's dial plan: national format
 * for numbers at home (`030 123456`), international abroad (`+44 20 7946 0958`),
 * extensions as they are.
 */
remote_display: string, 
/**
 * The far end's display name, when it sent one.
 */
remote_name: string | null, 
/**
 * Negotiated audio codec, once known (e.g. `opus`, `PCMU`).
 */
codec: string | null, 
/**
 * When the call was created.
 */
started_at: number, 
/**
 * When it was answered.
 */
answered_at: number | null, 
/**
 * When it ended.
 */
ended_at: number | null, 
/**
 * Stable reason string once ended: `local_hangup`, `remote_hangup`, `transferred`,
 * `cancelled`, `declined`, `busy`, `no_answer`, `failed:<sip code>`, `error`.
 */
end_reason: string | null, 
/**
 * We put the far end on hold (they hear music).
 */
on_hold: boolean, 
/**
 * The far end put us on hold.
 */
held_by_remote: boolean, 
/**
 * Our microphone is muted on this call.
 */
muted: boolean, 
/**
 * Keys go to the far end as DTMF, codes included (`keys_as_dtmf`).
 */
keys_as_dtmf: boolean, 
/**
 * The other call of an announced transfer: on the caller's call, the consultation with
 * the colleague; on the consultation, the waiting caller.
 */
linked_call: string | null, 
/**
 * Grows with every change of the call. Front ends get snapshots both as answers to
 * their actions and as events, which may arrive in either order: they keep the one
 * with the higher revision.
 */
revision: number, };

/**
 * What a user can do to one call: `POST /api/v1/calls/{id}/{action}`, `ctl <action>`.
 *
 * One enum rather than one API method per button, so every face (HTTP, CLI, desktop IPC)
 * offers the same set and a new action is added in one place.
 */
export type CallAction = "answer" | "hangup" | "decline" | "busy" | "hold" | "resume" | "mute" | "unmute" | "keys_as_dtmf" | "key_codes";

/**
 * One row of the call history, as listed by `ctl history`.
 */
export type HistoryEntry = { 
/**
 * Row id in the history.
 */
id: number, 
/**
 * Who started the call.
 */
direction: CallDirection, 
/**
 * The account used, `None` for direct calls.
 */
account: string | null, 
/**
 * The far end's SIP URI.
 */
remote_uri: string, 
/**
 * The user part of the far end's URI.
 */
remote_number: string, 
/**
 * `remote_number` as a person reads it (see [`CallInfo::remote_display`]).
 */
remote_display: string, 
/**
 * The far end's display name, when known.
 */
remote_name: string | null, 
/**
 * When the call was created.
 */
started_at: number, 
/**
 * When it was answered, if it was.
 */
answered_at: number | null, 
/**
 * When it ended.
 */
ended_at: number | null, 
/**
 * Talk time in whole seconds (answer to end); 0 when never answered.
 */
duration_seconds: number, 
/**
 * How the call ended (see [`CallInfo::end_reason`]).
 */
end_reason: string | null, };

/**
 * What `ctl dial` asks for.
 */
export type DialRequest = { 
/**
 * An extension (`101`), a phone number (`+49 30 1234`) or a `sip:` URI.
 */
target: string, 
/**
 * The account to call from; the first registered account when `None`.
 */
account: string | null, };

/**
 * What `ctl transfer` asks for.
 */
export type TransferRequest = { 
/**
 * The colleague or number to transfer to, as for `dial`.
 */
target: string, 
/**
 * `true`: announced transfer — the caller waits on hold while we talk to the target, and
 * hanging up that consultation hands the caller over. `false`: blind transfer at once.
 */
attended: boolean, };

/**
 * What a busy lamp shows for a colleague's extension.
 */
export type LampState = "unknown" | "idle" | "ringing" | "busy";

/**
 * One lamp of the busy-lamp panel, as listed by `ctl blf`.
 */
export type Lamp = { 
/**
 * The account whose server is watched.
 */
account: string, 
/**
 * The colleague's extension as configured (`blf = [...]`).
 */
extension: string, 
/**
 * What the lamp shows.
 */
state: LampState, 
/**
 * Who is calling, while it rings (display name or number).
 */
caller: string | null, 
/**
 * Why the lamp is unknown, in words a user can act on.
 */
problem: string | null, 
/**
 * When the state last changed.
 */
since: number, };

/**
 * Something that happened in the engine, pushed to `ctl events` and the UI.
 */
export type Event = { "type": "account", 
/**
 * The account after the change.
 */
account: AccountStatus, } | { "type": "call", 
/**
 * The call after the change.
 */
call: CallInfo, } | { "type": "lamp", 
/**
 * The lamp after the change.
 */
lamp: Lamp, } | { "type": "dtmf", 
/**
 * The call it arrived on.
 */
call_id: string, 
/**
 * `0`-`9`, `*`, `#`, `A`-`D`.
 */
digit: string, } | { "type": "notice", 
/**
 * The message, in words a user can act on.
 */
message: string, };

/**
 * The class of a failed request; the HTTP API maps it to a status code.
 */
export type ErrorKind = "bad_request" | "not_found" | "conflict" | "unavailable" | "internal";

/**
 * A failed request: a class and a message for the user.
 */
export type ApiError = { 
/**
 * What kind of failure this is.
 */
kind: ErrorKind, 
/**
 * What went wrong and, where possible, what to do about it.
 */
message: string, };
