//! Audio codecs: what SDP needs to know about each one, and encoders/decoders
//! that turn 16-bit mono PCM frames into RTP payloads and back.

mod g711;
mod g722;
mod opus;

use crate::MediaError;

/// The codecs Frontdesk can negotiate. The order of preference is the
/// caller's decision (SDP offer order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Codec {
    /// Opus, mono, 48 kHz, in-band FEC on.
    Opus,
    /// G.722 wideband (16 kHz audio, 8 kHz RTP clock for historical reasons).
    G722,
    /// G.711 µ-law.
    Pcmu,
    /// G.711 A-law.
    Pcma,
}

impl Codec {
    /// Every supported codec, in Frontdesk's default preference order.
    pub const ALL: [Codec; 4] = [Codec::Opus, Codec::G722, Codec::Pcmu, Codec::Pcma];

    /// Encoding name as written in an SDP `a=rtpmap` line.
    pub fn sdp_name(&self) -> &'static str {
        match self {
            Codec::Opus => "opus",
            Codec::G722 => "G722",
            Codec::Pcmu => "PCMU",
            Codec::Pcma => "PCMA",
        }
    }

    /// RTP timestamp clock as written in SDP (G.722 says 8000 though it samples at 16 kHz, RFC 3551).
    pub fn rtp_clock_rate(&self) -> u32 {
        match self {
            Codec::Opus => 48_000,
            Codec::G722 | Codec::Pcmu | Codec::Pcma => 8_000,
        }
    }

    /// The real audio sample rate the codec works at.
    pub fn sample_rate(&self) -> u32 {
        match self {
            Codec::Opus => 48_000,
            Codec::G722 => 16_000,
            Codec::Pcmu | Codec::Pcma => 8_000,
        }
    }

    /// Channel count to put in `a=rtpmap` (`opus/48000/2` is mandatory per RFC 7587).
    pub fn channels_in_sdp(&self) -> Option<u8> {
        match self {
            Codec::Opus => Some(2),
            _ => None,
        }
    }

    /// Static RTP payload type from RFC 3551, or `None` when a dynamic one (96-127, often 111 for Opus) must be chosen.
    pub fn static_payload_type(&self) -> Option<u8> {
        match self {
            Codec::Pcmu => Some(0),
            Codec::Pcma => Some(8),
            Codec::G722 => Some(9),
            Codec::Opus => None,
        }
    }

    /// Payload type to offer: the static one, or 111 for Opus (the common convention).
    pub fn default_payload_type(&self) -> u8 {
        self.static_payload_type().unwrap_or(111)
    }

    /// `a=fmtp` parameters to offer for this codec, if any.
    pub fn default_fmtp(&self) -> Option<&'static str> {
        match self {
            Codec::Opus => Some("minptime=10;useinbandfec=1"),
            _ => None,
        }
    }

    /// Map an SDP `rtpmap` encoding name and clock rate to a codec (names are case-insensitive).
    pub fn from_sdp(name: &str, clock_rate: u32) -> Option<Codec> {
        Codec::ALL
            .into_iter()
            .find(|c| c.sdp_name().eq_ignore_ascii_case(name) && c.rtp_clock_rate() == clock_rate)
    }

    /// PCM samples (at [`Codec::sample_rate`]) in one packet of `ptime_ms`.
    pub fn samples_per_frame(&self, ptime_ms: u32) -> usize {
        (self.sample_rate() * ptime_ms / 1000) as usize
    }

    /// RTP timestamp increment for one packet of `ptime_ms`.
    pub fn timestamp_step(&self, ptime_ms: u32) -> u32 {
        self.rtp_clock_rate() * ptime_ms / 1000
    }

    /// Create an encoder for this codec.
    pub fn encoder(&self) -> Result<Box<dyn AudioEncoder>, MediaError> {
        Ok(match self {
            Codec::Opus => Box::new(opus::OpusEncoder::new()?),
            Codec::G722 => Box::new(g722::G722Encoder::new()),
            Codec::Pcmu => Box::new(g711::G711Encoder::new(g711::Law::Mu)),
            Codec::Pcma => Box::new(g711::G711Encoder::new(g711::Law::A)),
        })
    }

    /// Create a decoder (with packet-loss concealment) for this codec.
    pub fn decoder(&self, ptime_ms: u32) -> Result<Box<dyn AudioDecoder>, MediaError> {
        let frame = self.samples_per_frame(ptime_ms);
        Ok(match self {
            Codec::Opus => Box::new(opus::OpusDecoder::new(frame)?),
            Codec::G722 => Box::new(g722::G722Decoder::new(frame)),
            Codec::Pcmu => Box::new(g711::G711Decoder::new(g711::Law::Mu, frame)),
            Codec::Pcma => Box::new(g711::G711Decoder::new(g711::Law::A, frame)),
        })
    }
}

