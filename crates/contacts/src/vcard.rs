//! Importing vCard files (2.1, 3.0, 4.0) as phones, Apple Contacts, Google and Outlook
//! export them.

use crate::contact::{Contact, PhoneNumber};
use crate::import::{Import, ImportProblem};
use crate::number::Normalizer;
use crate::text::{decode, non_empty, windows_1252};

/// Reads every card in `bytes`.
///
/// Understood: `FN`, `N`, `ORG`, `TEL` (kind from `TYPE`: `cell` → mobile, then fax, work,
/// home, else phone; `tel:` URIs of vCard 4.0), `ADR` (the first address), `EMAIL` (the
/// first), property groups (`item1.TEL`), folded lines, backslash escapes, and vCard 2.1's
/// bare types (`TEL;CELL:`) and quoted-printable values. Everything else is ignored.
///
/// Phone books exported from phones contain numbers that are no phone numbers (service
/// codes, half-typed entries) which the user cannot easily fix in the export, so such a
/// number is left out and reported while the card is still imported. A card without any
/// name (`FN`, `N` or `ORG`) is skipped and reported.
pub fn import_vcard(bytes: &[u8], normalizer: &Normalizer) -> Import {
    // Unfolding works on bytes, because exporters fold long lines at 75 octets, which may
    // be inside a character; the encoding is decided on the unfolded lines.
    let converted;
    let bytes = if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        converted = decode(bytes).into_bytes();
        &converted[..]
    } else {
        bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
    };
    let lines = unfold(bytes);
    let utf8 = lines.iter().all(|l| std::str::from_utf8(&l.bytes).is_ok());
    let mut import = Import::default();
    let mut card: Option<Card> = None;
    for line in lines {
        let line = Line {
            number: line.number,
            text: if utf8 {
                String::from_utf8_lossy(&line.bytes).into_owned()
            } else {
                windows_1252(&line.bytes)
            },
        };
        let Some(property) = Property::parse(&line.text) else {
            if card.is_some() && !line.text.trim().is_empty() {
                import.problems.push(ImportProblem {
                    line: line.number,
                    message: "not a vCard property (NAME:value); the line was ignored".into(),
                });
            }
            continue;
        };
        match property.name.as_str() {
            "BEGIN" if property.value.trim().eq_ignore_ascii_case("vcard") => {
                if let Some(open) = card.take() {
                    import.problems.push(ImportProblem {
                        line: open.line,
                        message: "this card has no END:VCARD before the next BEGIN:VCARD; \
                                  it was read up to there"
                            .into(),
                    });
                    open.finish(normalizer, &mut import);
                }
                card = Some(Card::new(line.number));
            }
            "END" if property.value.trim().eq_ignore_ascii_case("vcard") => match card.take() {
                Some(open) => open.finish(normalizer, &mut import),
                None => import.problems.push(ImportProblem {
                    line: line.number,
                    message: "END:VCARD without BEGIN:VCARD; ignored".into(),
                }),
            },
            _ => {
                if let Some(open) = &mut card {
                    open.properties.push((line.number, property));
                }
            }
        }
    }
    if let Some(open) = card.take() {
        import.problems.push(ImportProblem {
            line: open.line,
            message: "the file ends inside this card (no END:VCARD); it was read up to the end"
                .into(),
        });
        open.finish(normalizer, &mut import);
    }
    if import.contacts.is_empty() && import.problems.is_empty() {
        import.problems.push(ImportProblem {
            line: 1,
            message: "no BEGIN:VCARD found: is this a vCard (.vcf) file?".into(),
        });
    }
    import
}

/// One logical line, with the physical line it starts on.
struct Line {
    number: u64,
    text: String,
}

/// One logical line before decoding.
struct RawLine {
    number: u64,
    bytes: Vec<u8>,
}

