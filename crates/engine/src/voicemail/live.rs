//! Live transcription of a message while it is being recorded, so the conversation can hear
//! a caller ask for a person ("I want to talk to someone") and forward them at once.
//!
//! A [`LiveTranscriber`] gets the same 16 kHz mono frames as the recording. Every
//! `check_every` of new audio it transcribes what was said so far on a thread of its own and
//! sends the text as a [`Partial`]; pushing a frame never waits for Whisper. A round that
//! comes due while the previous one still runs waits for it to end (the next push after that
//! starts it); rounds due meanwhile are skipped, so a slow machine checks less often rather
//! than falling behind. Dropping it stops it: no new rounds, and a round still running sends
//! nothing.
//!
//! Transcribing the whole message again every few seconds would grow costly, so a round
//! transcribes only the audio after the *settled* part: once the unsettled audio is longer
//! than [`SETTLE_AFTER`], the segments Whisper ended more than [`KEEP_OPEN`] before its end
//! are settled — their text is kept and their audio not transcribed again. A partial's text is
//! the settled text followed by this round's, so it always covers the whole message.

use frontdesk_transcribe::{Segment, TranscribeOptions, Transcriber, SAMPLE_RATE};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

/// Unsettled audio longer than this gets its older segments settled.
pub(crate) const SETTLE_AFTER: Duration = Duration::from_secs(20);
/// The most recent audio is never settled: Whisper may still change its mind about it.
pub(crate) const KEEP_OPEN: Duration = Duration::from_secs(8);
/// Unsettled audio longer than this is settled even without a segment end in the right place
/// (one long segment), so a round never transcribes much more than Whisper's 30 s window.
const MAX_OPEN: Duration = Duration::from_secs(28);

/// What the caller said so far.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Partial {
    /// The transcript of the message up to `heard`.
    pub(crate) text: String,
    /// Its language as Whisper reports it (`"en"`); `None` when unknown.
    pub(crate) language: Option<String>,
    /// How much of the message this covers, from its start.
    pub(crate) heard: Duration,
}

/// Transcribes a message as it is recorded; see the module docs.
pub(crate) struct LiveTranscriber {
    model: Arc<Transcriber>,
    options: TranscribeOptions,
    /// Samples of new audio between two rounds.
    every: usize,
    /// The unsettled audio, starting at sample `base` of the message.
    audio: Vec<f32>,
    base: usize,
    /// Samples pushed since the last round was due.
    since_round: usize,
    /// A round came due while another ran: start one as soon as that ends.
    owed: bool,
    shared: Arc<Shared>,
    partials: mpsc::UnboundedSender<Partial>,
}

/// What the push side and the round threads share.
struct Shared {
    /// A round is running.
    busy: AtomicBool,
    /// The transcriber was dropped: rounds still running send nothing.
    stopped: AtomicBool,
    started: AtomicU32,
    skipped: AtomicU32,
    settled: Mutex<Settled>,
}

/// The part of the message that is transcribed for good.
#[derive(Default)]
struct Settled {
    text: String,
    /// Where the unsettled audio starts, in samples from the message's start.
    until: usize,
    /// The text last sent, so an unchanged transcript is not sent again.
    last_sent: String,
}

impl LiveTranscriber {
    /// Starts listening; partial transcripts arrive on the returned receiver. `options` as for
    /// the message's final transcription (its language, threads); timestamps are turned on
    /// when settling needs them.
    pub(crate) fn new(
        model: Arc<Transcriber>,
        options: TranscribeOptions,
        check_every: Duration,
    ) -> (LiveTranscriber, mpsc::UnboundedReceiver<Partial>) {
        let (partials, receiver) = mpsc::unbounded_channel();
        let every = samples(check_every).max(1);
        let live = LiveTranscriber {
            model,
            options,
            every,
            audio: Vec::new(),
            base: 0,
            since_round: 0,
            owed: false,
            shared: Arc::new(Shared {
                busy: AtomicBool::new(false),
                stopped: AtomicBool::new(false),
                started: AtomicU32::new(0),
                skipped: AtomicU32::new(0),
                settled: Mutex::new(Settled::default()),
            }),
            partials,
        };
        (live, receiver)
    }

