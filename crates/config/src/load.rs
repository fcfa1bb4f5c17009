//! Loading: TOML text → validated [`Config`] with resolved paths.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use frontdesk_dialplan::DialPlan;
use toml::de::{DeTable, DeValue};

use crate::error::ConfigError;
use crate::locate::{location_at, KeyPath, Seg, Source};
use crate::model::{resolve, MIN_REGISTER_EXPIRES};
use crate::{AccountConfig, Config, DataConfig, Transport, VoicemailConfig};

/// File name looked for in the user's config directory.
pub const CONFIG_FILE_NAME: &str = "config.toml";

impl Config {
    /// Reads and validates the config file at `path`; relative paths inside
    /// it are resolved against the file's directory.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let base = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        parse(&text, base, Some(path))
    }

    /// Like [`Config::load`] but with the text in hand, e.g. for tests or a
    /// config received over the API; relative paths resolve against `base_dir`.
    pub fn from_str_with_base(text: &str, base_dir: &Path) -> Result<Config, ConfigError> {
        parse(text, base_dir, None)
    }

    /// The configuration Frontdesk runs on when no config file exists: no
    /// accounts, SIP on 0.0.0.0:5060 (port may move if busy), sound card
    /// audio, data in the user's data directory, the voicemail with the shipped greeting.
    pub fn embedded_default() -> Result<Config, ConfigError> {
        Ok(Config {
            sip: Default::default(),
            accounts: Vec::new(),
            audio: Default::default(),
            data: DataConfig {
                dir: DataConfig::default_dir().ok_or(ConfigError::NoDataDir)?,
            },
            voicemail: Default::default(),
        })
    }

    /// Where the config file lives by default, e.g. `~/.config/frontdesk/config.toml`.
    pub fn default_path() -> Option<PathBuf> {
        dirs::config_dir().map(|d| d.join("frontdesk").join(CONFIG_FILE_NAME))
    }

    /// Loads `path` if it exists, else returns [`Config::embedded_default`].
    pub fn load_or_default(path: &Path) -> Result<Config, ConfigError> {
        match path.try_exists() {
            Ok(false) => Config::embedded_default(),
            _ => Config::load(path),
        }
    }

    /// The configuration a front end starts on, shared by `frontdesk daemon` and the desktop
    /// app so both read the same file: `explicit` if given (a missing explicit file is an
    /// error, since silently running on defaults would hide a typo in the path), else
    /// [`Config::default_path`] if that file exists, else [`Config::embedded_default`].
    pub fn load_preferred(explicit: Option<&Path>) -> Result<Config, ConfigError> {
        match explicit {
            Some(path) => Config::load(path),
            None => match Config::default_path() {
                Some(path) => Config::load_or_default(&path),
                None => Config::embedded_default(),
            },
        }
    }

    /// The account called `name`, if configured.
    pub fn account(&self, name: &str) -> Option<&AccountConfig> {
        self.accounts.iter().find(|a| a.name == name)
    }
}

fn parse(text: &str, base: &Path, file: Option<&Path>) -> Result<Config, ConfigError> {
    let doc = DeTable::parse(text).map_err(|e| ConfigError::Syntax {
        location: location_at(text, file, e.span().map_or(0, |s| s.start)),
        message: e.message().trim().to_string(),
    })?;
    let src = Source { text, file, doc };
    reject_passwords(&src)?;

    let de = toml::Deserializer::parse(text).map_err(|e| syntax_error(&src, &e))?;
    let mut config: Config =
        serde_path_to_error::deserialize(de).map_err(|e| serde_error(&src, e))?;

    validate_sip(&src, &mut config, base)?;
    let mut names = HashSet::new();
    for (index, account) in config.accounts.iter_mut().enumerate() {
        let path = KeyPath::account(index);
        if !names.insert(account.name.clone()) {
            return Err(invalid(
                &src,
                path.key("name"),
                format!(
                    "duplicate account name `{}`; every [[account]] needs its own name",
                    account.name
                ),
            ));
        }
        validate_account(&src, &path, account, base)?;
    }
    finish_audio_and_data(&src, &mut config, base)?;
    validate_voicemail(&src, &mut config.voicemail, base)?;
    validate_human(&src, &config.voicemail.human)?;
    Ok(config)
}

