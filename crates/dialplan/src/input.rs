//! Reading what was typed, pasted or received: URIs apart, punctuation out, junk refused.

use crate::plan::DialError;

/// The most characters a dial string may have after punctuation is removed. E.164 numbers
/// have 15 digits; prefixes and feature codes (`*21*0301234567#`) add a few more.
pub(crate) const MAX_DIAL_CHARS: usize = 40;

/// A dial string after reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Input {
    /// A `sip:`/`sips:` URI or `user@host`, exactly as given (trimmed).
    Uri(String),
    /// Digits, `*` and `#`, or `+` followed by digits: what a keypad can produce.
    Keys(String),
}

/// Reads one dial string or caller id.
pub(crate) fn read(text: &str) -> Result<Input, DialError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(DialError::Empty);
    }
    if has_scheme(text, "sip:") || has_scheme(text, "sips:") || text.contains('@') {
        return Ok(Input::Uri(text.to_string()));
    }
    let keys = match strip_scheme(text, "tel:") {
        Some(tel) => tel_number(tel),
        None => percent_decoded(text),
    };
    let keys = without_separators(&keys);
    check_keys(text, &keys)?;
    Ok(Input::Keys(keys))
}

/// The user part of a `sip:` URI or `user@host`; the text itself when it is neither.
/// `None` for a URI without a user part.
pub(crate) fn sip_user(text: &str) -> Option<&str> {
    let text = text.trim();
    let (rest, had_scheme) = match strip_scheme(text, "sip:").or(strip_scheme(text, "sips:")) {
        Some(rest) => (rest, true),
        None => (text, false),
    };
    match rest.split_once('@') {
        // User parameters (`;phone-context=…`) do not change the number itself.
        Some((user, _)) => Some(user.split(';').next().unwrap_or(user)),
        None if had_scheme => None,
        None => Some(rest),
    }
}

/// Characters people and PBXs put into numbers for readability (RFC 3966 visual separators
/// plus spaces and slashes).
fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '-' | '(' | ')' | '/' | '.' | '[' | ']')
}

fn has_scheme(text: &str, scheme: &str) -> bool {
    strip_scheme(text, scheme).is_some()
}

fn strip_scheme<'a>(text: &'a str, scheme: &str) -> Option<&'a str> {
    let head = text.get(..scheme.len())?;
    head.eq_ignore_ascii_case(scheme)
        .then(|| &text[scheme.len()..])
}

/// The number of a `tel:` URI. A local number with a global `phone-context` (RFC 3966 §5.1.5)
/// becomes the global number it stands for when the numbering data can tell which one;
/// other parameters (`ext`, `isub`, a domain context) do not change what is dialled.
fn tel_number(tel: &str) -> String {
    let tel = percent_decoded(tel);
    let mut parts = tel.split(';');
    let number = parts.next().unwrap_or_default().to_string();
    if number.starts_with('+') {
        return number;
    }
    let context = parts.find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("phone-context")
            .then(|| without_separators(value))
    });
    let digits = without_separators(&number);
    let global_context = context.as_deref().and_then(|c| c.strip_prefix('+'));
    if let Some(code) = global_context {
        let plain = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        // Only clean digit strings reach the parser.
        if plain(code) && plain(&digits) {
            let tel = format!("tel:{digits};phone-context=+{code}");
            if let Ok(parsed) = phonenumber::parse(None, tel) {
                if parsed.is_valid() {
                    return parsed.format().mode(phonenumber::Mode::E164).to_string();
                }
            }
        }
    }
    number
}

fn without_separators(text: &str) -> String {
    text.chars().filter(|c| !is_separator(*c)).collect()
}

/// Decodes `%XX` escapes (SIP user parts carry `#` as `%23`, sometimes `+` as `%2B`);
/// malformed escapes are left as they are and refused later.
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(hi), Some(lo)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                let decoded = (hi * 16 + lo) as u8;
                if decoded.is_ascii() {
                    out.push(decoded);
                    i += 3;
                    continue;
                }
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_string())
}

/// Accepts what a keypad produces: digits, `*`, `#`, and `+` only in front of digits.
fn check_keys(text: &str, keys: &str) -> Result<(), DialError> {
    let (plus, rest) = match keys.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, keys),
    };
    if rest.is_empty() {
        return Err(if plus {
            DialError::NotANumber(text.to_string())
        } else {
            DialError::Empty
        });
    }
    if rest.contains('+') && rest.chars().all(|c| c.is_ascii_digit() || c == '+') {
        return Err(DialError::MisplacedPlus(text.to_string()));
    }
    let allowed = |c: char| c.is_ascii_digit() || (!plus && (c == '*' || c == '#'));
    if !rest.chars().all(allowed) {
        return Err(DialError::NotANumber(text.to_string()));
    }
    if keys.len() > MAX_DIAL_CHARS {
        return Err(DialError::TooLong(text.to_string()));
    }
    Ok(())
}
