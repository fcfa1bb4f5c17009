//! Sound-card backend via cpal. Device streams live on a dedicated thread
//! (cpal streams are not `Send` on every platform); the realtime callbacks
//! only move samples through lock-free ring buffers (mono `f32` at the
//! device rate). Resampling to/from the codec rate happens on the session's
//! tick, outside the callbacks. A missing or failing device falls back to the
//! default one with an event; with no usable device the call continues in
//! silence and the thread retries every second.

use super::{AudioIo, RateAdapter};
use crate::events::MediaEvent;
use crate::resample::{f32_to_i16, i16_to_f32};
use crate::MediaError;
use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{ErrorKind, FromSample, SampleFormat, SizedSample};
use ringbuf::traits::{Consumer, Observer, Producer, Split};
use ringbuf::{HeapCons, HeapProd, HeapRb};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::broadcast;

/// Ring capacity in samples: 250 ms at up to 192 kHz.
const RING_CAPACITY: usize = 48_000;
/// Most audio (in ms) kept queued towards the speaker before frames are dropped.
const MAX_OUTPUT_QUEUE_MS: u32 = 120;
/// Most microphone audio (in ms) kept waiting before old samples are dropped.
const MAX_INPUT_BACKLOG_MS: u32 = 60;
/// Retry period for a direction without a working device.
const RETRY: Duration = Duration::from_secs(1);
/// How often the device thread checks that running streams make progress.
const WATCHDOG_TICK: Duration = Duration::from_millis(200);
/// A stream whose callback has not run for this long is treated as failed:
/// some backends (ALSA's PulseAudio plugin when a sink is unloaded) never
/// report an error, the stream just stops calling back.
const STALL: Duration = Duration::from_millis(1500);

/// State shared between the engine side, the device thread and the callbacks.
struct Shared {
    /// Current device rates; 0 while that direction has no working stream.
    in_rate: AtomicU32,
    out_rate: AtomicU32,
    /// Callback-side ring ends, lent to whichever stream is current.
    in_prod: Mutex<Option<HeapProd<f32>>>,
    out_cons: Mutex<Option<HeapCons<f32>>>,
    /// Callback counters (one atomic add per callback) for the watchdog.
    in_beat: AtomicU64,
    out_beat: AtomicU64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dir {
    Input,
    Output,
}

impl Dir {
    fn name(self) -> &'static str {
        match self {
            Dir::Input => "input",
            Dir::Output => "output",
        }
    }
}

