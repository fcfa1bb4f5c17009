//! Sans-IO adaptive jitter buffer.
//!
//! Packets go in with [`JitterBuffer::push`] as they arrive; the playout clock
//! calls [`JitterBuffer::pop`] once per frame period. The buffer reorders,
//! drops duplicates and late packets, reports gaps as [`Playout::Lost`] (so the
//! decoder can conceal, with the next packet for Opus FEC), and adapts its
//! delay: the target follows the RFC 3550 interarrival jitter estimate, an
//! underrun stretches playout by one concealed frame, and a buffer that has
//! grown beyond the target is shrunk by dropping a frame now and then.
//! Time is passed in, so tests run on simulated clocks.

use bytes::Bytes;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// Consecutive empty pops that are concealed before going back to buffering.
const MAX_CONCEALED_UNDERRUN: u32 = 5;
/// A sequence jump larger than this (either way) is treated as a new stream.
const MAX_SEQ_JUMP: u64 = 1000;
/// Timestamp differences beyond this many seconds are treated as a jump
/// (not jitter) and reset the jitter estimator's reference.
const MAX_TS_JUMP_SECS: f64 = 10.0;
/// Minimum number of pops between two shrink steps.
const SHRINK_EVERY: u32 = 25;

/// Tuning of the buffer; see [`JitterConfig::new`] for defaults.
#[derive(Debug, Clone, Copy)]
pub struct JitterConfig {
    /// Duration of one packet (ptime).
    pub frame: Duration,
    /// RTP clock rate of the stream, to convert timestamps to time.
    pub clock_rate: u32,
    /// Lower bound of the target delay.
    pub min_delay: Duration,
    /// Upper bound of the target delay.
    pub max_delay: Duration,
}

impl JitterConfig {
    /// Defaults for a stream with `ptime_ms` packets: target delay 20–200 ms.
    pub fn new(ptime_ms: u32, clock_rate: u32) -> Self {
        let frame = Duration::from_millis(ptime_ms.max(1) as u64);
        Self {
            frame,
            clock_rate: clock_rate.max(1),
            min_delay: frame.max(Duration::from_millis(20)),
            max_delay: Duration::from_millis(200).max(frame * 2),
        }
    }
}

/// One packet ready to be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// RTP sequence number.
    pub sequence: u16,
    /// RTP timestamp.
    pub timestamp: u32,
    /// Codec payload.
    pub payload: Bytes,
}

/// What to play for one frame period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Playout {
    /// Decode this packet.
    Frame(Frame),
    /// Nothing to decode: conceal. `next` is the following packet's payload
    /// when it is already here (for Opus in-band FEC).
    Lost {
        /// Sequence number being concealed.
        sequence: u16,
        /// Payload of `sequence + 1`, if buffered.
        next: Option<Bytes>,
    },
}

/// What [`JitterBuffer::push`] did with a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushOutcome {
    /// Stored for playout.
    Accepted,
    /// Already buffered; dropped.
    Duplicate,
    /// Its playout time has passed; dropped.
    Late,
    /// New SSRC or a sequence discontinuity: the buffer was flushed and this
    /// packet starts a new stream.
    Reset,
}

/// Counters for diagnostics and RTCP-style statistics.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct JitterStats {
    /// Packets accepted (including the one that caused a reset).
    pub received: u64,
    /// Duplicates dropped.
    pub duplicates: u64,
    /// Packets that arrived after their playout time.
    pub late: u64,
    /// Sequence numbers never received by their playout time.
    pub lost: u64,
    /// Frames concealed because the buffer ran dry (stretching the delay).
    pub underruns: u64,
    /// Frames dropped to shrink an over-full buffer or on overflow.
    pub discarded: u64,
    /// Stream restarts (SSRC change, big sequence jump).
    pub resets: u64,
}

#[derive(Debug)]
struct Entry {
    timestamp: u32,
    payload: Bytes,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Buffering,
    Playing,
}

/// The adaptive jitter buffer. Not thread-safe by itself; one per stream.
#[derive(Debug)]
pub struct JitterBuffer {
    cfg: JitterConfig,
    state: State,
    ssrc: Option<u32>,
    highest: Option<u64>,
    next: Option<u64>,
    packets: BTreeMap<u64, Entry>,
    buffering_since: Option<Instant>,
    empty_pops: u32,
    pops_since_shrink: u32,
    last_arrival: Option<(Instant, u32)>,
    jitter_secs: f64,
    late_boost: Duration,
    stats: JitterStats,
}

