//! Forwarding a caller who asks for a person, sans-IO: given what the caller said so far (a
//! partial transcript), its language, the local time, the message's category and the minutes
//! already forwarded this month, [`HumanForwarding::decide`] says whether to forward now.
//!
//! Nothing here reads a clock, a file or the network; the engine passes everything in, so
//! every rule is tested with fixed times and texts.
//!
//! How a request is recognised ([`PhraseMatcher`]): the transcript and every phrase are
//! folded and split into words as categories do (`frontdesk_categories::words`: lower case,
//! umlauts folded, Whisper's punctuation dropped) and compared by Snowball word stems, so
//! inflections match ("mit jemandem sprechen" = "mit jemanden sprechen", "speaking to
//! someone"). The phrase's words must appear in order, within one sentence, with at most
//! [`MAX_GAP`] other word between two of them ("talk to a *real* person"), so a phrase never
//! matches across unrelated text. A negation just before or inside the match ("I *don't* need
//! to talk to someone", "ich muss *nicht* mit jemandem sprechen") cancels it, and an English
//! past form does not stand for the present ("I *talked* to someone yesterday" reports).

use std::fmt;

use frontdesk_categories::{words, Categorizer, Language};
use jiff::civil::{DateTime, Time, Weekday};

/// At most this many other words may stand between two consecutive words of a phrase.
pub const MAX_GAP: usize = 1;

/// How many words before a phrase (in the same clause) are looked at for a negation.
const NEGATION_REACH: usize = 3;

/// Words that turn a request around ("I don't want to talk to anyone"), folded as
/// [`words`] folds them.
const NEGATIONS: &[&str] = &[
    // English
    "not", "no", "don't", "dont", "doesn't", "didn't", "won't", "wouldn't", "never", "needn't",
    "nobody", "neither", // German
    "nicht", "kein", "keine", "keinen", "keinem", "keiner", "nie", "niemals",
];

/// What the engine needs to forward callers who ask for a person; built from
/// `[voicemail.human]` of the configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct HumanSettings {
    /// The number or extension to forward to.
    pub target: String,
    /// Phrases that ask for a person (`en:`/`de:` prefixes allowed); empty uses
    /// [`default_phrases`].
    pub phrases: Vec<String>,
    /// Forward only messages of these categories (name or label, any case); empty: any.
    pub categories: Vec<String>,
    /// Forward only within these windows (local time); empty: at any time.
    pub windows: Vec<HoursWindow>,
    /// Forwarded minutes allowed per month.
    pub monthly_minutes: u32,
}

/// Some hours of some days, e.g. office hours, in local time.
#[derive(Debug, Clone, PartialEq)]
pub struct HoursWindow {
    /// The days it applies on.
    pub days: Vec<Weekday>,
    /// From this time of day (inclusive)...
    pub from: Time,
    /// ...to this one (exclusive); earlier than `from` means the window runs past midnight
    /// (it starts on the listed days and ends the morning after).
    pub to: Time,
}

impl HoursWindow {
    /// Whether `at` (local time) falls into this window.
    pub fn contains(&self, at: DateTime) -> bool {
        let time = at.time();
        let day = at.date().weekday();
        if self.from <= self.to {
            self.days.contains(&day) && self.from <= time && time < self.to
        } else {
            (self.days.contains(&day) && time >= self.from)
                || (self.days.contains(&day.previous()) && time < self.to)
        }
    }
}

/// Settings that cannot work, with what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HumanError {
    /// No target to forward to.
    #[error("[voicemail.human] target is empty: give the number or extension to forward to")]
    NoTarget,
    /// A monthly limit of zero minutes would never forward.
    #[error("[voicemail.human] monthly_minutes is 0: give the minutes allowed per month")]
    NoMinutes,
    /// A phrase without a word in it.
    #[error(
        "[voicemail.human] phrase \"{phrase}\" has no word to match; remove it or write words"
    )]
    EmptyPhrase {
        /// The phrase as written.
        phrase: String,
    },
    /// A phrase for a language without a stemmer.
    #[error(
        "[voicemail.human] phrase \"{phrase}\" is for language \"{language}\", which is not \
         supported; use the prefix en: or de:, or none to match in every language"
    )]
    UnsupportedLanguage {
        /// The phrase as written.
        phrase: String,
        /// The prefix as written.
        language: String,
    },
}

