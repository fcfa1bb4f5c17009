//! Finding a message's category from its words' stems.

use std::collections::HashMap;
use std::fmt;

use rust_stemmers::Stemmer;
use serde::{Deserialize, Serialize};

use crate::category::{Category, GENERAL};
use crate::language::Language;
use crate::text::words;

/// A category configuration that cannot work, with what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CategoryError {
    /// No language was given, so no word could be stemmed.
    #[error("categories need at least one language to stem words in: give \"en\", \"de\" or both")]
    NoLanguages,
    /// A category without a name.
    #[error("category number {position} has no name: give it a short id such as \"callback\"")]
    EmptyName {
        /// 1-based position in the configuration.
        position: usize,
    },
    /// Two categories with the same name (compared without case).
    #[error("category \"{name}\" is defined twice: merge the two or rename one")]
    DuplicateName {
        /// The name as written the second time.
        name: String,
    },
    /// A category named like the fallback for messages without a match.
    #[error(
        "\"{GENERAL}\" is the category of messages no keyword matches and cannot be configured; \
         rename the category"
    )]
    ReservedName,
    /// A keyword with no word in it (empty, only spaces, punctuation or emoji).
    #[error(
        "category \"{category}\": keyword \"{keyword}\" has no word to match; remove it or \
         write a word"
    )]
    EmptyKeyword {
        /// The category's name.
        category: String,
        /// The keyword as written.
        keyword: String,
    },
    /// A keyword prefixed with a language there is no stemmer for.
    #[error(
        "category \"{category}\": keyword \"{keyword}\" is for language \"{language}\", which \
         is not supported; use the prefix en: or de:, or none to match in every language"
    )]
    UnsupportedLanguage {
        /// The category's name.
        category: String,
        /// The keyword as written.
        keyword: String,
        /// The prefix as written.
        language: String,
    },
}

/// The category a message belongs to, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Match {
    /// The winning category's name, or [`GENERAL`] when no keyword matched.
    pub category: String,
    /// The winning category's keywords found in the message, as configured (without
    /// language prefix), in configuration order.
    pub matched: Vec<String>,
    /// How many different keywords of the winning category were found; 0 for [`GENERAL`].
    pub score: u32,
}

/// Sorts messages into categories by keywords, comparing word stems.
///
/// How a message is matched:
///
/// 1. The message and every keyword are lower-cased, umlauts and ß folded (`ä`→`a`,
///    `ß`→`ss`) and split into words on Unicode word boundaries.
/// 2. Each word is reduced to its stem with the stemmer of the message's language (`en`,
///    `de`). When the language is unknown (`None`, `auto`, or a language not configured),
///    every configured language is tried: a message word matches a keyword word if, for some
///    language, both have the same stem under that language's stemmer.
/// 3. A keyword is found when its words appear as consecutive words of the message: "call
///    back" is found in "please called back" (stems `call back`), not in "call me back".
///    Matching is by whole stems, never substrings: "Termin" is not found in "Terminal", "call"
///    not in "recall". Derived words the stemmer folds onto the keyword's stem do match
///    ("invoiceable" is `invoic` like "invoice"): they are about the same thing.
/// 4. A keyword with a language prefix (`de:Termin`) is compared with that language's
///    stemmer only, and only in messages of that language or of unknown language. Keywords
///    of languages not configured are ignored.
/// 5. A category's score is the number of its different keywords found (repeats do not
///    add; keywords with identical stems in one category count once). The highest score
///    wins; on a tie, the category configured first wins. Without any keyword found, the
///    message is [`GENERAL`].
pub struct Categorizer {
    languages: Vec<Language>,
    stemmers: Vec<Stemmer>,
    categories: Vec<Compiled>,
}

struct Compiled {
    category: Category,
    keywords: Vec<Keyword>,
}

struct Keyword {
    /// As configured, without prefix.
    text: String,
    /// Stems of the keyword's words per configured language (index as in
    /// `Categorizer::languages`); `None` for languages the keyword is not compared in.
    stems: Vec<Option<Vec<String>>>,
}

