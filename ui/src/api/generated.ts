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
active_calls: number, 
/**
 * Do not disturb: the voicemail takes every call at once (see [`DoNotDisturb`]).
 */
do_not_disturb: boolean, };

/**
 * The do-not-disturb switch, as `GET /api/v1/dnd` answers and `PUT /api/v1/dnd` takes it.
 *
 * On, the voicemail takes every incoming call at once (and any call ringing when it is
 * switched on). It is kept across restarts; `[voicemail] do_not_disturb` in the config file is
 * only the state before the user first switches it.
 */
export type DoNotDisturb = { 
/**
 * Whether do-not-disturb is on.
 */
on: boolean, };

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
 * Whether the caller left a message or only tried to reach us.
 */
export type InboxKind = "message" | "attempt";

/**
 * Where a message is on its way to a transcript.
 */
export type TranscriptionState = "pending" | "done" | "failed" | "none";

/**
 * Where a message's notification e-mail is.
 */
export type EmailState = "none" | "queued" | "sending" | "sent" | "failed";

/**
 * One row of the inbox list (`ctl inbox`, `GET /api/v1/inbox`): enough to show, sort and
 * filter it without the whole transcript.
 */
export type InboxEntry = { 
/**
 * Row id, for `ctl inbox show ID` and `/api/v1/inbox/{id}`.
 */
id: number, 
/**
 * A message or a call attempt.
 */
kind: InboxKind, 
/**
 * The mailbox that took the call (the account's name, `direct` for calls to no account,
 * or the called number in mailbox mode).
 */
mailbox: string, 
/**
 * The calling number as received; empty for anonymous callers.
 */
caller_number: string, 
/**
 * `caller_number` as a person reads it (see [`crate::CallInfo::remote_display`]).
 */
caller_display: string, 
/**
 * The caller's display name from the signalling, when it sent one.
 */
caller_name: string | null, 
/**
 * The identified contact's id (for [`InboxFilter::contact_id`]).
 */
contact_id: number | null, 
/**
 * The identified contact's name.
 */
contact_name: string | null, 
/**
 * 1.0 when identified by the calling number, below when guessed from the transcript.
 */
contact_confidence: number | null, 
/**
 * When the call reached the voicemail.
 */
received_at: number, 
/**
 * Length of the recording in milliseconds (how long the caller stayed, for attempts).
 */
duration_ms: number, 
/**
 * The category, `general` unless a keyword rule sorted it elsewhere.
 */
category: string, 
/**
 * Whether the user has seen it.
 */
read: boolean, 
/**
 * Whether there is a recording to play.
 */
has_audio: boolean, 
/**
 * Where the transcription is.
 */
transcription_state: TranscriptionState, 
/**
 * The first [`PREVIEW_CHARS`] characters of the transcript (then `…`).
 */
preview: string | null, 
/**
 * Where the notification e-mail is, so failures show in the list.
 */
email_state: EmailState, 
/**
 * The number or extension the voicemail connected the caller to (menu key, extension
 * dialled during the greeting, or a request for a person), when someone answered there.
 */
connected_to: string | null, };

/**
 * One message with everything known about it (`ctl inbox show ID`, `GET /api/v1/inbox/{id}`).
 */
export type VoicemailMessage = { 
/**
 * Row id.
 */
id: number, 
/**
 * A message or a call attempt.
 */
kind: InboxKind, 
/**
 * The mailbox that took the call.
 */
mailbox: string, 
/**
 * The account the call came in on, if any.
 */
account: string | null, 
/**
 * The calling number as received; empty for anonymous callers.
 */
caller_number: string, 
/**
 * The calling number in E.164, when it could be normalised.
 */
caller_e164: string | null, 
/**
 * `caller_number` as a person reads it.
 */
caller_display: string, 
/**
 * The caller's display name from the signalling.
 */
caller_name: string | null, 
/**
 * The identified contact's id.
 */
contact_id: number | null, 
/**
 * The identified contact's name.
 */
contact_name: string | null, 
/**
 * 1.0 when identified by the calling number, below when guessed from the transcript.
 */
contact_confidence: number | null, 
/**
 * When the call reached the voicemail.
 */
received_at: number, 
/**
 * Length of the recording in milliseconds.
 */
duration_ms: number, 
/**
 * The category.
 */
category: string, 
/**
 * Whether the user has seen it.
 */
read: boolean, 
/**
 * Whether the recording is on disk and can be played or exported.
 */
has_audio: boolean, 
/**
 * The whole transcript, once transcribed.
 */
transcript: string | null, 
/**
 * The transcript's language (`en`, `de`, ...).
 */
language: string | null, 
/**
 * Where the transcription is.
 */
transcription_state: TranscriptionState, 
/**
 * Why there is no transcript (failed, or no speech model), in words the user can act on.
 */
transcription_error: string | null, 
/**
 * Where the notification e-mail is.
 */
email_state: EmailState, 
/**
 * The last e-mail failure.
 */
email_error: string | null, 
/**
 * When the e-mail was handed to the mail server.
 */
email_sent_at: number | null, 
/**
 * The SIP Call-ID, to find the call in the history and the logs.
 */
sip_call_id: string | null, 
/**
 * The number or extension the voicemail connected the caller to, when someone answered.
 */
connected_to: string | null, };