/// Joins folded lines (RFC 6350 §3.2: a line starting with a space or tab continues the one
/// before) and vCard 2.1 quoted-printable soft breaks (a value line ending in `=`).
fn unfold(bytes: &[u8]) -> Vec<RawLine> {
    let mut lines: Vec<RawLine> = Vec::new();
    let mut soft_break = false;
    for (index, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let number = index as u64 + 1;
        let continues_fold = raw.first().is_some_and(|&b| b == b' ' || b == b'\t');
        match lines.last_mut() {
            Some(last) if soft_break => last.bytes.extend(raw.trim_ascii_start()),
            Some(last) if continues_fold => last.bytes.extend(&raw[1..]),
            _ => lines.push(RawLine {
                number,
                bytes: raw.to_vec(),
            }),
        }
        soft_break = false;
        if let Some(last) = lines.last_mut() {
            if last.bytes.ends_with(b"=") && is_quoted_printable(&last.bytes) {
                last.bytes.pop();
                soft_break = true;
            }
        }
    }
    lines
}

fn is_quoted_printable(line: &[u8]) -> bool {
    let head = line.split(|&b| b == b':').next().unwrap_or_default();
    head.to_ascii_uppercase()
        .windows(16)
        .any(|w| w == b"QUOTED-PRINTABLE")
}

/// One `NAME;PARAM=…:value` line.
#[derive(Debug)]
struct Property {
    /// Upper case, without group.
    name: String,
    /// Lower-cased `TYPE` values (also vCard 2.1's bare parameters).
    types: Vec<String>,
    /// The value, quoted-printable decoded, escapes still in.
    value: String,
}

impl Property {
    fn parse(line: &str) -> Option<Property> {
        let colon = split_outside_quotes(line, ':').next()?.len();
        if colon >= line.len() {
            return None;
        }
        let (head, value) = (&line[..colon], &line[colon + 1..]);
        let mut parts = split_outside_quotes(head, ';');
        let name = parts.next()?.trim();
        let name = name.rsplit('.').next().unwrap_or(name).to_ascii_uppercase();
        if name.is_empty() {
            return None;
        }
        let mut types = Vec::new();
        let mut quoted_printable = false;
        let mut charset = None;
        for param in parts {
            let (key, values) = match param.split_once('=') {
                Some((key, values)) => (key.trim().to_ascii_uppercase(), values),
                None => ("TYPE".to_string(), param),
            };
            let values = values.trim().trim_matches('"');
            match key.as_str() {
                "TYPE" => types.extend(
                    values
                        .split(',')
                        .map(|t| t.trim().trim_matches('"').to_ascii_lowercase())
                        .filter(|t| !t.is_empty() && t != "quoted-printable"),
                ),
                "ENCODING" => quoted_printable = values.eq_ignore_ascii_case("quoted-printable"),
                "CHARSET" => charset = Some(values.to_ascii_lowercase()),
                _ => {}
            }
            if param.trim().eq_ignore_ascii_case("quoted-printable") {
                quoted_printable = true;
            }
        }
        let value = if quoted_printable {
            let bytes = quoted_printable_decode(value);
            match charset.as_deref() {
                Some("iso-8859-1" | "latin1" | "windows-1252" | "cp1252") => windows_1252(&bytes),
                _ => String::from_utf8_lossy(&bytes).into_owned(),
            }
        } else {
            value.to_string()
        };
        Some(Property { name, types, value })
    }
}

/// Splits at `separator` where it is not inside double quotes (parameter values may quote
/// `:` and `;`). The last piece runs to the end.
fn split_outside_quotes(text: &str, separator: char) -> impl Iterator<Item = &str> {
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    for (i, c) in text.char_indices() {
        if c == '"' {
            quoted = !quoted;
        } else if c == separator && !quoted {
            pieces.push(&text[start..i]);
            start = i + c.len_utf8();
        }
    }
    pieces.push(&text[start..]);
    pieces.into_iter()
}