impl Keyword {
    fn len(&self) -> usize {
        self.stems
            .iter()
            .flatten()
            .map(Vec::len)
            .next()
            .unwrap_or(0)
    }
}

impl fmt::Debug for Categorizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Categorizer")
            .field("languages", &self.languages)
            .field(
                "categories",
                &self
                    .categories
                    .iter()
                    .map(|c| &c.category.name)
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Categorizer {
    /// Checks `categories` and prepares their keywords for messages in `languages`.
    ///
    /// Errors name the category and keyword to fix: empty or duplicate names, the reserved
    /// name [`GENERAL`], keywords without a word, unknown language prefixes.
    pub fn new(
        categories: &[Category],
        languages: &[Language],
    ) -> Result<Categorizer, CategoryError> {
        let mut enabled: Vec<Language> = Vec::new();
        for language in languages {
            if !enabled.contains(language) {
                enabled.push(*language);
            }
        }
        if enabled.is_empty() {
            return Err(CategoryError::NoLanguages);
        }
        let stemmers: Vec<Stemmer> = enabled.iter().map(|l| l.stemmer()).collect();
        let mut compiled: Vec<Compiled> = Vec::with_capacity(categories.len());
        for (index, category) in categories.iter().enumerate() {
            let name = category.name.trim();
            if name.is_empty() {
                return Err(CategoryError::EmptyName {
                    position: index + 1,
                });
            }
            if name.eq_ignore_ascii_case(GENERAL) {
                return Err(CategoryError::ReservedName);
            }
            if compiled
                .iter()
                .any(|c| c.category.name.to_lowercase() == name.to_lowercase())
            {
                return Err(CategoryError::DuplicateName {
                    name: name.to_string(),
                });
            }
            let mut keywords: Vec<Keyword> = Vec::new();
            for written in &category.keywords {
                let keyword = compile_keyword(name, written, &enabled, &stemmers)?;
                let Some(keyword) = keyword else { continue };
                if !keywords.iter().any(|k| k.stems == keyword.stems) {
                    keywords.push(keyword);
                }
            }
            let mut category = category.clone();
            category.name = name.to_string();
            compiled.push(Compiled { category, keywords });
        }
        Ok(Categorizer {
            languages: enabled,
            stemmers,
            categories: compiled,
        })
    }

    /// The category of `text`, a message in `language` (`en`, `de`, or `None`/`auto`/anything
    /// else for unknown); see the type's docs for the rule.
    pub fn categorize(&self, text: &str, language: Option<&str>) -> Match {
        let active = self.active_languages(language);
        let tokens = words(text);
        // stems[l][i]: token i under configured language l, for active languages only.
        let mut stems: Vec<Option<Vec<String>>> = vec![None; self.languages.len()];
        let mut index: Vec<HashMap<&str, Vec<usize>>> = vec![HashMap::new(); self.languages.len()];
        for &l in &active {
            let stemmer = &self.stemmers[l];
            stems[l] = Some(
                tokens
                    .iter()
                    .map(|t| stemmer.stem(t).into_owned())
                    .collect(),
            );
        }
        for &l in &active {
            if let Some(list) = &stems[l] {
                for (position, stem) in list.iter().enumerate() {
                    index[l].entry(stem.as_str()).or_default().push(position);
                }
            }
        }

        let mut best: Option<(usize, Vec<String>)> = None;
        for (c, category) in self.categories.iter().enumerate() {
            let found: Vec<String> = category
                .keywords
                .iter()
                .filter(|k| found(k, &active, &stems, &index, tokens.len()))
                .map(|k| k.text.clone())
                .collect();
            let better = match &best {
                None => !found.is_empty(),
                Some((_, best_found)) => found.len() > best_found.len(),
            };
            if better {
                best = Some((c, found));
            }
        }
        match best {
            Some((c, matched)) => Match {
                category: self.categories[c].category.name.clone(),
                score: u32::try_from(matched.len()).unwrap_or(u32::MAX),
                matched,
            },
            None => Match {
                category: GENERAL.to_string(),
                matched: Vec::new(),
                score: 0,
            },
        }
    }

    /// The configured category named `name` (e.g. to find its e-mail address).
    pub fn category(&self, name: &str) -> Option<&Category> {
        self.categories()
            .find(|c| c.name.to_lowercase() == name.trim().to_lowercase())
    }

    /// The configured categories, in order (names trimmed).
    pub fn categories(&self) -> impl Iterator<Item = &Category> {
        self.categories.iter().map(|c| &c.category)
    }

    /// The languages messages are stemmed in.
    pub fn languages(&self) -> &[Language] {
        &self.languages
    }

    /// Indexes (into `self.languages`) of the stemmers to use for a message.
    fn active_languages(&self, language: Option<&str>) -> Vec<usize> {
        let known = language
            .and_then(Language::from_code)
            .and_then(|l| self.languages.iter().position(|e| *e == l));
        match known {
            Some(l) => vec![l],
            None => (0..self.languages.len()).collect(),
        }
    }
}

/// True if `keyword` occurs in the message as consecutive words.
fn found(
    keyword: &Keyword,
    active: &[usize],
    stems: &[Option<Vec<String>>],
    index: &[HashMap<&str, Vec<usize>>],
    tokens: usize,
) -> bool {
    let len = keyword.len();
    if len == 0 || len > tokens {
        return false;
    }
    let word_matches = |position: usize, j: usize| {
        active
            .iter()
            .any(|&l| match (&keyword.stems[l], &stems[l]) {
                (Some(kw), Some(text)) => text.get(position) == kw.get(j),
                _ => false,
            })
    };
    active.iter().any(|&l| {
        let Some(first) = keyword.stems[l].as_ref().and_then(|s| s.first()) else {
            return false;
        };
        index[l].get(first.as_str()).is_some_and(|starts| {
            starts
                .iter()
                .any(|&start| start + len <= tokens && (1..len).all(|j| word_matches(start + j, j)))
        })
    })
}

/// Stems one keyword in every configured language it applies to; `Ok(None)` when its
/// language is not configured.
fn compile_keyword(
    category: &str,
    written: &str,
    enabled: &[Language],
    stemmers: &[Stemmer],
) -> Result<Option<Keyword>, CategoryError> {
    let (language, text) =
        split_language(written).map_err(|prefix| CategoryError::UnsupportedLanguage {
            category: category.to_string(),
            keyword: written.to_string(),
            language: prefix,
        })?;
    let empty = || CategoryError::EmptyKeyword {
        category: category.to_string(),
        keyword: written.to_string(),
    };
    let tokens = words(text);
    if tokens.is_empty() {
        return Err(empty());
    }
    if language.is_some_and(|l| !enabled.contains(&l)) {
        return Ok(None);
    }
    let mut stems = Vec::with_capacity(enabled.len());
    for (l, stemmer) in enabled.iter().zip(stemmers) {
        if language.is_some_and(|wanted| wanted != *l) {
            stems.push(None);
            continue;
        }
        let stemmed: Vec<String> = tokens
            .iter()
            .map(|t| stemmer.stem(t).into_owned())
            .collect();
        if stemmed.iter().any(String::is_empty) {
            return Err(empty());
        }
        stems.push(Some(stemmed));
    }
    Ok(Some(Keyword {
        text: text.trim().to_string(),
        stems,
    }))
}

/// Splits `de:Termin` into its language and the keyword. `Err(prefix)` for a prefix of two
/// or three letters that names no supported language; anything else is no prefix.
fn split_language(keyword: &str) -> Result<(Option<Language>, &str), String> {
    let trimmed = keyword.trim();
    if let Some((prefix, rest)) = trimmed.split_once(':') {
        let prefix = prefix.trim();
        if (2..=3).contains(&prefix.len()) && prefix.chars().all(|c| c.is_ascii_alphabetic()) {
            return match Language::from_code(prefix) {
                Some(language) => Ok((Some(language), rest)),
                None => Err(prefix.to_string()),
            };
        }
    }
    Ok((None, trimmed))
}
