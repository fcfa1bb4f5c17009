//! One cpal stream per thread. Opening or closing a stream can block inside
//! the audio driver indefinitely: ALSA's PulseAudio plugin waits forever in
//! `snd_pcm_close` for a server that died. So every stream is found, built,
//! kept and dropped on its own thread; the device thread only waits a
//! bounded time for it and leaves a hung one behind instead of hanging the
//! call. (It also keeps cpal streams on the thread that made them, which
//! not every platform's `Stream` allows to move.)

use super::failover::Target;
use super::{Ctl, Dir, Lane, Shared};
use ::cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use ::cpal::{ErrorKind, FromSample, SampleFormat, SizedSample};
use ringbuf::traits::{Consumer, Producer};
use std::sync::atomic::Ordering;
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

/// Errors of a stream are reported to the device thread at most this often.
const ERROR_REPORT_INTERVAL: Duration = Duration::from_millis(100);

/// A running stream; dropping or [`close`](Self::close)-ing it ends the
/// thread that owns it, which drops the stream.
pub(super) struct StreamOwner {
    dir: Dir,
    stop: mpsc::Sender<()>,
    closed: mpsc::Receiver<()>,
}

impl StreamOwner {
    /// Close the stream, waiting at most `wait` for the driver to let go.
    /// A stream that takes longer is left to its thread (logged).
    pub(super) fn close(self, wait: Duration) {
        let _ = self.stop.send(());
        if let Err(mpsc::RecvTimeoutError::Timeout) = self.closed.recv_timeout(wait) {
            tracing::warn!(
                "closing the {} stream hangs in the audio driver; leaving it behind",
                self.dir.name()
            );
        }
    }
}

/// A freshly opened stream: its owner, the device's name and sample rate.
pub(super) struct Opened {
    pub(super) owner: StreamOwner,
    pub(super) device: String,
    pub(super) rate: u32,
}

/// Open a stream for `dir` on `target` on a new thread and wait up to
/// `timeout` for it to start. Only callbacks of `generation` (while it is the
/// lane's active one) touch the shared buffers; a vanished device is
/// reported on `failures` once, other errors at most every
/// [`ERROR_REPORT_INTERVAL`].
pub(super) fn open(
    dir: Dir,
    target: Target,
    generation: u64,
    shared: &Arc<Shared>,
    failures: &mpsc::Sender<Ctl>,
    timeout: Duration,
) -> Result<Opened, String> {
    let (result_tx, result_rx) = mpsc::channel();
    let (stop, stop_rx) = mpsc::channel::<()>();
    let (closed_tx, closed) = mpsc::channel();
    let shared = shared.clone();
    let failures = failures.clone();
    std::thread::Builder::new()
        .name(format!("frontdesk-{}", dir.name()))
        .spawn(move || {
            let (stream, device, rate) = match build(dir, &target, generation, &shared, failures) {
                Ok(built) => built,
                Err(e) => {
                    let _ = result_tx.send(Err(e));
                    return;
                }
            };
            // If the device thread gave up waiting, the send fails and the
            // stream is dropped at once.
            if result_tx.send(Ok((device, rate))).is_ok() {
                let _ = stop_rx.recv();
            }
            drop(stream);
            let _ = closed_tx.send(());
        })
        .map_err(|e| format!("cannot start an audio thread: {e}"))?;
    match result_rx.recv_timeout(timeout) {
        Ok(Ok((device, rate))) => Ok(Opened {
            owner: StreamOwner { dir, stop, closed },
            device,
            rate,
        }),
        Ok(Err(e)) => Err(e),
        Err(mpsc::RecvTimeoutError::Timeout) => Err(format!(
            "the audio driver did not start the stream within {} s",
            timeout.as_secs()
        )),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            Err("the audio driver crashed while opening the stream".into())
        }
    }
}

/// The name users configure a device by: cpal's description.
fn device_name(d: &::cpal::Device) -> String {
    d.description()
        .map(|desc| desc.name().to_owned())
        .unwrap_or_else(|_| "<unnamed device>".into())
}

/// Whether `d` is the device called `name`, by its description (as shown to
/// users) or by the backend's own id (e.g. ALSA's `hw:CARD=Headset,DEV=0`).
fn is_named(d: &::cpal::Device, name: &str) -> bool {
    device_name(d) == name || d.id().is_ok_and(|id| id.id() == name)
}

