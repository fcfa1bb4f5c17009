//! The contact book end to end: the real daemon, `frontdesk ctl contacts` importing a CSV with
//! a broken row (the rest is imported, the row named) and a vCard, re-imports that change
//! nothing, search and delete; the configured contacts file imported at start; then a real
//! caller (baresip) nobody answers leaves a message, and the inbox names the imported contact
//! the calling number belongs to.

mod support;

use frontdesk_testbed::{Baresip, BaresipOptions, CallEvent};
use serde_json::Value;
use std::path::{Path, PathBuf};
use support::{Daemon, Launch, WAIT};

/// The caller's number as baresip sends it (its From user): Maria's office line, written the
/// national way.
const MARIAS_LINE: &str = "0301234567";

/// `text` spoken by espeak-ng as mono WAV at `rate`, with `before` and `after` seconds of
/// silence.
fn speak(dir: &Path, name: &str, text: &str, rate: u32, before: f64, after: f64) -> PathBuf {
    let raw = dir.join(format!("{name}-raw.wav"));
    let status = std::process::Command::new("espeak-ng")
        .args(["-v", "en-us", "-s", "120", "-w"])
        .arg(&raw)
        .arg(text)
        .status()
        .expect("espeak-ng is missing: run scripts/install-deps");
    assert!(status.success(), "espeak-ng failed");
    let out = dir.join(format!("{name}.wav"));
    let status = std::process::Command::new("sox")
        .arg(&raw)
        .args(["-r", &rate.to_string(), "-c", "1", "-b", "16"])
        .arg(&out)
        .args(["pad", &before.to_string(), &after.to_string()])
        .status()
        .expect("sox is missing: run scripts/install-deps");
    assert!(status.success(), "sox failed");
    out
}

/// A daemon as [`Daemon::start`] makes it, but without the Whisper model the test run may name
/// in `$FRONTDESK_WHISPER_MODEL`.
async fn start_daemon(extra: &str) -> Daemon {
    Daemon::start_with(
        extra,
        &Launch {
            env_remove: &["FRONTDESK_WHISPER_MODEL"],
            ..Launch::default()
        },
    )
    .await
}

fn names(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect()
}

/// The contacts file the configuration names: one good row, one without a name.
const AT_START: &str = "name,company,phone\nPeter Lange,,0331 7654321\n,Nobody GmbH,030 111111\n";

/// The CSV imported through `ctl`: line 3 has a "number" that is none.
const CSV: &str = "name,company,phone,mobile,street,postcode,city,email\n\
                   Maria Schmidt,Bäckerei Schmidt,030 1234567,,Hauptstraße 12,14467,Potsdam,maria@example.org\n\
                   Hans Meier,,call me maybe,,,,,\n\
                   Anna Berg,Praxis Berg,+49 331 555 0199,,,,,anna@example.org\n";

/// A vCard export: one card with groups and types, one card without any name (line 9).
const VCARD: &str = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Jonas Weber\r\nN:Weber;Jonas;;;\r\n\
                     item1.TEL;TYPE=CELL:0151 23456789\r\nEMAIL:jonas@example.com\r\n\
                     ADR;TYPE=WORK:;;Lindenstraße 5;Potsdam;;14469;Germany\r\nEND:VCARD\r\n\
                     BEGIN:VCARD\r\nVERSION:3.0\r\nTEL:+49 30 5550199\r\nEND:VCARD\r\n";

