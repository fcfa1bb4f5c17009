//! The contact book behind the [`frontdesk_api::Backend`] contact methods: importing CSV and
//! vCard files into the store, listing and deleting, and keeping the voicemail's caller
//! identification in step (its [`frontdesk_contacts::ContactBook`] is rebuilt from the store
//! after every change).
//!
//! The file named by `[voicemail] contacts` is imported at every start, so configurations
//! from before the store kept contacts work as they did; importing it again changes nothing
//! (contacts are recognised by name and company, see [`frontdesk_store::contacts`]).

use crate::Engine;
use base64::Engine as _;
use frontdesk_api::{
    ApiError, ContactEntry, ContactFilter, ContactFormat, ContactImportRequest,
    ContactImportResult, ContactNumber, Event, ImportProblem,
};
use frontdesk_contacts::{Contact, Format, Import, PhoneNumber, MAX_FILE_BYTES};
use frontdesk_store::{ContactId, ContactQuery, NewContact, StoredContact, Timestamp, Upserted};
use std::io::Read;
use std::path::Path;

// The API promises the importer's limit.
const _: () = assert!(MAX_FILE_BYTES == frontdesk_api::MAX_CONTACT_FILE_BYTES);

/// The source of contacts sent as content without a file name.
const UPLOADED: &str = "upload";

/// Imports the configured contacts file, if any, and loads the contact book for caller
/// identification. Problems with the file (unreadable rows, a missing file) are logged and
/// told to the front ends as notices, as before the store kept contacts; the contacts
/// already in the store are used either way.
pub(crate) async fn load_at_start(engine: &Engine) {
    let mut loaded = false;
    if let Some(path) = engine.voicemail.config.contacts.clone() {
        let request = ContactImportRequest {
            path: Some(std::path::absolute(&path).unwrap_or_else(|_| path.clone())),
            ..ContactImportRequest::default()
        };
        let problems = match import(engine, request).await {
            Ok(result) => {
                loaded = true;
                tracing::info!(
                    file = %path.display(),
                    added = result.added,
                    updated = result.updated,
                    unchanged = result.unchanged,
                    skipped = result.skipped,
                    "contacts imported"
                );
                result
                    .problems
                    .iter()
                    .map(|p| {
                        format!(
                            "contacts {}: line {}: {}",
                            path.display(),
                            p.line,
                            p.message
                        )
                    })
                    .collect()
            }
            Err(e) => vec![format!("contacts: {}", e.message)],
        };
        for problem in problems {
            tracing::warn!("{problem}");
            engine.emit(Event::Notice { message: problem });
        }
    }
    if loaded {
        return;
    }
    // Without a file (or after a failed import) the store's contacts are used.
    let _changing = engine.voicemail.sorting.changing.lock().await;
    if let Err(e) = rebuild(engine).await {
        tracing::error!("contacts: callers cannot be identified: {}", e.message);
    }
}

/// `Backend::contacts`.
pub(crate) async fn list(
    engine: &Engine,
    filter: ContactFilter,
) -> Result<Vec<ContactEntry>, ApiError> {
    let query = ContactQuery {
        search: filter.search.filter(|s| !s.trim().is_empty()),
        limit: filter.limit,
        offset: filter.offset.unwrap_or(0),
    };
    let contacts = engine.history.api(move |s| s.contacts(&query)).await?;
    Ok(contacts.into_iter().map(entry).collect())
}

/// `Backend::import_contacts`: reads the file, stores what it holds, rebuilds the book.
pub(crate) async fn import(
    engine: &Engine,
    request: ContactImportRequest,
) -> Result<ContactImportResult, ApiError> {
    let (bytes, source) = content(request.content_base64, request.path, request.name).await?;
    let format = match request.format {
        Some(ContactFormat::Csv) => Format::Csv,
        Some(ContactFormat::Vcard) => Format::VCard,
        None => Format::detect(&bytes),
    };
    let normalizer = engine.voicemail.sorting.normalizer().clone();
    let read = tokio::task::spawn_blocking(move || {
        frontdesk_contacts::import(&bytes, format, &normalizer)
    })
    .await
    .map_err(|e| ApiError::internal(format!("reading the contacts broke off: {e}")))?;
    let Import {
        contacts,
        mut problems,
        lines,
        skipped,
    } = read;
    let new: Vec<NewContact> = contacts.into_iter().map(new_contact).collect();

    let _changing = engine.voicemail.sorting.changing.lock().await;
    let store_source = source.clone();
    let outcomes = engine
        .history
        .api(move |s| s.upsert_contacts(&new, &store_source, Timestamp::now()))
        .await?;
    let mut result = ContactImportResult {
        source,
        format: match format {
            Format::Csv => ContactFormat::Csv,
            Format::VCard => ContactFormat::Vcard,
        },
        added: 0,
        updated: 0,
        unchanged: 0,
        skipped,
        problems: Vec::new(),
    };
    let line_of = |index: usize| lines.get(index).copied().unwrap_or(0);
    for (index, outcome) in outcomes.into_iter().enumerate() {
        match outcome {
            Upserted::Added(_) => result.added += 1,
            Upserted::Updated(_) => result.updated += 1,
            Upserted::Unchanged(_) => result.unchanged += 1,
            Upserted::Duplicate { of } => {
                result.skipped += 1;
                problems.push(frontdesk_contacts::ImportProblem {
                    line: line_of(index),
                    message: format!(
                        "same name and company as line {}: add the company or tell the two \
                         apart in the name; the row was skipped",
                        line_of(of)
                    ),
                });
            }
        }
    }
    // File order; problems of one line stay in the order they were found.
    problems.sort_by_key(|p| p.line);
    result.problems = problems
        .into_iter()
        .map(|p| ImportProblem {
            line: p.line,
            message: p.message,
        })
        .collect();
    rebuild(engine).await?;
    Ok(result)
}

