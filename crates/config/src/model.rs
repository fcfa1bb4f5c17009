//! The configuration schema: what a `frontdesk.toml` may contain.
//!
//! Every table rejects unknown keys so a typo is an error rather than a
//! silently ignored setting.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use frontdesk_dialplan::{DialPlan, DialPlanSettings, SettingError};
use serde::{Deserialize, Serialize};

use crate::{HostPort, Registrar};

/// The SIP listen address used when `[sip] listen` is not set.
pub const DEFAULT_LISTEN: &str = "0.0.0.0:5060";
/// Registration lifetime used when `register_expires` is not set, in seconds.
pub const DEFAULT_REGISTER_EXPIRES: u32 = 600;
/// Shortest registration lifetime accepted, in seconds (RFC 3261 servers
/// reject very short ones with 423 Interval Too Brief).
pub const MIN_REGISTER_EXPIRES: u32 = 60;

/// A whole Frontdesk configuration, as loaded from a file or built in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// SIP transport settings shared by all accounts.
    #[serde(default)]
    pub sip: SipConfig,
    /// The SIP accounts (`[[account]]` tables), in file order.
    #[serde(default, rename = "account")]
    pub accounts: Vec<AccountConfig>,
    /// Sound input/output.
    #[serde(default)]
    pub audio: AudioConfig,
    /// Where the database and recordings live.
    #[serde(default)]
    pub data: DataConfig,
    /// Frontdesk's own voicemail.
    #[serde(default)]
    pub voicemail: crate::voicemail::VoicemailConfig,
}

/// `[sip]`: listeners and identification used by every account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SipConfig {
    /// UDP and TCP listen address.
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// True when `listen` was not written explicitly, so the engine may move
    /// to the next free port if 5060 is taken; an explicit address is used as is.
    #[serde(skip)]
    pub listen_port_flexible: bool,
    /// TLS listen address; requires `tls_cert` and `tls_key`.
    #[serde(default)]
    pub listen_tls: Option<SocketAddr>,
    /// PEM certificate chain for the TLS listener.
    #[serde(default)]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for the TLS listener.
    #[serde(default)]
    pub tls_key: Option<PathBuf>,
    /// User-Agent header value; the engine picks one when absent.
    #[serde(default)]
    pub user_agent: Option<String>,
}

fn default_listen() -> SocketAddr {
    DEFAULT_LISTEN
        .parse()
        .expect("DEFAULT_LISTEN is a valid address")
}

impl Default for SipConfig {
    fn default() -> Self {
        SipConfig {
            listen: default_listen(),
            listen_port_flexible: true,
            listen_tls: None,
            tls_cert: None,
            tls_key: None,
            user_agent: None,
        }
    }
}

/// One `[[account]]`: a SIP identity at a PBX or provider.
///
/// There is deliberately no password field: passwords live in the OS
/// keyring or in the environment variable named by `password_env`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountConfig {
    /// Unique name used on the command line and as the keyring entry, `[A-Za-z0-9_-]+`.
    pub name: String,
    /// SIP user part of the address of record (often the extension).
    pub user: String,
    /// SIP domain of the address of record: host or IP, optional port.
    pub domain: HostPort,
    /// Digest authentication user name when it differs from `user`.
    #[serde(default)]
    pub auth_user: Option<String>,
    /// Display name sent in From headers.
    #[serde(default)]
    pub display_name: Option<String>,
    /// Outbound proxy/registrar; when set, all requests go there and
    /// `domain` is never resolved.
    #[serde(default)]
    pub registrar: Option<Registrar>,
    /// Transport for this account's requests.
    #[serde(default)]
    pub transport: Transport,
    /// Environment variable holding the password, for machines without a keyring.
    #[serde(default)]
    pub password_env: Option<String>,
    /// Extra CA certificate (PEM) trusted for this account's TLS connections.
    #[serde(default)]
    pub tls_ca_file: Option<PathBuf>,
    /// Whether to REGISTER; off for peer-to-peer or IP-authenticated trunks.
    #[serde(default = "default_true")]
    pub register: bool,
    /// Requested registration lifetime in seconds (at least 60).
    #[serde(default = "default_register_expires")]
    pub register_expires: u32,
    /// Codecs to offer, most preferred first; no duplicates.
    #[serde(default = "CodecName::default_preference")]
    pub codecs: Vec<CodecName>,
    /// Seconds between keep-alives to the server (OPTIONS), which keep NAT bindings open
    /// and notice a dead or restarted server; 1 to 3600.
    #[serde(default = "default_keepalive_seconds")]
    pub keepalive_seconds: u32,
    /// `[account.dial_plan]`: extensions, prefixes and country; absent means three-digit
    /// extensions and every other number dialled as typed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dial_plan: Option<DialPlanConfig>,
    /// How keypad digits go to the far end: `rfc4733` (in the media, the default) or `info`
    /// (SIP INFO, for servers that ignore RFC 4733 events).
    #[serde(default)]
    pub dtmf: DtmfConfig,
    /// Which keypad codes work during calls: `frontdesk` (the default: `*`ext`#` announced
    /// transfer, `**` back, `##`ext blind transfer, `*8` pickup, handled by Frontdesk) or
    /// `asterisk` (FreePBX: codes go to the PBX as DTMF, pickup is `**`ext).
    #[serde(default)]
    pub codes: CodeProfile,
    /// Extensions shown on the busy-lamp panel (SUBSCRIBE to their dialog state).
    #[serde(default)]
    pub blf: Vec<String>,
}

