//! `frontdesk account set-password` and `frontdesk voicemail set-email-password`: put a
//! password into the OS keyring.
//!
//! The password comes from stdin so that it never appears in the process list or shell
//! history; on a terminal it is read without echo. It is never printed or logged.

use crate::failure::Failure;
use crate::settings;
use frontdesk_config::secrets::{self, Password};
use std::io::{self, BufRead, IsTerminal};
use std::path::Path;

/// Checks that `account` is configured, reads its password and stores it in the keyring.
pub fn set_password(account: &str, config: Option<&Path>) -> Result<(), Failure> {
    let config = settings::load(config)?;
    if config.account(account).is_none() {
        let known: Vec<&str> = config.accounts.iter().map(|a| a.name.as_str()).collect();
        let known = if known.is_empty() {
            "there are no accounts in it".to_owned()
        } else {
            format!("configured accounts: {}", known.join(", "))
        };
        return Err(Failure::Usage(format!(
            "account `{account}` is not in the config ({known}); add an [[account]] with \
             name = \"{account}\" first, or pass the right file with --config"
        )));
    }
    let password = read_password(&format!("account `{account}`"))?;
    if password.expose().is_empty() {
        return Err(Failure::Usage(
            "the password is empty; nothing was stored (pipe the password in on the first \
             line of stdin)"
                .to_owned(),
        ));
    }
    secrets::set_password(account, password.expose())
        .map_err(|e| Failure::Refused(e.to_string()))?;
    eprintln!("stored the password of account `{account}` in the OS keyring");
    Ok(())
}

/// Checks that `[voicemail.email]` is configured with a login, reads the SMTP password and
/// stores it in the keyring.
pub fn set_email_password(config: Option<&Path>) -> Result<(), Failure> {
    let config = settings::load(config)?;
    let Some(email) = &config.voicemail.email else {
        return Err(Failure::Usage(
            "there is no [voicemail.email] in the config; add it (server, from, to, username) \
             first, or pass the right file with --config"
                .to_owned(),
        ));
    };
    let Some(user) = &email.username else {
        return Err(Failure::Usage(format!(
            "[voicemail.email] has no username, so {} is used without a login and needs no \
             password",
            email.server
        )));
    };
    let password = read_password(&format!("{user} at {}", email.server))?;
    if password.expose().is_empty() {
        return Err(Failure::Usage(
            "the password is empty; nothing was stored (pipe the password in on the first \
             line of stdin)"
                .to_owned(),
        ));
    }
    secrets::set_email_password(password.expose()).map_err(|e| Failure::Refused(e.to_string()))?;
    eprintln!("stored the voicemail e-mail password in the OS keyring");
    Ok(())
}

/// The first line of stdin without its line end; on a terminal, prompted without echo.
fn read_password(whose: &str) -> Result<Password, Failure> {
    let unreadable = |e: io::Error| Failure::Usage(format!("cannot read the password: {e}"));
    if io::stdin().is_terminal() {
        let prompt = format!("Password for {whose}: ");
        return rpassword::prompt_password(prompt)
            .map(Password::new)
            .map_err(unreadable);
    }
    let mut line = String::new();
    io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(unreadable)?;
    let password = Password::new(strip_line_end(&line));
    // Overwrite our copy; `Password` clears its own on drop.
    drop(Password::new(line));
    Ok(password)
}

fn strip_line_end(line: &str) -> &str {
    line.strip_suffix('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .unwrap_or(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_line_end_is_stripped() {
        assert_eq!(strip_line_end("pw\n"), "pw");
        assert_eq!(strip_line_end("pw\r\n"), "pw");
        assert_eq!(strip_line_end(" pw \n"), " pw ");
        assert_eq!(strip_line_end("pw"), "pw");
        assert_eq!(strip_line_end("\n"), "");
    }
}