impl JitterBuffer {
    /// An empty buffer.
    pub fn new(cfg: JitterConfig) -> Self {
        Self {
            cfg,
            state: State::Buffering,
            ssrc: None,
            highest: None,
            next: None,
            packets: BTreeMap::new(),
            buffering_since: None,
            empty_pops: 0,
            pops_since_shrink: 0,
            last_arrival: None,
            jitter_secs: 0.0,
            late_boost: Duration::ZERO,
            stats: JitterStats::default(),
        }
    }

    /// Counters so far.
    pub fn stats(&self) -> JitterStats {
        self.stats
    }

    /// Current interarrival jitter estimate (RFC 3550 §6.4.1).
    pub fn jitter(&self) -> Duration {
        Duration::from_secs_f64(self.jitter_secs)
    }

    /// Delay the buffer currently aims for.
    pub fn target_delay(&self) -> Duration {
        let from_jitter = self.cfg.frame + Duration::from_secs_f64(self.jitter_secs * 3.0);
        (from_jitter + self.late_boost).clamp(self.cfg.min_delay, self.cfg.max_delay)
    }

    /// Packets currently held.
    pub fn len(&self) -> usize {
        self.packets.len()
    }

    /// True when no packet is held.
    pub fn is_empty(&self) -> bool {
        self.packets.is_empty()
    }

    fn flush(&mut self) {
        self.packets.clear();
        self.state = State::Buffering;
        self.highest = None;
        self.next = None;
        self.buffering_since = None;
        self.empty_pops = 0;
        self.last_arrival = None;
    }

    fn extend_seq(&self, seq: u16) -> u64 {
        let Some(h) = self.highest else {
            // Leave room below for reordered packets of the first few.
            return (1u64 << 32) + seq as u64;
        };
        let base = h & !0xffff;
        [base.wrapping_sub(0x10000), base, base + 0x10000]
            .into_iter()
            .map(|b| b + seq as u64)
            .min_by_key(|c| c.abs_diff(h))
            .unwrap_or(base + seq as u64)
    }

    fn update_jitter(&mut self, timestamp: u32, arrival: Instant) {
        if let Some((prev_arrival, prev_ts)) = self.last_arrival {
            let ts_diff =
                timestamp.wrapping_sub(prev_ts) as i32 as f64 / self.cfg.clock_rate as f64;
            if ts_diff.abs() <= MAX_TS_JUMP_SECS {
                let arr_diff = if arrival >= prev_arrival {
                    (arrival - prev_arrival).as_secs_f64()
                } else {
                    -(prev_arrival - arrival).as_secs_f64()
                };
                let d = (arr_diff - ts_diff).abs().min(1.0);
                self.jitter_secs += (d - self.jitter_secs) / 16.0;
            }
        }
        self.last_arrival = Some((arrival, timestamp));
    }

    /// Offer a received packet.
    pub fn push(
        &mut self,
        ssrc: u32,
        sequence: u16,
        timestamp: u32,
        payload: Bytes,
        arrival: Instant,
    ) -> PushOutcome {
        let mut outcome = PushOutcome::Accepted;
        if self.ssrc.is_some_and(|s| s != ssrc) {
            self.flush();
            self.stats.resets += 1;
            outcome = PushOutcome::Reset;
        }
        self.ssrc = Some(ssrc);
        let mut ext = self.extend_seq(sequence);
        if self.highest.is_some_and(|h| h.abs_diff(ext) > MAX_SEQ_JUMP) {
            self.flush();
            self.stats.resets += 1;
            outcome = PushOutcome::Reset;
            ext = self.extend_seq(sequence);
        }
        if self.next.is_some_and(|n| ext < n) {
            self.stats.late += 1;
            // A late packet means the delay was too small for this network.
            self.late_boost = (self.late_boost + self.cfg.frame / 2).min(self.cfg.max_delay);
            return PushOutcome::Late;
        }
        if self.packets.contains_key(&ext) {
            self.stats.duplicates += 1;
            return PushOutcome::Duplicate;
        }
        self.update_jitter(timestamp, arrival);
        self.packets.insert(ext, Entry { timestamp, payload });
        self.highest = Some(self.highest.map_or(ext, |h| h.max(ext)));
        self.stats.received += 1;
        if self.state == State::Buffering && self.buffering_since.is_none() {
            self.buffering_since = Some(arrival);
        }
        self.enforce_capacity();
        outcome
    }

