//! Which device one direction (microphone or speaker) should use, as a
//! sans-IO state machine: the device thread feeds it what happened (a stream
//! opened or failed, a watchdog tick with the callback counter) and carries
//! out the [`Action`]s it returns. Keeping the policy here lets it be tested
//! with simulated time and no sound card.
//!
//! Policy: open the requested device; if it is missing, fails to open or
//! fails mid-call, use the system default for the rest of the call and
//! report the fallback once it works. Without any usable device the call
//! goes on in silence, the user is told once, and opening is retried every
//! [`RETRY`].
//!
//! A stream has failed when the driver says the device is gone, when errors
//! keep coming for [`ERROR_GRACE`] without a single callback, or when it
//! stops calling back for [`STALL`]. Single errors are not enough: ALSA's
//! PulseAudio plugin reports bursts of I/O errors (some 30 ms) on fresh
//! streams and after underruns, and then carries on.

use super::Dir;
use crate::events::MediaEvent;
use std::time::{Duration, Instant};

/// Retry period for a direction without a working device.
pub(super) const RETRY: Duration = Duration::from_secs(1);

/// A stream whose callback has not run for this long is treated as failed:
/// some drivers never report an error, the stream just stops calling back.
/// ALSA's PulseAudio plugin legitimately pauses for about 2 s when a stream
/// starts and after an xrun, so this must stay well above that.
pub(super) const STALL: Duration = Duration::from_secs(4);

/// Errors arriving for this long with no callback in between mean the
/// stream is dead (a vanished PulseAudio server makes cpal report errors in
/// a tight loop).
pub(super) const ERROR_GRACE: Duration = Duration::from_secs(1);

/// Errors count as "still arriving" if the last one is at most this old
/// (the stream reports them at most every 100 ms).
const ERRORS_ONGOING: Duration = Duration::from_millis(400);

/// The device a stream should be opened on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Target {
    /// The device the user configured, by name.
    Requested(String),
    /// The system default device.
    Default,
}

/// What the device thread must do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Action {
    /// Open a stream on `target`, tagged `generation`, and report the
    /// outcome with [`Failover::opened`].
    Open {
        /// Where to open it.
        target: Target,
        /// Tag for the new stream; reports from older streams are ignored.
        generation: u64,
    },
    /// Close the stream tagged `generation` (it failed or stalled).
    Close {
        /// The stream to close.
        generation: u64,
    },
    /// Tell the call layer (and through it the user).
    Report(MediaEvent),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    /// No stream; try again at `retry_at`.
    Waiting { retry_at: Instant },
    /// An [`Action::Open`] is under way.
    Opening { generation: u64, on_default: bool },
    /// A stream is running; the watchdog tracks its callback counter.
    Running {
        generation: u64,
        last_beat: Option<u64>,
        last_progress: Instant,
        trouble: Option<Trouble>,
    },
}

/// Errors reported by a running stream since its last callback.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Trouble {
    first: Instant,
    last: Instant,
    /// The callback counter when the errors started.
    beat: u64,
    reason: String,
}

/// Device choice and failure handling for one direction.
#[derive(Debug)]
pub(super) struct Failover {
    dir: Dir,
    requested: Option<String>,
    /// The requested device failed once: the default is used from now on.
    use_default: bool,
    state: State,
    generation: u64,
    /// Why the next stream on the default device is a fallback; reported
    /// (and cleared) once that stream works.
    fallback_reason: Option<String>,
    /// An `AudioDeviceError` was reported and nothing has worked since.
    error_reported: bool,
}

impl Failover {
    /// A direction that wants `requested` (`None`: the system default).
    pub(super) fn new(dir: Dir, requested: Option<String>, now: Instant) -> Self {
        Failover {
            dir,
            use_default: requested.is_none(),
            requested,
            state: State::Waiting { retry_at: now },
            generation: 0,
            fallback_reason: None,
            error_reported: false,
        }
    }

    /// Open the first stream.
    pub(super) fn start(&mut self, now: Instant) -> Vec<Action> {
        self.tick(now, 0)
    }

    /// The generation whose stream may use the audio buffers right now
    /// (0: none).
    pub(super) fn active_generation(&self) -> u64 {
        match self.state {
            State::Waiting { .. } => 0,
            State::Opening { generation, .. } | State::Running { generation, .. } => generation,
        }
    }

    fn open(&mut self) -> Vec<Action> {
        self.generation += 1;
        let target = match (&self.requested, self.use_default) {
            (Some(name), false) => Target::Requested(name.clone()),
            _ => Target::Default,
        };
        self.state = State::Opening {
            generation: self.generation,
            on_default: target == Target::Default,
        };
        vec![Action::Open {
            target,
            generation: self.generation,
        }]
    }

