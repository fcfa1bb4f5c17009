//! The `[voicemail]` table: defaults, a full example, and errors that name the key and line.

use frontdesk_config::{Config, ConfigError, TimeOfDay, Weekday};
use std::path::{Path, PathBuf};

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::from_str_with_base(text, Path::new("/srv/frontdesk"))
}

fn invalid(text: &str, key: &str, line: usize, needle: &str) {
    let err = parse(text).expect_err("config should be rejected");
    let msg = err.to_string();
    match &err {
        ConfigError::Invalid {
            key: k, location, ..
        } => {
            assert_eq!(k, key, "wrong key in: {msg}");
            assert_eq!(location.as_ref().map(|l| l.line), Some(line), "{msg}");
        }
        ConfigError::Syntax { .. } => {
            assert!(msg.contains(&format!("line {line}")), "{msg}");
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
    assert!(msg.contains(needle), "message lacks {needle:?}: {msg}");
}

#[test]
fn the_voicemail_is_on_by_default_with_the_documented_limits() {
    let config = parse("").unwrap();
    let vm = &config.voicemail;
    assert!(vm.enabled && !vm.when_busy && !vm.do_not_disturb && !vm.mailbox_mode);
    assert_eq!(
        (
            vm.answer_after_seconds,
            vm.max_seconds,
            vm.silence_seconds,
            vm.min_seconds
        ),
        (20, 180, 10, 2)
    );
    assert_eq!(vm.language, "auto");
    assert_eq!(vm.extension_length, 3);
    assert!(vm.greeting.is_none() && vm.model.is_none() && vm.categories.is_empty());
}

#[test]
fn a_full_voicemail_table_loads_with_paths_resolved() {
    let config = parse(
        r#"
[voicemail]
answer_after_seconds = 15
do_not_disturb = true
greeting = "greetings/default.mp3"
model = "/opt/models/ggml-base.bin"
language = "DE"
max_seconds = 120
silence_seconds = 8
min_seconds = 3
contacts = "contacts.csv"
country = "DE"

[voicemail.menu]
1 = "+49301234567"
2 = "205"

[[voicemail.greetings]]
days = ["mon", "tue", "wed", "thu", "fri"]
from = "08:00"
to = "17:30"
file = "greetings/office.wav"

[[voicemail.category]]
name = "emergency"
keywords = ["urgent", "Notfall", "water leak"]
email = "oncall@example.test"
"#,
    )
    .unwrap();
    let vm = config.voicemail;
    assert_eq!(vm.answer_after_seconds, 15);
    assert!(vm.do_not_disturb);
    assert_eq!(
        vm.greeting,
        Some(PathBuf::from("/srv/frontdesk/greetings/default.mp3"))
    );
    assert_eq!(vm.model, Some(PathBuf::from("/opt/models/ggml-base.bin")));
    assert_eq!(vm.language, "de");
    assert_eq!(vm.menu.get("2").map(String::as_str), Some("205"));
    let window = &vm.greetings[0];
    assert_eq!(window.days.len(), 5);
    assert_eq!(window.days[0], Weekday::Mon);
    assert_eq!(
        window.to,
        TimeOfDay {
            hour: 17,
            minute: 30
        }
    );
    assert_eq!(
        window.file,
        PathBuf::from("/srv/frontdesk/greetings/office.wav")
    );
    assert_eq!(vm.categories[0].keywords.len(), 3);
    assert_eq!(
        vm.contacts,
        Some(PathBuf::from("/srv/frontdesk/contacts.csv"))
    );
}

#[test]
fn bad_voicemail_settings_are_named_with_their_line() {
    invalid(
        "[voicemail]\nanswer_after = 5\n",
        "voicemail.answer_after",
        2,
        "unknown",
    );
    invalid(
        "[voicemail.menu]\n0 = \"200\"\n",
        "voicemail.menu.0",
        2,
        "0 leaves a message",
    );
    invalid(
        "[voicemail.menu]\n3 = \" \"\n",
        "voicemail.menu.3",
        2,
        "forwards nowhere",
    );
    invalid(
        "[voicemail]\nmax_seconds = 4000\n",
        "voicemail.max_seconds",
        2,
        "use 5 to 3600",
    );
    invalid(
        "[voicemail]\nlanguage = \"german\"\n",
        "voicemail.language",
        2,
        "two-letter",
    );
    invalid(
        "[[voicemail.greetings]]\ndays = [\"mon\"]\nfrom = \"25:00\"\nto = \"17:00\"\nfile = \"a.wav\"\n",
        "voicemail.greetings[0].from",
        3,
        "HH:MM",
    );
    invalid(
        "[[voicemail.greetings]]\ndays = [\"monday\"]\nfrom = \"08:00\"\nto = \"17:00\"\nfile = \"a.wav\"\n",
        "voicemail.greetings[0].days[0]",
        2,
        "mon",
    );
    invalid(
        "[[voicemail.greetings]]\ndays = []\nfrom = \"08:00\"\nto = \"17:00\"\nfile = \"a.wav\"\n",
        "voicemail.greetings[0].days",
        2,
        "list the days",
    );
    invalid(
        "[[voicemail.category]]\nname = \"x\"\nkeywords = [\"a\"]\n[[voicemail.category]]\nname = \"X\"\nkeywords = [\"b\"]\n",
        "voicemail.category[1].name",
        5,
        "used twice",
    );
    invalid(
        "[[voicemail.category]]\nname = \"x\"\nkeywords = [\"\"]\n",
        "voicemail.category[0].keywords",
        3,
        "no keywords",
    );
}

#[test]
fn a_mailbox_may_fix_its_own_language() {
    let config = parse(
        r#"
[voicemail]
language = "auto"

[voicemail.mailboxes.office]
language = "EN"

[voicemail.mailboxes.205]
language = "de"

[voicemail.mailboxes.sales]
"#,
    )
    .unwrap();
    let vm = &config.voicemail;
    assert_eq!(vm.mailboxes.len(), 3);
    assert_eq!(
        vm.language_for("office"),
        "en",
        "normalised like the global one"
    );
    assert_eq!(
        vm.language_for("205"),
        "de",
        "mailbox-mode extensions are names too"
    );
    assert_eq!(vm.language_for("sales"), "auto", "a table without language");
    assert_eq!(
        vm.language_for("direct"),
        "auto",
        "a mailbox without a table"
    );

    let fixed = parse(
        "[voicemail]\nlanguage = \"de\"\n[voicemail.mailboxes.office]\nlanguage = \"auto\"\n",
    )
    .unwrap();
    assert_eq!(fixed.voicemail.language_for("office"), "auto");
    assert_eq!(fixed.voicemail.language_for("home"), "de");
    assert!(parse("").unwrap().voicemail.mailboxes.is_empty());
}

#[test]
fn bad_mailbox_tables_are_named_with_their_line() {
    invalid(
        "[voicemail.mailboxes.office]\nlanguag = \"de\"\n",
        "voicemail.mailboxes.office.languag",
        2,
        "unknown field `languag`",
    );
    invalid(
        "[voicemail]\nlanguage = \"en\"\n[voicemail.mailboxes.office]\ngreeting = \"x.wav\"\n",
        "voicemail.mailboxes.office.greeting",
        4,
        "unknown field `greeting`",
    );
    invalid(
        "[voicemail.mailboxes.office]\nlanguage = \"german\"\n",
        "voicemail.mailboxes.office.language",
        2,
        "two-letter",
    );
    invalid(
        "[voicemail.mailboxes.\" \"]\nlanguage = \"de\"\n",
        "voicemail.mailboxes. ",
        1,
        "needs a name",
    );
}
