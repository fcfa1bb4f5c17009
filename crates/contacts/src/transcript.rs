//! Finding the contact a caller names in their message.
//!
//! How confidence is computed (all constants below):
//!
//! 1. The transcript and the contacts' names, companies and addresses are lower-cased,
//!    accents removed (`ä`→`a`, `ß`→`ss`) and split into words. Titles (`Dr`, `Herr`, `Mrs`)
//!    and legal forms (`GmbH`, `Ltd`) are dropped; `Schmidt, Maria` is read as `Maria
//!    Schmidt`; `…str.` as `…strasse`.
//! 2. Two words are similar when equal, or, if both have at least [`MIN_FUZZY_LEN`]
//!    letters and are not numbers, when their Jaro-Winkler similarity is at least
//!    [`MIN_WORD_SIMILARITY`] ("Schmitt"/"Schmidt" ≈ 0.94, "Marie"/"Maria" ≈ 0.92).
//! 3. A phrase (a contact's full name, company, …) is found where its words follow each
//!    other in the transcript, each similar to the phrase's. Its evidence is `weight × (2s −
//!    1)`, where `s` is the mean word similarity: an exact mention gives the full weight,
//!    every bit of misspelling costs twice as much.
//! 4. Weights: full name (also first + last name, or last + first) [`FULL_NAME`]; surname
//!    alone [`SURNAME_INTRODUCED`] after "this is", "hier ist", "Herr", "Frau", "my name
//!    is", … or before "here"/"hier", else [`SURNAME`] (surnames are often ordinary words:
//!    "wie lange"); company [`COMPANY`] ([`COMPANY_ONE_WORD`] for one-word names); street
//!    with house number [`STREET`], street name alone [`STREET_NAME`]; city or postcode
//!    [`PLACE`].
//! 5. Per contact the strongest evidence of each kind (name, company, street, place) is
//!    combined as independent hints: `confidence = 1 − Π(1 − evidence)`, at most
//!    [`MAX_CONFIDENCE`].
//! 6. The best contact is returned if its confidence is at least [`MIN_CONFIDENCE`] and its
//!    odds (`c / (1 − c)`) are at least [`AMBIGUITY_ODDS_RATIO`] times those of every other
//!    contact with another name or company. Otherwise the transcript cannot tell them apart
//!    ("Schmidt here" with two Schmidts), and no answer is better than a wrong one. Odds
//!    rather than differences, because combined confidences crowd together below 1.
//!
//! So "this is Maria Schmidt from Bäckerei Schmidt in Potsdam" gives about 0.98, "this is
//! Marie Schmitt" about 0.77, "Schmidt here" 0.65, and a surname in passing or a city
//! alone is not enough.

use std::collections::HashMap;

use strsim::jaro_winkler;

use crate::contact::Contact;
use crate::text::words;

/// Words shorter than this must match exactly: short words are too alike.
pub const MIN_FUZZY_LEN: usize = 4;
/// The least Jaro-Winkler similarity for two words to count as the same.
pub const MIN_WORD_SIMILARITY: f64 = 0.85;
/// Evidence of the full name mentioned exactly.
pub const FULL_NAME: f64 = 0.9;
/// Evidence of the surname alone, introduced as a name.
pub const SURNAME_INTRODUCED: f64 = 0.65;
/// Evidence of the surname alone, in passing.
pub const SURNAME: f64 = 0.4;
/// Evidence of a company name of two or more words.
pub const COMPANY: f64 = 0.8;
/// Evidence of a one-word company name.
pub const COMPANY_ONE_WORD: f64 = 0.6;
/// Evidence of street and house number.
pub const STREET: f64 = 0.5;
/// Evidence of the street name without the number.
pub const STREET_NAME: f64 = 0.4;
/// Evidence of the city or postcode.
pub const PLACE: f64 = 0.25;
/// The most a transcript can make certain: only the number is proof.
pub const MAX_CONFIDENCE: f64 = 0.99;
/// Below this confidence no contact is named.
pub const MIN_CONFIDENCE: f32 = 0.5;
/// How many times likelier than any other contact the best must be to be named.
pub const AMBIGUITY_ODDS_RATIO: f64 = 2.0;
/// Only the first words of a transcript are searched (a 180 s message has ~500), which
/// bounds the time hostile input can take.
pub const MAX_TRANSCRIPT_WORDS: usize = 5_000;

