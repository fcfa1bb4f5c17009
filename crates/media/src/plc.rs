//! Packet-loss concealment for codecs without a native one (G.711, G.722):
//! repeat the last good frame with a fade-out, so a short loss sounds like a
//! brief smear instead of a click, and a long loss fades to silence.

/// Number of consecutive concealed frames over which the fade reaches silence.
const FADE_FRAMES: usize = 4;

/// Remembers the last good frame and synthesises replacements for lost ones.
#[derive(Debug, Clone)]
pub struct Concealer {
    frame_samples: usize,
    last: Vec<i16>,
    lost_in_a_row: usize,
}

impl Concealer {
    /// A concealer producing frames of `frame_samples` samples.
    pub fn new(frame_samples: usize) -> Self {
        Self {
            frame_samples,
            last: Vec::new(),
            lost_in_a_row: 0,
        }
    }

    /// Record a correctly decoded frame (the material for later concealment).
    pub fn good_frame(&mut self, pcm: &[i16]) {
        self.last.clear();
        self.last.extend_from_slice(pcm);
        self.lost_in_a_row = 0;
    }

    /// Append one concealment frame to `out`: the last frame, faded linearly
    /// from where the previous concealed frame stopped towards silence.
    pub fn conceal(&mut self, out: &mut Vec<i16>) {
        let n = self.frame_samples;
        if self.last.is_empty() || self.lost_in_a_row >= FADE_FRAMES {
            self.lost_in_a_row += 1;
            out.extend(std::iter::repeat_n(0, n));
            return;
        }
        let total = (FADE_FRAMES * n) as f32;
        let offset = self.lost_in_a_row * n;
        for i in 0..n {
            let src = self.last[i % self.last.len()] as f32;
            let gain = 1.0 - (offset + i) as f32 / total;
            out.push((src * gain.max(0.0)) as i16);
        }
        self.lost_in_a_row += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fades_to_silence_and_recovers() {
        let mut plc = Concealer::new(160);
        let mut out = Vec::new();
        plc.conceal(&mut out);
        assert!(out.iter().all(|&s| s == 0), "nothing to repeat yet");

        plc.good_frame(&[10_000; 160]);
        let mut peaks = Vec::new();
        for _ in 0..6 {
            let mut f = Vec::new();
            plc.conceal(&mut f);
            assert_eq!(f.len(), 160);
            peaks.push(f.iter().map(|s| s.abs()).max().unwrap());
        }
        assert!(peaks[0] > 9_000);
        assert!(peaks.windows(2).all(|w| w[1] <= w[0]), "{peaks:?}");
        assert_eq!(peaks[5], 0);

        plc.good_frame(&[5_000; 160]);
        let mut f = Vec::new();
        plc.conceal(&mut f);
        assert!(f[0] > 4_000, "fade restarts after a good frame");
    }
}