#[tokio::test]
async fn imported_contacts_name_the_caller_of_a_voicemail() {
    let scratch = tempfile::tempdir().unwrap();
    let at_start = scratch.path().join("start.csv");
    std::fs::write(&at_start, AT_START).unwrap();
    let greeting = speak(
        scratch.path(),
        "greeting",
        "Please leave a message.",
        16000,
        0.0,
        0.0,
    );
    let message = speak(
        scratch.path(),
        "message",
        "Hello, this is Maria. Please call me back about the bread order.",
        8000,
        4.0,
        30.0,
    );
    let daemon = start_daemon(&format!(
        "[voicemail]\nanswer_after_seconds = 1\nsilence_seconds = 3\ncountry = \"DE\"\n\
         greeting = \"{}\"\ncontacts = \"{}\"\n",
        greeting.display(),
        at_start.display()
    ))
    .await;

    // The configured file is in the contact book once the daemon is up; its broken row is
    // reported in the log with its line, as before contacts were stored.
    let listed = daemon
        .wait_for(&["contacts"], WAIT, |list| {
            list.as_array().is_some_and(|l| !l.is_empty())
        })
        .await;
    assert_eq!(names(&listed), ["Peter Lange"]);
    assert_eq!(listed[0]["source"], "start.csv");
    assert_eq!(listed[0]["numbers"][0]["e164"], "+493317654321");
    let log = daemon.log();
    assert!(
        log.lines()
            .any(|l| l.contains("start.csv: line 3:") && l.contains("no name")),
        "{log}"
    );

    // A CSV with one broken row: the others are imported, the row is named with its line and
    // why. A relative FILE is the caller's.
    std::fs::write(scratch.path().join("contacts.csv"), CSV).unwrap();
    let output = daemon
        .run_in(
            scratch.path(),
            &["contacts", "import", "contacts.csv", "--json"],
        )
        .await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let result: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(result["source"], "contacts.csv");
    assert_eq!(result["format"], "csv");
    assert_eq!(
        (
            &result["added"],
            &result["updated"],
            &result["unchanged"],
            &result["skipped"]
        ),
        (
            &Value::from(2),
            &Value::from(0),
            &Value::from(0),
            &Value::from(1)
        ),
        "{result:#}"
    );
    let problems = result["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{result:#}");
    assert_eq!(problems[0]["line"], 3);
    let why = problems[0]["message"].as_str().unwrap();
    assert!(
        why.contains("\"call me maybe\" is not a phone number") && why.contains("skipped"),
        "{why}"
    );

    // The same file again, as text: nothing new, nothing doubled, the broken row named again.
    let output = daemon
        .run_in(scratch.path(), &["contacts", "import", "contacts.csv"])
        .await;
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.starts_with(
            "imported contacts.csv: 0 added, 0 updated, 2 unchanged, 1 skipped\nline 3: "
        ),
        "{text}"
    );
    let all = daemon.ctl(&["contacts"]).await;
    assert_eq!(names(&all), ["Anna Berg", "Maria Schmidt", "Peter Lange"]);
    let maria = all[1].clone();
    assert_eq!(maria["company"], "Bäckerei Schmidt");
    assert_eq!(maria["numbers"][0]["e164"], "+49301234567");
    assert_eq!(maria["numbers"][0]["raw"], "030 1234567");
    assert_eq!(maria["city"], "Potsdam");
    let maria_id = maria["id"].as_i64().unwrap();

    // A vCard: the named card is imported, the nameless one reported at its BEGIN line.
    std::fs::write(scratch.path().join("phone.vcf"), VCARD).unwrap();
    let output = daemon
        .run_in(
            scratch.path(),
            &["contacts", "import", "phone.vcf", "--json"],
        )
        .await;
    assert!(output.status.success());
    let result: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(result["format"], "vcard");
    assert_eq!(
        (&result["added"], &result["skipped"]),
        (&Value::from(1), &Value::from(1))
    );
    assert_eq!(result["problems"][0]["line"], 9, "{result:#}");
    assert!(result["problems"][0]["message"]
        .as_str()
        .unwrap()
        .contains("no name"));
    let jonas = daemon.ctl(&["contacts", "--search", "weber"]).await;
    assert_eq!(names(&jonas), ["Jonas Weber"]);
    assert_eq!(jonas[0]["numbers"][0]["kind"], "mobile");
    assert_eq!(jonas[0]["numbers"][0]["e164"], "+4915123456789");
    assert_eq!(jonas[0]["postcode"], "14469");

    // Search by words and by digits; the table as text.
    assert_eq!(
        names(
            &daemon
                .ctl(&["contacts", "--search", "POTSDAM schmidt"])
                .await
        ),
        ["Maria Schmidt"]
    );
    assert_eq!(
        names(&daemon.ctl(&["contacts", "--search", "30 1234567"]).await),
        ["Maria Schmidt"]
    );
    assert_eq!(
        daemon.ctl(&["contacts", "--search", "nobodysuch"]).await,
        Value::Array(vec![])
    );
    let table = String::from_utf8(daemon.run(&["contacts"]).await.stdout).unwrap();
    assert!(table.starts_with("ID  NAME"), "{table}");
    assert!(
        table
            .lines()
            .any(|l| l.starts_with(&format!("{maria_id} ")) && l.contains("+49301234567")),
        "{table}"
    );

    // Delete Anna; a second delete says what to do; a bad id is refused by the CLI.
    let anna = all[0]["id"].as_i64().unwrap().to_string();
    let deleted = daemon.ctl(&["contacts", "delete", &anna]).await;
    assert_eq!(deleted["deleted"].to_string(), anna);
    let again = daemon.run(&["contacts", "delete", &anna]).await;
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&again.stderr).trim(),
        format!("frontdesk: no contact {anna}; `frontdesk ctl contacts` lists them")
    );
    assert_eq!(
        daemon
            .run(&["contacts", "delete", "abc"])
            .await
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        names(&daemon.ctl(&["contacts"]).await),
        ["Jonas Weber", "Maria Schmidt", "Peter Lange"]
    );

    // Maria calls from her office line; nobody answers; she leaves a message.
    let mut options = BaresipOptions::new(MARIAS_LINE);
    options.codecs = vec!["PCMU".into()];
    options.play_wav = Some(message);
    let mut caller = Baresip::start(options).await.unwrap();
    caller
        .dial(&format!("sip:101@127.0.0.1:{}", daemon.sip_port()))
        .await
        .unwrap();
    caller
        .wait_event(CallEvent::Established, WAIT)
        .await
        .unwrap();
    caller
        .wait_event(CallEvent::Closed, WAIT * 3)
        .await
        .unwrap();
    let inbox = daemon
        .wait_for(&["inbox"], WAIT, |list| {
            list.as_array().is_some_and(|l| !l.is_empty())
        })
        .await;
    let entry = &inbox[0];
    assert_eq!(entry["kind"], "message", "{inbox:#}");
    assert_eq!(entry["caller_number"], MARIAS_LINE);
    assert_eq!(entry["contact_name"], "Maria Schmidt", "{inbox:#}");
    assert_eq!(entry["contact_id"], maria_id);
    assert_eq!(entry["contact_confidence"], 1.0);
    let shown = daemon
        .ctl(&["inbox", "show", &entry["id"].to_string()])
        .await;
    assert_eq!(shown["caller_e164"], "+49301234567");
    // The inbox finds her message by the contact's name.
    let found = daemon.ctl(&["inbox", "--search", "schmidt"]).await;
    assert_eq!(found[0]["id"], entry["id"]);

    // A re-import with her new number updates her in place (same id) and callers are
    // recognised by it at once.
    std::fs::write(
        scratch.path().join("moved.csv"),
        "name,company,phone\nMaria Schmidt,Bäckerei Schmidt,030 7654321\n",
    )
    .unwrap();
    let moved = daemon
        .run_in(
            scratch.path(),
            &["contacts", "import", "moved.csv", "--json"],
        )
        .await;
    let moved: Value = serde_json::from_slice(&moved.stdout).unwrap();
    assert_eq!(
        (&moved["updated"], &moved["added"]),
        (&Value::from(1), &Value::from(0))
    );
    let maria = daemon.ctl(&["contacts", "--search", "maria"]).await;
    assert_eq!(maria[0]["id"], maria_id);
    assert_eq!(maria[0]["numbers"][0]["e164"], "+49307654321");
    assert_eq!(maria[0]["street"], Value::Null, "the file is the truth");
    daemon.stop().await;
}

