//! Configured accounts: their SIP identity, registration task and visible state.

use crate::Engine;
use frontdesk_api::{AccountStatus, Event, RegistrationState};
use frontdesk_config::{AccountConfig, CodecName, Config};
use frontdesk_media::Codec;
use frontdesk_sip::registration::{self, Phase, RegistrationHandle};
use frontdesk_sip::{AccountSpec, Transport};
use std::net::IpAddr;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

/// Every configured account, in configuration order.
pub(crate) struct Accounts {
    list: Vec<Arc<Account>>,
}

/// One account at run time.
pub(crate) struct Account {
    pub(crate) config: AccountConfig,
    pub(crate) spec: AccountSpec,
    /// Which numbers are extensions and how outside numbers are dialled.
    pub(crate) dial_plan: frontdesk_config::DialPlan,
    status: Mutex<AccountStatus>,
    registration: tokio::sync::Mutex<Option<RegistrationHandle>>,
}

impl Accounts {
    pub(crate) fn from_config(config: &Config) -> anyhow::Result<Accounts> {
        let list = config
            .accounts
            .iter()
            .map(|account| {
                let spec = spec_for(account);
                let dial_plan = account
                    .effective_dial_plan()
                    .map_err(|e| anyhow::anyhow!("account {}: dial_plan.{e}", account.name))?;
                let aor = spec
                    .aor()
                    .map_err(|e| anyhow::anyhow!("account {}: {e}", account.name))?;
                let state = if account.register {
                    RegistrationState::Registering
                } else {
                    RegistrationState::Disabled
                };
                Ok(Arc::new(Account {
                    status: Mutex::new(AccountStatus {
                        name: account.name.clone(),
                        aor: frontdesk_sip::account::uri_to_string(&aor),
                        transport: spec.transport.as_str().into(),
                        state,
                        reason: None,
                        since: now_millis(),
                    }),
                    config: account.clone(),
                    spec,
                    dial_plan,
                    registration: tokio::sync::Mutex::new(None),
                }))
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(Accounts { list })
    }

    /// Starts a registration task for every account that registers.
    pub(crate) fn start(&self, engine: &Arc<Engine>) {
        for account in self.list.iter().filter(|a| a.config.register) {
            let (account, engine) = (account.clone(), Arc::downgrade(engine));
            tokio::spawn(async move { register(account, engine).await });
        }
    }

    /// Removes every registration.
    pub(crate) async fn stop(&self) {
        for account in &self.list {
            if let Some(handle) = account.registration.lock().await.take() {
                handle.unregister().await;
            }
        }
    }

    pub(crate) fn all(&self) -> &[Arc<Account>] {
        &self.list
    }

    pub(crate) fn by_name(&self, name: &str) -> Option<&Arc<Account>> {
        self.list.iter().find(|a| a.config.name == name)
    }

    /// The account to dial from when none is named: the first registered one, else the first.
    pub(crate) fn default_for_dialing(&self) -> Option<&Arc<Account>> {
        self.list
            .iter()
            .find(|a| a.status().state == RegistrationState::Registered)
            .or(self.list.first())
    }
}

impl Account {
    /// The account's password from the keyring or its environment variable, if any; the
    /// keyring is asked off the async threads (D-Bus may be slow).
    pub(crate) async fn password(&self) -> Option<String> {
        let config = self.config.clone();
        let found =
            tokio::task::spawn_blocking(move || frontdesk_config::secrets::get_password(&config))
                .await;
        match found {
            Ok(Ok(password)) => password.map(|p| p.expose().to_string()),
            Ok(Err(e)) => {
                tracing::warn!(account = %self.config.name, "no password available: {e}");
                None
            }
            Err(_) => None,
        }
    }

    pub(crate) fn status(&self) -> AccountStatus {
        self.status.lock().expect("account status lock").clone()
    }

    /// How this account sends keypad digits.
    pub(crate) fn dtmf_mode(&self) -> frontdesk_sip::call::DtmfMode {
        match self.config.dtmf {
            frontdesk_config::DtmfConfig::Rfc4733 => frontdesk_sip::call::DtmfMode::Rfc4733,
            frontdesk_config::DtmfConfig::Info => frontdesk_sip::call::DtmfMode::Info,
        }
    }

    /// Codecs in the account's order of preference.
    pub(crate) fn codecs(&self) -> Vec<Codec> {
        codecs_from(&self.config.codecs)
    }

    /// The proxy's IP, when the account goes through one given as an IP literal.
    pub(crate) fn proxy_ip(&self) -> Option<IpAddr> {
        let registrar = self.config.registrar.as_ref()?;
        registrar
            .addr
            .host
            .trim_matches(|c| c == '[' || c == ']')
            .parse()
            .ok()
    }

    fn set_status(
        &self,
        state: RegistrationState,
        reason: Option<String>,
    ) -> Option<AccountStatus> {
        let mut status = self.status.lock().expect("account status lock");
        if status.state == state && status.reason == reason {
            return None;
        }
        status.state = state;
        status.reason = reason;
        status.since = now_millis();
        Some(status.clone())
    }
}

/// Looks up the password, starts the registration and mirrors its state into events.
async fn register(account: Arc<Account>, engine: Weak<Engine>) {
    let password = account.password().await;
    let Some(stack) = engine.upgrade().map(|e| e.stack.clone()) else {
        return;
    };
    let handle = registration::spawn(stack, account.spec.clone(), password);
    let mut status = handle.status();
    *account.registration.lock().await = Some(handle);
    loop {
        let current = status.borrow_and_update().clone();
        let state = match current.phase {
            Phase::Registering => RegistrationState::Registering,
            Phase::Registered => RegistrationState::Registered,
            Phase::Failed => RegistrationState::Failed,
            Phase::Unregistered => RegistrationState::Unregistered,
        };
        if let Some(changed) = account.set_status(state, current.reason) {
            match engine.upgrade() {
                Some(engine) => engine.emit(Event::Account { account: changed }),
                None => return,
            }
        }
        if status.changed().await.is_err() {
            return;
        }
    }
}

/// The SIP layer's view of a configured account.
fn spec_for(account: &AccountConfig) -> AccountSpec {
    let transport = account
        .registrar
        .as_ref()
        .and_then(|r| r.transport)
        .unwrap_or(account.transport);
    AccountSpec {
        name: account.name.clone(),
        user: account.user.clone(),
        auth_user: account.auth_user.clone(),
        display_name: account.display_name.clone(),
        domain: account.domain.to_string(),
        proxy: account.registrar.as_ref().map(|r| r.to_string()),
        transport: match transport {
            frontdesk_config::Transport::Udp => Transport::Udp,
            frontdesk_config::Transport::Tcp => Transport::Tcp,
            frontdesk_config::Transport::Tls => Transport::Tls,
        },
        register_expires: Duration::from_secs(account.register_expires as u64),
        keepalive_interval: Duration::from_secs(account.keepalive_seconds as u64),
    }
}

/// Codecs for calls that belong to no account, in the default preference order.
pub(crate) fn default_codecs() -> Vec<Codec> {
    codecs_from(&CodecName::default_preference())
}

/// Maps configured codec names to media codecs, keeping the order.
pub(crate) fn codecs_from(names: &[CodecName]) -> Vec<Codec> {
    names
        .iter()
        .map(|name| match name {
            CodecName::Opus => Codec::Opus,
            CodecName::G722 => Codec::G722,
            CodecName::Pcmu => Codec::Pcmu,
            CodecName::Pcma => Codec::Pcma,
        })
        .collect()
}

pub(crate) fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
