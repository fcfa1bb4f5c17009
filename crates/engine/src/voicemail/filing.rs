//! Filing what the voicemail got into the inbox: a message (its transcription queued) or a
//! call attempt; and, at start-up, the recordings an earlier run was cut off in.

use super::recording::{MessageFiles, MessageMeta};
use crate::Engine;
use frontdesk_recording::RecordingInfo;
use frontdesk_store::{MessageKind, NewMessage, Timestamp, TranscriptionState};
use frontdesk_voicemail::Outcome;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// Files the outcome of one voicemail conversation.
pub(crate) async fn file(
    engine: &Arc<Engine>,
    meta: MessageMeta,
    outcome: Outcome,
    recording: Option<(MessageFiles, Result<RecordingInfo, String>)>,
) {
    let message = match (&outcome, recording) {
        (Outcome::Message { .. }, Some((files, result))) => {
            let duration = match result {
                Ok(info) => Some(info.duration),
                // The file holds what was written before the failure: finish it like a crash.
                Err(e) => {
                    tracing::error!("voicemail recording {}: {e}", files.audio.display());
                    frontdesk_recording::recover(&files.audio)
                        .map(|r| r.duration)
                        .ok()
                }
            };
            match duration {
                Some(duration) => Some((files, duration)),
                None => {
                    remove(&files);
                    None
                }
            }
        }
        (_, Some((files, _))) => {
            // A call attempt keeps no audio.
            remove(&files);
            None
        }
        (_, None) => None,
    };
    let recorded = match &outcome {
        Outcome::Message { recorded, .. } | Outcome::Attempt { recorded, .. } => *recorded,
    };
    let meta_path = message.as_ref().map(|(files, _)| files.meta.clone());
    let mut new = new_message(engine, &meta, message, recorded);
    new.connected_to = outcome.connected_to().map(str::to_owned);
    let kind = new.kind;
    match engine.history.run(move |s| s.insert_message(&new)).await {
        Ok(id) => {
            tracing::info!(id = id.0, ?kind, "voicemail filed");
            crate::inbox::announce(engine, id).await;
            if let Some(meta_path) = meta_path {
                let _ = std::fs::remove_file(meta_path);
            }
            if kind == MessageKind::Message {
                if engine.voicemail.can_transcribe() {
                    engine.voicemail.wake_worker();
                } else {
                    // No transcript will come: the e-mail goes now.
                    super::email::queue(engine, id).await;
                }
            }
        }
        // The recording and its metadata stay on disk: the next start files them.
        Err(e) => tracing::error!("voicemail: cannot file the message: {e}"),
    }
}

fn new_message(
    engine: &Engine,
    meta: &MessageMeta,
    message: Option<(MessageFiles, Duration)>,
    recorded: Duration,
) -> NewMessage {
    let (kind, audio_path, duration, state, error) = match message {
        Some((files, duration)) => {
            let (state, error) = if engine.voicemail.can_transcribe() {
                (TranscriptionState::Pending, None)
            } else {
                (
                    TranscriptionState::None,
                    Some(engine.voicemail.no_transcriber_reason()),
                )
            };
            (
                MessageKind::Message,
                Some(files.relative),
                duration,
                state,
                error,
            )
        }
        None => (
            MessageKind::Attempt,
            None,
            recorded,
            TranscriptionState::None,
            None,
        ),
    };
    let (caller_e164, contact) = engine.voicemail.sorting.by_number(&meta.caller_number);
    NewMessage {
        kind,
        mailbox: meta.mailbox.clone(),
        account: meta.account.clone(),
        caller_number: meta.caller_number.clone(),
        caller_e164,
        caller_name: meta.caller_name.clone(),
        contact,
        received_at: Timestamp::from_millis(meta.received_at),
        duration_ms: duration.as_millis() as i64,
        audio_path,
        transcription_state: state,
        transcription_error: error,
        category: None,
        sip_call_id: meta.sip_call_id.clone(),
        connected_to: None,
    }
}

fn remove(files: &MessageFiles) {
    let _ = std::fs::remove_file(&files.audio);
    let _ = std::fs::remove_file(&files.meta);
}

/// Files the recordings an earlier run left unfinished (a crash, a kill, a power cut): each
/// is finalised up to its last complete page and filed as a message, or as a call attempt if
/// nothing usable was recorded.
pub(crate) async fn recover_unfinished(engine: &Arc<Engine>) {
    let root = engine.config.data.dir.join("voicemail");
    let metas = match tokio::task::spawn_blocking(move || find_metas(&root)).await {
        Ok(metas) => metas,
        Err(_) => return,
    };
    for meta_path in metas {
        let Some(meta) = std::fs::read(&meta_path)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<MessageMeta>(&bytes).ok())
        else {
            tracing::warn!(
                "voicemail: {} is unreadable; its recording stays where it is",
                meta_path.display()
            );
            continue;
        };
        let audio = meta_path.with_extension("opus");
        let relative = audio
            .strip_prefix(&engine.config.data.dir)
            .map(Path::to_path_buf)
            .unwrap_or_else(|_| audio.clone());
        let files = MessageFiles {
            audio: audio.clone(),
            relative,
            meta: meta_path.clone(),
        };
        // Already filed before the crash (the metadata outlived the insert)?
        let call_id = meta.sip_call_id.clone();
        let known = match call_id {
            Some(id) => engine
                .history
                .run(move |s| s.message_by_sip_call_id(&id))
                .await
                .ok()
                .flatten()
                .is_some(),
            None => false,
        };
        if known {
            let _ = std::fs::remove_file(&meta_path);
            continue;
        }
        let recovered = {
            let audio = audio.clone();
            tokio::task::spawn_blocking(move || frontdesk_recording::recover(&audio))
                .await
                .map_err(|e| e.to_string())
                .and_then(|r| r.map_err(|e| e.to_string()))
        };
        let min = Duration::from_secs(engine.voicemail.config.min_seconds.into());
        let outcome = match &recovered {
            Ok(r) if r.duration >= min => Outcome::Message {
                recorded: r.duration,
                forwarded_to: None,
            },
            Ok(r) => Outcome::Attempt {
                why: frontdesk_voicemail::AttemptReason::TooShort,
                recorded: r.duration,
            },
            Err(_) => Outcome::Attempt {
                why: frontdesk_voicemail::AttemptReason::TooShort,
                recorded: Duration::ZERO,
            },
        };
        tracing::warn!(
            "voicemail: filing {} left unfinished by an earlier run ({:?})",
            audio.display(),
            recovered
        );
        let info = recovered.map(|r| RecordingInfo {
            path: audio.clone(),
            duration: r.duration,
            bytes: std::fs::metadata(&audio).map(|m| m.len()).unwrap_or(0),
        });
        file(engine, meta, outcome, Some((files, info))).await;
    }
}

/// Every `*.json` metadata file under `root` (two levels: month folders).
fn find_metas(root: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let Ok(months) = std::fs::read_dir(root) else {
        return found;
    };
    for month in months.flatten() {
        let Ok(files) = std::fs::read_dir(month.path()) else {
            continue;
        };
        for file in files.flatten() {
            let path = file.path();
            if path.extension().is_some_and(|e| e == "json") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}