const TITLES: &[&str] = &[
    "dr", "prof", "herr", "frau", "mr", "mrs", "ms", "miss", "dipl", "ing", "sir",
];
const LEGAL_FORMS: &[&str] = &[
    "gmbh",
    "mbh",
    "ag",
    "kg",
    "ohg",
    "gbr",
    "ug",
    "ek",
    "e.k",
    "kgaa",
    "co",
    "ltd",
    "limited",
    "inc",
    "llc",
    "plc",
    "corp",
    "haftungsbeschrankt",
    "se",
    "eg",
    "ev",
    "e.v",
];
/// Words before a surname that introduce it as the caller's name.
const INTRODUCERS: &[&[&str]] = &[
    &["this", "is"],
    &["it", "is"],
    &["it's"],
    &["i", "am"],
    &["i'm"],
    &["name", "is"],
    &["name's"],
    &["hier", "ist"],
    &["hier", "spricht"],
    &["name", "ist"],
    &["ich", "bin"],
    &["herr"],
    &["frau"],
    &["mr"],
    &["mrs"],
    &["ms"],
    &["miss"],
    &["dr"],
];
/// Words after a surname that introduce it ("Schmidt here").
const FOLLOWERS: &[&[&str]] = &[&["here"], &["hier"], &["speaking"], &["am", "apparat"]];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Name,
    Company,
    Street,
    Place,
}

const KINDS: usize = 4;

#[derive(Debug, Clone)]
struct Phrase {
    /// Indexes into `Profiles::words`.
    words: Vec<usize>,
    kind: Kind,
    /// `None` for a surname, whose weight depends on its context.
    weight: Option<f64>,
}

#[derive(Debug, Clone)]
struct Profile {
    phrases: Vec<Phrase>,
    /// Folded name and company: contacts with the same one are one person twice.
    identity: String,
}

/// The contacts prepared for searching transcripts.
#[derive(Debug, Clone, Default)]
pub(crate) struct Profiles {
    /// Every distinct word of every phrase.
    words: Vec<String>,
    profiles: Vec<Profile>,
}

impl Profiles {
    pub(crate) fn new(contacts: &[Contact]) -> Profiles {
        let mut profiles = Profiles::default();
        let mut index: HashMap<String, usize> = HashMap::new();
        for contact in contacts {
            let mut phrases = Vec::new();
            let mut add = |words: Vec<String>, kind: Kind, weight: Option<f64>| {
                if words.is_empty() {
                    return;
                }
                let words = words
                    .into_iter()
                    .map(|w| {
                        *index.entry(w.clone()).or_insert_with(|| {
                            profiles.words.push(w);
                            profiles.words.len() - 1
                        })
                    })
                    .collect();
                phrases.push(Phrase {
                    words,
                    kind,
                    weight,
                });
            };
            let name = name_words(&contact.name);
            if let (Some(first), Some(last)) = (name.first(), name.last()) {
                if name.len() > 1 {
                    add(name.clone(), Kind::Name, Some(FULL_NAME));
                    if name.len() > 2 {
                        add(
                            vec![first.clone(), last.clone()],
                            Kind::Name,
                            Some(FULL_NAME),
                        );
                    }
                    add(
                        vec![last.clone(), first.clone()],
                        Kind::Name,
                        Some(FULL_NAME),
                    );
                }
                add(vec![last.clone()], Kind::Name, None);
            }
            if let Some(company) = &contact.company {
                let company: Vec<String> = words(company)
                    .into_iter()
                    .filter(|w| !LEGAL_FORMS.contains(&w.as_str()))
                    .collect();
                let weight = if company.len() > 1 {
                    COMPANY
                } else {
                    COMPANY_ONE_WORD
                };
                add(company, Kind::Company, Some(weight));
            }
            if let Some(street) = &contact.street {
                let street: Vec<String> = words(street).into_iter().map(expand_street).collect();
                let named: Vec<String> = street.iter().filter(|w| !is_number(w)).cloned().collect();
                if named.len() < street.len() && !named.is_empty() {
                    add(street, Kind::Street, Some(STREET));
                }
                add(named, Kind::Street, Some(STREET_NAME));
            }
            for place in [&contact.city, &contact.postcode].into_iter().flatten() {
                add(words(place), Kind::Place, Some(PLACE));
            }
            let identity = format!(
                "{}|{}",
                name.join(" "),
                contact
                    .company
                    .as_deref()
                    .map(words)
                    .unwrap_or_default()
                    .join(" ")
            );
            profiles.profiles.push(Profile { phrases, identity });
        }
        profiles
    }