fn validate_voicemail(
    src: &Source<'_>,
    voicemail: &mut VoicemailConfig,
    base: &Path,
) -> Result<(), ConfigError> {
    let at = |key: &str| KeyPath::of(&["voicemail", key]);
    for (key, path) in [
        ("greeting", &mut voicemail.greeting),
        ("model", &mut voicemail.model),
        ("contacts", &mut voicemail.contacts),
    ] {
        if let Some(p) = path {
            *p = checked_path(src, at(key), p, base)?;
        }
    }
    validate_model_keys(src, voicemail)?;
    for (index, window) in voicemail.greetings.iter_mut().enumerate() {
        let key = at("greetings").index(index);
        if window.days.is_empty() {
            return Err(invalid(
                src,
                key.key("days"),
                "days is empty; list the days this greeting is for, e.g. [\"mon\", \"fri\"]".into(),
            ));
        }
        if window.from == window.to {
            return Err(invalid(
                src,
                key.key("to"),
                format!(
                    "the window starts and ends at {}; give different times",
                    window.from
                ),
            ));
        }
        window.file = checked_path(src, key.key("file"), &window.file, base)?;
    }
    for (digit, target) in &voicemail.menu {
        let key = at("menu").key(digit);
        if !matches!(
            digit.as_str(),
            "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9"
        ) {
            return Err(invalid(
                src,
                key,
                format!("menu key `{digit}` is not one of \"1\" to \"9\" (0 leaves a message)"),
            ));
        }
        if target.trim().is_empty() {
            return Err(invalid(
                src,
                key,
                format!("menu key {digit} forwards nowhere; give a number or extension"),
            ));
        }
    }
    let ranges = [
        ("max_seconds", voicemail.max_seconds, 5, 3600),
        ("silence_seconds", voicemail.silence_seconds, 1, 120),
        ("min_seconds", voicemail.min_seconds, 0, 60),
        (
            "answer_after_seconds",
            voicemail.answer_after_seconds,
            0,
            600,
        ),
        (
            "forward_timeout_seconds",
            voicemail.forward_timeout_seconds,
            5,
            300,
        ),
        ("extension_length", voicemail.extension_length, 0, 8),
    ];
    for (key, value, min, max) in ranges {
        if !(min..=max).contains(&value) {
            return Err(invalid(
                src,
                at(key),
                format!("{key} = {value} is out of range; use {min} to {max}"),
            ));
        }
    }
    voicemail.language = checked_language(src, at("language"), &voicemail.language)?;
    for (name, mailbox) in voicemail.mailboxes.iter_mut() {
        let key = at("mailboxes").key(name);
        if name.trim().is_empty() {
            return Err(invalid(
                src,
                key,
                "a mailbox table needs a name: the account's name, `direct`, or in mailbox \
                 mode the extension, e.g. [voicemail.mailboxes.office]"
                    .into(),
            ));
        }
        if let Some(language) = &mut mailbox.language {
            *language = checked_language(src, key.key("language"), language)?;
        }
    }
    if let Some(email) = &mut voicemail.email {
        let key = at("email");
        for (name, value) in [
            ("server", &email.server),
            ("from", &email.from),
            ("to", &email.to),
        ] {
            if value.trim().is_empty() {
                return Err(invalid(
                    src,
                    key.key(name),
                    format!("{name} is empty; give the SMTP {name}"),
                ));
            }
        }
        if let Some(ca) = &mut email.ca_file {
            *ca = checked_path(src, key.key("ca_file"), ca, base)?;
        }
        if !(1..=600).contains(&email.timeout_seconds) {
            return Err(invalid(
                src,
                key.key("timeout_seconds"),
                format!(
                    "timeout_seconds = {} is out of range; use 1 to 600",
                    email.timeout_seconds
                ),
            ));
        }
    }
    let mut names = HashSet::new();
    for (index, category) in voicemail.categories.iter().enumerate() {
        let key = at("category").index(index);
        if category.name.trim().is_empty() || !names.insert(category.name.to_lowercase()) {
            return Err(invalid(
                src,
                key.key("name"),
                format!(
                    "category name `{}` is empty or used twice; every category needs its own name",
                    category.name
                ),
            ));
        }
        if category.keywords.iter().all(|k| k.trim().is_empty()) {
            return Err(invalid(
                src,
                key.key("keywords"),
                format!(
                    "category `{}` has no keywords; list words that put a message into it",
                    category.name
                ),
            ));
        }
    }
    Ok(())
}

