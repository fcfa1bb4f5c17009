//! Frontdesk's contact book: importing contacts and recognising who called.
//!
//! - **Import** from CSV ([`import_csv`], the template below) or vCard ([`import_vcard`]),
//!   or either from a file ([`import_file`], told apart by content). Each number is
//!   normalised to E.164 with a [`Normalizer`] for the caller's default country; short
//!   internal extensions (three digits by default) stay as they are. Problems are reported
//!   per line ([`ImportProblem`]: what is wrong, how to fix it) and never stop the rest of
//!   the file.
//! - **Identify** a caller with a [`ContactBook`]: by number
//!   ([`ContactBook::identify_by_number`]), or, for unknown numbers, by the names, company
//!   and address mentioned in the message ([`ContactBook::identify_in_transcript`], fuzzy,
//!   with a confidence; [`transcript`] explains how it is computed).
//!
//! This crate stores nothing; [`Contact`] is serialisable for whoever does.
//!
//! # CSV template
//!
//! `assets/contacts-template.csv` in the repository:
//!
//! ```text
//! name,company,phone,mobile,street,postcode,city,email
//! Maria Schmidt,Bäckerei Schmidt,030 1234567,+49 171 2345678,Hauptstraße 12,14467,Potsdam,maria@example.org
//! ```
//!
//! | column | meaning |
//! | --- | --- |
//! | `name` | required: the person's name, or the company's for a company line |
//! | `company` | company or organisation |
//! | `phone` | landline or office number: national (`030 1234567`, `(030) 123-4567`), international (`+49 30 1234567`, `0049 30 1234567`) or an extension (`203`) |
//! | `mobile` | mobile number, written like `phone` |
//! | `street` | street and house number |
//! | `postcode` | postal code |
//! | `city` | city |
//! | `email` | e-mail address |
//!
//! The first line is the header; columns may come in any order, and empty fields are fine.
//! German and common alternative headers are understood too (`Firma`, `Telefon`, `Mobil`,
//! `Handy`, `Straße`, `PLZ`, `Ort`, `E-Mail`, `zip`, `cell`), a column may appear twice
//! (two `phone` columns give two numbers), and other columns are ignored with a note.
//! Separators may be commas, semicolons (what German Excel writes) or tabs; fields with a
//! separator in them go in double quotes. UTF-8, UTF-16 with byte-order mark and
//! Windows-1252 files are all read.
//!
//! A row is skipped and reported, and the other rows imported, when it has more or fewer
//! fields than the header, has no name, has a number that is no phone number (letters, a
//! local number without area code) or an e-mail address without `@`.

mod book;
mod contact;
mod csv_import;
mod error;
mod import;
mod number;
mod text;
pub mod transcript;
mod vcard;

pub use book::{ContactBook, Identification, Method};
pub use contact::{Contact, PhoneNumber};
pub use csv_import::{import_csv, CSV_HEADER};
pub use error::ContactError;
pub use import::{import, import_file, Format, Import, ImportProblem, MAX_FILE_BYTES};
pub use number::{Normalizer, NumberError};
pub use vcard::import_vcard;

/// Re-exported so callers can build a [`Normalizer`] from an account's dial plan without
/// depending on the dial plan crate themselves.
pub use frontdesk_dialplan::{DialPlan, DialPlanSettings};