impl std::fmt::Display for Codec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.sdp_name(), self.rtp_clock_rate())
    }
}

/// Turns one frame of mono PCM at the codec's sample rate into an RTP payload.
pub trait AudioEncoder: Send {
    /// Encode `pcm` (one ptime worth of samples) into `out` (cleared first).
    fn encode(&mut self, pcm: &[i16], out: &mut Vec<u8>) -> Result<(), MediaError>;
}

/// Turns RTP payloads back into mono PCM, and conceals lost packets.
pub trait AudioDecoder: Send {
    /// Decode one payload, appending samples to `out`. Malformed payloads return an error.
    fn decode(&mut self, payload: &[u8], out: &mut Vec<i16>) -> Result<(), MediaError>;
    /// Produce one frame replacing a lost packet. `next` is the following
    /// packet's payload when already received (Opus uses its in-band FEC).
    fn conceal(&mut self, next: Option<&[u8]>, out: &mut Vec<i16>);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sdp_metadata() {
        assert_eq!(Codec::from_sdp("pcmu", 8000), Some(Codec::Pcmu));
        assert_eq!(Codec::from_sdp("G722", 8000), Some(Codec::G722));
        assert_eq!(Codec::from_sdp("G722", 16000), None);
        assert_eq!(Codec::from_sdp("opus", 48000), Some(Codec::Opus));
        assert_eq!(Codec::from_sdp("speex", 8000), None);
        assert_eq!(Codec::G722.timestamp_step(20), 160);
        assert_eq!(Codec::G722.samples_per_frame(20), 320);
        assert_eq!(Codec::Opus.timestamp_step(20), 960);
        assert_eq!(Codec::Pcma.static_payload_type(), Some(8));
        assert_eq!(Codec::Opus.channels_in_sdp(), Some(2));
    }

    fn tone(rate: u32, n: usize) -> Vec<i16> {
        (0..n)
            .map(|i| {
                let t = i as f32 / rate as f32;
                ((2.0 * std::f32::consts::PI * 1000.0 * t).sin() * 10_000.0) as i16
            })
            .collect()
    }

    #[test]
    fn every_codec_round_trips_a_tone() {
        for codec in Codec::ALL {
            let mut enc = codec.encoder().unwrap();
            let mut dec = codec.decoder(20).unwrap();
            let n = codec.samples_per_frame(20);
            let input = tone(codec.sample_rate(), n * 50);
            let mut decoded = Vec::new();
            let mut payload = Vec::new();
            for frame in input.chunks(n) {
                enc.encode(frame, &mut payload).unwrap();
                assert!(!payload.is_empty());
                dec.decode(&payload, &mut decoded).unwrap();
            }
            assert_eq!(decoded.len(), input.len(), "{codec}");
            let samples: Vec<f32> = decoded[n * 10..]
                .iter()
                .map(|&s| s as f32 / 32768.0)
                .collect();
            let ratio = crate::tone::tone_ratio(&samples, codec.sample_rate(), 1000.0);
            assert!(ratio > 0.8, "{codec}: 1 kHz ratio {ratio}");
        }
    }

    #[test]
    fn conceal_produces_one_frame_and_decoders_survive_garbage() {
        for codec in Codec::ALL {
            let mut dec = codec.decoder(20).unwrap();
            let n = codec.samples_per_frame(20);
            let mut out = Vec::new();
            dec.conceal(None, &mut out);
            assert_eq!(out.len(), n, "{codec}");
            for junk in [&[][..], &[0xff; 3][..], &[0x12; 1500][..]] {
                let _ = dec.decode(junk, &mut out);
            }
        }
    }
}
