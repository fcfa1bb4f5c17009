//! Passwords against the real OS keyring.
//!
//! Run through `scripts/with-keyring` to get a private,
//! unlocked gnome-keyring; that script sets FRONTDESK_REQUIRE_KEYRING=1 so a
//! missing Secret Service fails the test instead of skipping it.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use frontdesk_config::secrets::{self, SecretError};
use frontdesk_config::{AccountConfig, Config};

/// Returns false (after a notice) if no keyring is reachable and none is required.
fn keyring_available() -> bool {
    match secrets::keyring_status() {
        Ok(()) => true,
        Err(err) if std::env::var("FRONTDESK_REQUIRE_KEYRING").as_deref() == Ok("1") => {
            panic!("FRONTDESK_REQUIRE_KEYRING=1 but the keyring is unusable: {err}")
        }
        Err(err) => {
            eprintln!(
                "NOTICE: keyring test skipped, no OS keyring reachable ({err}). \
                 Run it as `scripts/with-keyring cargo test -p \
                 frontdesk-config --test keyring` to test against gnome-keyring."
            );
            false
        }
    }
}

/// A name no other test run (or real account) uses.
fn unique_name(tag: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("fdtest-{tag}-{}-{nanos}", std::process::id())
}

fn account(name: &str, password_env: Option<&str>) -> AccountConfig {
    let env_line = password_env
        .map(|v| format!("password_env = \"{v}\"\n"))
        .unwrap_or_default();
    let text = format!(
        "[data]\ndir = \"/tmp\"\n[[account]]\nname = \"{name}\"\nuser = \"101\"\n\
         domain = \"pbx.example.com\"\n{env_line}"
    );
    let config = Config::from_str_with_base(&text, Path::new("/")).unwrap();
    config.accounts.into_iter().next().unwrap()
}

#[test]
fn store_read_back_replace_and_delete() {
    if !keyring_available() {
        return;
    }
    let name = unique_name("roundtrip");
    let acct = account(&name, None);

    assert!(secrets::get_password(&acct).unwrap().is_none());

    secrets::set_password(&name, "first s3cret ü €").unwrap();
    let got = secrets::get_password(&acct)
        .unwrap()
        .expect("stored password");
    assert_eq!(got.expose(), "first s3cret ü €");
    assert_eq!(format!("{got:?}"), "***");

    secrets::set_password(&name, "second").unwrap();
    assert_eq!(
        secrets::keyring_password(&name).unwrap().unwrap().expose(),
        "second"
    );

    assert!(secrets::delete_password(&name).unwrap());
    assert!(secrets::get_password(&acct).unwrap().is_none());
    assert!(!secrets::delete_password(&name).unwrap());
}

#[test]
fn password_env_wins_over_the_keyring_and_falls_back_when_unset() {
    if !keyring_available() {
        return;
    }
    let name = unique_name("env");
    let var = format!("FDTEST_PW_{}", std::process::id());
    let acct = account(&name, Some(&var));
    secrets::set_password(&name, "from-keyring").unwrap();

    // Unset: the keyring answers.
    assert_eq!(
        secrets::get_password(&acct).unwrap().unwrap().expose(),
        "from-keyring"
    );
    // Set: the environment answers. (Only this test touches this variable.)
    std::env::set_var(&var, "from-env");
    assert_eq!(
        secrets::get_password(&acct).unwrap().unwrap().expose(),
        "from-env"
    );
    std::env::remove_var(&var);

    assert!(secrets::delete_password(&name).unwrap());
}

#[test]
fn entries_of_different_accounts_are_separate() {
    if !keyring_available() {
        return;
    }
    let a = unique_name("a");
    let b = unique_name("b");
    secrets::set_password(&a, "pw-a").unwrap();
    secrets::set_password(&b, "pw-b").unwrap();
    assert_eq!(
        secrets::keyring_password(&a).unwrap().unwrap().expose(),
        "pw-a"
    );
    assert!(secrets::delete_password(&a).unwrap());
    assert_eq!(
        secrets::keyring_password(&b).unwrap().unwrap().expose(),
        "pw-b"
    );
    assert!(secrets::delete_password(&b).unwrap());
    assert!(matches!(
        secrets::set_password("not valid", "x"),
        Err(SecretError::InvalidAccountName(_))
    ));
}
