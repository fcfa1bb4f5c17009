//! Opus (libopus through the `opus` crate): mono 48 kHz, VoIP mode, in-band FEC.
//! Loss is concealed with the FEC data of the next packet when it is already
//! buffered, otherwise with libopus' own PLC.

use super::{AudioDecoder, AudioEncoder};
use crate::MediaError;
use opus::{Application, Channels};

/// Upper bound for one encoded Opus packet (RFC 6716 allows 1275 bytes per frame).
const MAX_PACKET: usize = 1500;
/// Longest frame libopus may return (120 ms at 48 kHz).
const MAX_FRAME: usize = 5760;

pub(crate) struct OpusEncoder {
    inner: opus::Encoder,
    buf: [u8; MAX_PACKET],
}

fn codec_err(what: &str, e: opus::Error) -> MediaError {
    MediaError::Codec(format!("opus {what}: {e}"))
}

impl OpusEncoder {
    pub(crate) fn new() -> Result<Self, MediaError> {
        let mut inner = opus::Encoder::new(48_000, Channels::Mono, Application::Voip)
            .map_err(|e| codec_err("encoder init", e))?;
        inner
            .set_inband_fec(true)
            .map_err(|e| codec_err("set FEC", e))?;
        inner
            .set_packet_loss_perc(10)
            .map_err(|e| codec_err("set loss percentage", e))?;
        inner
            .set_bitrate(opus::Bitrate::Bits(32_000))
            .map_err(|e| codec_err("set bitrate", e))?;
        Ok(Self {
            inner,
            buf: [0; MAX_PACKET],
        })
    }
}

impl AudioEncoder for OpusEncoder {
    fn encode(&mut self, pcm: &[i16], out: &mut Vec<u8>) -> Result<(), MediaError> {
        let n = self
            .inner
            .encode(pcm, &mut self.buf)
            .map_err(|e| codec_err("encode", e))?;
        out.clear();
        out.extend_from_slice(&self.buf[..n]);
        Ok(())
    }
}

pub(crate) struct OpusDecoder {
    inner: opus::Decoder,
    frame_samples: usize,
    buf: Vec<i16>,
}

impl OpusDecoder {
    pub(crate) fn new(frame_samples: usize) -> Result<Self, MediaError> {
        Ok(Self {
            inner: opus::Decoder::new(48_000, Channels::Mono)
                .map_err(|e| codec_err("decoder init", e))?,
            frame_samples: frame_samples.clamp(120, MAX_FRAME),
            buf: vec![0; MAX_FRAME],
        })
    }
}

impl AudioDecoder for OpusDecoder {
    fn decode(&mut self, payload: &[u8], out: &mut Vec<i16>) -> Result<(), MediaError> {
        if payload.is_empty() {
            return Err(MediaError::Codec("empty Opus payload".into()));
        }
        let n = self
            .inner
            .decode(payload, &mut self.buf, false)
            .map_err(|e| codec_err("decode", e))?;
        out.extend_from_slice(&self.buf[..n]);
        Ok(())
    }

    fn conceal(&mut self, next: Option<&[u8]>, out: &mut Vec<i16>) {
        let len = self.frame_samples;
        let result = match next {
            // FEC decode must be asked for exactly the lost duration.
            Some(next) if !next.is_empty() => self.inner.decode(next, &mut self.buf[..len], true),
            _ => self.inner.decode(&[], &mut self.buf[..len], false),
        };
        match result {
            Ok(n) => out.extend_from_slice(&self.buf[..n]),
            Err(_) => out.extend(std::iter::repeat_n(0, len)),
        }
    }
}
