//! What a category is, and the categories Frontdesk ships with.

use serde::{Deserialize, Serialize};

/// The category of a message that no category's keywords matched.
pub const GENERAL: &str = "general";

/// A kind of message, recognised by its keywords; messages of a category can be sent to
/// their own e-mail address.
///
/// Keywords are words or phrases (`"invoice"`, `"call back"`). A keyword may name its
/// language with a prefix, `"de:Termin"` or `"en:appointment"`: it is then compared with the
/// stemmer of that language only, and only in messages of that language or of unknown
/// language. Without a prefix a keyword is compared in every language the message may be
/// in. Prefixing matters where a word of one language stems like a different word of the
/// other: unprefixed, `"Termin"` would match English "terminal" (Porter2 stems both to
/// `termin`), while `"de:Termin"` does not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    /// A short id, stored with each message and used in filters (`callback`).
    pub name: String,
    /// What to show people (`Callback`); the name when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Words and phrases that put a message into this category; see the type's docs.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Where to send notifications of this category's messages, instead of the default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

impl Category {
    /// A category without label or e-mail address.
    pub fn new<K: Into<String>>(
        name: impl Into<String>,
        keywords: impl IntoIterator<Item = K>,
    ) -> Category {
        Category {
            name: name.into(),
            label: None,
            keywords: keywords.into_iter().map(Into::into).collect(),
            email: None,
        }
    }

    /// The label, or the name when there is none.
    pub fn display_label(&self) -> &str {
        self.label.as_deref().unwrap_or(&self.name)
    }
}

/// English and German categories for a small business: emergencies, callbacks,
/// appointments, invoices, damage and repairs.
///
/// Emergencies come first, so that a message that mentions an emergency as often as
/// something else counts as an emergency (ties go to the earlier category). Every keyword
/// carries its language, so German words are not stemmed as English ones and vice versa.
pub fn default_categories() -> Vec<Category> {
    fn category(name: &str, label: &str, en: &[&str], de: &[&str]) -> Category {
        let keywords = en
            .iter()
            .map(|k| format!("en:{k}"))
            .chain(de.iter().map(|k| format!("de:{k}")));
        Category {
            label: Some(label.to_string()),
            ..Category::new(name, keywords)
        }
    }
    vec![
        category(
            "emergency",
            "Emergency",
            &[
                "emergency",
                "urgent",
                "urgency",
                "leak",
                "burst pipe",
                "flood",
                "fire",
                "smoke",
                "gas leak",
                "smell gas",
                "smell of gas",
                "danger",
            ],
            &[
                "Notfall",
                "Notdienst",
                "dringend",
                "eilig",
                "Wasserrohrbruch",
                "Rohrbruch",
                "Wasserschaden",
                "Überschwemmung",
                "unter Wasser",
                "Leck",
                "Brand",
                "Feuer",
                "Rauch",
                "Gasgeruch",
                "riecht nach Gas",
                "Gefahr",
                "gefährlich",
            ],
        ),
        category(
            "callback",
            "Callback",
            &[
                "call back",
                "callback",
                "call me",
                "ring me",
                "ring back",
                "get back to me",
                "return my call",
                "reach me",
            ],
            &[
                "Rückruf",
                "zurückrufen",
                "zurückzurufen",
                "rufen Sie mich",
                "ruf mich",
                "melden Sie sich",
                "zurückmelden",
                "Rückmeldung",
                "erreichen Sie mich",
            ],
        ),
        category(
            "appointment",
            "Appointment",
            &[
                "appointment",
                "schedule",
                "reschedule",
                "time slot",
                "visit",
                "come by",
                "come round",
            ],
            &[
                "Termin",
                "Terminvereinbarung",
                "Besuch",
                "vorbeikommen",
                "vorbeischauen",
                "Besprechung",
            ],
        ),
        category(
            "invoice",
            "Invoice",
            &[
                "invoice",
                "the bill",
                "your bill",
                "my bill",
                "a bill",
                "payment",
                "pay",
                "paid",
                "refund",
                "credit note",
                "receipt",
                "overdue",
            ],
            &[
                "Rechnung",
                "Rechnungsnummer",
                "Zahlung",
                "Bezahlung",
                "bezahlen",
                "bezahlt",
                "Überweisung",
                "Mahnung",
                "Gutschrift",
                "Quittung",
                "Lastschrift",
            ],
        ),
        category(
            "repair",
            "Damage & repair",
            &[
                "damage",
                "repair",
                "broken",
                "fix",
                "defect",
                "faulty",
                "not working",
                "doesn't work",
                "does not work",
                "stopped working",
                "malfunction",
                "crack",
            ],
            &[
                "Schaden",
                "beschädigt",
                "kaputt",
                "defekt",
                "Reparatur",
                "reparieren",
                "repariert",
                "funktioniert nicht",
                "Störung",
                "Ausfall",
                "ausgefallen",
                "undicht",
                "Riss",
            ],
        ),
    ]
}
