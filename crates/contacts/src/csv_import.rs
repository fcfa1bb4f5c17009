//! Importing the CSV template (see the crate docs for the columns).

use crate::contact::{Contact, PhoneNumber};
use crate::import::{Import, ImportProblem};
use crate::number::Normalizer;
use crate::text::{decode, non_empty, words};

/// The template's header line; also what error messages suggest.
pub const CSV_HEADER: &str = "name,company,phone,mobile,street,postcode,city,email";

/// A column the importer understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Name,
    Company,
    Phone,
    Mobile,
    Street,
    Postcode,
    City,
    Email,
}

impl Column {
    /// Reads a header cell: the template's English names and common alternatives,
    /// including German ones, in any case and punctuation (`E-Mail`, `Postal code`).
    fn from_header(header: &str) -> Option<Column> {
        Some(match words(header).concat().as_str() {
            "name" | "fullname" | "displayname" => Column::Name,
            "company" | "organization" | "organisation" | "org" | "firma" | "unternehmen" => {
                Column::Company
            }
            "phone" | "telephone" | "tel" | "phonenumber" | "telefon" | "telefonnummer" => {
                Column::Phone
            }
            "mobile" | "mobilephone" | "cell" | "cellphone" | "mobil" | "handy" | "mobilnummer" => {
                Column::Mobile
            }
            "street" | "address" | "strasse" | "adresse" => Column::Street,
            "postcode" | "postalcode" | "zip" | "zipcode" | "plz" | "postleitzahl" => {
                Column::Postcode
            }
            "city" | "town" | "ort" | "stadt" => Column::City,
            "email" | "mail" | "emailaddress" => Column::Email,
            _ => return None,
        })
    }
}