    /// Adds a frame of the caller's audio (16 kHz mono); starts a round when one is due.
    /// Returns at once.
    pub(crate) fn push(&mut self, frame: &[i16]) {
        self.audio
            .extend(frame.iter().map(|&s| f32::from(s) / 32_768.0));
        self.since_round += frame.len();
        if self.since_round >= self.every {
            self.since_round = 0;
            if self.owed {
                // Still owed from before: this one is skipped.
                self.shared.skipped.fetch_add(1, Ordering::Relaxed);
            }
            self.owed = true;
        }
        if !self.owed || self.shared.busy.swap(true, Ordering::AcqRel) {
            return;
        }
        self.owed = false;
        // The previous round is done: drop the audio it settled.
        let until = self.shared.settled.lock().expect("live settled").until;
        let drop = until.saturating_sub(self.base).min(self.audio.len());
        self.audio.drain(..drop);
        self.base += drop;
        let round = Round {
            audio: self.audio.clone(),
            start: self.base,
            model: self.model.clone(),
            options: self.options.clone(),
            shared: self.shared.clone(),
            partials: self.partials.clone(),
        };
        self.shared.started.fetch_add(1, Ordering::Relaxed);
        let spawned = std::thread::Builder::new()
            .name("voicemail-live".into())
            .spawn(move || round.run());
        if let Err(e) = spawned {
            tracing::warn!("voicemail: cannot start live transcription: {e}");
            self.shared.busy.store(false, Ordering::Release);
        }
    }

    /// Rounds started, and rounds skipped because another was still running or owed.
    #[cfg(test)]
    pub(crate) fn rounds(&self) -> (u32, u32) {
        (
            self.shared.started.load(Ordering::Relaxed),
            self.shared.skipped.load(Ordering::Relaxed),
        )
    }
}

impl Drop for LiveTranscriber {
    fn drop(&mut self) {
        self.shared.stopped.store(true, Ordering::Release);
    }
}

/// One transcription of the unsettled audio, on its own thread.
struct Round {
    audio: Vec<f32>,
    /// Sample of the message where `audio` starts.
    start: usize,
    model: Arc<Transcriber>,
    options: TranscribeOptions,
    shared: Arc<Shared>,
    partials: mpsc::UnboundedSender<Partial>,
}

impl Round {
    fn run(self) {
        // Timestamps cost time; only settling needs them.
        let options = TranscribeOptions {
            timestamps: duration(self.audio.len()) > SETTLE_AFTER,
            ..self.options.clone()
        };
        let result = self.model.transcribe(&self.audio, &options);
        let shared = self.shared.clone();
        if !shared.stopped.load(Ordering::Acquire) {
            match result {
                Ok(transcript) => {
                    let language = Some(transcript.language).filter(|l| !l.is_empty());
                    self.report(&transcript.segments, language);
                }
                Err(e) => tracing::warn!("voicemail: live transcription failed: {e}"),
            }
        }
        shared.busy.store(false, Ordering::Release);
    }

    /// Settles what is old enough and sends the text so far if it changed.
    fn report(&self, segments: &[Segment], language: Option<String>) {
        let length = duration(self.audio.len());
        let mut settled = self.shared.settled.lock().expect("live settled");
        let settle = settle_count(segments, length);
        for segment in &segments[..settle] {
            push_text(&mut settled.text, &segment.text);
        }
        settled.until = match settle {
            0 if length > MAX_OPEN => self.start + self.audio.len(),
            0 => settled.until,
            n => self.start + samples(Duration::from_millis(segments[n - 1].end_ms)),
        };
        if settle == 0 && length > MAX_OPEN {
            // One long segment: settle it whole rather than transcribe ever more audio.
            for segment in segments {
                push_text(&mut settled.text, &segment.text);
            }
        }
        let mut text = settled.text.clone();
        if settled.until < self.start + self.audio.len() {
            for segment in &segments[settle..] {
                push_text(&mut text, &segment.text);
            }
        }
        if text.is_empty() || text == settled.last_sent {
            return;
        }
        settled.last_sent = text.clone();
        let _ = self.partials.send(Partial {
            text,
            language,
            heard: duration(self.start + self.audio.len()),
        });
    }
}

