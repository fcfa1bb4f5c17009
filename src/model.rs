//! `frontdesk model list|install|remove`: the Whisper model manager on the command line,
//! working on the models folder of the config's data directory (`<data dir>/models`), where
//! the voicemail finds what is installed — a running daemon too, within seconds.

use crate::cli::{ModelCommand, ModelInstallArgs};
use crate::failure::Failure;
use crate::settings;
use frontdesk_config::Config;
use frontdesk_models::{
    installed, lookup, models_dir, validate_name, DigestSource, Downloader, InstallReport,
    InstallRequest, InstalledModel, ModelError, ModelLookup, Progress, Sha256Digest, Verify,
    CATALOGUE, DEFAULT_BASE_URL, DEFAULT_MODEL,
};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Runs one `frontdesk model` command.
pub async fn run(command: ModelCommand) -> Result<(), Failure> {
    match command {
        ModelCommand::List { config } => list(&settings::load(config.as_deref())?),
        ModelCommand::Install(args) => {
            let config = settings::load(args.config.as_deref())?;
            install(&config, args).await
        }
        ModelCommand::Remove { name, config } => remove(&settings::load(config.as_deref())?, &name),
    }
}

/// The model the voicemail would use with this config: the same lookup the engine makes.
fn voicemail_lookup(config: &Config) -> ModelLookup {
    ModelLookup {
        configured: config.voicemail.model.clone(),
        from_env: std::env::var_os(frontdesk_transcribe::MODEL_ENV)
            .filter(|value| !value.is_empty())
            .map(PathBuf::from),
        models_dir: models_dir(&config.data.dir),
        preferred: preferred_name(config).to_owned(),
        fallback_dir: frontdesk_transcribe::models_dir(),
    }
}

/// `[voicemail] model_name`, else the manager's default.
fn preferred_name(config: &Config) -> &str {
    config
        .voicemail
        .model_name
        .as_deref()
        .unwrap_or(DEFAULT_MODEL)
}

/// The catalogue as a table with what is installed, then other installed models, the folder
/// and the model the voicemail uses.
fn list(config: &Config) -> Result<(), Failure> {
    let dir = models_dir(&config.data.dir);
    let found = installed(&dir);
    let preferred = preferred_name(config);
    let in_use = voicemail_lookup(config).find();
    println!(
        "{:<22} {:>9}  {:<13} installed",
        "model", "size", "languages"
    );
    let row = |name: &str, size: String, languages: &str| {
        let mark = if name == preferred { " *" } else { "" };
        let state = state_of(name, &found, in_use.as_deref());
        let line = format!(
            "{:<22} {:>9}  {:<13} {state}",
            format!("{name}{mark}"),
            size,
            languages
        );
        println!("{}", line.trim_end());
    };
    for entry in CATALOGUE {
        let languages = match entry.languages {
            frontdesk_models::Languages::English => "English",
            frontdesk_models::Languages::Multilingual => "multilingual",
        };
        row(entry.name, format!("{} MB", entry.approx_mb), languages);
    }
    let mut others: Vec<&InstalledModel> = found
        .iter()
        .filter(|model| lookup(&model.name).is_none())
        .collect();
    others.dedup_by(|a, b| a.name == b.name);
    for model in others {
        row(&model.name, megabytes(model.bytes), "?");
    }
    println!();
    println!("* the configured model ([voicemail] model_name, default {DEFAULT_MODEL})");
    println!("models folder: {}", dir.display());
    match &in_use {
        Some(path) => println!("the voicemail uses: {}", path.display()),
        None => match &config.voicemail.model {
            Some(configured) => println!(
                "the voicemail has no model: [voicemail] model = {} is missing",
                configured.display()
            ),
            None => println!(
                "the voicemail has no model: `frontdesk model install` installs {preferred}"
            ),
        },
    }
    Ok(())
}

/// The "installed" column for model `name`.
fn state_of(name: &str, found: &[InstalledModel], in_use: Option<&Path>) -> String {
    let mut parts = Vec::new();
    for model in found.iter().filter(|model| model.name == name) {
        if model.partial {
            parts.push(format!(
                "partial download ({}; `install {name}` resumes it)",
                megabytes(model.bytes)
            ));
        } else if in_use == Some(model.path.as_path()) {
            parts.push("yes, used by the voicemail".to_owned());
        } else {
            parts.push("yes".to_owned());
        }
    }
    parts.join(", ")
}

fn megabytes(bytes: u64) -> String {
    format!("{:.0} MB", bytes as f64 / 1e6)
}

