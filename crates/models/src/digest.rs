//! SHA-256 digests as users write them (64 hex digits) and `SHA256SUMS` files as `sha256sum`
//! writes them, so a model download can be checked against a digest from a trusted place.

use std::fmt;
use std::str::FromStr;

/// The name of the checksum file looked for next to the models at the download URL.
pub const SHA256SUMS: &str = "SHA256SUMS";

/// A SHA-256 digest.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sha256Digest(pub [u8; 32]);

impl Sha256Digest {
    /// The digest of `bytes` (for tests and small files; downloads hash as they stream).
    pub fn of(bytes: &[u8]) -> Sha256Digest {
        use sha2::Digest;
        Sha256Digest(sha2::Sha256::digest(bytes).into())
    }
}

impl FromStr for Sha256Digest {
    type Err = String;

    /// 64 hex digits, either case, surrounding spaces ignored.
    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let bad = || {
            format!("`{text}` is not a SHA-256 digest; give the 64 hex digits `sha256sum` prints")
        };
        if text.len() != 64 || !text.is_ascii() {
            return Err(bad());
        }
        let mut bytes = [0u8; 32];
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
        }
        Ok(Sha256Digest(bytes))
    }
}

impl fmt::Display for Sha256Digest {
    /// Lowercase hex, as `sha256sum` prints it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Sha256Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sha256Digest({self})")
    }
}

/// A parsed `SHA256SUMS` file: file names and their digests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sha256Sums {
    entries: Vec<(String, Sha256Digest)>,
}

impl Sha256Sums {
    /// Parses the lines `sha256sum` writes (`<hex>  <file>`, or `<hex> *<file>` in binary
    /// mode) and the BSD form (`SHA256 (<file>) = <hex>`); blank lines and `#` comments are
    /// skipped. Any other line is an error naming its number, so a damaged file is never
    /// half-trusted. A file listed twice with different digests is an error too.
    pub fn parse(text: &str) -> Result<Sha256Sums, String> {
        let mut entries: Vec<(String, Sha256Digest)> = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() || line.trim_start().starts_with('#') {
                continue;
            }
            let (file, digest) = parse_line(line).ok_or_else(|| {
                format!(
                    "line {} is not `<sha256>  <file>` nor `SHA256 (<file>) = <sha256>`: {:?}",
                    index + 1,
                    shorten(line)
                )
            })?;
            let file = file.strip_prefix("./").unwrap_or(file).to_owned();
            match entries.iter().find(|(known, _)| *known == file) {
                Some((_, earlier)) if *earlier != digest => {
                    return Err(format!(
                        "line {} lists {file} again with another digest",
                        index + 1
                    ))
                }
                Some(_) => {}
                None => entries.push((file, digest)),
            }
        }
        Ok(Sha256Sums { entries })
    }

    /// The digest listed for `file`: an exact match, else an entry whose last path part is
    /// `file` (`sha256sum models/ggml-base.bin` writes the folder too).
    pub fn get(&self, file: &str) -> Option<Sha256Digest> {
        let exact = self.entries.iter().find(|(name, _)| name == file);
        let by_base = || {
            self.entries
                .iter()
                .find(|(name, _)| name.rsplit(['/', '\\']).next() == Some(file))
        };
        exact.or_else(by_base).map(|(_, digest)| *digest)
    }

    /// How many files are listed.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no file is listed.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// One line in either format: `(file, digest)`.
fn parse_line(line: &str) -> Option<(&str, Sha256Digest)> {
    if let Some(rest) = line.strip_prefix("SHA256 (") {
        let (file, hex) = rest.rsplit_once(") = ")?;
        return Some((file, hex.parse().ok()?));
    }
    let hex = line.get(..64)?;
    let digest = hex.parse().ok()?;
    let rest = &line[64..];
    let file = rest
        .strip_prefix("  ")
        .or_else(|| rest.strip_prefix(" *"))
        .or_else(|| rest.strip_prefix(' '))?;
    (!file.is_empty()).then_some((file, digest))
}

/// A line cut to a readable length for an error message.
fn shorten(line: &str) -> String {
    match line.char_indices().nth(80) {
        Some((at, _)) => format!("{}…", &line[..at]),
        None => line.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TINY: &str = "49b35c0f0fa5e8fe48396546d4c3308e7cc3e8a50589273a99710c76fd373fdf";

    #[test]
    fn digests_parse_in_either_case_and_print_lowercase() {
        let digest: Sha256Digest = TINY.to_uppercase().parse().unwrap();
        assert_eq!(digest.to_string(), TINY);
        assert_eq!(
            format!(" {TINY}\n").parse::<Sha256Digest>().unwrap(),
            digest
        );
        for bad in [
            "",
            "abc",
            &TINY[1..],
            &format!("{TINY}0"),
            &TINY.replace('f', "g"),
        ] {
            let error = bad.parse::<Sha256Digest>().unwrap_err();
            assert!(error.contains("64 hex digits"), "{error}");
        }
        // Multi-byte characters never split a byte pair into a panic.
        assert!("é".repeat(32).parse::<Sha256Digest>().is_err());
    }

    #[test]
    fn the_digest_of_known_bytes() {
        assert_eq!(
            Sha256Digest::of(b"abc").to_string(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn sha256sum_output_in_text_binary_and_bsd_form() {
        let other = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        let text = format!(
            "# models\n\n{TINY}  ggml-tiny.en.bin\r\n{other} *ggml-base.bin\n\
             SHA256 (ggml-small.bin) = {}\n{TINY}  ./models/ggml-copy.bin\n",
            other.to_uppercase()
        );
        let sums = Sha256Sums::parse(&text).unwrap();
        assert_eq!(sums.len(), 4);
        assert_eq!(sums.get("ggml-tiny.en.bin").unwrap().to_string(), TINY);
        assert_eq!(sums.get("ggml-base.bin").unwrap().to_string(), other);
        assert_eq!(sums.get("ggml-small.bin").unwrap().to_string(), other);
        assert_eq!(sums.get("ggml-copy.bin").unwrap().to_string(), TINY);
        assert_eq!(sums.get("ggml-medium.bin"), None);
        assert!(Sha256Sums::parse("").unwrap().is_empty());
    }

    #[test]
    fn a_damaged_file_is_refused_with_its_line() {
        let error =
            Sha256Sums::parse(&format!("{TINY}  a.bin\n<html>Not Found</html>\n")).unwrap_err();
        assert!(error.starts_with("line 2 "), "{error}");
        assert!(error.contains("<html>"), "{error}");
        for bad in [
            TINY,
            &format!("{TINY}  "),
            &format!("{}  a.bin", &TINY[..63]),
            "SHA256 (a.bin) = xyz",
            "SHA256 (a.bin)",
        ] {
            assert!(Sha256Sums::parse(bad).is_err(), "{bad:?}");
        }
        let long = "x".repeat(500);
        let error = Sha256Sums::parse(&long).unwrap_err();
        assert!(error.len() < 200, "{error}");
    }

    #[test]
    fn one_file_with_two_digests_is_refused() {
        let other = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        let error = Sha256Sums::parse(&format!("{TINY}  a.bin\n{other}  a.bin\n")).unwrap_err();
        assert!(
            error.contains("line 2") && error.contains("a.bin"),
            "{error}"
        );
        // The same digest twice is harmless.
        assert_eq!(
            Sha256Sums::parse(&format!("{TINY}  a.bin\n{TINY} *a.bin\n"))
                .unwrap()
                .len(),
            1
        );
    }
}
