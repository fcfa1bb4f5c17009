//! The web UI's TypeScript types are generated from this crate, so the contract is written
//! once. This test renders them and compares with the committed `ui/src/api/generated.ts`;
//! with `FRONTDESK_WRITE_TS=1` it rewrites that file instead.
//!
//! Run: `cargo test -p frontdesk-api --features ts --test typescript`
#![cfg(feature = "ts")]

use frontdesk_api::*;
use std::path::PathBuf;
use ts_rs::{Config, TS};

/// The committed file, relative to this crate.
fn target() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/api/generated.ts")
}

/// One `export type` declaration with its doc comment, as ts-rs's own exporter writes it.
fn decl<T: TS>(cfg: &Config) -> String {
    let mut out = String::new();
    if let Some(docs) = T::docs() {
        out.push_str(&docs);
    }
    out.push_str("export ");
    out.push_str(&T::decl(cfg));
    out.push('\n');
    out
}

/// The whole file, in a fixed order so the output is stable.
fn render() -> String {
    // Timestamps, ids and durations are i64 but stay far below 2^53, and JSON.parse
    // yields plain numbers: `bigint` would be a lie about what arrives.
    let cfg = Config::new().with_large_int("number");
    let decls = [
        decl::<Status>(&cfg),
        decl::<DoNotDisturb>(&cfg),
        decl::<RegistrationState>(&cfg),
        decl::<AccountStatus>(&cfg),
        decl::<CallDirection>(&cfg),
        decl::<CallState>(&cfg),
        decl::<CallInfo>(&cfg),
        decl::<CallAction>(&cfg),
        decl::<HistoryEntry>(&cfg),
        decl::<DialRequest>(&cfg),
        decl::<TransferRequest>(&cfg),
        decl::<LampState>(&cfg),
        decl::<Lamp>(&cfg),
        decl::<InboxKind>(&cfg),
        decl::<TranscriptionState>(&cfg),
        decl::<EmailState>(&cfg),
        decl::<InboxEntry>(&cfg),
        decl::<VoicemailMessage>(&cfg),
        decl::<InboxFilter>(&cfg),
        decl::<PeriodCount>(&cfg),
        decl::<InboxCounts>(&cfg),
        decl::<ExportRequest>(&cfg),
        decl::<ExportedMessage>(&cfg),
        decl::<ContactNumber>(&cfg),
        decl::<ContactEntry>(&cfg),
        decl::<ContactFilter>(&cfg),
        decl::<ContactFormat>(&cfg),
        decl::<ContactImportRequest>(&cfg),
        decl::<ImportProblem>(&cfg),
        decl::<ContactImportResult>(&cfg),
        decl::<SpeechModel>(&cfg),
        decl::<SpeechModels>(&cfg),
        decl::<ModelInstallRequest>(&cfg),
        decl::<ModelInstallState>(&cfg),
        decl::<ModelInstallProgress>(&cfg),
        decl::<Event>(&cfg),
        decl::<ErrorKind>(&cfg),
        decl::<ApiError>(&cfg),
    ];
    format!(
        "// GENERATED from crates/api by ts-rs; do not edit.\n\
         // Regenerate: FRONTDESK_WRITE_TS=1 cargo test -p frontdesk-api --features ts --test typescript\n\n{}",
        decls.join("\n")
    )
}

#[test]
fn generated_typescript_matches_the_rust_types() {
    let fresh = render();
    let path = target();
    if std::env::var_os("FRONTDESK_WRITE_TS").is_some_and(|v| v == "1") {
        std::fs::write(&path, &fresh)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "{} is out of date with crates/api; regenerate it with\n  \
         FRONTDESK_WRITE_TS=1 cargo test -p frontdesk-api --features ts --test typescript\n\
         and commit it. Expected:\n{fresh}",
        path.display()
    );
}

#[test]
fn serde_tags_and_names_reach_typescript() {
    let text = render();
    // The event union must carry serde's `type` tag with snake_case values.
    assert!(text.contains(r#""type": "account""#), "{text}");
    assert!(text.contains(r#""type": "dtmf""#), "{text}");
    // Enums are snake_case strings, as serde writes them.
    assert!(text.contains(r#""bad_request""#), "{text}");
    assert!(text.contains(r#""unregistered""#), "{text}");
    // Optional fields are nullable, numbers are numbers.
    assert!(text.contains("reason: string | null"), "{text}");
    assert!(!text.contains("bigint"), "{text}");
}
