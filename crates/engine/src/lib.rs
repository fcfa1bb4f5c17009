//! The Frontdesk engine: one SIP stack, its accounts and calls, media and the call history,
//! behind the [`frontdesk_api::Backend`] contract that the daemon's HTTP API and the desktop
//! shell both drive.

mod accounts;
mod backend;
mod calls;
mod contacts;
mod desk;
mod dial;
mod dnd;
mod history;
mod inbox;
mod incoming;
mod panel;
mod transferee;
mod voicemail;

use accounts::Accounts;
use calls::Calls;
use frontdesk_api::Event;
use frontdesk_config::Config;
use frontdesk_sip::{SipStack, StackConfig};
use history::History;
use std::sync::Arc;
use tokio::sync::broadcast;

/// Local wall-clock time as the engine reads it for time-of-day decisions (which greeting
/// plays, office hours). Injectable so tests can choose the time of day without touching the
/// machine's clock or time zone.
pub trait LocalClock: Send + Sync + 'static {
    /// The local date and time now.
    fn now(&self) -> jiff::civil::DateTime;
}

/// The machine's clock in the system time zone: what [`Engine::start`] uses.
pub struct SystemClock;

impl LocalClock for SystemClock {
    fn now(&self) -> jiff::civil::DateTime {
        jiff::Zoned::now().datetime()
    }
}

/// The running engine. Create it with [`Engine::start`], stop it with [`Engine::shutdown`].
pub struct Engine {
    me: std::sync::Weak<Engine>,
    config: Config,
    stack: Arc<SipStack>,
    accounts: Accounts,
    calls: Calls,
    history: History,
    events: broadcast::Sender<Event>,
    hold_music: Option<Arc<frontdesk_media::HoldMusic>>,
    desk: desk::Desk,
    panel: panel::Panel,
    voicemail: voicemail::Voicemail,
    /// Do-not-disturb as switched at run time.
    dnd: dnd::DndSwitch,
    clock: Arc<dyn LocalClock>,
}

impl Engine {
    /// Opens the store, starts SIP on the configured address and registers every account.
    pub async fn start(config: Config) -> anyhow::Result<Arc<Engine>> {
        Engine::start_with_clock(config, Arc::new(SystemClock)).await
    }

    /// [`Engine::start`] reading the time of day from `clock`.
    pub async fn start_with_clock(
        config: Config,
        clock: Arc<dyn LocalClock>,
    ) -> anyhow::Result<Arc<Engine>> {
        let history = History::open(&config.data.database_path()).await?;
        let stack = SipStack::start(StackConfig {
            listen: config.sip.listen,
            try_next_ports: if config.sip.listen_port_flexible {
                20
            } else {
                0
            },
            user_agent: config
                .sip
                .user_agent
                .clone()
                .unwrap_or_else(|| format!("Frontdesk/{}", env!("CARGO_PKG_VERSION"))),
            extra_ca_files: config
                .accounts
                .iter()
                .filter_map(|a| a.tls_ca_file.clone())
                .collect(),
            tls_listen: match (
                &config.sip.listen_tls,
                &config.sip.tls_cert,
                &config.sip.tls_key,
            ) {
                (Some(addr), Some(cert), Some(key)) => Some(frontdesk_sip::TlsListen {
                    addr: *addr,
                    cert: cert.clone(),
                    key: key.clone(),
                }),
                _ => None,
            },
        })
        .await?;
        let dnd = dnd::DndSwitch::load(&history, config.voicemail.do_not_disturb).await;
        let (events, _) = broadcast::channel(1024);
        let accounts = Accounts::from_config(&config)?;
        let engine = Arc::new_cyclic(|me| Engine {
            me: me.clone(),
            calls: Calls::default(),
            desk: desk::Desk::default(),
            panel: panel::Panel::default(),
            accounts,
            stack,
            history,
            events,
            hold_music: Engine::load_hold_music(config.audio.hold_music.as_deref()),
            voicemail: voicemail::Voicemail::load(&config),
            dnd,
            config,
            clock,
        });
        engine.accounts.start(&engine);
        engine.start_panel();
        for problem in &engine.voicemail.problems {
            engine.emit(Event::Notice {
                message: problem.clone(),
            });
        }
        contacts::load_at_start(&engine).await;
        voicemail::recover_unfinished(&engine).await;
        voicemail::spawn_transcription(&engine);
        voicemail::spawn_email(&engine);
        incoming::spawn_listener(&engine);
        Ok(engine)
    }

    /// Hangs up every call and removes every registration, then returns.
    pub async fn shutdown(&self) {
        self.calls.hang_up_all().await;
        self.stop_panel().await;
        self.accounts.stop().await;
    }

    /// The SIP address the engine listens on (UDP and TCP).
    pub fn sip_listen_addr(&self) -> std::net::SocketAddr {
        self.stack.listen_addr()
    }

    /// A strong reference to ourselves, for tasks that outlive a request.
    fn strong(&self) -> Arc<Engine> {
        self.me
            .upgrade()
            .expect("the engine is alive while its methods run")
    }

    fn emit(&self, event: Event) {
        // Nobody listening is fine: front ends subscribe when they connect.
        let _ = self.events.send(event);
    }
}