/// `=C3=BC` → bytes; malformed escapes are kept as written.
fn quoted_printable_decode(value: &str) -> Vec<u8> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            if let (Some(hi), Some(lo)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((hi * 16 + lo) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// Splits a structured value (`N`, `ADR`, `ORG`) at unescaped `;` and unescapes the parts.
fn components(value: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('n' | 'N') => parts.last_mut().map(|p| p.push('\n')),
                Some(other) => parts.last_mut().map(|p| p.push(other)),
                None => None,
            },
            ';' => {
                parts.push(String::new());
                None
            }
            _ => parts.last_mut().map(|p| p.push(c)),
        };
    }
    parts
}

/// A text value with escapes resolved (`\,` `\;` `\n` `\\`).
fn text_value(value: &str) -> String {
    components(value).join(";")
}

/// The properties of one card, gathered until `END:VCARD`.
struct Card {
    line: u64,
    properties: Vec<(u64, Property)>,
}

impl Card {
    fn new(line: u64) -> Card {
        Card {
            line,
            properties: Vec::new(),
        }
    }

    fn finish(self, normalizer: &Normalizer, import: &mut Import) {
        let mut contact = Contact::default();
        let mut formatted = None;
        let mut structured = None;
        let mut problems = Vec::new();
        for (line, property) in &self.properties {
            match property.name.as_str() {
                "FN" => {
                    formatted = formatted.or_else(|| non_empty(&text_value(&property.value)));
                }
                "N" if structured.is_none() => structured = name_of(&property.value),
                "ORG" if contact.company.is_none() => {
                    contact.company = components(&property.value)
                        .first()
                        .and_then(|org| non_empty(org));
                }
                "EMAIL" if contact.email.is_none() => {
                    contact.email = non_empty(&text_value(&property.value));
                }
                "ADR" if contact.street.is_none() && contact.city.is_none() => {
                    let parts = components(&property.value);
                    // Multi-line parts (a street with a second line) become one line.
                    let part = |i: usize| {
                        let lines: Vec<&str> = parts
                            .get(i)?
                            .split(['\n', '\r'])
                            .map(str::trim)
                            .filter(|l| !l.is_empty())
                            .collect();
                        non_empty(&lines.join(", "))
                    };
                    contact.street = part(2).or_else(|| part(1));
                    contact.city = part(3);
                    contact.postcode = part(5);
                }
                "TEL" => {
                    let raw = text_value(&property.value);
                    let Some(raw) = non_empty(&raw) else { continue };
                    match normalizer.normalize(&raw) {
                        Ok(e164) => {
                            if !contact.numbers.iter().any(|n| n.e164 == e164) {
                                contact.numbers.push(PhoneNumber {
                                    kind: kind_of(&property.types).to_string(),
                                    e164,
                                    raw,
                                });
                            }
                        }
                        Err(e) => problems.push(ImportProblem {
                            line: *line,
                            message: format!("{e}; the number was left out"),
                        }),
                    }
                }
                _ => {}
            }
        }
        let name = formatted.or(structured).or_else(|| contact.company.clone());
        match name {
            Some(name) => {
                contact.name = name;
                import.contacts.push(contact);
                import.lines.push(self.line);
                import.problems.extend(problems);
            }
            None => {
                import.problems.push(ImportProblem {
                    line: self.line,
                    message: "this card has no name (FN, N or ORG); add one in the address \
                              book and export again; the card was skipped"
                        .into(),
                });
                import.skipped += 1;
            }
        }
    }
}

/// "Given Additional Family" from `N:Family;Given;Additional;Prefix;Suffix`.
fn name_of(value: &str) -> Option<String> {
    let parts = components(value);
    let order = [3, 1, 2, 0, 4];
    let name = order
        .iter()
        .filter_map(|&i| parts.get(i).and_then(|p| non_empty(p)))
        .collect::<Vec<_>>()
        .join(" ");
    non_empty(&name)
}

/// The contact-book kind of a `TEL` from its types.
fn kind_of(types: &[String]) -> &'static str {
    let has = |t: &str| types.iter().any(|x| x == t);
    if has("cell") || has("mobile") || has("iphone") {
        "mobile"
    } else if has("fax") {
        "fax"
    } else if has("work") {
        "work"
    } else if has("home") {
        "home"
    } else {
        "phone"
    }
}
