//! The transcription worker: takes messages whose transcription is pending (the queue lives
//! in SQLite, so it survives restarts), transcribes them on the machine with Whisper, and
//! files the transcript. One message at a time, so calls keep their CPU share.

use crate::Engine;
use frontdesk_transcribe::{TranscribeOptions, Transcriber};
use std::path::PathBuf;
use std::sync::{Arc, Weak};
use std::time::Duration;
use tokio::sync::Notify;

/// How often the queue is looked at without being woken (a message filed by another process).
const IDLE_CHECK: Duration = Duration::from_secs(60);

/// Where the worker gets its model and how it is woken.
pub(crate) struct TranscriptionWorker {
    pub(crate) model: Option<PathBuf>,
    pub(crate) wake: Arc<Notify>,
}

impl TranscriptionWorker {
    pub(crate) fn new(model: Option<PathBuf>) -> Self {
        TranscriptionWorker {
            model,
            wake: Arc::new(Notify::new()),
        }
    }
}

/// Starts the worker for as long as the engine lives.
pub(crate) fn spawn(engine: &Arc<Engine>) {
    let Some(model) = engine.voicemail.worker.model.clone() else {
        return;
    };
    let wake = engine.voicemail.worker.wake.clone();
    let weak = Arc::downgrade(engine);
    tokio::spawn(async move {
        let loaded = tokio::task::spawn_blocking(move || Transcriber::load(&model)).await;
        let transcriber = match loaded {
            Ok(Ok(t)) => Ok(Arc::new(t)),
            Ok(Err(e)) => Err(e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        if let Err(e) = &transcriber {
            tracing::error!("voicemail transcription is off: {e}");
        }
        loop {
            let worked = work_once(&weak, &transcriber).await;
            match worked {
                None => return,
                Some(true) => continue,
                Some(false) => {
                    let _ = tokio::time::timeout(IDLE_CHECK, wake.notified()).await;
                }
            }
        }
    });
}

/// Transcribes the oldest pending message; `Some(false)` when none was waiting, `None` once
/// the engine is gone.
async fn work_once(
    engine: &Weak<Engine>,
    transcriber: &Result<Arc<Transcriber>, String>,
) -> Option<bool> {
    let engine = engine.upgrade()?;
    let pending = engine
        .history
        .run(|s| s.pending_transcriptions(1))
        .await
        .map_err(|e| tracing::error!("voicemail: cannot read the transcription queue: {e}"))
        .unwrap_or_default();
    let Some(job) = pending.into_iter().next() else {
        return Some(false);
    };
    let id = job.id;
    let transcriber = match transcriber {
        Ok(t) => t.clone(),
        Err(e) => {
            let reason = format!("the speech model could not be loaded: {e}");
            let _ = engine
                .history
                .run(move |s| s.set_transcription_failed(id, &reason))
                .await;
            return Some(true);
        }
    };
    let audio = engine.config.data.dir.join(&job.audio_path);
    // The mailbox's own language, else the global one ("auto": Whisper detects it).
    let options = TranscribeOptions {
        language: match engine.voicemail.config.language_for(&job.mailbox) {
            "auto" => None,
            language => Some(language.to_string()),
        },
        ..TranscribeOptions::default()
    };
    let started = std::time::Instant::now();
    let result = tokio::task::spawn_blocking(move || -> Result<_, String> {
        let samples = frontdesk_recording::read_f32_16k(&audio).map_err(|e| e.to_string())?;
        transcriber
            .transcribe(&samples, &options)
            .map_err(|e| e.to_string())
    })
    .await
    .unwrap_or_else(|e| Err(e.to_string()));
    match result {
        Ok(transcript) => {
            tracing::info!(
                id = id.0,
                took_ms = started.elapsed().as_millis() as u64,
                "voicemail transcribed"
            );
            let text = transcript.text.clone();
            let language = (!transcript.language.is_empty()).then_some(transcript.language);
            let (category, guessed) = engine
                .voicemail
                .sorting
                .by_transcript(&text, language.as_deref());
            let stored = engine
                .history
                .run(move |s| {
                    s.set_transcript(id, &text, language.as_deref())?;
                    s.set_category(id, &category)?;
                    // A caller known by number stays; an unknown one may have said who they are.
                    let known = s.message(id)?.is_some_and(|m| m.contact.is_some());
                    if let (false, Some(contact)) = (known, guessed) {
                        s.set_contact(id, &contact)?;
                    }
                    Ok(())
                })
                .await;
            if let Err(e) = stored {
                tracing::error!("voicemail: cannot store transcript {}: {e}", id.0);
            }
            crate::inbox::announce(&engine, id).await;
            super::email::queue(&engine, id).await;
        }
        Err(e) => {
            tracing::warn!("voicemail {}: transcription failed: {e}", id.0);
            let _ = engine
                .history
                .run(move |s| s.set_transcription_failed(id, &e))
                .await;
            crate::inbox::announce(&engine, id).await;
            super::email::queue(&engine, id).await;
        }
    }
    Some(true)
}
