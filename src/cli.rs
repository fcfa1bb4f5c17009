//! The command line as clap sees it. This is the stable contract documented in the README:
//! renaming a verb or flag here breaks users' scripts.

use clap::{Args, Parser, Subcommand, ValueEnum};
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
    /// Manage voicemail settings that do not belong in the config file.
    #[command(subcommand)]
    Voicemail(VoicemailCommand),
    /// Transcribe a WAV file on this machine with Whisper and print the text (the code path
    /// voicemail uses), for scripts and measurements.
    Transcribe(TranscribeArgs),
    /// Install, list and remove the Whisper speech models the voicemail transcribes with.
    #[command(subcommand)]
    Model(ModelCommand),
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
    /// The voicemail inbox: list messages and call attempts, newest first (with filters), or
    /// show, mark, delete or export one, or count them per day and month.
    Inbox(InboxArgs),
    /// The contact book callers are recognised by: list (with --search), or import a CSV or
    /// vCard file, or delete a contact.
    Contacts(ContactsArgs),
    /// Show do-not-disturb, or switch it: `on` sends every call to the voicemail at once.
    /// The switch is kept across restarts and wins over `[voicemail] do_not_disturb`.
    Dnd {
        /// `on` or `off`; without it, the current state is printed.
        state: Option<OnOff>,
    },
    /// Print events as JSON lines until interrupted.
    Events,
    /// Print the web UI's address with its token (the daemon serves it with `--ui DIR`).
    UiUrl,
}

/// A switch's position on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnOff {
    /// Switch it on.
    On,
    /// Switch it off.
    Off,
}

/// How many inbox entries `ctl inbox` lists without `--limit`.
pub const DEFAULT_INBOX_LIMIT: usize = 20;

/// Arguments of `frontdesk ctl inbox`: a list (the filters) or one of the actions.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct InboxArgs {
    /// What to do with one entry; without it, the inbox is listed.
    #[command(subcommand)]
    pub action: Option<InboxAction>,
    /// Filters for the list.
    #[command(flatten)]
    pub list: InboxListArgs,
}

/// Filters of `ctl inbox`; every one given must match.
#[derive(Debug, Clone, Args)]
pub struct InboxListArgs {
    /// Words to find in transcripts, callers, contacts and categories (each word matches as
    /// a prefix, accents are ignored), or digits of a calling number.
    #[arg(long, value_name = "TEXT")]
    pub search: Option<String>,
    /// Only this category, e.g. `invoice`.
    #[arg(long, value_name = "NAME")]
    pub category: Option<String>,
    /// Only entries not yet read.
    #[arg(long)]
    pub unread: bool,
    /// Only this mailbox (an account's name, `direct`, or a number in mailbox mode).
    #[arg(long, value_name = "NAME")]
    pub mailbox: Option<String>,
    /// Only messages, without call attempts.
    #[arg(long)]
    pub messages: bool,
    /// How many entries to show.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_INBOX_LIMIT)]
    pub limit: usize,
}

/// `ctl inbox <action>`.
#[derive(Debug, Subcommand)]
pub enum InboxAction {
    /// Show one message with its whole transcript.
    Show {
        /// The id `ctl inbox` lists.
        #[arg(value_parser = voicemail_id)]
        id: i64,
    },
    /// Mark a message read.
    MarkRead {
        /// The id `ctl inbox` lists.
        #[arg(value_parser = voicemail_id)]
        id: i64,
    },
    /// Mark a message unread again.
    MarkUnread {
        /// The id `ctl inbox` lists.
        #[arg(value_parser = voicemail_id)]
        id: i64,
    },
    /// Delete a message and its recording.
    Delete {
        /// The id `ctl inbox` lists.
        #[arg(value_parser = voicemail_id)]
        id: i64,
    },
    /// Write a message's recording (WAV) and transcript (text) into DIR.
    Export {
        /// The id `ctl inbox` lists.
        #[arg(value_parser = voicemail_id)]
        id: i64,
        /// Where to write them; created if missing.
        dir: PathBuf,
    },
    /// Count messages and call attempts per day (7 and 30 days) and month (12 months).
    Counts {
        /// Only this mailbox.
        #[arg(long, value_name = "NAME")]
        mailbox: Option<String>,
        /// Where days begin: local time minus UTC in minutes (default: this machine's).
        #[arg(long, value_name = "MINUTES", allow_negative_numbers = true)]
        utc_offset: Option<i32>,
    },
}

/// Arguments of `frontdesk ctl contacts`: the list (with a search) or one action.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ContactsArgs {
    /// What to do; without it, the contacts are listed by name.
    #[command(subcommand)]
    pub action: Option<ContactsAction>,
    /// Words to find in names, companies, addresses, e-mail addresses and numbers (each word
    /// must occur; case is ignored), or digits of a number.
    #[arg(long, value_name = "TEXT")]
    pub search: Option<String>,
}

