//! Who left a message and what it is about: the caller identified from the contacts (by
//! number when filing, by names in the transcript when the number is unknown), the message
//! sorted into a keyword category once transcribed.
//!
//! The contacts are the store's contact book; [`crate::contacts`] fills it (the configured
//! file at start, imports from the front ends) and hands the result to
//! [`Sorting::set_contacts`].

use std::sync::{Arc, RwLock};

use frontdesk_categories::{default_categories, Categorizer, Category, Language};
use frontdesk_config::VoicemailConfig;
use frontdesk_contacts::{Contact, ContactBook, DialPlan, Normalizer};
use frontdesk_store::ContactMatch;

/// Country assumed for numbers without one when neither `[voicemail] country` nor an
/// account's dial plan names it.
const FALLBACK_COUNTRY: &str = "DE";

/// Categories, loaded once at start, and the contact book, replaced whenever the contacts
/// change.
pub(crate) struct Sorting {
    categorizer: Categorizer,
    /// How contact numbers and caller ids are read (the voicemail's country or the first
    /// account's dial plan).
    normalizer: Normalizer,
    /// Swapped whole, so a lookup never sees half an import.
    contacts: RwLock<Arc<ContactBook>>,
    /// Held while the contacts are changed and the book rebuilt, so two imports cannot
    /// leave the older book in place.
    pub(crate) changing: tokio::sync::Mutex<()>,
}

impl Sorting {
    /// The categories' matcher, for deciding on a message still being recorded.
    pub(crate) fn categorizer(&self) -> &Categorizer {
        &self.categorizer
    }

    /// Loads the categories (configured, else the built-in ones) and sets up an empty contact
    /// book; problems (bad categories, a bad country) come back as messages for the user, and
    /// everything else still works.
    pub(crate) fn load(config: &VoicemailConfig, plan: Option<DialPlan>) -> (Sorting, Vec<String>) {
        let mut problems = Vec::new();
        let categories: Vec<Category> = if config.categories.is_empty() {
            default_categories()
        } else {
            config
                .categories
                .iter()
                .map(|c| {
                    let mut category = Category::new(c.name.clone(), c.keywords.clone());
                    category.email = c.email.clone();
                    category
                })
                .collect()
        };
        let categorizer = Categorizer::new(&categories, &Language::ALL).unwrap_or_else(|e| {
            problems.push(format!(
                "voicemail categories: {e}; the built-in categories are used until it is fixed"
            ));
            Categorizer::new(&default_categories(), &Language::ALL)
                .expect("the built-in categories are valid")
        });
        let normalizer = match (&config.country, plan) {
            (Some(country), _) => Normalizer::new(country).unwrap_or_else(|e| {
                problems.push(format!("[voicemail] country: {e}"));
                Normalizer::new(FALLBACK_COUNTRY).expect("a known country")
            }),
            (None, Some(plan)) => Normalizer::from_dial_plan(plan),
            (None, None) => Normalizer::new(FALLBACK_COUNTRY).expect("a known country"),
        };
        let sorting = Sorting {
            categorizer,
            contacts: RwLock::new(Arc::new(ContactBook::with_normalizer(
                Vec::new(),
                normalizer.clone(),
            ))),
            normalizer,
            changing: tokio::sync::Mutex::new(()),
        };
        (sorting, problems)
    }

    /// How contact numbers and caller ids are read.
    pub(crate) fn normalizer(&self) -> &Normalizer {
        &self.normalizer
    }

    /// Identifies callers from `contacts` from now on (each with its store id). Where two
    /// contacts share a number, the first in `contacts` is the one a caller is matched to.
    pub(crate) fn set_contacts(&self, contacts: Vec<Contact>) {
        let book = Arc::new(ContactBook::with_normalizer(
            contacts,
            self.normalizer.clone(),
        ));
        *self.contacts.write().unwrap_or_else(|p| p.into_inner()) = book;
    }

    /// The contact book as it is now.
    fn book(&self) -> Arc<ContactBook> {
        self.contacts
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The caller's number in E.164 (when it is one) and the contact it belongs to.
    pub(crate) fn by_number(&self, number: &str) -> (Option<String>, Option<ContactMatch>) {
        let e164 = self
            .normalizer
            .caller_key(number)
            .filter(|key| key.starts_with('+'));
        let contact = self
            .book()
            .identify_by_number(number)
            .map(|contact| ContactMatch {
                id: contact.id.unwrap_or(0),
                name: contact.name.clone(),
                confidence: 1.0,
            });
        (e164, contact)
    }

    /// The category of a transcript, and a contact guessed from names in it.
    pub(crate) fn by_transcript(
        &self,
        transcript: &str,
        language: Option<&str>,
    ) -> (String, Option<ContactMatch>) {
        let category = self.categorizer.categorize(transcript, language).category;
        let contact =
            self.book()
                .identify_in_transcript(transcript)
                .map(|(contact, confidence)| ContactMatch {
                    id: contact.id.unwrap_or(0),
                    name: contact.name.clone(),
                    confidence: f64::from(confidence),
                });
        (category, contact)
    }

    /// Where notifications of `category` go, if it has its own address.
    pub(crate) fn email_of(&self, category: &str) -> Option<&str> {
        self.categorizer.category(category)?.email.as_deref()
    }
}
