//! `frontdesk transcribe`: a WAV file in, its transcript on stdout, through the same
//! `frontdesk-transcribe` calls the voicemail worker makes (load the WAV at 16 kHz, load the
//! model, transcribe, clean).

use crate::cli::TranscribeArgs;
use crate::failure::Failure;
use frontdesk_transcribe::{
    default_model_path, load_wav_16k, models_dir, TranscribeError, TranscribeOptions, Transcriber,
    MODEL_ENV,
};

/// Prints the transcript (nothing when no speech was found). Exit 2 for a missing or bad
/// model, WAV or language; exit 1 when Whisper itself fails.
pub fn run(args: TranscribeArgs) -> Result<(), Failure> {
    let model = match args.model {
        Some(model) => model,
        None => default_model_path().ok_or_else(|| {
            let dir = models_dir()
                .map(|dir| {
                    format!(
                        ", or install one with `frontdesk model install` (or put a ggml-*.bin \
                         model into {})",
                        dir.display()
                    )
                })
                .unwrap_or_default();
            Failure::Usage(format!(
                "no Whisper model found: pass --model FILE or set {MODEL_ENV} to a ggml model \
                 such as ggml-tiny.en.bin{dir}"
            ))
        })?,
    };
    let audio = load_wav_16k(&args.wav).map_err(failure)?;
    let transcriber = Transcriber::load(&model).map_err(failure)?;
    let options = TranscribeOptions {
        language: args.language,
        threads: args.threads,
        ..TranscribeOptions::default()
    };
    let transcript = transcriber.transcribe(&audio, &options).map_err(failure)?;
    if transcript.text.is_empty() {
        eprintln!("frontdesk: no speech in {}", args.wav.display());
    } else {
        println!("{}", transcript.text);
    }
    Ok(())
}

/// Whisper failing is a refusal; everything else is the user's input to fix.
fn failure(error: TranscribeError) -> Failure {
    match error {
        TranscribeError::Whisper { .. } => Failure::Refused(error.to_string()),
        _ => Failure::Usage(error.to_string()),
    }
}
