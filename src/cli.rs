//! The command line as clap sees it. This is the stable contract documented in the README:
//! renaming a verb or flag here breaks users' scripts.

use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

/// How many history rows `ctl history` shows without `--limit`.
pub const DEFAULT_HISTORY_LIMIT: usize = 20;

/// Frontdesk softphone and receptionist console: headless daemon and CLI.
#[derive(Debug, Parser)]
#[command(name = "frontdesk", version, about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the engine (registrations, calls, history) until SIGINT or SIGTERM.
    Daemon(DaemonArgs),
    /// Control a running daemon.
    Ctl(CtlArgs),
    /// Manage account settings that do not belong in the config file.
    #[command(subcommand)]
    Account(AccountCommand),
    /// Transcribe a WAV file on this machine with Whisper and print the text (the code path
    /// voicemail uses), for scripts and measurements.
    Transcribe(TranscribeArgs),
}

/// Arguments of `frontdesk daemon`.
#[derive(Debug, Args)]
pub struct DaemonArgs {
    /// Config file; default $XDG_CONFIG_HOME/frontdesk/config.toml, else built-in defaults.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Loopback address for the control API; port 0 picks a free port.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    pub control_listen: SocketAddr,
    /// Serve the built web UI from DIR (e.g. ui/dist) at the control address; the daemon
    /// logs the URL to open, and `frontdesk ctl ui-url` prints it.
    #[arg(long, value_name = "DIR")]
    pub ui: Option<PathBuf>,
}

/// Arguments of `frontdesk ctl`.
#[derive(Debug, Args)]
pub struct CtlArgs {
    /// Config file, used to find the daemon's data directory.
    #[arg(long, value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,
    /// Print one JSON document (the API types as they are) instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// The request to send.
    #[command(subcommand)]
    pub verb: Verb,
}

/// The requests `frontdesk ctl` can send.
#[derive(Debug, Subcommand)]
pub enum Verb {
    /// Show accounts, listen addresses and the number of calls.
    Status,
    /// Place a call to an extension, a phone number or a sip: URI.
    Dial {
        /// Whom to call, e.g. `101`, `+49 30 1234` or `sip:alice@example.com`.
        target: String,
        /// The account to call from; the first registered one by default.
        #[arg(long, value_name = "NAME")]
        account: Option<String>,
    },
    /// Answer a ringing call (the ringing one when CALL is left out).
    Answer {
        /// Call id from `ctl calls`.
        call: Option<String>,
    },
    /// Hang up, cancel or decline a call (the obvious one when CALL is left out).
    Hangup {
        /// Call id from `ctl calls`.
        call: Option<String>,
    },
    /// Decline a ringing call: 603 Decline, or 486 Busy Here with `--busy`.
    Decline {
        /// Call id from `ctl calls`; the ringing call when left out.
        call: Option<String>,
        /// Answer 486 Busy Here instead of 603 Decline, e.g. so the caller's server offers
        /// its busy treatment or voicemail.
        #[arg(long)]
        busy: bool,
    },
    /// Put a call on hold (the far end hears music).
    Hold {
        /// Call id from `ctl calls`; the obvious call when left out.
        call: Option<String>,
    },
    /// Take a call off hold.
    Resume {
        /// Call id from `ctl calls`; the obvious call when left out.
        call: Option<String>,
    },
    /// Stop sending the microphone on a call.
    Mute {
        /// Call id from `ctl calls`; the obvious call when left out.
        call: Option<String>,
    },
    /// Send the microphone again.
    Unmute {
        /// Call id from `ctl calls`; the obvious call when left out.
        call: Option<String>,
    },
    /// Send every key of a call as DTMF, codes included (for a remote menu), or with
    /// `--off` read keypad codes again.
    KeysAsDtmf {
        /// Call id from `ctl calls`; the obvious call when left out.
        call: Option<String>,
        /// Read keypad codes again.
        #[arg(long)]
        off: bool,
    },
    /// Transfer a call to a colleague or number: blind, or announced with `--attended` (the
    /// caller waits with music while you talk to the colleague; hang up to hand over).
    Transfer {
        /// Whom to transfer to, e.g. `102`.
        target: String,
        /// Call id from `ctl calls`; the obvious call when left out.
        call: Option<String>,
        /// Talk to the colleague first (announced transfer).
        #[arg(long)]
        attended: bool,
    },
    /// Send keypad input (digits, `*`, `#`) to a call.
    Keys {
        /// The keys to send, e.g. `*123#`.
        sequence: String,
        /// Call id from `ctl calls`; the obvious call when left out.
        call: Option<String>,
    },
    /// List calls that have not ended.
    Calls,
    /// Show the busy-lamp panel: each watched colleague's extension, idle, ringing or busy.
    Blf,
    /// Show the newest calls of the history.
    History {
        /// How many calls to show.
        #[arg(long, value_name = "N", default_value_t = DEFAULT_HISTORY_LIMIT)]
        limit: usize,
    },
    /// Print events as JSON lines until interrupted.
    Events,
    /// Print the web UI's address with its token (the daemon serves it with `--ui DIR`).
    UiUrl,
}

