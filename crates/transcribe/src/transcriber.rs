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

/// Frames of 20 ms are measured to find where there is sound at all.
const FRAME: usize = SAMPLE_RATE as usize / 50;

/// A frame is sound above −60 dBFS RMS: a phone line's noise floor or a quiet voice is above,
/// digital silence (dropped packets, padding, an idle recorder) below.
const SOUND_FLOOR: f32 = 0.001;

/// Silence kept before and after the sound (500 ms), so no syllable is cut.
const SOUND_MARGIN: usize = SAMPLE_RATE as usize / 2;

/// How to transcribe one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TranscribeOptions {
    /// Spoken language as a Whisper code or name (`en`, `de`, `german`); `None`, empty or
    /// `auto` detects it (an English-only model always transcribes English).
    pub language: Option<String>,
    /// CPU threads for Whisper (at least 1).
    pub threads: u32,
    /// Split the text into timed segments. Off by default: with timestamps whisper.cpp
    /// re-encodes from every segment boundary, which made a 30 s message take about twice as
    /// long (and read slightly worse); without, there is one segment per 30 s of audio.
    pub timestamps: bool,
}

impl Default for TranscribeOptions {
    fn default() -> Self {
        Self {
            language: None,
            threads: DEFAULT_THREADS,
            timestamps: false,
        }
    }
}

/// A stretch of the transcript with its place in the audio, for jumping to it in playback
/// (sentence-sized with [`TranscribeOptions::timestamps`], else one per 30 s of audio).
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

    /// Transcribes mono audio at 16 kHz ([`SAMPLE_RATE`]) with greedy decoding. Only the
    /// stretch from the first to the last sound (above −60 dBFS, plus 0.5 s either side) goes
    /// to Whisper: on digital silence it invents words ("you"), and trailing silence costs
    /// time. No sound, or under 100 ms of audio, gives an empty transcript; under 1 s is
    /// padded (whisper.cpp needs a second); non-finite samples count as silence. Blocks for
    /// about a second plus a fraction of the audio's length: call it from a worker thread,
    /// not an async task.
    pub fn transcribe(
        &self,
        audio_16k_mono: &[f32],
        options: &TranscribeOptions,
    ) -> Result<Transcript, TranscribeError> {
        let language = self.resolve_language(options.language.as_deref())?;
        let nothing = || Transcript {
            language: language.unwrap_or_default().to_string(),
            ..Transcript::default()
        };
        if audio_16k_mono.len() < MIN_SPEECH_SAMPLES {
            return Ok(nothing());
        }
        let audio_ms = samples_to_ms(audio_16k_mono.len());
        let sanitized: Vec<f32> = audio_16k_mono
            .iter()
            .map(|&s| {
                if s.is_finite() {
                    s.clamp(-1.0, 1.0)
                } else {
                    0.0
                }
            })
            .collect();
        let Some(span) = sound_span(&sanitized) else {
            return Ok(nothing());
        };
        // Segment times are within the span; whisper.cpp may round up to its 30 s window.
        let (offset_ms, span_end_ms) = (samples_to_ms(span.start), samples_to_ms(span.end));
        let mut samples = sanitized[span].to_vec();
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
        params.set_no_timestamps(!options.timestamps);
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
                // whisper.cpp leaves the start undefined (negative) without timestamps.
                let ms = |centiseconds: i64| {
                    (offset_ms + centiseconds.max(0) as u64 * 10).min(span_end_ms)
                };
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
            "transcribed {audio_ms} ms of audio ({} ms with sound) in {} ms ({language}): {raw:?}",
            span_end_ms - offset_ms,
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

/// Milliseconds of `samples` at [`SAMPLE_RATE`].
fn samples_to_ms(samples: usize) -> u64 {
    samples as u64 * 1000 / u64::from(SAMPLE_RATE)
}

/// The samples from the first to the last 20 ms frame louder than [`SOUND_FLOOR`], widened by
/// [`SOUND_MARGIN`]; `None` when no frame is.
fn sound_span(samples: &[f32]) -> Option<std::ops::Range<usize>> {
    let loud = |frame: &[f32]| {
        let power = frame.iter().map(|s| s * s).sum::<f32>() / frame.len() as f32;
        power.sqrt() > SOUND_FLOOR
    };
    let first = samples.chunks(FRAME).position(loud)?;
    let last = samples.chunks(FRAME).rposition(loud)?;
    let start = (first * FRAME).saturating_sub(SOUND_MARGIN);
    let end = ((last + 1) * FRAME + SOUND_MARGIN).min(samples.len());
    Some(start..end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sound_span_covers_the_loud_frames_and_a_margin() {
        assert_eq!(sound_span(&[0.0; 48_000]), None);
        assert_eq!(sound_span(&[0.0005; 48_000]), None, "below -60 dBFS");
        let mut audio = vec![0.0; 48_000];
        audio[20_000..22_000].fill(0.1);
        assert_eq!(sound_span(&audio), Some(11_840..30_080));
        audio[..320].fill(0.5);
        audio[47_680..].fill(0.5);
        assert_eq!(sound_span(&audio), Some(0..48_000));
    }
}
