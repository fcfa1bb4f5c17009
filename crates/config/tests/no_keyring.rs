//! Behaviour when no Secret Service can be reached (Linux/BSD only).
//!
//! This file is its own test process, so pointing D-Bus at a dead address
//! here cannot disturb other tests.
#![cfg(all(
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
))]

use std::path::Path;

use frontdesk_config::secrets::{self, SecretError};
use frontdesk_config::Config;

#[test]
fn unreachable_keyring_says_what_to_do_and_env_still_works() {
    let dir = tempfile::tempdir().unwrap();
    let dead = dir.path().join("no-bus-here");
    std::env::set_var(
        "DBUS_SESSION_BUS_ADDRESS",
        format!("unix:path={}", dead.display()),
    );

    let text = "[data]\ndir = \"/tmp\"\n[[account]]\nname = \"office\"\nuser = \"1\"\n\
                domain = \"pbx\"\npassword_env = \"FDTEST_NO_KEYRING_PW\"\n";
    let config = Config::from_str_with_base(text, Path::new("/")).unwrap();
    let account = &config.accounts[0];

    let err = secrets::get_password(account).unwrap_err();
    assert!(matches!(err, SecretError::NoKeyring { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("install gnome-keyring"), "{msg}");
    assert!(msg.contains("password_env"), "{msg}");
    assert!(secrets::keyring_status().is_err());
    assert!(matches!(
        secrets::set_password("office", "pw"),
        Err(SecretError::NoKeyring { .. })
    ));

    // With the variable set, the keyring is never needed.
    std::env::set_var("FDTEST_NO_KEYRING_PW", "env-pw");
    let pw = secrets::get_password(account).unwrap().unwrap();
    assert_eq!(pw.expose(), "env-pw");
}
