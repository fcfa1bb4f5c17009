//! Frontdesk's configuration file and password storage.
//!
//! [`Config`] is loaded from TOML with every table rejecting unknown keys;
//! errors name the key and line so the user can fix the file directly.
//! Passwords are never part of the file: [`secrets`] keeps them in the OS
//! keyring, or reads them from an environment variable named in the config.

mod addr;
mod error;
mod load;
mod locate;
mod model;
pub mod secrets;
mod voicemail;

/// The dial plan types an account's `[account.dial_plan]` turns into.
pub use frontdesk_dialplan::{DialPlan, SettingError as DialPlanError};

pub use addr::{HostPort, Registrar};
pub use error::{ConfigError, Location};
pub use load::CONFIG_FILE_NAME;
pub use model::{
    AccountConfig, AudioBackend, AudioConfig, CodeProfile, CodecName, Config, DataConfig,
    DialPlanConfig, DtmfConfig, SipConfig, Transport, DEFAULT_LISTEN, DEFAULT_REGISTER_EXPIRES,
    MIN_REGISTER_EXPIRES,
};
pub use voicemail::{
    CategoryConfig, EmailAttach, EmailConfig, EmailTls, GreetingWindowConfig, MailboxConfig,
    TimeOfDay, VoicemailConfig, Weekday,
};
/// `[voicemail.human]`: forwarding callers who ask for a person.
pub use voicemail::{HumanConfig, TimeWindowConfig};
