//! `sip:` and `tel:` links: the desktop entry registers Frontdesk as their handler
//! (`Exec=frontdesk-desktop %u`), so a clicked link arrives as the first argument.

/// What a link asks to call, in the form [`frontdesk_api::DialRequest::target`] accepts,
/// or why it cannot be called.
///
/// `sip:`/`sips:` URIs are passed on whole (the engine dials URIs as they are);
/// `tel:` numbers lose their parameters and the visual separators RFC 3966 allows
/// (`tel:+1-201-555-0123;ext=1` → `+12015550123`).
pub fn dial_target(uri: &str) -> Result<String, String> {
    let (scheme, rest) = uri
        .split_once(':')
        .ok_or_else(|| format!("`{uri}` is not a sip: or tel: link"))?;
    match scheme.to_ascii_lowercase().as_str() {
        "sip" | "sips" => {
            if rest.trim().is_empty() {
                return Err(format!("`{uri}` names nobody to call"));
            }
            Ok(uri.trim().to_string())
        }
        "tel" => {
            let number = rest.split(';').next().unwrap_or_default();
            let number =
                percent_decode(number).ok_or_else(|| format!("`{uri}` has a broken %-escape"))?;
            let number: String = number
                .chars()
                .filter(|c| !matches!(c, '-' | '.' | '(' | ')' | ' ' | '\t'))
                .collect();
            let valid = |c: char| c.is_ascii_digit() || matches!(c, '+' | '*' | '#');
            if number.is_empty() || !number.chars().all(valid) {
                return Err(format!("`{uri}` is not a phone number Frontdesk can dial"));
            }
            Ok(number)
        }
        _ => Err(format!("`{uri}` is not a sip: or tel: link")),
    }
}

/// Decodes `%XX` escapes (browsers escape spaces and `#` in links); `None` if one is broken.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = u8::from_str_radix(text.get(i + 1..i + 3)?, 16).ok()?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::dial_target;

    #[test]
    fn sip_uris_are_dialled_as_they_are() {
        assert_eq!(
            dial_target("sip:101@pbx.example.com").unwrap(),
            "sip:101@pbx.example.com"
        );
        assert_eq!(
            dial_target("SIPS:alice@example.com;transport=tls").unwrap(),
            "SIPS:alice@example.com;transport=tls"
        );
        assert!(dial_target("sip:").is_err());
    }

    #[test]
    fn tel_numbers_lose_separators_and_parameters() {
        assert_eq!(dial_target("tel:+1-201-555-0123").unwrap(), "+12015550123");
        assert_eq!(
            dial_target("tel:(030)%2012.34;phone-context=+49").unwrap(),
            "0301234"
        );
        assert_eq!(dial_target("TEL:*21%23").unwrap(), "*21#");
    }

    #[test]
    fn anything_else_is_refused_with_the_link_in_the_message() {
        for bad in [
            "https://example.com",
            "tel:",
            "tel:call-me",
            "tel:%zz",
            "101",
            "--flag",
        ] {
            let err = dial_target(bad).unwrap_err();
            assert!(err.contains(bad), "{err}");
        }
    }
}
