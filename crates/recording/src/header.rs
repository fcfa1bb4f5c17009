//! The two Ogg Opus header packets (RFC 7845 §5): `OpusHead` (format) and
//! `OpusTags` (vendor and comments).

/// Sample rate of every Ogg Opus granule position and pre-skip (RFC 7845 §4).
pub(crate) const GRANULE_RATE: u64 = 48_000;

/// What an `OpusHead` packet says about the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OpusHead {
    /// 1 (mono) or 2 (stereo); we write 1.
    pub channels: u8,
    /// Samples at 48 kHz to drop from the start of the decoded stream (encoder delay).
    pub pre_skip: u16,
    /// The rate the audio had before encoding (informational).
    pub input_rate: u32,
    /// Gain to apply on output, Q7.8 dB.
    pub output_gain: i16,
}

impl OpusHead {
    /// The 19-byte packet for a mono stream, channel mapping family 0.
    pub fn to_packet(self) -> Vec<u8> {
        let mut p = Vec::with_capacity(19);
        p.extend_from_slice(b"OpusHead");
        p.push(1); // version
        p.push(self.channels);
        p.extend_from_slice(&self.pre_skip.to_le_bytes());
        p.extend_from_slice(&self.input_rate.to_le_bytes());
        p.extend_from_slice(&self.output_gain.to_le_bytes());
        p.push(0); // channel mapping family 0: mono or stereo, no table
        p
    }

    /// Parse an `OpusHead` packet; the error says what is wrong, for the user.
    pub fn parse(packet: &[u8]) -> Result<Self, String> {
        if packet.len() < 19 || &packet[..8] != b"OpusHead" {
            return Err("the first packet is not an OpusHead header".into());
        }
        if packet[8] & 0xf0 != 0 {
            return Err(format!("unsupported Ogg Opus version {}", packet[8]));
        }
        let channels = packet[9];
        let mapping = packet[18];
        if mapping != 0 || !(1..=2).contains(&channels) {
            return Err(format!(
                "{channels} channels with mapping family {mapping}: only mono and stereo recordings can be read"
            ));
        }
        Ok(Self {
            channels,
            pre_skip: u16::from_le_bytes([packet[10], packet[11]]),
            input_rate: u32::from_le_bytes([packet[12], packet[13], packet[14], packet[15]]),
            output_gain: i16::from_le_bytes([packet[16], packet[17]]),
        })
    }
}

/// The `OpusTags` packet: vendor string plus `KEY=value` comments.
pub(crate) fn tags_packet(vendor: &str, comments: &[String]) -> Vec<u8> {
    let mut p = Vec::new();
    p.extend_from_slice(b"OpusTags");
    p.extend_from_slice(&(vendor.len() as u32).to_le_bytes());
    p.extend_from_slice(vendor.as_bytes());
    p.extend_from_slice(&(comments.len() as u32).to_le_bytes());
    for c in comments {
        p.extend_from_slice(&(c.len() as u32).to_le_bytes());
        p.extend_from_slice(c.as_bytes());
    }
    p
}

/// Whether `packet` is an `OpusTags` header.
pub(crate) fn is_tags(packet: &[u8]) -> bool {
    packet.starts_with(b"OpusTags")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_round_trips_and_bad_heads_are_refused() {
        let head = OpusHead {
            channels: 1,
            pre_skip: 312,
            input_rate: 16_000,
            output_gain: 0,
        };
        let packet = head.to_packet();
        assert_eq!(packet.len(), 19);
        assert_eq!(OpusHead::parse(&packet), Ok(head));
        assert!(OpusHead::parse(b"OpusHead").is_err());
        let mut surround = packet.clone();
        surround[9] = 6;
        surround[18] = 1;
        assert!(OpusHead::parse(&surround)
            .unwrap_err()
            .contains("6 channels"));
        assert!(is_tags(&tags_packet("v", &["A=b".into()])));
    }
}
