//! Listing, filtering and full-text search of the inbox on a real database file,
//! including hostile search text and the triggers that keep the index in sync.

mod common;

use common::{attempt, contact, open, transcribed, voicemail};
use frontdesk_store::{
    ContactMatch, InboxQuery, MessageId, MessageKind, Store, Timestamp, PREVIEW_CHARS,
};

fn search(store: &Store, text: &str) -> Vec<MessageId> {
    let query = InboxQuery {
        search: Some(text.into()),
        limit: 1000,
        ..InboxQuery::default()
    };
    let found: Vec<MessageId> = store
        .inbox(&query)
        .unwrap_or_else(|e| panic!("search {text:?} failed: {e}"))
        .into_iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(
        store.inbox_count(&query).unwrap(),
        found.len() as u64,
        "count for {text:?}"
    );
    found
}

struct Corpus {
    invoice: MessageId,
    rueckruf: MessageId,
    damage: MessageId,
    hostile: MessageId,
    japanese: MessageId,
    attempt: MessageId,
}

fn corpus(store: &Store) -> Corpus {
    let mut m = voicemail(Timestamp(1_000), "0301234567");
    m.caller_name = Some("Erika Müller".into());
    m.category = Some("invoice".into());
    let invoice = transcribed(
        store,
        m,
        "Hello, this is Erika, please call me back about the invoice 4711.",
    );

    let mut m = voicemail(Timestamp(2_000), "+49 170 9876543");
    m.caller_e164 = Some("+491709876543".into());
    m.category = Some("Rückruf".into());
    let rueckruf = transcribed(store, m, "Bitte um Rückruf wegen der Rechnung.");

    let mut m = voicemail(Timestamp(3_000), "201");
    m.contact = Some(contact(5, "Bob Builder"));
    m.category = Some("emergency".into());
    let damage = transcribed(
        store,
        m,
        "Our pipe burst, there is water damage in the kitchen — emergency!",
    );

    let hostile = transcribed(
        store,
        voicemail(Timestamp(4_000), "202"),
        "Say \"hi\" to O'Brien, a OR b NEAR(x) * -minus",
    );
    let japanese = transcribed(
        store,
        voicemail(Timestamp(5_000), "203"),
        "日本語のメッセージ です",
    );
    let attempt = store
        .insert_message(&attempt(Timestamp(6_000), "204"))
        .unwrap();
    Corpus {
        invoice,
        rueckruf,
        damage,
        hostile,
        japanese,
        attempt,
    }
}

#[test]
fn words_match_as_prefixes_in_any_order_and_case() {
    let (_dir, store) = open();
    let c = corpus(&store);
    assert_eq!(search(&store, "invoi"), [c.invoice]);
    assert_eq!(search(&store, "INVOICE"), [c.invoice]);
    assert_eq!(search(&store, "call back"), [c.invoice]);
    assert_eq!(search(&store, "back call"), [c.invoice]);
    assert_eq!(search(&store, "call zebra"), []);
    assert_eq!(search(&store, "kitch dam"), [c.damage]);
}

#[test]
fn accents_and_umlauts_are_ignored() {
    let (_dir, store) = open();
    let c = corpus(&store);
    for text in ["ruckruf", "rückruf", "RÜCKRUF", "rück", "Ruck"] {
        assert_eq!(search(&store, text), [c.rueckruf], "{text}");
    }
    // The caller's display name is searchable too.
    assert_eq!(search(&store, "muller"), [c.invoice]);
    assert_eq!(search(&store, "Müller"), [c.invoice]);
}

#[test]
fn caller_contact_and_category_are_searchable() {
    let (_dir, store) = open();
    let c = corpus(&store);
    assert_eq!(search(&store, "bob"), [c.damage], "contact name");
    assert_eq!(search(&store, "emergency"), [c.damage]);
    assert_eq!(
        search(&store, "general"),
        [c.attempt, c.japanese, c.hostile],
        "default category, newest first"
    );
    assert_eq!(search(&store, "204"), [c.attempt], "number of an attempt");
}

