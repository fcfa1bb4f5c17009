//! The contact book on real database files: imports that add, update and leave alone,
//! duplicates within one import, search, lookup by number through its index, delete, and an
//! older database upgraded with its inbox intact.

use frontdesk_store::{
    migrations, ContactId, ContactNumber, ContactQuery, NewContact, Store, StoreError, Timestamp,
    Upserted,
};

fn number(kind: &str, e164: &str, raw: &str) -> ContactNumber {
    ContactNumber {
        kind: kind.into(),
        e164: e164.into(),
        raw: raw.into(),
    }
}

fn maria() -> NewContact {
    NewContact {
        name: "Maria Schmidt".into(),
        company: Some("Bäckerei Schmidt".into()),
        numbers: vec![
            number("phone", "+49301234567", "030 123-4567"),
            number("mobile", "+491712345678", "+49 171 2345678"),
        ],
        street: Some("Hauptstraße 12".into()),
        postcode: Some("14467".into()),
        city: Some("Potsdam".into()),
        email: Some("maria@example.org".into()),
    }
}

fn peter() -> NewContact {
    NewContact {
        name: "Peter Lange".into(),
        numbers: vec![number("phone", "+493317654321", "0331 7654321")],
        city: Some("Berlin".into()),
        ..NewContact::default()
    }
}

fn reception() -> NewContact {
    NewContact {
        name: "Empfang".into(),
        company: Some("Praxis Dr. Özdemir".into()),
        numbers: vec![number("phone", "203", "203")],
        ..NewContact::default()
    }
}

fn id_of(outcome: Upserted) -> ContactId {
    match outcome {
        Upserted::Added(id) | Upserted::Updated(id) | Upserted::Unchanged(id) => id,
        Upserted::Duplicate { .. } => panic!("no id for a duplicate"),
    }
}

fn names(store: &Store, search: &str) -> Vec<String> {
    store
        .contacts(&ContactQuery {
            search: Some(search.into()),
            ..ContactQuery::default()
        })
        .unwrap()
        .into_iter()
        .map(|c| c.contact.name)
        .collect()
}

#[test]
fn importing_the_same_contacts_again_changes_nothing_and_a_changed_row_updates_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("frontdesk.db");
    let batch = vec![maria(), peter(), reception()];
    let first = {
        let store = Store::open(&path).unwrap();
        let outcomes = store
            .upsert_contacts(&batch, "contacts.csv", Timestamp(1_000))
            .unwrap();
        assert!(
            outcomes.iter().all(|o| matches!(o, Upserted::Added(_))),
            "{outcomes:?}"
        );
        outcomes.into_iter().map(id_of).collect::<Vec<_>>()
    };

    // A second run of the same file (after a restart) finds every contact as it is.
    let store = Store::open(&path).unwrap();
    let again = store
        .upsert_contacts(&batch, "contacts.csv", Timestamp(2_000))
        .unwrap();
    assert_eq!(
        again,
        first
            .iter()
            .map(|&id| Upserted::Unchanged(id))
            .collect::<Vec<_>>()
    );
    assert_eq!(store.contact_count().unwrap(), 3);
    let stored = store.contact(first[0]).unwrap().unwrap();
    assert_eq!(stored.contact, maria());
    assert_eq!(stored.source, "contacts.csv");
    assert_eq!(
        (stored.created_at, stored.updated_at),
        (Timestamp(1_000), Timestamp(1_000))
    );

    // The same person in other spelling of case and spaces, with a new number and no e-mail:
    // the stored contact takes the file's fields and keeps its id.
    let mut moved = maria();
    moved.name = "MARIA  schmidt".into();
    moved.company = Some(" bäckerei schmidt ".into());
    moved.numbers = vec![number("phone", "+49309876543", "030 9876543")];
    moved.email = None;
    let outcome = store
        .upsert_contacts(&[moved], "maria.vcf", Timestamp(3_000))
        .unwrap();
    assert_eq!(outcome, vec![Upserted::Updated(first[0])]);
    let updated = store.contact(first[0]).unwrap().unwrap();
    assert_eq!(updated.contact.name, "MARIA  schmidt");
    assert_eq!(updated.contact.company.as_deref(), Some("bäckerei schmidt"));
    assert_eq!(updated.contact.email, None);
    assert_eq!(updated.source, "maria.vcf");
    assert_eq!(updated.created_at, Timestamp(1_000));
    assert_eq!(updated.updated_at, Timestamp(3_000));
    assert_eq!(
        updated.contact.numbers,
        vec![number("phone", "+49309876543", "030 9876543")]
    );
    // The old number no longer finds her; the new one does.
    assert!(store
        .contacts_with_number("+49301234567")
        .unwrap()
        .is_empty());
    assert_eq!(
        store.contacts_with_number("+49309876543").unwrap()[0].id,
        first[0]
    );
    assert_eq!(store.contact_count().unwrap(), 3);
}

