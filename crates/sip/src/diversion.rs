//! Who a forwarded call was meant for, from `Diversion` (RFC 5806) or `History-Info`
//! (RFC 7044): an always-on voicemail machine that extensions forward to files each message
//! in the mailbox of the extension that forwarded it.

/// The user part of the party that forwarded the call to us, if the INVITE says.
///
/// `diversion` and `history_info` are the raw header values in message order (one header
/// line may hold several comma-separated entries). The topmost `Diversion` entry is the
/// latest forward; in `History-Info` the entry before the last (which targets us) is.
pub fn diverted_user(diversion: &[&str], history_info: &[&str]) -> Option<String> {
    if let Some(first) = diversion.iter().flat_map(|v| entries(v)).next() {
        return uri_user(first);
    }
    let entries: Vec<&str> = history_info.iter().flat_map(|v| entries(v)).collect();
    match entries.len() {
        0 | 1 => None,
        n => uri_user(entries[n - 2]),
    }
}

/// Splits a header value at the commas between entries (not inside `<...>` or quotes).
fn entries(value: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut quoted, mut start) = (0u32, false, 0);
    for (i, c) in value.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '<' if !quoted => depth += 1,
            '>' if !quoted => depth = depth.saturating_sub(1),
            ',' if !quoted && depth == 0 => {
                out.push(value[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(value[start..].trim());
    out.retain(|e| !e.is_empty());
    out
}

/// The user part of the URI in one entry: `"Name" <sip:201@pbx;x=y>;reason=no-answer`.
fn uri_user(entry: &str) -> Option<String> {
    let uri = match (entry.find('<'), entry.find('>')) {
        (Some(open), Some(close)) if open < close => &entry[open + 1..close],
        _ => entry.split(';').next()?,
    };
    let rest = uri
        .strip_prefix("sip:")
        .or_else(|| uri.strip_prefix("sips:"))
        .or_else(|| uri.strip_prefix("tel:"))?;
    let user = rest.split(['@', ';', '?']).next()?.trim();
    // `sip:host` names no user; `tel:` is all user.
    let names_a_user = rest.contains('@') || uri.starts_with("tel:");
    (names_a_user && !user.is_empty()).then(|| user.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_latest_diversion_names_the_mailbox() {
        assert_eq!(
            diverted_user(&["<sip:201@10.0.0.5>;reason=no-answer;counter=1"], &[]),
            Some("201".into())
        );
        // Two forwards: 201 → 202 → us. The top entry is the latest.
        assert_eq!(
            diverted_user(
                &["\"Desk, 2\" <sip:202@pbx>;reason=unconditional, <sip:201@pbx>;reason=busy"],
                &[]
            ),
            Some("202".into())
        );
        assert_eq!(
            diverted_user(&["<tel:+4930123;phone-context=x>;reason=no-answer"], &[]),
            Some("+4930123".into())
        );
    }

    #[test]
    fn history_info_names_the_entry_before_us() {
        assert_eq!(
            diverted_user(
                &[],
                &[
                    "<sip:201@pbx>;index=1",
                    "<sip:300@mailbox?Reason=SIP%3Bcause%3D408>;index=1.1",
                ]
            ),
            Some("201".into())
        );
        assert_eq!(diverted_user(&[], &["<sip:300@mailbox>;index=1"]), None);
    }

    #[test]
    fn nothing_or_garbage_names_no_one() {
        assert_eq!(diverted_user(&[], &[]), None);
        assert_eq!(diverted_user(&["garbage"], &[]), None);
        assert_eq!(diverted_user(&["<sip:@host>"], &[]), None);
        assert_eq!(diverted_user(&["<>"], &[]), None);
        assert_eq!(diverted_user(&[",,,"], &["<<<"]), None);
    }
}