/**
 * Which inbox entries to list; every filter that is set must match. In a URL it is the
 * query string: `/api/v1/inbox?search=invoice&read=false&limit=20`.
 */
export type InboxFilter = { 
/**
 * Words to find in the transcript, the caller's number and name, the contact and the
 * category; each word matches as a prefix, accents are ignored. Any text is safe: it is
 * never read as query syntax.
 */
search?: string, 
/**
 * Only this category (its exact name).
 */
category?: string, 
/**
 * Only this mailbox.
 */
mailbox?: string, 
/**
 * Only messages attributed to this contact (see [`InboxEntry::contact_id`]).
 */
contact_id?: number, 
/**
 * `false`: unread entries only; `true`: read ones only.
 */
read?: boolean, 
/**
 * Only messages or only call attempts.
 */
kind?: InboxKind, 
/**
 * Only entries received at or after this time.
 */
from?: number, 
/**
 * Only entries received before this time.
 */
before?: number, 
/**
 * At most this many entries, newest first ([`DEFAULT_INBOX_LIMIT`] when unset, at most
 * [`MAX_INBOX_LIMIT`]).
 */
limit?: number, 
/**
 * Skip this many entries first, for paging.
 */
offset?: number, };

/**
 * Messages and call attempts received in one local day or month.
 */
export type PeriodCount = { 
/**
 * The local day (`2024-03-31`) or month (`2024-03`).
 */
period: string, 
/**
 * When the period starts (local midnight), e.g. for [`InboxFilter::from`].
 */
start: number, 
/**
 * Voicemail messages received.
 */
messages: number, 
/**
 * Call attempts without a message.
 */
attempts: number, };

/**
 * The dashboard's numbers: each series oldest first, ending with the current local day or
 * month, with empty periods present as zeros. Days are cut at local midnight of the UTC
 * offset the request gave.
 */
export type InboxCounts = { 
/**
 * Today and the 6 days before.
 */
last_7_days: Array<PeriodCount>, 
/**
 * Today and the 29 days before.
 */
last_30_days: Array<PeriodCount>, 
/**
 * This month and the 11 before.
 */
last_12_months: Array<PeriodCount>, 
/**
 * Unread messages (not attempts) of any age, for a badge.
 */
unread_messages: number, };

/**
 * What `POST /api/v1/inbox/{id}/export` asks for.
 */
export type ExportRequest = { 
/**
 * The directory to write into, absolute (on the machine running Frontdesk); created if
 * missing.
 */
dir: string, };

/**
 * The files a message was exported to.
 */
export type ExportedMessage = { 
/**
 * The recording as 16-bit mono WAV.
 */
audio: string, 
/**
 * The transcript with a short header (caller, contact, time, category).
 */
transcript: string, };

/**
 * One number of a contact.
 */
export type ContactNumber = { 
/**
 * `phone`, `mobile`, `work`, `home` or `fax`.
 */
kind: string, 
/**
 * What callers are matched on: E.164 (`+49301234567`), or an extension's digits (`203`).
 */
e164: string, 
/**
 * As written in the imported file.
 */
raw: string, };

/**
 * A contact (`ctl contacts`, `GET /api/v1/contacts`).
 */
export type ContactEntry = { 
/**
 * Row id, for `ctl contacts delete ID` and the inbox's `contact_id`.
 */
id: number, 
/**
 * The name to show.
 */
name: string, 
/**
 * Company or organisation.
 */
company: string | null, 
/**
 * Numbers callers are recognised by, in the file's order.
 */
numbers: Array<ContactNumber>, 
/**
 * Street and house number.
 */
street: string | null, 
/**
 * Postal code.
 */
postcode: string | null, 
/**
 * City.
 */
city: string | null, 
/**
 * E-mail address.
 */
email: string | null, 
/**
 * The file it was last imported from (its name), or `upload`.
 */
source: string, 
/**
 * When it was first imported.
 */
created_at: number, 
/**
 * When an import last changed it.
 */
updated_at: number, };

/**
 * Which contacts to list, by name. In a URL it is the query string:
 * `/api/v1/contacts?search=schmidt`.
 */
export type ContactFilter = { 
/**
 * Words that must each occur in the name, company, address, e-mail or a number (case is
 * ignored); digits also find numbers written with separators. Any text is safe.
 */
search?: string, 
/**
 * At most this many; all when unset.
 */
limit?: number, 
/**
 * Skip this many first, for paging.
 */
offset?: number, };

/**
 * The formats contacts are imported from.
 */
export type ContactFormat = "csv" | "vcard";

/**
 * What `POST /api/v1/contacts/import` asks for: the file's bytes (what a front end's file
 * picker read), or a path on the machine running Frontdesk. Exactly one of the two.
 */