#[test]
fn two_rows_with_the_same_name_and_company_in_one_import_keep_only_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("frontdesk.db")).unwrap();
    let mut twin = maria();
    twin.numbers = vec![number("phone", "+49305555555", "030 5555555")];
    let mut other_company = maria();
    other_company.company = Some("Schmidt & Söhne".into());
    let outcomes = store
        .upsert_contacts(
            &[maria(), peter(), twin, other_company],
            "contacts.csv",
            Timestamp(1),
        )
        .unwrap();
    assert!(matches!(outcomes[0], Upserted::Added(_)));
    assert!(matches!(outcomes[1], Upserted::Added(_)));
    assert_eq!(outcomes[2], Upserted::Duplicate { of: 0 });
    assert!(
        matches!(outcomes[3], Upserted::Added(_)),
        "another company is another contact"
    );
    assert_eq!(store.contact_count().unwrap(), 3);
    assert!(store
        .contacts_with_number("+49305555555")
        .unwrap()
        .is_empty());
}

#[test]
fn a_contact_without_a_name_stores_nothing_of_the_import() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("frontdesk.db")).unwrap();
    let nameless = NewContact {
        name: "   ".into(),
        ..peter()
    };
    let error = store
        .upsert_contacts(&[maria(), nameless], "x.csv", Timestamp(1))
        .unwrap_err();
    assert!(matches!(error, StoreError::InvalidContact(_)), "{error:?}");
    assert!(error.to_string().contains("needs a name"), "{error}");
    assert_eq!(store.contact_count().unwrap(), 0);
}

#[test]
fn search_finds_words_anywhere_in_any_case_and_numbers_by_their_digits() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("frontdesk.db")).unwrap();
    store
        .upsert_contacts(&[peter(), maria(), reception()], "c.csv", Timestamp(1))
        .unwrap();

    // Listed by name without a search.
    assert_eq!(
        names(&store, ""),
        ["Empfang", "Maria Schmidt", "Peter Lange"]
    );
    assert_eq!(names(&store, "schmidt"), ["Maria Schmidt"]);
    // Unicode case folding (SQLite's own would miss "Ä" against "ä").
    assert_eq!(names(&store, "BÄCKEREI"), ["Maria Schmidt"]);
    assert_eq!(names(&store, "özdemir"), ["Empfang"]);
    assert_eq!(names(&store, "potsdam"), ["Maria Schmidt"]);
    assert_eq!(names(&store, "example.org"), ["Maria Schmidt"]);
    // Every word must match.
    assert_eq!(names(&store, "maria berlin"), Vec::<String>::new());
    assert_eq!(names(&store, "lange berlin"), ["Peter Lange"]);
    // Digits from the middle of a number written with separators, in another spelling.
    assert_eq!(names(&store, "1234567"), ["Maria Schmidt"]);
    assert_eq!(names(&store, "123-45"), ["Maria Schmidt"]);
    assert_eq!(names(&store, "+4933176"), ["Peter Lange"]);
    assert_eq!(names(&store, "203"), ["Empfang"]);
    // Query syntax is just text.
    assert_eq!(names(&store, "%"), Vec::<String>::new());
    assert_eq!(names(&store, "' OR 1=1 --"), Vec::<String>::new());

    let page = store
        .contacts(&ContactQuery {
            search: None,
            limit: Some(1),
            offset: 1,
        })
        .unwrap();
    assert_eq!(page.len(), 1);
    assert_eq!(page[0].contact.name, "Maria Schmidt");
    assert_eq!(page[0].contact.numbers.len(), 2, "numbers come along");
}