/// `Backend::delete_contact`. Inbox entries attributed to the contact keep its name.
pub(crate) async fn delete(engine: &Engine, id: i64) -> Result<(), ApiError> {
    let _changing = engine.voicemail.sorting.changing.lock().await;
    engine
        .history
        .api(move |s| s.delete_contact(ContactId(id)))
        .await?;
    rebuild(engine).await
}

/// The file's bytes and the name it is known by, from the request's content or path.
async fn content(
    base64: Option<String>,
    path: Option<std::path::PathBuf>,
    name: Option<String>,
) -> Result<(Vec<u8>, String), ApiError> {
    let named = |fallback: String| {
        name.as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_owned)
            .unwrap_or(fallback)
    };
    match (base64, path) {
        (Some(text), None) => {
            // Base64 is 4/3 of the bytes; refuse before decoding anything too large.
            if text.len() as u64 > MAX_FILE_BYTES / 3 * 4 + 4 {
                return Err(ApiError::bad_request(format!(
                    "the contacts file is larger than {MAX_FILE_BYTES} bytes: is it the right \
                     file?"
                )));
            }
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(text.trim())
                .map_err(|e| {
                    ApiError::bad_request(format!(
                        "content_base64 is not base64 ({e}): send the file's bytes in standard \
                         base64"
                    ))
                })?;
            Ok((bytes, named(UPLOADED.into())))
        }
        (None, Some(path)) => {
            if !path.is_absolute() {
                return Err(ApiError::bad_request(format!(
                    "import needs an absolute path, not {}; Frontdesk does not know your \
                     working directory",
                    path.display()
                )));
            }
            let source = named(
                path.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| path.display().to_string()),
            );
            let bytes = tokio::task::spawn_blocking(move || read_file(&path))
                .await
                .map_err(|e| ApiError::internal(format!("reading the file broke off: {e}")))??;
            Ok((bytes, source))
        }
        (None, None) => Err(ApiError::bad_request(
            "nothing to import: send the file as content_base64, or its absolute path as path",
        )),
        (Some(_), Some(_)) => Err(ApiError::bad_request(
            "send either content_base64 or path, not both",
        )),
    }
}

/// Reads a contacts file, refusing one larger than any contact list.
fn read_file(path: &Path) -> Result<Vec<u8>, ApiError> {
    let unreadable = |e: std::io::Error| {
        ApiError::bad_request(format!(
            "cannot read contacts from {}: {e}; check the path and that Frontdesk may read it",
            path.display()
        ))
    };
    let file = std::fs::File::open(path).map_err(unreadable)?;
    let size = file.metadata().map_err(unreadable)?.len();
    if size > MAX_FILE_BYTES {
        return Err(ApiError::bad_request(format!(
            "{} is {size} bytes; contact files above {MAX_FILE_BYTES} bytes are refused: is it \
             the right file?",
            path.display()
        )));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    file.take(MAX_FILE_BYTES)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    Ok(bytes)
}

/// Reads every contact from the store and identifies callers from them from now on. Callers
/// must hold `sorting.changing`.
async fn rebuild(engine: &Engine) -> Result<(), ApiError> {
    let mut stored = engine
        .history
        .api(|s| s.contacts(&ContactQuery::default()))
        .await?;
    // The oldest contact wins a shared number, whatever the names.
    stored.sort_by_key(|c| c.id);
    let contacts = stored.into_iter().map(book_contact).collect();
    engine.voicemail.sorting.set_contacts(contacts);
    Ok(())
}

fn new_contact(contact: Contact) -> NewContact {
    NewContact {
        name: contact.name,
        company: contact.company,
        numbers: contact
            .numbers
            .into_iter()
            .map(|n| frontdesk_store::ContactNumber {
                kind: n.kind,
                e164: n.e164,
                raw: n.raw,
            })
            .collect(),
        street: contact.street,
        postcode: contact.postcode,
        city: contact.city,
        email: contact.email,
    }
}

fn book_contact(stored: StoredContact) -> Contact {
    let c = stored.contact;
    Contact {
        id: Some(stored.id.0),
        name: c.name,
        company: c.company,
        numbers: c
            .numbers
            .into_iter()
            .map(|n| PhoneNumber {
                kind: n.kind,
                e164: n.e164,
                raw: n.raw,
            })
            .collect(),
        street: c.street,
        postcode: c.postcode,
        city: c.city,
        email: c.email,
    }
}

fn entry(stored: StoredContact) -> ContactEntry {
    let c = stored.contact;
    ContactEntry {
        id: stored.id.0,
        name: c.name,
        company: c.company,
        numbers: c
            .numbers
            .into_iter()
            .map(|n| ContactNumber {
                kind: n.kind,
                e164: n.e164,
                raw: n.raw,
            })
            .collect(),
        street: c.street,
        postcode: c.postcode,
        city: c.city,
        email: c.email,
        source: stored.source,
        created_at: stored.created_at.as_millis(),
        updated_at: stored.updated_at.as_millis(),
    }
}
