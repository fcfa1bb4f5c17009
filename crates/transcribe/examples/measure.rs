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
        let (started, cpu_before) = (Instant::now(), cpu_seconds());
        let transcript = transcriber.transcribe(&audio, &options)?;
        let took = started.elapsed().as_secs_f64();
        let cpu = cpu_seconds() - cpu_before;
        println!(
            "{}: audio {seconds:.1} s, transcribed in {took:.2} s (CPU {cpu:.2} s), RTF {:.3}: {}",
            wav.display(),
            took / seconds,
            transcript.text
        );
    }
    Ok(())
}

/// User + system CPU time of this process so far (Linux, from /proc; 0 elsewhere): unlike the
/// wall clock it does not grow when other programs compete for the cores.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
    let after_name = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
    let fields: Vec<f64> = after_name
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|f| f.parse().ok())
        .collect();
    fields.iter().sum::<f64>() / 100.0
}
