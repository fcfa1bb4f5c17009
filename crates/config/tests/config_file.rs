//! Loading configuration text: defaults, resolution, and error reporting.

use std::path::{Path, PathBuf};

use frontdesk_config::{
    AudioBackend, CodeProfile, CodecName, Config, ConfigError, DtmfConfig, Transport,
    DEFAULT_REGISTER_EXPIRES,
};

const FULL: &str = r#"
[sip]
listen = "127.0.0.1:5080"
listen_tls = "0.0.0.0:5061"
tls_cert = "certs/cert.pem"
tls_key = "/etc/frontdesk/key.pem"
user_agent = "Frontdesk/0.1"

[[account]]
name = "office"
user = "101"
domain = "pbx.example.com"
auth_user = "u101"
display_name = "Reception"
registrar = "127.0.0.1:5070"
transport = "tcp"
password_env = "OFFICE_PASSWORD"
tls_ca_file = "ca.pem"
register = false
register_expires = 120
codecs = ["pcma", "opus"]
dtmf = "info"
codes = "asterisk"
blf = ["102", "103", "alice"]

[[account]]
name = "home_2"
user = "alice"
domain = "[2001:db8::1]:5062"

[audio]
backend = "file"
play = "in.wav"
record = "rec/out-{call}.wav"
hold_music = "music/hold.wav"

[data]
dir = "state"
"#;

fn base() -> PathBuf {
    PathBuf::from("/srv/frontdesk")
}

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::from_str_with_base(text, &base())
}

/// Asserts that `text` fails with an error naming `key` on `line`, and
/// that the message contains `needle`; returns the message.
fn assert_invalid(text: &str, key: &str, line: usize, needle: &str) -> String {
    let err = parse(text).expect_err("config should be rejected");
    let msg = err.to_string();
    match &err {
        ConfigError::Invalid {
            key: k, location, ..
        } => {
            assert_eq!(k, key, "wrong key in: {msg}");
            let location = location.as_ref().expect("error has a location");
            assert_eq!(location.line, line, "wrong line in: {msg}");
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
    assert!(msg.contains(key), "message lacks key: {msg}");
    assert!(
        msg.contains(&format!("line {line}")),
        "message lacks line: {msg}"
    );
    assert!(msg.contains(needle), "message lacks {needle:?}: {msg}");
    msg
}

#[test]
fn full_example_loads_with_every_field() {
    let c = parse(FULL).unwrap();
    assert_eq!(c.sip.listen, "127.0.0.1:5080".parse().unwrap());
    assert!(!c.sip.listen_port_flexible);
    assert_eq!(c.sip.listen_tls, Some("0.0.0.0:5061".parse().unwrap()));
    assert_eq!(
        c.sip.tls_cert.as_deref(),
        Some(Path::new("/srv/frontdesk/certs/cert.pem"))
    );
    assert_eq!(
        c.sip.tls_key.as_deref(),
        Some(Path::new("/etc/frontdesk/key.pem"))
    );
    assert_eq!(c.sip.user_agent.as_deref(), Some("Frontdesk/0.1"));

    assert_eq!(c.accounts.len(), 2);
    let office = c.account("office").unwrap();
    assert_eq!(office.user, "101");
    assert_eq!(office.domain.host, "pbx.example.com");
    assert_eq!(office.effective_auth_user(), "u101");
    assert_eq!(office.display_name.as_deref(), Some("Reception"));
    let registrar = office.registrar.as_ref().unwrap();
    assert_eq!(registrar.addr.to_string(), "127.0.0.1:5070");
    assert_eq!(office.transport, Transport::Tcp);
    assert_eq!(office.password_env.as_deref(), Some("OFFICE_PASSWORD"));
    assert_eq!(
        office.tls_ca_file.as_deref(),
        Some(Path::new("/srv/frontdesk/ca.pem"))
    );
    assert!(!office.register);
    assert_eq!(office.register_expires, 120);
    assert_eq!(office.codecs, [CodecName::Pcma, CodecName::Opus]);
    assert_eq!(office.dtmf, DtmfConfig::Info);
    assert_eq!(office.codes, CodeProfile::Asterisk);
    assert_eq!(office.blf, ["102", "103", "alice"]);

    let home = c.account("home_2").unwrap();
    assert_eq!(home.domain.host, "2001:db8::1");
    assert_eq!(home.domain.port, Some(5062));
    assert_eq!(home.effective_auth_user(), "alice");
    assert_eq!(home.transport, Transport::Udp);
    assert!(home.register);
    assert_eq!(home.register_expires, DEFAULT_REGISTER_EXPIRES);
    assert_eq!(home.codecs, CodecName::ALL);
    assert_eq!(home.dtmf, DtmfConfig::Rfc4733);
    assert_eq!(home.codes, CodeProfile::Frontdesk);
    assert!(home.blf.is_empty());

    assert_eq!(c.audio.backend, AudioBackend::File);
    assert_eq!(
        c.audio.play.as_deref(),
        Some(Path::new("/srv/frontdesk/in.wav"))
    );
    assert_eq!(
        c.audio.record_path_for("42"),
        Some(PathBuf::from("/srv/frontdesk/rec/out-42.wav"))
    );
    assert_eq!(
        c.audio.hold_music.as_deref(),
        Some(Path::new("/srv/frontdesk/music/hold.wav"))
    );
    assert_eq!(c.data.dir, Path::new("/srv/frontdesk/state"));
    assert_eq!(
        c.data.database_path(),
        Path::new("/srv/frontdesk/state/frontdesk.db")
    );
}

#[test]
fn empty_file_equals_embedded_default() {
    let empty = parse("").unwrap();
    let default = Config::embedded_default().unwrap();
    assert_eq!(empty, default);
    assert_eq!(default.sip.listen, "0.0.0.0:5060".parse().unwrap());
    assert!(default.sip.listen_port_flexible);
    assert!(default.accounts.is_empty());
    assert_eq!(default.audio.backend, AudioBackend::Cpal);
    assert!(
        default.data.dir.ends_with("frontdesk"),
        "{:?}",
        default.data.dir
    );
    assert!(default.data.dir.is_absolute());
}

#[test]
fn load_reads_a_file_and_resolves_against_its_directory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("frontdesk.toml");
    std::fs::write(&path, "[data]\ndir = \"db\"\n").unwrap();
    let c = Config::load(&path).unwrap();
    assert_eq!(c.data.dir, dir.path().join("db"));

    let missing = dir.path().join("absent.toml");
    assert!(matches!(
        Config::load(&missing),
        Err(ConfigError::Read { .. })
    ));
    assert_eq!(
        Config::load_or_default(&missing).unwrap(),
        Config::embedded_default().unwrap()
    );
}

#[test]
fn errors_from_a_file_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("frontdesk.toml");
    std::fs::write(&path, "[sip]\n\nlistne = \"0.0.0.0:5060\"\n").unwrap();
    let msg = Config::load(&path).unwrap_err().to_string();
    assert!(
        msg.starts_with(&format!("{}:3:1:", path.display())),
        "{msg}"
    );
    assert!(msg.contains("sip.listne"), "{msg}");
}