/// What to do about what the caller said so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The caller asked for a person and everything allows it: forward to `target`.
    Forward {
        /// Where to forward.
        target: String,
        /// The configured phrase that was heard (without language prefix), for the log.
        phrase: String,
        /// The message's category so far.
        category: String,
    },
    /// Nobody was asked for (yet): keep recording.
    NoRequest,
    /// The caller asked for a person, but a condition forbids forwarding; the message goes on.
    NotAllowed(NotAllowed),
}

/// Why a caller who asked for a person is not forwarded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotAllowed {
    /// This month's forwarding minutes are used up.
    LimitReached {
        /// Seconds forwarded this month.
        used_seconds: u64,
        /// The monthly limit, in seconds.
        limit_seconds: u64,
    },
    /// Outside every configured window.
    OutsideHours,
    /// The message's category (so far) is not one that is forwarded.
    Category {
        /// The category found.
        category: String,
    },
}

impl NotAllowed {
    /// Whether more of the message may change the answer: the category can (the caller may
    /// go on to say it is an emergency); the limit and the hours do not change within a call.
    pub fn may_change(&self) -> bool {
        matches!(self, NotAllowed::Category { .. })
    }
}

impl fmt::Display for NotAllowed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotAllowed::LimitReached {
                used_seconds,
                limit_seconds,
            } => write!(
                f,
                "this month's forwarding minutes are used up ({} of {} minutes)",
                used_seconds / 60,
                limit_seconds / 60
            ),
            NotAllowed::OutsideHours => f.write_str("outside the hours callers are forwarded"),
            NotAllowed::Category { category } => {
                write!(f, "messages of category \"{category}\" are not forwarded")
            }
        }
    }
}

/// What was heard so far in one message, and when.
#[derive(Debug, Clone, Copy)]
pub struct Heard<'a> {
    /// The partial transcript.
    pub transcript: &'a str,
    /// Its language as Whisper reports it (`"en"`, `"de"`); `None` when unknown.
    pub language: Option<&'a str>,
    /// The local time now.
    pub at: DateTime,
    /// Seconds forwarded in the current month so far.
    pub used_seconds: u64,
}

/// Forwarding rules for callers who ask for a person, checked once at start.
#[derive(Debug)]
pub struct HumanForwarding {
    target: String,
    phrases: PhraseMatcher,
    /// Lower-cased.
    categories: Vec<String>,
    windows: Vec<HoursWindow>,
    limit_seconds: u64,
}

impl HumanForwarding {
    /// Checks `settings` and prepares the phrases.
    pub fn new(settings: HumanSettings) -> Result<HumanForwarding, HumanError> {
        let target = settings.target.trim().to_string();
        if target.is_empty() {
            return Err(HumanError::NoTarget);
        }
        if settings.monthly_minutes == 0 {
            return Err(HumanError::NoMinutes);
        }
        let phrases = if settings.phrases.is_empty() {
            PhraseMatcher::new(&default_phrases())?
        } else {
            PhraseMatcher::new(&settings.phrases)?
        };
        Ok(HumanForwarding {
            target,
            phrases,
            categories: settings
                .categories
                .iter()
                .map(|c| c.trim().to_lowercase())
                .filter(|c| !c.is_empty())
                .collect(),
            windows: settings.windows,
            limit_seconds: u64::from(settings.monthly_minutes) * 60,
        })
    }

    /// Where callers are forwarded to.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The monthly limit in seconds.
    pub fn limit_seconds(&self) -> u64 {
        self.limit_seconds
    }