/// Arguments of `frontdesk transcribe`.
#[derive(Debug, Args)]
pub struct TranscribeArgs {
    /// ggml Whisper model; default $FRONTDESK_WHISPER_MODEL, else the first ggml-*.bin in
    /// the models folder of the user data directory (~/.local/share/frontdesk/models).
    #[arg(long, value_name = "FILE")]
    pub model: Option<PathBuf>,
    /// Spoken language (`en`, `de`, ...); detected when left out or `auto`.
    #[arg(long, value_name = "LANG")]
    pub language: Option<String>,
    /// CPU threads for Whisper.
    #[arg(
        long,
        value_name = "N",
        default_value_t = frontdesk_transcribe::DEFAULT_THREADS,
        value_parser = clap::value_parser!(u32).range(1..=64)
    )]
    pub threads: u32,
    /// The recording: a WAV file (8/16/24/32-bit integer or float, any rate and channels).
    pub wav: PathBuf,
}

/// `frontdesk account ...` commands.
#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Store an account's password in the OS keyring, read from stdin (first line).
    SetPassword {
        /// The account's name in the config file.
        account: String,
        /// Config file; default $XDG_CONFIG_HOME/frontdesk/config.toml.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn json_and_config_are_accepted_after_the_verb() {
        let cli = Cli::try_parse_from([
            "frontdesk",
            "ctl",
            "keys",
            "*1#",
            "c2",
            "--json",
            "--config",
            "f.toml",
        ])
        .unwrap();
        let Command::Ctl(ctl) = cli.command else {
            panic!("parsed as {:?}", cli.command)
        };
        assert!(ctl.json);
        assert_eq!(ctl.config, Some(PathBuf::from("f.toml")));
        assert!(
            matches!(ctl.verb, Verb::Keys { ref sequence, call: Some(ref c) } if sequence == "*1#" && c == "c2")
        );
    }

    #[test]
    fn history_defaults_to_twenty() {
        let cli = Cli::try_parse_from(["frontdesk", "ctl", "history"]).unwrap();
        let Command::Ctl(ctl) = cli.command else {
            panic!()
        };
        assert!(matches!(ctl.verb, Verb::History { limit: 20 }));
    }

    #[test]
    fn transcribe_takes_a_wav_and_defaults_to_two_threads() {
        let cli = Cli::try_parse_from(["frontdesk", "transcribe", "m.wav"]).unwrap();
        let Command::Transcribe(args) = cli.command else {
            panic!()
        };
        assert_eq!(args.wav, PathBuf::from("m.wav"));
        assert_eq!((args.model, args.language, args.threads), (None, None, 2));
        let cli = Cli::try_parse_from([
            "frontdesk",
            "transcribe",
            "--model",
            "ggml-base.bin",
            "--language",
            "de",
            "--threads",
            "4",
            "m.wav",
        ])
        .unwrap();
        let Command::Transcribe(args) = cli.command else {
            panic!()
        };
        assert_eq!(args.model, Some(PathBuf::from("ggml-base.bin")));
        assert_eq!(args.language.as_deref(), Some("de"));
        assert_eq!(args.threads, 4);
        assert!(
            Cli::try_parse_from(["frontdesk", "transcribe", "--threads", "0", "m.wav"]).is_err()
        );
        assert!(Cli::try_parse_from(["frontdesk", "transcribe"]).is_err());
    }

    #[test]
    fn daemon_takes_a_ui_dir_and_ctl_has_ui_url() {
        let cli = Cli::try_parse_from(["frontdesk", "daemon", "--ui", "ui/dist"]).unwrap();
        let Command::Daemon(daemon) = cli.command else {
            panic!()
        };
        assert_eq!(daemon.ui, Some(PathBuf::from("ui/dist")));
        let cli = Cli::try_parse_from(["frontdesk", "ctl", "ui-url"]).unwrap();
        let Command::Ctl(ctl) = cli.command else {
            panic!()
        };
        assert!(matches!(ctl.verb, Verb::UiUrl));
    }
}
