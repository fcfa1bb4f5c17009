//! Full-text search over a large inbox: 100,000 voicemail messages with
//! varied English and German transcripts, callers, contacts and categories.
//!
//! Run with `cargo bench -p frontdesk-store --bench inbox_search`. It first
//! prints p50/p99 latencies of the first result page (50 entries, as the
//! inbox list asks) for a mix of searches, then lets criterion measure a few
//! of them. Set `INBOX_BENCH_MESSAGES` for a smaller or larger inbox, and
//! `INBOX_BENCH_DB` to a file path to keep the database for a closer look.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::Criterion;
use frontdesk_store::{
    ContactMatch, InboxQuery, MessageKind, NewMessage, Store, Timestamp, TranscriptionState,
};

const DEFAULT_MESSAGES: usize = 100_000;
const ROUNDS: usize = 100;

/// SplitMix64: a tiny deterministic generator, so every run searches the same inbox.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const FIRST_NAMES: &[&str] = &[
    "Anna", "Thomas", "Erika", "Jürgen", "Sophie", "Michael", "Laura", "Stefan", "Özlem", "Peter",
    "Julia", "Andreas", "Maria", "Klaus", "Sarah", "David", "Emma", "Lukas", "Hannah", "Jonas",
    "Olivia", "James", "Robert", "Linda", "Patricia", "Bärbel", "Günther", "Zoë", "René", "Chloé",
];
const LAST_NAMES: &[&str] = &[
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Schäfer",
    "Koch",
    "Bauer",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Miller",
    "Davis",
    "García",
    "Wilson",
    "Anderson",
    "Taylor",
    "Thomas",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Thompson",
    "White",
];
const COMPANIES: &[&str] = &[
    "Stadtwerke",
    "Autohaus Berger",
    "Praxis Dr. Lang",
    "Acme Corp",
    "Northwind Traders",
    "Elektro Krause",
    "Sanitär Huber",
    "Globex",
    "Initech",
    "Hausverwaltung Sonnenhof",
];
const EN_REASONS: &[&str] = &[
    "I am calling about the invoice you sent last week, the amount seems to be wrong",
    "I would like to make an appointment for next Tuesday in the afternoon",
    "please call me back as soon as possible, it is rather urgent",
    "there is water damage in the basement and we need a plumber today",
    "the delivery did not arrive yet and the tracking number does not work",
    "we need to reschedule the meeting because our manager is ill",
    "the heating is broken again and the apartment is getting cold",
    "I have a question about my contract and the cancellation period",
    "could you send me an offer for the new windows we talked about",
    "the payment reminder must be a mistake, we paid the invoice in March",
    "this is an emergency, the front door lock is broken and we cannot get in",
    "I wanted to confirm the appointment tomorrow at ten o'clock",
    "our printer stopped working and the repair technician never came",
    "I would like to order another twenty boxes of the same paper",
    "just a quick reminder that the documents are still missing",
];
const DE_REASONS: &[&str] = &[
    "ich rufe wegen der Rechnung vom letzten Monat an, da stimmt der Betrag nicht",
    "ich hätte gerne einen Termin nächste Woche am Donnerstag vormittags",
    "bitte um Rückruf, es ist dringend",
    "bei uns ist ein Wasserschaden im Keller, wir brauchen heute noch einen Installateur",
    "die Lieferung ist immer noch nicht angekommen",
    "wir müssen den Termin leider verschieben, unser Geschäftsführer ist krank",
    "die Heizung ist schon wieder kaputt und die Wohnung wird kalt",
    "ich habe eine Frage zu meinem Vertrag und der Kündigungsfrist",
    "könnten Sie mir bitte ein Angebot für die neuen Fenster schicken",
    "die Mahnung muss ein Irrtum sein, wir haben die Rechnung im März bezahlt",
    "es ist ein Notfall, das Türschloss ist kaputt und wir kommen nicht rein",
    "ich wollte den Termin morgen um zehn Uhr bestätigen",
    "unser Drucker funktioniert nicht mehr und der Techniker ist nie gekommen",
    "ich möchte gerne noch zwanzig Kartons von dem gleichen Papier bestellen",
    "nur eine kurze Erinnerung, die Unterlagen fehlen noch",
];
const EN_CLOSINGS: &[&str] = &[
    "thank you very much, bye",
    "you can reach me on my mobile",
    "have a nice day",
    "I will try again later",
    "thanks and talk to you soon",
];
const DE_CLOSINGS: &[&str] = &[
    "vielen Dank und auf Wiederhören",
    "Sie erreichen mich unter meiner Handynummer",
    "schönen Tag noch",
    "ich versuche es später nochmal",
    "danke und bis bald",
];
const CATEGORIES: &[&str] = &[
    "general",
    "general",
    "general",
    "invoice",
    "appointment",
    "callback",
    "repair",
    "emergency",
];
const MAILBOXES: &[&str] = &["office", "support", "sales"];

