//! `frontdesk`: the headless daemon and the CLI that controls it.
//!
//! - `frontdesk daemon [--config FILE] [--control-listen ADDR] [--ui DIR]` runs the engine
//!   (and serves the web UI from DIR);
//! - `frontdesk ctl [--config FILE] <verb> [--json]` sends one request to it;
//! - `frontdesk account set-password <account> [--config FILE]` stores a password;
//! - `frontdesk transcribe [--model M] [--language L] [--threads N] <wav>` prints what was said;
//! - `frontdesk model list|install|remove` manages the Whisper models.
//!
//! Exit codes: 0 ok, 1 request refused, 2 usage or config error, 3 no daemon running.

mod account;
mod cli;
mod contacts;
mod ctl;
mod daemon;
mod failure;
mod human;
mod model;
mod settings;
mod transcribe;

use clap::Parser;
use cli::{AccountCommand, Cli, Command, VoicemailCommand};
use failure::Failure;
use std::process::ExitCode;

fn main() -> ExitCode {
    // clap prints usage errors itself and exits with 2, as the contract wants.
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Account(AccountCommand::SetPassword { account, config }) => {
            account::set_password(&account, config.as_deref())
        }
        Command::Voicemail(VoicemailCommand::SetEmailPassword { config }) => {
            account::set_email_password(config.as_deref())
        }
        Command::Ctl(args) => runtime().and_then(|rt| rt.block_on(ctl::run(args))),
        Command::Daemon(args) => {
            // whisper.cpp reports every model load and decoding state at info: keep to warnings.
            init_logging("info,whisper_rs=warn");
            runtime().and_then(|rt| rt.block_on(daemon::run(args)))
        }
        Command::Transcribe(args) => {
            // stdout carries only the transcript; whisper.cpp's chatter stays below `warn`.
            init_logging("warn");
            transcribe::run(args)
        }
        Command::Model(command) => {
            init_logging("warn");
            runtime().and_then(|rt| rt.block_on(model::run(command)))
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("frontdesk: {failure}");
            failure.exit_code()
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Runtime::new()
        .map_err(|e| Failure::Refused(format!("cannot start the async runtime: {e}")))
}

/// Logs to stderr, filtered by `RUST_LOG` (else `default`).
fn init_logging(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
