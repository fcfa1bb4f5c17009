//! Account passwords: OS keyring first-class, environment variable as fallback.
//!
//! Entries live under the service name [`SERVICE`] with the account name as
//! the user, so they show up as "frontdesk / office" in Seahorse, Keychain
//! Access or the Windows Credential Manager.
//!
//! A connection to the keyring is opened per call rather than cached: the
//! calls are rare (set-password, registration), and a keyring that starts
//! after Frontdesk is then picked up without a restart.

use std::fmt;
use std::sync::Arc;

use keyring_core::api::CredentialStore;
use keyring_core::Entry;

use crate::AccountConfig;

/// Keyring service name under which all Frontdesk passwords are stored.
pub const SERVICE: &str = "frontdesk";

/// A password that cannot be printed by accident: `Debug` and `Display`
/// show `***`, and the memory is overwritten when it is dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// Wraps a password string.
    pub fn new(secret: impl Into<String>) -> Password {
        Password(secret.into())
    }

    /// The actual password, for the one place that needs it (digest auth).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Password {
    fn from(secret: String) -> Password {
        Password(secret)
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl Drop for Password {
    fn drop(&mut self) {
        // SAFETY: writing zero bytes keeps the string valid UTF-8.
        for byte in unsafe { self.0.as_bytes_mut() } {
            // Volatile so the compiler cannot drop the "dead" stores.
            unsafe { std::ptr::write_volatile(byte, 0) };
        }
    }
}

/// Why a password could not be stored, read or deleted.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// No keyring service is reachable (e.g. no Secret Service on the D-Bus session).
    #[error(
        "no OS keyring available ({detail}). On Linux a Secret Service must be running: \
         install gnome-keyring (or KeePassXC with Secret Service enabled) and log in to a \
         desktop session; on a headless machine set password_env = \"SOME_VAR\" for the \
         account in the config file and export SOME_VAR instead"
    )]
    NoKeyring {
        /// What the platform said.
        detail: String,
    },

    /// The keyring is there but locked or access was refused.
    #[error(
        "the OS keyring refused access ({detail}); unlock it (log in to the desktop, or \
         run `gnome-keyring-daemon --unlock`) and try again, or use password_env"
    )]
    Locked {
        /// What the platform said.
        detail: String,
    },

    /// The account name cannot be used as a keyring entry.
    #[error("invalid account name `{0}`: use only letters, digits, `_` and `-`")]
    InvalidAccountName(String),

    /// An empty password was given to [`set_password`].
    #[error("the password is empty; nothing was stored")]
    EmptyPassword,

    /// The stored secret is not UTF-8 text (written by another program?).
    #[error(
        "the keyring entry for account `{account}` is not text; \
         run `frontdesk account set-password {account}` to replace it"
    )]
    NotText {
        /// The account whose entry is unreadable.
        account: String,
    },

    /// Several keyring entries match one account.
    #[error(
        "several keyring entries exist for account `{account}`; remove them with \
         `frontdesk account delete-password {account}` (or your keyring manager) \
         and set the password again"
    )]
    Ambiguous {
        /// The account with duplicate entries.
        account: String,
    },

    /// `password_env` names a variable whose value is not valid Unicode.
    #[error("environment variable {var} (password_env) is not valid Unicode")]
    EnvNotUnicode {
        /// The variable's name.
        var: String,
    },

    /// Any other keyring failure.
    #[error("OS keyring error for account `{account}`: {detail}")]
    Keyring {
        /// The account being accessed.
        account: String,
        /// What the platform said.
        detail: String,
    },
}

/// Checks that the OS keyring can be reached, for diagnostics
/// (`frontdesk doctor`) and to decide whether keyring tests can run.
pub fn keyring_status() -> Result<(), SecretError> {
    open_store().map(drop)
}

/// Stores (or replaces) the password of `account_name` in the OS keyring.
pub fn set_password(account_name: &str, password: &str) -> Result<(), SecretError> {
    if password.is_empty() {
        return Err(SecretError::EmptyPassword);
    }
    let entry = entry(account_name)?;
    entry
        .set_password(password)
        .map_err(|e| map_error(account_name, e))
}

/// The password for `account`: the `password_env` variable if it is set and
/// non-empty, else the keyring entry; `Ok(None)` if neither has one.
///
/// The keyring is only contacted when the environment does not supply the
/// password, so headless machines without a keyring work via `password_env`.
pub fn get_password(account: &AccountConfig) -> Result<Option<Password>, SecretError> {
    if let Some(var) = &account.password_env {
        match std::env::var(var) {
            Ok(value) if !value.is_empty() => return Ok(Some(Password(value))),
            Ok(_) | Err(std::env::VarError::NotPresent) => {}
            Err(std::env::VarError::NotUnicode(_)) => {
                return Err(SecretError::EnvNotUnicode { var: var.clone() })
            }
        }
    }
    keyring_password(&account.name)
}

/// The password stored in the OS keyring for `account_name`, ignoring `password_env`.
pub fn keyring_password(account_name: &str) -> Result<Option<Password>, SecretError> {
    let entry = entry(account_name)?;
    match entry.get_password() {
        Ok(secret) => Ok(Some(Password(secret))),
        Err(keyring_core::Error::NoEntry) => Ok(None),
        Err(e) => Err(map_error(account_name, e)),
    }
}

