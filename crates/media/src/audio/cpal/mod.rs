//! Sound-card backend via cpal. The realtime callbacks only move samples
//! through lock-free ring buffers (mono `f32` at the device rate); resampling
//! to/from the codec rate happens on the session's tick, outside the
//! callbacks. A device thread manages the streams ([`device_thread`]) by the
//! policy in [`failover`]: a missing, failing or stalled device is replaced by
//! the default one with an event; with no usable device the call continues in
//! silence (the far end keeps receiving RTP) and opening is retried every
//! second. Each stream lives on its own thread ([`stream`]) so that a driver
//! that hangs cannot hang the call.

mod device_thread;
mod failover;
mod stream;

use super::{AudioIo, RateAdapter};
use crate::events::MediaEvent;
use crate::resample::{f32_to_i16, i16_to_f32};
use crate::MediaError;
use ringbuf::traits::{Consumer, Observer, Producer, Split};
use ringbuf::{HeapCons, HeapProd, HeapRb};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use tokio::sync::broadcast;

/// Ring capacity in samples: 250 ms at up to 192 kHz.
const RING_CAPACITY: usize = 48_000;
/// Most audio (in ms) kept queued towards the speaker before frames are dropped.
const MAX_OUTPUT_QUEUE_MS: u32 = 120;
/// Most microphone audio (in ms) kept waiting before old samples are dropped.
const MAX_INPUT_BACKLOG_MS: u32 = 60;

/// One direction's state shared by the engine side, the device thread and
/// the callbacks.
#[derive(Default)]
struct Lane {
    /// Device rate; 0 while that direction has no working stream.
    rate: AtomicU32,
    /// Generation of the stream allowed to use the ring (0: none), so that a
    /// replaced stream still winding down cannot steal samples.
    active: AtomicU64,
    /// Callbacks of the active stream so far, for the stall watchdog.
    beat: AtomicU64,
}

/// State shared between the engine side, the device thread and the callbacks.
struct Shared {
    input: Lane,
    output: Lane,
    /// Callback-side ring ends, lent to whichever stream is current.
    in_prod: Mutex<Option<HeapProd<f32>>>,
    out_cons: Mutex<Option<HeapCons<f32>>>,
}

/// A stream direction; the discriminant indexes per-direction arrays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dir {
    Input = 0,
    Output = 1,
}

impl Dir {
    fn name(self) -> &'static str {
        match self {
            Dir::Input => "input",
            Dir::Output => "output",
        }
    }
}

/// Messages to the device thread.
enum Ctl {
    /// A stream's device is gone: direction, the stream's generation, the error.
    Failed(Dir, u64, String),
    /// A stream reported an error it may recover from (same fields).
    Error(Dir, u64, String),
    /// The call ended.
    Stop,
}

/// The cpal backend's engine-side half.
pub(crate) struct CpalIo {
    shared: Arc<Shared>,
    mic: HeapCons<f32>,
    speaker: HeapProd<f32>,
    ctl: mpsc::Sender<Ctl>,
    thread: Option<std::thread::JoinHandle<()>>,
    mic_adapter: RateAdapter,
    spk_adapter: RateAdapter,
    raw: Vec<f32>,
    mic_ready: Vec<f32>,
    spk_buf: Vec<f32>,
    spk_in: Vec<f32>,
}

impl CpalIo {
    /// Start the device thread. Device problems are reported as events, not
    /// errors, so that a broken sound card never prevents a call.
    pub(crate) fn open(
        input: Option<String>,
        output: Option<String>,
        events: broadcast::Sender<MediaEvent>,
    ) -> Result<Self, MediaError> {
        let (in_prod, mic) = HeapRb::<f32>::new(RING_CAPACITY).split();
        let (speaker, out_cons) = HeapRb::<f32>::new(RING_CAPACITY).split();
        let shared = Arc::new(Shared {
            input: Lane::default(),
            output: Lane::default(),
            in_prod: Mutex::new(Some(in_prod)),
            out_cons: Mutex::new(Some(out_cons)),
        });
        let (ctl, ctl_rx) = mpsc::channel();
        let thread = {
            let shared = shared.clone();
            let ctl = ctl.clone();
            std::thread::Builder::new()
                .name("frontdesk-audio".into())
                .spawn(move || device_thread::run(shared, input, output, events, ctl, ctl_rx))
                .map_err(|e| MediaError::AudioDevice(format!("cannot start audio thread: {e}")))?
        };
        Ok(Self {
            shared,
            mic,
            speaker,
            ctl,
            thread: Some(thread),
            mic_adapter: RateAdapter::default(),
            spk_adapter: RateAdapter::default(),
            raw: vec![0.0; RING_CAPACITY],
            mic_ready: Vec::new(),
            spk_buf: Vec::new(),
            spk_in: Vec::new(),
        })
    }
}

impl AudioIo for CpalIo {
    fn capture(&mut self, rate: u32, out: &mut [i16]) {
        let dev_rate = self.shared.input.rate.load(Ordering::Acquire);
        let n = self.mic.pop_slice(&mut self.raw);
        if dev_rate != 0 && n > 0 {
            self.mic_adapter
                .process(dev_rate, rate, &self.raw[..n], &mut self.mic_ready);
        }
        let max_backlog = (rate * MAX_INPUT_BACKLOG_MS / 1000) as usize + out.len();
        if self.mic_ready.len() > max_backlog {
            let excess = self.mic_ready.len() - max_backlog;
            self.mic_ready.drain(..excess);
        }
        let take = self.mic_ready.len().min(out.len());
        for (o, s) in out.iter_mut().zip(self.mic_ready.drain(..take)) {
            *o = f32_to_i16(s);
        }
        out[take..].fill(0);
    }

    fn play(&mut self, rate: u32, frame: &[i16]) {
        let dev_rate = self.shared.output.rate.load(Ordering::Acquire);
        if dev_rate == 0 {
            return;
        }
        self.spk_in.clear();
        self.spk_in.extend(frame.iter().map(|&s| i16_to_f32(s)));
        self.spk_buf.clear();
        self.spk_adapter
            .process(rate, dev_rate, &self.spk_in, &mut self.spk_buf);
        let max_queue = (dev_rate * MAX_OUTPUT_QUEUE_MS / 1000) as usize;
        if self.speaker.occupied_len() + self.spk_buf.len() > max_queue {
            // The device consumes slower than we produce: drop this frame
            // rather than let latency grow.
            return;
        }
        self.speaker.push_slice(&self.spk_buf);
    }

    fn finish(&mut self) {
        let _ = self.ctl.send(Ctl::Stop);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for CpalIo {
    fn drop(&mut self) {
        let _ = self.ctl.send(Ctl::Stop);
    }
}
