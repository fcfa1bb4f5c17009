//! `frontdesk model list|install|remove` as users run them: the real binary installing the
//! real Whisper model (`../shared/models/ggml-tiny.en.bin` next to the repository, or
//! `$FRONTDESK_WHISPER_MODEL`) from Python's `http.server` on 127.0.0.1, then
//! `frontdesk transcribe` using what was installed.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

mod support;

const BIN: &str = env!("CARGO_BIN_EXE_frontdesk");
const MODEL_ENV: &str = "FRONTDESK_WHISPER_MODEL";

/// The test model: `$FRONTDESK_WHISPER_MODEL`, else the shared tiny.en model.
fn model_path() -> PathBuf {
    let path = match std::env::var_os(MODEL_ENV).filter(|v| !v.is_empty()) {
        Some(path) => PathBuf::from(path),
        None => PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/models/ggml-tiny.en.bin"
        )),
    };
    std::fs::canonicalize(&path).unwrap_or_else(|_| {
        panic!(
            "no Whisper model at {}: put ggml-tiny.en.bin into ../shared/models or set {MODEL_ENV}",
            path.display()
        )
    })
}

/// The SHA-256 of `path` as coreutils' `sha256sum` computes it.
fn sha256sum(path: &Path) -> String {
    let output = Command::new("sha256sum").arg(path).output().unwrap();
    assert!(output.status.success());
    String::from_utf8(output.stdout).unwrap()[..64].to_owned()
}

/// `python3 -m http.server` on 127.0.0.1 serving the model and, if given, a `SHA256SUMS`; it
/// announces no digests.
struct Site {
    _dir: tempfile::TempDir,
    child: Child,
    url: String,
}