fn transcript(rng: &mut Rng, first: &str, last: &str) -> (String, &'static str) {
    let german = rng.chance(40);
    let (reasons, closings, language) = if german {
        (DE_REASONS, DE_CLOSINGS, "de")
    } else {
        (EN_REASONS, EN_CLOSINGS, "en")
    };
    let company = rng.pick(COMPANIES);
    let mut text = if german {
        format!("Hallo, hier ist {first} {last} von {company}, ")
    } else {
        format!("Hello, this is {first} {last} from {company}, ")
    };
    for _ in 0..1 + rng.below(3) {
        text.push_str(rng.pick(reasons));
        text.push_str(". ");
    }
    if rng.chance(30) {
        let number = format!(
            "{} {} {}",
            1000 + rng.below(9000),
            rng.below(1000),
            rng.below(100)
        );
        text.push_str(if german {
            "meine Nummer ist "
        } else {
            "my number is "
        });
        text.push_str(&number);
        text.push_str(". ");
    }
    text.push_str(rng.pick(closings));
    (text, language)
}

/// Fills a new database with `count` messages (one transaction for the rows,
/// one for the transcripts and read marks) and returns the store and how long
/// that took.
fn build_inbox(count: usize) -> (tempfile::TempDir, Store, Duration) {
    let started = Instant::now();
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = std::env::var_os("INBOX_BENCH_DB")
        .map(PathBuf::from)
        .unwrap_or_else(|| dir.path().join("inbox.db"));
    for suffix in ["", "-wal", "-shm"] {
        let mut file = path.clone().into_os_string();
        file.push(suffix);
        let _ = std::fs::remove_file(file);
    }
    let store = Store::open(&path).expect("open the benchmark database");
    let mut rng = Rng(0x5EED);
    let two_years_ms = 2 * 365 * 86_400_000u64;
    let newest = 1_735_689_600_000i64; // 2025-01-01
    let mut messages = Vec::with_capacity(count);
    let mut transcripts = Vec::with_capacity(count);
    for i in 0..count {
        let first = rng.pick(FIRST_NAMES);
        let last = rng.pick(LAST_NAMES);
        let is_attempt = rng.chance(15);
        let number = if rng.chance(50) {
            format!(
                "0{} {}",
                151 + rng.below(30),
                1_000_000 + rng.below(9_000_000)
            )
        } else {
            format!("0{} {}", 30 + rng.below(900), 10_000 + rng.below(990_000))
        };
        let contact = rng.chance(40).then(|| ContactMatch {
            id: rng.below(2_000) as i64,
            name: format!("{first} {last}"),
            confidence: if rng.chance(80) { 1.0 } else { 0.6 },
        });
        messages.push(NewMessage {
            kind: if is_attempt {
                MessageKind::Attempt
            } else {
                MessageKind::Message
            },
            mailbox: rng.pick(MAILBOXES).into(),
            account: Some("office".into()),
            caller_number: number,
            caller_e164: None,
            caller_name: rng.chance(50).then(|| format!("{first} {last}")),
            contact,
            received_at: Timestamp(newest - (rng.next() % two_years_ms) as i64),
            duration_ms: if is_attempt {
                0
            } else {
                (2 + rng.below(178)) as i64 * 1000
            },
            audio_path: (!is_attempt).then(|| PathBuf::from(format!("voicemail/{i}.ogg"))),
            transcription_state: if is_attempt {
                TranscriptionState::None
            } else {
                TranscriptionState::Pending
            },
            transcription_error: None,
            category: Some(rng.pick(CATEGORIES).into()),
            sip_call_id: Some(format!("bench-{i}")),
            connected_to: None,
        });
        transcripts.push((!is_attempt).then(|| transcript(&mut rng, first, last)));
    }
    // Filed in the order the calls came in, as the voicemail does.
    let mut order: Vec<usize> = (0..count).collect();
    order.sort_by_key(|&i| messages[i].received_at);
    let messages: Vec<NewMessage> = order.iter().map(|&i| messages[i].clone()).collect();
    let transcripts: Vec<_> = order.iter().map(|&i| transcripts[i].clone()).collect();
    let generated = started.elapsed();
    let ids = store
        .insert_messages(&messages)
        .expect("insert the messages");
    let inserted = started.elapsed();

    // The store sets transcripts one at a time, as the worker does; for 100,000
    // that would be 100,000 commits, so the bench writes them in one
    // transaction on its own connection. The triggers index them all the same.
    let mut conn = rusqlite::Connection::open(&path).expect("second connection");
    let tx = conn.transaction().expect("transaction");
    {
        let mut update = tx
            .prepare(
                "UPDATE messages SET transcript = ?2, language = ?3, transcription_state = 'done'
                 WHERE id = ?1",
            )
            .expect("prepare");
        for (id, text) in ids.iter().zip(&transcripts) {
            if let Some((text, language)) = text {
                update
                    .execute(rusqlite::params![id.0, text, language])
                    .expect("set transcript");
            }
        }
    }
    // Most of an inbox has been read; keep one in five unread.
    tx.execute("UPDATE messages SET read = 1 WHERE id % 5 <> 0", [])
        .expect("mark read");
    tx.commit().expect("commit transcripts");
    eprintln!(
        "generated {generated:?}, inserted {inserted:?}, transcripts {:?}",
        started.elapsed()
    );
    (dir, store, started.elapsed())
}