    /// Seconds that may still be forwarded this month, e.g. to end a bridge at the limit.
    pub fn remaining_seconds(&self, used_seconds: u64) -> u64 {
        self.limit_seconds.saturating_sub(used_seconds)
    }

    /// The conditions that do not depend on the words, checked before any transcribing: when
    /// this fails, listening for requests is pointless for this call.
    pub fn allowed_now(&self, at: DateTime, used_seconds: u64) -> Result<(), NotAllowed> {
        if used_seconds >= self.limit_seconds {
            return Err(NotAllowed::LimitReached {
                used_seconds,
                limit_seconds: self.limit_seconds,
            });
        }
        if !self.windows.is_empty() && !self.windows.iter().any(|w| w.contains(at)) {
            return Err(NotAllowed::OutsideHours);
        }
        Ok(())
    }

    /// Whether the caller asked for a person in `heard`, and whether they may be forwarded.
    /// The category comes from `categorizer`, on the same partial transcript.
    pub fn decide(&self, heard: &Heard<'_>, categorizer: &Categorizer) -> Decision {
        let Some(phrase) = self.phrases.find(heard.transcript, heard.language) else {
            return Decision::NoRequest;
        };
        if let Err(reason) = self.allowed_now(heard.at, heard.used_seconds) {
            return Decision::NotAllowed(reason);
        }
        let found = categorizer.categorize(heard.transcript, heard.language);
        if !self.categories.is_empty() {
            let label = categorizer
                .category(&found.category)
                .and_then(|c| c.label.as_deref())
                .map(str::to_lowercase);
            let name = found.category.to_lowercase();
            let listed = self
                .categories
                .iter()
                .any(|c| *c == name || Some(c) == label.as_ref());
            if !listed {
                return Decision::NotAllowed(NotAllowed::Category {
                    category: found.category,
                });
            }
        }
        Decision::Forward {
            target: self.target.clone(),
            phrase: phrase.to_string(),
            category: found.category,
        }
    }
}

/// The month `at` falls in, `"YYYY-MM"`: the key forwarded minutes are counted under.
pub fn month_key(at: DateTime) -> String {
    format!("{:04}-{:02}", at.year(), at.month())
}

/// The phrases used when none are configured: English and German ways to ask for a person.
pub fn default_phrases() -> Vec<String> {
    let mut phrases = Vec::new();
    let en_objects = [
        "someone",
        "somebody",
        "anyone",
        "anybody",
        "a person",
        "a human",
        "an employee",
        "a representative",
        "an agent",
        "an operator",
        "a member of",
    ];
    for verb in ["talk", "speak"] {
        for preposition in ["to", "with"] {
            for object in en_objects {
                phrases.push(format!("en:{verb} {preposition} {object}"));
            }
        }
    }
    for phrase in ["put me through", "transfer me", "connect me"] {
        phrases.push(format!("en:{phrase}"));
    }
    let de_objects = [
        "jemandem",
        "einem Menschen",
        "einer Person",
        "einem Mitarbeiter",
        "einer Mitarbeiterin",
    ];
    for verb in ["sprechen", "reden"] {
        for object in de_objects {
            phrases.push(format!("de:mit {object} {verb}"));
            phrases.push(format!("de:{verb} mit {object}"));
        }
    }
    for phrase in [
        "jemanden sprechen",
        "einen Mitarbeiter sprechen",
        "persönlich sprechen",
        "verbinden Sie mich",
        "mich verbinden",
        "mich weiterverbinden",
        "stellen Sie mich durch",
        "durchstellen",
    ] {
        phrases.push(format!("de:{phrase}"));
    }
    phrases
}

/// Finds phrases in transcripts by word stems; see the module docs for the rule.
#[derive(Debug, Clone)]
pub struct PhraseMatcher {
    phrases: Vec<Phrase>,
}

