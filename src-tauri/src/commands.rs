//! The IPC commands the web front end invokes: thin adapters over [`Backend`], so the
//! desktop app and the daemon's HTTP API offer exactly the same operations.
//!
//! Names and argument names are part of the contract with `ui/` (its Tauri backend calls
//! `invoke("dial", { request })` etc.); errors reach the page as the serialised [`ApiError`].

use crate::Shell;
use frontdesk_api::{
    ApiError, Backend, CallAction, CallInfo, DialRequest, DoNotDisturb, ExportedMessage,
    HistoryEntry, InboxCounts, InboxEntry, InboxFilter, Lamp, Status, TransferRequest,
    VoicemailMessage,
};
use frontdesk_api::{ContactEntry, ContactFilter, ContactImportRequest, ContactImportResult};
use frontdesk_api::{ModelInstallProgress, ModelInstallRequest, SpeechModels};
use std::path::{Path, PathBuf};
use tauri::ipc::Response;
use tauri::State;

type Reply<T> = Result<T, ApiError>;

/// Accounts, listen addresses and the number of calls.
#[tauri::command]
pub async fn status(shell: State<'_, Shell>) -> Reply<Status> {
    shell.engine.status().await
}

/// Places a call.
#[tauri::command]
pub async fn dial(shell: State<'_, Shell>, request: DialRequest) -> Reply<CallInfo> {
    shell.engine.dial(request).await
}

/// Answers an incoming call (the ringing one when `call` is absent).
#[tauri::command]
pub async fn answer(shell: State<'_, Shell>, call: Option<String>) -> Reply<CallInfo> {
    shell.engine.answer(call).await
}

/// Hangs up, cancels or declines a call.
#[tauri::command]
pub async fn hangup(shell: State<'_, Shell>, call: Option<String>) -> Reply<CallInfo> {
    shell.engine.hangup(call).await
}

/// Any user action on a call (answer, hang up, decline, busy...).
#[tauri::command]
pub async fn act(
    shell: State<'_, Shell>,
    call: Option<String>,
    action: CallAction,
) -> Reply<CallInfo> {
    shell.engine.act(call, action).await
}

/// Transfers a call, blind or announced.
#[tauri::command]
pub async fn transfer(
    shell: State<'_, Shell>,
    call: Option<String>,
    request: TransferRequest,
) -> Reply<CallInfo> {
    shell.engine.transfer(call, request).await
}

/// Keypad input to a call.
#[tauri::command]
pub async fn keys(shell: State<'_, Shell>, keys: String, call: Option<String>) -> Reply<()> {
    shell.engine.keys(keys, call).await
}

/// The busy-lamp panel.
#[tauri::command]
pub async fn lamps(shell: State<'_, Shell>) -> Reply<Vec<Lamp>> {
    shell.engine.lamps().await
}

/// Calls that have not ended.
#[tauri::command]
pub async fn calls(shell: State<'_, Shell>) -> Reply<Vec<CallInfo>> {
    shell.engine.calls().await
}

/// The newest `limit` history entries.
#[tauri::command]
pub async fn history(shell: State<'_, Shell>, limit: usize) -> Reply<Vec<HistoryEntry>> {
    shell.engine.history(limit).await
}

/// Whether do-not-disturb is on.
#[tauri::command]
pub async fn do_not_disturb(shell: State<'_, Shell>) -> Reply<DoNotDisturb> {
    shell.engine.do_not_disturb().await
}

/// Switches do-not-disturb on or off (kept across restarts).
#[tauri::command]
pub async fn set_do_not_disturb(shell: State<'_, Shell>, on: bool) -> Reply<DoNotDisturb> {
    shell.engine.set_do_not_disturb(on).await
}

/// Inbox entries matching `filter`, newest first.
#[tauri::command]
pub async fn inbox(shell: State<'_, Shell>, filter: InboxFilter) -> Reply<Vec<InboxEntry>> {
    shell.engine.inbox(filter).await
}

/// One message with its whole transcript.
#[tauri::command]
pub async fn voicemail(shell: State<'_, Shell>, id: i64) -> Reply<VoicemailMessage> {
    shell.engine.voicemail(id).await
}

/// Marks a message read or unread.
#[tauri::command]
pub async fn mark_read(shell: State<'_, Shell>, id: i64, read: bool) -> Reply<InboxEntry> {
    shell.engine.mark_read(id, read).await
}