#[tokio::test]
async fn a_missing_or_unreadable_file_is_refused_with_its_name_and_nothing_changes() {
    let daemon = start_daemon("").await;
    daemon.wait_for(&["status"], WAIT, |_| true).await;
    let missing = daemon
        .run(&["contacts", "import", "/nonexistent/book.csv"])
        .await;
    assert_eq!(missing.status.code(), Some(1));
    let why = String::from_utf8_lossy(&missing.stderr);
    assert!(
        why.contains("cannot read contacts from /nonexistent/book.csv"),
        "{why}"
    );
    // A file without a header line that names columns: nothing is imported, line 1 says why.
    let junk = daemon.path("junk.csv");
    std::fs::write(&junk, b"\x00\x01garbage;;;\n\xff\xfe\xfd\n").unwrap();
    let result = daemon
        .ctl(&["contacts", "import", junk.to_str().unwrap()])
        .await;
    assert_eq!(result["added"], 0);
    assert_eq!(result["problems"][0]["line"], 1, "{result:#}");
    assert!(
        result["problems"][0]["message"]
            .as_str()
            .unwrap()
            .contains("name"),
        "{result:#}"
    );
    assert_eq!(daemon.ctl(&["contacts"]).await, Value::Array(vec![]));
    let empty = String::from_utf8(daemon.run(&["contacts"]).await.stdout).unwrap();
    assert!(empty.starts_with("no contacts yet"), "{empty}");
    daemon.stop().await;
}
