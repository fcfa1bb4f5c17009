//! G.722 at 64 kbit/s (via `ezk-g722`'s SpanDSP port), with fade-out PLC.

use super::{AudioDecoder, AudioEncoder};
use crate::plc::Concealer;
use crate::MediaError;
use ezk_g722::libg722::{decoder::Decoder, encoder::Encoder, Bitrate};

pub(crate) struct G722Encoder {
    inner: Encoder,
}

impl G722Encoder {
    pub(crate) fn new() -> Self {
        // Encoder::new(rate, eight_k, packed)
        Self {
            inner: Encoder::new(Bitrate::Mode1_64000, false, false),
        }
    }
}

impl AudioEncoder for G722Encoder {
    fn encode(&mut self, pcm: &[i16], out: &mut Vec<u8>) -> Result<(), MediaError> {
        *out = self.inner.encode(pcm);
        Ok(())
    }
}

pub(crate) struct G722Decoder {
    inner: Decoder,
    plc: Concealer,
}

impl G722Decoder {
    pub(crate) fn new(frame_samples: usize) -> Self {
        // Decoder::new(rate, packed, eight_k)
        Self {
            inner: Decoder::new(Bitrate::Mode1_64000, false, false),
            plc: Concealer::new(frame_samples),
        }
    }
}

impl AudioDecoder for G722Decoder {
    fn decode(&mut self, payload: &[u8], out: &mut Vec<i16>) -> Result<(), MediaError> {
        if payload.is_empty() {
            return Err(MediaError::Codec("empty G.722 payload".into()));
        }
        let pcm = self.inner.decode(payload);
        self.plc.good_frame(&pcm);
        out.extend_from_slice(&pcm);
        Ok(())
    }

    fn conceal(&mut self, _next: Option<&[u8]>, out: &mut Vec<i16>) {
        self.plc.conceal(out);
    }
}
