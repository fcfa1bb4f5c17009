//! `frontdesk ctl contacts`: list and search the contact book, import a CSV or vCard file,
//! delete a contact; and how each answer reads as text.

use crate::cli::{ContactFileFormat, ContactsAction, ContactsArgs};
use crate::ctl::Output;
use crate::failure::Failure;
use crate::human::table;
use frontdesk_api::{
    ContactEntry, ContactFilter, ContactFormat, ContactImportRequest, ContactImportResult,
};
use frontdesk_control::ControlClient;
use serde::Serialize;

/// Runs `ctl contacts ...`.
pub async fn run(client: &ControlClient, out: &Output, args: ContactsArgs) -> Result<(), Failure> {
    let Some(action) = args.action else {
        let filtered = args.search.as_deref().is_some_and(|s| !s.trim().is_empty());
        let filter = ContactFilter {
            search: args.search,
            ..ContactFilter::default()
        };
        return out.show(client.contacts(&filter).await, |contacts| {
            list(contacts, filtered)
        });
    };
    match action {
        ContactsAction::Import { file, format } => {
            // The daemon has its own working directory: send it an absolute path.
            let path = std::path::absolute(&file).map_err(|e| {
                Failure::Usage(format!("cannot use {} as a file: {e}", file.display()))
            })?;
            let request = ContactImportRequest {
                path: Some(path),
                format: format.map(|f| match f {
                    ContactFileFormat::Csv => ContactFormat::Csv,
                    ContactFileFormat::Vcard => ContactFormat::Vcard,
                }),
                ..ContactImportRequest::default()
            };
            out.show(client.import_contacts(&request).await, imported)
        }
        ContactsAction::Delete { id } => {
            let deleted = client
                .delete_contact(id)
                .await
                .map(|()| Deleted { deleted: id });
            out.show(deleted, |d| format!("deleted contact {}\n", d.deleted))
        }
    }
}

/// What `ctl contacts delete --json` prints (the API answers nothing).
#[derive(Serialize)]
struct Deleted {
    deleted: i64,
}

/// The contact list as an aligned table: id, name, company, numbers, address, e-mail.
pub fn list(contacts: &[ContactEntry], filtered: bool) -> String {
    if contacts.is_empty() {
        return if filtered {
            "no contact matches; `frontdesk ctl contacts` without --search lists everyone\n"
        } else {
            "no contacts yet; import a CSV or vCard file with `frontdesk ctl contacts import FILE`\n"
        }
        .to_owned();
    }
    let rows = contacts
        .iter()
        .map(|c| {
            let address = [c.street.as_deref(), postcode_city(c).as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", ");
            vec![
                c.id.to_string(),
                c.name.clone(),
                c.company.clone().unwrap_or_default(),
                c.numbers
                    .iter()
                    .map(|n| n.e164.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
                address,
                c.email.clone().unwrap_or_default(),
            ]
        })
        .collect();
    table(
        &["ID", "NAME", "COMPANY", "NUMBERS", "ADDRESS", "E-MAIL"],
        rows,
    )
}

fn postcode_city(contact: &ContactEntry) -> Option<String> {
    match (contact.postcode.as_deref(), contact.city.as_deref()) {
        (Some(postcode), Some(city)) => Some(format!("{postcode} {city}")),
        (one, other) => one.or(other).map(str::to_owned),
    }
}

/// The import's counts, then each problem with its line.
pub fn imported(result: &ContactImportResult) -> String {
    let mut text = format!(
        "imported {}: {} added, {} updated, {} unchanged, {} skipped\n",
        result.source, result.added, result.updated, result.unchanged, result.skipped
    );
    for problem in &result.problems {
        text += &format!("line {}: {}\n", problem.line, problem.message);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use frontdesk_api::{ContactNumber, ImportProblem};

    fn maria() -> ContactEntry {
        ContactEntry {
            id: 3,
            name: "Maria Schmidt".into(),
            company: Some("Bäckerei Schmidt".into()),
            numbers: vec![
                ContactNumber {
                    kind: "phone".into(),
                    e164: "+49301234567".into(),
                    raw: "030 1234567".into(),
                },
                ContactNumber {
                    kind: "mobile".into(),
                    e164: "+491712345678".into(),
                    raw: "0171 2345678".into(),
                },
            ],
            street: Some("Hauptstraße 12".into()),
            postcode: Some("14467".into()),
            city: Some("Potsdam".into()),
            email: None,
            source: "contacts.csv".into(),
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn the_list_is_a_table_with_numbers_and_address() {
        let text = list(&[maria()], false);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert!(lines[0].starts_with("ID  NAME"), "{text}");
        assert_eq!(
            lines[1],
            "3   Maria Schmidt  Bäckerei Schmidt  +49301234567 +491712345678  \
             Hauptstraße 12, 14467 Potsdam"
        );
        assert!(list(&[], true).starts_with("no contact matches"));
        assert!(list(&[], false).contains("ctl contacts import FILE"));
    }

    #[test]
    fn an_import_reads_as_counts_then_problems_by_line() {
        let result = ContactImportResult {
            source: "contacts.csv".into(),
            format: ContactFormat::Csv,
            added: 2,
            updated: 1,
            unchanged: 0,
            skipped: 1,
            problems: vec![ImportProblem {
                line: 4,
                message: "no name; the row was skipped".into(),
            }],
        };
        assert_eq!(
            imported(&result),
            "imported contacts.csv: 2 added, 1 updated, 0 unchanged, 1 skipped\n\
             line 4: no name; the row was skipped\n"
        );
    }
}
