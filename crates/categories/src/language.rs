//! The languages categories understand, and their stemmers.

use std::fmt;
use std::str::FromStr;

use rust_stemmers::{Algorithm, Stemmer};
use serde::{Deserialize, Serialize};

/// A language whose words can be reduced to stems, so that "invoices" finds "invoice" and
/// "Rechnungen" finds "Rechnung".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Language {
    /// English (Snowball "Porter2" stemmer).
    #[serde(rename = "en")]
    English,
    /// German (Snowball German stemmer).
    #[serde(rename = "de")]
    German,
}

impl Language {
    /// Every supported language, in a fixed order.
    pub const ALL: [Language; 2] = [Language::English, Language::German];

    /// The ISO 639-1 code, as Whisper reports it and as keyword prefixes write it (`en:`).
    pub fn code(self) -> &'static str {
        match self {
            Language::English => "en",
            Language::German => "de",
        }
    }

    /// Reads a language as transcribers and configuration files name it: `en`, `en-US`,
    /// `en_GB`, `eng`, `english`, `de`, `de-AT`, `deu`, `ger`, `german`, `deutsch` (any
    /// case). `None` for everything else, including `auto`.
    pub fn from_code(code: &str) -> Option<Language> {
        let primary = code
            .trim()
            .split(['-', '_'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        match primary.as_str() {
            "en" | "eng" | "english" => Some(Language::English),
            "de" | "deu" | "ger" | "german" | "deutsch" => Some(Language::German),
            _ => None,
        }
    }

    /// The stem of `word` (a word as [`crate::words`] gives it) in this language:
    /// "Rechnungen" and "Rechnung" give the same stem. Public so that other matchers compare
    /// words the way categories do.
    pub fn stem(self, word: &str) -> String {
        self.stemmer().stem(word).into_owned()
    }

    pub(crate) fn stemmer(self) -> Stemmer {
        Stemmer::create(match self {
            Language::English => Algorithm::English,
            Language::German => Algorithm::German,
        })
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Language {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Language::from_code(s)
            .ok_or_else(|| format!("unknown language `{s}`; supported are \"en\" and \"de\""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::words;

    #[test]
    fn inflected_words_share_their_stem() {
        let stems = |language: Language, text: &str| -> Vec<String> {
            words(text).iter().map(|w| language.stem(w)).collect()
        };
        assert_eq!(
            stems(Language::German, "Rechnungen, RECHNUNG!"),
            ["rechnung", "rechnung"]
        );
        assert_eq!(
            stems(Language::English, "Invoices invoice"),
            ["invoic", "invoic"]
        );
    }
}
