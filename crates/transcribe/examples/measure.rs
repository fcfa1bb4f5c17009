//! Measures model load time and the real-time factor of transcription, for the numbers in the
//! voicemail issue:
//!
//! ```sh
//! cargo run --release -p frontdesk-transcribe --example measure -- MODEL THREADS WAV...
//! ```
//!
//! With `TIMESTAMPS=1` in the environment it asks for timed segments.

use frontdesk_transcribe::{load_wav_16k, TranscribeOptions, Transcriber, SAMPLE_RATE};
use std::path::PathBuf;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // `RUST_LOG=debug` shows whisper.cpp's own timings and the raw text.
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let mut args = std::env::args().skip(1);
    let usage = "usage: measure MODEL THREADS WAV...";
    let model = PathBuf::from(args.next().ok_or(usage)?);
    let threads: u32 = args.next().ok_or(usage)?.parse()?;
    let wavs: Vec<PathBuf> = args.map(PathBuf::from).collect();

    let started = Instant::now();
    let transcriber = Transcriber::load(&model)?;
    println!("load: {:.3} s", started.elapsed().as_secs_f64());

    let options = TranscribeOptions {
        threads,
        timestamps: std::env::var_os("TIMESTAMPS").is_some(),
        ..TranscribeOptions::default()
    };
    for wav in wavs {
        let audio = load_wav_16k(&wav)?;
        let seconds = audio.len() as f64 / f64::from(SAMPLE_RATE);
        let started = Instant::now();
        let transcript = transcriber.transcribe(&audio, &options)?;
        let took = started.elapsed().as_secs_f64();
        println!(
            "{}: audio {seconds:.1} s, transcribed in {took:.2} s, RTF {:.3}: {}",
            wav.display(),
            took / seconds,
            transcript.text
        );
    }
    Ok(())
}
