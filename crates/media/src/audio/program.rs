//! Program backend: a call answered by software instead of a person (the voicemail). The
//! program queues prompts to play (greeting, beep) and receives everything the caller sends,
//! both as mono 16-bit PCM at [`PROGRAM_SAMPLE_RATE`]; this backend converts to and from the
//! codec rate.

use super::{AudioIo, RateAdapter};
use crate::resample::{f32_to_i16, i16_to_f32};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

/// The rate prompts are queued at and heard audio is delivered at: 16 kHz is what speech
/// recognition wants and covers G.711 and G.722 fully.
pub const PROGRAM_SAMPLE_RATE: u32 = 16_000;

/// The program's side of a call's audio: clone it freely; every clone plays into the same call.
#[derive(Clone)]
pub struct ProgramAudio {
    shared: Arc<Shared>,
}

struct Shared {
    prompts: Mutex<Prompts>,
    heard: mpsc::UnboundedSender<Vec<i16>>,
}

#[derive(Default)]
struct Prompts {
    queue: VecDeque<Arc<[i16]>>,
    /// Position in the front clip.
    pos: usize,
    /// Samples played since the program started, at [`PROGRAM_SAMPLE_RATE`].
    played: u64,
}

/// The most live audio [`ProgramAudio::stream`] keeps waiting before it drops the oldest.
pub const LIVE_BACKLOG: std::time::Duration = std::time::Duration::from_millis(120);

/// What the caller says, frame by frame at [`PROGRAM_SAMPLE_RATE`]; `None` once the call's
/// audio has stopped.
pub type HeardAudio = mpsc::UnboundedReceiver<Vec<i16>>;

impl ProgramAudio {
    /// A new, silent program and the receiver of what the caller says.
    pub fn new() -> (ProgramAudio, HeardAudio) {
        let (heard, receiver) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            prompts: Mutex::new(Prompts::default()),
            heard,
        });
        (ProgramAudio { shared }, receiver)
    }

    /// Queues a clip (mono, [`PROGRAM_SAMPLE_RATE`]) after whatever is playing.
    pub fn play(&self, clip: Arc<[i16]>) {
        if !clip.is_empty() {
            self.prompts().queue.push_back(clip);
        }
    }

    /// Queues live audio (a frame another call just delivered, when two calls are bridged):
    /// when more than [`LIVE_BACKLOG`] is waiting, because the two calls' clocks drift apart,
    /// the oldest audio is dropped so the delay between the two parties stays short.
    pub fn stream(&self, frame: Vec<i16>) {
        if frame.is_empty() {
            return;
        }
        let mut prompts = self.prompts();
        prompts.queue.push_back(frame.into());
        let limit = (PROGRAM_SAMPLE_RATE as u128 * LIVE_BACKLOG.as_millis() / 1000) as usize;
        loop {
            let waiting = prompts.queue.iter().map(|c| c.len()).sum::<usize>() - prompts.pos;
            if waiting <= limit || prompts.queue.len() < 2 {
                break;
            }
            prompts.queue.pop_front();
            prompts.pos = 0;
        }
    }

    /// Stops the clip playing now and drops the queued ones (the caller pressed a key).
    pub fn stop(&self) {
        let mut prompts = self.prompts();
        prompts.queue.clear();
        prompts.pos = 0;
    }

    /// Whether a clip is still playing or queued.
    pub fn is_playing(&self) -> bool {
        !self.prompts().queue.is_empty()
    }

    /// How much audio has been sent since the call was answered, in samples at
    /// [`PROGRAM_SAMPLE_RATE`]: the program's clock, which runs with the call's media.
    pub fn played_samples(&self) -> u64 {
        self.prompts().played
    }

    fn prompts(&self) -> std::sync::MutexGuard<'_, Prompts> {
        self.shared
            .prompts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    fn next_samples(&self, out: &mut [i16]) {
        let mut prompts = self.prompts();
        prompts.played += out.len() as u64;
        let mut filled = 0;
        while filled < out.len() {
            let Some(clip) = prompts.queue.front().cloned() else {
                break;
            };
            let take = (clip.len() - prompts.pos).min(out.len() - filled);
            out[filled..filled + take].copy_from_slice(&clip[prompts.pos..prompts.pos + take]);
            filled += take;
            prompts.pos += take;
            if prompts.pos == clip.len() {
                prompts.queue.pop_front();
                prompts.pos = 0;
            }
        }
        out[filled..].fill(0);
    }
}

impl std::fmt::Debug for ProgramAudio {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProgramAudio")
            .field("playing", &self.is_playing())
            .finish()
    }
}