/// A transcription language as Whisper takes it: a two-letter code or `auto`, lower case.
fn checked_language(src: &Source<'_>, key: KeyPath, language: &str) -> Result<String, ConfigError> {
    let normalised = language.trim().to_ascii_lowercase();
    if normalised != "auto"
        && !(normalised.len() == 2 && normalised.chars().all(|c| c.is_ascii_lowercase()))
    {
        return Err(invalid(
            src,
            key,
            format!(
                "language `{language}` is not a two-letter code like \"en\" or \"de\", nor \"auto\""
            ),
        ));
    }
    Ok(normalised)
}

fn syntax_error(src: &Source<'_>, e: &toml::de::Error) -> ConfigError {
    ConfigError::Syntax {
        location: src.location_at(e.span().map_or(0, |s| s.start)),
        message: e.message().trim().to_string(),
    }
}

/// Builds an [`ConfigError::Invalid`] located at `key`.
fn invalid(src: &Source<'_>, key: KeyPath, message: String) -> ConfigError {
    ConfigError::Invalid {
        location: src.locate(&key),
        key: key.to_string(),
        message,
    }
}

/// Turns a serde error into one that names the full key and its line.
fn serde_error(src: &Source<'_>, err: serde_path_to_error::Error<toml::de::Error>) -> ConfigError {
    let mut key = KeyPath(
        err.path()
            .iter()
            .filter_map(|seg| match seg {
                serde_path_to_error::Segment::Seq { index } => Some(Seg::Index(*index)),
                serde_path_to_error::Segment::Map { key } => Some(Seg::Key(key.clone())),
                _ => None,
            })
            .collect(),
    );
    let inner = err.into_inner();
    let mut message = inner.message().trim().to_string();
    if matches!(key.last_key(), Some("listen" | "listen_tls")) {
        message.push_str("; write an IP address and port, e.g. \"0.0.0.0:5060\"");
    }
    // "missing field `x`" / "unknown field `x`" name a key below the path.
    for prefix in ["missing field `", "unknown field `"] {
        if let Some(rest) = message.strip_prefix(prefix) {
            if let Some(field) = rest.split('`').next() {
                if key.last_key() != Some(field) {
                    key = key.key(field);
                }
            }
        }
    }
    let location = match inner.span() {
        Some(span) => Some(src.location_at(span.start)),
        None => src.locate(&key),
    };
    ConfigError::Invalid {
        key: key.to_string(),
        location,
        message,
    }
}

/// A `password` key gets a dedicated explanation instead of "unknown field".
fn reject_passwords(src: &Source<'_>) -> Result<(), ConfigError> {
    let Some(accounts) = src.value(&KeyPath::of(&["account"])) else {
        return Ok(());
    };
    let DeValue::Array(accounts) = accounts.get_ref() else {
        return Ok(());
    };
    for index in 0..accounts.len() {
        let path = KeyPath::account(index);
        if src.is_set(&path.key("password")) {
            let name = src
                .value(&path.key("name"))
                .and_then(|v| v.get_ref().as_str())
                .filter(|n| AccountConfig::is_valid_name(n))
                .unwrap_or("<name>");
            return Err(invalid(
                src,
                path.key("password"),
                format!(
                    "passwords are not stored in the config file; run \
                     `frontdesk account set-password {name}` (OS keyring) or set password_env"
                ),
            ));
        }
    }
    Ok(())
}