#[derive(Debug, Clone)]
struct Phrase {
    /// As configured, without prefix.
    text: String,
    /// Its words in each language it is compared in.
    stems: Vec<(Language, Vec<Stem>)>,
}

/// A word as compared: its stem, and for English whether it is a past form ("talked" is
/// `talk` like "talk", but "I talked to someone" reports, it does not ask).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stem {
    stem: String,
    past: bool,
}

impl Stem {
    fn of(language: Language, word: &str) -> Stem {
        let stem = language.stem(word);
        let past = language == Language::English && word.ends_with("ed") && !stem.ends_with("ed");
        Stem { stem, past }
    }
}

/// One word of a transcript, with the sentence and clause it stands in.
struct Token {
    word: String,
    sentence: usize,
    clause: usize,
}

impl PhraseMatcher {
    /// Prepares `phrases`; errors name the phrase to fix.
    pub fn new(phrases: &[String]) -> Result<PhraseMatcher, HumanError> {
        let mut compiled = Vec::new();
        for written in phrases {
            let (languages, text) = split_language(written)?;
            let words = words(text);
            if words.is_empty() {
                return Err(HumanError::EmptyPhrase {
                    phrase: written.clone(),
                });
            }
            compiled.push(Phrase {
                text: text.trim().to_string(),
                stems: languages
                    .iter()
                    .map(|&l| (l, words.iter().map(|w| Stem::of(l, w)).collect()))
                    .collect(),
            });
        }
        Ok(PhraseMatcher { phrases: compiled })
    }

    /// The first phrase (in configured order) found in `text`, a transcript in `language`
    /// (`None` or a language without stemmer: every language is tried).
    pub fn find(&self, text: &str, language: Option<&str>) -> Option<&str> {
        let active: Vec<Language> = match language.and_then(Language::from_code) {
            Some(language) => vec![language],
            None => Language::ALL.to_vec(),
        };
        let tokens = tokenize(text);
        if tokens.is_empty() {
            return None;
        }
        let stems: Vec<(Language, Vec<Stem>)> = active
            .iter()
            .map(|&l| (l, tokens.iter().map(|t| Stem::of(l, &t.word)).collect()))
            .collect();
        self.phrases
            .iter()
            .find(|phrase| {
                phrase.stems.iter().any(|(language, wanted)| {
                    stems
                        .iter()
                        .find(|(l, _)| l == language)
                        .is_some_and(|(_, text)| occurs(wanted, text, &tokens))
                })
            })
            .map(|phrase| phrase.text.as_str())
    }
}

/// Splits an `en:`/`de:` prefix off; no prefix means every language.
fn split_language(written: &str) -> Result<(Vec<Language>, &str), HumanError> {
    let trimmed = written.trim();
    if let Some((prefix, rest)) = trimmed.split_once(':') {
        if prefix.len() == 2 && prefix.chars().all(|c| c.is_ascii_alphabetic()) {
            return match Language::from_code(prefix) {
                Some(language) => Ok((vec![language], rest)),
                None => Err(HumanError::UnsupportedLanguage {
                    phrase: written.to_string(),
                    language: prefix.to_string(),
                }),
            };
        }
    }
    Ok((Language::ALL.to_vec(), trimmed))
}

/// The transcript's words, each with its sentence (ended by `.`, `!`, `?`, `;` before a
/// space or the end) and clause (also ended by `,`, `:` and dashes).
fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let (mut sentence, mut clause) = (0, 0);
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((index, c)) = chars.next() {
        let at_break = chars.peek().is_none_or(|(_, next)| next.is_whitespace());
        let ends_sentence = matches!(c, '.' | '!' | '?' | ';' | '…') && at_break;
        let ends_clause = ends_sentence || (matches!(c, ',' | ':' | '–' | '—') && at_break);
        if ends_clause {
            let end = index + c.len_utf8();
            for word in words(&text[start..end]) {
                tokens.push(Token {
                    word,
                    sentence,
                    clause,
                });
            }
            start = end;
            clause += 1;
            if ends_sentence {
                sentence += 1;
            }
        }
    }
    for word in words(&text[start..]) {
        tokens.push(Token {
            word,
            sentence,
            clause,
        });
    }
    tokens
}