/// The keyring user name of the voicemail's SMTP password: not a valid account name, so it
/// never collides with an account's entry.
const EMAIL_ENTRY: &str = "voicemail e-mail";

/// The voicemail's SMTP password: `password_env` if set and non-empty, else the keyring.
pub fn email_password(email: &crate::EmailConfig) -> Result<Option<Password>, SecretError> {
    if let Some(var) = &email.password_env {
        match std::env::var(var) {
            Ok(value) if !value.is_empty() => return Ok(Some(Password(value))),
            Ok(_) | Err(std::env::VarError::NotPresent) => {}
            Err(std::env::VarError::NotUnicode(_)) => {
                return Err(SecretError::EnvNotUnicode { var: var.clone() })
            }
        }
    }
    let entry = open_store()?
        .build(SERVICE, EMAIL_ENTRY, None)
        .map_err(|e| map_error(EMAIL_ENTRY, e))?;
    match entry.get_password() {
        Ok(secret) => Ok(Some(Password(secret))),
        Err(keyring_core::Error::NoEntry) => Ok(None),
        Err(e) => Err(map_error(EMAIL_ENTRY, e)),
    }
}

/// Stores (or replaces) the voicemail's SMTP password in the OS keyring.
pub fn set_email_password(password: &str) -> Result<(), SecretError> {
    if password.is_empty() {
        return Err(SecretError::EmptyPassword);
    }
    open_store()?
        .build(SERVICE, EMAIL_ENTRY, None)
        .map_err(|e| map_error(EMAIL_ENTRY, e))?
        .set_password(password)
        .map_err(|e| map_error(EMAIL_ENTRY, e))
}

/// Removes the keyring entry of `account_name`; `Ok(false)` if there was none.
pub fn delete_password(account_name: &str) -> Result<bool, SecretError> {
    let entry = entry(account_name)?;
    match entry.delete_credential() {
        Ok(()) => Ok(true),
        Err(keyring_core::Error::NoEntry) => Ok(false),
        Err(e) => Err(map_error(account_name, e)),
    }
}

fn entry(account_name: &str) -> Result<Entry, SecretError> {
    if !AccountConfig::is_valid_name(account_name) {
        return Err(SecretError::InvalidAccountName(account_name.to_string()));
    }
    open_store()?
        .build(SERVICE, account_name, None)
        .map_err(|e| map_error(account_name, e))
}

fn open_store() -> Result<Arc<CredentialStore>, SecretError> {
    platform_store().map_err(|e| SecretError::NoKeyring {
        detail: e.to_string(),
    })
}

#[cfg(target_os = "macos")]
fn platform_store() -> keyring_core::Result<Arc<CredentialStore>> {
    Ok(apple_native_keyring_store::keychain::Store::new()?)
}

#[cfg(target_os = "windows")]
fn platform_store() -> keyring_core::Result<Arc<CredentialStore>> {
    Ok(windows_native_keyring_store::Store::new()?)
}

#[cfg(all(
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
))]
fn platform_store() -> keyring_core::Result<Arc<CredentialStore>> {
    Ok(zbus_secret_service_keyring_store::Store::new()?)
}

#[cfg(not(any(
    target_os = "macos",
    target_os = "windows",
    all(
        unix,
        not(any(target_os = "macos", target_os = "ios", target_os = "android"))
    )
)))]
fn platform_store() -> keyring_core::Result<Arc<CredentialStore>> {
    Err(keyring_core::Error::NotSupportedByStore(
        "this platform has no supported OS keyring".to_string(),
    ))
}

fn map_error(account: &str, err: keyring_core::Error) -> SecretError {
    use keyring_core::Error as E;
    match err {
        E::NoStorageAccess(detail) => SecretError::Locked {
            detail: detail.to_string(),
        },
        E::BadEncoding(_) | E::BadDataFormat(..) => SecretError::NotText {
            account: account.to_string(),
        },
        E::Ambiguous(_) => SecretError::Ambiguous {
            account: account.to_string(),
        },
        E::NoDefaultStore => SecretError::NoKeyring {
            detail: err.to_string(),
        },
        other => SecretError::Keyring {
            account: account.to_string(),
            detail: other.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_never_prints() {
        let pw = Password::new("hunter2");
        assert_eq!(format!("{pw:?}"), "***");
        assert_eq!(format!("{pw}"), "***");
        assert_eq!(format!("{:?}", Some(pw.clone())), "Some(***)");
        assert_eq!(pw.expose(), "hunter2");
    }

    #[test]
    fn bad_account_names_never_reach_the_keyring() {
        for bad in ["", "a b", "../x", "name\n"] {
            assert!(matches!(
                set_password(bad, "pw"),
                Err(SecretError::InvalidAccountName(_))
            ));
            assert!(matches!(
                delete_password(bad),
                Err(SecretError::InvalidAccountName(_))
            ));
        }
        assert!(matches!(
            set_password("ok", ""),
            Err(SecretError::EmptyPassword)
        ));
    }

    #[test]
    fn no_keyring_error_says_what_to_do() {
        let msg = SecretError::NoKeyring {
            detail: "no D-Bus".into(),
        }
        .to_string();
        assert!(msg.contains("gnome-keyring"), "{msg}");
        assert!(msg.contains("password_env"), "{msg}");
    }
}