fn validate_sip(src: &Source<'_>, config: &mut Config, base: &Path) -> Result<(), ConfigError> {
    let sip = &mut config.sip;
    let at = |key: &str| KeyPath::of(&["sip", key]);
    sip.listen_port_flexible = !src.is_set(&at("listen"));
    if sip.listen_tls.is_some() {
        for (key, value) in [("tls_cert", &sip.tls_cert), ("tls_key", &sip.tls_key)] {
            if value.is_none() {
                return Err(invalid(
                    src,
                    at(key),
                    format!(
                        "listen_tls needs a certificate and key: set {key} to a PEM file \
                         (or remove listen_tls)"
                    ),
                ));
            }
        }
    } else {
        for (key, value) in [("tls_cert", &sip.tls_cert), ("tls_key", &sip.tls_key)] {
            if value.is_some() {
                return Err(invalid(
                    src,
                    at(key),
                    format!("{key} is only used by the TLS listener: set listen_tls too"),
                ));
            }
        }
    }
    for (key, path) in [
        ("tls_cert", &mut sip.tls_cert),
        ("tls_key", &mut sip.tls_key),
    ] {
        if let Some(p) = path {
            *p = checked_path(src, at(key), p, base)?;
        }
    }
    if let Some(ua) = &sip.user_agent {
        if ua.trim().is_empty() || ua.chars().any(char::is_control) {
            return Err(invalid(
                src,
                at("user_agent"),
                "user_agent must be non-empty printable text (or remove it)".to_string(),
            ));
        }
    }
    Ok(())
}

fn validate_account(
    src: &Source<'_>,
    path: &KeyPath,
    account: &mut AccountConfig,
    base: &Path,
) -> Result<(), ConfigError> {
    if !AccountConfig::is_valid_name(&account.name) {
        return Err(invalid(
            src,
            path.key("name"),
            format!(
                "account name `{}` may only use letters, digits, `_` and `-`",
                account.name
            ),
        ));
    }
    let text_fields = [
        ("user", Some(&account.user)),
        ("auth_user", account.auth_user.as_ref()),
        ("display_name", account.display_name.as_ref()),
    ];
    for (key, value) in text_fields {
        if let Some(value) = value {
            if value.trim().is_empty() || value.chars().any(char::is_control) {
                return Err(invalid(
                    src,
                    path.key(key),
                    format!("{key} must be non-empty printable text"),
                ));
            }
        }
    }
    if let Some(var) = &account.password_env {
        if var.is_empty() || var.contains(['=', '\0']) || var.chars().any(char::is_whitespace) {
            return Err(invalid(
                src,
                path.key("password_env"),
                format!("`{var}` is not a usable environment variable name"),
            ));
        }
    }
    if account.register_expires < MIN_REGISTER_EXPIRES {
        return Err(invalid(
            src,
            path.key("register_expires"),
            format!(
                "register_expires = {} is too short; use at least {MIN_REGISTER_EXPIRES} seconds",
                account.register_expires
            ),
        ));
    }
    if !(1..=3600).contains(&account.keepalive_seconds) {
        return Err(invalid(
            src,
            path.key("keepalive_seconds"),
            format!(
                "keepalive_seconds = {} is out of range; use 1 to 3600",
                account.keepalive_seconds
            ),
        ));
    }
    let mut watched = std::collections::HashSet::new();
    for extension in &account.blf {
        let usable = !extension.is_empty()
            && extension
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+*#._-".contains(c));
        let problem = if !usable {
            Some(format!(
                "blf entry `{extension}` is not an extension; use digits or a SIP user name"
            ))
        } else if !watched.insert(extension.as_str()) {
            Some(format!("blf lists `{extension}` twice"))
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(invalid(src, path.key("blf"), problem));
        }
    }
    if account.codecs.is_empty() {
        return Err(invalid(
            src,
            path.key("codecs"),
            "codecs is empty; list at least one of opus, g722, pcmu, pcma \
             (or remove the key for the default order)"
                .to_string(),
        ));
    }
    let mut seen = HashSet::new();
    if let Some(dup) = account.codecs.iter().find(|c| !seen.insert(**c)) {
        return Err(invalid(
            src,
            path.key("codecs"),
            format!("codec `{dup}` is listed twice"),
        ));
    }
    reconcile_transport(src, path, account)?;
    validate_dial_plan(src, path, account)?;
    if let Some(ca) = &account.tls_ca_file {
        account.tls_ca_file = Some(checked_path(src, path.key("tls_ca_file"), ca, base)?);
    }
    Ok(())
}

