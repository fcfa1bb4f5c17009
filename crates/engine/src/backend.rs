//! The control contract, implemented by the engine.

use crate::Engine;
use async_trait::async_trait;
use frontdesk_api::*;
use frontdesk_config::AudioBackend;
use frontdesk_media::{AudioConfig, Codec, HoldMusic};
use frontdesk_sip::call::{CallCommand, CallSetup, DtmfMode};
use std::sync::Arc;

/// The hold music shipped inside the binary, played when none is configured.
const BUILT_IN_HOLD_MUSIC: &[u8] = include_bytes!("../../../assets/hold-music.wav");

impl Engine {
    /// A number as a person reads it, by the account's dial plan (as it is without one).
    pub(crate) fn display_number(&self, account: Option<&str>, number: &str) -> String {
        match account.and_then(|name| self.accounts.by_name(name)) {
            Some(account) if !number.is_empty() => account.dial_plan.display(number),
            _ => number.to_string(),
        }
    }

    /// What a new call needs: the stack, codecs, audio, hold music and DTMF mode.
    pub(crate) fn call_setup(&self, number: u64, codecs: Vec<Codec>, dtmf: DtmfMode) -> CallSetup {
        CallSetup {
            stack: self.stack.clone(),
            codecs,
            audio: self.audio_for(number),
            hold_music: self.hold_music.clone(),
            dtmf,
        }
    }

