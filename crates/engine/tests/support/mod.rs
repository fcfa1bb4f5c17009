//! Small helpers to build engine scenarios against real SIP peers on loopback.

#![allow(dead_code)]

use frontdesk_api::{Backend, CallInfo, CallState, Event, RegistrationState};
use frontdesk_config::Config;
use frontdesk_engine::Engine;
use frontdesk_testbed::{free_port, Kamailio};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;

/// How long anything on loopback may take before a test gives up.
pub const WAIT: Duration = Duration::from_secs(15);

/// An engine with its own data dir and config, plus its event stream.
pub struct Frontdesk {
    pub engine: Arc<Engine>,
    pub events: broadcast::Receiver<Event>,
    pub dir: tempfile::TempDir,
}

/// Options for [`Frontdesk::start`].
pub struct Setup<'a> {
    pub kamailio: Option<&'a Kamailio>,
    pub user: &'a str,
    pub password: Option<String>,
    pub transport: &'a str,
    pub codecs: &'a [&'a str],
    pub play: Option<PathBuf>,
    pub keepalive_seconds: u32,
    /// With transport "tls": trust the Kamailio's test CA.
    pub trust_test_ca: bool,
    /// More keys for the account, e.g. `blf = ["102"]`.
    pub account_extra: &'a str,
    /// More tables at the end of the file, e.g. `[voicemail]`.
    pub extra: &'a str,
    /// The engine's time of day; `None` is the machine's.
    pub clock: Option<Arc<dyn frontdesk_engine::LocalClock>>,
}

impl Default for Setup<'_> {
    fn default() -> Self {
        Setup {
            kamailio: None,
            user: "101",
            password: None,
            transport: "udp",
            codecs: &["opus", "g722", "pcmu", "pcma"],
            play: None,
            keepalive_seconds: 30,
            trust_test_ca: true,
            account_extra: "",
            extra: "",
            clock: None,
        }
    }
}

impl Frontdesk {
    /// Starts an engine; with a Kamailio, one account `office` registers there.
    pub async fn start(setup: Setup<'_>) -> Frontdesk {
        // Engine logs show in a failing test's output (RUST_LOG=debug for more).
        let _ = tracing_subscriber::fmt()
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_default_env()
                    .unwrap_or_else(|_| "info".into()),
            )
            .with_test_writer()
            .try_init();
        let dir = tempfile::tempdir().unwrap();
        let mut toml = format!(
            "[sip]\nlisten = \"127.0.0.1:{}\"\n[audio]\nbackend = \"file\"\nrecord = \"rec-{{call}}.wav\"\n",
            free_port().unwrap()
        );
        if let Some(play) = &setup.play {
            toml += &format!("play = \"{}\"\n", play.display());
        }
        toml += &format!("[data]\ndir = \"{}\"\n", dir.path().join("data").display());
        if let Some(k) = setup.kamailio {
            let env = format!("FRONTDESK_TEST_PW_{}", free_port().unwrap());
            let password = setup
                .password
                .clone()
                .unwrap_or_else(|| Kamailio::password_for(setup.user));
            std::env::set_var(&env, password);
            let codecs: Vec<String> = setup.codecs.iter().map(|c| format!("\"{c}\"")).collect();
            toml += &format!(
                "[[account]]\nname = \"office\"\nuser = \"{}\"\ndomain = \"{}\"\nregistrar = \"{}\"\ntransport = \"{}\"\npassword_env = \"{env}\"\nkeepalive_seconds = {}\ncodecs = [{}]\n",
                setup.user,
                k.domain(),
                match setup.transport {
                    "tls" => k.tls_addr().expect("start Kamailio with tls: true"),
                    _ => k.addr(),
                },
                setup.transport,
                setup.keepalive_seconds,
                codecs.join(", ")
            );
            toml += setup.account_extra;
            toml += "\n";
            if let (Some(certs), true) = (k.certificates(), setup.trust_test_ca) {
                toml += &format!("tls_ca_file = \"{}\"\n", certs.ca.display());
            }
        }
        toml += "\n";
        toml += setup.extra;
        let config = Config::from_str_with_base(&toml, dir.path()).unwrap();
        let engine = match setup.clock.clone() {
            Some(clock) => Engine::start_with_clock(config, clock).await.unwrap(),
            None => Engine::start(config).await.unwrap(),
        };
        let events = engine.subscribe();
        Frontdesk {
            engine,
            events,
            dir,
        }
    }

    /// A file in this engine's temp dir.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Where call `id`'s recording goes.
    pub fn recording(&self, id: &str) -> PathBuf {
        self.path(&format!("rec-{id}.wav"))
    }

    /// Waits for the account to reach `state`; returns its reason.
    pub async fn wait_account(&mut self, state: RegistrationState) -> Option<String> {
        let deadline = tokio::time::Instant::now() + WAIT * 2;
        loop {
            let status = self.engine.status().await.unwrap();
            if let Some(account) = status.accounts.first() {
                if account.state == state {
                    return account.reason.clone();
                }
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "account never became {state:?}: {status:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits for a call event matching `pick`.
    pub async fn wait_call(&mut self, pick: impl Fn(&CallInfo) -> bool) -> CallInfo {
        self.wait_call_within(WAIT, pick).await
    }

    /// Waits up to `within` for a call event matching `pick`.
    pub async fn wait_call_within(
        &mut self,
        within: Duration,
        pick: impl Fn(&CallInfo) -> bool,
    ) -> CallInfo {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let event = tokio::time::timeout_at(deadline, self.events.recv())
                .await
                .expect("timed out waiting for a call event")
                .expect("event stream ended");
            if let Event::Call { call } = event {
                if pick(&call) {
                    return call;
                }
            }
        }
    }

    /// Waits until the live call `id` satisfies `pick`, polling the engine's call list, so
    /// events consumed by an earlier wait do not matter. Only for live calls; ended ones
    /// leave the list (use [`Frontdesk::wait_state`] for those).
    pub async fn wait_live(&mut self, id: &str, pick: impl Fn(&CallInfo) -> bool) -> CallInfo {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let calls = self.engine.calls().await.unwrap();
            if let Some(call) = calls.iter().find(|c| c.id == id && pick(c)) {
                return call.clone();
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "call {id} never got there: {calls:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits until call `id` is in `state`.
    pub async fn wait_state(&mut self, id: &str, state: CallState) -> CallInfo {
        self.wait_call(|c| c.id == id && c.state == state).await
    }
}

/// A WAV tone file in `dir`.
pub fn tone(dir: &Path, freq: f64) -> PathBuf {
    let path = dir.join(format!("tone-{freq}.wav"));
    frontdesk_testbed::tone_wav(&path, freq, 10.0, 16000).unwrap();
    path
}
