//! The dial plan itself: classifying what is dialled and normalising caller ids.

use crate::input::{self, Input, MAX_DIAL_CHARS};
use crate::number::Number;
use crate::pattern::InternalPattern;
use crate::settings::{DialFormat, DEFAULT_EXTENSION_LENGTH, DEFAULT_INTERNATIONAL_PREFIX};

/// One account's numbering rules: which numbers are internal, and (with a country) how
/// outside numbers are dialled, normalised to E.164 and shown.
///
/// Without a country ([`DialPlan::default`]) numbers are dialled exactly as typed, minus
/// punctuation: the plan cannot know what "national" means, so it changes nothing.
#[derive(Debug, Clone)]
pub struct DialPlan {
    /// Rules for internal numbers; a number matching any of them is an extension.
    pub(crate) internal: Vec<InternalPattern>,
    /// Dialled before a country code, e.g. `00`.
    pub(crate) international_prefix: String,
    /// The country the account's line is in, when configured.
    pub(crate) home: Option<Home>,
}

/// The country-dependent part of a plan.
#[derive(Debug, Clone)]
pub(crate) struct Home {
    pub(crate) id: phonenumber::country::Id,
    /// The country calling code, e.g. 49.
    pub(crate) code: u16,
    /// Dialled before an area code at home, e.g. `0`; `None` in countries without one.
    pub(crate) national_prefix: Option<String>,
    /// What the PBX needs for an outside line, e.g. `0`.
    pub(crate) outside_line_prefix: Option<String>,
    pub(crate) format: DialFormat,
}

impl Default for DialPlan {
    /// Three-digit extensions, `00` for abroad, no country: numbers go out as typed.
    fn default() -> Self {
        DialPlan {
            internal: vec![InternalPattern::any_of_length(
                DEFAULT_EXTENSION_LENGTH as usize,
            )],
            international_prefix: DEFAULT_INTERNATIONAL_PREFIX.to_string(),
            home: None,
        }
    }
}

/// What a dialled string turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dialed {
    /// One of the PBX's own numbers, digits as typed.
    Extension(String),
    /// A feature code with `*` or `#` (`*97`, `#31#…`), sent untouched: its meaning is the
    /// server's business.
    ServiceCode(String),
    /// A phone number outside the PBX.
    Number(Number),
    /// A `sip:` address (or `user@host`) as given; routing it is the SIP layer's job.
    SipUri(String),
}

impl Dialed {
    /// The Request-URI user part to send, or `None` for a SIP address (which is its own
    /// Request-URI). Not escaped: `#` must become `%23` in a URI.
    pub fn user_part(&self) -> Option<&str> {
        match self {
            Dialed::Extension(digits) | Dialed::ServiceCode(digits) => Some(digits),
            Dialed::Number(number) => Some(number.dial_string()),
            Dialed::SipUri(_) => None,
        }
    }
}

/// Who is on the other end, from a caller id or a stored number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// A colleague's extension.
    Extension(String),
    /// A phone number.
    Number(Number),
    /// Anything else (`anonymous`, a SIP user name, a full `sip:` address), as given.
    Other(String),
}

impl Caller {
    /// The key to look the caller up by in contacts and history: E.164 for numbers that
    /// have one, the extension for extensions, the text itself otherwise. Two spellings of
    /// the same number (`004930…`, `030…`, `+49 30 …`) give the same key.
    pub fn match_key(&self) -> &str {
        match self {
            Caller::Extension(digits) => digits,
            Caller::Number(number) => number.e164().unwrap_or(number.typed()),
            Caller::Other(text) => text,
        }
    }

    /// The number in E.164 (`+4930123456`), when it is a phone number and that is known.
    pub fn e164(&self) -> Option<&str> {
        match self {
            Caller::Number(number) => number.e164(),
            _ => None,
        }
    }

    /// How to show the caller: national format for numbers in the account's country
    /// (`030 123456`), international otherwise (`+44 20 7946 0958`), extensions and other
    /// ids as they are.
    pub fn display(&self) -> &str {
        match self {
            Caller::Extension(digits) => digits,
            Caller::Number(number) => number.display(),
            Caller::Other(text) => text,
        }
    }
}