/// Whether `wanted` (a phrase's stems) occurs in `text` (the transcript's stems), in order,
/// within one sentence, gaps of at most [`MAX_GAP`] words, and not negated.
fn occurs(wanted: &[Stem], text: &[Stem], tokens: &[Token]) -> bool {
    let Some((first, rest)) = wanted.split_first() else {
        return false;
    };
    'start: for start in (0..text.len()).filter(|&i| text[i] == *first) {
        let sentence = tokens[start].sentence;
        let mut position = start;
        for stem in rest {
            let next = (position + 1..=position + 1 + MAX_GAP)
                .take_while(|&i| i < text.len() && tokens[i].sentence == sentence)
                .find(|&i| text[i] == *stem);
            match next {
                Some(i) => position = i,
                None => continue 'start,
            }
        }
        if !negated(tokens, start, position) {
            return true;
        }
    }
    false
}

/// Whether a negation stands inside `start..=end` or up to [`NEGATION_REACH`] words before
/// `start` in the same clause.
fn negated(tokens: &[Token], start: usize, end: usize) -> bool {
    let clause = tokens[start].clause;
    let before =
        (start.saturating_sub(NEGATION_REACH)..start).filter(|&i| tokens[i].clause == clause);
    before
        .chain(start..=end)
        .any(|i| NEGATIONS.contains(&tokens[i].word.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use frontdesk_categories::default_categories;
    use jiff::civil::date;

    fn defaults() -> PhraseMatcher {
        PhraseMatcher::new(&default_phrases()).unwrap()
    }

    fn categorizer() -> Categorizer {
        Categorizer::new(&default_categories(), &Language::ALL).unwrap()
    }

    /// Monday 2026-11-23, 10:00.
    fn monday_morning() -> DateTime {
        date(2026, 11, 23).at(10, 0, 0, 0)
    }

    fn settings() -> HumanSettings {
        HumanSettings {
            target: " 200 ".into(),
            phrases: Vec::new(),
            categories: Vec::new(),
            windows: Vec::new(),
            monthly_minutes: 60,
        }
    }

    fn heard(transcript: &str) -> Heard<'_> {
        Heard {
            transcript,
            language: Some("en"),
            at: monday_morning(),
            used_seconds: 0,
        }
    }

    #[test]
    fn english_requests_are_heard_through_whispers_punctuation_and_rewording() {
        let matcher = defaults();
        for text in [
            "I want to talk to someone.",
            " I'd like to speak to someone, please.",
            "Hi, this is Anna. Can I talk to a person?",
            "CAN I SPEAK WITH SOMEBODY",
            "I need to talk to a real person about my heating.",
            "Could you put me through to the workshop?",
            "Is there any way I could be speaking with an employee?",
            "I'd like to talk to a human being!",
        ] {
            assert!(
                matcher.find(text, Some("en")).is_some(),
                "not heard: {text:?}"
            );
            // Language unknown (auto detection failed): still heard.
            assert!(
                matcher.find(text, None).is_some(),
                "not heard without language: {text:?}"
            );
        }
        assert_eq!(
            matcher.find("I want to talk to someone.", Some("en")),
            Some("talk to someone")
        );
    }

    #[test]
    fn german_requests_are_heard_with_their_inflections() {
        let matcher = defaults();
        for text in [
            "Ich möchte mit jemandem sprechen.",
            "ich mochte mit jemanden sprechen",
            "Kann ich bitte mit einem Mitarbeiter sprechen?",
            "Ich würde gerne mit einem echten Menschen reden.",
            "Können Sie mich bitte mit jemandem persönlich sprechen lassen",
            "Hallo, hier ist Müller. Ich möchte jemanden sprechen, es ist dringend.",
            "Verbinden Sie mich bitte mit der Werkstatt.",
            "Stellen Sie mich bitte durch.",
            "Ich möchte mit einer Mitarbeiterin sprechen",
        ] {
            assert!(
                matcher.find(text, Some("de")).is_some(),
                "not heard: {text:?}"
            );
            assert!(
                matcher.find(text, None).is_some(),
                "not heard without language: {text:?}"
            );
        }
    }

    #[test]
    fn messages_without_a_request_are_not_forwarded() {
        let matcher = defaults();
        for (text, language) in [
            ("Please call me back about the invoice.", "en"),
            ("I talked to someone yesterday", "en"),
            ("Yesterday I spoke to somebody at your office.", "en"),
            ("I want to talk about someone who damaged my car.", "en"),
            (
                "I want to talk to you about someone who damaged my car.",
                "en",
            ),
            ("Our person in charge will speak at the event.", "en"),
            ("Ich habe gestern mit Ihrem Kollegen gesprochen.", "de"),
            ("Bitte rufen Sie mich zurück wegen der Rechnung.", "de"),
            ("", "en"),
            ("...", "en"),
        ] {
            assert_eq!(
                matcher.find(text, Some(language)),
                None,
                "heard in {text:?}"
            );
        }
    }

    #[test]
    fn a_phrase_never_matches_across_sentences_or_wide_gaps() {
        let matcher = PhraseMatcher::new(&["talk to someone".to_string()]).unwrap();
        assert!(matcher.find("talk to someone", None).is_some());
        assert!(matcher.find("talk to dear someone", None).is_some());
        // Two other words in between: unrelated text.
        assert_eq!(matcher.find("talk to my dear someone", None), None);
        // The sentence ends between the words.
        assert_eq!(
            matcher.find("Please talk to me. Someone broke the window.", None),
            None
        );
        assert_eq!(matcher.find("I want to talk to. Someone", None), None);
        // A dot inside a number is no sentence end.
        assert!(matcher
            .find("It's 3.5 degrees, can I talk to someone", None)
            .is_some());
        // Words out of order.
        assert_eq!(matcher.find("someone to talk", None), None);
    }

    #[test]
    fn a_negated_request_is_no_request() {
        let matcher = defaults();
        for (text, language) in [
            ("I don't need to talk to anyone, just call me back.", "en"),
            ("You do not have to speak to someone.", "en"),
            ("There is no need to talk to a person.", "en"),
            ("Ich muss nicht mit jemandem sprechen.", "de"),
            ("Ich will nicht mit einem Mitarbeiter reden.", "de"),
        ] {
            assert_eq!(
                matcher.find(text, Some(language)),
                None,
                "heard in {text:?}"
            );
        }
        // A negation in an earlier clause or far before does not count.
        for (text, language) in [
            ("No, I want to talk to someone.", "en"),
            (
                "The heating does not work at all so can I talk to someone",
                "en",
            ),
            ("Nein, ich möchte mit jemandem sprechen.", "de"),
        ] {
            assert!(
                matcher.find(text, Some(language)).is_some(),
                "not heard: {text:?}"
            );
        }
    }

    #[test]
    fn phrases_are_limited_to_their_language() {
        let matcher =
            PhraseMatcher::new(&["de:Rückruf".to_string(), "en:human".to_string()]).unwrap();
        assert_eq!(
            matcher.find("Bitte um RUCKRUF", Some("de")),
            Some("Rückruf")
        );
        assert_eq!(matcher.find("Bitte um Rückruf", Some("en")), None);
        assert_eq!(matcher.find("Bitte um Rückrufe", None), Some("Rückruf"));
        assert_eq!(matcher.find("a human please", Some("de")), None);
        assert_eq!(matcher.find("humans please", Some("en")), Some("human"));
    }

    #[test]
    fn bad_phrases_are_refused_by_name() {
        assert_eq!(
            PhraseMatcher::new(&["talk".into(), " ?! ".into()]).unwrap_err(),
            HumanError::EmptyPhrase {
                phrase: " ?! ".into()
            }
        );
        let err = PhraseMatcher::new(&["fr:parler à quelqu'un".into()]).unwrap_err();
        assert!(err.to_string().contains("\"fr\""), "{err}");
        // A colon that is no language prefix is part of the phrase.
        let matcher = PhraseMatcher::new(&["urgent: call".into()]).unwrap();
        assert!(matcher.find("urgent call", None).is_some());
    }

    #[test]
    fn settings_are_checked() {
        let no_target = HumanSettings {
            target: "  ".into(),
            ..settings()
        };
        assert_eq!(
            HumanForwarding::new(no_target).unwrap_err(),
            HumanError::NoTarget
        );
        let no_minutes = HumanSettings {
            monthly_minutes: 0,
            ..settings()
        };
        assert_eq!(
            HumanForwarding::new(no_minutes).unwrap_err(),
            HumanError::NoMinutes
        );
        let forwarding = HumanForwarding::new(settings()).unwrap();
        assert_eq!(forwarding.target(), "200");
        assert_eq!(forwarding.limit_seconds(), 3600);
    }

    #[test]
    fn a_request_is_forwarded_to_the_target_with_its_category() {
        let forwarding = HumanForwarding::new(settings()).unwrap();
        let categorizer = categorizer();
        assert_eq!(
            forwarding.decide(
                &heard("There is a leak. I want to talk to someone!"),
                &categorizer
            ),
            Decision::Forward {
                target: "200".into(),
                phrase: "talk to someone".into(),
                category: "emergency".into(),
            }
        );
        assert_eq!(
            forwarding.decide(&heard("Please call me back."), &categorizer),
            Decision::NoRequest
        );
    }

    #[test]
    fn only_listed_categories_are_forwarded() {
        let forwarding = HumanForwarding::new(HumanSettings {
            // By name and by label, in any case.
            categories: vec!["EMERGENCY".into(), "Damage & repair".into()],
            ..settings()
        })
        .unwrap();
        let categorizer = categorizer();
        let decide = |text: &str, language: &str| {
            forwarding.decide(
                &Heard {
                    language: Some(language),
                    ..heard(text)
                },
                &categorizer,
            )
        };
        assert!(matches!(
            decide("Water is everywhere, a burst pipe! Can I talk to a person?", "en"),
            Decision::Forward { category, .. } if category == "emergency"
        ));
        assert!(matches!(
            decide("Notfall! Ich möchte mit jemandem sprechen.", "de"),
            Decision::Forward { category, .. } if category == "emergency"
        ));
        assert!(matches!(
            decide("My boiler is broken, can I speak to someone", "en"),
            Decision::Forward { category, .. } if category == "repair"
        ));
        let refused = decide("About my invoice: can I talk to someone?", "en");
        assert_eq!(
            refused,
            Decision::NotAllowed(NotAllowed::Category {
                category: "invoice".into()
            })
        );
        let Decision::NotAllowed(reason) = refused else {
            unreachable!()
        };
        assert!(
            reason.may_change(),
            "the caller may still name an emergency"
        );
        // No category at all yet.
        assert_eq!(
            decide("Can I talk to someone", "en"),
            Decision::NotAllowed(NotAllowed::Category {
                category: "general".into()
            })
        );
        // A category without a request is still no request.
        assert_eq!(decide("This is an emergency!", "en"), Decision::NoRequest);
    }

    #[test]
    fn forwarding_happens_only_within_the_windows() {
        use Weekday::*;
        let office = HoursWindow {
            days: vec![Monday, Tuesday, Wednesday, Thursday, Friday],
            from: Time::constant(8, 0, 0, 0),
            to: Time::constant(17, 30, 0, 0),
        };
        let saturday_night = HoursWindow {
            days: vec![Saturday],
            from: Time::constant(22, 0, 0, 0),
            to: Time::constant(2, 0, 0, 0),
        };
        let forwarding = HumanForwarding::new(HumanSettings {
            windows: vec![office, saturday_night],
            ..settings()
        })
        .unwrap();
        let categorizer = categorizer();
        let at = |day: i8, hour: i8, minute: i8| date(2026, 11, day).at(hour, minute, 0, 0);
        let cases = [
            (at(23, 10, 0), true),   // Monday morning
            (at(23, 8, 0), true),    // opening minute
            (at(23, 7, 59), false),  // before
            (at(23, 17, 30), false), // closing minute is outside
            (at(27, 17, 29), true),  // Friday
            (at(28, 12, 0), false),  // Saturday noon
            (at(28, 23, 0), true),   // Saturday night
            (at(29, 1, 59), true),   // ... past midnight
            (at(29, 2, 0), false),   // Sunday 02:00
            (at(22, 23, 0), false),  // Sunday night
        ];
        for (moment, open) in cases {
            let decision = forwarding.decide(
                &Heard {
                    at: moment,
                    ..heard("can I talk to someone")
                },
                &categorizer,
            );
            let expected = if open {
                matches!(decision, Decision::Forward { .. })
            } else {
                decision == Decision::NotAllowed(NotAllowed::OutsideHours)
            };
            assert!(expected, "{moment}: {decision:?}");
            assert_eq!(forwarding.allowed_now(moment, 0).is_ok(), open, "{moment}");
        }
        assert!(!NotAllowed::OutsideHours.may_change());
    }

    #[test]
    fn the_monthly_limit_stops_forwarding() {
        let forwarding = HumanForwarding::new(HumanSettings {
            monthly_minutes: 10,
            ..settings()
        })
        .unwrap();
        let categorizer = categorizer();
        let decide = |used_seconds: u64| {
            forwarding.decide(
                &Heard {
                    used_seconds,
                    ..heard("I want to talk to someone")
                },
                &categorizer,
            )
        };
        assert!(matches!(decide(0), Decision::Forward { .. }));
        // At 90 % still forwarded (the warning is the store's business).
        assert!(matches!(decide(540), Decision::Forward { .. }));
        assert!(matches!(decide(599), Decision::Forward { .. }));
        let limit = NotAllowed::LimitReached {
            used_seconds: 600,
            limit_seconds: 600,
        };
        assert_eq!(decide(600), Decision::NotAllowed(limit.clone()));
        assert!(!limit.may_change());
        assert!(limit.to_string().contains("10 of 10 minutes"), "{limit}");
        assert!(matches!(
            decide(5_000),
            Decision::NotAllowed(NotAllowed::LimitReached { .. })
        ));
        assert_eq!(forwarding.remaining_seconds(540), 60);
        assert_eq!(forwarding.remaining_seconds(900), 0);
        // Without a request the limit is not even looked at.
        assert_eq!(
            forwarding.decide(
                &Heard {
                    used_seconds: 9_999,
                    ..heard("call me back")
                },
                &categorizer
            ),
            Decision::NoRequest
        );
    }

    #[test]
    fn configured_phrases_replace_the_defaults() {
        let forwarding = HumanForwarding::new(HumanSettings {
            phrases: vec!["need a plumber now".into()],
            ..settings()
        })
        .unwrap();
        let categorizer = categorizer();
        assert!(matches!(
            forwarding.decide(&heard("I need a plumber right now!"), &categorizer),
            Decision::Forward { phrase, .. } if phrase == "need a plumber now"
        ));
        assert_eq!(
            forwarding.decide(&heard("I want to talk to someone"), &categorizer),
            Decision::NoRequest
        );
    }

    #[test]
    fn the_month_key_is_the_local_year_and_month() {
        assert_eq!(month_key(date(2026, 11, 30).at(23, 59, 0, 0)), "2026-11");
        assert_eq!(month_key(date(2027, 1, 1).at(0, 0, 0, 0)), "2027-01");
    }
}