/// Downloads, checks and installs one model, with a progress line on stderr.
async fn install(config: &Config, args: ModelInstallArgs) -> Result<(), Failure> {
    let name = args
        .name
        .clone()
        .unwrap_or_else(|| preferred_name(config).to_owned());
    validate_name(&name).map_err(failure)?;
    let url = args
        .url
        .clone()
        .or_else(|| config.voicemail.model_url.clone())
        .unwrap_or_else(|| DEFAULT_BASE_URL.to_owned());
    let verify =
        if args.no_verify {
            Verify::Skip
        } else if let Some(digest) = args.sha256 {
            Verify::Expect(digest)
        } else {
            match (
                &config.voicemail.model_sha256,
                name == preferred_name(config),
            ) {
                (Some(hex), true) => Verify::Expect(hex.parse::<Sha256Digest>().map_err(|e| {
                    Failure::Usage(format!("config: [voicemail] model_sha256: {e}"))
                })?),
                _ => Verify::Sums,
            }
        };
    let dir = models_dir(&config.data.dir);
    let request = InstallRequest::new(&name, &url, &dir, verify).map_err(failure)?;
    let size = lookup(&name)
        .map(|entry| format!(" (about {} MB)", entry.approx_mb))
        .unwrap_or_default();
    eprintln!(
        "downloading {name}{size} from {} into {}",
        request.source.file_url,
        dir.display()
    );
    let downloader = Downloader::new().map_err(failure)?;
    let mut meter = ProgressLine::new(std::io::stderr().is_terminal());
    let result = downloader
        .install(&request, |progress| meter.show(progress))
        .await;
    meter.finish();
    match result.map_err(failure)? {
        InstallReport::AlreadyInstalled { path } => {
            eprintln!(
                "{name} is already installed: {} (`frontdesk model remove {name}` first to \
                 download it again)",
                path.display()
            );
        }
        InstallReport::Installed {
            path,
            bytes,
            sha256,
            checked,
            resumed_from,
        } => {
            if resumed_from > 0 {
                eprintln!("resumed after {}", megabytes(resumed_from));
            }
            let checked = match checked {
                DigestSource::Given => "matches the SHA-256 given".to_owned(),
                DigestSource::Sums(url) => format!("matches {url}"),
                DigestSource::Announced(url) => {
                    format!("matches the SHA-256 the server announces for {url}")
                }
                DigestSource::Unverified => {
                    "NOT checked (--no-verify): compare it with a digest you trust".to_owned()
                }
            };
            eprintln!(
                "installed {name}: {} ({})\nSHA-256 {sha256} {checked}",
                path.display(),
                megabytes(bytes)
            );
            match voicemail_lookup(config).find() {
                Some(used) if used == path => {
                    eprintln!("the voicemail uses it (a running daemon picks it up by itself)")
                }
                Some(used) => eprintln!(
                    "note: the voicemail uses {} (set [voicemail] model_name = \"{name}\" to \
                     use this one)",
                    used.display()
                ),
                None => {}
            }
        }
    }
    Ok(())
}

/// Deletes an installed model.
fn remove(config: &Config, name: &str) -> Result<(), Failure> {
    let dir = models_dir(&config.data.dir);
    let removed = frontdesk_models::remove(&dir, name).map_err(failure)?;
    for path in removed {
        eprintln!("removed {}", path.display());
    }
    if voicemail_lookup(config).find().is_none() {
        eprintln!(
            "the voicemail has no model now: messages are recorded without a transcript until \
             one is installed (`frontdesk model install`)"
        );
    }
    Ok(())
}

/// The user's input is wrong: exit 2; the download or the disk failed: exit 1.
fn failure(error: ModelError) -> Failure {
    match error {
        ModelError::BadName { .. }
        | ModelError::BadUrl { .. }
        | ModelError::NoDigest { .. }
        | ModelError::NotInstalled { .. } => Failure::Usage(error.to_string()),
        _ => Failure::Refused(error.to_string()),
    }
}

/// The progress line: redrawn in place on a terminal at most five times a second, else a line
/// for every tenth of the download (logs stay readable).
struct ProgressLine {
    terminal: bool,
    last_draw: Option<Instant>,
    last_tenth: Option<u64>,
    drawn: bool,
}

impl ProgressLine {
    fn new(terminal: bool) -> ProgressLine {
        ProgressLine {
            terminal,
            last_draw: None,
            last_tenth: None,
            drawn: false,
        }
    }

    fn show(&mut self, progress: Progress) {
        let text = match progress.total {
            Some(total) if total > 0 => format!(
                "{:>3} % {} of {}",
                progress.done * 100 / total,
                megabytes(progress.done),
                megabytes(total)
            ),
            _ => megabytes(progress.done),
        };
        if self.terminal {
            let complete = progress.total == Some(progress.done);
            if !complete
                && self
                    .last_draw
                    .is_some_and(|at| at.elapsed() < Duration::from_millis(200))
            {
                return;
            }
            self.last_draw = Some(Instant::now());
            self.drawn = true;
            eprint!("\r\x1b[2K{text}");
        } else {
            let tenth = match progress.total {
                Some(total) if total > 0 => progress.done * 10 / total,
                _ => progress.done / 100_000_000,
            };
            if self.last_tenth != Some(tenth) {
                self.last_tenth = Some(tenth);
                eprintln!("{text}");
            }
        }
    }

    fn finish(&mut self) {
        if self.terminal && self.drawn {
            eprintln!();
        }
    }
}