/// `ctl contacts <action>`.
#[derive(Debug, PartialEq, Eq, Subcommand)]
pub enum ContactsAction {
    /// Import a CSV file (the template assets/contacts-template.csv: name, company, phone,
    /// mobile, street, postcode, city, email) or a vCard file; contacts already there (same
    /// name and company) are updated, rows with problems are skipped and reported by line.
    Import {
        /// The file; its format is told from the content unless --format says it.
        file: PathBuf,
        /// `csv` or `vcard`.
        #[arg(long, value_enum)]
        format: Option<ContactFileFormat>,
    },
    /// Delete a contact.
    Delete {
        /// The id `ctl contacts` lists.
        #[arg(value_parser = contact_id)]
        id: i64,
    },
}

/// The formats `ctl contacts import --format` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ContactFileFormat {
    /// Comma, semicolon or tab separated, with a header line.
    Csv,
    /// vCard 2.1, 3.0 or 4.0 (.vcf).
    Vcard,
}

/// A contact id on the command line, with a message that says where ids come from.
fn contact_id(text: &str) -> Result<i64, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a contact id; `frontdesk ctl contacts` lists them"))
}

/// A voicemail id on the command line, with a message that says where ids come from.
fn voicemail_id(text: &str) -> Result<i64, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a voicemail id; `frontdesk ctl inbox` lists them"))
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