/// Builds the account's dial plan once, so a bad value is reported against its line.
fn validate_dial_plan(
    src: &Source<'_>,
    path: &KeyPath,
    account: &AccountConfig,
) -> Result<(), ConfigError> {
    let Some(plan) = &account.dial_plan else {
        return Ok(());
    };
    DialPlan::new(&plan.settings()).map_err(|e| {
        let mut key = path.key("dial_plan").key(e.key);
        if let Some(index) = e.index {
            key = key.index(index);
        }
        invalid(src, key, e.message)
    })?;
    Ok(())
}

/// A registrar URI may imply a transport (`sips:`, `;transport=`). If the
/// account does not name one, adopt it; if it names a different one, refuse.
fn reconcile_transport(
    src: &Source<'_>,
    path: &KeyPath,
    account: &mut AccountConfig,
) -> Result<(), ConfigError> {
    let Some(registrar) = &account.registrar else {
        return Ok(());
    };
    let implied = registrar
        .transport
        .or(registrar.secure.then_some(Transport::Tls));
    let Some(implied) = implied else {
        return Ok(());
    };
    if !src.is_set(&path.key("transport")) {
        account.transport = implied;
    } else if account.transport != implied {
        return Err(invalid(
            src,
            path.key("transport"),
            format!(
                "transport = \"{}\" contradicts registrar `{registrar}`; make them agree",
                account.transport
            ),
        ));
    }
    Ok(())
}

fn finish_audio_and_data(
    src: &Source<'_>,
    config: &mut Config,
    base: &Path,
) -> Result<(), ConfigError> {
    let audio = &mut config.audio;
    for (key, path) in [
        ("play", &mut audio.play),
        ("record", &mut audio.record),
        ("hold_music", &mut audio.hold_music),
    ] {
        if let Some(p) = path {
            *p = checked_path(src, KeyPath::of(&["audio", key]), p, base)?;
        }
    }
    let dir_key = KeyPath::of(&["data", "dir"]);
    config.data.dir = if src.is_set(&dir_key) {
        checked_path(src, dir_key, &config.data.dir, base)?
    } else {
        DataConfig::default_dir().ok_or(ConfigError::NoDataDir)?
    };
    Ok(())
}

