//! The contact book as the front ends see it: listing and searching contacts, importing a
//! CSV or vCard file, deleting.
//!
//! Ids are the contact book's row ids; they are what `ctl contacts delete ID` and
//! `DELETE /api/v1/contacts/{id}` take, and what [`crate::InboxEntry::contact_id`] names.
//! A contact keeps its id when a re-import updates it (same name and company).

use crate::model::UnixMillis;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// The largest contacts file an import reads (64 MiB): far above any real address book,
/// small enough that a wrong file (a video) is refused instead of read into memory.
pub const MAX_CONTACT_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// One number of a contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ContactNumber {
    /// `phone`, `mobile`, `work`, `home` or `fax`.
    pub kind: String,
    /// What callers are matched on: E.164 (`+49301234567`), or an extension's digits (`203`).
    pub e164: String,
    /// As written in the imported file.
    pub raw: String,
}

/// A contact (`ctl contacts`, `GET /api/v1/contacts`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ContactEntry {
    /// Row id, for `ctl contacts delete ID` and the inbox's `contact_id`.
    pub id: i64,
    /// The name to show.
    pub name: String,
    /// Company or organisation.
    pub company: Option<String>,
    /// Numbers callers are recognised by, in the file's order.
    pub numbers: Vec<ContactNumber>,
    /// Street and house number.
    pub street: Option<String>,
    /// Postal code.
    pub postcode: Option<String>,
    /// City.
    pub city: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// The file it was last imported from (its name), or `upload`.
    pub source: String,
    /// When it was first imported.
    pub created_at: UnixMillis,
    /// When an import last changed it.
    pub updated_at: UnixMillis,
}

/// Which contacts to list, by name. In a URL it is the query string:
/// `/api/v1/contacts?search=schmidt`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields))]
#[serde(default, deny_unknown_fields)]
pub struct ContactFilter {
    /// Words that must each occur in the name, company, address, e-mail or a number (case is
    /// ignored); digits also find numbers written with separators. Any text is safe.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search: Option<String>,
    /// At most this many; all when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
    /// Skip this many first, for paging.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<usize>,
}

/// The formats contacts are imported from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ContactFormat {
    /// The CSV template (`assets/contacts-template.csv`): a header line, one contact per row.
    Csv,
    /// vCard 2.1, 3.0 or 4.0 (`.vcf`), one or many cards.
    Vcard,
}

/// What `POST /api/v1/contacts/import` asks for: the file's bytes (what a front end's file
/// picker read), or a path on the machine running Frontdesk. Exactly one of the two.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(optional_fields))]
#[serde(default, deny_unknown_fields)]
pub struct ContactImportRequest {
    /// The file's bytes in standard base64: bytes, not text, because contact files come in
    /// UTF-8, UTF-16 and Windows-1252 and the importer tells them apart.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_base64: Option<String>,
    /// An absolute path the engine reads the file from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<PathBuf>,
    /// CSV or vCard; told from the content when unset (vCards start with `BEGIN:VCARD`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<ContactFormat>,
    /// The file's name, kept as the contacts' source and used in messages (for content).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// Something wrong in one place of an imported file: a row or card that was skipped, or a
/// part of it that was left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ImportProblem {
    /// 1-based line in the file (for a CSV row or a vCard card, the line it starts on).
    pub line: u64,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// What an import did. Rows with problems are skipped and reported; every other row is
/// imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ContactImportResult {
    /// The file's name (or `upload`), as the contacts' source.
    pub source: String,
    /// CSV or vCard, as read.
    pub format: ContactFormat,
    /// New contacts.
    pub added: u64,
    /// Contacts already there (same name and company) that the file changed.
    pub updated: u64,
    /// Contacts already there exactly as in the file.
    pub unchanged: u64,
    /// Rows or cards that were not imported (see `problems`).
    pub skipped: u64,
    /// Per line: what was wrong, what was done, how to fix it; file order.
    pub problems: Vec<ImportProblem>,
}