    /// The outcome of [`Action::Open`]: the name of the device now playing
    /// or recording, or why it could not be opened.
    pub(super) fn opened(
        &mut self,
        generation: u64,
        result: Result<String, String>,
        now: Instant,
    ) -> Vec<Action> {
        let State::Opening {
            generation: expected,
            on_default,
        } = self.state
        else {
            return Vec::new();
        };
        if generation != expected {
            return Vec::new();
        }
        match result {
            Ok(used) => {
                self.state = State::Running {
                    generation,
                    last_beat: None,
                    last_progress: now,
                    trouble: None,
                };
                self.error_reported = false;
                match self.fallback_reason.take() {
                    Some(reason) if on_default => {
                        vec![Action::Report(MediaEvent::AudioDeviceFallback {
                            direction: self.dir.name(),
                            requested: self.requested.clone(),
                            used,
                            reason,
                        })]
                    }
                    _ => Vec::new(),
                }
            }
            Err(e) if !on_default => {
                self.use_default = true;
                self.fallback_reason = Some(e);
                self.open()
            }
            Err(e) => {
                self.state = State::Waiting {
                    retry_at: now + RETRY,
                };
                if self.error_reported {
                    return Vec::new();
                }
                self.error_reported = true;
                let dir = self.dir.name();
                let message = match &self.fallback_reason {
                    Some(r) => format!("{r}; the default {dir} device is unusable too: {e}"),
                    None => format!("{dir} device unusable: {e}"),
                };
                tracing::warn!("{message}; the call goes on without it, retrying every second");
                vec![Action::Report(MediaEvent::AudioDeviceError(message))]
            }
        }
    }

    /// The stream tagged `generation` reported an error that it may recover
    /// from; `beat` is its callback counter now. It fails if errors keep
    /// coming for [`ERROR_GRACE`] without a callback (checked in
    /// [`tick`](Self::tick)).
    pub(super) fn error(&mut self, generation: u64, reason: String, now: Instant, beat: u64) {
        let State::Running {
            generation: current,
            trouble,
            ..
        } = &mut self.state
        else {
            return;
        };
        if *current != generation {
            return;
        }
        match trouble {
            Some(t) if t.beat == beat => {
                t.last = now;
                t.reason = reason;
            }
            _ => {
                tracing::debug!("{} stream error: {reason}", self.dir.name());
                *trouble = Some(Trouble {
                    first: now,
                    last: now,
                    beat,
                    reason,
                });
            }
        }
    }

    /// The stream tagged `generation` is beyond repair (the driver says the
    /// device is gone). Late reports from streams already replaced are
    /// ignored.
    pub(super) fn failed(&mut self, generation: u64, reason: String, now: Instant) -> Vec<Action> {
        match self.state {
            State::Running {
                generation: current,
                ..
            } if current == generation => {}
            _ => return Vec::new(),
        }
        tracing::warn!("{} device failed: {reason}", self.dir.name());
        self.use_default = true;
        self.fallback_reason = Some(format!("device failed: {reason}"));
        self.state = State::Waiting { retry_at: now };
        let mut actions = vec![Action::Close { generation }];
        actions.extend(self.open());
        actions
    }

