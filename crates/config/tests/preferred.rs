//! `Config::load_preferred`: the one rule the daemon and the desktop app pick their config by.

use frontdesk_config::{Config, ConfigError};

/// One test function, because it sets `XDG_CONFIG_HOME` for the whole process.
#[test]
fn explicit_file_then_user_file_then_embedded_default() {
    let home = tempfile::tempdir().unwrap();
    std::env::set_var("XDG_CONFIG_HOME", home.path());

    // No explicit path and no user file: the embedded default.
    let config = Config::load_preferred(None).unwrap();
    assert_eq!(config, Config::embedded_default().unwrap());

    // The user's file is used once it exists.
    let user_file = home.path().join("frontdesk").join("config.toml");
    std::fs::create_dir_all(user_file.parent().unwrap()).unwrap();
    std::fs::write(&user_file, "[sip]\nlisten = \"127.0.0.1:5099\"\n").unwrap();
    assert_eq!(Config::default_path().as_deref(), Some(user_file.as_path()));
    let config = Config::load_preferred(None).unwrap();
    assert_eq!(config.sip.listen.port(), 5099);

    // An explicit file wins over the user's file.
    let explicit = home.path().join("other.toml");
    std::fs::write(&explicit, "[sip]\nlisten = \"127.0.0.1:5098\"\n").unwrap();
    let config = Config::load_preferred(Some(&explicit)).unwrap();
    assert_eq!(config.sip.listen.port(), 5098);

    // A missing explicit file is an error, not a silent fallback to defaults.
    let missing = home.path().join("missing.toml");
    match Config::load_preferred(Some(&missing)) {
        Err(ConfigError::Read { path, .. }) => assert_eq!(path, missing),
        other => panic!("expected a read error, got {other:?}"),
    }
}