enum Ctl {
    /// A stream failed: direction, the stream's generation, the error.
    Failed(Dir, u64, String),
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
            in_rate: AtomicU32::new(0),
            out_rate: AtomicU32::new(0),
            in_prod: Mutex::new(Some(in_prod)),
            out_cons: Mutex::new(Some(out_cons)),
            in_beat: AtomicU64::new(0),
            out_beat: AtomicU64::new(0),
        });
        let (ctl, ctl_rx) = mpsc::channel();
        let thread = {
            let shared = shared.clone();
            let ctl = ctl.clone();
            std::thread::Builder::new()
                .name("frontdesk-audio".into())
                .spawn(move || device_thread(shared, input, output, events, ctl, ctl_rx))
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
        let dev_rate = self.shared.in_rate.load(Ordering::Acquire);
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
        let dev_rate = self.shared.out_rate.load(Ordering::Acquire);
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

fn device_name(d: &cpal::Device) -> String {
    d.description()
        .map(|desc| desc.name().to_owned())
        .unwrap_or_else(|_| "<unnamed device>".into())
}

fn find_device(host: &cpal::Host, dir: Dir, name: &str) -> Option<cpal::Device> {
    let devices = match dir {
        Dir::Input => host.input_devices().ok()?.collect::<Vec<_>>(),
        Dir::Output => host.output_devices().ok()?.collect::<Vec<_>>(),
    };
    devices.into_iter().find(|d| device_name(d) == name)
}

fn default_device(host: &cpal::Host, dir: Dir) -> Option<cpal::Device> {
    match dir {
        Dir::Input => host.default_input_device(),
        Dir::Output => host.default_output_device(),
    }
}

/// Build and start a stream on `device`, lending it the ring end.
fn build_stream(
    device: &cpal::Device,
    dir: Dir,
    shared: &Arc<Shared>,
    ctl: &mpsc::Sender<Ctl>,
    generation: u64,
) -> Result<cpal::Stream, String> {
    let supported = match dir {
        Dir::Input => device.default_input_config(),
        Dir::Output => device.default_output_config(),
    }
    .map_err(|e| e.to_string())?;
    let config = supported.config();
    let channels = config.channels.max(1) as usize;
    let ctl_err = ctl.clone();
    // cpal keeps calling this for a broken stream (its worker retries after
    // most errors): report the failure once, tagged with the stream's
    // generation so that a late report cannot tear down its replacement.
    let mut reported = false;
    let on_error = move |e: cpal::Error| match e.kind() {
        ErrorKind::Xrun | ErrorKind::DeviceChanged | ErrorKind::RealtimeDenied => {
            tracing::debug!("{} stream: {e}", dir.name());
        }
        _ if reported => {}
        _ => {
            reported = true;
            let _ = ctl_err.send(Ctl::Failed(dir, generation, e.to_string()));
        }
    };
    let stream = match (dir, supported.sample_format()) {
        (Dir::Input, SampleFormat::I16) => {
            input_stream::<i16>(device, config, channels, shared, on_error)
        }
        (Dir::Input, _) => input_stream::<f32>(device, config, channels, shared, on_error),
        (Dir::Output, SampleFormat::I16) => {
            output_stream::<i16>(device, config, channels, shared, on_error)
        }
        (Dir::Output, _) => output_stream::<f32>(device, config, channels, shared, on_error),
    }
    .map_err(|e| e.to_string())?;
    stream.play().map_err(|e| e.to_string())?;
    let rate = match dir {
        Dir::Input => &shared.in_rate,
        Dir::Output => &shared.out_rate,
    };
    rate.store(config.sample_rate, Ordering::Release);
    Ok(stream)
}

fn input_stream<T>(
    device: &cpal::Device,
    config: cpal::StreamConfig,
    channels: usize,
    shared: &Arc<Shared>,
    on_error: impl FnMut(cpal::Error) + Send + 'static,
) -> Result<cpal::Stream, cpal::Error>
where
    T: SizedSample,
    f32: FromSample<T>,
{
    let shared = shared.clone();
    device.build_input_stream::<T, _, _>(
        config,
        move |data: &[T], _| {
            shared.in_beat.fetch_add(1, Ordering::Relaxed);
            let Ok(mut guard) = shared.in_prod.try_lock() else {
                return;
            };
            let Some(prod) = guard.as_mut() else { return };
            for frame in data.chunks(channels) {
                let sum: f32 = frame.iter().map(|&s| f32::from_sample_(s)).sum();
                let _ = prod.try_push(sum / channels as f32);
            }
        },
        on_error,
        None,
    )
}

fn output_stream<T>(
    device: &cpal::Device,
    config: cpal::StreamConfig,
    channels: usize,
    shared: &Arc<Shared>,
    on_error: impl FnMut(cpal::Error) + Send + 'static,
) -> Result<cpal::Stream, cpal::Error>
where
    T: SizedSample + FromSample<f32>,
{
    let shared = shared.clone();
    device.build_output_stream::<T, _, _>(
        config,
        move |data: &mut [T], _| {
            shared.out_beat.fetch_add(1, Ordering::Relaxed);
            let Ok(mut guard) = shared.out_cons.try_lock() else {
                data.fill(T::EQUILIBRIUM);
                return;
            };
            let Some(cons) = guard.as_mut() else {
                data.fill(T::EQUILIBRIUM);
                return;
            };
            for frame in data.chunks_mut(channels) {
                let v = T::from_sample_(cons.try_pop().unwrap_or(0.0));
                frame.fill(v);
            }
        },
        on_error,
        None,
    )
}

/// One direction's device management on the device thread.
struct Direction {
    dir: Dir,
    requested: Option<String>,
    /// Once the requested device failed we stay on the default.
    use_default: bool,
    stream: Option<cpal::Stream>,
    /// Bumped for every stream built, to tell stale failure reports apart.
    generation: u64,
    reported_error: bool,
    /// Watchdog: callback count last seen and when it last changed.
    last_beat: u64,
    last_progress: Instant,
    /// When opening was last attempted (retry pacing).
    last_attempt: Instant,
}

impl Direction {
    fn beat(&self, shared: &Shared) -> u64 {
        match self.dir {
            Dir::Input => shared.in_beat.load(Ordering::Relaxed),
            Dir::Output => shared.out_beat.load(Ordering::Relaxed),
        }
    }

    /// The current stream failed: drop it and reopen on the default device.
    fn fail(
        &mut self,
        host: &cpal::Host,
        shared: &Arc<Shared>,
        ctl: &mpsc::Sender<Ctl>,
        events: &broadcast::Sender<MediaEvent>,
        reason: String,
    ) {
        let dir = self.dir;
        tracing::warn!("{} device failed: {reason}", dir.name());
        match dir {
            Dir::Input => shared.in_rate.store(0, Ordering::Release),
            Dir::Output => shared.out_rate.store(0, Ordering::Release),
        }
        self.stream = None;
        self.use_default = true;
        self.open(
            host,
            shared,
            ctl,
            events,
            Some(format!("device failed: {reason}")),
        );
    }

    fn open(
        &mut self,
        host: &cpal::Host,
        shared: &Arc<Shared>,
        ctl: &mpsc::Sender<Ctl>,
        events: &broadcast::Sender<MediaEvent>,
        why_fallback: Option<String>,
    ) {
        let dir = self.dir;
        self.last_attempt = Instant::now();
        self.last_progress = Instant::now();
        self.last_beat = self.beat(shared);
        self.generation += 1;
        let generation = self.generation;
        let mut fallback_reason = why_fallback;
        if !self.use_default {
            if let Some(name) = self.requested.clone() {
                match find_device(host, dir, &name) {
                    Some(d) => match build_stream(&d, dir, shared, ctl, generation) {
                        Ok(s) => {
                            tracing::info!("{} device {name:?} opened", dir.name());
                            self.stream = Some(s);
                            self.reported_error = false;
                            return;
                        }
                        Err(e) => fallback_reason = Some(format!("cannot open {name:?}: {e}")),
                    },
                    None => {
                        fallback_reason = Some(format!("no {} device named {name:?}", dir.name()))
                    }
                }
                self.use_default = true;
            }
        }
        let result = default_device(host, dir)
            .ok_or_else(|| format!("no default {} device", dir.name()))
            .and_then(|d| {
                build_stream(&d, dir, shared, ctl, generation).map(|s| (s, device_name(&d)))
            });
        match result {
            Ok((s, used)) => {
                self.stream = Some(s);
                self.reported_error = false;
                if let Some(reason) = fallback_reason {
                    tracing::warn!(
                        "{} falls back to default device {used:?}: {reason}",
                        dir.name()
                    );
                    let _ = events.send(MediaEvent::AudioDeviceFallback {
                        direction: dir.name(),
                        requested: self.requested.clone(),
                        used,
                        reason,
                    });
                }
            }
            Err(e) => {
                if !self.reported_error {
                    self.reported_error = true;
                    let msg = match fallback_reason {
                        Some(r) => format!("{r}; default {} device unusable too: {e}", dir.name()),
                        None => format!("{} device unusable: {e}", dir.name()),
                    };
                    tracing::warn!("{msg}; retrying every second");
                    let _ = events.send(MediaEvent::AudioDeviceError(msg));
                }
            }
        }
    }
}

fn device_thread(
    shared: Arc<Shared>,
    input: Option<String>,
    output: Option<String>,
    events: broadcast::Sender<MediaEvent>,
    ctl: mpsc::Sender<Ctl>,
    ctl_rx: mpsc::Receiver<Ctl>,
) {
    let host = cpal::default_host();
    let mut dirs = [
        Direction {
            dir: Dir::Input,
            requested: input,
            use_default: false,
            stream: None,
            generation: 0,
            reported_error: false,
            last_beat: 0,
            last_progress: Instant::now(),
            last_attempt: Instant::now(),
        },
        Direction {
            dir: Dir::Output,
            requested: output,
            use_default: false,
            stream: None,
            generation: 0,
            reported_error: false,
            last_beat: 0,
            last_progress: Instant::now(),
            last_attempt: Instant::now(),
        },
    ];
    for d in dirs.iter_mut() {
        d.open(&host, &shared, &ctl, &events, None);
    }
    loop {
        match ctl_rx.recv_timeout(WATCHDOG_TICK) {
            Ok(Ctl::Stop) | Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Ok(Ctl::Failed(dir, generation, reason)) => {
                let d = &mut dirs[if dir == Dir::Input { 0 } else { 1 }];
                if d.stream.is_none() || generation != d.generation {
                    continue; // Already handled, or from a replaced stream.
                }
                d.fail(&host, &shared, &ctl, &events, reason);
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let now = Instant::now();
                for d in dirs.iter_mut() {
                    if d.stream.is_none() {
                        if now.duration_since(d.last_attempt) >= RETRY {
                            d.open(&host, &shared, &ctl, &events, None);
                        }
                        continue;
                    }
                    // Capture from a PulseAudio monitor source via ALSA
                    // legitimately pauses for seconds, so only playback
                    // (which must be fed continuously) is watched.
                    if d.dir != Dir::Output {
                        continue;
                    }
                    let beat = d.beat(&shared);
                    if beat != d.last_beat {
                        d.last_beat = beat;
                        d.last_progress = now;
                    } else if now.duration_since(d.last_progress) >= STALL {
                        let reason =
                            format!("stream stalled (no callback for {} ms)", STALL.as_millis());
                        d.fail(&host, &shared, &ctl, &events, reason);
                    }
                }
            }
        }
    }
    // Streams drop here, on the thread that created them.
}
