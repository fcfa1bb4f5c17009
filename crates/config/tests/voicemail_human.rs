//! `[voicemail.human]`: forwarding callers who ask for a person — defaults, a full table, and
//! errors that name the key and line.

use frontdesk_config::{Config, ConfigError, TimeOfDay, Weekday};
use std::path::Path;

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
        other => panic!("expected Invalid, got {other:?}"),
    }
    assert!(msg.contains(needle), "message lacks {needle:?}: {msg}");
}

#[test]
fn forwarding_to_a_person_is_off_by_default_with_the_documented_limits() {
    let human = parse("").unwrap().voicemail.human;
    assert!(!human.enabled);
    assert!(human.target.is_empty());
    assert!(human.phrases.is_empty() && human.categories.is_empty() && human.windows.is_empty());
    assert_eq!((human.monthly_minutes, human.check_seconds), (60, 4));
    // An empty table is the same as none.
    assert_eq!(parse("[voicemail.human]\n").unwrap().voicemail.human, human);
}

#[test]
fn a_full_human_table_loads() {
    let config = parse(
        r#"
[voicemail.human]
enabled = true
target = "+49301234567"
phrases = ["talk to someone", "de:mit jemandem sprechen"]
categories = ["emergency"]
monthly_minutes = 120
check_seconds = 3

[[voicemail.human.windows]]
days = ["mon", "tue", "wed", "thu", "fri"]
from = "08:00"
to = "17:30"

[[voicemail.human.windows]]
days = ["sat"]
from = "22:00"
to = "06:00"
"#,
    )
    .unwrap();
    let human = config.voicemail.human;
    assert!(human.enabled);
    assert_eq!(human.target, "+49301234567");
    assert_eq!(
        human.phrases,
        ["talk to someone", "de:mit jemandem sprechen"]
    );
    assert_eq!(human.categories, ["emergency"]);
    assert_eq!((human.monthly_minutes, human.check_seconds), (120, 3));
    assert_eq!(human.windows.len(), 2);
    assert_eq!(human.windows[0].days.len(), 5);
    assert_eq!(human.windows[1].days, [Weekday::Sat]);
    assert_eq!(
        (human.windows[1].from, human.windows[1].to),
        (
            TimeOfDay {
                hour: 22,
                minute: 0
            },
            TimeOfDay { hour: 6, minute: 0 }
        )
    );
}

#[test]
fn a_disabled_table_may_leave_the_target_out() {
    let human = parse("[voicemail.human]\nenabled = false\nmonthly_minutes = 5\n")
        .unwrap()
        .voicemail
        .human;
    assert!(!human.enabled);
    assert_eq!(human.monthly_minutes, 5);
}

#[test]
fn bad_human_settings_are_named_with_their_line() {
    invalid(
        "[voicemail.human]\nenabled = true\ntraget = \"200\"\n",
        "voicemail.human.traget",
        3,
        "unknown field",
    );
    invalid(
        "[voicemail.human]\nenabled = true\n",
        "voicemail.human.target",
        1,
        "target is empty",
    );
    invalid(
        "[voicemail.human]\nenabled = true\ntarget = \"  \"\n",
        "voicemail.human.target",
        3,
        "target is empty",
    );
    invalid(
        "[voicemail.human]\nphrases = [\"talk to someone\", \" \"]\n",
        "voicemail.human.phrases[1]",
        2,
        "entry 2 is empty",
    );
    invalid(
        "[voicemail.human]\ncategories = [\"\"]\n",
        "voicemail.human.categories[0]",
        2,
        "entry 1 is empty",
    );
    invalid(
        "[voicemail.human]\nmonthly_minutes = 0\n",
        "voicemail.human.monthly_minutes",
        2,
        "use 1 to 44640",
    );
    invalid(
        "[voicemail.human]\ncheck_seconds = 120\n",
        "voicemail.human.check_seconds",
        2,
        "use 1 to 60",
    );
    invalid(
        "[voicemail.human]\nmonthly_minutes = -3\n",
        "voicemail.human.monthly_minutes",
        2,
        "invalid value",
    );
    invalid(
        "[[voicemail.human.windows]]\ndays = [\"mon\"]\nfrom = \"08:00\"\nto = \"17:00\"\nfile = \"a.wav\"\n",
        "voicemail.human.windows[0].file",
        5,
        "unknown field",
    );
    invalid(
        "[[voicemail.human.windows]]\ndays = []\nfrom = \"08:00\"\nto = \"17:00\"\n",
        "voicemail.human.windows[0].days",
        2,
        "list the days",
    );
    invalid(
        "[[voicemail.human.windows]]\ndays = [\"fri\"]\nfrom = \"08:00\"\nto = \"08:00\"\n",
        "voicemail.human.windows[0].to",
        4,
        "different times",
    );
    invalid(
        "[[voicemail.human.windows]]\ndays = [\"fri\"]\nfrom = \"8 am\"\nto = \"17:00\"\n",
        "voicemail.human.windows[0].from",
        3,
        "HH:MM",
    );
}