/// `model_name`, `model_url` and `model_sha256` of `[voicemail]`: a name that can be a file
/// name, an http(s) URL, a digest of 64 hex digits (kept in lower case).
fn validate_model_keys(
    src: &Source<'_>,
    voicemail: &mut VoicemailConfig,
) -> Result<(), ConfigError> {
    let at = |key: &str| KeyPath::of(&["voicemail", key]);
    if let Some(name) = &voicemail.model_name {
        let ok = !name.is_empty()
            && name.len() <= 100
            && !name.starts_with('.')
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
        if !ok {
            return Err(invalid(
                src,
                at("model_name"),
                format!(
                    "model_name `{name}` is not a model name; use one from `frontdesk model \
                     list`, e.g. \"base\" or \"small.en\""
                ),
            ));
        }
    }
    if let Some(url) = &mut voicemail.model_url {
        let trimmed = url.trim();
        let rest = trimmed
            .strip_prefix("https://")
            .or_else(|| trimmed.strip_prefix("http://"));
        if rest.is_none_or(|rest| rest.is_empty() || rest.starts_with('/')) {
            return Err(invalid(
                src,
                at("model_url"),
                format!(
                    "model_url `{url}` is not an http:// or https:// URL; give the folder \
                     holding the ggml-*.bin files, e.g. \
                     \"https://huggingface.co/ggerganov/whisper.cpp/resolve/main\""
                ),
            ));
        }
        *url = trimmed.to_owned();
    }
    if let Some(digest) = &mut voicemail.model_sha256 {
        let normalised = digest.trim().to_ascii_lowercase();
        if normalised.len() != 64 || !normalised.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(invalid(
                src,
                at("model_sha256"),
                format!(
                    "model_sha256 `{digest}` is not a SHA-256 digest; give the 64 hex digits \
                     `sha256sum` prints for the model file"
                ),
            ));
        }
        *digest = normalised;
    }
    Ok(())
}

/// Rejects empty paths and resolves relative ones against `base`.
fn checked_path(
    src: &Source<'_>,
    key: KeyPath,
    path: &Path,
    base: &Path,
) -> Result<PathBuf, ConfigError> {
    if path.as_os_str().is_empty() {
        let name = key.last_key().unwrap_or("path").to_string();
        return Err(invalid(
            src,
            key,
            format!("{name} is empty; give a file or directory path (or remove the key)"),
        ));
    }
    Ok(resolve(base, path))
}

/// `[voicemail.human]`: checked even while off, so a typo shows before it is switched on.
fn validate_human(src: &Source<'_>, human: &crate::HumanConfig) -> Result<(), ConfigError> {
    let at = |key: &str| KeyPath::of(&["voicemail", "human", key]);
    if human.enabled && human.target.trim().is_empty() {
        return Err(invalid(
            src,
            at("target"),
            "forwarding to a person is enabled but target is empty; give the number or \
             extension callers are forwarded to (or set enabled = false)"
                .into(),
        ));
    }
    if human.target.chars().any(char::is_control) {
        return Err(invalid(
            src,
            at("target"),
            "target must be printable text: a number or extension".into(),
        ));
    }
    for (key, list) in [
        ("phrases", &human.phrases),
        ("categories", &human.categories),
    ] {
        if let Some(index) = list.iter().position(|entry| entry.trim().is_empty()) {
            return Err(invalid(
                src,
                at(key).index(index),
                format!(
                    "{key} entry {} is empty; remove it or write words",
                    index + 1
                ),
            ));
        }
    }
    for (index, window) in human.windows.iter().enumerate() {
        let key = at("windows").index(index);
        if window.days.is_empty() {
            return Err(invalid(
                src,
                key.key("days"),
                "days is empty; list the days forwarding is allowed on, e.g. [\"mon\", \"fri\"]"
                    .into(),
            ));
        }
        if window.from == window.to {
            return Err(invalid(
                src,
                key.key("to"),
                format!(
                    "the window starts and ends at {}; give different times",
                    window.from
                ),
            ));
        }
    }
    for (key, value, min, max) in [
        // 44640 minutes: every minute of a 31-day month.
        ("monthly_minutes", human.monthly_minutes, 1, 44_640),
        ("check_seconds", human.check_seconds, 1, 60),
    ] {
        if !(min..=max).contains(&value) {
            return Err(invalid(
                src,
                at(key),
                format!("{key} = {value} is out of range; use {min} to {max}"),
            ));
        }
    }
    Ok(())
}