#[test]
fn unknown_key_is_named_with_its_line() {
    assert_invalid(
        "[sip]\nlisten = \"0.0.0.0:5060\"\nlisten_tcp = \"x\"\n",
        "sip.listen_tcp",
        3,
        "unknown field",
    );
    assert_invalid(
        "[[account]]\nname = \"a\"\nuser = \"1\"\ndomain = \"d\"\nregistar = \"r\"\n",
        "account[0].registar",
        5,
        "unknown field",
    );
    assert_invalid(
        "\n\n[sound]\nbackend = \"file\"\n",
        "sound",
        3,
        "unknown field",
    );
}

#[test]
fn password_key_gets_a_specific_explanation() {
    let msg = assert_invalid(
        "[[account]]\nname = \"office\"\nuser = \"1\"\ndomain = \"d\"\npassword = \"secret\"\n",
        "account[0].password",
        5,
        "passwords are not stored in the config file",
    );
    assert!(
        msg.contains("frontdesk account set-password office"),
        "{msg}"
    );
    assert!(msg.contains("password_env"), "{msg}");
    assert!(!msg.contains("secret\""), "the password leaked: {msg}");
}

#[test]
fn bad_values_are_named_with_their_line() {
    let account = |extra: &str| {
        format!("[[account]]\nname = \"a\"\nuser = \"1\"\ndomain = \"pbx\"\n{extra}\n")
    };
    assert_invalid(
        &account("transport = \"sctp\""),
        "account[0].transport",
        5,
        "udp",
    );
    assert_invalid(
        &account("codecs = [\"opus\", \"gsm\"]"),
        "account[0].codecs[1]",
        5,
        "gsm",
    );
    assert_invalid(
        &account("codecs = [\"opus\", \"opus\"]"),
        "account[0].codecs",
        5,
        "twice",
    );
    assert_invalid(
        &account("codecs = []"),
        "account[0].codecs",
        5,
        "at least one",
    );
    assert_invalid(
        &account("register_expires = 30"),
        "account[0].register_expires",
        5,
        "at least 60",
    );
    assert_invalid(
        &account("register_expires = \"600\""),
        "account[0].register_expires",
        5,
        "expected u32",
    );
    assert_invalid(
        &account("registrar = \"sip:101@pbx\""),
        "account[0].registrar",
        5,
        "user@",
    );
    assert_invalid(
        &account("registrar = \"pbx:99999\""),
        "account[0].registrar",
        5,
        "port",
    );
    assert_invalid(
        &account("register = \"yes\""),
        "account[0].register",
        5,
        "bool",
    );
    assert_invalid(
        &account("password_env = \"A B\""),
        "account[0].password_env",
        5,
        "environment",
    );
    assert_invalid(
        "[[account]]\nname = \"a\"\nuser = \"1\"\ndomain = \"pbx example\"\n",
        "account[0].domain",
        4,
        "not a valid host",
    );
    assert_invalid(
        "[[account]]\nname = \"bad name\"\nuser = \"1\"\ndomain = \"d\"\n",
        "account[0].name",
        2,
        "letters, digits",
    );
    assert_invalid(
        "[[account]]\nname = \"a\"\nuser = \"\"\ndomain = \"d\"\n",
        "account[0].user",
        3,
        "non-empty",
    );
    assert_invalid(&account("dtmf = \"sms\""), "account[0].dtmf", 5, "rfc4733");
    assert_invalid(
        &account("codes = \"cisco\""),
        "account[0].codes",
        5,
        "asterisk",
    );
    assert_invalid(
        &account("blf = [\"102\", \"1 03\"]"),
        "account[0].blf",
        5,
        "not an extension",
    );
    assert_invalid(
        &account("blf = [\"102\", \"102\"]"),
        "account[0].blf",
        5,
        "twice",
    );
    assert_invalid("[audio]\nbackend = \"alsa\"\n", "audio.backend", 2, "cpal");
    assert_invalid("[data]\ndir = \"\"\n", "data.dir", 2, "empty");
}

