//! RFC 4733 telephone-events (DTMF), sans-IO: a sender that turns a digit into
//! the packet sequence for one event, and a receiver that reports each event
//! exactly once although the end packet is sent three times.

/// Duration of a generated digit.
pub const DIGIT_MS: u32 = 100;
/// How many times the end-of-event packet is sent (RFC 4733 §2.5.1.4).
const END_REPEATS: u32 = 3;
/// Volume field (-dBm0) we put in outgoing events.
const VOLUME: u8 = 10;

/// Event code for a digit: 0-9 → 0-9, `*` → 10, `#` → 11, A-D → 12-15.
pub fn digit_to_event(digit: char) -> Option<u8> {
    match digit.to_ascii_uppercase() {
        d @ '0'..='9' => Some(d as u8 - b'0'),
        '*' => Some(10),
        '#' => Some(11),
        d @ 'A'..='D' => Some(d as u8 - b'A' + 12),
        _ => None,
    }
}

/// Inverse of [`digit_to_event`]; other events (flash, tones) give `None`.
pub fn event_to_digit(event: u8) -> Option<char> {
    match event {
        0..=9 => Some((b'0' + event) as char),
        10 => Some('*'),
        11 => Some('#'),
        12..=15 => Some((b'A' + event - 12) as char),
        _ => None,
    }
}

/// A parsed telephone-event payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventPayload {
    /// Event code.
    pub event: u8,
    /// End bit.
    pub end: bool,
    /// Volume in -dBm0.
    pub volume: u8,
    /// Duration so far, in RTP clock units.
    pub duration: u16,
}

impl EventPayload {
    /// Parse the 4-byte payload (extra bytes, i.e. multiple events, are ignored).
    pub fn parse(payload: &[u8]) -> Option<Self> {
        let b = payload.get(..4)?;
        Some(Self {
            event: b[0],
            end: b[1] & 0x80 != 0,
            volume: b[1] & 0x3f,
            duration: u16::from_be_bytes([b[2], b[3]]),
        })
    }

    /// Serialise to the 4-byte wire format.
    pub fn to_bytes(self) -> [u8; 4] {
        let d = self.duration.to_be_bytes();
        [
            self.event,
            (self.volume & 0x3f) | if self.end { 0x80 } else { 0 },
            d[0],
            d[1],
        ]
    }
}

/// One packet the sender wants on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DtmfPacket {
    /// RTP timestamp: the event's start, identical for all its packets.
    pub timestamp: u32,
    /// Marker bit: set on the first packet of the event.
    pub marker: bool,
    /// The telephone-event payload.
    pub payload: [u8; 4],
}

/// Generates one event's packets, one per [`DtmfSender::next_packet`] call
/// (call once per ptime tick, instead of sending audio).
#[derive(Debug, Clone)]
pub struct DtmfSender {
    event: u8,
    start_ts: u32,
    step: u32,
    total: u32,
    elapsed: u32,
    ends_sent: u32,
}

impl DtmfSender {
    /// Start an event for `digit` at RTP timestamp `start_ts`; `step` is the
    /// timestamp increment per packet and `clock_rate` the RTP clock.
    pub fn new(digit: char, start_ts: u32, step: u32, clock_rate: u32) -> Option<Self> {
        let total = (clock_rate * DIGIT_MS / 1000).min(u16::MAX as u32);
        Some(Self {
            event: digit_to_event(digit)?,
            start_ts,
            step: step.max(1),
            total,
            elapsed: 0,
            ends_sent: 0,
        })
    }

    /// True once every packet of the event (including the end repeats) was produced.
    pub fn is_finished(&self) -> bool {
        self.ends_sent >= END_REPEATS
    }

    /// The next packet, or `None` once all end packets are out.
    pub fn next_packet(&mut self) -> Option<DtmfPacket> {
        if self.is_finished() {
            return None;
        }
        let marker = self.elapsed == 0;
        self.elapsed = (self.elapsed + self.step).min(self.total);
        let end = self.elapsed >= self.total;
        if end {
            self.ends_sent += 1;
        }
        Some(DtmfPacket {
            timestamp: self.start_ts,
            marker,
            payload: EventPayload {
                event: self.event,
                end,
                volume: VOLUME,
                duration: self.elapsed as u16,
            }
            .to_bytes(),
        })
    }
}

/// Reports each incoming event once: keyed by the event's RTP timestamp,
/// which stays the same across its update and end retransmissions.
#[derive(Debug, Default, Clone)]
pub struct DtmfReceiver {
    last: Option<(u32, u32)>,
}

impl DtmfReceiver {
    /// A receiver that has seen nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feed one telephone-event packet; returns the digit when it starts a new event.
    pub fn receive(&mut self, ssrc: u32, timestamp: u32, payload: &[u8]) -> Option<char> {
        let ev = EventPayload::parse(payload)?;
        if self.last == Some((ssrc, timestamp)) {
            return None;
        }
        let digit = event_to_digit(ev.event)?;
        self.last = Some((ssrc, timestamp));
        Some(digit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digit_mapping() {
        for d in "0123456789*#ABCD".chars() {
            assert_eq!(event_to_digit(digit_to_event(d).unwrap()), Some(d));
        }
        assert_eq!(digit_to_event('a'), Some(12));
        assert_eq!(digit_to_event('x'), None);
        assert_eq!(event_to_digit(16), None);
    }

    #[test]
    fn sender_sequence_has_marker_growing_duration_and_three_ends() {
        let mut s = DtmfSender::new('5', 1000, 160, 8000).unwrap();
        let pkts: Vec<_> = std::iter::from_fn(|| s.next_packet()).collect();
        assert_eq!(
            pkts.len(),
            5 + 2,
            "800 units in 160 steps, end sent 3 times"
        );
        assert!(pkts[0].marker && pkts[1..].iter().all(|p| !p.marker));
        assert!(pkts.iter().all(|p| p.timestamp == 1000));
        let evs: Vec<_> = pkts
            .iter()
            .map(|p| EventPayload::parse(&p.payload).unwrap())
            .collect();
        assert!(evs.iter().all(|e| e.event == 5));
        assert_eq!(evs[0].duration, 160);
        assert_eq!(evs.iter().filter(|e| e.end).count(), 3);
        assert!(evs[..4].iter().all(|e| !e.end));
        assert_eq!(evs[6].duration, 800);
        assert!(s.is_finished());
    }

    #[test]
    fn receiver_reports_each_event_once() {
        let mut r = DtmfReceiver::new();
        let mut got = Vec::new();
        for (i, d) in "12#".chars().enumerate() {
            let mut s = DtmfSender::new(d, 5000 + i as u32 * 2000, 160, 8000).unwrap();
            while let Some(p) = s.next_packet() {
                got.extend(r.receive(1, p.timestamp, &p.payload));
                got.extend(r.receive(1, p.timestamp, &p.payload)); // duplicate
            }
        }
        assert_eq!(got, vec!['1', '2', '#']);
        assert_eq!(r.receive(1, 1, &[1, 2]), None, "short payload dropped");
    }

    #[test]
    fn rejects_bad_digit() {
        assert!(DtmfSender::new('x', 0, 160, 8000).is_none());
    }
}
