//! The thread that manages a call's sound devices: it carries out what each
//! direction's [`Failover`] decides (open, close, report) and feeds it
//! stream failures and watchdog ticks. It never blocks on the audio driver
//! for longer than [`OPEN_TIMEOUT`] / [`CLOSE_WAIT`], so a device that hangs
//! cannot stop the call or its end.

use super::failover::{Action, Failover};
use super::stream::{self, StreamOwner};
use super::{Ctl, Dir, Lane, Shared};
use crate::events::MediaEvent;
use std::sync::atomic::Ordering;
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};
use tokio::sync::broadcast;

/// How often running streams are checked for progress and missing devices
/// retried.
const WATCHDOG_TICK: Duration = Duration::from_millis(200);
/// Longest wait for a driver to start a stream before trying elsewhere.
const OPEN_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest wait for a driver to release a stream before leaving it behind.
const CLOSE_WAIT: Duration = Duration::from_secs(1);

/// One direction: its policy, its lane in [`Shared`] and its stream.
struct Side {
    dir: Dir,
    failover: Failover,
    stream: Option<(u64, StreamOwner)>,
}

impl Side {
    fn lane<'a>(&self, shared: &'a Shared) -> &'a Lane {
        match self.dir {
            Dir::Input => &shared.input,
            Dir::Output => &shared.output,
        }
    }

    /// Carry out `actions` (and whatever they lead to).
    fn run(
        &mut self,
        mut actions: Vec<Action>,
        shared: &Arc<Shared>,
        ctl: &mpsc::Sender<Ctl>,
        events: &broadcast::Sender<MediaEvent>,
    ) {
        while !actions.is_empty() {
            let mut next = Vec::new();
            for action in actions {
                match action {
                    Action::Open { target, generation } => {
                        let lane = self.lane(shared);
                        lane.rate.store(0, Ordering::Release);
                        lane.active.store(generation, Ordering::Release);
                        let result =
                            stream::open(self.dir, target, generation, shared, ctl, OPEN_TIMEOUT);
                        let result = result.map(|opened| {
                            lane.rate.store(opened.rate, Ordering::Release);
                            tracing::info!("{} device {:?} opened", self.dir.name(), opened.device);
                            self.stream = Some((generation, opened.owner));
                            opened.device
                        });
                        if self.failover.active_generation() != generation {
                            continue;
                        }
                        next.extend(self.failover.opened(generation, result, Instant::now()));
                    }
                    Action::Close { generation } => self.close(generation, shared),
                    Action::Report(event) => {
                        let _ = events.send(event);
                    }
                }
            }
            // Only the state machine's current stream may use the buffers.
            let lane = self.lane(shared);
            lane.active
                .store(self.failover.active_generation(), Ordering::Release);
            if self.failover.active_generation() == 0 {
                lane.rate.store(0, Ordering::Release);
            }
            actions = next;
        }
    }

    fn close(&mut self, generation: u64, shared: &Shared) {
        let lane = self.lane(shared);
        if lane.active.load(Ordering::Acquire) == generation {
            lane.active.store(0, Ordering::Release);
            lane.rate.store(0, Ordering::Release);
        }
        if self.stream.as_ref().is_some_and(|(g, _)| *g == generation) {
            if let Some((_, owner)) = self.stream.take() {
                owner.close(CLOSE_WAIT);
            }
        }
    }
}

/// The device thread's body: runs until [`Ctl::Stop`] or until the engine
/// side is gone.
pub(super) fn run(
    shared: Arc<Shared>,
    input: Option<String>,
    output: Option<String>,
    events: broadcast::Sender<MediaEvent>,
    ctl: mpsc::Sender<Ctl>,
    ctl_rx: mpsc::Receiver<Ctl>,
) {
    let now = Instant::now();
    let mut sides = [
        Side {
            dir: Dir::Input,
            failover: Failover::new(Dir::Input, input, now),
            stream: None,
        },
        Side {
            dir: Dir::Output,
            failover: Failover::new(Dir::Output, output, now),
            stream: None,
        },
    ];
    for side in sides.iter_mut() {
        let actions = side.failover.start(Instant::now());
        side.run(actions, &shared, &ctl, &events);
    }
    // Ticks are due by the clock, not by a quiet channel: a broken stream
    // reports errors more often than the tick period.
    let mut next_tick = Instant::now() + WATCHDOG_TICK;
    loop {
        let wait = next_tick.saturating_duration_since(Instant::now());
        match ctl_rx.recv_timeout(wait) {
            Ok(Ctl::Stop) | Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Ok(Ctl::Failed(dir, generation, reason)) => {
                let side = &mut sides[dir as usize];
                let actions = side.failover.failed(generation, reason, Instant::now());
                side.run(actions, &shared, &ctl, &events);
            }
            Ok(Ctl::Error(dir, generation, reason)) => {
                let side = &mut sides[dir as usize];
                let beat = side.lane(&shared).beat.load(Ordering::Relaxed);
                side.failover
                    .error(generation, reason, Instant::now(), beat);
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
        if Instant::now() >= next_tick {
            next_tick = Instant::now() + WATCHDOG_TICK;
            for side in sides.iter_mut() {
                let beat = side.lane(&shared).beat.load(Ordering::Relaxed);
                let actions = side.failover.tick(Instant::now(), beat);
                side.run(actions, &shared, &ctl, &events);
            }
        }
    }
    for side in sides.iter_mut() {
        side.lane(&shared).active.store(0, Ordering::Release);
        if let Some((_, owner)) = side.stream.take() {
            owner.close(CLOSE_WAIT);
        }
    }
}
