//! The Whisper model and one transcription call.

use crate::model::check_model_file;
use crate::{clean_transcript, TranscribeError};
use std::path::{Path, PathBuf};
use std::time::Instant;
use whisper_rs::{FullParams, SamplingStrategy, WhisperContext, WhisperContextParameters};

/// The sample rate Whisper works at; [`Transcriber::transcribe`] expects audio at this rate.
pub const SAMPLE_RATE: u32 = 16_000;

/// CPU threads per transcription unless configured: leaves a core for calls on a 2-core box.
pub const DEFAULT_THREADS: u32 = 2;

/// Audio shorter than this (100 ms) cannot hold a word: the transcript is empty.
const MIN_SPEECH_SAMPLES: usize = SAMPLE_RATE as usize / 10;

/// whisper.cpp refuses input under 1 s, so shorter audio is padded with silence to 1.1 s.
const MIN_WHISPER_SAMPLES: usize = SAMPLE_RATE as usize * 11 / 10;

/// Upper bound for [`TranscribeOptions::threads`]: more only adds contention.
const MAX_THREADS: u32 = 64;

/// How to transcribe one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TranscribeOptions {
    /// Spoken language as a Whisper code or name (`en`, `de`, `german`); `None`, empty or
    /// `auto` detects it (an English-only model always transcribes English).
    pub language: Option<String>,
    /// CPU threads for Whisper (at least 1).
    pub threads: u32,
}

impl Default for TranscribeOptions {
    fn default() -> Self {
        Self {
            language: None,
            threads: DEFAULT_THREADS,
        }
    }
}

/// A stretch of the transcript with its place in the audio, for jumping to it in playback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// Start, in milliseconds from the beginning of the audio.
    pub start_ms: u64,
    /// End, in milliseconds from the beginning of the audio.
    pub end_ms: u64,
    /// The cleaned text (never empty: segments holding only tags are left out).
    pub text: String,
}

/// The result of transcribing one message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Transcript {
    /// The whole text, cleaned with [`clean_transcript`]; empty when nothing was said.
    pub text: String,
    /// The language given, or the one Whisper detected (`en`, `de`, ...); empty when it was
    /// to be detected but the audio was too short to run Whisper at all.
    pub language: String,
    /// The text in time order, split where Whisper split it.
    pub segments: Vec<Segment>,
}

/// A loaded Whisper model. Loading is the slow part, so load once and share: this is
/// `Send + Sync`, and every [`transcribe`](Self::transcribe) call uses a fresh decoding
/// state, so calls from several threads do not interfere.
#[derive(Debug)]
pub struct Transcriber {
    context: WhisperContext,
    model: PathBuf,
    multilingual: bool,
}

// A background worker owns or shares the transcriber: keep that possible.
const _: () = {
    const fn send_and_sync<T: Send + Sync>() {}
    send_and_sync::<Transcriber>();
};

impl Transcriber {
    /// Loads a ggml Whisper model (e.g. `ggml-tiny.en.bin`). Fails with a message naming the
    /// file and the fix when it is missing, not a ggml model, or corrupt. whisper.cpp's log
    /// lines go to `tracing` (targets `whisper_rs::*`), never to stdout.
    pub fn load(model: &Path) -> Result<Transcriber, TranscribeError> {
        whisper_rs::install_logging_hooks();
        check_model_file(model)?;
        let started = Instant::now();
        let context = WhisperContext::new_with_params(model, WhisperContextParameters::default())
            .map_err(|e| {
            tracing::debug!("whisper.cpp could not load {}: {e}", model.display());
            TranscribeError::ModelCorrupt {
                path: model.to_path_buf(),
            }
        })?;
        let multilingual = context.is_multilingual();
        tracing::info!(
            "Whisper model {} loaded in {} ms ({})",
            model.display(),
            started.elapsed().as_millis(),
            if multilingual {
                "multilingual"
            } else {
                "English only"
            }
        );
        Ok(Transcriber {
            context,
            model: model.to_path_buf(),
            multilingual,
        })
    }

    /// The model file this was loaded from.
    pub fn model_path(&self) -> &Path {
        &self.model
    }

    /// Whether the model knows languages other than English (`ggml-*.en.bin` do not).
    pub fn is_multilingual(&self) -> bool {
        self.multilingual
    }