/// The searches measured: what people type into an inbox search box.
fn searches() -> Vec<(&'static str, InboxQuery)> {
    let search = |text: &str| InboxQuery {
        search: Some(text.into()),
        ..InboxQuery::default()
    };
    vec![
        ("common word", search("invoice")),
        ("prefix", search("termi")),
        ("two words", search("call back")),
        ("umlaut folded", search("ruckruf")),
        ("German compound", search("wasserschaden keller")),
        ("surname", search("schäfer")),
        ("rare combination", search("zoë garcía drucker")),
        ("no hit", search("xylophone")),
        ("phone digits", search("0170 12")),
        (
            "word + unread + mailbox",
            InboxQuery {
                read: Some(false),
                mailbox: Some("support".into()),
                ..search("appointment")
            },
        ),
        (
            "word + category",
            InboxQuery {
                category: Some("emergency".into()),
                ..search("door")
            },
        ),
    ]
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// Times every search `ROUNDS` times, interleaved, and prints p50/p99 of the
/// first page (what the list shows) and of the total count ("1–50 of N").
fn report_percentiles(store: &Store) {
    let searches = searches();
    let mut pages: Vec<Vec<Duration>> = vec![Vec::new(); searches.len()];
    let mut counts: Vec<Vec<Duration>> = vec![Vec::new(); searches.len()];
    for _ in 0..ROUNDS {
        for (i, (_, query)) in searches.iter().enumerate() {
            let started = Instant::now();
            black_box(store.inbox(query).expect("search"));
            pages[i].push(started.elapsed());
            let started = Instant::now();
            black_box(store.inbox_count(query).expect("count"));
            counts[i].push(started.elapsed());
        }
    }
    println!(
        "{:<26} {:>6} {:>10} {:>10} {:>10} {:>10}",
        "search", "hits", "page p50", "page p99", "count p50", "count p99"
    );
    let mut all_pages = Vec::new();
    let mut all_counts = Vec::new();
    for (((name, query), mut page), mut count) in searches.iter().zip(pages).zip(counts) {
        let hits = store.inbox_count(query).expect("count");
        all_pages.extend_from_slice(&page);
        all_counts.extend_from_slice(&count);
        page.sort();
        count.sort();
        println!(
            "{:<26} {:>6} {:>10} {:>10} {:>10} {:>10}",
            name,
            hits,
            ms(percentile(&page, 50.0)),
            ms(percentile(&page, 99.0)),
            ms(percentile(&count, 50.0)),
            ms(percentile(&count, 99.0)),
        );
    }
    all_pages.sort();
    all_counts.sort();
    println!(
        "{:<26} {:>6} {:>10} {:>10} {:>10} {:>10}",
        format!("all ({} each)", all_pages.len()),
        "",
        ms(percentile(&all_pages, 50.0)),
        ms(percentile(&all_pages, 99.0)),
        ms(percentile(&all_counts, 50.0)),
        ms(percentile(&all_counts, 99.0)),
    );
}

fn main() {
    let count = std::env::var("INBOX_BENCH_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_MESSAGES);
    let (_dir, store, took) = build_inbox(count);
    println!(
        "inbox of {count} entries built in {:.1} s",
        took.as_secs_f64()
    );
    report_percentiles(&store);

    let mut criterion = Criterion::default()
        .sample_size(50)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    let mut group = criterion.benchmark_group("inbox_search");
    for (name, query) in searches().into_iter().filter(|(name, _)| {
        ["common word", "prefix", "no hit", "word + unread + mailbox"].contains(name)
    }) {
        group.bench_function(name, |b| b.iter(|| store.inbox(black_box(&query)).unwrap()));
    }
    group.finish();
    criterion.final_summary();
}