impl Site {
    fn start(sums: Option<&str>) -> Site {
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(model_path(), dir.path().join("ggml-tiny.en.bin")).unwrap();
        // A second model there (the same bytes), one the config gives no digest for.
        std::os::unix::fs::symlink(model_path(), dir.path().join("ggml-tiny.bin")).unwrap();
        if let Some(sums) = sums {
            std::fs::write(dir.path().join("SHA256SUMS"), sums).unwrap();
        }
        let mut child = Command::new("python3")
            .args([
                "-u",
                "-m",
                "http.server",
                "0",
                "--bind",
                "127.0.0.1",
                "--directory",
            ])
            .arg(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 is needed for this test");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port: u16 = line
            .split(" port ")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|port| port.parse().ok())
            .unwrap_or_else(|| panic!("unexpected http.server output: {line:?}"));
        Site {
            _dir: dir,
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs the binary in a scratch home (its data directory is `xdg-data/frontdesk`).
fn run(home: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("xdg-data"))
        .env("XDG_CONFIG_HOME", home.join("xdg-config"))
        .env_remove(MODEL_ENV)
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// espeak-ng speech, clearly (tiny.en hears it reliably), into a WAV file.
fn speak(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("message.wav");
    let status = Command::new("espeak-ng")
        .args(["-v", "en-us", "-s", "130", "-g", "5", "-w"])
        .arg(&path)
        .arg(text)
        .status()
        .expect("espeak-ng cannot be run: run scripts/install-deps");
    assert!(status.success());
    path
}

#[test]
fn install_list_transcribe_with_and_remove_a_model() {
    let digest = sha256sum(&model_path());
    let site = Site::start(Some(&format!("{digest}  ggml-tiny.en.bin\n")));
    let home = tempfile::tempdir().unwrap();
    let models = home.path().join("xdg-data/frontdesk/models");

    let output = run(
        home.path(),
        &["model", "install", "tiny.en", "--url", &site.url],
    );
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let installed = models.join("ggml-tiny.en.bin");
    assert_eq!(files_in(&models), ["ggml-tiny.en.bin"], "{stderr}");
    assert_eq!(sha256sum(&installed), digest);
    assert_eq!(
        std::fs::metadata(&installed).unwrap().len(),
        std::fs::metadata(model_path()).unwrap().len()
    );
    for expected in [
        "downloading tiny.en (about 78 MB)",
        "100 %",
        &format!("installed tiny.en: {}", installed.display()),
        &format!("SHA-256 {digest} matches {}/SHA256SUMS", site.url),
        "the voicemail uses it",
    ] {
        assert!(
            stderr.contains(expected),
            "{expected:?} missing from:\n{stderr}"
        );
    }
    assert!(output.stdout.is_empty());

    // Installing again downloads nothing.
    let output = run(
        home.path(),
        &["model", "install", "tiny.en", "--url", &site.url],
    );
    assert_eq!(output.status.code(), Some(0));
    assert!(text(&output.stderr).contains("already installed"));

    // The installed model transcribes, named or found by itself.
    let wav = speak(home.path(), "Please call me back about the invoice");
    let wav = wav.to_str().unwrap();
    for args in [
        vec!["transcribe", "--model", installed.to_str().unwrap(), wav],
        vec!["transcribe", wav],
    ] {
        let output = run(home.path(), &args);
        assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
        let said = text(&output.stdout).to_lowercase();
        assert!(said.contains("invoice"), "{args:?}: {said:?}");
    }

    let output = run(home.path(), &["model", "list"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let listed = text(&output.stdout);
    let row = |name: &str| {
        listed
            .lines()
            .find(|line| line.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("no row for {name}:\n{listed}"))
            .to_owned()
    };
    assert!(
        row("tiny.en").ends_with("yes, used by the voicemail"),
        "{listed}"
    );
    assert!(
        row("base").ends_with("multilingual"),
        "not installed: {listed}"
    );
    assert!(row("large-v3").contains("3095 MB"), "{listed}");
    assert!(
        listed.contains(&format!("the voicemail uses: {}", installed.display())),
        "{listed}"
    );

    let output = run(home.path(), &["model", "remove", "tiny.en"]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(files_in(&models).is_empty());
    assert!(
        stderr.contains("the voicemail has no model now"),
        "{stderr}"
    );
    let output = run(home.path(), &["model", "remove", "tiny.en"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("not installed"));
}

#[test]
fn without_a_digest_it_refuses_unless_told_and_a_wrong_one_installs_nothing() {
    let digest = sha256sum(&model_path());
    let site = Site::start(None);
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("data");
    let models = data.join("models");
    let mut wrong = digest.clone().into_bytes();
    wrong[0] = if wrong[0] == b'0' { b'1' } else { b'0' };
    let wrong = String::from_utf8(wrong).unwrap();
    // The configured model, URL and digest are what `install` without arguments uses.
    let config = home.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[data]\ndir = \"{}\"\n[voicemail]\nmodel_name = \"tiny.en\"\nmodel_url = \"{}\"\n\
             model_sha256 = \"{wrong}\"\n",
            data.display(),
            site.url
        ),
    )
    .unwrap();
    let config = config.to_str().unwrap();

    let output = run(home.path(), &["model", "install", "--config", config]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("does not match its SHA-256")
            && stderr.contains(&wrong)
            && stderr.contains(&digest)
            && stderr.contains("partial file was deleted"),
        "{stderr}"
    );
    assert!(files_in(&models).is_empty(), "{:?}", files_in(&models));

    // Another model than the configured one is not held to model_sha256: it needs a digest
    // the server publishes, and this one publishes none.
    let output = run(
        home.path(),
        &[
            "model", "install", "tiny", "--url", &site.url, "--config", config,
        ],
    );
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("no SHA-256 to check ggml-tiny.bin")
            && stderr.contains("--sha256")
            && stderr.contains("--no-verify"),
        "{stderr}"
    );

    let output = run(
        home.path(),
        &[
            "model", "install", "tiny.en", "--sha256", &digest, "--config", config,
        ],
    );
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("matches the SHA-256 given"), "{stderr}");
    assert_eq!(sha256sum(&models.join("ggml-tiny.en.bin")), digest);

    let output = run(
        home.path(),
        &["model", "remove", "tiny.en", "--config", config],
    );
    assert_eq!(output.status.code(), Some(0));
    let output = run(
        home.path(),
        &[
            "model",
            "install",
            "tiny.en",
            "--no-verify",
            "--config",
            config,
        ],
    );
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains(&format!("SHA-256 {digest} NOT checked")),
        "the digest is printed: {stderr}"
    );
    assert_eq!(sha256sum(&models.join("ggml-tiny.en.bin")), digest);
}

#[test]
fn bad_names_and_urls_say_what_to_do() {
    let home = tempfile::tempdir().unwrap();
    let output = run(home.path(), &["model", "install", "../evil", "--no-verify"]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("frontdesk model list"), "{stderr}");
    let output = run(
        home.path(),
        &[
            "model",
            "install",
            "base",
            "--url",
            "ftp://127.0.0.1/m",
            "--no-verify",
        ],
    );
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("http:// or https://"), "{stderr}");
    // A server that is not there: a network error that says the install resumes.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let output = run(
        home.path(),
        &["model", "install", "base", "--url", &closed, "--no-verify"],
    );
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("cannot download") && stderr.contains("again"),
        "{stderr}"
    );
}

