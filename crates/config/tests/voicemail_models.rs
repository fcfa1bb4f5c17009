//! The model manager's keys in `[voicemail]`: `model_name`, `model_url`, `model_sha256`.

use frontdesk_config::{Config, ConfigError};
use std::path::Path;

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::from_str_with_base(text, Path::new("/srv/frontdesk"))
}

/// `text` is refused at `key` on `line`, with a message containing `needle`.
fn invalid(text: &str, key: &str, line: usize, needle: &str) {
    let err = parse(text).expect_err("config should be rejected");
    let msg = err.to_string();
    let ConfigError::Invalid {
        key: k, location, ..
    } = &err
    else {
        panic!("expected Invalid, got {err:?}")
    };
    assert_eq!(k, key, "wrong key in: {msg}");
    assert_eq!(location.as_ref().map(|l| l.line), Some(line), "{msg}");
    assert!(msg.contains(needle), "message lacks {needle:?}: {msg}");
}

#[test]
fn none_is_set_by_default() {
    let vm = parse("").unwrap().voicemail;
    assert_eq!(
        (vm.model_name, vm.model_url, vm.model_sha256),
        (None, None, None)
    );
}

#[test]
fn the_keys_load_with_the_url_trimmed_and_the_digest_in_lower_case() {
    let vm = parse(
        r#"
[voicemail]
model_name = "small.en-q5_1"
model_url = " http://127.0.0.1:8080/models "
model_sha256 = "49B35C0F0FA5E8FE48396546D4C3308E7CC3E8A50589273A99710C76FD373FDF"
"#,
    )
    .unwrap()
    .voicemail;
    assert_eq!(vm.model_name.as_deref(), Some("small.en-q5_1"));
    assert_eq!(
        vm.model_url.as_deref(),
        Some("http://127.0.0.1:8080/models")
    );
    assert_eq!(
        vm.model_sha256.as_deref(),
        Some("49b35c0f0fa5e8fe48396546d4c3308e7cc3e8a50589273a99710c76fd373fdf")
    );
}

#[test]
fn bad_values_name_the_key_and_line() {
    for name in ["", "../base", ".hidden", "base model", "ba/se"] {
        invalid(
            &format!("[voicemail]\nmodel_name = \"{name}\"\n"),
            "voicemail.model_name",
            2,
            "frontdesk model list",
        );
    }
    for url in [
        "",
        "huggingface.co/x",
        "ftp://127.0.0.1/m",
        "http://",
        "https:///x",
    ] {
        invalid(
            &format!("[voicemail]\n\nmodel_url = \"{url}\"\n"),
            "voicemail.model_url",
            3,
            "http:// or https://",
        );
    }
    for digest in ["", "abc", &"g".repeat(64), &"a".repeat(63)] {
        invalid(
            &format!("[voicemail]\nmodel_sha256 = \"{digest}\"\n"),
            "voicemail.model_sha256",
            2,
            "64 hex digits",
        );
    }
}

#[test]
fn unknown_model_keys_remain_errors() {
    let err = parse("[voicemail]\nmodel_sha = \"x\"\n").expect_err("an unknown key");
    let msg = err.to_string();
    assert!(msg.contains("model_sha"), "{msg}");
}
