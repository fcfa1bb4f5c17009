//! The transcription worker: takes messages whose transcription is pending (the queue lives
//! in SQLite, so it survives restarts), transcribes them on the machine with Whisper, and
//! files the transcript. One message at a time, so calls keep their CPU share.
//!
//! The model is looked for again whenever the worker is woken and before each message, so a
//! model installed while the engine runs (`frontdesk model install`, or a file put in place)
//! is picked up without a restart, and the messages recorded without one are transcribed.

use crate::Engine;
use frontdesk_models::ModelLookup;
use frontdesk_transcribe::{TranscribeOptions, Transcriber};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Weak};
use std::time::{Duration, SystemTime};
use tokio::sync::Notify;

/// How often the queue is looked at without being woken (a message filed by another process).
const IDLE_CHECK: Duration = Duration::from_secs(60);

/// How often the worker looks for a model while there is none (a cheap look at a folder).
const NO_MODEL_CHECK: Duration = Duration::from_secs(5);

/// Where the speech model comes from (see [`frontdesk_models::ModelLookup`]), looked up anew
/// each time so a model installed meanwhile is found.
pub(crate) fn model_lookup(config: &frontdesk_config::Config) -> ModelLookup {
    ModelLookup {
        configured: config.voicemail.model.clone(),
        from_env: std::env::var_os(frontdesk_transcribe::MODEL_ENV)
            .filter(|value| !value.is_empty())
            .map(PathBuf::from),
        models_dir: frontdesk_models::models_dir(&config.data.dir),
        preferred: config
            .voicemail
            .model_name
            .clone()
            .unwrap_or_else(|| frontdesk_models::DEFAULT_MODEL.to_owned()),
        fallback_dir: frontdesk_transcribe::models_dir(),
    }
}

/// Where the worker gets its model and how it is woken.
pub(crate) struct TranscriptionWorker {
    pub(crate) source: ModelLookup,
    pub(crate) wake: Arc<Notify>,
}

impl TranscriptionWorker {
    pub(crate) fn new(source: ModelLookup) -> Self {
        TranscriptionWorker {
            source,
            wake: Arc::new(Notify::new()),
        }
    }
}

/// The model the worker has loaded (or failed to), and which file version that was.
struct Loaded {
    path: PathBuf,
    stamp: Option<(u64, SystemTime)>,
    transcriber: Result<Arc<Transcriber>, String>,
}

/// Size and modification time: a file replaced in place is loaded again.
fn stamp(path: &Path) -> Option<(u64, SystemTime)> {
    let metadata = std::fs::metadata(path).ok()?;
    Some((metadata.len(), metadata.modified().ok()?))
}

/// Starts the worker for as long as the engine lives.
pub(crate) fn spawn(engine: &Arc<Engine>) {
    let wake = engine.voicemail.worker.wake.clone();
    let weak = Arc::downgrade(engine);
    tokio::spawn(async move {
        let mut loaded: Option<Loaded> = None;
        loop {
            if !refresh_model(&weak, &mut loaded).await {
                return;
            }
            let worked = match &loaded {
                Some(current) => work_once(&weak, &current.transcriber).await,
                None => Some(false),
            };
            match worked {
                None => return,
                Some(true) => continue,
                Some(false) => {
                    let idle = if loaded.as_ref().is_some_and(|l| l.transcriber.is_ok()) {
                        IDLE_CHECK
                    } else {
                        NO_MODEL_CHECK
                    };
                    let _ = tokio::time::timeout(idle, wake.notified()).await;
                }
            }
        }
    });
}

/// Looks for the model and loads it when it is new or changed. When a working model appears
/// (also at start-up), the messages recorded without one are queued. `false` once the engine
/// is gone.
async fn refresh_model(engine: &Weak<Engine>, loaded: &mut Option<Loaded>) -> bool {
    let Some(engine) = engine.upgrade() else {
        return false;
    };
    let Some(path) = engine.voicemail.worker.source.find() else {
        if let Some(gone) = loaded.take() {
            tracing::warn!(
                "voicemail transcription is off: the speech model {} is gone",
                gone.path.display()
            );
        }
        return true;
    };
    let stamp = stamp(&path);
    if loaded
        .as_ref()
        .is_some_and(|l| l.path == path && l.stamp == stamp)
    {
        return true;
    }
    let had_model = loaded.as_ref().is_some_and(|l| l.transcriber.is_ok());
    let load_path = path.clone();
    let transcriber = match tokio::task::spawn_blocking(move || Transcriber::load(&load_path)).await
    {
        Ok(Ok(t)) => Ok(Arc::new(t)),
        Ok(Err(e)) => Err(e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    match &transcriber {
        Ok(_) => tracing::info!("voicemail transcription uses {}", path.display()),
        Err(e) => tracing::error!("voicemail transcription is off: {e}"),
    }
    let works = transcriber.is_ok();
    *loaded = Some(Loaded {
        path,
        stamp,
        transcriber,
    });
    if works && !had_model {
        match engine.history.run(|s| s.queue_untranscribed(false)).await {
            Ok(0) => {}
            Ok(queued) => tracing::info!(
                queued,
                "voicemail: transcribing the messages recorded without a speech model"
            ),
            Err(e) => tracing::error!("voicemail: cannot queue untranscribed messages: {e}"),
        }
    }
    true
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
            // Not a failure of this message: it is transcribed once a working model is there.
            let reason = format!(
                "no transcript yet: the speech model could not be loaded ({e}); install it \
                 again with `frontdesk model remove` and `frontdesk model install`, or fix \
                 [voicemail] model"
            );
            let _ = engine
                .history
                .run(move |s| s.set_transcription_unavailable(id, &reason))
                .await;
            crate::inbox::announce(&engine, id).await;
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