#[test]
fn phone_numbers_match_in_full_and_in_part() {
    let (_dir, store) = open();
    let c = corpus(&store);
    assert_eq!(search(&store, "0301234567"), [c.invoice]);
    assert_eq!(
        search(&store, "1234567"),
        [c.invoice],
        "digits inside a number"
    );
    assert_eq!(
        search(&store, "170 987"),
        [c.rueckruf],
        "spaced like dialled"
    );
    assert_eq!(search(&store, "+49170"), [c.rueckruf], "E.164 prefix");
    assert_eq!(
        search(&store, "(0170) 98765"),
        [],
        "national format is not E.164"
    );
    assert_eq!(
        search(&store, "4711"),
        [c.invoice],
        "number in the transcript"
    );
}

#[test]
fn hostile_search_text_is_only_text() {
    let (_dir, store) = open();
    let c = corpus(&store);
    let everything = search(&store, "");
    assert_eq!(everything.len(), 6);

    assert_eq!(search(&store, "\"hi\""), [c.hostile]);
    assert_eq!(search(&store, "O'Brien"), [c.hostile]);
    assert_eq!(search(&store, "NEAR(x)"), [c.hostile]);
    assert_eq!(search(&store, "-minus"), [c.hostile]);
    assert_eq!(search(&store, "a OR"), [c.hostile]);
    assert_eq!(search(&store, "invoice\""), [c.invoice], "unbalanced quote");
    assert_eq!(search(&store, "^invoice"), [c.invoice]);
    assert_eq!(
        search(&store, "transcript:invoice"),
        [],
        "no column filters"
    );
    assert_eq!(search(&store, "NOT"), []);
    assert_eq!(search(&store, "日本語"), [c.japanese]);

    // Nothing searchable left: treated like an empty search.
    for nothing in ["*", "\"", "'", "\"\"", " - ", "( ) *", "😀"] {
        assert_eq!(search(&store, nothing), everything, "{nothing:?}");
    }
    // None of these may be an error.
    for text in [
        "NEAR(",
        "a OR",
        "OR",
        "AND AND",
        "\"unterminated",
        "*invoice",
        "in*voice",
        "+",
        "{transcript caller_number}: x",
        "col:",
        "x\0y",
        "'; DROP TABLE messages; --",
        "Grüße aus Köln",
        "ß",
        &"long ".repeat(2_000),
    ] {
        search(&store, text);
    }
    assert_eq!(search(&store, "").len(), 6, "the table is still there");
}