    /// Transcribes mono audio at 16 kHz ([`SAMPLE_RATE`]) with greedy decoding. Audio under
    /// 100 ms gives an empty transcript; audio under 1 s is padded with silence (whisper.cpp
    /// needs a second); non-finite samples count as silence. Blocks for roughly 1 s plus a
    /// fraction of the audio's length: call it from a worker thread, not an async task.
    pub fn transcribe(
        &self,
        audio_16k_mono: &[f32],
        options: &TranscribeOptions,
    ) -> Result<Transcript, TranscribeError> {
        let language = self.resolve_language(options.language.as_deref())?;
        if audio_16k_mono.len() < MIN_SPEECH_SAMPLES {
            return Ok(Transcript {
                language: language.unwrap_or_default().to_string(),
                ..Transcript::default()
            });
        }
        let audio_ms = audio_16k_mono.len() as u64 * 1000 / u64::from(SAMPLE_RATE);
        let mut samples: Vec<f32> = audio_16k_mono
            .iter()
            .map(|&s| {
                if s.is_finite() {
                    s.clamp(-1.0, 1.0)
                } else {
                    0.0
                }
            })
            .collect();
        if samples.len() < MIN_WHISPER_SAMPLES {
            samples.resize(MIN_WHISPER_SAMPLES, 0.0);
        }

        let started = Instant::now();
        let whisper_error = |e: whisper_rs::WhisperError| TranscribeError::Whisper {
            reason: e.to_string(),
        };
        let mut state = self.context.create_state().map_err(whisper_error)?;
        let mut params = FullParams::new(SamplingStrategy::Greedy { best_of: 1 });
        params.set_n_threads(options.threads.clamp(1, MAX_THREADS) as i32);
        params.set_language(Some(language.unwrap_or("auto")));
        params.set_translate(false);
        params.set_no_context(true);
        params.set_print_special(false);
        params.set_print_progress(false);
        params.set_print_realtime(false);
        params.set_print_timestamps(false);
        state.full(params, &samples).map_err(whisper_error)?;

        let mut raw = String::new();
        let mut segments = Vec::new();
        for segment in state.as_iter() {
            let text = segment.to_str_lossy().map_err(whisper_error)?;
            raw.push_str(&text);
            raw.push(' ');
            let text = clean_transcript(&text);
            if !text.is_empty() {
                let ms = |centiseconds: i64| (centiseconds.max(0) as u64 * 10).min(audio_ms);
                segments.push(Segment {
                    start_ms: ms(segment.start_timestamp()),
                    end_ms: ms(segment.end_timestamp()),
                    text,
                });
            }
        }
        let language = match language {
            Some(given) => given,
            None => whisper_rs::get_lang_str(state.full_lang_id_from_state()).unwrap_or(""),
        };
        tracing::debug!(
            "transcribed {audio_ms} ms of audio in {} ms ({language}): {raw:?}",
            started.elapsed().as_millis()
        );
        Ok(Transcript {
            text: clean_transcript(&raw),
            language: language.to_string(),
            segments,
        })
    }

    /// The Whisper language code to decode with, `None` to detect it. Unknown names and
    /// languages an English-only model cannot do are errors rather than garbage text.
    fn resolve_language(
        &self,
        requested: Option<&str>,
    ) -> Result<Option<&'static str>, TranscribeError> {
        let requested = requested
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.eq_ignore_ascii_case("auto"));
        let Some(requested) = requested else {
            return Ok((!self.multilingual).then_some("en"));
        };
        let unknown = || TranscribeError::UnknownLanguage {
            language: requested.to_string(),
        };
        let name = requested.to_ascii_lowercase();
        // Whisper knows only ASCII names; anything else (a NUL byte) must not reach C.
        if !name.chars().all(|c| c.is_ascii_alphabetic() || c == ' ') {
            return Err(unknown());
        }
        let code = whisper_rs::get_lang_id(&name)
            .and_then(whisper_rs::get_lang_str)
            .ok_or_else(unknown)?;
        if !self.multilingual && code != "en" {
            return Err(TranscribeError::LanguageNotInModel {
                language: requested.to_string(),
                model: self.model.clone(),
            });
        }
        Ok(Some(code))
    }
}
