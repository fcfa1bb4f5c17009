//! `[voicemail]`: when Frontdesk's own voicemail answers, what callers hear, how messages are
//! recorded and transcribed, and how they are sorted.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// `[voicemail]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VoicemailConfig {
    /// Whether the voicemail answers at all.
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// Seconds an incoming call rings before the voicemail takes it.
    #[serde(default = "default_answer_after")]
    pub answer_after_seconds: u32,
    /// Answer at once when we already talk on another call (no call waiting). Off by
    /// default: a second call rings (and goes to the voicemail after the usual time).
    #[serde(default)]
    pub when_busy: bool,
    /// Do not disturb: the voicemail answers every call at once.
    #[serde(default)]
    pub do_not_disturb: bool,
    /// Mailbox mode for an always-on machine that extensions forward to: every call goes
    /// straight to the voicemail, the mailbox named by the called number or the
    /// Diversion/History-Info header.
    #[serde(default)]
    pub mailbox_mode: bool,
    /// The greeting outside all `[[voicemail.greetings]]` windows (WAV or MP3); none plays the
    /// greeting shipped with Frontdesk.
    #[serde(default)]
    pub greeting: Option<PathBuf>,
    /// Greetings for weekday and time windows, the first match wins.
    #[serde(default)]
    pub greetings: Vec<GreetingWindowConfig>,
    /// Menu keys `"1"`–`"9"` → the number or extension that key forwards the caller to.
    #[serde(default)]
    pub menu: BTreeMap<String, String>,
    /// Seconds a forwarded caller rings at the target before coming back to the voicemail.
    #[serde(default = "default_forward_timeout")]
    pub forward_timeout_seconds: u32,
    /// Extensions callers may dial during the greeting have this many digits (0: off).
    #[serde(default = "default_extension_length")]
    pub extension_length: u32,
    /// The longest message, in seconds.
    #[serde(default = "default_max_seconds")]
    pub max_seconds: u32,
    /// Continuous silence, in seconds, that ends a message.
    #[serde(default = "default_silence_seconds")]
    pub silence_seconds: u32,
    /// Recordings shorter than this many seconds are call attempts, not messages.
    #[serde(default = "default_min_seconds")]
    pub min_seconds: u32,
    /// The Whisper model (a ggml `.bin` file); none looks in the usual places.
    #[serde(default)]
    pub model: Option<PathBuf>,
    /// The model `frontdesk model install` installs and the voicemail prefers among the
    /// installed ones (`base`, `small.en`, ...; `frontdesk model list` shows them); none uses
    /// the manager's default.
    #[serde(default)]
    pub model_name: Option<String>,
    /// Where models are downloaded from: the folder holding the `ggml-*.bin` files; none uses
    /// whisper.cpp's published models.
    #[serde(default)]
    pub model_url: Option<String>,
    /// The SHA-256 (64 hex digits) the `model_name` download must have.
    #[serde(default)]
    pub model_sha256: Option<String>,
    /// Transcription language (`"en"`, `"de"`, ...) or `"auto"` to detect it per message; a
    /// mailbox's own `language` in [`VoicemailConfig::mailboxes`] wins over it.
    #[serde(default = "default_language")]
    pub language: String,
    /// `[voicemail.mailboxes.<name>]`: settings of one mailbox, by its name (the account's
    /// name, `direct` for calls to no account, or in mailbox mode the forwarding extension).
    #[serde(default)]
    pub mailboxes: BTreeMap<String, MailboxConfig>,
    /// Contacts to identify callers with (CSV in Frontdesk's template, or vCard).
    #[serde(default)]
    pub contacts: Option<PathBuf>,
    /// Country for numbers without a country code (ISO 3166 code, e.g. `"DE"`).
    #[serde(default)]
    pub country: Option<String>,
    /// Message categories by keyword; none uses the built-in English and German ones.
    #[serde(default, rename = "category")]
    pub categories: Vec<CategoryConfig>,
    /// An e-mail for each new message; none sends no e-mail (nothing leaves the machine).
    #[serde(default)]
    pub email: Option<EmailConfig>,
    /// `[voicemail.human]`: forwarding a caller who asks for a person while leaving a message.
    #[serde(default)]
    pub human: HumanConfig,
}