/// The desktop app's path: the daemon installs the configured model through the control API
/// (`Backend::install_speech_model`) with progress events, refusing first without a digest
/// until the user agrees, and the voicemail uses the model at once.
#[tokio::test]
async fn the_daemon_installs_the_model_for_the_app_and_the_voicemail_uses_it() {
    use frontdesk_api::{Event, ModelInstallRequest, ModelInstallState};
    use frontdesk_control::ControlClient;
    use std::time::{Duration, Instant};

    let digest = sha256sum(&model_path());
    let site = Site::start(None);
    // No model from the test run's environment or the user's data directory: HOME is the
    // daemon's own scratch directory.
    let daemon = support::Daemon::start_with(
        &format!(
            "[voicemail]\nmodel_name = \"tiny.en\"\nmodel_url = \"{}\"\n",
            site.url
        ),
        &support::Launch {
            env_remove: &[MODEL_ENV, "XDG_DATA_HOME"],
            ..support::Launch::default()
        },
    )
    .await;
    daemon.wait_ready().await;
    let data = daemon.data();
    let log_tail = || daemon.log_tail();
    let client = ControlClient::discover(&data).await.unwrap();
    let mut events = client.events().await.unwrap();

    let models = client.speech_models().await.unwrap();
    assert_eq!(models.preferred, "tiny.en");
    assert_eq!(models.in_use, None);
    assert_eq!(models.download_url, site.url);
    let tiny = models.models.iter().find(|m| m.name == "tiny.en").unwrap();
    assert!(!tiny.installed && tiny.english_only && tiny.approx_mb == Some(78));

    // Without a SHA256SUMS on the server nothing is installed until the user agrees.
    let first = client
        .install_speech_model(&ModelInstallRequest::default())
        .await
        .unwrap();
    assert_eq!(
        (first.name.as_str(), first.state),
        ("tiny.en", ModelInstallState::Downloading)
    );
    let refused = wait_install(&client, &log_tail).await;
    assert_eq!(refused.state, ModelInstallState::Failed);
    assert!(refused.no_digest, "{refused:?}");
    assert!(
        refused
            .message
            .as_deref()
            .unwrap_or("")
            .contains("SHA256SUMS"),
        "{refused:?}"
    );

    let agreed = ModelInstallRequest {
        name: None,
        no_verify: true,
    };
    client.install_speech_model(&agreed).await.unwrap();
    let busy = client.install_speech_model(&agreed).await.unwrap_err();
    assert!(busy.message.contains("being installed"), "{busy:?}");
    let done = wait_install(&client, &log_tail).await;
    assert_eq!(done.state, ModelInstallState::Installed, "{done:?}");
    assert_eq!(done.sha256.as_deref(), Some(digest.as_str()));
    let installed = data.join("models/ggml-tiny.en.bin");
    assert_eq!(sha256sum(&installed), digest);
    let models = client.speech_models().await.unwrap();
    assert_eq!(
        models.in_use.as_deref(),
        Some(installed.to_str().unwrap()),
        "the voicemail uses it"
    );
    assert!(models
        .models
        .iter()
        .any(|m| m.name == "tiny.en" && m.installed));

    // The front ends saw the download's progress and its end.
    let mut saw_bytes = false;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let next = tokio::time::timeout(Duration::from_secs(10), events.next()).await;
        let Ok(Some(Ok(Event::ModelInstall { progress }))) = next else {
            assert!(Instant::now() < deadline, "no more install events");
            continue;
        };
        saw_bytes |= progress.state == ModelInstallState::Downloading && progress.done_bytes > 0;
        if progress.state == ModelInstallState::Installed {
            break;
        }
    }
    assert!(saw_bytes, "progress events carry the bytes done");

    let bad = client
        .install_speech_model(&ModelInstallRequest {
            name: Some("../x".into()),
            no_verify: true,
        })
        .await
        .unwrap_err();
    assert!(bad.message.contains("frontdesk model list"), "{bad:?}");

    daemon.stop().await;
}

/// Polls until the install is no longer downloading; answers its outcome.
async fn wait_install(
    client: &frontdesk_control::ControlClient,
    log_tail: &dyn Fn() -> String,
) -> frontdesk_api::ModelInstallProgress {
    let started = std::time::Instant::now();
    loop {
        let install = client.speech_models().await.unwrap().install.unwrap();
        if install.state != frontdesk_api::ModelInstallState::Downloading {
            return install;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(120),
            "the install never ended: {install:?}\n{}",
            log_tail()
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