    /// Loads the configured hold music, else the built-in one; a broken file is reported and
    /// the built-in music used, so holding a call never fails for it.
    pub(crate) fn load_hold_music(path: Option<&std::path::Path>) -> Option<Arc<HoldMusic>> {
        if let Some(path) = path {
            match HoldMusic::load(path) {
                Ok(music) => return Some(Arc::new(music)),
                Err(e) => tracing::warn!(
                    "hold music {} unusable ({e}); using the built-in music",
                    path.display()
                ),
            }
        }
        HoldMusic::from_wav_bytes(BUILT_IN_HOLD_MUSIC)
            .map(Arc::new)
            .map_err(|e| tracing::error!("the built-in hold music is broken: {e}"))
            .ok()
    }

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

impl Engine {
    /// Holds every answered call we are talking on, except `keep`: one conversation at a
    /// time, the others wait with music. The voicemail's calls are not ours to hold.
    fn hold_others(&self, keep: u64) {
        for other in self.calls.list() {
            let number = crate::desk::call_number(&other);
            if number != keep
                && other.state == CallState::Active
                && !other.on_hold
                && !self.voicemail.owns(number)
            {
                if let Some((_, handle)) = self.calls.get(number) {
                    let _ = handle.send(CallCommand::Hold);
                }
            }
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
            do_not_disturb: self.dnd.is_on(),
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
        let number = crate::desk::call_number(&info);
        let needs_answer = matches!(
            action,
            CallAction::Hold
                | CallAction::Resume
                | CallAction::Mute
                | CallAction::Unmute
                | CallAction::KeysAsDtmf
                | CallAction::KeyCodes
        );
        if needs_answer && info.state != CallState::Active {
            return Err(ApiError::conflict(format!(
                "call {} is not answered; `{}` needs an answered call",
                info.id,
                action.as_str()
            )));
        }
        if matches!(action, CallAction::Answer | CallAction::Resume) {
            // Call waiting: taking a call (or going back to one) holds the one we talk to.
            self.hold_others(number);
        }
        let command = match action {
            CallAction::Answer => CallCommand::Answer,
            // During a transfer the desk decides what hanging up means (hand the caller over).
            CallAction::Hangup if self.desk_hangup(number) => return Ok(info),
            CallAction::Hangup => CallCommand::Hangup,
            CallAction::Decline => CallCommand::Decline(603),
            CallAction::Busy => CallCommand::Decline(486),
            CallAction::Hold => CallCommand::Hold,
            CallAction::Resume => CallCommand::Resume,
            CallAction::KeysAsDtmf | CallAction::KeyCodes => {
                let on = action == CallAction::KeysAsDtmf;
                self.desk_keys_as_dtmf(number, on);
                self.calls.change(self, number, |c| c.keys_as_dtmf = on);
                return Ok(self.calls.info(number).unwrap_or(info));
            }
            CallAction::Mute | CallAction::Unmute => {
                let muted = action == CallAction::Mute;
                self.calls.change(self, number, |c| c.muted = muted);
                CallCommand::Mute(muted)
            }
        };
        handle
            .send(command)
            .map_err(|e| ApiError::conflict(e.to_string()))?;
        // What the action changed at once (mute) shows; the rest (hold, answer) follows as events.
        Ok(self.calls.info(number).unwrap_or(info))
    }

    async fn transfer(
        &self,
        call: Option<String>,
        request: TransferRequest,
    ) -> Result<CallInfo, ApiError> {
        if request.target.trim().is_empty() {
            return Err(ApiError::bad_request(
                "transfer needs a target (an extension or number)",
            ));
        }
        let (info, _) = self
            .calls
            .find(call.as_deref(), |c| c.state == CallState::Active)?;
        self.desk_transfer(
            crate::desk::call_number(&info),
            request.target.trim(),
            request.attended,
        )?;
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
        // Answered calls: the desk intercepts codes and sends the other keys as DTMF.
        if self.desk_keys(crate::desk::call_number(&info), &keys)? {
            return Ok(());
        }
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

    async fn lamps(&self) -> Result<Vec<Lamp>, ApiError> {
        Ok(self.panel.lamps())
    }

    async fn calls(&self) -> Result<Vec<CallInfo>, ApiError> {
        Ok(self.calls.list())
    }

    async fn history(&self, limit: usize) -> Result<Vec<HistoryEntry>, ApiError> {
        let mut entries = self.history.list(limit).await.map_err(ApiError::internal)?;
        for entry in &mut entries {
            entry.remote_display =
                self.display_number(entry.account.as_deref(), &entry.remote_number);
        }
        Ok(entries)
    }

    fn subscribe(&self) -> tokio::sync::broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    async fn inbox(&self, filter: InboxFilter) -> Result<Vec<InboxEntry>, ApiError> {
        crate::inbox::list(self, filter).await
    }

    async fn voicemail(&self, id: i64) -> Result<VoicemailMessage, ApiError> {
        crate::inbox::message(self, id).await
    }

    async fn mark_read(&self, id: i64, read: bool) -> Result<InboxEntry, ApiError> {
        crate::inbox::mark_read(self, id, read).await
    }

    async fn delete_voicemail(&self, id: i64) -> Result<(), ApiError> {
        crate::inbox::delete(self, id).await
    }

    async fn export_voicemail(
        &self,
        id: i64,
        dir: std::path::PathBuf,
    ) -> Result<ExportedMessage, ApiError> {
        crate::inbox::export(self, id, dir).await
    }

    async fn voicemail_audio(&self, id: i64) -> Result<std::path::PathBuf, ApiError> {
        crate::inbox::audio(self, id).await
    }

    async fn inbox_counts(
        &self,
        utc_offset_minutes: i32,
        mailbox: Option<String>,
    ) -> Result<InboxCounts, ApiError> {
        crate::inbox::counts(self, utc_offset_minutes, mailbox).await
    }

    async fn do_not_disturb(&self) -> Result<DoNotDisturb, ApiError> {
        Ok(DoNotDisturb {
            on: self.dnd.is_on(),
        })
    }

    async fn set_do_not_disturb(&self, on: bool) -> Result<DoNotDisturb, ApiError> {
        self.switch_do_not_disturb(on).await
    }

    async fn contacts(&self, filter: ContactFilter) -> Result<Vec<ContactEntry>, ApiError> {
        crate::contacts::list(self, filter).await
    }

    async fn import_contacts(
        &self,
        request: ContactImportRequest,
    ) -> Result<ContactImportResult, ApiError> {
        crate::contacts::import(self, request).await
    }

    async fn delete_contact(&self, id: i64) -> Result<(), ApiError> {
        crate::contacts::delete(self, id).await
    }

    async fn speech_models(&self) -> Result<SpeechModels, ApiError> {
        Ok(self.models_overview())
    }

    async fn install_speech_model(
        &self,
        request: ModelInstallRequest,
    ) -> Result<ModelInstallProgress, ApiError> {
        self.start_model_install(request)
    }
}
