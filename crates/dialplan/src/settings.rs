//! Building a [`DialPlan`] from settings as a configuration file writes them.

use std::fmt;
use std::str::FromStr;

use phonenumber::metadata::DATABASE;

use crate::pattern::{InternalPattern, MAX_INTERNAL_DIGITS};
use crate::plan::{DialPlan, Home};

/// How many digits an extension has when nothing else is configured.
pub const DEFAULT_EXTENSION_LENGTH: u32 = 3;

/// The international prefix used when no country says otherwise (most of the world).
pub const DEFAULT_INTERNATIONAL_PREFIX: &str = "00";

/// The longest prefix accepted: real ones have one to four digits.
const MAX_PREFIX_DIGITS: usize = 5;

/// The form outside numbers are sent to the server in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum DialFormat {
    /// As a phone in the account's country dials them: numbers at home with the national
    /// prefix (`030 123456`), others with the international prefix (`0044 20 …`), behind the
    /// outside-line prefix if the PBX needs one. Every PBX and national provider takes this.
    #[default]
    National,
    /// E.164 with a plus (`+4930123456`), for SIP trunks that require it.
    E164,
}

impl DialFormat {
    /// The name written in configuration files.
    pub fn as_str(self) -> &'static str {
        match self {
            DialFormat::National => "national",
            DialFormat::E164 => "e164",
        }
    }
}

impl fmt::Display for DialFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DialFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "national" => Ok(DialFormat::National),
            "e164" | "e.164" => Ok(DialFormat::E164),
            _ => Err(format!(
                "unknown dial format `{s}`, expected \"national\" or \"e164\""
            )),
        }
    }
}

/// A dial plan as written in a configuration: every field optional, values unchecked.
///
/// [`DialPlan::new`] checks them and fills in defaults (prefixes from the country's
/// numbering plan), so the config crate can report mistakes against the line they are on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DialPlanSettings {
    /// Digits in an extension; every number that long is internal (default 3).
    pub extension_length: Option<u32>,
    /// Patterns of internal numbers (`1xx`, `100-199`); replaces the `extension_length` rule.
    pub internal: Option<Vec<String>>,
    /// Dialled before a country code (default: the country's, else `00`).
    pub international_prefix: Option<String>,
    /// Dialled before an area code at home (default: the country's; `""` for none).
    pub national_prefix: Option<String>,
    /// ISO 3166 code of the country the account's line is in, e.g. `DE`.
    pub country: Option<String>,
    /// What the PBX needs to get an outside line, e.g. `0` or `9`.
    pub outside_line_prefix: Option<String>,
    /// `national` (default) or `e164`.
    pub dial_format: Option<String>,
}

/// A setting with a bad value: which one, and what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key}{}: {message}", index.map(|i| format!("[{i}]")).unwrap_or_default())]
pub struct SettingError {
    /// The setting's name, as in [`DialPlanSettings`] and the configuration file.
    pub key: &'static str,
    /// For list settings (`internal`), the position of the bad entry.
    pub index: Option<usize>,
    /// What is wrong and how to fix it.
    pub message: String,
}

fn bad(key: &'static str, message: String) -> SettingError {
    SettingError {
        key,
        index: None,
        message,
    }
}

impl DialPlan {
    /// Checks `settings` and builds the plan; the error names the setting to fix.
    pub fn new(settings: &DialPlanSettings) -> Result<DialPlan, SettingError> {
        let internal = internal_patterns(settings)?;
        let home = match &settings.country {
            Some(country) => Some(home(settings, country)?),
            None => {
                for (key, value) in [
                    ("national_prefix", &settings.national_prefix),
                    ("outside_line_prefix", &settings.outside_line_prefix),
                    ("dial_format", &settings.dial_format),
                ] {
                    if value.is_some() {
                        return Err(bad(
                            key,
                            format!(
                                "{key} needs country (where the account's phone line is), \
                                 e.g. country = \"DE\""
                            ),
                        ));
                    }
                }
                None
            }
        };
        let international_prefix = match &settings.international_prefix {
            Some(prefix) => digits_setting("international_prefix", prefix, "\"00\"")?,
            None => home
                .as_ref()
                .map(|h| country_international_prefix(h.id))
                .unwrap_or_else(|| DEFAULT_INTERNATIONAL_PREFIX.to_string()),
        };
        if let Some(home) = &home {
            if home.national_prefix.as_deref() == Some(international_prefix.as_str()) {
                return Err(bad(
                    "national_prefix",
                    format!(
                        "national_prefix and international_prefix are both \"{international_prefix}\"; \
                         numbers could not be told apart"
                    ),
                ));
            }
        }
        Ok(DialPlan {
            internal,
            international_prefix,
            home,
        })
    }
}

