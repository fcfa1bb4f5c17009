//! A contact as Frontdesk keeps it.

use serde::{Deserialize, Serialize};

/// Someone who may call: a person, or a company's line.
///
/// Serialisable so the inbox can store contacts and the API can send them; this crate
/// itself stores nothing.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Contact {
    /// The storage's id, once stored; imports leave it empty.
    #[serde(default)]
    pub id: Option<i64>,
    /// The name to show, e.g. "Maria Schmidt" (never empty after an import).
    pub name: String,
    /// The company or organisation.
    #[serde(default)]
    pub company: Option<String>,
    /// Phone numbers and extensions to recognise the contact by.
    #[serde(default)]
    pub numbers: Vec<PhoneNumber>,
    /// Street and house number, e.g. "Hauptstraße 12".
    #[serde(default)]
    pub street: Option<String>,
    /// Postal code, e.g. "14467".
    #[serde(default)]
    pub postcode: Option<String>,
    /// City, e.g. "Potsdam".
    #[serde(default)]
    pub city: Option<String>,
    /// E-mail address.
    #[serde(default)]
    pub email: Option<String>,
}

/// One number of a contact, as written and as matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneNumber {
    /// What kind of line: `phone`, `mobile`, `work`, `home` or `fax` (from the CSV column
    /// or the vCard `TYPE`).
    pub kind: String,
    /// The key callers are matched on: E.164 (`+49301234567`) for phone numbers, the digits
    /// as they are for short internal extensions (`203`).
    pub e164: String,
    /// The number as it was written in the imported file.
    pub raw: String,
}
