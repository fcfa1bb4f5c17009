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
    /// The loaded model, shared with live listening.
    pub(crate) model: SharedModel,
    pub(crate) wake: Arc<Notify>,
}

impl TranscriptionWorker {
    pub(crate) fn new(source: ModelLookup) -> Self {
        TranscriptionWorker {
            source,
            model: SharedModel::default(),
            wake: Arc::new(Notify::new()),
        }
    }
}

/// The one loaded copy of the speech model: the transcription worker and live listening
/// (`[voicemail.human]`) use the same one, so a model is in memory once, not twice.
#[derive(Default)]
pub(crate) struct SharedModel {
    loaded: tokio::sync::Mutex<Option<Loaded>>,
}

/// The model that is loaded (or failed to load), and which file version that was.
struct Loaded {
    path: PathBuf,
    stamp: Option<(u64, SystemTime)>,
    transcriber: Result<Arc<Transcriber>, String>,
}

impl SharedModel {
    /// The model in `path`, loaded only when it is new or its file changed since the last
    /// load (the earlier copy is let go first, so two are never held here at once).
    pub(crate) async fn at(&self, path: &Path) -> Result<Arc<Transcriber>, String> {
        let mut loaded = self.loaded.lock().await;
        let stamp = stamp(path);
        if let Some(current) = loaded
            .as_ref()
            .filter(|l| l.path == path && l.stamp == stamp)
        {
            return current.transcriber.clone();
        }
        *loaded = None;
        let load_path = path.to_path_buf();
        let transcriber =
            match tokio::task::spawn_blocking(move || Transcriber::load(&load_path)).await {
                Ok(Ok(t)) => Ok(Arc::new(t)),
                Ok(Err(e)) => Err(e.to_string()),
                Err(e) => Err(e.to_string()),
            };
        match &transcriber {
            Ok(_) => tracing::info!("voicemail transcription uses {}", path.display()),
            Err(e) => tracing::error!("voicemail transcription is off: {e}"),
        }
        *loaded = Some(Loaded {
            path: path.to_path_buf(),
            stamp,
            transcriber: transcriber.clone(),
        });
        transcriber
    }

    /// Lets the model go (its file is gone); the path it came from, if one was loaded.
    async fn forget(&self) -> Option<PathBuf> {
        self.loaded.lock().await.take().map(|l| l.path)
    }
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
        let mut had_model = false;
        loop {
            let Some(transcriber) = current_model(&weak, &mut had_model).await else {
                return;
            };
            let worked = match &transcriber {
                Some(transcriber) => work_once(&weak, transcriber).await,
                None => Some(false),
            };
            match worked {
                None => return,
                Some(true) => continue,
                Some(false) => {
                    let idle = if had_model {
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

/// Looks for the model and has it loaded when it is new or changed. When a working model
/// appears (also at start-up), the messages recorded without one are queued. The outer `None`
/// once the engine is gone; the inner one while there is no model file.
async fn current_model(
    engine: &Weak<Engine>,
    had_model: &mut bool,
) -> Option<Option<Result<Arc<Transcriber>, String>>> {
    let engine = engine.upgrade()?;
    let worker = &engine.voicemail.worker;
    let Some(path) = worker.source.find() else {
        if let Some(gone) = worker.model.forget().await {
            tracing::warn!(
                "voicemail transcription is off: the speech model {} is gone",
                gone.display()
            );
        }
        *had_model = false;
        return Some(None);
    };
    let transcriber = worker.model.at(&path).await;
    let works = transcriber.is_ok();
    if works && !*had_model {
        match engine.history.run(|s| s.queue_untranscribed(false)).await {
            Ok(0) => {}
            Ok(queued) => tracing::info!(
                queued,
                "voicemail: transcribing the messages recorded without a speech model"
            ),
            Err(e) => tracing::error!("voicemail: cannot queue untranscribed messages: {e}"),
        }
    }
    *had_model = works;
    Some(Some(transcriber))
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The real tiny model, copied so a test may change or remove its file.
    fn model_copy(dir: &Path) -> PathBuf {
        let shared =
            match std::env::var_os(frontdesk_transcribe::MODEL_ENV).filter(|v| !v.is_empty()) {
                Some(path) => PathBuf::from(path),
                None => PathBuf::from(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/../../../shared/models/ggml-tiny.en.bin"
                )),
            };
        let copy = dir.join("model.bin");
        std::fs::copy(&shared, &copy).unwrap();
        copy
    }

    #[tokio::test]
    async fn worker_and_live_listening_get_the_same_copy_until_the_file_changes() {
        let dir = tempfile::tempdir().unwrap();
        let path = model_copy(dir.path());
        let shared = SharedModel::default();
        let first = shared.at(&path).await.unwrap();
        let again = shared.at(&path).await.unwrap();
        assert!(Arc::ptr_eq(&first, &again), "loaded twice");

        // A model replaced in place (a new install) is loaded anew.
        let file = std::fs::File::options().write(true).open(&path).unwrap();
        file.set_modified(SystemTime::now() + Duration::from_secs(60))
            .unwrap();
        let replaced = shared.at(&path).await.unwrap();
        assert!(
            !Arc::ptr_eq(&first, &replaced),
            "the changed file was not loaded"
        );
        assert_eq!(shared.forget().await, Some(path.clone()));
        assert_eq!(shared.forget().await, None);
    }

    #[tokio::test]
    async fn a_broken_model_file_is_an_error_saying_which_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("broken.bin");
        std::fs::write(&path, b"not a whisper model").unwrap();
        let shared = SharedModel::default();
        let error = shared.at(&path).await.expect_err("a broken model loads");
        assert!(error.contains("broken.bin"), "{error}");
        // The failure is remembered too: the same file is not read again and again.
        assert_eq!(shared.at(&path).await.err(), Some(error));
    }
}
