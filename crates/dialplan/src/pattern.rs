//! Which numbers are internal: `1xx`-style wildcards and `100-199` ranges.

use std::fmt;
use std::str::FromStr;

/// One rule saying which dialled numbers are the PBX's own extensions.
///
/// Written as `1xx` (digits, `x` for any digit; the length is exact, so `xxx` means every
/// three-digit number) or as an inclusive range of equally long numbers, `100-199`. PBXs hand
/// out extensions in blocks like these, and group or queue numbers often have another length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InternalPattern {
    /// Digits and wildcards (`None` = any digit), one entry per position.
    Digits(Vec<Option<u8>>),
    /// An inclusive range; both ends have the same number of digits.
    Range {
        /// The first number of the range, as written.
        low: String,
        /// The last number of the range, as written.
        high: String,
    },
}

impl InternalPattern {
    /// Every number with exactly `length` digits: the default when no patterns are given.
    pub fn any_of_length(length: usize) -> InternalPattern {
        InternalPattern::Digits(vec![None; length])
    }

    /// True if `digits` (only ASCII digits) falls under this rule.
    pub fn matches(&self, digits: &str) -> bool {
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
        match self {
            InternalPattern::Digits(positions) => {
                digits.len() == positions.len()
                    && digits
                        .bytes()
                        .zip(positions)
                        .all(|(b, want)| want.is_none_or(|d| b - b'0' == d))
            }
            // Equal lengths, so text order is numeric order.
            InternalPattern::Range { low, high } => {
                digits.len() == low.len() && low.as_str() <= digits && digits <= high.as_str()
            }
        }
    }
}

/// The longest extension or pattern accepted: E.164 numbers have at most 15 digits, and no
/// PBX hands out longer internal numbers.
pub(crate) const MAX_INTERNAL_DIGITS: usize = 15;

impl FromStr for InternalPattern {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let too_long = || {
            format!("`{text}` is longer than {MAX_INTERNAL_DIGITS} digits; internal numbers are shorter")
        };
        if let Some((low, high)) = text.split_once('-') {
            let (low, high) = (low.trim(), high.trim());
            let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
            if !all_digits(low) || !all_digits(high) {
                return Err(format!(
                    "`{text}` is not a range of numbers; write it like \"100-199\""
                ));
            }
            if low.len() != high.len() {
                return Err(format!(
                    "`{text}`: both ends of a range need the same number of digits, e.g. \"100-199\""
                ));
            }
            if low.len() > MAX_INTERNAL_DIGITS {
                return Err(too_long());
            }
            if low > high {
                return Err(format!("`{text}`: the range starts after it ends"));
            }
            return Ok(InternalPattern::Range {
                low: low.to_string(),
                high: high.to_string(),
            });
        }
        if text.is_empty() {
            return Err(
                "an empty pattern matches nothing; write e.g. \"1xx\" or \"100-199\"".into(),
            );
        }
        if text.len() > MAX_INTERNAL_DIGITS {
            return Err(too_long());
        }
        text.chars()
            .map(|c| match c {
                '0'..='9' => Ok(Some(c as u8 - b'0')),
                'x' | 'X' => Ok(None),
                _ => Err(format!(
                    "`{text}` is not a pattern: use digits and x for any digit (\"1xx\"), \
                     or a range (\"100-199\")"
                )),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(InternalPattern::Digits)
    }
}

impl fmt::Display for InternalPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InternalPattern::Digits(positions) => {
                for position in positions {
                    match position {
                        Some(d) => write!(f, "{d}")?,
                        None => f.write_str("x")?,
                    }
                }
                Ok(())
            }
            InternalPattern::Range { low, high } => write!(f, "{low}-{high}"),
        }
    }
}