#[test]
fn bad_listen_addresses_are_rejected() {
    assert_invalid("[sip]\nlisten = \"0.0.0.0\"\n", "sip.listen", 2, "address");
    assert_invalid(
        "[sip]\nlisten = \"localhost:5060\"\n",
        "sip.listen",
        2,
        "address",
    );
    assert_invalid(
        "[sip]\n\nlisten_tls = \"0.0.0.0:99999\"\n",
        "sip.listen_tls",
        3,
        "address",
    );
}

#[test]
fn tls_listener_needs_cert_and_key() {
    assert_invalid(
        "[sip]\nlisten_tls = \"0.0.0.0:5061\"\ntls_cert = \"c.pem\"\n",
        "sip.tls_key",
        1,
        "set tls_key",
    );
    assert_invalid(
        "[sip]\ntls_cert = \"c.pem\"\ntls_key = \"k.pem\"\n",
        "sip.tls_cert",
        2,
        "listen_tls",
    );
}

#[test]
fn missing_required_key_points_at_its_table() {
    assert_invalid(
        "[sip]\n\n[[account]]\nname = \"a\"\nuser = \"1\"\n",
        "account[0].domain",
        3,
        "missing field",
    );
}

#[test]
fn duplicate_account_names_point_at_the_second() {
    let text = "[[account]]\nname = \"a\"\nuser = \"1\"\ndomain = \"d\"\n\n\
                [[account]]\nname = \"a\"\nuser = \"2\"\ndomain = \"d\"\n";
    assert_invalid(text, "account[1].name", 7, "duplicate account name `a`");
}

#[test]
fn registrar_transport_is_adopted_or_must_agree() {
    let account = |extra: &str| {
        format!("[[account]]\nname = \"a\"\nuser = \"1\"\ndomain = \"pbx\"\n{extra}\n")
    };
    let c = parse(&account("registrar = \"sips:proxy.example.com\"")).unwrap();
    assert_eq!(c.accounts[0].transport, Transport::Tls);
    let c = parse(&account("registrar = \"sip:10.0.0.1:5070;transport=tcp\"")).unwrap();
    assert_eq!(c.accounts[0].transport, Transport::Tcp);
    assert_invalid(
        &account("registrar = \"sip:10.0.0.1;transport=tcp\"\ntransport = \"udp\""),
        "account[0].transport",
        6,
        "contradicts",
    );
}

#[test]
fn toml_syntax_errors_report_line_and_column() {
    let err = parse("[sip]\nlisten = \"0.0.0.0:5060\n").unwrap_err();
    match &err {
        ConfigError::Syntax { location, .. } => assert_eq!(location.line, 2),
        other => panic!("expected Syntax, got {other:?}"),
    }
    assert!(err.to_string().contains("line 2"), "{err}");
}

