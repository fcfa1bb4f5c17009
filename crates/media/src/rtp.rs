//! RTP (RFC 3550) packet parsing and building, sans-IO. Parsing never panics:
//! any malformed input yields an [`RtpError`].

use std::fmt;

/// Why a datagram was not accepted as RTP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RtpError {
    /// Shorter than the fixed 12-byte header (or than its CSRC list / extension).
    Truncated,
    /// Version field is not 2.
    BadVersion(u8),
    /// Padding length is zero or larger than the payload.
    BadPadding,
}

impl fmt::Display for RtpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RtpError::Truncated => write!(f, "RTP packet truncated"),
            RtpError::BadVersion(v) => write!(f, "RTP version {v}, expected 2"),
            RtpError::BadPadding => write!(f, "RTP padding length invalid"),
        }
    }
}

impl std::error::Error for RtpError {}

/// A parsed RTP packet borrowing its payload from the datagram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RtpPacket<'a> {
    /// Marker bit (start of talkspurt / start of DTMF event).
    pub marker: bool,
    /// 7-bit payload type.
    pub payload_type: u8,
    /// Sequence number.
    pub sequence: u16,
    /// Media timestamp in the codec's RTP clock.
    pub timestamp: u32,
    /// Synchronisation source of the sender.
    pub ssrc: u32,
    /// Payload without header, CSRCs, extension and padding.
    pub payload: &'a [u8],
}

/// True when a datagram on the RTP port is really RTCP multiplexed onto it
/// (RFC 5761: second byte 200..=204, i.e. payload type 72..=76 with marker set).
pub fn is_rtcp(datagram: &[u8]) -> bool {
    datagram.len() >= 2 && (200..=204).contains(&datagram[1])
}

impl<'a> RtpPacket<'a> {
    /// Parse a datagram as RTP.
    pub fn parse(buf: &'a [u8]) -> Result<Self, RtpError> {
        if buf.len() < 12 {
            return Err(RtpError::Truncated);
        }
        let version = buf[0] >> 6;
        if version != 2 {
            return Err(RtpError::BadVersion(version));
        }
        let padding = buf[0] & 0x20 != 0;
        let extension = buf[0] & 0x10 != 0;
        let csrc_count = (buf[0] & 0x0f) as usize;
        let mut start = 12 + 4 * csrc_count;
        if buf.len() < start {
            return Err(RtpError::Truncated);
        }
        if extension {
            let ext = buf.get(start..start + 4).ok_or(RtpError::Truncated)?;
            let words = u16::from_be_bytes([ext[2], ext[3]]) as usize;
            start += 4 + 4 * words;
            if buf.len() < start {
                return Err(RtpError::Truncated);
            }
        }
        let mut end = buf.len();
        if padding {
            let pad = buf[buf.len() - 1] as usize;
            if pad == 0 || pad > end - start {
                return Err(RtpError::BadPadding);
            }
            end -= pad;
        }
        Ok(RtpPacket {
            marker: buf[1] & 0x80 != 0,
            payload_type: buf[1] & 0x7f,
            sequence: u16::from_be_bytes([buf[2], buf[3]]),
            timestamp: u32::from_be_bytes([buf[4], buf[5], buf[6], buf[7]]),
            ssrc: u32::from_be_bytes([buf[8], buf[9], buf[10], buf[11]]),
            payload: &buf[start..end],
        })
    }

    /// Serialise (no CSRCs, no extension, no padding) into `out`, which is cleared first.
    pub fn write(&self, out: &mut Vec<u8>) {
        out.clear();
        out.push(0x80);
        out.push((self.payload_type & 0x7f) | if self.marker { 0x80 } else { 0 });
        out.extend_from_slice(&self.sequence.to_be_bytes());
        out.extend_from_slice(&self.timestamp.to_be_bytes());
        out.extend_from_slice(&self.ssrc.to_be_bytes());
        out.extend_from_slice(self.payload);
    }
}

/// A random 32-bit value for SSRCs and initial sequence numbers / timestamps
/// (RFC 3550 wants them unpredictable). Uses the OS-seeded SipHash keys that
/// std already draws for `HashMap`, so no extra RNG dependency is needed.
pub fn random_u32() -> u32 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    h.finish() as u32
}

