//! The control contract, implemented by the engine.

use crate::Engine;
use async_trait::async_trait;
use frontdesk_api::*;
use frontdesk_config::AudioBackend;
use frontdesk_media::AudioConfig;
use frontdesk_sip::call::CallCommand;

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

    async fn act(&self, call: Option<String>, action: CallAction) -> Result<CallInfo, ApiError> {
        let wants_ringing = matches!(
            action,
            CallAction::Answer | CallAction::Decline | CallAction::Busy
        );
        let (info, handle) = self.calls.find(call.as_deref(), |c| {
            !wants_ringing || c.state == CallState::Incoming
        })?;
        if wants_ringing && info.state != CallState::Incoming {
            return Err(ApiError::conflict(format!(
                "call {} is not ringing here; `{}` is only for incoming calls that ring",
                info.id,
                action.as_str()
            )));
        }
        let command = match action {
            CallAction::Answer => CallCommand::Answer,
            CallAction::Hangup => CallCommand::Hangup,
            CallAction::Decline => CallCommand::Decline(603),
            CallAction::Busy => CallCommand::Decline(486),
        };
        handle
            .send(command)
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