    fn enforce_capacity(&mut self) {
        let max_packets =
            (self.cfg.max_delay.as_micros() / self.cfg.frame.as_micros().max(1)) as usize * 2 + 4;
        while self.packets.len() > max_packets {
            if let Some((seq, _)) = self.packets.pop_first() {
                self.stats.discarded += 1;
                if self.next.is_some_and(|n| n <= seq) {
                    self.next = Some(seq + 1);
                }
            }
        }
    }

    /// Take what to play for the frame period starting at `now`. `None` means
    /// the buffer is (re)filling: play silence.
    pub fn pop(&mut self, now: Instant) -> Option<Playout> {
        // Decay the late-packet boost slowly (about one frame per 10 s at 20 ms).
        self.late_boost = self.late_boost.saturating_sub(self.cfg.frame / 500);
        if self.state == State::Buffering {
            let since = self.buffering_since?;
            let lowest = *self.packets.keys().next()?;
            let span = self.cfg.frame * self.packets.len() as u32;
            if now.saturating_duration_since(since) < self.target_delay()
                && span <= self.target_delay()
            {
                return None;
            }
            self.state = State::Playing;
            self.next = Some(lowest);
            self.empty_pops = 0;
            self.pops_since_shrink = 0;
        }
        let next = self.next?;
        self.pops_since_shrink = self.pops_since_shrink.saturating_add(1);
        self.maybe_shrink(next);
        let next = self.next?;

        if let Some(e) = self.packets.remove(&next) {
            self.next = Some(next + 1);
            self.empty_pops = 0;
            return Some(Playout::Frame(Frame {
                sequence: next as u16,
                timestamp: e.timestamp,
                payload: e.payload,
            }));
        }
        if !self.packets.is_empty() {
            self.next = Some(next + 1);
            self.stats.lost += 1;
            self.empty_pops = 0;
            return Some(Playout::Lost {
                sequence: next as u16,
                next: self.packets.get(&(next + 1)).map(|e| e.payload.clone()),
            });
        }
        // Underrun: conceal without advancing, which adds one frame of delay.
        self.empty_pops += 1;
        if self.empty_pops > MAX_CONCEALED_UNDERRUN {
            self.state = State::Buffering;
            self.buffering_since = None;
            return None;
        }
        self.stats.underruns += 1;
        Some(Playout::Lost {
            sequence: next as u16,
            next: None,
        })
    }