/// `dtmf` of an account.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DtmfConfig {
    /// RFC 4733 telephone-events, with SIP INFO when the far end offers none.
    #[default]
    Rfc4733,
    /// SIP INFO `application/dtmf-relay`.
    Info,
}

/// `codes` of an account: the keypad code profile.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CodeProfile {
    /// Frontdesk handles the codes itself with standard SIP.
    #[default]
    Frontdesk,
    /// The PBX handles its own codes (Asterisk/FreePBX).
    Asterisk,
}

impl AccountConfig {
    /// The digest user name: `auth_user` if set, else `user`.
    pub fn effective_auth_user(&self) -> &str {
        self.auth_user.as_deref().unwrap_or(&self.user)
    }

    /// The account's dial plan, defaults filled in. A loaded config has been checked, so
    /// this fails only for an `AccountConfig` built by hand with bad values.
    pub fn effective_dial_plan(&self) -> Result<DialPlan, SettingError> {
        match &self.dial_plan {
            Some(plan) => DialPlan::new(&plan.settings()),
            None => Ok(DialPlan::default()),
        }
    }

    /// True if `name` is acceptable as an account name (`[A-Za-z0-9_-]+`),
    /// so the CLI can check names before touching the keyring.
    pub fn is_valid_name(name: &str) -> bool {
        !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    }
}

/// `[account.dial_plan]`: how an account's numbers are dialled and recognised.
///
/// Values are checked when the file is loaded ([`DialPlan::new`] says what is wrong) so a
/// bad country or prefix is reported against its line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DialPlanConfig {
    /// Digits in an extension: every number that long is internal (default 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension_length: Option<u32>,
    /// Internal numbers as patterns (`"1xx"`, `"100-199"`), instead of `extension_length`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal: Option<Vec<String>>,
    /// Dialled before a country code (default: the country's, else `00`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub international_prefix: Option<String>,
    /// Dialled before an area code at home (default: the country's; `""` for none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub national_prefix: Option<String>,
    /// Two-letter ISO 3166 code of the country the line is in, e.g. `DE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Digits the PBX needs for an outside line, e.g. `0` or `9`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outside_line_prefix: Option<String>,
    /// `national` (default) or `e164`: the form outside numbers are sent in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dial_format: Option<String>,
}

impl DialPlanConfig {
    /// The same values in the dial plan crate's terms.
    pub fn settings(&self) -> DialPlanSettings {
        DialPlanSettings {
            extension_length: self.extension_length,
            internal: self.internal.clone(),
            international_prefix: self.international_prefix.clone(),
            national_prefix: self.national_prefix.clone(),
            country: self.country.clone(),
            outside_line_prefix: self.outside_line_prefix.clone(),
            dial_format: self.dial_format.clone(),
        }
    }
}

fn default_true() -> bool {
    true
}

fn default_keepalive_seconds() -> u32 {
    30
}

