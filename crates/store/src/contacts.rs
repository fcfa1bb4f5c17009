//! The contact book: people and companies who may call, imported from CSV or vCard files,
//! with their numbers indexed for recognising callers.
//!
//! # Re-importing
//!
//! A contact is the same contact again when its **name and company** match, compared without
//! regard to case and runs of spaces ([`contact_key`]); this is the table's unique
//! `match_key`. Importing a file a second time therefore changes nothing, and a row whose
//! numbers or address changed updates the stored contact in place (its id, which the inbox
//! refers to, stays). Numbers are not the key on purpose: colleagues share a company's
//! switchboard number, and numbers change more often than names.
//!
//! An imported contact replaces the stored one's fields and numbers: the file is the truth
//! for the contacts it holds. Two rows of one import with the same key are reported
//! ([`Upserted::Duplicate`]) and only the first is kept, so two people of the same name are
//! never merged silently; give them their company, or tell them apart in the name.
//!
//! Numbers live in `contact_numbers`, indexed by their E.164 key, so a caller id is looked
//! up without scanning ([`Store::contacts_with_number`]).

use std::collections::HashMap;
use std::fmt;

use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use crate::{Store, StoreError, Timestamp};

/// Database id of a contact; stays the same when a re-import updates the contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ContactId(pub i64);

impl fmt::Display for ContactId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// One number of a contact: its kind, its match key and how it was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactNumber {
    /// `phone`, `mobile`, `work`, `home` or `fax`.
    pub kind: String,
    /// The key callers are matched on: E.164 (`+49301234567`), or an extension's digits.
    pub e164: String,
    /// The number as it was written in the imported file.
    pub raw: String,
}

/// A contact to store, as an import read it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NewContact {
    /// The name to show; must not be empty.
    pub name: String,
    /// Company or organisation.
    pub company: Option<String>,
    /// Numbers in the file's order.
    pub numbers: Vec<ContactNumber>,
    /// Street and house number.
    pub street: Option<String>,
    /// Postal code.
    pub postcode: Option<String>,
    /// City.
    pub city: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
}

/// A stored contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredContact {
    /// Row id (the inbox's `contact_id`).
    pub id: ContactId,
    /// Name, company, numbers and address.
    #[serde(flatten)]
    pub contact: NewContact,
    /// Where it was imported from last (a file name, or `upload`).
    pub source: String,
    /// When it was first imported.
    pub created_at: Timestamp,
    /// When an import last changed it.
    pub updated_at: Timestamp,
}

/// What [`Store::upsert_contacts`] did with one contact of the batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upserted {
    /// Not stored before: a new row.
    Added(ContactId),
    /// Stored before (same name and company) and changed by this import.
    Updated(ContactId),
    /// Stored before exactly like this: nothing was written.
    Unchanged(ContactId),
    /// Same name and company as the batch's contact at index `of`; not stored.
    Duplicate {
        /// Index in the batch of the contact that was kept.
        of: usize,
    },
}

/// Which contacts [`Store::contacts`] lists, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactQuery {
    /// Words that must each occur in the name, company, address, e-mail or a number (case is
    /// ignored); a word of digits also finds numbers by their digits (`1234567` finds
    /// `030 123-4567`). `None` or blank lists everything.
    pub search: Option<String>,
    /// At most this many; `None` for all.
    pub limit: Option<usize>,
    /// Skip this many first, for paging.
    pub offset: usize,
}

/// The stable key a contact is recognised by on re-import: name and company, lower case, with
/// runs of white space made one space.
pub fn contact_key(name: &str, company: Option<&str>) -> String {
    let fold = |text: &str| {
        text.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    // U+001F (unit separator) cannot be typed into a name, so "a b" + "" and "a" + "b" differ.
    format!("{}\u{1f}{}", fold(name), fold(company.unwrap_or_default()))
}

/// The digits of a number, for searching numbers by digits typed in any spelling.
fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

/// Everything a text search looks in, lower case (Unicode-aware, unlike SQLite's `lower`).
fn search_text(contact: &NewContact) -> String {
    let mut parts: Vec<&str> = vec![&contact.name];
    for field in [
        &contact.company,
        &contact.street,
        &contact.postcode,
        &contact.city,
        &contact.email,
    ]
    .into_iter()
    .flatten()
    {
        parts.push(field);
    }
    for number in &contact.numbers {
        parts.push(&number.e164);
        parts.push(&number.raw);
    }
    parts.join("\n").to_lowercase()
}

/// A search word that is a number: digits with the usual separators, at least three digits.
fn number_word(word: &str) -> Option<String> {
    let only_number_chars = word
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '/' | '(' | ')' | '.'));
    let found = digits(word);
    (only_number_chars && found.len() >= 3).then_some(found)
}