/// Why a dial string cannot be dialled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DialError {
    /// Nothing (or only punctuation) was given.
    #[error("nothing to dial: give an extension, a phone number or a sip: address")]
    Empty,
    /// Letters or other characters a keypad cannot produce.
    #[error(
        "'{0}' is not an extension, a phone number or a sip: address \
         (digits, * and #, or +country number, e.g. +49 30 123456)"
    )]
    NotANumber(String),
    /// A `+` anywhere but in front.
    #[error("'{0}': a + can only come first, as in +49 30 123456")]
    MisplacedPlus(String),
    /// More keys than any number has.
    #[error("'{0}' is too long for a phone number ({MAX_DIAL_CHARS} digits at most)")]
    TooLong(String),
}

impl DialPlan {
    /// Says what `text` is: an extension, a feature code, an outside number or a SIP
    /// address. Spaces, dashes, dots, slashes and parentheses are ignored; `tel:` URIs are
    /// read as the number they carry. Anything a keypad cannot type is an error that says so.
    pub fn classify(&self, text: &str) -> Result<Dialed, DialError> {
        Ok(match input::read(text)? {
            Input::Uri(uri) => Dialed::SipUri(uri),
            Input::Keys(keys) if keys.contains(['*', '#']) => Dialed::ServiceCode(keys),
            Input::Keys(keys) if self.is_internal(&keys) => Dialed::Extension(keys),
            Input::Keys(keys) => Dialed::Number(self.number(&keys)),
        })
    }

    /// Normalises a caller id or any stored number: a From user part (`004930…`, `030…`,
    /// `+49…`, `0030…` with the PBX's outside-line digit, `102`), a `sip:`/`tel:` URI, or
    /// what was dialled. Never fails: what is not a number comes back as [`Caller::Other`].
    pub fn caller(&self, text: &str) -> Caller {
        let Some(user) = input::sip_user(text) else {
            return Caller::Other(text.trim().to_string());
        };
        match input::read(user) {
            Ok(Input::Keys(keys)) if keys.contains(['*', '#']) => Caller::Other(keys),
            Ok(Input::Keys(keys)) if self.is_internal(&keys) => Caller::Extension(keys),
            Ok(Input::Keys(keys)) => Caller::Number(self.number(&keys)),
            Ok(Input::Uri(_)) | Err(_) => Caller::Other(text.trim().to_string()),
        }
    }

    /// `text` in E.164 (`+4930123456`) if it is a phone number whose country is known;
    /// the key for caller identification and history matching.
    pub fn e164(&self, text: &str) -> Option<String> {
        self.caller(text).e164().map(str::to_string)
    }

    /// `text` as a person wants to read it; see [`Caller::display`].
    pub fn display(&self, text: &str) -> String {
        self.caller(text).display().to_string()
    }

    /// The country the plan is for (ISO 3166, e.g. `DE`), if one is configured.
    pub fn country(&self) -> Option<&str> {
        self.home.as_ref().map(|h| h.id.as_ref())
    }

    /// How outside numbers are sent; `None` without a country (then they go as typed).
    pub fn dial_format(&self) -> Option<DialFormat> {
        self.home.as_ref().map(|h| h.format)
    }

    /// The prefix dialled before a country code.
    pub fn international_prefix(&self) -> &str {
        &self.international_prefix
    }

    /// The prefix dialled before an area code at home, if the country has one.
    pub fn national_prefix(&self) -> Option<&str> {
        self.home.as_ref()?.national_prefix.as_deref()
    }

    /// The prefix the PBX needs for an outside line, if any.
    pub fn outside_line_prefix(&self) -> Option<&str> {
        self.home.as_ref()?.outside_line_prefix.as_deref()
    }

    /// The rules that make a number internal.
    pub fn internal(&self) -> &[InternalPattern] {
        &self.internal
    }

    /// True if `keys` is one of the PBX's own numbers (`+` numbers never are).
    fn is_internal(&self, keys: &str) -> bool {
        self.internal.iter().any(|rule| rule.matches(keys))
    }
}