    /// Periodic check: `beat` is the running stream's callback counter.
    /// Retries a missing device and fails a stream that stood still for
    /// [`STALL`] or kept reporting errors for [`ERROR_GRACE`].
    pub(super) fn tick(&mut self, now: Instant, beat: u64) -> Vec<Action> {
        match &mut self.state {
            State::Waiting { retry_at } if now >= *retry_at => self.open(),
            State::Waiting { .. } | State::Opening { .. } => Vec::new(),
            State::Running {
                generation,
                last_beat,
                last_progress,
                trouble,
            } => {
                let generation = *generation;
                if let Some(t) = trouble {
                    let ongoing = now.duration_since(t.last) < ERRORS_ONGOING;
                    if t.beat != beat && !ongoing {
                        tracing::debug!("{} stream recovered from: {}", self.dir.name(), t.reason);
                        *trouble = None;
                    } else if t.beat == beat
                        && ongoing
                        && now.duration_since(t.first) >= ERROR_GRACE
                    {
                        let reason = t.reason.clone();
                        return self.failed(generation, reason, now);
                    }
                }
                if *last_beat != Some(beat) {
                    *last_beat = Some(beat);
                    *last_progress = now;
                    return Vec::new();
                }
                if now.duration_since(*last_progress) < STALL {
                    return Vec::new();
                }
                let reason = format!(
                    "the stream stalled (no audio callback for {} s)",
                    STALL.as_secs()
                );
                self.failed(generation, reason, now)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open_of(actions: &[Action]) -> (Target, u64) {
        match actions.last() {
            Some(Action::Open { target, generation }) => (target.clone(), *generation),
            other => panic!("expected an Open, got {other:?}"),
        }
    }

    fn fallback_of(actions: &[Action]) -> (Option<String>, String, String) {
        match actions {
            [Action::Report(MediaEvent::AudioDeviceFallback {
                requested,
                used,
                reason,
                ..
            })] => (requested.clone(), used.clone(), reason.clone()),
            other => panic!("expected one fallback report, got {other:?}"),
        }
    }

    /// A direction running on `requested`, with its generation.
    fn running(requested: Option<&str>, t: Instant) -> (Failover, u64) {
        let mut f = Failover::new(Dir::Output, requested.map(str::to_owned), t);
        let (_, generation) = open_of(&f.start(t));
        assert!(f.opened(generation, Ok("Speaker".into()), t).is_empty());
        (f, generation)
    }

    #[test]
    fn opens_the_requested_device_first_and_reports_nothing_when_it_works() {
        let t = Instant::now();
        let mut f = Failover::new(Dir::Output, Some("Headset".into()), t);
        let (target, generation) = open_of(&f.start(t));
        assert_eq!(target, Target::Requested("Headset".into()));
        assert!(f.opened(generation, Ok("Headset".into()), t).is_empty());
        assert_eq!(f.active_generation(), generation);
    }

    #[test]
    fn a_missing_requested_device_falls_back_to_the_default_with_a_report() {
        let t = Instant::now();
        let mut f = Failover::new(Dir::Output, Some("Headset".into()), t);
        let (_, g1) = open_of(&f.start(t));
        let (target, g2) =
            open_of(&f.opened(g1, Err("no output device named \"Headset\"".into()), t));
        assert_eq!(target, Target::Default);
        assert!(g2 > g1);
        let (requested, used, reason) = fallback_of(&f.opened(g2, Ok("Default".into()), t));
        assert_eq!(requested.as_deref(), Some("Headset"));
        assert_eq!(used, "Default");
        assert!(reason.contains("no output device named"), "{reason}");
    }

    #[test]
    fn a_requested_device_lost_mid_call_is_replaced_by_the_default() {
        let t = Instant::now();
        let (mut f, g1) = running(Some("Headset"), t);
        let actions = f.failed(g1, "I/O error".into(), t);
        assert_eq!(actions[0], Action::Close { generation: g1 });
        let (target, g2) = open_of(&actions);
        assert_eq!(target, Target::Default);
        let (requested, _, reason) = fallback_of(&f.opened(g2, Ok("Default".into()), t));
        assert_eq!(requested.as_deref(), Some("Headset"));
        assert!(reason.contains("I/O error"), "{reason}");
        // Later failures stay on the default device.
        let (target, _) = open_of(&f.failed(g2, "again".into(), t));
        assert_eq!(target, Target::Default);
    }

    #[test]
    fn reports_from_replaced_streams_are_ignored() {
        let t = Instant::now();
        let (mut f, g1) = running(Some("Headset"), t);
        let (_, g2) = open_of(&f.failed(g1, "gone".into(), t));
        // The old stream keeps complaining while the new one opens and runs.
        assert!(f.failed(g1, "gone".into(), t).is_empty());
        f.opened(g2, Ok("Default".into()), t);
        assert!(f.failed(g1, "gone".into(), t).is_empty());
        assert!(f.opened(g1, Ok("Headset".into()), t).is_empty());
        assert_eq!(f.active_generation(), g2);
    }

    #[test]
    fn a_stream_that_stops_calling_back_is_rebuilt_after_the_stall_time() {
        let t = Instant::now();
        let (mut f, g1) = running(None, t);
        // Progress, then a pause shorter than STALL (plugin start-up) is fine.
        assert!(f.tick(t + Duration::from_millis(200), 5).is_empty());
        assert!(f.tick(t + STALL, 5).is_empty());
        assert!(f.tick(t + STALL + Duration::from_millis(100), 9).is_empty());
        // Then nothing for STALL.
        let stalled_at = t + STALL + Duration::from_millis(100);
        assert!(f
            .tick(stalled_at + STALL - Duration::from_millis(1), 9)
            .is_empty());
        let actions = f.tick(stalled_at + STALL, 9);
        assert_eq!(actions[0], Action::Close { generation: g1 });
        let (target, g2) = open_of(&actions);
        assert_eq!(target, Target::Default);
        let (requested, _, reason) = fallback_of(&f.opened(g2, Ok("Default".into()), t));
        assert_eq!(requested, None);
        assert!(reason.contains("stalled"), "{reason}");
    }

    #[test]
    fn a_stream_that_never_calls_back_counts_as_stalled() {
        let t = Instant::now();
        let (mut f, g1) = running(Some("Headset"), t);
        assert!(f.tick(t, 0).is_empty());
        let actions = f.tick(t + STALL, 0);
        assert_eq!(actions[0], Action::Close { generation: g1 });
    }

    #[test]
    fn a_short_burst_of_errors_is_survived() {
        let t = Instant::now();
        let (mut f, g) = running(Some("Headset"), t);
        assert!(f.tick(t, 10).is_empty());
        let ms = |n| t + Duration::from_millis(n);
        // A burst of I/O errors, then a pause with no callbacks (the
        // plugin restarting), then callbacks again.
        f.error(g, "I/O error".into(), ms(10), 10);
        f.error(g, "I/O error".into(), ms(40), 10);
        for n in (200..=2400).step_by(200) {
            assert!(f.tick(ms(n), 10).is_empty(), "failed at {n} ms");
        }
        assert!(f.tick(ms(2600), 30).is_empty());
        // Much later, another burst is judged on its own.
        f.error(g, "I/O error".into(), ms(5000), 40);
        assert!(f.tick(ms(5200), 40).is_empty());
        assert!(f.tick(ms(5400), 60).is_empty());
        assert_eq!(f.active_generation(), g);
    }

    #[test]
    fn errors_that_keep_coming_without_callbacks_fail_the_stream() {
        let t = Instant::now();
        let (mut f, g1) = running(Some("Headset"), t);
        assert!(f.tick(t, 10).is_empty());
        let ms = |n| t + Duration::from_millis(n);
        let mut at = 0;
        let actions = loop {
            at += 100;
            f.error(g1, format!("I/O error {at}"), ms(at), 10);
            let actions = f.tick(ms(at), 10);
            if !actions.is_empty() {
                break actions;
            }
            assert!(at < 2000, "never failed");
        };
        assert!(
            Duration::from_millis(at) >= ERROR_GRACE,
            "failed after {at} ms"
        );
        assert_eq!(actions[0], Action::Close { generation: g1 });
        let (target, g2) = open_of(&actions);
        assert_eq!(target, Target::Default);
        let (requested, _, reason) = fallback_of(&f.opened(g2, Ok("Default".into()), ms(at)));
        assert_eq!(requested.as_deref(), Some("Headset"));
        assert!(reason.contains("I/O error"), "{reason}");
    }

    #[test]
    fn errors_while_callbacks_go_on_do_not_fail_the_stream() {
        let t = Instant::now();
        let (mut f, g) = running(Some("Headset"), t);
        for n in 1..40u64 {
            let now = t + Duration::from_millis(100 * n);
            f.error(g, "underrun-ish".into(), now, n * 5);
            assert!(f.tick(now, n * 5 + 2).is_empty(), "failed at step {n}");
        }
    }

    #[test]
    fn without_any_device_reports_once_and_retries_every_second() {
        let t = Instant::now();
        let mut f = Failover::new(Dir::Input, Some("Headset".into()), t);
        let (_, g1) = open_of(&f.start(t));
        let (_, g2) = open_of(&f.opened(g1, Err("no input device named \"Headset\"".into()), t));
        let actions = f.opened(g2, Err("no default input device".into()), t);
        match &actions[..] {
            [Action::Report(MediaEvent::AudioDeviceError(m))] => {
                assert!(
                    m.contains("Headset") && m.contains("no default input device"),
                    "{m}"
                )
            }
            other => panic!("expected an error report, got {other:?}"),
        }
        assert_eq!(f.active_generation(), 0);
        assert!(f.tick(t + RETRY / 2, 0).is_empty());
        let (target, g3) = open_of(&f.tick(t + RETRY, 0));
        assert_eq!(target, Target::Default);
        // A second failure is not reported again.
        assert!(f.opened(g3, Err("still none".into()), t + RETRY).is_empty());
        let (_, g4) = open_of(&f.tick(t + RETRY * 2, 0));
        // Once the default works, the fallback is reported.
        let (requested, _, _) = fallback_of(&f.opened(g4, Ok("Default".into()), t + RETRY * 2));
        assert_eq!(requested.as_deref(), Some("Headset"));
    }

    #[test]
    fn a_default_device_that_comes_up_late_is_not_a_fallback() {
        let t = Instant::now();
        let mut f = Failover::new(Dir::Output, None, t);
        let (_, g1) = open_of(&f.start(t));
        assert_eq!(
            f.opened(g1, Err("no default output device".into()), t)
                .len(),
            1
        );
        let (_, g2) = open_of(&f.tick(t + RETRY, 0));
        assert!(f.opened(g2, Ok("Default".into()), t + RETRY).is_empty());
    }
}