#[test]
fn index_follows_updates_and_deletes() {
    let (dir, store) = open();
    let c = corpus(&store);

    store
        .set_transcript(c.invoice, "completely different words", Some("en"))
        .unwrap();
    assert_eq!(search(&store, "pleas"), [], "old transcript forgotten");
    assert_eq!(search(&store, "invoi"), [c.invoice], "category kept");
    assert_eq!(search(&store, "completely"), [c.invoice]);
    assert_eq!(search(&store, "erika"), [c.invoice], "display name kept");

    store
        .set_contact(
            c.japanese,
            &ContactMatch {
                id: 9,
                name: "Jürgen Schäfer".into(),
                confidence: 0.6,
            },
        )
        .unwrap();
    assert_eq!(search(&store, "schafer"), [c.japanese]);
    store.clear_contact(c.damage).unwrap();
    assert_eq!(search(&store, "bob"), []);

    store.set_category(c.rueckruf, "callback").unwrap();
    assert_eq!(search(&store, "callback"), [c.rueckruf]);
    assert_eq!(
        search(&store, "rückruf"),
        [c.rueckruf],
        "still in the transcript"
    );
    store
        .set_transcript(c.rueckruf, "Bitte melden.", Some("de"))
        .unwrap();
    assert_eq!(search(&store, "rückruf"), []);

    store.mark_read(c.hostile, true).unwrap();
    assert_eq!(search(&store, "o'brien"), [c.hostile]);
    store.delete_message(c.hostile).unwrap();
    assert_eq!(search(&store, "o'brien"), []);

    // FTS5's own check that the index matches the table row for row.
    let conn = rusqlite::Connection::open(dir.path().join("frontdesk.db")).unwrap();
    conn.execute(
        "INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)",
        [],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO messages_numbers (messages_numbers, rank) VALUES ('integrity-check', 1)",
        [],
    )
    .unwrap();
    let indexed: i64 = conn
        .query_row(
            "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'general'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(indexed, 2, "japanese and the attempt");
}

#[test]
fn summaries_carry_a_preview_and_the_states() {
    let (_dir, store) = open();
    let long = "word ".repeat(100);
    let id = transcribed(&store, voicemail(Timestamp(1), "1"), &long);
    let short = transcribed(&store, voicemail(Timestamp(2), "2"), "short one");
    let pending = store.insert_message(&voicemail(Timestamp(3), "3")).unwrap();
    let all = store.inbox(&InboxQuery::default()).unwrap();
    assert_eq!(
        all.iter().map(|m| m.id).collect::<Vec<_>>(),
        [pending, short, id]
    );
    let preview = all[2].preview.as_deref().unwrap();
    assert!(preview.ends_with('…'), "{preview}");
    assert!(preview.chars().count() <= PREVIEW_CHARS + 1);
    assert!(long.starts_with(preview.trim_end_matches('…')));
    assert_eq!(all[1].preview.as_deref(), Some("short one"));
    assert_eq!(all[0].preview, None);
    assert!(all[0].has_audio);
    assert_eq!(all[1].language.as_deref(), Some("en"));
    let json = serde_json::to_value(&all[1]).unwrap();
    assert_eq!(json["transcription_state"], "done");
    assert_eq!(json["has_audio"], true);
    assert_eq!(json["email_state"], "none");
}

/// One entry of the filter test's data set, with what each filter sees.
struct Row {
    id: MessageId,
    at: i64,
    mailbox: &'static str,
    category: &'static str,
    read: bool,
    attempt: bool,
    contact: Option<i64>,
}

#[test]
fn filters_combine_and_pages_are_newest_first() {
    let (_dir, store) = open();
    let hour = 3_600_000;
    let mut rows = Vec::new();
    for i in 0..24i64 {
        let at = 1_700_000_000_000 + (i / 2) * hour; // pairs share a time: id breaks ties
        let mailbox = if i % 2 == 0 { "office" } else { "support" };
        let category = ["general", "invoice", "callback"][(i % 3) as usize];
        let is_attempt = i % 5 == 4;
        let mut new = if is_attempt {
            attempt(Timestamp(at), &format!("{i}"))
        } else {
            voicemail(Timestamp(at), &format!("{i}"))
        };
        new.mailbox = mailbox.into();
        new.category = Some(category.into());
        let contact_id = (i % 4 == 0).then_some(100 + i % 8);
        new.contact = contact_id.map(|id| contact(id, "Known Caller"));
        let id = store.insert_message(&new).unwrap();
        let read = i % 3 == 0;
        store.mark_read(id, read).unwrap();
        rows.push(Row {
            id,
            at,
            mailbox,
            category,
            read,
            attempt: is_attempt,
            contact: contact_id,
        });
    }
    rows.reverse(); // newest first, ties by id descending

    let check = |query: InboxQuery, keep: &dyn Fn(&Row) -> bool| {
        let expected: Vec<MessageId> = rows.iter().filter(|r| keep(r)).map(|r| r.id).collect();
        let all = InboxQuery {
            limit: 1000,
            offset: 0,
            ..query.clone()
        };
        let got: Vec<MessageId> = store.inbox(&all).unwrap().iter().map(|m| m.id).collect();
        assert_eq!(got, expected, "{query:?}");
        assert_eq!(store.inbox_count(&query).unwrap(), expected.len() as u64);
        let page: Vec<MessageId> = store.inbox(&query).unwrap().iter().map(|m| m.id).collect();
        let want: Vec<MessageId> = expected
            .iter()
            .skip(query.offset)
            .take(query.limit)
            .copied()
            .collect();
        assert_eq!(page, want, "page of {query:?}");
        assert!(
            !expected.is_empty(),
            "filter {query:?} should match something"
        );
    };

    check(InboxQuery::default(), &|_| true);
    check(
        InboxQuery {
            limit: 5,
            offset: 7,
            ..InboxQuery::default()
        },
        &|_| true,
    );
    let from = 1_700_000_000_000 + 3 * hour;
    let before = 1_700_000_000_000 + 8 * hour;
    check(
        InboxQuery {
            received_from: Some(Timestamp(from)),
            received_before: Some(Timestamp(before)),
            ..InboxQuery::default()
        },
        &|r| r.at >= from && r.at < before,
    );
    check(
        InboxQuery {
            mailbox: Some("support".into()),
            ..InboxQuery::default()
        },
        &|r| r.mailbox == "support",
    );
    check(
        InboxQuery {
            category: Some("invoice".into()),
            read: Some(false),
            ..InboxQuery::default()
        },
        &|r| r.category == "invoice" && !r.read,
    );
    check(
        InboxQuery {
            contact_id: Some(104),
            ..InboxQuery::default()
        },
        &|r| r.contact == Some(104),
    );
    check(
        InboxQuery {
            kind: Some(MessageKind::Attempt),
            ..InboxQuery::default()
        },
        &|r| r.attempt,
    );
    check(
        InboxQuery {
            kind: Some(MessageKind::Message),
            mailbox: Some("office".into()),
            read: Some(true),
            limit: 2,
            offset: 1,
            ..InboxQuery::default()
        },
        &|r| !r.attempt && r.mailbox == "office" && r.read,
    );
    // Search combined with filters: the contact name is in the index.
    check(
        InboxQuery {
            search: Some("known".into()),
            mailbox: Some("office".into()),
            ..InboxQuery::default()
        },
        &|r| r.contact.is_some() && r.mailbox == "office",
    );

    assert!(store
        .inbox(&InboxQuery {
            limit: 0,
            ..InboxQuery::default()
        })
        .unwrap()
        .is_empty());
    assert_eq!(store.mailboxes().unwrap(), ["office", "support"]);
}

#[test]
fn many_hits_page_the_same_way_as_few() {
    // Past 1,000 hits the inbox walks the time index instead of sorting the
    // hits; both ways must give the same order and pages.
    let (_dir, store) = open();
    let rare = |i: usize| i.is_multiple_of(10);
    let support = |i: usize| i.is_multiple_of(3);
    let batch: Vec<_> = (0..1_500usize)
        .map(|i| {
            // Times out of id order, with ties.
            let at = Timestamp((i as i64 * 7_919) % 1_000);
            let mut m = voicemail(at, &format!("0170 {i:04}"));
            let name = if rare(i) {
                "Rare Caller"
            } else {
                "Invoice Department"
            };
            m.caller_name = Some(name.into());
            m.mailbox = if support(i) { "support" } else { "office" }.into();
            m
        })
        .collect();
    let ids = store.insert_messages(&batch).unwrap();
    // (index into batch, id), newest first.
    let mut expected: Vec<(usize, MessageId)> = ids.iter().copied().enumerate().collect();
    expected.sort_by_key(|&(i, id)| std::cmp::Reverse((batch[i].received_at, id)));

    type Keep<'a> = &'a dyn Fn(usize) -> bool;
    let cases: [(&str, Option<&str>, Keep); 4] = [
        ("invoice", None, &|i| !rare(i)),
        ("invoice", Some("support"), &|i| !rare(i) && support(i)),
        ("rare", None, &rare),
        ("0170", None, &|_| true),
    ];
    for (text, mailbox, keep) in cases {
        let want: Vec<MessageId> = expected.iter().filter(|e| keep(e.0)).map(|e| e.1).collect();
        for (offset, limit) in [(0, 50), (0, 2_000), (137, 20), (want.len() - 3, 50)] {
            let query = InboxQuery {
                search: Some(text.into()),
                mailbox: mailbox.map(String::from),
                limit,
                offset,
                ..InboxQuery::default()
            };
            let got: Vec<MessageId> = store.inbox(&query).unwrap().iter().map(|m| m.id).collect();
            let page: Vec<MessageId> = want.iter().skip(offset).take(limit).copied().collect();
            assert_eq!(got, page, "{text} {mailbox:?} {offset}+{limit}");
            assert_eq!(store.inbox_count(&query).unwrap(), want.len() as u64);
        }
    }
}
