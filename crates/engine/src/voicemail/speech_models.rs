//! The speech models for the front ends (the Voicemail tab's install button): the same model
//! manager as `frontdesk model`, an install in the background with progress events, and the
//! transcription worker woken once a model is in place.

use crate::Engine;
use frontdesk_api::{
    ApiError, Event, ModelInstallProgress, ModelInstallRequest, ModelInstallState, SpeechModel,
    SpeechModels,
};
use frontdesk_models::{
    DigestSource, Downloader, InstallReport, InstallRequest, Languages, ModelError, Progress,
    Sha256Digest, Verify, CATALOGUE, DEFAULT_BASE_URL, DEFAULT_MODEL,
};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How often progress events go out while a download runs.
const PROGRESS_EVERY: Duration = Duration::from_millis(250);

/// The install running now, or the last one's outcome.
#[derive(Default)]
pub(crate) struct ModelInstalls {
    current: Mutex<Option<ModelInstallProgress>>,
}

impl ModelInstalls {
    fn get(&self) -> Option<ModelInstallProgress> {
        self.current.lock().expect("model installs").clone()
    }

    fn set(&self, progress: &ModelInstallProgress) {
        *self.current.lock().expect("model installs") = Some(progress.clone());
    }
}

impl Engine {
    /// The model the voicemail installs when none is named.
    fn preferred_model(&self) -> String {
        self.config
            .voicemail
            .model_name
            .clone()
            .unwrap_or_else(|| DEFAULT_MODEL.to_owned())
    }

    fn model_download_url(&self) -> String {
        self.config
            .voicemail
            .model_url
            .clone()
            .unwrap_or_else(|| DEFAULT_BASE_URL.to_owned())
    }

    /// The catalogue with what is installed, and the model the voicemail uses.
    pub(crate) fn models_overview(&self) -> SpeechModels {
        let dir = frontdesk_models::models_dir(&self.config.data.dir);
        let found = frontdesk_models::installed(&dir);
        let state = |name: &str| {
            let installed = found.iter().any(|m| m.name == name && !m.partial);
            let partial = found
                .iter()
                .find(|m| m.name == name && m.partial)
                .map(|m| m.bytes);
            (installed, partial)
        };
        let mut models: Vec<SpeechModel> = CATALOGUE
            .iter()
            .map(|entry| {
                let (installed, partial_bytes) = state(entry.name);
                SpeechModel {
                    name: entry.name.to_owned(),
                    approx_mb: Some(entry.approx_mb),
                    english_only: entry.languages == Languages::English,
                    note: entry.note.to_owned(),
                    installed,
                    partial_bytes,
                }
            })
            .collect();
        for model in &found {
            if models.iter().any(|m| m.name == model.name) {
                continue;
            }
            let (installed, partial_bytes) = state(&model.name);
            models.push(SpeechModel {
                name: model.name.clone(),
                approx_mb: None,
                english_only: false,
                note: String::new(),
                installed,
                partial_bytes,
            });
        }
        SpeechModels {
            models,
            preferred: self.preferred_model(),
            in_use: self
                .voicemail
                .worker
                .source
                .find()
                .map(|path| path.display().to_string()),
            models_dir: dir.display().to_string(),
            download_url: self.model_download_url(),
            install: self.voicemail.models.get(),
        }
    }

