//! Who left a message and what it is about: the caller identified from the contacts (by
//! number when filing, by names in the transcript when the number is unknown), the message
//! sorted into a keyword category once transcribed.

use frontdesk_categories::{default_categories, Categorizer, Category, Language};
use frontdesk_config::VoicemailConfig;
use frontdesk_contacts::{ContactBook, DialPlan, Normalizer};
use frontdesk_store::ContactMatch;

/// Country assumed for numbers without one when neither `[voicemail] country` nor an
/// account's dial plan names it.
const FALLBACK_COUNTRY: &str = "DE";

/// Contacts and categories, loaded once at start.
pub(crate) struct Sorting {
    categorizer: Categorizer,
    contacts: ContactBook,
}

impl Sorting {
    /// Loads the categories (configured, else the built-in ones) and the contacts file;
    /// problems (unreadable rows, a missing file) come back as messages for the user, and
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
        let mut contacts = Vec::new();
        if let Some(path) = &config.contacts {
            match frontdesk_contacts::import_file(path, &normalizer) {
                Ok(import) => {
                    for problem in import.problems {
                        problems.push(format!("contacts {}: {problem}", path.display()));
                    }
                    contacts = import.contacts;
                }
                Err(e) => problems.push(format!("contacts: {e}")),
            }
        }
        // Imported contacts have no storage id yet: their place in the file stands in.
        for (index, contact) in contacts.iter_mut().enumerate() {
            contact.id.get_or_insert(index as i64 + 1);
        }
        let sorting = Sorting {
            categorizer,
            contacts: ContactBook::with_normalizer(contacts, normalizer),
        };
        (sorting, problems)
    }

    /// The caller's number in E.164 (when it is one) and the contact it belongs to.
    pub(crate) fn by_number(&self, number: &str) -> (Option<String>, Option<ContactMatch>) {
        let e164 = self
            .contacts
            .normalizer()
            .caller_key(number)
            .filter(|key| key.starts_with('+'));
        let contact = self
            .contacts
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
            self.contacts
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