/// Empty or blank optional text becomes `None`, the rest is trimmed.
fn clean(text: &Option<String>) -> Option<String> {
    text.as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

impl NewContact {
    /// The contact as it is stored: fields trimmed, blank ones absent, numbers without blanks.
    fn cleaned(&self) -> Result<NewContact, StoreError> {
        let name = self.name.trim().to_owned();
        if name.is_empty() {
            return Err(StoreError::InvalidContact(
                "a contact needs a name (for a company, its name)".into(),
            ));
        }
        Ok(NewContact {
            name,
            company: clean(&self.company),
            numbers: self
                .numbers
                .iter()
                .filter(|n| !n.e164.trim().is_empty())
                .map(|n| ContactNumber {
                    kind: n.kind.trim().to_owned(),
                    e164: n.e164.trim().to_owned(),
                    raw: n.raw.trim().to_owned(),
                })
                .collect(),
            street: clean(&self.street),
            postcode: clean(&self.postcode),
            city: clean(&self.city),
            email: clean(&self.email),
        })
    }
}

const COLUMNS: &str = "c.id, c.name, c.company, c.street, c.postcode, c.city, c.email, c.source, \
                       c.created_at, c.updated_at";

fn contact_from_row(row: &Row<'_>) -> rusqlite::Result<StoredContact> {
    Ok(StoredContact {
        id: ContactId(row.get(0)?),
        contact: NewContact {
            name: row.get(1)?,
            company: row.get(2)?,
            numbers: Vec::new(),
            street: row.get(3)?,
            postcode: row.get(4)?,
            city: row.get(5)?,
            email: row.get(6)?,
        },
        source: row.get(7)?,
        created_at: Timestamp(row.get(8)?),
        updated_at: Timestamp(row.get(9)?),
    })
}

/// Fills in the numbers of `contacts` (in their stored order).
fn attach_numbers(conn: &Connection, contacts: &mut [StoredContact]) -> rusqlite::Result<()> {
    let mut statement = conn.prepare_cached(
        "SELECT kind, e164, raw FROM contact_numbers WHERE contact_id = ?1 ORDER BY position",
    )?;
    for contact in contacts {
        contact.contact.numbers = statement
            .query_map([contact.id.0], |row| {
                Ok(ContactNumber {
                    kind: row.get(0)?,
                    e164: row.get(1)?,
                    raw: row.get(2)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
    }
    Ok(())
}

fn write_numbers(
    conn: &Connection,
    id: ContactId,
    numbers: &[ContactNumber],
) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM contact_numbers WHERE contact_id = ?1", [id.0])?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO contact_numbers (contact_id, position, kind, e164, raw, digits)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for (position, number) in numbers.iter().enumerate() {
        insert.execute(params![
            id.0,
            position as i64,
            number.kind,
            number.e164,
            number.raw,
            format!("{} {}", digits(&number.raw), digits(&number.e164)),
        ])?;
    }
    Ok(())
}

fn load(conn: &Connection, id: ContactId) -> rusqlite::Result<Option<StoredContact>> {
    let found = conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM contacts c WHERE c.id = ?1"),
            [id.0],
            contact_from_row,
        )
        .optional()?;
    let Some(contact) = found else {
        return Ok(None);
    };
    let mut one = [contact];
    attach_numbers(conn, &mut one)?;
    let [contact] = one;
    Ok(Some(contact))
}

impl Store {
    /// Stores an import: each contact is added, or updates the stored contact with the same
    /// name and company (see the [module docs](self)); all or nothing, in one transaction.
    /// Answers what happened to each contact, in batch order. `source` names where they came
    /// from (a file name).
    pub fn upsert_contacts(
        &self,
        contacts: &[NewContact],
        source: &str,
        now: Timestamp,
    ) -> Result<Vec<Upserted>, StoreError> {
        let cleaned = contacts
            .iter()
            .map(NewContact::cleaned)
            .collect::<Result<Vec<_>, _>>()?;
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut outcomes = Vec::with_capacity(cleaned.len());
        for (index, contact) in cleaned.iter().enumerate() {
            let key = contact_key(&contact.name, contact.company.as_deref());
            if let Some(&of) = seen.get(&key) {
                outcomes.push(Upserted::Duplicate { of });
                continue;
            }
            seen.insert(key.clone(), index);
            let existing: Option<i64> = tx
                .query_row(
                    "SELECT id FROM contacts WHERE match_key = ?1",
                    [&key],
                    |row| row.get(0),
                )
                .optional()?;
            let outcome = match existing {
                None => {
                    tx.execute(
                        "INSERT INTO contacts (match_key, name, company, street, postcode, city,
                                               email, source, search_text, created_at, updated_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)",
                        params![
                            key,
                            contact.name,
                            contact.company,
                            contact.street,
                            contact.postcode,
                            contact.city,
                            contact.email,
                            source,
                            search_text(contact),
                            now.0,
                        ],
                    )?;
                    let id = ContactId(tx.last_insert_rowid());
                    write_numbers(&tx, id, &contact.numbers)?;
                    Upserted::Added(id)
                }
                Some(id) => {
                    let id = ContactId(id);
                    let stored = load(&tx, id)?.map(|s| s.contact);
                    if stored.as_ref() == Some(contact) {
                        Upserted::Unchanged(id)
                    } else {
                        tx.execute(
                            "UPDATE contacts SET name = ?2, company = ?3, street = ?4,
                                    postcode = ?5, city = ?6, email = ?7, source = ?8,
                                    search_text = ?9, updated_at = ?10
                             WHERE id = ?1",
                            params![
                                id.0,
                                contact.name,
                                contact.company,
                                contact.street,
                                contact.postcode,
                                contact.city,
                                contact.email,
                                source,
                                search_text(contact),
                                now.0,
                            ],
                        )?;
                        write_numbers(&tx, id, &contact.numbers)?;
                        Upserted::Updated(id)
                    }
                }
            };
            outcomes.push(outcome);
        }
        tx.commit()?;
        Ok(outcomes)
    }

    /// Contacts matching `query`, by name (case-insensitive), then id.
    pub fn contacts(&self, query: &ContactQuery) -> Result<Vec<StoredContact>, StoreError> {
        let mut conditions = Vec::new();
        let mut values: Vec<String> = Vec::new();
        let words = query.search.as_deref().unwrap_or_default();
        for word in words.split_whitespace() {
            values.push(word.to_lowercase());
            let text = format!("instr(c.search_text, ?{}) > 0", values.len());
            match number_word(word) {
                Some(found) => {
                    values.push(found);
                    conditions.push(format!(
                        "({text} OR EXISTS (SELECT 1 FROM contact_numbers n
                                          WHERE n.contact_id = c.id
                                            AND instr(n.digits, ?{}) > 0))",
                        values.len()
                    ));
                }
                None => conditions.push(text),
            }
        }
        let filter = if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        };
        // SQLite's LIMIT -1 means no limit.
        let limit = query
            .limit
            .map_or(-1, |l| i64::try_from(l).unwrap_or(i64::MAX));
        let offset = i64::try_from(query.offset).unwrap_or(i64::MAX);
        let sql = format!(
            "SELECT {COLUMNS} FROM contacts c {filter}
             ORDER BY c.name COLLATE NOCASE, c.id LIMIT {limit} OFFSET {offset}"
        );
        let conn = self.conn();
        let mut contacts = conn
            .prepare(&sql)?
            .query_map(params_from_iter(values.iter()), contact_from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        attach_numbers(&conn, &mut contacts)?;
        Ok(contacts)
    }

    /// One contact; `None` if there is no such id.
    pub fn contact(&self, id: ContactId) -> Result<Option<StoredContact>, StoreError> {
        Ok(load(&self.conn(), id)?)
    }

    /// The contacts with a number whose match key is `e164` (an E.164 number or an
    /// extension), by id; through the number index.
    pub fn contacts_with_number(&self, e164: &str) -> Result<Vec<StoredContact>, StoreError> {
        let conn = self.conn();
        let mut contacts = conn
            .prepare_cached(&format!(
                "SELECT DISTINCT {COLUMNS} FROM contact_numbers n
                 JOIN contacts c ON c.id = n.contact_id
                 WHERE n.e164 = ?1 ORDER BY c.id"
            ))?
            .query_map([e164.trim()], contact_from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        attach_numbers(&conn, &mut contacts)?;
        Ok(contacts)
    }

    /// How many contacts there are.
    pub fn contact_count(&self) -> Result<u64, StoreError> {
        let count: i64 = self
            .conn()
            .query_row("SELECT count(*) FROM contacts", [], |row| row.get(0))?;
        Ok(count as u64)
    }

    /// Deletes a contact and its numbers. Inbox entries attributed to it keep the name they
    /// were filed with.
    pub fn delete_contact(&self, id: ContactId) -> Result<(), StoreError> {
        let deleted = self
            .conn()
            .execute("DELETE FROM contacts WHERE id = ?1", [id.0])?;
        if deleted == 0 {
            return Err(StoreError::ContactNotFound(id));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_ignore_case_and_spacing_but_keep_name_and_company_apart() {
        assert_eq!(
            contact_key(" Maria  Schmidt ", Some("BÄCKEREI Schmidt")),
            contact_key("maria schmidt", Some("bäckerei  schmidt"))
        );
        assert_ne!(contact_key("a b", None), contact_key("a", Some("b")));
        assert_eq!(contact_key("x", None), contact_key("x", Some("  ")));
    }

    #[test]
    fn number_words_need_three_digits_and_nothing_but_number_characters() {
        assert_eq!(number_word("030/123-45").as_deref(), Some("03012345"));
        assert_eq!(number_word("+49").as_deref(), None);
        assert_eq!(number_word("12a45"), None);
        assert_eq!(number_word("14467").as_deref(), Some("14467"));
    }
}