/// `[voicemail.mailboxes.<name>]`: what differs for one mailbox, e.g. a German-speaking team's
/// mailbox in an otherwise English office.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailboxConfig {
    /// The transcription language of this mailbox's messages (`"en"`, `"de"`, ... or
    /// `"auto"`); none uses `[voicemail] language`.
    #[serde(default)]
    pub language: Option<String>,
}

impl VoicemailConfig {
    /// The language messages in `mailbox` are transcribed in: the mailbox's own, else
    /// `[voicemail] language`; `"auto"` means detect it per message.
    pub fn language_for(&self, mailbox: &str) -> &str {
        self.mailboxes
            .get(mailbox)
            .and_then(|m| m.language.as_deref())
            .unwrap_or(&self.language)
    }
}

/// `[voicemail.email]`: where notification e-mails go and how they are sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailConfig {
    /// The SMTP server: host name or IP (it must match the server's certificate).
    pub server: String,
    /// Default: 465 for `implicit`, 587 for `starttls`, 25 for `none`.
    #[serde(default)]
    pub port: Option<u16>,
    /// How the connection is secured.
    #[serde(default)]
    pub tls: EmailTls,
    /// Login name, if the server wants one; the password lives in the OS keyring
    /// (`frontdesk voicemail set-email-password`) or in `password_env`.
    #[serde(default)]
    pub username: Option<String>,
    /// The sender, e.g. `"Frontdesk <frontdesk@example.com>"`.
    pub from: String,
    /// Recipients, comma-separated; a category's own `email` replaces them for its messages.
    pub to: String,
    /// Whether the recording goes along.
    #[serde(default)]
    pub attach: EmailAttach,
    /// An extra CA certificate (PEM) for a server with a private certificate.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// Read the password from this environment variable (headless machines, tests).
    #[serde(default)]
    pub password_env: Option<String>,
    /// How long each step of talking to the server may take.
    #[serde(default = "default_email_timeout")]
    pub timeout_seconds: u32,
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EmailTls {
    /// Plain connection upgraded with STARTTLS (port 587); never falls back to plain text.
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Implicit,
    /// No encryption: only for a server on this machine.
    None,
}

/// What the e-mail carries besides the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EmailAttach {
    /// The text only.
    #[default]
    None,
    /// The recording as it is stored (Ogg Opus, small).
    Opus,
    /// The recording as WAV (large, plays everywhere).
    Wav,
}

fn default_email_timeout() -> u32 {
    60
}

impl Default for VoicemailConfig {
    fn default() -> Self {
        VoicemailConfig {
            enabled: true,
            answer_after_seconds: default_answer_after(),
            when_busy: false,
            do_not_disturb: false,
            mailbox_mode: false,
            greeting: None,
            greetings: Vec::new(),
            menu: BTreeMap::new(),
            forward_timeout_seconds: default_forward_timeout(),
            extension_length: default_extension_length(),
            max_seconds: default_max_seconds(),
            silence_seconds: default_silence_seconds(),
            min_seconds: default_min_seconds(),
            model: None,
            model_name: None,
            model_url: None,
            model_sha256: None,
            language: default_language(),
            mailboxes: BTreeMap::new(),
            contacts: None,
            country: None,
            categories: Vec::new(),
            email: None,
            human: HumanConfig::default(),
        }
    }
}

/// `[[voicemail.greetings]]`: a greeting for some hours of some days.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GreetingWindowConfig {
    /// Days it applies on: `"mon"` … `"sun"`.
    pub days: Vec<Weekday>,
    /// From this time of day, `"HH:MM"` (inclusive).
    pub from: TimeOfDay,
    /// To this time of day, `"HH:MM"` (exclusive); earlier than `from` runs past midnight.
    pub to: TimeOfDay,
    /// The greeting file (WAV or MP3).
    pub file: PathBuf,
}