export type ContactImportRequest = { 
/**
 * The file's bytes in standard base64: bytes, not text, because contact files come in
 * UTF-8, UTF-16 and Windows-1252 and the importer tells them apart.
 */
content_base64?: string, 
/**
 * An absolute path the engine reads the file from.
 */
path?: string, 
/**
 * CSV or vCard; told from the content when unset (vCards start with `BEGIN:VCARD`).
 */
format?: ContactFormat, 
/**
 * The file's name, kept as the contacts' source and used in messages (for content).
 */
name?: string, };

/**
 * Something wrong in one place of an imported file: a row or card that was skipped, or a
 * part of it that was left out.
 */
export type ImportProblem = { 
/**
 * 1-based line in the file (for a CSV row or a vCard card, the line it starts on).
 */
line: number, 
/**
 * What is wrong and how to fix it.
 */
message: string, };

/**
 * What an import did. Rows with problems are skipped and reported; every other row is
 * imported.
 */
export type ContactImportResult = { 
/**
 * The file's name (or `upload`), as the contacts' source.
 */
source: string, 
/**
 * CSV or vCard, as read.
 */
format: ContactFormat, 
/**
 * New contacts.
 */
added: number, 
/**
 * Contacts already there (same name and company) that the file changed.
 */
updated: number, 
/**
 * Contacts already there exactly as in the file.
 */
unchanged: number, 
/**
 * Rows or cards that were not imported (see `problems`).
 */
skipped: number, 
/**
 * Per line: what was wrong, what was done, how to fix it; file order.
 */
problems: Array<ImportProblem>, };

/**
 * One model: from the catalogue of standard whisper.cpp models, or installed outside it.
 */
export type SpeechModel = { 
/**
 * The name (`base`, `small.en`); the file is `ggml-<name>.bin`.
 */
name: string, 
/**
 * Rough download size in megabytes; `None` for a model outside the catalogue.
 */
approx_mb: number | null, 
/**
 * English only (`.en` models) rather than multilingual.
 */
english_only: boolean, 
/**
 * When to choose it, in a few words.
 */
note: string, 
/**
 * Whether it is installed.
 */
installed: boolean, 
/**
 * Bytes of an interrupted download that installing again resumes.
 */
partial_bytes: number | null, };

/**
 * The models and what the voicemail uses (`GET /api/v1/models`).
 */
export type SpeechModels = { 
/**
 * The catalogue, then installed models outside it.
 */
models: Array<SpeechModel>, 
/**
 * The model installed when none is named: `[voicemail] model_name`, else `base`.
 */
preferred: string, 
/**
 * The model file the voicemail transcribes with; `None`: messages get no transcript.
 */
in_use: string | null, 
/**
 * The folder installs go to (`<data dir>/models`).
 */
models_dir: string, 
/**
 * Where models are downloaded from (`[voicemail] model_url` or whisper.cpp's).
 */
download_url: string, 
/**
 * The install running now or the last one's outcome, if any since the start.
 */
install: ModelInstallProgress | null, };

/**
 * What to install (`POST /api/v1/models/install`).
 */
export type ModelInstallRequest = { 
/**
 * The model; none installs [`SpeechModels::preferred`].
 */
name?: string, 
/**
 * Install even though no SHA-256 is known to check the download against: only after
 * the user agreed (an install without it fails with `no_digest` first).
 */
no_verify: boolean, };

/**
 * Where an install is.
 */
export type ModelInstallState = "downloading" | "installed" | "failed";

/**
 * An install's progress, sent as [`crate::Event::ModelInstall`] while it runs.
 */
export type ModelInstallProgress = { 
/**
 * The model.
 */
name: string, 
/**
 * Where it is.
 */
state: ModelInstallState, 
/**
 * Bytes downloaded so far (including a resumed part).
 */
done_bytes: number, 
/**
 * The whole file's size, when the server said.
 */
total_bytes: number | null, 
/**
 * For `failed`, why and what to do; for `installed`, what its SHA-256 was checked
 * against.
 */
message: string | null, 
/**
 * The SHA-256 of the installed file.
 */
sha256: string | null, 
/**
 * `failed` because no SHA-256 is published for this model: a front end may ask the user
 * and install again with `no_verify`.
 */
no_digest: boolean, };

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
digit: string, } | { "type": "voicemail", 
/**
 * The inbox row after the change.
 */
message: InboxEntry, } | { "type": "voicemail_deleted", 
/**
 * Its former id.
 */
id: number, } | { "type": "do_not_disturb", 
/**
 * Whether it is on now.
 */
on: boolean, } | { "type": "model_install", 
/**
 * Where it is now.
 */
progress: ModelInstallProgress, } | { "type": "forwarding_minutes", 
/**
 * Minutes used this month.
 */
used_minutes: number, 
/**
 * The monthly limit.
 */
limit_minutes: number, 
/**
 * What this means and what to do, in words for the user.
 */
message: string, } | { "type": "notice", 
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