#[test]
fn dial_plan_section_loads_as_a_table_or_inline() {
    let text = "[[account]]\nname = \"office\"\nuser = \"101\"\ndomain = \"pbx\"\n\
                [account.dial_plan]\ncountry = \"DE\"\noutside_line_prefix = \"0\"\n\
                internal = [\"1xx\", \"2000-2099\"]\ninternational_prefix = \"00\"\n\
                national_prefix = \"0\"\ndial_format = \"national\"\n\n\
                [[account]]\nname = \"trunk\"\nuser = \"4930123456\"\ndomain = \"sip.example.net\"\n\
                dial_plan = { country = \"de\", dial_format = \"e164\", extension_length = 4 }\n\n\
                [[account]]\nname = \"plain\"\nuser = \"1\"\ndomain = \"pbx\"\n";
    let c = parse(text).unwrap();

    let office = c.account("office").unwrap();
    let section = office.dial_plan.as_ref().unwrap();
    assert_eq!(section.country.as_deref(), Some("DE"));
    assert_eq!(
        section.internal.as_deref(),
        Some(&["1xx".to_string(), "2000-2099".to_string()][..])
    );
    let plan = office.effective_dial_plan().unwrap();
    assert_eq!(plan.country(), Some("DE"));
    assert_eq!(plan.outside_line_prefix(), Some("0"));
    let dialed = plan.classify("+49 30 123456").unwrap();
    assert_eq!(dialed.user_part(), Some("0030123456"));
    assert_eq!(plan.classify("2042").unwrap().user_part(), Some("2042"));

    let trunk = c.account("trunk").unwrap().effective_dial_plan().unwrap();
    assert_eq!(
        trunk.classify("030 123456").unwrap().user_part(),
        Some("+4930123456")
    );
    assert!(matches!(
        trunk.classify("1234").unwrap(),
        frontdesk_dialplan::Dialed::Extension(_)
    ));

    let plain = c.account("plain").unwrap();
    assert_eq!(plain.dial_plan, None);
    let plan = plain.effective_dial_plan().unwrap();
    assert_eq!(plan.country(), None);
    assert_eq!(
        plan.classify("+49 30 123456").unwrap().user_part(),
        Some("+4930123456")
    );
}

#[test]
fn dial_plan_mistakes_are_named_with_their_line() {
    let account = |plan: &str| {
        format!("[[account]]\nname = \"a\"\nuser = \"1\"\ndomain = \"pbx\"\n\n[account.dial_plan]\n{plan}\n")
    };
    assert_invalid(
        &account("country = \"DE\"\ncountri = \"DE\""),
        "account[0].dial_plan.countri",
        8,
        "unknown field",
    );
    assert_invalid(
        &account("country = \"XX\""),
        "account[0].dial_plan.country",
        7,
        "`XX` is not a country code",
    );
    assert_invalid(
        &account("country = \"DE\"\nextension_length = 0"),
        "account[0].dial_plan.extension_length",
        8,
        "extension_length = 0 is out of range",
    );
    assert_invalid(
        &account("extension_length = \"3\""),
        "account[0].dial_plan.extension_length",
        7,
        "expected u32",
    );
    assert_invalid(
        &account("internal = [\n  \"1xx\",\n  \"1oo\",\n]"),
        "account[0].dial_plan.internal[1]",
        9,
        "`1oo` is not a pattern",
    );
    assert_invalid(
        &account("country = \"DE\"\nextension_length = 4\ninternal = [\"1xx\"]"),
        "account[0].dial_plan.internal",
        9,
        "replaces extension_length",
    );
    assert_invalid(
        &account("outside_line_prefix = \"0\""),
        "account[0].dial_plan.outside_line_prefix",
        7,
        "needs country",
    );
    assert_invalid(
        &account("country = \"US\"\nouside_line_prefix = \"9\""),
        "account[0].dial_plan.ouside_line_prefix",
        8,
        "unknown field",
    );
    assert_invalid(
        &account("country = \"DE\"\ndial_format = \"e164\"\noutside_line_prefix = \"0\""),
        "account[0].dial_plan.outside_line_prefix",
        9,
        "dial_format",
    );
    assert_invalid(
        &account("country = \"DE\"\ninternational_prefix = \"+\""),
        "account[0].dial_plan.international_prefix",
        8,
        "not a prefix",
    );
    // Inline, in the second account.
    assert_invalid(
        "[[account]]\nname = \"a\"\nuser = \"1\"\ndomain = \"pbx\"\n\n\
         [[account]]\nname = \"b\"\nuser = \"2\"\ndomain = \"pbx\"\n\
         dial_plan = { country = \"Germany\" }\n",
        "account[1].dial_plan.country",
        10,
        "two-letter ISO 3166 code",
    );
}