/// `[[voicemail.category]]`: messages mentioning these words go to this category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryConfig {
    /// The category's name, shown in the inbox.
    pub name: String,
    /// Words or phrases; inflected forms match too (`invoice` finds `invoices`).
    pub keywords: Vec<String>,
    /// Where notifications of this category's messages go, if not the default address.
    #[serde(default)]
    pub email: Option<String>,
}

/// A day of the week as written in the config.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[allow(missing_docs)]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

/// A time of day, written `"HH:MM"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimeOfDay {
    /// 0–23.
    pub hour: u8,
    /// 0–59.
    pub minute: u8,
}

impl std::str::FromStr for TimeOfDay {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let bad = || format!("`{text}` is not a time of day; write it as HH:MM, e.g. \"08:30\"");
        let (hour, minute) = text.trim().split_once(':').ok_or_else(bad)?;
        let hour: u8 = hour.parse().map_err(|_| bad())?;
        let minute: u8 = minute.parse().map_err(|_| bad())?;
        if hour > 23 || minute > 59 {
            return Err(bad());
        }
        Ok(TimeOfDay { hour, minute })
    }
}

impl std::fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02}:{:02}", self.hour, self.minute)
    }
}

impl Serialize for TimeOfDay {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TimeOfDay {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

fn default_true() -> bool {
    true
}
fn default_answer_after() -> u32 {
    20
}
fn default_forward_timeout() -> u32 {
    20
}
fn default_extension_length() -> u32 {
    3
}
fn default_max_seconds() -> u32 {
    180
}
fn default_silence_seconds() -> u32 {
    10
}
fn default_min_seconds() -> u32 {
    2
}
fn default_language() -> String {
    "auto".into()
}

/// `[voicemail.human]`: a caller who asks for a person in their message ("I want to talk to
/// someone", "ich möchte mit jemandem sprechen") is forwarded to `target`, if the message's
/// category and the time allow it and this month's forwarding minutes are not used up.
/// Off unless enabled: forwarding rings someone, and its minutes may cost money.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HumanConfig {
    /// Whether callers are forwarded at all.
    #[serde(default)]
    pub enabled: bool,
    /// The number or extension forwarded callers are connected to (needed when enabled).
    #[serde(default)]
    pub target: String,
    /// What a caller says to ask for a person; inflected forms and small changes match too.
    /// Empty uses the built-in English and German phrases. `en:`/`de:` before a phrase limits
    /// it to messages in that language.
    #[serde(default)]
    pub phrases: Vec<String>,
    /// Forward only messages of these categories (names as in `[[voicemail.category]]`, e.g.
    /// `["emergency"]`); empty forwards messages of any category.
    #[serde(default)]
    pub categories: Vec<String>,
    /// Forward only within these weekday and time windows (e.g. office hours); empty means
    /// at any time.
    #[serde(default)]
    pub windows: Vec<TimeWindowConfig>,
    /// Forwarded minutes allowed per calendar month (local time): a notice at 90 %, no more
    /// forwarding at 100 % (messages are still taken).
    #[serde(default = "default_monthly_minutes")]
    pub monthly_minutes: u32,
    /// How often, in seconds of message audio, what the caller said so far is transcribed
    /// and checked for the phrases.
    #[serde(default = "default_check_seconds")]
    pub check_seconds: u32,
}

impl Default for HumanConfig {
    fn default() -> Self {
        HumanConfig {
            enabled: false,
            target: String::new(),
            phrases: Vec::new(),
            categories: Vec::new(),
            windows: Vec::new(),
            monthly_minutes: default_monthly_minutes(),
            check_seconds: default_check_seconds(),
        }
    }
}

/// `[[voicemail.human.windows]]`: some hours of some days, written like
/// `[[voicemail.greetings]]` without the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeWindowConfig {
    /// Days it applies on: `"mon"` … `"sun"`.
    pub days: Vec<Weekday>,
    /// From this time of day, `"HH:MM"` (inclusive).
    pub from: TimeOfDay,
    /// To this time of day, `"HH:MM"` (exclusive); earlier than `from` runs past midnight.
    pub to: TimeOfDay,
}

fn default_monthly_minutes() -> u32 {
    60
}
fn default_check_seconds() -> u32 {
    4
}
