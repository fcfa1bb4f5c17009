//! G.711 µ-law / A-law (via `ezk-g711`'s sample tables), with fade-out PLC.

use super::{AudioDecoder, AudioEncoder};
use crate::plc::Concealer;
use crate::MediaError;

/// Which G.711 companding law.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Law {
    Mu,
    A,
}

pub(crate) struct G711Encoder {
    law: Law,
}

impl G711Encoder {
    pub(crate) fn new(law: Law) -> Self {
        Self { law }
    }
}

impl AudioEncoder for G711Encoder {
    fn encode(&mut self, pcm: &[i16], out: &mut Vec<u8>) -> Result<(), MediaError> {
        out.clear();
        out.extend(pcm.iter().map(|&s| match self.law {
            Law::Mu => ezk_g711::mulaw::encode(s),
            Law::A => ezk_g711::alaw::encode(s),
        }));
        Ok(())
    }
}

pub(crate) struct G711Decoder {
    law: Law,
    plc: Concealer,
}

impl G711Decoder {
    pub(crate) fn new(law: Law, frame_samples: usize) -> Self {
        Self {
            law,
            plc: Concealer::new(frame_samples),
        }
    }
}

impl AudioDecoder for G711Decoder {
    fn decode(&mut self, payload: &[u8], out: &mut Vec<i16>) -> Result<(), MediaError> {
        if payload.is_empty() {
            return Err(MediaError::Codec("empty G.711 payload".into()));
        }
        let start = out.len();
        out.extend(payload.iter().map(|&b| match self.law {
            Law::Mu => ezk_g711::mulaw::decode(b),
            Law::A => ezk_g711::alaw::decode(b),
        }));
        self.plc.good_frame(&out[start..]);
        Ok(())
    }

    fn conceal(&mut self, _next: Option<&[u8]>, out: &mut Vec<i16>) {
        self.plc.conceal(out);
    }
}