#[test]
fn callers_are_looked_up_through_the_number_index() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("frontdesk.db");
    let store = Store::open(&path).unwrap();
    let ids: Vec<ContactId> = store
        .upsert_contacts(&[maria(), peter(), reception()], "c.csv", Timestamp(1))
        .unwrap()
        .into_iter()
        .map(id_of)
        .collect();
    let found = store.contacts_with_number("+491712345678").unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, ids[0]);
    assert_eq!(found[0].contact.numbers.len(), 2);
    assert_eq!(store.contacts_with_number("203").unwrap()[0].id, ids[2]);
    assert!(store.contacts_with_number("+4930").unwrap().is_empty());

    // A colleague sharing the switchboard number is found too, in id order.
    let colleague = NewContact {
        name: "Hans Schmidt".into(),
        company: Some("Bäckerei Schmidt".into()),
        numbers: vec![number("phone", "+49301234567", "030 1234567")],
        ..NewContact::default()
    };
    let hans = id_of(
        store
            .upsert_contacts(&[colleague], "c.csv", Timestamp(2))
            .unwrap()[0],
    );
    let shared: Vec<ContactId> = store
        .contacts_with_number("+49301234567")
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(shared, [ids[0], hans]);

    // The lookup uses the index rather than scanning the numbers.
    let conn = rusqlite::Connection::open(&path).unwrap();
    let plan: Vec<String> = conn
        .prepare("EXPLAIN QUERY PLAN SELECT contact_id FROM contact_numbers WHERE e164 = ?1")
        .unwrap()
        .query_map(["+49301234567"], |row| row.get::<_, String>(3))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(
        plan.iter()
            .any(|step| step.contains("contact_numbers_by_e164")),
        "{plan:?}"
    );
}

#[test]
fn deleting_a_contact_removes_its_numbers_and_a_second_delete_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("frontdesk.db");
    let store = Store::open(&path).unwrap();
    let ids: Vec<ContactId> = store
        .upsert_contacts(&[maria(), peter()], "c.csv", Timestamp(1))
        .unwrap()
        .into_iter()
        .map(id_of)
        .collect();
    store.delete_contact(ids[0]).unwrap();
    assert!(store.contact(ids[0]).unwrap().is_none());
    assert!(store
        .contacts_with_number("+49301234567")
        .unwrap()
        .is_empty());
    let conn = rusqlite::Connection::open(&path).unwrap();
    let left: i64 = conn
        .query_row(
            "SELECT count(*) FROM contact_numbers WHERE contact_id = ?1",
            [ids[0].0],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(left, 0);
    let error = store.delete_contact(ids[0]).unwrap_err();
    assert!(
        matches!(error, StoreError::ContactNotFound(id) if id == ids[0]),
        "{error:?}"
    );
    assert!(error.to_string().contains("list the contacts"), "{error}");
    assert_eq!(names(&store, ""), ["Peter Lange"]);

    // Imported again later, she is a new contact with a new id.
    let back = id_of(
        store
            .upsert_contacts(&[maria()], "c.csv", Timestamp(5))
            .unwrap()[0],
    );
    assert_ne!(back, ids[0]);
}

#[test]
fn a_database_from_before_contacts_is_upgraded_and_keeps_its_inbox() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("frontdesk.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("PRAGMA journal_mode = WAL").unwrap();
        conn.execute_batch(migrations::MIGRATIONS[0].sql).unwrap();
        conn.execute_batch(migrations::MIGRATIONS[1].sql).unwrap();
        conn.execute_batch("PRAGMA user_version = 2").unwrap();
        conn.execute(
            "INSERT INTO messages (kind, mailbox, caller_number, received_at, contact_id,
                                   contact_name, contact_confidence)
             VALUES ('attempt', 'office', '0301234567', 1000, 1, 'Maria Schmidt', 1.0)",
            [],
        )
        .unwrap();
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(
        store.schema_version().unwrap(),
        migrations::latest_version()
    );
    assert_eq!(store.contact_count().unwrap(), 0);
    let inbox = store
        .inbox(&frontdesk_store::InboxQuery::default())
        .unwrap();
    assert_eq!(inbox.len(), 1);
    assert_eq!(
        inbox[0].contact.as_ref().map(|c| c.name.as_str()),
        Some("Maria Schmidt")
    );
    store
        .upsert_contacts(&[maria()], "c.csv", Timestamp(2))
        .unwrap();
    assert_eq!(store.contact_count().unwrap(), 1);
}
