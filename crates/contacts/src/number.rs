//! Phone numbers to match keys: E.164 for numbers, digits for extensions.

use frontdesk_dialplan::{DialError, DialPlan, DialPlanSettings, Dialed};

use crate::error::ContactError;

/// Why a contact's number cannot be used to recognise callers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    /// Not something a phone can dial.
    #[error("\"{raw}\" is not a phone number: {reason}")]
    NotANumber {
        /// The number as written.
        raw: String,
        /// The dial plan's explanation.
        reason: DialError,
    },
    /// A number whose country or area is unknown, e.g. a local number without area code.
    #[error(
        "\"{raw}\" is not a complete phone number: write it with its area code (e.g. \
         030 1234567) or in international form starting with + (e.g. +49 30 1234567)"
    )]
    Incomplete {
        /// The number as written.
        raw: String,
    },
    /// A feature code (`*21#`) or a SIP address, which callers never present.
    #[error("\"{raw}\" is a feature code or SIP address, not a phone number: remove it")]
    NotAPhoneNumber {
        /// The number as written.
        raw: String,
    },
}

/// Turns contact numbers and caller ids into one key, so `030 1234567`, `+49 30 1234567`,
/// `0049301234567` and `(030) 123-4567` all find the same contact.
///
/// Built on the account's [`DialPlan`]: numbers written the national way are read in the
/// plan's country; numbers matching the plan's internal patterns (by default every
/// three-digit number) are extensions and stay as they are.
#[derive(Debug, Clone)]
pub struct Normalizer {
    plan: DialPlan,
}

impl Normalizer {
    /// National numbers are read in `default_country` (ISO 3166, e.g. `DE`); extensions
    /// have three digits.
    pub fn new(default_country: &str) -> Result<Normalizer, ContactError> {
        let settings = DialPlanSettings {
            country: Some(default_country.to_string()),
            ..DialPlanSettings::default()
        };
        let plan = DialPlan::new(&settings).map_err(|e| ContactError::Country {
            country: default_country.to_string(),
            reason: e.message,
        })?;
        Ok(Normalizer { plan })
    }

    /// Uses an account's own dial plan (its country and extension patterns).
    pub fn from_dial_plan(plan: DialPlan) -> Normalizer {
        Normalizer { plan }
    }

    /// The country national numbers are read in, if the plan has one.
    pub fn country(&self) -> Option<&str> {
        self.plan.country()
    }

    /// The key of a contact's number: E.164, or the extension's digits; an error saying
    /// what to fix for anything else.
    pub fn normalize(&self, raw: &str) -> Result<String, NumberError> {
        match self.plan.classify(raw) {
            Ok(Dialed::Extension(digits)) => Ok(digits),
            Ok(Dialed::Number(number)) => {
                number
                    .e164()
                    .map(str::to_string)
                    .ok_or_else(|| NumberError::Incomplete {
                        raw: raw.trim().to_string(),
                    })
            }
            Ok(Dialed::ServiceCode(_) | Dialed::SipUri(_)) => Err(NumberError::NotAPhoneNumber {
                raw: raw.trim().to_string(),
            }),
            Err(reason) => Err(NumberError::NotANumber {
                raw: raw.trim().to_string(),
                reason,
            }),
        }
    }

    /// The key of an incoming caller id (a From user part, `sip:`/`tel:` URI, or number in
    /// any spelling), comparable with [`Normalizer::normalize`]'s; `None` for anonymous
    /// callers and ids that are no number.
    pub fn caller_key(&self, caller: &str) -> Option<String> {
        let caller = self.plan.caller(caller);
        match &caller {
            frontdesk_dialplan::Caller::Extension(digits) => Some(digits.clone()),
            frontdesk_dialplan::Caller::Number(number) => number.e164().map(str::to_string),
            frontdesk_dialplan::Caller::Other(_) => None,
        }
    }
}