/// Outgoing stream state: SSRC, sequence numbers, timestamps and the
/// marker bit on the first packet.
#[derive(Debug, Clone)]
pub struct RtpSender {
    /// Our SSRC.
    pub ssrc: u32,
    next_seq: u16,
    first: bool,
    /// Packets sent so far.
    pub packets: u32,
    /// Payload octets sent so far.
    pub octets: u32,
}

impl RtpSender {
    /// A sender with random SSRC and initial sequence number.
    pub fn new() -> Self {
        Self {
            ssrc: random_u32(),
            next_seq: random_u32() as u16,
            first: true,
            packets: 0,
            octets: 0,
        }
    }

    /// Build the next packet into `out`. `marker` is forced on the first packet.
    pub fn build(
        &mut self,
        pt: u8,
        timestamp: u32,
        marker: bool,
        payload: &[u8],
        out: &mut Vec<u8>,
    ) {
        let pkt = RtpPacket {
            marker: marker || self.first,
            payload_type: pt,
            sequence: self.next_seq,
            timestamp,
            ssrc: self.ssrc,
            payload,
        };
        pkt.write(out);
        self.first = false;
        self.next_seq = self.next_seq.wrapping_add(1);
        self.packets = self.packets.wrapping_add(1);
        self.octets = self.octets.wrapping_add(payload.len() as u32);
    }
}

impl Default for RtpSender {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_marker_on_first_packet() {
        let mut s = RtpSender::new();
        let mut buf = Vec::new();
        s.build(0, 1234, false, b"abc", &mut buf);
        let p = RtpPacket::parse(&buf).unwrap();
        assert!(p.marker);
        assert_eq!((p.payload_type, p.timestamp, p.ssrc), (0, 1234, s.ssrc));
        assert_eq!(p.payload, b"abc");
        let first_seq = p.sequence;
        s.build(0, 1394, false, b"def", &mut buf);
        let p = RtpPacket::parse(&buf).unwrap();
        assert!(!p.marker);
        assert_eq!(p.sequence, first_seq.wrapping_add(1));
    }

    #[test]
    fn csrc_extension_and_padding() {
        let mut buf = vec![0x80 | 0x20 | 0x10 | 1, 8, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3];
        buf.extend_from_slice(&[9, 9, 9, 9]); // CSRC
        buf.extend_from_slice(&[0xbe, 0xde, 0, 1, 1, 2, 3, 4]); // one-word extension
        buf.extend_from_slice(b"hello");
        buf.extend_from_slice(&[0, 0, 3]); // 3 bytes padding
        let p = RtpPacket::parse(&buf).unwrap();
        assert_eq!(p.payload, b"hello");
        assert_eq!(p.payload_type, 8);
    }

    #[test]
    fn rejects_malformed_without_panicking() {
        assert_eq!(RtpPacket::parse(&[]), Err(RtpError::Truncated));
        assert_eq!(RtpPacket::parse(&[0x40; 12]), Err(RtpError::BadVersion(1)));
        assert_eq!(RtpPacket::parse(&[0x8f; 20]), Err(RtpError::Truncated));
        let mut padded = vec![0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 200];
        assert_eq!(RtpPacket::parse(&padded), Err(RtpError::BadPadding));
        padded[12] = 0;
        assert_eq!(RtpPacket::parse(&padded), Err(RtpError::BadPadding));
        // Exhaustive-ish fuzz: every short byte pattern from a cheap generator.
        let mut x: u32 = 0x1234_5678;
        for len in 0..64 {
            for _ in 0..200 {
                let data: Vec<u8> = (0..len)
                    .map(|_| {
                        x ^= x << 13;
                        x ^= x >> 17;
                        x ^= x << 5;
                        (x as u8) | 0x80
                    })
                    .collect();
                let _ = RtpPacket::parse(&data);
            }
        }
    }

    #[test]
    fn detects_muxed_rtcp() {
        assert!(is_rtcp(&[0x80, 200, 0, 6]));
        assert!(is_rtcp(&[0x81, 201]));
        assert!(!is_rtcp(&[0x80, 0]));
        assert!(!is_rtcp(&[0x80, 0x80 | 101]));
        assert!(!is_rtcp(&[0x80]));
    }

    #[test]
    fn random_values_differ() {
        let a: Vec<u32> = (0..8).map(|_| random_u32()).collect();
        assert!(a.windows(2).any(|w| w[0] != w[1]));
    }
}