fn default_register_expires() -> u32 {
    DEFAULT_REGISTER_EXPIRES
}

/// SIP transport protocol.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// Plain UDP (the SIP default).
    #[default]
    Udp,
    /// Plain TCP.
    Tcp,
    /// TLS over TCP.
    Tls,
}

impl Transport {
    /// Lowercase name as written in config files and SIP `transport=` parameters.
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Udp => "udp",
            Transport::Tcp => "tcp",
            Transport::Tls => "tls",
        }
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Transport {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "udp" => Ok(Transport::Udp),
            "tcp" => Ok(Transport::Tcp),
            "tls" => Ok(Transport::Tls),
            _ => Err(format!(
                "unknown transport `{s}`, expected `udp`, `tcp` or `tls`"
            )),
        }
    }
}

/// An audio codec Frontdesk can negotiate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CodecName {
    /// Opus, 48 kHz wideband.
    Opus,
    /// G.722, 16 kHz wideband.
    G722,
    /// G.711 µ-law.
    Pcmu,
    /// G.711 A-law.
    Pcma,
}

impl CodecName {
    /// All codecs, best quality first: the order used when `codecs` is not set.
    pub const ALL: [CodecName; 4] = [
        CodecName::Opus,
        CodecName::G722,
        CodecName::Pcmu,
        CodecName::Pcma,
    ];

    /// The default preference order, as a vector for serde defaults.
    pub fn default_preference() -> Vec<CodecName> {
        CodecName::ALL.to_vec()
    }

    /// Lowercase name as written in config files.
    pub fn as_str(self) -> &'static str {
        match self {
            CodecName::Opus => "opus",
            CodecName::G722 => "g722",
            CodecName::Pcmu => "pcmu",
            CodecName::Pcma => "pcma",
        }
    }
}

impl fmt::Display for CodecName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `[audio]`: where call audio comes from and goes to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AudioConfig {
    /// Sound card or WAV files.
    #[serde(default)]
    pub backend: AudioBackend,
    /// File backend: WAV file played as the microphone; `None` sends silence.
    #[serde(default)]
    pub play: Option<PathBuf>,
    /// File backend: WAV file the remote audio is written to; `{call}` is
    /// replaced by the call id. `None` discards the audio.
    #[serde(default)]
    pub record: Option<PathBuf>,
    /// Sound card backend: input device name; `None` uses the system default.
    #[serde(default)]
    pub input_device: Option<String>,
    /// Sound card backend: output device name; `None` uses the system default.
    #[serde(default)]
    pub output_device: Option<String>,
    /// WAV file the far end hears while we hold the call; `None` plays the built-in music.
    #[serde(default)]
    pub hold_music: Option<PathBuf>,
}

impl AudioConfig {
    /// The recording path for one call, with `{call}` replaced by `call_id`.
    pub fn record_path_for(&self, call_id: &str) -> Option<PathBuf> {
        let path = self.record.as_ref()?;
        let text = path.to_string_lossy();
        if text.contains("{call}") {
            Some(PathBuf::from(text.replace("{call}", call_id)))
        } else {
            Some(path.clone())
        }
    }
}

/// Which audio implementation the media engine uses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AudioBackend {
    /// The system sound card through cpal.
    #[default]
    Cpal,
    /// WAV files, for headless machines and tests.
    File,
}

/// `[data]`: where Frontdesk keeps its database and recordings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataConfig {
    /// The data directory; defaults to the user's data dir + `frontdesk`.
    /// Empty only transiently while loading (then replaced by the default).
    #[serde(default)]
    pub dir: PathBuf,
}

impl Default for DataConfig {
    fn default() -> Self {
        DataConfig {
            dir: PathBuf::new(),
        }
    }
}

impl DataConfig {
    /// The per-user default, e.g. `~/.local/share/frontdesk` on Linux.
    pub fn default_dir() -> Option<PathBuf> {
        dirs::data_dir().map(|d| d.join("frontdesk"))
    }

    /// The SQLite database file inside the data directory.
    pub fn database_path(&self) -> PathBuf {
        self.dir.join("frontdesk.db")
    }
}

/// Resolves `path` against `base` unless it is already absolute.
pub(crate) fn resolve(base: &Path, path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        base.join(path)
    }
}
