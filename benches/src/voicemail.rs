//! Helpers of the voicemail benchmark (`benches/voicemail.rs`) that read what other programs
//! write: whisper-cli's timings, a WAV's length, versions in `Cargo.lock` and CMake files, and
//! how much of a script a transcript holds.

/// A timing whisper-cli prints at its end, in ms: `whisper_print_timings:     load time =
/// 91.23 ms` gives 91.23 for `load time`.
pub fn timing_ms(stderr: &str, name: &str) -> Option<f64> {
    timing_text(stderr, name)?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// The text after `NAME =` in whisper-cli's timings (`fallbacks =   0 p /   0 h` gives
/// `0 p / 0 h`), spaces squeezed.
pub fn timing_text(stderr: &str, name: &str) -> Option<String> {
    stderr.lines().find_map(|l| {
        let (_, rest) = l.split_once(&format!("{name} ="))?;
        Some(rest.split_whitespace().collect::<Vec<_>>().join(" "))
    })
}

/// How long Whisper took in the daemon, in ms, from the last `transcribed N ms of audio (M ms
/// with sound) in T ms` line `frontdesk_transcribe` logs at debug level.
pub fn daemon_whisper_ms(log: &str) -> Option<f64> {
    log.lines().rev().find_map(|l| {
        let (_, rest) = l.split_once(" with sound) in ")?;
        let mut words = rest.split_whitespace();
        let ms = words.next()?.parse().ok()?;
        (words.next()? == "ms").then_some(ms)
    })
}

/// Seconds of a 16-bit mono PCM WAV, from its `fmt ` and `data` chunks.
pub fn wav_seconds(bytes: &[u8]) -> Option<f64> {
    if bytes.len() < 12 || &bytes[..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return None;
    }
    let (mut at, mut rate, mut frame) = (12, 0u32, 0u16);
    while at + 8 <= bytes.len() {
        let id = &bytes[at..at + 4];
        let size = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().ok()?) as usize;
        let body = bytes.get(at + 8..)?;
        if id == b"fmt " && body.len() >= 16 {
            rate = u32::from_le_bytes(body[4..8].try_into().ok()?);
            frame = u16::from_le_bytes(body[12..14].try_into().ok()?);
        } else if id == b"data" && rate > 0 && frame > 0 {
            let size = size.min(body.len());
            return Some(size as f64 / f64::from(frame) / f64::from(rate));
        }
        at += 8 + size + size % 2;
    }
    None
}

/// The version of package `name` in a `Cargo.lock`.
pub fn lock_version(lock: &str, name: &str) -> Option<String> {
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == format!("name = \"{name}\"") {
            let v = lines.next()?.trim().strip_prefix("version = \"")?;
            return Some(v.trim_end_matches('"').to_owned());
        }
    }
    None
}

/// `project("whisper.cpp" VERSION 1.8.3)` → `1.8.3`.
pub fn cmake_version(cmake: &str) -> Option<String> {
    cmake.lines().find_map(|l| {
        let rest = l.trim().strip_prefix("project(")?;
        let (_, v) = rest.split_once(" VERSION ")?;
        Some(v.trim_end_matches(')').trim().to_owned())
    })
}

/// How a transcript compares with the script the caller read from. A message starts and ends
/// anywhere in the script, and tiny.en mishears some of a 10 s stretch that starts mid-sentence
/// ("I am calling him out in my server repair server"), so the check only asks that Whisper
/// heard speech and some of the script, not another text or a few words in silence.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScriptCheck {
    /// Words in the transcript.
    pub words: usize,
    /// Share of them that are words of the script (0..=1).
    pub from_script: f64,
}

impl ScriptCheck {
    /// Whether Whisper heard the script in `seconds` of it: at least one word per 2 s
    /// (espeak-ng says 2 a second) and at least 0.3 of them the script's.
    pub fn ok(&self, seconds: f64) -> bool {
        self.from_script >= 0.3 && self.words as f64 >= seconds / 2.0
    }
}

