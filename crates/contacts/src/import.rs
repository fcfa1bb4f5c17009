//! What an import produces, and reading a file of either format.

use std::fmt;
use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::contact::Contact;
use crate::error::ContactError;
use crate::number::Normalizer;

/// The largest contact file read: far above any real address book, small enough that a
/// wrong file (a video) is refused instead of read into memory.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// The contacts read from a file, and what was wrong with the rest.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Import {
    /// Contacts read, in file order.
    pub contacts: Vec<Contact>,
    /// One entry per row or card that was skipped or imported only in part.
    pub problems: Vec<ImportProblem>,
    /// The line each contact starts on, parallel to `contacts`, so whoever stores them can
    /// name the row of a contact it refuses.
    #[serde(default)]
    pub lines: Vec<u64>,
    /// How many rows or cards were skipped entirely (each has a problem).
    #[serde(default)]
    pub skipped: u64,
}

/// Something wrong in one place of an imported file: which line, what, how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportProblem {
    /// 1-based line in the file (for a CSV row, the line it starts on).
    pub line: u64,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for ImportProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// The formats contacts are imported from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Comma (or semicolon/tab) separated values with a header line; see the crate docs.
    Csv,
    /// vCard 2.1, 3.0 or 4.0 (`.vcf`), one or many cards.
    VCard,
}

impl Format {
    /// Tells the format from the content: vCard files start with `BEGIN:VCARD`, everything
    /// else is read as CSV.
    pub fn detect(bytes: &[u8]) -> Format {
        let text = crate::text::decode(&bytes[..bytes.len().min(4096)]);
        let start = text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
        if start
            .get(..11)
            .is_some_and(|head| head.eq_ignore_ascii_case("begin:vcard"))
        {
            Format::VCard
        } else {
            Format::Csv
        }
    }
}

/// Imports `bytes` in the given format.
pub fn import(bytes: &[u8], format: Format, normalizer: &Normalizer) -> Import {
    match format {
        Format::Csv => crate::csv_import::import_csv(bytes, normalizer),
        Format::VCard => crate::vcard::import_vcard(bytes, normalizer),
    }
}

/// Reads a CSV or vCard file (told apart by content) and imports it. Fails only when the
/// file cannot be read; problems inside it are in [`Import::problems`].
pub fn import_file(path: &Path, normalizer: &Normalizer) -> Result<Import, ContactError> {
    let read_error = |source| ContactError::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(read_error)?;
    let size = file.metadata().map_err(read_error)?.len();
    if size > MAX_FILE_BYTES {
        return Err(ContactError::TooLarge {
            path: path.to_path_buf(),
            size,
            limit: MAX_FILE_BYTES,
        });
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    file.take(MAX_FILE_BYTES)
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    Ok(import(&bytes, Format::detect(&bytes), normalizer))
}