/// Deletes a message and its recording.
#[tauri::command]
pub async fn delete_voicemail(shell: State<'_, Shell>, id: i64) -> Reply<()> {
    shell.engine.delete_voicemail(id).await
}

/// Writes a message's WAV and transcript into `dir`.
#[tauri::command]
pub async fn export_voicemail(
    shell: State<'_, Shell>,
    id: i64,
    dir: PathBuf,
) -> Reply<ExportedMessage> {
    shell.engine.export_voicemail(id, dir).await
}

/// Dashboard counts, days cut at the page's local midnight.
#[tauri::command]
pub async fn inbox_counts(
    shell: State<'_, Shell>,
    utc_offset_minutes: i32,
    mailbox: Option<String>,
) -> Reply<InboxCounts> {
    shell.engine.inbox_counts(utc_offset_minutes, mailbox).await
}

/// Contacts matching `filter`, by name.
#[tauri::command]
pub async fn contacts(shell: State<'_, Shell>, filter: ContactFilter) -> Reply<Vec<ContactEntry>> {
    shell.engine.contacts(filter).await
}

/// Imports a CSV or vCard file (the bytes the page's file picker read, base64-encoded).
#[tauri::command]
pub async fn import_contacts(
    shell: State<'_, Shell>,
    request: ContactImportRequest,
) -> Reply<ContactImportResult> {
    shell.engine.import_contacts(request).await
}

/// Deletes a contact.
#[tauri::command]
pub async fn delete_contact(shell: State<'_, Shell>, id: i64) -> Reply<()> {
    shell.engine.delete_contact(id).await
}

/// The Whisper model catalogue, what is installed, and the model the voicemail uses.
#[tauri::command]
pub async fn speech_models(shell: State<'_, Shell>) -> Reply<SpeechModels> {
    shell.engine.speech_models().await
}

/// Starts installing a model (the Voicemail tab's button); progress arrives as events.
#[tauri::command]
pub async fn install_speech_model(
    shell: State<'_, Shell>,
    request: ModelInstallRequest,
) -> Reply<ModelInstallProgress> {
    shell.engine.install_speech_model(request).await
}

/// A message's recording as raw bytes (the page gets an `ArrayBuffer`, not JSON): `ogg` as
/// stored, or `wav` decoded here for webviews without an Opus decoder (WebKitGTK plays Ogg
/// Opus only with GStreamer's opus plugin).
#[tauri::command]
pub async fn voicemail_audio(
    shell: State<'_, Shell>,
    id: i64,
    format: Option<String>,
) -> Reply<Response> {
    let wav = match format.as_deref() {
        None | Some("ogg") => false,
        Some("wav") => true,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "unknown audio format `{other}`; use ogg or wav"
            )))
        }
    };
    let path = shell.engine.voicemail_audio(id).await?;
    let bytes = tauri::async_runtime::spawn_blocking(move || read_audio(&path, wav))
        .await
        .map_err(|e| ApiError::internal(format!("reading the recording stopped: {e}")))??;
    Ok(Response::new(bytes))
}

/// The file's bytes, or the recording decoded into a 16-bit mono WAV.
fn read_audio(path: &Path, wav: bool) -> Reply<Vec<u8>> {
    if !wav {
        return std::fs::read(path).map_err(|e| {
            ApiError::not_found(format!(
                "the recording {} cannot be read: {e}",
                path.display()
            ))
        });
    }
    let (pcm, rate) = frontdesk_recording::read_pcm(path)
        .map_err(|e| ApiError::internal(format!("the recording cannot be decoded: {e}")))?;
    Ok(wav_bytes(&pcm, rate))
}

/// A canonical 44-byte-header PCM WAV (mono, 16 bit).
fn wav_bytes(pcm: &[i16], rate: u32) -> Vec<u8> {
    let data_len = (pcm.len() * 2) as u32;
    let mut out = Vec::with_capacity(44 + pcm.len() * 2);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&(rate * 2).to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    for sample in pcm {
        out.extend_from_slice(&sample.to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::wav_bytes;

    #[test]
    fn wav_bytes_have_a_header_that_names_rate_and_length() {
        let wav = wav_bytes(&[0, 1, -1], 16000);
        assert_eq!(wav.len(), 44 + 6);
        assert_eq!(&wav[0..4], b"RIFF");
        assert_eq!(u32::from_le_bytes(wav[24..28].try_into().unwrap()), 16000);
        assert_eq!(u32::from_le_bytes(wav[40..44].try_into().unwrap()), 6);
        assert_eq!(&wav[46..48], &1i16.to_le_bytes());
    }
}