/// Checks `transcript` against `script` (see [`ScriptCheck`]).
pub fn script_check(script: &str, transcript: &str) -> ScriptCheck {
    let words = |text: &str| -> Vec<String> {
        text.split(|c: char| !c.is_alphabetic() && c != '\'')
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect()
    };
    let known = words(script);
    let heard = words(transcript);
    let from_script = heard.iter().filter(|w| known.contains(w)).count();
    ScriptCheck {
        words: heard.len(),
        from_script: from_script as f64 / heard.len().max(1) as f64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_it_reads() {
        let err = "whisper_print_timings:     load time =    91.23 ms\nwhisper_print_timings:    total time =  1234.50 ms\n";
        assert_eq!(timing_ms(err, "load time"), Some(91.23));
        assert_eq!(timing_ms(err, "total time"), Some(1234.5));
        assert_eq!(timing_ms(err, "mel time"), None);
        let err = "whisper_print_timings:     fallbacks =   2 p /   0 h\n";
        assert_eq!(timing_text(err, "fallbacks").as_deref(), Some("2 p / 0 h"));
        let log =
            "2026-11-23T18:00:00Z DEBUG frontdesk_transcribe::transcriber: transcribed 30000 ms \
                   of audio (29500 ms with sound) in 5400 ms (en): \"Hello\"\n\
                   2026-11-23T18:00:00Z  INFO frontdesk_engine: voicemail transcribed id=1\n";
        assert_eq!(daemon_whisper_ms(log), Some(5400.0));
        assert_eq!(daemon_whisper_ms("with sound) in soon"), None);
        let lock = "[[package]]\nname = \"whisper-rs-sys\"\nversion = \"0.15.0\"\nsource = \"x\"\n";
        assert_eq!(
            lock_version(lock, "whisper-rs-sys").as_deref(),
            Some("0.15.0")
        );
        assert_eq!(lock_version(lock, "whisper-rs"), None);
        assert_eq!(
            cmake_version(
                "project(\"whisper.cpp\" C CXX)\nproject(\"whisper.cpp\" VERSION 1.8.3)\n"
            )
            .as_deref(),
            Some("1.8.3")
        );
        let check = script_check("Hello Maria, the oven is broken.", "the oven's Mayn broken");
        assert_eq!(check.words, 4);
        assert!((check.from_script - 0.5).abs() < 1e-9, "{check:?}");
        assert!(check.ok(8.0) && !check.ok(9.0));
        let check = script_check(
            "Hello Maria, the oven is broken.",
            "Thank you for watching.",
        );
        assert_eq!((check.words, check.from_script), (4, 0.0));
        assert!(!check.ok(2.0));
        let check = script_check("Hello Maria, the oven is broken.", "Oven is broken. Hello");
        assert_eq!((check.words, check.from_script), (4, 1.0));
        assert!(check.ok(8.0) && !check.ok(9.0));
        assert_eq!(script_check("Hello", "").words, 0);
        assert!(!script_check("Hello", "").ok(1.0));
    }

    #[test]
    fn wav_length_from_its_header() {
        let mut wav = b"RIFF\0\0\0\0WAVEfmt ".to_vec();
        wav.extend(16u32.to_le_bytes());
        wav.extend(1u16.to_le_bytes()); // PCM
        wav.extend(1u16.to_le_bytes()); // mono
        wav.extend(16_000u32.to_le_bytes());
        wav.extend(32_000u32.to_le_bytes());
        wav.extend(2u16.to_le_bytes()); // bytes per frame
        wav.extend(16u16.to_le_bytes());
        wav.extend(b"data");
        wav.extend(64_000u32.to_le_bytes());
        wav.extend(vec![0u8; 64_000]);
        assert_eq!(wav_seconds(&wav), Some(2.0));
        assert_eq!(wav_seconds(b"RIFF"), None);
        assert_eq!(wav_seconds(&wav[..40]), None);
    }
}
