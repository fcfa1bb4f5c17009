//! The control contract, implemented by the engine.

use crate::calls::{self, Party};
use crate::Engine;
use async_trait::async_trait;
use frontdesk_api::*;
use frontdesk_config::AudioBackend;
use frontdesk_media::AudioConfig;
use frontdesk_sip::account::{direct_target_uri, uri_to_string};
use frontdesk_sip::auth::Authenticator;
use frontdesk_sip::call::{spawn_outgoing, CallCommand, CallSetup, OutgoingCall};

impl Engine {
    /// Audio for call number `number`, from the `[audio]` configuration.
    pub(crate) fn audio_for(&self, number: u64) -> AudioConfig {
        let audio = &self.config.audio;
        match audio.backend {
            AudioBackend::File => AudioConfig::File {
                play: audio.play.clone(),
                record: audio.record_path_for(&format!("c{number}")),
            },
            AudioBackend::Cpal => AudioConfig::Cpal {
                input_device: audio.input_device.clone(),
                output_device: audio.output_device.clone(),
            },
        }
    }

    /// Places a call; see [`Backend::dial`].
    pub async fn dial_call(&self, request: DialRequest) -> Result<CallInfo, ApiError> {
        let account = match &request.account {
            Some(name) => Some(self.accounts.by_name(name).ok_or_else(|| {
                ApiError::not_found(format!(
                    "there is no account named {name}; `frontdesk ctl status` lists them"
                ))
            })?),
            None => self.accounts.default_for_dialing(),
        };
        let (target, from, contact_user, transport, auth, codecs, account_name) = match account {
            Some(account) => {
                let spec = &account.spec;
                let target = spec
                    .target_uri(&request.target)
                    .map_err(|e| ApiError::bad_request(e.0))?;
                let aor = spec.aor().map_err(|e| ApiError::internal(e.0))?;
                let from = match &spec.display_name {
                    Some(name) => frontdesk_sip::call::NameAddr::new(name.clone(), aor),
                    None => frontdesk_sip::call::NameAddr::uri(aor),
                };
                let config = account.config.clone();
                let password = tokio::task::spawn_blocking(move || {
                    frontdesk_config::secrets::get_password(&config)
                })
                .await
                .ok()
                .and_then(Result::ok)
                .flatten();
                let auth = Authenticator::new(
                    &spec.name,
                    spec.auth_user(),
                    password.as_ref().map(|p| p.expose()),
                );
                (
                    target,
                    from,
                    spec.user.clone(),
                    spec.transport.uri_param(),
                    auth,
                    account.codecs(),
                    Some(spec.name.clone()),
                )
            }
            None => {
                let target =
                    direct_target_uri(&request.target).map_err(|e| ApiError::bad_request(e.0))?;
                let towards = target
                    .host_port
                    .ip()
                    .map(|ip| std::net::SocketAddr::new(ip, target.host_port.port.unwrap_or(5060)))
                    .unwrap_or_else(|| self.stack.listen_addr());
                let local = frontdesk_sip::net::advertised(self.stack.listen_addr(), towards);
                let from_uri =
                    frontdesk_sip::account::parse_uri(&format!("sip:frontdesk@{}", local))
                        .map_err(|e| ApiError::internal(e.0))?;
                let codecs = crate::accounts::codecs_from(
                    &frontdesk_config::CodecName::default_preference(),
                );
                (
                    target,
                    frontdesk_sip::call::NameAddr::uri(from_uri),
                    "frontdesk".to_string(),
                    None,
                    Authenticator::new("direct", "", None),
                    codecs,
                    None,
                )
            }
        };
        let number = self.calls.next_id();
        let party = Party {
            account: account_name,
            direction: CallDirection::Outgoing,
            remote_uri: uri_to_string(&target),
            remote_number: frontdesk_sip::account::uri_user(&target).unwrap_or_default(),
            remote_name: None,
            sip_call_id: String::new(),
        };
        let setup = CallSetup {
            stack: self.stack.clone(),
            codecs,
            audio: self.audio_for(number),
        };
        let call = OutgoingCall {
            from,
            contact_user,
            contact_transport: transport,
            target,
            auth,
        };
        Ok(calls::track(
            &self.strong(),
            number,
            party,
            CallState::Dialing,
            move |events| spawn_outgoing(setup, call, events),
        )
        .await)
    }
}

#[async_trait]
impl Backend for Engine {
    async fn status(&self) -> Result<Status, ApiError> {
        Ok(Status {
            version: env!("CARGO_PKG_VERSION").to_string(),
            listening: self.stack.listening(),
            accounts: self.accounts.all().iter().map(|a| a.status()).collect(),
            active_calls: self.calls.len(),
        })
    }

    async fn dial(&self, request: DialRequest) -> Result<CallInfo, ApiError> {
        self.dial_call(request).await
    }

    async fn answer(&self, call: Option<String>) -> Result<CallInfo, ApiError> {
        let (info, handle) = self
            .calls
            .find(call.as_deref(), |c| c.state == CallState::Incoming)?;
        if info.state != CallState::Incoming {
            return Err(ApiError::conflict(format!(
                "call {} is not ringing here",
                info.id
            )));
        }
        handle
            .send(CallCommand::Answer)
            .map_err(|e| ApiError::conflict(e.to_string()))?;
        Ok(info)
    }

    async fn hangup(&self, call: Option<String>) -> Result<CallInfo, ApiError> {
        let (info, handle) = self.calls.find(call.as_deref(), |_| true)?;
        handle
            .send(CallCommand::Hangup)
            .map_err(|e| ApiError::conflict(e.to_string()))?;
        Ok(info)
    }

    async fn keys(&self, keys: String, call: Option<String>) -> Result<(), ApiError> {
        if let Some(bad) = keys
            .chars()
            .find(|c| !matches!(c, '0'..='9' | '*' | '#' | 'A'..='D'))
        {
            return Err(ApiError::bad_request(format!(
                "'{bad}' is not a keypad key (0-9, *, #, A-D)"
            )));
        }
        let (info, handle) = self
            .calls
            .find(call.as_deref(), |c| c.state == CallState::Active)?;
        if info.state != CallState::Active {
            return Err(ApiError::conflict(format!(
                "call {} is not answered yet",
                info.id
            )));
        }
        for key in keys.chars() {
            handle
                .send(CallCommand::Dtmf(key))
                .map_err(|e| ApiError::conflict(e.to_string()))?;
        }
        Ok(())
    }

    async fn calls(&self) -> Result<Vec<CallInfo>, ApiError> {
        Ok(self.calls.list())
    }

    async fn history(&self, limit: usize) -> Result<Vec<HistoryEntry>, ApiError> {
        self.history.list(limit).await.map_err(ApiError::internal)
    }

    fn subscribe(&self) -> tokio::sync::broadcast::Receiver<Event> {
        self.events.subscribe()
    }
}
