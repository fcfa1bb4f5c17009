//! Listening for a caller who asks for a person while their message is recorded
//! (`[voicemail.human]`): the message is transcribed as it grows ([`LiveTranscriber`]) and
//! each partial transcript is checked against the forwarding rules
//! ([`HumanForwarding::decide`]: phrase, category, office hours, the month's minutes).

use super::human;
use super::live::{LiveTranscriber, Partial};
use crate::Engine;
use frontdesk_transcribe::TranscribeOptions;
use frontdesk_voicemail::human::{Decision, Heard};
use std::time::Duration;
use tokio::sync::mpsc::UnboundedReceiver;

/// One message being listened to.
pub(crate) struct Listening {
    live: LiveTranscriber,
    partials: UnboundedReceiver<Partial>,
    /// Seconds forwarded this month when the message started.
    used_seconds: u64,
}

impl Listening {
    /// Starts listening to the message of `mailbox` when forwarding is on and allowed now
    /// (office hours, minutes left); `None` otherwise, or when no speech model can be loaded
    /// (the message is recorded all the same).
    pub(crate) async fn start(engine: &Engine, mailbox: &str) -> Option<Listening> {
        let rules = engine.voicemail.human.as_ref()?;
        let now = engine.clock.now();
        let used_seconds = human::used_seconds(&engine.history, now).await;
        if let Err(why) = rules.allowed_now(now, used_seconds) {
            tracing::debug!("voicemail: not listening for a person request: {why}");
            return None;
        }
        let model = match engine.voicemail.live_model().await {
            Ok(model) => model,
            Err(why) => {
                tracing::warn!("voicemail: cannot listen for a person request: {why}");
                return None;
            }
        };
        let language = engine.voicemail.language_of(mailbox);
        let options = TranscribeOptions {
            language: (language != "auto").then_some(language),
            ..TranscribeOptions::default()
        };
        let every = Duration::from_secs(engine.voicemail.config.human.check_seconds.into());
        let (live, partials) = LiveTranscriber::new(model, options, every);
        Some(Listening {
            live,
            partials,
            used_seconds,
        })
    }

    /// A frame of the caller's audio, as the recording gets it.
    pub(crate) fn push(&mut self, frame: &[i16]) {
        self.live.push(frame);
    }

    /// The next partial transcript.
    pub(crate) async fn next(&mut self) -> Option<Partial> {
        self.partials.recv().await
    }

    /// What a partial transcript means: `Some(target)` when the caller asked for a person and
    /// may be forwarded; `Err` when listening on is pointless (the rules will not change
    /// their mind for this message).
    pub(crate) fn decide(&self, engine: &Engine, partial: &Partial) -> Result<Option<String>, ()> {
        let Some(rules) = engine.voicemail.human.as_ref() else {
            return Err(());
        };
        let heard = Heard {
            transcript: &partial.text,
            language: partial.language.as_deref(),
            at: engine.clock.now(),
            used_seconds: self.used_seconds,
        };
        match rules.decide(&heard, engine.voicemail.sorting.categorizer()) {
            Decision::Forward { target, phrase, .. } => {
                tracing::info!("voicemail: the caller asked for a person ({phrase:?})");
                Ok(Some(target))
            }
            Decision::NoRequest => Ok(None),
            Decision::NotAllowed(why) if why.may_change() => Ok(None),
            Decision::NotAllowed(why) => {
                tracing::info!("voicemail: the caller asked for a person, not forwarded: {why}");
                Err(())
            }
        }
    }
}
