//! Sorting voicemail messages into categories by keywords.
//!
//! Each [`Category`] lists words and phrases (`"invoice"`, `"call back"`, `"de:Rückruf"`);
//! a [`Categorizer`] finds them in a transcript by word stem, so plurals and inflections
//! match ("invoices", "Rechnungen", "called back") while other words that merely contain a
//! keyword do not ("Terminal" is no "Termin"). English and German are supported, with the
//! [Snowball](https://snowballstem.org/) stemmers of `rust-stemmers`. The rule that decides
//! between categories is spelled out on [`Categorizer`]; messages without a match are
//! [`GENERAL`]. [`default_categories`] gives a starting set for a small business.
//!
//! ```
//! use frontdesk_categories::{default_categories, Categorizer, Language};
//!
//! let categorizer = Categorizer::new(&default_categories(), &Language::ALL).unwrap();
//! let found = categorizer.categorize("Ich habe eine Frage zu Ihren Rechnungen", Some("de"));
//! assert_eq!(found.category, "invoice");
//! assert_eq!(found.matched, ["Rechnung"]);
//! ```
//!
//! Everything here is pure computation; nothing is stored or sent.

mod categorizer;
mod category;
mod language;
mod text;

pub use categorizer::{Categorizer, CategoryError, Match};
pub use category::{default_categories, Category, GENERAL};
pub use language::Language;
pub use text::words;