    fn maybe_shrink(&mut self, next: u64) {
        let held = self.cfg.frame * self.packets.len() as u32;
        if self.pops_since_shrink >= SHRINK_EVERY && held > self.target_delay() + self.cfg.frame * 2
        {
            self.pops_since_shrink = 0;
            if self.packets.remove(&next).is_some() {
                self.stats.discarded += 1;
            }
            self.next = Some(next + 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FRAME: Duration = Duration::from_millis(20);

    fn jb() -> JitterBuffer {
        JitterBuffer::new(JitterConfig::new(20, 8000))
    }

    /// What came out of one pop, simplified for assertions.
    #[derive(Debug, Clone, PartialEq)]
    enum Out {
        Silence,
        Play(u16),
        Lost(u16, bool),
    }

    struct Arrival {
        at: Duration,
        ssrc: u32,
        seq: u16,
        ts: u32,
    }

    fn stream(first_seq: u16, n: usize) -> Vec<Arrival> {
        (0..n)
            .map(|i| Arrival {
                at: FRAME * i as u32,
                ssrc: 1,
                seq: first_seq.wrapping_add(i as u16),
                ts: 1000u32.wrapping_add(160 * i as u32),
            })
            .collect()
    }

    /// Merge arrivals and pops (every 20 ms from 5 ms on) on one simulated clock.
    fn simulate(
        buf: &mut JitterBuffer,
        mut arrivals: Vec<Arrival>,
        pops: usize,
    ) -> (Vec<Out>, Vec<PushOutcome>) {
        arrivals.sort_by_key(|a| a.at);
        let t0 = Instant::now();
        let mut outs = Vec::new();
        let mut outcomes = Vec::new();
        let mut it = arrivals.into_iter().peekable();
        for p in 0..pops {
            let now = FRAME * p as u32 + Duration::from_millis(5);
            while let Some(a) = it.next_if(|a| a.at <= now) {
                let payload = Bytes::from(a.seq.to_be_bytes().to_vec());
                outcomes.push(buf.push(a.ssrc, a.seq, a.ts, payload, t0 + a.at));
            }
            outs.push(match buf.pop(t0 + now) {
                None => Out::Silence,
                Some(Playout::Frame(f)) => {
                    assert_eq!(&f.payload[..], &f.sequence.to_be_bytes());
                    Out::Play(f.sequence)
                }
                Some(Playout::Lost { sequence, next }) => Out::Lost(sequence, next.is_some()),
            });
        }
        (outs, outcomes)
    }

    fn played(outs: &[Out]) -> Vec<u16> {
        outs.iter()
            .filter_map(|o| match o {
                Out::Play(s) => Some(*s),
                _ => None,
            })
            .collect()
    }

    /// Tiny deterministic PRNG so the tests are reproducible.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    #[test]
    fn steady_stream_plays_everything_in_order() {
        let mut b = jb();
        let (outs, _) = simulate(&mut b, stream(100, 100), 110);
        assert_eq!(played(&outs), (100..200).collect::<Vec<u16>>());
        assert_eq!(b.stats().lost, 0);
        assert!(
            b.target_delay() <= Duration::from_millis(40),
            "{:?}",
            b.target_delay()
        );
        // Initial buffering is bounded by the target delay.
        assert!(outs.iter().take_while(|o| **o == Out::Silence).count() <= 3);
    }

    #[test]
    fn reordered_packets_come_out_in_order() {
        let mut arr = stream(0, 60);
        for pair in arr.chunks_mut(2) {
            if let [a, b] = pair {
                std::mem::swap(&mut a.at, &mut b.at);
            }
        }
        let mut b = jb();
        let (outs, _) = simulate(&mut b, arr, 70);
        let p = played(&outs);
        assert!(p.windows(2).all(|w| w[1] == w[0] + 1), "{p:?}");
        assert!(p.len() >= 58, "{}", p.len());
    }

    #[test]
    fn duplicates_are_dropped() {
        let mut arr = stream(0, 30);
        let dups: Vec<Arrival> = stream(0, 30)
            .into_iter()
            .map(|mut a| {
                a.at += Duration::from_millis(3);
                a
            })
            .collect();
        arr.extend(dups);
        let mut b = jb();
        let (outs, outcomes) = simulate(&mut b, arr, 40);
        assert_eq!(played(&outs), (0..30).collect::<Vec<u16>>());
        let dup_or_late = outcomes
            .iter()
            .filter(|o| matches!(o, PushOutcome::Duplicate | PushOutcome::Late))
            .count();
        assert_eq!(dup_or_late, 30);
    }

    #[test]
    fn a_lost_packet_is_reported_once_with_fec_source() {
        let arr: Vec<Arrival> = stream(0, 40).into_iter().filter(|a| a.seq != 10).collect();
        let mut b = jb();
        let (outs, _) = simulate(&mut b, arr, 50);
        let pos = outs
            .iter()
            .position(|o| *o == Out::Lost(10, true))
            .expect("loss of 10 reported");
        assert_eq!(outs[pos - 1], Out::Play(9));
        assert_eq!(outs[pos + 1], Out::Play(11));
        assert_eq!(b.stats().lost, 1);
    }

    #[test]
    fn sequence_wraps_around() {
        let mut b = jb();
        let (outs, _) = simulate(&mut b, stream(65_530, 20), 30);
        let expected: Vec<u16> = (0..20).map(|i| 65_530u16.wrapping_add(i)).collect();
        assert_eq!(played(&outs), expected);
        assert_eq!(b.stats().resets, 0);
    }

    #[test]
    fn ssrc_change_restarts_the_stream() {
        let mut arr = stream(500, 20);
        arr.extend(stream(9, 20).into_iter().map(|mut a| {
            a.ssrc = 2;
            a.at += FRAME * 20;
            a
        }));
        let mut b = jb();
        let (outs, outcomes) = simulate(&mut b, arr, 50);
        assert!(outcomes.contains(&PushOutcome::Reset));
        assert_eq!(b.stats().resets, 1);
        let p = played(&outs);
        assert!(
            p.contains(&9) && p.contains(&28) && p.contains(&500),
            "{p:?}"
        );
        assert_eq!(*p.last().unwrap(), 28);
    }

    #[test]
    fn big_sequence_jump_restarts_instead_of_waiting() {
        let mut arr = stream(0, 20);
        arr.extend(stream(30_000, 20).into_iter().map(|mut a| {
            a.at += FRAME * 20;
            a
        }));
        let mut b = jb();
        let (outs, _) = simulate(&mut b, arr, 50);
        let p = played(&outs);
        // The flush may drop the one frame still buffered from the old stream.
        assert!(p.len() >= 38, "{p:?}");
        assert_eq!(p.last(), Some(&30_019));
        assert_eq!(b.stats().lost, 0);
        assert_eq!(b.stats().resets, 1);
    }

    #[test]
    fn timestamp_jump_does_not_disturb_playout_or_jitter() {
        let arr: Vec<Arrival> = stream(0, 60)
            .into_iter()
            .map(|mut a| {
                if a.seq >= 30 {
                    a.ts = a.ts.wrapping_add(3_000_000_000);
                }
                a
            })
            .collect();
        let mut b = jb();
        let (outs, _) = simulate(&mut b, arr, 70);
        assert_eq!(played(&outs).len(), 60);
        assert!(b.jitter() < Duration::from_millis(2), "{:?}", b.jitter());
    }

    #[test]
    fn target_adapts_to_jitter_and_limits_underruns() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let arr: Vec<Arrival> = stream(0, 500)
            .into_iter()
            .map(|mut a| {
                a.at += Duration::from_millis(rng.below(60));
                a
            })
            .collect();
        let mut b = jb();
        let (outs, _) = simulate(&mut b, arr, 520);
        let target = b.target_delay();
        assert!(target > Duration::from_millis(40), "target {target:?}");
        assert!(target <= Duration::from_millis(200));
        let p = played(&outs);
        assert!(p.windows(2).all(|w| w[1] > w[0]), "monotonic playout");
        let s = b.stats();
        assert!(p.len() >= 470, "played {} stats {s:?}", p.len());
        assert!(s.late + s.lost < 30, "{s:?}");
    }

    #[test]
    fn jitter_estimate_tracks_network() {
        let mut quiet = jb();
        simulate(&mut quiet, stream(0, 200), 210);
        let mut rng = Rng(42);
        let noisy_arr: Vec<Arrival> = stream(0, 200)
            .into_iter()
            .map(|mut a| {
                a.at += Duration::from_millis(rng.below(40));
                a
            })
            .collect();
        let mut noisy = jb();
        simulate(&mut noisy, noisy_arr, 210);
        assert!(quiet.jitter() < Duration::from_millis(1));
        assert!(
            noisy.jitter() > Duration::from_millis(5),
            "{:?}",
            noisy.jitter()
        );
    }

    #[test]
    fn random_loss_and_reorder_never_duplicates_or_reverses() {
        let mut rng = Rng(7);
        let mut arr = Vec::new();
        for mut a in stream(65_000, 1000) {
            if rng.below(100) >= 5 {
                a.at += Duration::from_millis(rng.below(30));
                arr.push(a);
            }
        }
        let mut b = jb();
        let (outs, _) = simulate(&mut b, arr, 1100);
        let mut seen = std::collections::HashSet::new();
        let mut last: Option<u16> = None;
        for o in &outs {
            if let Out::Play(s) | Out::Lost(s, _) = o {
                if let Some(l) = last {
                    let d = s.wrapping_sub(l);
                    assert!(d <= 1, "went from {l} to {s}");
                }
                last = Some(*s);
            }
            if let Out::Play(s) = o {
                assert!(seen.insert(*s), "{s} played twice");
            }
        }
        let s = b.stats();
        assert!(s.lost >= 30 && s.lost <= 90, "{s:?}");
    }

    #[test]
    fn long_silence_rebuffers_and_late_packets_are_dropped() {
        let mut arr = stream(0, 10);
        arr.extend(stream(10, 10).into_iter().map(|mut a| {
            a.at += Duration::from_secs(1);
            a
        }));
        let mut b = jb();
        let (outs, _) = simulate(&mut b, arr, 80);
        assert!(
            outs[20..45].contains(&Out::Silence),
            "gap rebuffers to silence"
        );
        assert_eq!(played(&outs), (0..20).collect::<Vec<u16>>());

        let t = Instant::now();
        let mut b = jb();
        for s in 0..5u16 {
            b.push(1, s, s as u32 * 160, Bytes::new(), t);
        }
        for i in 0..3 {
            b.pop(t + FRAME * (2 + i));
        }
        let before = b.target_delay();
        assert_eq!(
            b.push(1, 0, 0, Bytes::new(), t + FRAME * 5),
            PushOutcome::Late
        );
        assert!(b.target_delay() >= before);
        assert_eq!(b.stats().late, 1);
    }

    #[test]
    fn overflow_is_bounded() {
        let t = Instant::now();
        let mut b = jb();
        for s in 0..10_000u32 {
            b.push(1, s as u16, s * 160, Bytes::new(), t);
        }
        assert!(b.len() <= 30, "{}", b.len());
    }
}
