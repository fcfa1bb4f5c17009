//! Mutated copies of well-formed messages, for tests that feed a parser or a live endpoint
//! what a broken or hostile peer could send: bits flipped, bytes replaced by ones parsers
//! trip over, ranges cut out or doubled, lines swapped, tokens such as huge numbers or stray
//! separators put in, the end cut off.
//!
//! Deterministic for a seed, so a failure names the seed and the input that caused it and
//! runs again the same way.
//!
//! ```
//! use frontdesk_testbed::mutate::Mutator;
//! let mut mutator = Mutator::new(7);
//! let broken = mutator.mutate(b"v=0\r\nm=audio 4000 RTP/AVP 0\r\n");
//! assert_eq!(broken, Mutator::new(7).mutate(b"v=0\r\nm=audio 4000 RTP/AVP 0\r\n"));
//! ```

/// Tokens that sit on the edges of what parsers expect: separators, numbers at and beyond
/// integer limits, markup, escapes, bytes that are not UTF-8.
const TOKENS: &[&[u8]] = &[
    b"\r\n",
    b"\n",
    b"\r\n\r\n",
    b"\0",
    b" ",
    b"\t",
    b":",
    b";",
    b",",
    b"=",
    b"/",
    b"<",
    b">",
    b"\"",
    b"&",
    b"&#x0;",
    b"<!--",
    b"]]>",
    b"%00",
    b"0",
    b"-1",
    b"255",
    b"256",
    b"65535",
    b"65536",
    b"2147483647",
    b"2147483648",
    b"4294967295",
    b"4294967296",
    b"18446744073709551615",
    b"18446744073709551616",
    b"99999999999999999999999",
    b"1e309",
    b"NaN",
    b"\xff\xfe",
    b"\xc3",
    b"\xe2\x82",
    b"a=rtpmap:",
    b"a=fmtp:",
    b"m=audio ",
    b"c=IN IP6 ",
    b"sip:",
    b"tag=",
    b"branch=",
];

/// Bytes that parsers treat specially.
const BYTES: &[u8] = b"\0\r\n \t:;,=/<>\"&%\\0129\x7f\x80\xff";

/// Makes mutated copies of inputs from a seeded pseudo-random sequence (xorshift64*).
#[derive(Debug, Clone)]
pub struct Mutator {
    state: u64,
}

impl Mutator {
    /// A mutator whose sequence is fixed by `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            // xorshift must not start at zero.
            state: seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1,
        }
    }

    /// The next pseudo-random number.
    pub fn next_u64(&mut self) -> u64 {
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        self.state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number below `bound` (0 when `bound` is 0).
    pub fn below(&mut self, bound: usize) -> usize {
        if bound == 0 {
            0
        } else {
            (self.next_u64() % bound as u64) as usize
        }
    }

    /// Picks one of `items`.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// `input` with one to four mutations applied.
    pub fn mutate(&mut self, input: &[u8]) -> Vec<u8> {
        let mut out = input.to_vec();
        for _ in 0..1 + self.below(4) {
            self.mutate_once(&mut out);
        }
        out
    }

    /// One of `seeds`, picked at random, mutated.
    pub fn mutate_one_of<T: AsRef<[u8]>>(&mut self, seeds: &[T]) -> Vec<u8> {
        let seed = self.pick(seeds).as_ref();
        self.mutate(seed)
    }

    fn mutate_once(&mut self, out: &mut Vec<u8>) {
        let len = out.len();
        match self.below(8) {
            0 if len > 0 => {
                let at = self.below(len);
                out[at] ^= 1 << self.below(8);
            }
            1 if len > 0 => {
                let at = self.below(len);
                out[at] = *self.pick(BYTES);
            }
            2 if len > 0 => {
                let from = self.below(len);
                let to = (from + 1 + self.below(32)).min(len);
                out.drain(from..to);
            }
            3 if len > 0 => {
                let from = self.below(len);
                let to = (from + 1 + self.below(64)).min(len);
                let copy = out[from..to].to_vec();
                let at = self.below(out.len() + 1);
                out.splice(at..at, copy);
            }
            4 => {
                let token = *self.pick(TOKENS);
                let at = self.below(len + 1);
                out.splice(at..at, token.iter().copied());
            }
            5 if len > 0 => out.truncate(self.below(len)),
            6 => self.swap_lines(out),
            _ => {
                // A number in the input replaced by a token (often a number at a limit).
                let digits: Vec<usize> = (0..len).filter(|&i| out[i].is_ascii_digit()).collect();
                if digits.is_empty() {
                    return;
                }
                let start = *self.pick(&digits);
                let end = (start..len)
                    .find(|&i| !out[i].is_ascii_digit())
                    .unwrap_or(len);
                let token = *self.pick(TOKENS);
                out.splice(start..end, token.iter().copied());
            }
        }
    }

    /// Two lines of `out` trade places.
    fn swap_lines(&mut self, out: &mut Vec<u8>) {
        let mut lines: Vec<Vec<u8>> = out
            .split_inclusive(|&b| b == b'\n')
            .map(<[u8]>::to_vec)
            .collect();
        if lines.len() < 2 {
            return;
        }
        let a = self.below(lines.len());
        let b = self.below(lines.len());
        lines.swap(a, b);
        *out = lines.concat();
    }
}

/// Shows bytes readably in a failure message: text as is, other bytes as `\xNN`.
pub fn escaped(bytes: &[u8]) -> String {
    bytes.escape_ascii().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SDP: &[u8] = b"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\nm=audio 4000 RTP/AVP 0 8\r\n";

    #[test]
    fn a_seed_gives_the_same_mutations_every_time() {
        let mut a = Mutator::new(42);
        let mut b = Mutator::new(42);
        for _ in 0..100 {
            assert_eq!(a.mutate(SDP), b.mutate(SDP));
        }
    }

    #[test]
    fn mutations_change_the_input_in_many_ways() {
        let mut mutator = Mutator::new(1);
        let outputs: std::collections::HashSet<Vec<u8>> =
            (0..500).map(|_| mutator.mutate(SDP)).collect();
        assert!(outputs.len() > 450, "only {} distinct", outputs.len());
        assert!(outputs.iter().any(|o| o.len() < SDP.len()), "nothing cut");
        assert!(outputs.iter().any(|o| o.len() > SDP.len()), "nothing added");
        assert!(
            outputs.iter().any(|o| std::str::from_utf8(o).is_err()),
            "never invalid UTF-8"
        );
    }

    #[test]
    fn empty_input_stays_usable() {
        let mut mutator = Mutator::new(3);
        for _ in 0..200 {
            let _ = mutator.mutate(b"");
        }
    }

    #[test]
    fn escaped_shows_control_bytes() {
        assert_eq!(escaped(b"a\r\n\xff"), "a\\r\\n\\xff");
    }
}
