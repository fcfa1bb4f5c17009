//! The contact book: who is calling, by number or by what they say.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::contact::Contact;
use crate::error::ContactError;
use crate::number::Normalizer;
use crate::transcript::Profiles;

/// How a caller was recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// By the caller id: certain.
    Number,
    /// By names or addresses in the message: a guess with a confidence.
    Transcript,
}

/// A caller recognised as a contact.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Identification<'a> {
    /// The contact.
    pub contact: &'a Contact,
    /// 1.0 for a number match, the transcript confidence (0..1) otherwise.
    pub confidence: f32,
    /// Number or transcript.
    pub method: Method,
}

/// All contacts, indexed for recognising callers. Immutable: build a new book when the
/// contacts change (building is cheap).
#[derive(Debug, Clone)]
pub struct ContactBook {
    contacts: Vec<Contact>,
    normalizer: Normalizer,
    /// Match key (E.164 or extension) → index of the first contact with it.
    by_number: HashMap<String, usize>,
    profiles: Profiles,
}

impl ContactBook {
    /// A book whose national numbers are read in `default_country` (ISO 3166, e.g. `DE`),
    /// with three-digit extensions.
    pub fn new(contacts: Vec<Contact>, default_country: &str) -> Result<ContactBook, ContactError> {
        Ok(ContactBook::with_normalizer(
            contacts,
            Normalizer::new(default_country)?,
        ))
    }

    /// A book that reads numbers with `normalizer` (e.g. built from the account's dial plan).
    ///
    /// Each number is indexed under its stored key ([`crate::PhoneNumber::e164`]) and under
    /// the key of its raw form, so contacts stored by older versions or typed in by hand are
    /// found too. When two contacts share a number, the first one is returned.
    pub fn with_normalizer(contacts: Vec<Contact>, normalizer: Normalizer) -> ContactBook {
        let mut by_number = HashMap::new();
        for (index, contact) in contacts.iter().enumerate() {
            for number in &contact.numbers {
                let stored = Some(number.e164.trim().to_string()).filter(|k| !k.is_empty());
                let typed = normalizer.normalize(&number.raw).ok();
                for key in [stored, typed].into_iter().flatten() {
                    by_number.entry(key).or_insert(index);
                }
            }
        }
        let profiles = Profiles::new(&contacts);
        ContactBook {
            contacts,
            normalizer,
            by_number,
            profiles,
        }
    }

    /// The contacts, in the order given.
    pub fn contacts(&self) -> &[Contact] {
        &self.contacts
    }

    /// How numbers are read.
    pub fn normalizer(&self) -> &Normalizer {
        &self.normalizer
    }

    /// The contact with the caller's number: `number` is a caller id in any spelling
    /// (`+49 30 1234567`, `030 1234567`, `0049…`, `sip:+49…@host`, an extension `203`),
    /// normalised like the contacts' numbers and compared on E.164 or the exact extension.
    pub fn identify_by_number(&self, number: &str) -> Option<&Contact> {
        let key = self.normalizer.caller_key(number)?;
        self.by_number.get(&key).map(|&i| &self.contacts[i])
    }

    /// The contact named in a message's transcript, with a confidence between
    /// [`crate::transcript::MIN_CONFIDENCE`] and [`crate::transcript::MAX_CONFIDENCE`]; `None` when nobody is named clearly
    /// enough or two contacts fit equally well. See [`crate::transcript`] for how the
    /// confidence is computed.
    pub fn identify_in_transcript(&self, transcript: &str) -> Option<(&Contact, f32)> {
        self.profiles
            .identify(transcript)
            .map(|(i, confidence)| (&self.contacts[i], confidence))
    }

    /// Number first; for unknown numbers the transcript, if there is one yet.
    pub fn identify(&self, number: &str, transcript: Option<&str>) -> Option<Identification<'_>> {
        if let Some(contact) = self.identify_by_number(number) {
            return Some(Identification {
                contact,
                confidence: 1.0,
                method: Method::Number,
            });
        }
        let (contact, confidence) = self.identify_in_transcript(transcript?)?;
        Some(Identification {
            contact,
            confidence,
            method: Method::Transcript,
        })
    }
}