    /// The index of the contact `transcript` names, and the confidence; see the module docs.
    pub(crate) fn identify(&self, transcript: &str) -> Option<(usize, f32)> {
        let mut text = words(transcript);
        text.truncate(MAX_TRANSCRIPT_WORDS);
        if text.is_empty() || self.profiles.is_empty() {
            return None;
        }
        // Distinct transcript words and where they are.
        let mut vocabulary: HashMap<&str, usize> = HashMap::new();
        let mut at: Vec<Vec<usize>> = Vec::new();
        let mut ids = Vec::with_capacity(text.len());
        for (position, word) in text.iter().enumerate() {
            let id = *vocabulary.entry(word.as_str()).or_insert_with(|| {
                at.push(Vec::new());
                at.len() - 1
            });
            at[id].push(position);
            ids.push(id);
        }
        // For every contact word, the transcript words similar to it.
        let similar: Vec<HashMap<usize, f64>> = self
            .words
            .iter()
            .map(|word| {
                vocabulary
                    .iter()
                    .filter_map(|(candidate, &id)| {
                        let s = similarity(word, candidate);
                        (s >= MIN_WORD_SIMILARITY).then_some((id, s))
                    })
                    .collect()
            })
            .collect();

        let mut ranked: Vec<(usize, f64)> = self
            .profiles
            .iter()
            .enumerate()
            .filter_map(|(c, profile)| {
                let confidence = self.confidence(profile, &text, &ids, &at, &similar);
                (confidence > 0.0).then_some((c, confidence))
            })
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let &(best, confidence) = ranked.first()?;
        if confidence < f64::from(MIN_CONFIDENCE) {
            return None;
        }
        let identity = &self.profiles[best].identity;
        let rival = ranked[1..]
            .iter()
            .find(|(c, _)| self.profiles[*c].identity != *identity);
        let odds = |c: f64| c / (1.0 - c).max(1e-9);
        if rival.is_some_and(|&(_, other)| odds(confidence) < AMBIGUITY_ODDS_RATIO * odds(other)) {
            return None;
        }
        Some((best, confidence.min(MAX_CONFIDENCE) as f32))
    }

    fn confidence(
        &self,
        profile: &Profile,
        text: &[String],
        ids: &[usize],
        at: &[Vec<usize>],
        similar: &[HashMap<usize, f64>],
    ) -> f64 {
        let mut best = [0.0f64; KINDS];
        for phrase in &profile.phrases {
            let len = phrase.words.len();
            for (&first_id, &first_similarity) in &similar[phrase.words[0]] {
                for &start in &at[first_id] {
                    if start + len > ids.len() {
                        continue;
                    }
                    let mut total = first_similarity;
                    let found =
                        phrase.words[1..].iter().enumerate().all(|(k, &word)| {
                            match similar[word].get(&ids[start + 1 + k]) {
                                Some(s) => {
                                    total += s;
                                    true
                                }
                                None => false,
                            }
                        });
                    if !found {
                        continue;
                    }
                    let mean = total / len as f64;
                    let weight = phrase.weight.unwrap_or_else(|| {
                        if introduced(text, start, len) {
                            SURNAME_INTRODUCED
                        } else {
                            SURNAME
                        }
                    });
                    let evidence = weight * (2.0 * mean - 1.0);
                    let slot = &mut best[phrase.kind as usize];
                    *slot = slot.max(evidence);
                }
            }
        }
        let doubt: f64 = best.iter().map(|e| 1.0 - e.clamp(0.0, 1.0)).product();
        1.0 - doubt
    }
}

/// How alike two folded words are, 0..1.
fn similarity(a: &str, b: &str) -> f64 {
    if a == b {
        return 1.0;
    }
    if a.chars().count() < MIN_FUZZY_LEN
        || b.chars().count() < MIN_FUZZY_LEN
        || is_number(a)
        || is_number(b)
    {
        return 0.0;
    }
    jaro_winkler(a, b)
}

fn is_number(word: &str) -> bool {
    word.chars().any(|c| c.is_ascii_digit())
}

/// True if the words at `start..start + len` are introduced as the caller's name.
fn introduced(text: &[String], start: usize, len: usize) -> bool {
    let before = &text[..start];
    let after = &text[(start + len).min(text.len())..];
    INTRODUCERS
        .iter()
        .any(|intro| before.ends_with_words(intro))
        || FOLLOWERS
            .iter()
            .any(|follow| after.starts_with_words(follow))
}

trait Words {
    fn ends_with_words(&self, words: &[&str]) -> bool;
    fn starts_with_words(&self, words: &[&str]) -> bool;
}

impl Words for [String] {
    fn ends_with_words(&self, words: &[&str]) -> bool {
        self.len() >= words.len()
            && self[self.len() - words.len()..]
                .iter()
                .zip(words)
                .all(|(a, b)| a == b)
    }

    fn starts_with_words(&self, words: &[&str]) -> bool {
        self.len() >= words.len() && self.iter().zip(words).all(|(a, b)| a == b)
    }
}

/// A person's name as words in speaking order, without titles.
fn name_words(name: &str) -> Vec<String> {
    let ordered = match name.split_once(',') {
        Some((family, given)) if !given.trim().is_empty() => format!("{given} {family}"),
        _ => name.to_string(),
    };
    words(&ordered)
        .into_iter()
        .filter(|w| !TITLES.contains(&w.as_str()))
        .collect()
}

/// `hauptstr` → `hauptstrasse`, `str` → `strasse`, as people say them.
fn expand_street(word: String) -> String {
    if word.ends_with("str") {
        format!("{word}asse")
    } else {
        word
    }
}
