//! The contact routes of the control API, server and client against each other over real
//! loopback sockets. The backend is a small in-test contact book that records what reached
//! it; the engine's own import is tested end to end in the root package (tests/contacts.rs).

mod common;

use frontdesk_api::*;
use frontdesk_control::{serve, ControlClient};
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

/// A contact book that answers what it was asked, and remembers it.
struct Book {
    filters: Mutex<Vec<ContactFilter>>,
    imports: Mutex<Vec<ContactImportRequest>>,
    deleted: Mutex<Vec<i64>>,
    events: broadcast::Sender<Event>,
}

fn maria(id: i64) -> ContactEntry {
    ContactEntry {
        id,
        name: "Maria Schmidt".into(),
        company: None,
        numbers: vec![ContactNumber {
            kind: "phone".into(),
            e164: "+49301234567".into(),
            raw: "030 1234567".into(),
        }],
        street: None,
        postcode: None,
        city: None,
        email: None,
        source: "contacts.csv".into(),
        created_at: 1,
        updated_at: 2,
    }
}

backend_without_calls!(Book {
    fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    async fn contacts(&self, filter: ContactFilter) -> Result<Vec<ContactEntry>, ApiError> {
        self.filters.lock().unwrap().push(filter);
        Ok(vec![maria(4)])
    }
    async fn import_contacts(
        &self,
        request: ContactImportRequest,
    ) -> Result<ContactImportResult, ApiError> {
        let size = request.content_base64.as_ref().map_or(0, String::len) as u64;
        self.imports.lock().unwrap().push(request);
        Ok(ContactImportResult {
            source: "upload".into(),
            format: ContactFormat::Csv,
            added: size,
            updated: 0,
            unchanged: 0,
            skipped: 1,
            problems: vec![ImportProblem {
                line: 3,
                message: "no name; the row was skipped".into(),
            }],
        })
    }
    async fn delete_contact(&self, id: i64) -> Result<(), ApiError> {
        self.deleted.lock().unwrap().push(id);
        if id == 99 {
            return Err(ApiError::not_found("no contact 99"));
        }
        Ok(())
    }
});

/// A backend without a contact book: the trait's default answers.
struct NoBook(broadcast::Sender<Event>);

backend_without_calls!(NoBook {
    fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.0.subscribe()
    }
});

#[tokio::test]
async fn contacts_are_listed_imported_and_deleted_through_the_api() {
    let dir = tempfile::tempdir().unwrap();
    let book = Arc::new(Book {
        filters: Mutex::default(),
        imports: Mutex::default(),
        deleted: Mutex::default(),
        events: broadcast::channel(4).0,
    });
    let server = serve(book.clone(), dir.path(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let client = ControlClient::discover(dir.path()).await.unwrap();

    // The search reaches the backend exactly, whatever it holds.
    let hostile = "Schmidt & co=1 ?x #y ü%";
    let listed = client
        .contacts(&ContactFilter {
            search: Some(hostile.into()),
            limit: Some(5),
            ..ContactFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(listed, vec![maria(4)]);
    let all = client.contacts(&ContactFilter::default()).await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(
        *book.filters.lock().unwrap(),
        vec![
            ContactFilter {
                search: Some(hostile.into()),
                limit: Some(5),
                offset: None
            },
            ContactFilter::default()
        ]
    );

    // A large file (beyond the 2 MB every other route accepts) still gets through.
    let content = "QUJD".repeat(1_000_000);
    let result = client
        .import_contacts(&ContactImportRequest {
            content_base64: Some(content.clone()),
            name: Some("big.csv".into()),
            ..ContactImportRequest::default()
        })
        .await
        .unwrap();
    assert_eq!(result.added, 4_000_000);
    assert_eq!(result.problems[0].line, 3);
    let received = book.imports.lock().unwrap().pop().unwrap();
    assert_eq!(received.content_base64.as_deref(), Some(content.as_str()));
    assert_eq!(received.name.as_deref(), Some("big.csv"));

    // Delete passes the id; the backend's "not found" reaches the client as such.
    client.delete_contact(7).await.unwrap();
    let missing = client.delete_contact(99).await.unwrap_err();
    assert_eq!(missing.kind, ErrorKind::NotFound);
    assert_eq!(*book.deleted.lock().unwrap(), vec![7, 99]);
    drop(client);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_backend_without_contacts_says_so_and_bad_requests_are_explained() {
    let dir = tempfile::tempdir().unwrap();
    let server = serve(
        Arc::new(NoBook(broadcast::channel(4).0)),
        dir.path(),
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let client = ControlClient::discover(dir.path()).await.unwrap();
    let error = client
        .contacts(&ContactFilter::default())
        .await
        .unwrap_err();
    assert_eq!(error.kind, ErrorKind::Unavailable);
    assert!(
        error.message.contains("no contact book"),
        "{}",
        error.message
    );

    // An unknown field in the import body is named, with what the route takes.
    let url = client.url().trim_start_matches("http://").to_owned();
    let token = frontdesk_control::files::read_token(dir.path()).unwrap();
    let body = r#"{"content":"abc"}"#;
    let request = format!(
        "POST /api/v1/contacts/import HTTP/1.1\r\nHost: {url}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(&url).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 400"), "{response}");
    assert!(
        response.contains("content_base64") && response.contains("`content`"),
        "{response}"
    );
    let bad_id = format!(
        "DELETE /api/v1/contacts/abc HTTP/1.1\r\nHost: {url}\r\nAuthorization: Bearer {token}\r\n\
         Connection: close\r\n\r\n"
    );
    let mut stream = tokio::net::TcpStream::connect(&url).await.unwrap();
    stream.write_all(bad_id.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 400"), "{response}");
    assert!(response.contains("not a contact id"), "{response}");
    drop(client);
    server.shutdown().await.unwrap();
}