/// How many of `segments` (from the front) are settled in a round over `length` of audio.
fn settle_count(segments: &[Segment], length: Duration) -> usize {
    if length <= SETTLE_AFTER {
        return 0;
    }
    let open_from = length.saturating_sub(KEEP_OPEN);
    segments
        .iter()
        .take_while(|s| Duration::from_millis(s.end_ms) <= open_from)
        .count()
}

fn push_text(text: &mut String, more: &str) {
    let more = more.trim();
    if more.is_empty() {
        return;
    }
    if !text.is_empty() {
        text.push(' ');
    }
    text.push_str(more);
}

fn samples(time: Duration) -> usize {
    (time.as_millis() * u128::from(SAMPLE_RATE) / 1000) as usize
}

fn duration(samples: usize) -> Duration {
    Duration::from_millis(samples as u64 * 1000 / u64::from(SAMPLE_RATE))
}

#[cfg(test)]
mod tests {
    use super::*;
    use frontdesk_categories::{default_categories, Categorizer, Language};
    use frontdesk_voicemail::human::{Decision, Heard, HumanForwarding, HumanSettings};
    use std::path::Path;
    use std::path::PathBuf;
    use std::time::Instant;

    const FRAME: usize = 320;

    fn model_path() -> PathBuf {
        match std::env::var_os(frontdesk_transcribe::MODEL_ENV).filter(|v| !v.is_empty()) {
            Some(path) => PathBuf::from(path),
            None => PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/models/ggml-tiny.en.bin"
            )),
        }
    }

    fn model() -> Arc<Transcriber> {
        static MODEL: std::sync::OnceLock<Arc<Transcriber>> = std::sync::OnceLock::new();
        MODEL
            .get_or_init(|| {
                Arc::new(Transcriber::load(&model_path()).unwrap_or_else(|e| {
                    panic!("the test model must load ({e}); set FRONTDESK_WHISPER_MODEL")
                }))
            })
            .clone()
    }

    /// `text` spoken by espeak-ng (slow and spaced, which tiny.en hears reliably) at 16 kHz,
    /// after `lead` and before `tail` of silence.
    fn speech(dir: &Path, text: &str, lead: Duration, tail: Duration) -> Vec<i16> {
        let wav = dir.join("speech.wav");
        let status = std::process::Command::new("espeak-ng")
            .args(["-v", "en-us", "-s", "120", "-g", "6", "-w"])
            .arg(&wav)
            .arg(text)
            .status()
            .unwrap_or_else(|e| panic!("espeak-ng cannot be run ({e}): run scripts/install-deps"));
        assert!(status.success(), "espeak-ng failed: {status}");
        let spoken = frontdesk_transcribe::load_wav_16k(&wav).unwrap();
        let mut audio = vec![0i16; samples(lead)];
        audio.extend(
            spoken
                .iter()
                .map(|&s| (s.clamp(-1.0, 1.0) * 32_767.0) as i16),
        );
        audio.extend(std::iter::repeat_n(0, samples(tail)));
        audio
    }

    fn options() -> TranscribeOptions {
        TranscribeOptions {
            language: Some("en".into()),
            ..TranscribeOptions::default()
        }
    }

    #[test]
    fn a_spoken_request_for_a_person_is_heard_while_recording_and_forwarded() {
        let dir = tempfile::tempdir().unwrap();
        let audio = speech(
            dir.path(),
            "I want to talk to someone",
            Duration::from_secs(5),
            Duration::from_secs(4),
        );
        let forwarding = HumanForwarding::new(HumanSettings {
            target: "200".into(),
            phrases: Vec::new(),
            categories: Vec::new(),
            windows: Vec::new(),
            monthly_minutes: 60,
        })
        .unwrap();
        let categorizer = Categorizer::new(&default_categories(), &Language::ALL).unwrap();
        let (mut live, mut partials) =
            LiveTranscriber::new(model(), options(), Duration::from_secs(2));
        // As a call delivers it: 20 ms frames in real time (5 frames every 100 ms), the speech
        // and then silence, until the decision (a call would end at the silence limit; the
        // test gives a loaded machine up to 60 s). No push may wait for Whisper.
        let silence = [0i16; FRAME];
        let started = Instant::now();
        let mut slowest = Duration::ZERO;
        let mut seen = Vec::new();
        let mut frames = audio.chunks(FRAME);
        let mut index: u64 = 0;
        let decision = 'call: loop {
            let frame = frames.next().unwrap_or(&silence);
            let push = Instant::now();
            live.push(frame);
            slowest = slowest.max(push.elapsed());
            index += 1;
            if !index.is_multiple_of(5) {
                continue;
            }
            let due = Duration::from_millis(index * 20);
            assert!(
                due < Duration::from_secs(60),
                "no forward after {seen:?}, rounds {:?}",
                live.rounds()
            );
            std::thread::sleep(due.saturating_sub(started.elapsed()));
            while let Ok(partial) = partials.try_recv() {
                let decision = forwarding.decide(
                    &Heard {
                        transcript: &partial.text,
                        language: partial.language.as_deref(),
                        at: jiff::civil::date(2026, 11, 23).at(10, 0, 0, 0),
                        used_seconds: 0,
                    },
                    &categorizer,
                );
                seen.push(partial);
                if decision != Decision::NoRequest {
                    break 'call decision;
                }
            }
        };
        assert!(
            slowest < Duration::from_millis(50),
            "a push waited {slowest:?}"
        );
        assert_eq!(
            decision,
            Decision::Forward {
                target: "200".into(),
                phrase: "talk to someone".into(),
                category: "general".into(),
            },
            "{seen:?}"
        );
        let last = seen.last().unwrap();
        assert_eq!(last.language.as_deref(), Some("en"));
        assert!(last.heard > Duration::from_secs(6), "{last:?}");
        let (started, _) = live.rounds();
        assert!(started >= 2, "rounds {:?}", live.rounds());
    }

    #[test]
    fn rounds_are_skipped_while_one_runs_and_a_drop_stops_it() {
        let dir = tempfile::tempdir().unwrap();
        let audio = speech(
            dir.path(),
            "Please call me back about the invoice",
            Duration::ZERO,
            Duration::ZERO,
        );
        let (mut live, mut partials) =
            LiveTranscriber::new(model(), options(), Duration::from_millis(500));
        // Far faster than real time: the first round is still running for the rest.
        let started = Instant::now();
        for _ in 0..4 {
            for chunk in audio.chunks(FRAME) {
                live.push(chunk);
            }
        }
        assert!(started.elapsed() < Duration::from_millis(500));
        let (rounds, skipped) = live.rounds();
        assert_eq!(rounds, 1, "skipped {skipped}");
        assert!(skipped >= 10, "skipped {skipped}");
        // Dropped mid-round: the round ends, sends nothing, and the channel closes.
        assert!(
            live.shared.busy.load(Ordering::Acquire),
            "the round already ended"
        );
        drop(live);
        let closed = Instant::now();
        assert_eq!(partials.blocking_recv(), None);
        assert!(closed.elapsed() < Duration::from_secs(30));
    }

    #[test]
    fn old_segments_settle_and_recent_ones_stay_open() {
        let segment = |start: u64, end: u64| Segment {
            start_ms: start * 1000,
            end_ms: end * 1000,
            text: format!("{start}-{end}"),
        };
        let segments = [
            segment(0, 6),
            segment(6, 12),
            segment(12, 19),
            segment(19, 24),
        ];
        assert_eq!(settle_count(&segments, Duration::from_secs(20)), 0);
        // 25 s: open from 17 s on.
        assert_eq!(settle_count(&segments, Duration::from_secs(25)), 2);
        assert_eq!(settle_count(&segments, Duration::from_secs(40)), 4);
        assert_eq!(settle_count(&[], Duration::from_secs(40)), 0);
    }
}