fn find_device(dir: Dir, target: &Target) -> Result<::cpal::Device, String> {
    let host = ::cpal::default_host();
    match target {
        Target::Default => match dir {
            Dir::Input => host.default_input_device(),
            Dir::Output => host.default_output_device(),
        }
        .ok_or_else(|| format!("no default {} device", dir.name())),
        Target::Requested(name) => {
            let devices = match dir {
                Dir::Input => host.input_devices().map(|d| d.collect::<Vec<_>>()),
                Dir::Output => host.output_devices().map(|d| d.collect::<Vec<_>>()),
            }
            .map_err(|e| format!("cannot list {} devices: {e}", dir.name()))?;
            devices
                .into_iter()
                .find(|d| is_named(d, name))
                .ok_or_else(|| format!("no {} device named {name:?}", dir.name()))
        }
    }
}

/// Find the device and start a stream on it; runs on the owner thread.
fn build(
    dir: Dir,
    target: &Target,
    generation: u64,
    shared: &Arc<Shared>,
    failures: mpsc::Sender<Ctl>,
) -> Result<(::cpal::Stream, String, u32), String> {
    let device = find_device(dir, target)?;
    let name = device_name(&device);
    let fail = |e: &dyn std::fmt::Display| match target {
        Target::Requested(_) => format!("cannot open {name:?}: {e}"),
        Target::Default => format!(
            "cannot open the default {} device {name:?}: {e}",
            dir.name()
        ),
    };
    let supported = match dir {
        Dir::Input => device.default_input_config(),
        Dir::Output => device.default_output_config(),
    }
    .map_err(|e| fail(&e))?;
    let config = supported.config();
    let channels = config.channels.max(1) as usize;
    // cpal keeps calling this for a broken stream (its ALSA worker retries
    // in a tight loop): a device that is gone is reported once, other errors
    // at most every ERROR_REPORT_INTERVAL.
    let mut gone = false;
    let mut last_report: Option<Instant> = None;
    let on_error = move |e: ::cpal::Error| match e.kind() {
        ErrorKind::Xrun | ErrorKind::DeviceChanged | ErrorKind::RealtimeDenied => {
            tracing::debug!("{} stream: {e}", dir.name());
        }
        _ if gone => {}
        ErrorKind::DeviceNotAvailable => {
            gone = true;
            let _ = failures.send(Ctl::Failed(dir, generation, e.to_string()));
        }
        _ if last_report.is_some_and(|t| t.elapsed() < ERROR_REPORT_INTERVAL) => {}
        _ => {
            last_report = Some(Instant::now());
            let _ = failures.send(Ctl::Error(dir, generation, e.to_string()));
        }
    };
    let stream = match (dir, supported.sample_format()) {
        (Dir::Input, SampleFormat::I16) => {
            input_stream::<i16>(&device, config, channels, generation, shared, on_error)
        }
        (Dir::Input, _) => {
            input_stream::<f32>(&device, config, channels, generation, shared, on_error)
        }
        (Dir::Output, SampleFormat::I16) => {
            output_stream::<i16>(&device, config, channels, generation, shared, on_error)
        }
        (Dir::Output, _) => {
            output_stream::<f32>(&device, config, channels, generation, shared, on_error)
        }
    }
    .map_err(|e| fail(&e))?;
    stream.play().map_err(|e| fail(&e))?;
    Ok((stream, name, config.sample_rate))
}

/// Whether a callback of `generation` may use the buffers; counts the beat
/// the watchdog looks at.
fn admit(lane: &Lane, generation: u64) -> bool {
    if lane.active.load(Ordering::Acquire) != generation {
        return false;
    }
    lane.beat.fetch_add(1, Ordering::Relaxed);
    true
}

fn input_stream<T>(
    device: &::cpal::Device,
    config: ::cpal::StreamConfig,
    channels: usize,
    generation: u64,
    shared: &Arc<Shared>,
    on_error: impl FnMut(::cpal::Error) + Send + 'static,
) -> Result<::cpal::Stream, ::cpal::Error>
where
    T: SizedSample,
    f32: FromSample<T>,
{
    let shared = shared.clone();
    device.build_input_stream::<T, _, _>(
        config,
        move |data: &[T], _| {
            if !admit(&shared.input, generation) {
                return;
            }
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
    device: &::cpal::Device,
    config: ::cpal::StreamConfig,
    channels: usize,
    generation: u64,
    shared: &Arc<Shared>,
    on_error: impl FnMut(::cpal::Error) + Send + 'static,
) -> Result<::cpal::Stream, ::cpal::Error>
where
    T: SizedSample + FromSample<f32>,
{
    let shared = shared.clone();
    device.build_output_stream::<T, _, _>(
        config,
        move |data: &mut [T], _| {
            if !admit(&shared.output, generation) {
                data.fill(T::EQUILIBRIUM);
                return;
            }
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
