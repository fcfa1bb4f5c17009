//! `frontdesk transcribe` as scripts see it: the real binary, the real Whisper model
//! (`../shared/models/ggml-tiny.en.bin` next to the repository, or `$FRONTDESK_WHISPER_MODEL`)
//! and speech synthesised by espeak-ng.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_frontdesk");
const MODEL_ENV: &str = "FRONTDESK_WHISPER_MODEL";

/// The test model: `$FRONTDESK_WHISPER_MODEL`, else the shared tiny.en model.
fn model_path() -> PathBuf {
    match std::env::var_os(MODEL_ENV).filter(|v| !v.is_empty()) {
        Some(path) => PathBuf::from(path),
        None => PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/models/ggml-tiny.en.bin"
        )),
    }
}

/// espeak-ng settings tiny.en understands reliably: American voice, 130 words a minute, 50 ms
/// between words (with the default voice and speed it hears "back" as "Mac").
const CLEARLY: &[&str] = &["-v", "en-us", "-s", "130", "-g", "5"];

/// Speaks `text` clearly into a WAV file with espeak-ng (22050 Hz mono).
fn speak(dir: &Path, name: &str, text: &str) -> PathBuf {
    espeak(dir, name, text, CLEARLY)
}

/// Runs espeak-ng with `options`, writing `name` in `dir`.
fn espeak(dir: &Path, name: &str, text: &str, options: &[&str]) -> PathBuf {
    let path = dir.join(name);
    let status = Command::new("espeak-ng")
        .args(options)
        .arg("-w")
        .arg(&path)
        .arg(text)
        .status()
        .unwrap_or_else(|e| {
            panic!("espeak-ng cannot be run ({e}): run scripts/install-deps (CI installs it)")
        });
    assert!(status.success(), "espeak-ng failed: {status}");
    path
}

/// Runs the binary in a scratch home (no user models found by accident), with `env` set.
fn run(home: &Path, args: &[&std::ffi::OsStr], env: &[(&str, &std::ffi::OsStr)]) -> Output {
    let mut command = Command::new(BIN);
    command
        .arg("transcribe")
        .args(args)
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("xdg-data"))
        .env("XDG_CONFIG_HOME", home.join("xdg-config"))
        .env_remove(MODEL_ENV)
        .env_remove("RUST_LOG")
        .stdin(Stdio::null());
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn prints_the_transcript_of_a_wav_and_nothing_else() {
    let home = tempfile::tempdir().unwrap();
    let wav = speak(
        home.path(),
        "message.wav",
        "Please call me back about the invoice",
    );
    let model = model_path();
    let output = run(
        home.path(),
        &["--model".as_ref(), model.as_ref(), wav.as_ref()],
        &[],
    );
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    let lower = stdout.to_lowercase();
    for word in ["call", "back", "invoice"] {
        assert!(lower.contains(word), "{word:?} missing from {stdout:?}");
    }
    // Exactly one line of text: no whisper.cpp log lines, no tags.
    assert_eq!(stdout.lines().count(), 1, "{stdout:?}");
    assert!(
        !stdout.contains("whisper") && !stdout.contains('['),
        "{stdout:?}"
    );
    assert!(
        !stderr.contains("whisper_"),
        "whisper.cpp noise on stderr: {stderr}"
    );
}

#[test]
fn the_model_comes_from_the_environment_or_the_data_dir_without_model() {
    let home = tempfile::tempdir().unwrap();
    let wav = speak(home.path(), "fixed.wav", "My window is broken");
    let model = model_path();

    let output = run(
        home.path(),
        &[
            "--language".as_ref(),
            "en".as_ref(),
            "--threads".as_ref(),
            "1".as_ref(),
            wav.as_ref(),
        ],
        &[(MODEL_ENV, model.as_ref())],
    );
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(stdout.to_lowercase().contains("window"), "{stdout:?}");

    // Installed into the data directory's models folder.
    let models = home.path().join("xdg-data/frontdesk/models");
    std::fs::create_dir_all(&models).unwrap();
    std::os::unix::fs::symlink(
        std::fs::canonicalize(&model).unwrap(),
        models.join("ggml-tiny.en.bin"),
    )
    .unwrap();
    let output = run(home.path(), &[wav.as_ref()], &[]);
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(stdout.to_lowercase().contains("window"), "{stdout:?}");
}

#[test]
fn no_model_anywhere_names_the_option_and_the_variable() {
    let home = tempfile::tempdir().unwrap();
    let wav = speak(home.path(), "m.wav", "hello");
    let output = run(home.path(), &[wav.as_ref()], &[]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(output.stdout.is_empty());
    assert!(
        stderr.contains("--model") && stderr.contains(MODEL_ENV),
        "{stderr}"
    );
}

#[test]
fn a_missing_model_file_fails_naming_it() {
    let home = tempfile::tempdir().unwrap();
    let wav = speak(home.path(), "m.wav", "hello");
    let missing = home.path().join("ggml-gone.bin");
    let output = run(
        home.path(),
        &["--model".as_ref(), missing.as_ref(), wav.as_ref()],
        &[],
    );
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(output.stdout.is_empty());
    assert!(
        stderr.contains(missing.to_str().unwrap()) && stderr.contains("[voicemail] model"),
        "{stderr}"
    );
}

#[test]
fn bad_wavs_and_languages_fail_with_the_reason() {
    let home = tempfile::tempdir().unwrap();
    let model = model_path();

    let corrupt = home.path().join("corrupt.wav");
    std::fs::write(&corrupt, b"RIFF....WAVEjunkjunkjunk").unwrap();
    let output = run(
        home.path(),
        &["--model".as_ref(), model.as_ref(), corrupt.as_ref()],
        &[],
    );
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("corrupt.wav") && stderr.contains("WAV"),
        "{stderr}"
    );

    let missing = home.path().join("nothing.wav");
    let output = run(
        home.path(),
        &["--model".as_ref(), model.as_ref(), missing.as_ref()],
        &[],
    );
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("nothing.wav"), "{stderr}");

    let wav = speak(home.path(), "m.wav", "hello");
    let output = run(
        home.path(),
        &[
            "--model".as_ref(),
            model.as_ref(),
            "--language".as_ref(),
            "de".as_ref(),
            wav.as_ref(),
        ],
        &[],
    );
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("English-only"), "{stderr}");
}

#[test]
fn silence_prints_nothing_and_succeeds() {
    let home = tempfile::tempdir().unwrap();
    let wav = home.path().join("silence.wav");
    std::fs::write(&wav, silent_wav(16_000, 3 * 16_000)).unwrap();
    let model = model_path();
    let output = run(
        home.path(),
        &["--model".as_ref(), model.as_ref(), wav.as_ref()],
        &[],
    );
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(text(&output.stdout), "");
    assert!(stderr.contains("no speech"), "{stderr}");
}

/// A 16-bit mono PCM WAV of `samples` zero samples at `rate`.
fn silent_wav(rate: u32, samples: u32) -> Vec<u8> {
    let data_len = samples * 2;
    let mut wav = Vec::with_capacity(44 + data_len as usize);
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + data_len).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16u32.to_le_bytes());
    wav.extend_from_slice(&1u16.to_le_bytes()); // PCM
    wav.extend_from_slice(&1u16.to_le_bytes()); // mono
    wav.extend_from_slice(&rate.to_le_bytes());
    wav.extend_from_slice(&(rate * 2).to_le_bytes());
    wav.extend_from_slice(&2u16.to_le_bytes());
    wav.extend_from_slice(&16u16.to_le_bytes());
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&data_len.to_le_bytes());
    wav.resize(44 + data_len as usize, 0);
    wav
}