fn internal_patterns(settings: &DialPlanSettings) -> Result<Vec<InternalPattern>, SettingError> {
    let Some(patterns) = &settings.internal else {
        let length = settings
            .extension_length
            .unwrap_or(DEFAULT_EXTENSION_LENGTH);
        if length == 0 || length as usize > MAX_INTERNAL_DIGITS {
            return Err(bad(
                "extension_length",
                format!(
                    "extension_length = {length} is out of range; extensions have 1 to \
                     {MAX_INTERNAL_DIGITS} digits"
                ),
            ));
        }
        return Ok(vec![InternalPattern::any_of_length(length as usize)]);
    };
    if settings.extension_length.is_some() {
        return Err(bad(
            "internal",
            "internal replaces extension_length: remove extension_length and list the length \
             as a pattern, e.g. internal = [\"xxx\", \"2000-2099\"]"
                .to_string(),
        ));
    }
    if patterns.is_empty() {
        return Err(bad(
            "internal",
            "internal is empty; list patterns such as \"1xx\" or \"100-199\" \
             (or remove it: then every number of extension_length digits is internal)"
                .to_string(),
        ));
    }
    patterns
        .iter()
        .enumerate()
        .map(|(index, text)| {
            text.parse().map_err(|message| SettingError {
                key: "internal",
                index: Some(index),
                message,
            })
        })
        .collect()
}

fn home(settings: &DialPlanSettings, country: &str) -> Result<Home, SettingError> {
    let code = country.trim().to_ascii_uppercase();
    let id = phonenumber::country::Id::from_str(&code)
        .ok()
        .filter(|_| code.len() == 2)
        .and_then(|id| Some((id, DATABASE.by_id(id.as_ref())?)));
    let Some((id, metadata)) = id else {
        return Err(bad(
            "country",
            format!(
                "`{country}` is not a country code; use the two-letter ISO 3166 code, \
                 e.g. \"DE\", \"US\" or \"GB\""
            ),
        ));
    };
    let national_prefix = match &settings.national_prefix {
        Some(prefix) if prefix.is_empty() => None,
        Some(prefix) => Some(digits_setting("national_prefix", prefix, "\"0\"")?),
        None => metadata.national_prefix().map(str::to_string),
    };
    let outside_line_prefix = settings
        .outside_line_prefix
        .as_deref()
        .map(|prefix| digits_setting("outside_line_prefix", prefix, "\"0\" or \"9\""))
        .transpose()?;
    let format = match &settings.dial_format {
        Some(text) => text.parse().map_err(|e| bad("dial_format", e))?,
        None => DialFormat::default(),
    };
    if format == DialFormat::E164 && outside_line_prefix.is_some() {
        return Err(bad(
            "outside_line_prefix",
            "outside_line_prefix is for PBXs dialled in national format; with \
             dial_format = \"e164\" numbers go out as +<country><number>: remove one of them"
                .to_string(),
        ));
    }
    Ok(Home {
        id,
        code: metadata.country_code(),
        national_prefix,
        outside_line_prefix,
        format,
    })
}

/// The prefix people in `id` dial before a country code: the preferred one from the
/// numbering metadata, the only one when it is a plain digit string, else `00`.
fn country_international_prefix(id: phonenumber::country::Id) -> String {
    let Some(metadata) = DATABASE.by_id(id.as_ref()) else {
        return DEFAULT_INTERNATIONAL_PREFIX.to_string();
    };
    let plain = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    metadata
        .preferred_international_prefix()
        .filter(|p| plain(p))
        .map(str::to_string)
        .or_else(|| {
            metadata
                .international_prefix()
                .map(|r| r.as_str().to_string())
                .filter(|p| plain(p))
        })
        .unwrap_or_else(|| DEFAULT_INTERNATIONAL_PREFIX.to_string())
}

/// A prefix setting: one to five digits.
fn digits_setting(key: &'static str, value: &str, example: &str) -> Result<String, SettingError> {
    let value = value.trim();
    if value.is_empty()
        || value.len() > MAX_PREFIX_DIGITS
        || !value.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad(
            key,
            format!(
                "`{value}` is not a prefix; write 1 to {MAX_PREFIX_DIGITS} digits, e.g. {example}"
            ),
        ));
    }
    Ok(value.to_string())
}