/// Two handles are equal when they drive the same call's audio.
impl PartialEq for ProgramAudio {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

impl Eq for ProgramAudio {}

/// The call-side backend over a [`ProgramAudio`].
pub(super) struct ProgramIo {
    program: ProgramAudio,
    to_codec: RateAdapter,
    from_codec: RateAdapter,
    pending_out: VecDeque<i16>,
    scratch_in: Vec<f32>,
    scratch_out: Vec<f32>,
    prompt_frame: Vec<i16>,
}

impl ProgramIo {
    pub(super) fn new(program: ProgramAudio) -> Self {
        ProgramIo {
            program,
            to_codec: RateAdapter::default(),
            from_codec: RateAdapter::default(),
            pending_out: VecDeque::new(),
            scratch_in: Vec::new(),
            scratch_out: Vec::new(),
            prompt_frame: Vec::new(),
        }
    }
}

impl AudioIo for ProgramIo {
    fn capture(&mut self, rate: u32, out: &mut [i16]) {
        if rate == PROGRAM_SAMPLE_RATE {
            self.program.next_samples(out);
            return;
        }
        // Pull prompt audio in program-rate pieces until the codec frame can be filled; the
        // resampler starts with a delay, covered by silence once.
        while self.pending_out.len() < out.len() {
            let needed = (out.len() - self.pending_out.len()) as u64;
            let piece = (needed * PROGRAM_SAMPLE_RATE as u64).div_ceil(rate as u64) as usize;
            self.prompt_frame.resize(piece, 0);
            self.program.next_samples(&mut self.prompt_frame);
            self.scratch_in.clear();
            self.scratch_in
                .extend(self.prompt_frame.iter().copied().map(i16_to_f32));
            self.scratch_out.clear();
            self.to_codec.process(
                PROGRAM_SAMPLE_RATE,
                rate,
                &self.scratch_in,
                &mut self.scratch_out,
            );
            if self.scratch_out.is_empty() {
                break;
            }
            self.pending_out
                .extend(self.scratch_out.iter().copied().map(f32_to_i16));
        }
        for sample in out.iter_mut() {
            *sample = self.pending_out.pop_front().unwrap_or(0);
        }
    }

    fn play(&mut self, rate: u32, frame: &[i16]) {
        let heard = if rate == PROGRAM_SAMPLE_RATE {
            frame.to_vec()
        } else {
            self.scratch_in.clear();
            self.scratch_in
                .extend(frame.iter().copied().map(i16_to_f32));
            self.scratch_out.clear();
            self.from_codec.process(
                rate,
                PROGRAM_SAMPLE_RATE,
                &self.scratch_in,
                &mut self.scratch_out,
            );
            self.scratch_out.iter().copied().map(f32_to_i16).collect()
        };
        if !heard.is_empty() {
            // The program may have gone (call over): nothing to do then.
            let _ = self.program.shared.heard.send(heard);
        }
    }

    fn finish(&mut self) {
        self.program.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompts_play_in_order_then_silence() {
        let (program, _heard) = ProgramAudio::new();
        program.play(Arc::from(vec![1i16; 300]));
        program.play(Arc::from(vec![2i16; 100]));
        let mut io = ProgramIo::new(program.clone());
        let mut frame = vec![0i16; 320];
        io.capture(PROGRAM_SAMPLE_RATE, &mut frame);
        assert!(frame[..300].iter().all(|&s| s == 1));
        assert!(frame[300..].iter().all(|&s| s == 2));
        assert!(program.is_playing());
        io.capture(PROGRAM_SAMPLE_RATE, &mut frame);
        assert!(frame[..80].iter().all(|&s| s == 2));
        assert!(frame[80..].iter().all(|&s| s == 0));
        assert!(!program.is_playing());
        assert_eq!(program.played_samples(), 640);
    }

    #[test]
    fn live_audio_keeps_the_delay_short() {
        let (program, _heard) = ProgramAudio::new();
        // A second of frames arrives while nothing is played out (the other clock is slower).
        for n in 0..50 {
            program.stream(vec![n as i16; 320]);
        }
        let mut io = ProgramIo::new(program.clone());
        let mut frame = vec![0i16; 320];
        io.capture(PROGRAM_SAMPLE_RATE, &mut frame);
        // Only the newest 120 ms (6 frames) were kept: the oldest is frame 44.
        assert!(frame.iter().all(|&s| s == 44), "{:?}", &frame[..4]);
        let mut left = 1;
        while program.is_playing() {
            io.capture(PROGRAM_SAMPLE_RATE, &mut frame);
            left += 1;
        }
        assert_eq!(left, 6);
    }

    #[test]
    fn stop_cuts_the_prompt() {
        let (program, _heard) = ProgramAudio::new();
        program.play(Arc::from(vec![5i16; 16_000]));
        let mut io = ProgramIo::new(program.clone());
        let mut frame = vec![0i16; 320];
        io.capture(PROGRAM_SAMPLE_RATE, &mut frame);
        program.stop();
        io.capture(PROGRAM_SAMPLE_RATE, &mut frame);
        assert!(frame.iter().all(|&s| s == 0));
    }

    #[test]
    fn other_codec_rates_are_converted_both_ways() {
        let (program, mut heard) = ProgramAudio::new();
        let tone: Vec<i16> = (0..16_000)
            .map(|i| ((i as f32 * 0.2).sin() * 10_000.0) as i16)
            .collect();
        program.play(Arc::from(tone));
        let mut io = ProgramIo::new(program.clone());
        let mut frame = vec![0i16; 160]; // 20 ms at 8 kHz
        let mut energy = 0f64;
        for _ in 0..25 {
            io.capture(8_000, &mut frame);
            energy += frame.iter().map(|&s| (s as f64).powi(2)).sum::<f64>();
        }
        assert!(energy > 0.0, "the prompt reaches an 8 kHz codec");
        for _ in 0..10 {
            io.play(8_000, &frame);
        }
        let mut total = 0;
        while let Ok(chunk) = heard.try_recv() {
            total += chunk.len();
        }
        // 10 frames of 20 ms at 16 kHz, less the resampler's start-up delay.
        assert!((2_400..=3_200).contains(&total), "{total} samples heard");
    }
}
