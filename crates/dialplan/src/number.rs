//! Outside numbers: which number is meant, its E.164 form, how to show it and how to dial it.

use phonenumber::{Mode, PhoneNumber};

use crate::plan::{DialPlan, Home};
use crate::settings::DialFormat;

/// A phone number outside the PBX, in every form Frontdesk needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Number {
    typed: String,
    e164: Option<String>,
    display: String,
    dial: String,
}

impl Number {
    /// The number as typed or received, punctuation removed (`0030123456`, `+4930123456`).
    pub fn typed(&self) -> &str {
        &self.typed
    }

    /// E.164 (`+4930123456`): known for `+`/international numbers, and for national ones
    /// when the plan has a country and the number is valid there.
    pub fn e164(&self) -> Option<&str> {
        self.e164.as_deref()
    }

    /// For people: national format at home (`030 123456`), international abroad
    /// (`+44 20 7946 0958`), the typed digits when the numbering data does not know it.
    pub fn display(&self) -> &str {
        &self.display
    }

    /// What to send to the server to reach this number (Request-URI user part).
    pub fn dial_string(&self) -> &str {
        &self.dial
    }
}

/// One way to read a digit string.
struct Reading {
    /// The digits of this reading (with the outside-line prefix removed, for that reading).
    keys: String,
    form: Form,
    /// The number the numbering data makes of it, when it parses.
    parsed: Option<PhoneNumber>,
}

enum Form {
    /// `+49…` or `0049…`: country code and number, here without `+` or prefix.
    Global(String),
    /// Anything else: a number as dialled inside the country (or a short code).
    National,
}

impl Reading {
    fn is_valid(&self) -> bool {
        self.parsed.as_ref().is_some_and(PhoneNumber::is_valid)
    }

    /// The valid parsed number, if any.
    fn valid(&self) -> Option<&PhoneNumber> {
        self.parsed.as_ref().filter(|n| n.is_valid())
    }
}

impl DialPlan {
    /// Works out which number `keys` (digits, maybe a leading `+`) means.
    ///
    /// PBXs often present outside callers with their outside-line digit in front
    /// (`0030123456` for `030 123456` behind a German PBX), and people type it out of habit;
    /// such a string is read without the prefix only if it is not a valid number as it stands
    /// but is one without it. Since the prefix is then dialled again, what was typed is what
    /// is sent.
    pub(crate) fn number(&self, keys: &str) -> Number {
        let mut readings = vec![self.reading(keys.to_string())];
        let outside = self
            .home
            .as_ref()
            .and_then(|h| h.outside_line_prefix.as_deref());
        if let Some(stripped) = outside.and_then(|prefix| keys.strip_prefix(prefix)) {
            if !stripped.is_empty() {
                readings.push(self.reading(stripped.to_string()));
            }
        }
        let chosen = match readings.iter().position(Reading::is_valid) {
            Some(index) => readings.swap_remove(index),
            None => readings.swap_remove(0),
        };
        Number {
            typed: keys.to_string(),
            e164: e164(&chosen),
            display: self.display_of(&chosen),
            dial: self.dial_of(&chosen),
        }
    }

    fn reading(&self, keys: String) -> Reading {
        let global = keys.strip_prefix('+').map(str::to_string).or_else(|| {
            keys.strip_prefix(self.international_prefix.as_str())
                .filter(|rest| !rest.is_empty())
                .map(str::to_string)
        });
        let (form, parsed) = match global {
            Some(global) => {
                let parsed = phonenumber::parse(None, format!("+{global}")).ok();
                (Form::Global(global), parsed)
            }
            None => {
                let parsed = self.home.as_ref().and_then(|home| {
                    phonenumber::parse(Some(home.id), &keys)
                        .ok()
                        .filter(|number| is_complete_national(home, number, &keys))
                });
                (Form::National, parsed)
            }
        };
        Reading { keys, form, parsed }
    }

    fn display_of(&self, reading: &Reading) -> String {
        match (reading.valid(), &reading.form) {
            (Some(number), _) => {
                let at_home = self
                    .home
                    .as_ref()
                    .is_some_and(|home| home.code == number.code().value());
                let mode = if at_home {
                    Mode::National
                } else {
                    Mode::International
                };
                number.format().mode(mode).to_string()
            }
            (None, Form::Global(global)) => format!("+{global}"),
            (None, Form::National) => reading.keys.clone(),
        }
    }

    fn dial_of(&self, reading: &Reading) -> String {
        let Some(home) = &self.home else {
            // No country: nothing is known about how the server wants numbers.
            return reading.keys.clone();
        };
        match home.format {
            DialFormat::E164 => e164(reading).unwrap_or_else(|| reading.keys.clone()),
            DialFormat::National => {
                let number = self.national_dial_string(home, reading);
                match &home.outside_line_prefix {
                    Some(prefix) => format!("{prefix}{number}"),
                    None => number,
                }
            }
        }
    }

    /// How a phone in the home country dials the number, without the outside-line prefix.
    fn national_dial_string(&self, home: &Home, reading: &Reading) -> String {
        let Form::Global(global) = &reading.form else {
            // Typed the national way: the user knows best (local numbers, short codes).
            return reading.keys.clone();
        };
        match reading.valid() {
            Some(number) if number.code().value() == home.code => {
                let national = national_significant_number(number);
                format!(
                    "{}{national}",
                    home.national_prefix.as_deref().unwrap_or_default()
                )
            }
            _ => format!("{}{global}", self.international_prefix),
        }
    }
}

/// E.164 of a reading: the valid number's, or for `+`/international input whatever was
/// given (unambiguous even when the numbering data does not know the number).
fn e164(reading: &Reading) -> Option<String> {
    match (reading.valid(), &reading.form) {
        (Some(number), _) => Some(number.format().mode(Mode::E164).to_string()),
        (None, Form::Global(global)) => Some(format!("+{global}")),
        (None, Form::National) => None,
    }
}

/// True if `keys` is `number` written in full the national way: as the national format
/// writes it (`030123456`, `2025550123`) or with the national prefix in front of the
/// significant number (`12025550123`). A German `30123456` is not: it is a local number
/// without its area code, and which area is unknown, so it gets no E.164 form.
fn is_complete_national(home: &Home, number: &PhoneNumber, keys: &str) -> bool {
    let national_format: String = number
        .format()
        .mode(Mode::National)
        .to_string()
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let prefixed = format!(
        "{}{}",
        home.national_prefix.as_deref().unwrap_or_default(),
        national_significant_number(number)
    );
    keys == national_format || keys == prefixed
}

/// The number without country code and national prefix, keeping leading zeros that belong
/// to it (Italy's `06…`).
fn national_significant_number(number: &PhoneNumber) -> String {
    let e164 = number.format().mode(Mode::E164).to_string();
    let code = number.code().value().to_string();
    e164.trim_start_matches('+')
        .strip_prefix(code.as_str())
        .unwrap_or_default()
        .to_string()
}