/// Reads CSV contacts: a header line naming the columns, then one contact per row.
///
/// Rows that cannot be used (a field too many or too few, no name, a number that is no
/// phone number, an e-mail address without `@`) are skipped and reported with their line
/// and what to fix; every other row is imported. Fields are trimmed; rows with nothing in
/// them are skipped silently. Commas, semicolons (German Excel) and tabs are recognised as
/// separators from the header line, and an Excel `sep=;` line is honoured.
pub fn import_csv(bytes: &[u8], normalizer: &Normalizer) -> Import {
    let text = decode(bytes);
    let mut import = Import::default();
    let (delimiter, body, offset) = separator(&text);
    if body.trim().is_empty() {
        import.problems.push(ImportProblem {
            line: 1,
            message: format!(
                "the file is empty: start with the header line {CSV_HEADER} and write one \
                 contact per line below it (see assets/contacts-template.csv)"
            ),
        });
        return import;
    }
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(body.as_bytes());
    let headers = match reader.headers() {
        Ok(headers) => headers.clone(),
        Err(e) => {
            import.problems.push(ImportProblem {
                line: 1 + offset,
                message: format!("cannot read the header line ({e}); it should be {CSV_HEADER}"),
            });
            return import;
        }
    };
    let blank_lines = body.lines().take_while(|l| l.trim().is_empty()).count() as u64;
    let header_line = 1 + blank_lines + offset;
    let columns: Vec<Option<Column>> = headers.iter().map(Column::from_header).collect();
    let unknown: Vec<&str> = headers
        .iter()
        .zip(&columns)
        .filter(|(header, column)| column.is_none() && !header.trim().is_empty())
        .map(|(header, _)| header)
        .collect();
    if !columns.contains(&Some(Column::Name)) {
        import.problems.push(ImportProblem {
            line: header_line,
            message: format!(
                "no \"name\" column: the first line must be the header {CSV_HEADER} \
                 (see assets/contacts-template.csv); nothing was imported"
            ),
        });
        return import;
    }
    if !unknown.is_empty() {
        import.problems.push(ImportProblem {
            line: header_line,
            message: format!(
                "column(s) {} ignored: the columns understood are {CSV_HEADER}",
                unknown
                    .iter()
                    .map(|h| format!("\"{h}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    }

    let rows = RowLines::new(body);
    let mut last_line = header_line;
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                let line =
                    error_position(&e).map_or(last_line + 1, |p| rows.line_at(p.byte()) + offset);
                last_line = line;
                import.problems.push(ImportProblem {
                    line,
                    message: format!("cannot read this row ({e}); the row was skipped"),
                });
                import.skipped += 1;
                continue;
            }
        };
        let line = record
            .position()
            .map_or(last_line + 1, |p| rows.line_at(p.byte()) + offset);
        last_line = line;
        if record.iter().all(|field| field.trim().is_empty()) {
            continue;
        }
        if record.len() != headers.len() {
            import.problems.push(ImportProblem {
                line,
                message: format!(
                    "this row has {} fields but the header has {}: look for a missing or extra \
                     \"{}\" (put fields that contain one in double quotes); the row was skipped",
                    record.len(),
                    headers.len(),
                    char::from(delimiter),
                ),
            });
            import.skipped += 1;
            continue;
        }
        match contact_of(&record, &columns, normalizer) {
            Ok(contact) => {
                import.contacts.push(contact);
                import.lines.push(line);
            }
            Err(problems) => {
                import.problems.push(ImportProblem {
                    line,
                    message: format!("{}; the row was skipped", problems.join("; ")),
                });
                import.skipped += 1;
            }
        }
    }
    import
}

/// The separator, the text after an Excel `sep=` line, and how many lines were cut off.
fn separator(text: &str) -> (u8, &str, u64) {
    let first_line = text.lines().next().unwrap_or_default();
    if let Some(sep) = first_line.trim().strip_prefix("sep=") {
        if let [b] = sep.as_bytes() {
            let body = text.split_once('\n').map_or("", |(_, rest)| rest);
            return (*b, body, 1);
        }
    }
    let header = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default();
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for b in header.bytes() {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted {
            for (sep, count) in &mut counts {
                if b == *sep {
                    *count += 1;
                }
            }
        }
    }
    // The most frequent wins; on a tie the comma (first) does.
    let best = counts.iter().fold(
        (b',', 0),
        |best, &(sep, n)| if n > best.1 { (sep, n) } else { best },
    );
    (best.0, text, 0)
}

/// The line a row is on, for messages. The CSV reader places a record where it started
/// reading it: on the line break before it (the `\n` of a `\r\n` Excel writes) or on blank
/// lines above it; the row is where its text is.
struct RowLines<'a> {
    text: &'a [u8],
    /// Byte offsets of every `\n`.
    breaks: Vec<usize>,
}

impl<'a> RowLines<'a> {
    fn new(text: &'a str) -> RowLines<'a> {
        let text = text.as_bytes();
        let breaks = (0..text.len()).filter(|&i| text[i] == b'\n').collect();
        RowLines { text, breaks }
    }

    /// The 1-based line of the first character that is not white space at or after `byte`.
    fn line_at(&self, byte: u64) -> u64 {
        let start = usize::try_from(byte).map_or(self.text.len(), |b| b.min(self.text.len()));
        let first = (start..self.text.len())
            .find(|&i| !self.text[i].is_ascii_whitespace())
            .unwrap_or(start);
        self.breaks.partition_point(|&b| b < first) as u64 + 1
    }
}

fn error_position(e: &csv::Error) -> Option<&csv::Position> {
    match e.kind() {
        csv::ErrorKind::Utf8 { pos: Some(p), .. }
        | csv::ErrorKind::UnequalLengths { pos: Some(p), .. } => Some(p),
        _ => None,
    }
}

/// The contact in one row, or everything wrong with it.
fn contact_of(
    record: &csv::StringRecord,
    columns: &[Option<Column>],
    normalizer: &Normalizer,
) -> Result<Contact, Vec<String>> {
    let mut contact = Contact::default();
    let mut problems = Vec::new();
    for (field, column) in record.iter().zip(columns) {
        let Some(column) = column else { continue };
        let Some(value) = non_empty(field) else {
            continue;
        };
        let first = |slot: &mut Option<String>| {
            if slot.is_none() {
                *slot = Some(value.clone());
            }
        };
        match column {
            Column::Name => {
                if contact.name.is_empty() {
                    contact.name = value.clone();
                }
            }
            Column::Company => first(&mut contact.company),
            Column::Street => first(&mut contact.street),
            Column::Postcode => first(&mut contact.postcode),
            Column::City => first(&mut contact.city),
            Column::Email => {
                if value.contains('@') {
                    first(&mut contact.email);
                } else {
                    problems.push(format!(
                        "e-mail \"{value}\" has no @: write a full address such as \
                         name@example.com, or leave the field empty"
                    ));
                }
            }
            Column::Phone | Column::Mobile => {
                let kind = if *column == Column::Phone {
                    "phone"
                } else {
                    "mobile"
                };
                match normalizer.normalize(&value) {
                    Ok(e164) => {
                        if !contact.numbers.iter().any(|n| n.e164 == e164) {
                            contact.numbers.push(PhoneNumber {
                                kind: kind.to_string(),
                                e164,
                                raw: value.clone(),
                            });
                        }
                    }
                    Err(e) => problems.push(format!("{kind}: {e}")),
                }
            }
        }
    }
    if contact.name.is_empty() {
        problems.insert(
            0,
            "no name: every contact needs a name in the \"name\" column (for a company, \
             write the company's name there)"
                .to_string(),
        );
    }
    if problems.is_empty() {
        Ok(contact)
    } else {
        Err(problems)
    }
}