/// `frontdesk voicemail ...`.
#[derive(Debug, Subcommand)]
pub enum VoicemailCommand {
    /// Store the SMTP password of `[voicemail.email]` in the OS keyring, read from stdin.
    SetEmailPassword {
        /// Config file; default $XDG_CONFIG_HOME/frontdesk/config.toml.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
}

/// `frontdesk model ...`: the Whisper models in the data directory's `models` folder.
#[derive(Debug, Subcommand)]
pub enum ModelCommand {
    /// The standard Whisper models with their sizes, which are installed and where, and
    /// which one the voicemail uses.
    List {
        /// Config file (data directory, [voicemail] model settings); default
        /// $XDG_CONFIG_HOME/frontdesk/config.toml.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Download a model into the models folder, checked by its SHA-256 before it is used;
    /// an interrupted download resumes when run again.
    Install(ModelInstallArgs),
    /// Delete an installed model (and a partial download of it).
    Remove {
        /// The model's name, as `frontdesk model list` shows it.
        name: String,
        /// Config file; default $XDG_CONFIG_HOME/frontdesk/config.toml.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
}

/// Arguments of `frontdesk model install`.
#[derive(Debug, Args)]
pub struct ModelInstallArgs {
    /// The model (`frontdesk model list`); default [voicemail] model_name, else `base`.
    pub name: Option<String>,
    /// Where to download from: the folder holding the ggml-*.bin files, or the model file
    /// itself; default [voicemail] model_url, else whisper.cpp's models on Hugging Face.
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// The SHA-256 the file must have (64 hex digits); default [voicemail] model_sha256 for
    /// the configured model, else the SHA256SUMS file next to the models, else the SHA-256 the
    /// server announces for the file (Hugging Face's X-Linked-Etag).
    #[arg(long, value_name = "HEX", value_parser = sha256_digest)]
    pub sha256: Option<frontdesk_models::Sha256Digest>,
    /// Install without checking a SHA-256 (when none is published); the computed digest is
    /// printed, to compare with one you trust.
    #[arg(long, conflicts_with = "sha256")]
    pub no_verify: bool,
    /// Config file; default $XDG_CONFIG_HOME/frontdesk/config.toml.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// A SHA-256 on the command line.
fn sha256_digest(text: &str) -> Result<frontdesk_models::Sha256Digest, String> {
    text.parse()
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

    fn inbox(args: &[&str]) -> InboxArgs {
        let cli = Cli::try_parse_from(["frontdesk", "ctl", "inbox"].iter().chain(args)).unwrap();
        let Command::Ctl(CtlArgs {
            verb: Verb::Inbox(inbox),
            ..
        }) = cli.command
        else {
            panic!("parsed as {:?}", cli.command)
        };
        inbox
    }

    #[test]
    fn inbox_lists_with_filters() {
        let plain = inbox(&[]);
        assert!(plain.action.is_none());
        assert_eq!(plain.list.limit, DEFAULT_INBOX_LIMIT);
        assert!(!plain.list.unread && plain.list.search.is_none());

        let filtered = inbox(&[
            "--search",
            "\"call me\" OR *",
            "--category",
            "invoice",
            "--unread",
            "--mailbox",
            "office",
            "--messages",
            "--limit",
            "5",
            "--json",
        ]);
        assert!(filtered.action.is_none());
        let list = filtered.list;
        assert_eq!(list.search.as_deref(), Some("\"call me\" OR *"));
        assert_eq!(list.category.as_deref(), Some("invoice"));
        assert_eq!(list.mailbox.as_deref(), Some("office"));
        assert!(list.unread && list.messages);
        assert_eq!(list.limit, 5);
    }

    #[test]
    fn inbox_actions_take_an_id() {
        assert!(matches!(
            inbox(&["show", "12", "--json"]).action,
            Some(InboxAction::Show { id: 12 })
        ));
        assert!(matches!(
            inbox(&["mark-read", "3"]).action,
            Some(InboxAction::MarkRead { id: 3 })
        ));
        assert!(matches!(
            inbox(&["mark-unread", "3"]).action,
            Some(InboxAction::MarkUnread { id: 3 })
        ));
        assert!(matches!(
            inbox(&["delete", "4"]).action,
            Some(InboxAction::Delete { id: 4 })
        ));
        let Some(InboxAction::Export { id: 5, dir }) = inbox(&["export", "5", "out"]).action else {
            panic!()
        };
        assert_eq!(dir, PathBuf::from("out"));
        assert!(matches!(
            inbox(&["counts", "--utc-offset", "-300"]).action,
            Some(InboxAction::Counts {
                utc_offset: Some(-300),
                mailbox: None
            })
        ));
    }

    #[test]
    fn contacts_list_with_a_search_import_a_file_and_delete_by_id() {
        let parse = |args: &[&str]| {
            let cli =
                Cli::try_parse_from(["frontdesk", "ctl", "contacts"].iter().chain(args)).unwrap();
            match cli.command {
                Command::Ctl(CtlArgs {
                    verb: Verb::Contacts(contacts),
                    ..
                }) => contacts,
                other => panic!("{other:?}"),
            }
        };
        let listed = parse(&["--search", "schmidt", "--json"]);
        assert_eq!(
            (listed.action, listed.search.as_deref()),
            (None, Some("schmidt"))
        );
        assert_eq!(
            parse(&["import", "book.vcf", "--format", "vcard"]).action,
            Some(ContactsAction::Import {
                file: "book.vcf".into(),
                format: Some(ContactFileFormat::Vcard)
            })
        );
        assert_eq!(
            parse(&["delete", "7"]).action,
            Some(ContactsAction::Delete { id: 7 })
        );
        let error =
            Cli::try_parse_from(["frontdesk", "ctl", "contacts", "delete", "x"]).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("`x` is not a contact id; `frontdesk ctl contacts` lists them"),
            "{error}"
        );
        assert!(Cli::try_parse_from(["frontdesk", "ctl", "contacts", "import"]).is_err());
        let mixed = [
            "frontdesk",
            "ctl",
            "contacts",
            "--search",
            "x",
            "delete",
            "1",
        ];
        assert!(Cli::try_parse_from(mixed).is_err());
    }

    #[test]
    fn inbox_refuses_bad_ids_and_mixed_forms() {
        let error = Cli::try_parse_from(["frontdesk", "ctl", "inbox", "show", "abc"]).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("`abc` is not a voicemail id; `frontdesk ctl inbox` lists them"),
            "{error}"
        );
        assert!(Cli::try_parse_from(["frontdesk", "ctl", "inbox", "show"]).is_err());
        assert!(Cli::try_parse_from(["frontdesk", "ctl", "inbox", "export", "1"]).is_err());
        assert!(
            Cli::try_parse_from(["frontdesk", "ctl", "inbox", "--unread", "delete", "1"]).is_err(),
            "list filters do not go with an action"
        );
        assert!(Cli::try_parse_from(["frontdesk", "ctl", "inbox", "--limit", "x"]).is_err());
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

    #[test]
    fn model_commands_take_names_urls_and_digests() {
        let parse = |args: &[&str]| {
            let cli = Cli::try_parse_from(["frontdesk", "model"].iter().chain(args)).unwrap();
            match cli.command {
                Command::Model(command) => command,
                other => panic!("{other:?}"),
            }
        };
        assert!(matches!(
            parse(&["list"]),
            ModelCommand::List { config: None }
        ));
        let ModelCommand::Install(plain) = parse(&["install"]) else {
            panic!()
        };
        assert!(plain.name.is_none() && plain.url.is_none() && plain.sha256.is_none());
        assert!(!plain.no_verify);
        let digest = "49b35c0f0fa5e8fe48396546d4c3308e7cc3e8a50589273a99710c76fd373fdf";
        let ModelCommand::Install(full) = parse(&[
            "install",
            "small.en",
            "--url",
            "http://127.0.0.1:8080/models",
            "--sha256",
            &digest.to_uppercase(),
            "--config",
            "f.toml",
        ]) else {
            panic!()
        };
        assert_eq!(full.name.as_deref(), Some("small.en"));
        assert_eq!(full.url.as_deref(), Some("http://127.0.0.1:8080/models"));
        assert_eq!(full.sha256.unwrap().to_string(), digest);
        assert_eq!(full.config, Some(PathBuf::from("f.toml")));
        let ModelCommand::Install(unchecked) = parse(&["install", "tiny", "--no-verify"]) else {
            panic!()
        };
        assert!(unchecked.no_verify);
        assert!(matches!(
            parse(&["remove", "base"]),
            ModelCommand::Remove { ref name, .. } if name == "base"
        ));
        let error =
            Cli::try_parse_from(["frontdesk", "model", "install", "--sha256", "abc"]).unwrap_err();
        assert!(error.to_string().contains("64 hex digits"), "{error}");
        assert!(Cli::try_parse_from([
            "frontdesk",
            "model",
            "install",
            "--sha256",
            digest,
            "--no-verify"
        ])
        .is_err());
        assert!(Cli::try_parse_from(["frontdesk", "model", "remove"]).is_err());
    }
}