    /// Starts installing a model (see [`frontdesk_api::Backend::install_speech_model`]).
    pub(crate) fn start_model_install(
        &self,
        request: ModelInstallRequest,
    ) -> Result<ModelInstallProgress, ApiError> {
        let name = request.name.unwrap_or_else(|| self.preferred_model());
        let verify = if request.no_verify {
            Verify::Skip
        } else {
            match &self.config.voicemail.model_sha256 {
                Some(hex) if name == self.preferred_model() => {
                    Verify::Expect(hex.parse::<Sha256Digest>().map_err(ApiError::internal)?)
                }
                _ => Verify::Sums,
            }
        };
        let dir = frontdesk_models::models_dir(&self.config.data.dir);
        let install = InstallRequest::new(&name, &self.model_download_url(), &dir, verify)
            .map_err(|e| ApiError::bad_request(e.to_string()))?;
        let started = ModelInstallProgress {
            name: name.clone(),
            state: ModelInstallState::Downloading,
            done_bytes: 0,
            total_bytes: None,
            message: None,
            sha256: None,
            no_digest: false,
        };
        {
            let mut current = self
                .voicemail
                .models
                .current
                .lock()
                .expect("model installs");
            if let Some(running) = current
                .as_ref()
                .filter(|p| p.state == ModelInstallState::Downloading)
            {
                return Err(ApiError::conflict(format!(
                    "model {} is being installed; wait until it is done",
                    running.name
                )));
            }
            *current = Some(started.clone());
        }
        self.emit(Event::ModelInstall {
            progress: started.clone(),
        });
        let engine = self.strong();
        tokio::spawn(async move {
            let finished = run_install(&engine, &install, name).await;
            engine.voicemail.models.set(&finished);
            if finished.state == ModelInstallState::Installed {
                // The worker looks for the model again and transcribes what waited for one.
                engine.voicemail.wake_worker();
            }
            engine.emit(Event::ModelInstall { progress: finished });
        });
        Ok(started)
    }
}

/// Downloads and installs, sending progress events; answers the outcome.
async fn run_install(
    engine: &std::sync::Arc<Engine>,
    install: &InstallRequest,
    name: String,
) -> ModelInstallProgress {
    let mut progress = ModelInstallProgress {
        name,
        state: ModelInstallState::Downloading,
        done_bytes: 0,
        total_bytes: None,
        message: None,
        sha256: None,
        no_digest: false,
    };
    let downloader = match Downloader::new() {
        Ok(downloader) => downloader,
        Err(e) => return failed(progress, &e),
    };
    let mut last_sent: Option<Instant> = None;
    let outcome = {
        let events = engine.clone();
        let mut running = progress.clone();
        downloader
            .install(install, move |at: Progress| {
                running.done_bytes = at.done;
                running.total_bytes = at.total;
                let complete = at.total == Some(at.done);
                if !complete && last_sent.is_some_and(|sent| sent.elapsed() < PROGRESS_EVERY) {
                    return;
                }
                last_sent = Some(Instant::now());
                events.voicemail.models.set(&running);
                events.emit(Event::ModelInstall {
                    progress: running.clone(),
                });
            })
            .await
    };
    match outcome {
        Ok(InstallReport::Installed {
            path,
            bytes,
            sha256,
            checked,
            ..
        }) => {
            progress.state = ModelInstallState::Installed;
            progress.done_bytes = bytes;
            progress.total_bytes = Some(bytes);
            progress.sha256 = Some(sha256.to_string());
            progress.message = Some(match checked {
                DigestSource::Given => {
                    format!("{}: matches the configured SHA-256", path.display())
                }
                DigestSource::Sums(url) => format!("{}: matches {url}", path.display()),
                DigestSource::Announced(url) => format!(
                    "{}: matches the SHA-256 the server announces for {url}",
                    path.display()
                ),
                DigestSource::Unverified => format!(
                    "{}: installed without a SHA-256 check; its SHA-256 is {sha256}",
                    path.display()
                ),
            });
            progress
        }
        Ok(InstallReport::AlreadyInstalled { path }) => {
            progress.state = ModelInstallState::Installed;
            progress.message = Some(format!("{} was already installed", path.display()));
            progress
        }
        Err(e) => failed(progress, &e),
    }
}

fn failed(mut progress: ModelInstallProgress, error: &ModelError) -> ModelInstallProgress {
    tracing::warn!("speech model install: {error}");
    progress.state = ModelInstallState::Failed;
    progress.no_digest = matches!(error, ModelError::NoDigest { .. });
    progress.message = Some(error.to_string());
    progress
}
