//! Forwarding a caller from the voicemail (a menu key, an extension dialled during the
//! greeting): we call the target ourselves while the caller hears ringing, and when the target
//! answers we connect the two by passing their audio through (a bridge).
//!
//! Why a bridge and not a REFER: the caller's phone may be anything (many cannot take a
//! transfer with `Replaces`), the voicemail must get the caller back when nobody answers
//! within `forward_timeout_seconds` — which it can only do for a call it placed itself (the
//! target stops ringing at once) — and forwarded minutes are measured where they flow.

use crate::dial::Extras;
use crate::Engine;
use frontdesk_api::{CallInfo, CallState, DialRequest};
use frontdesk_media::{AudioConfig, HeardAudio, ProgramAudio};
use frontdesk_sip::call::CallCommand;
use std::time::{Duration, Instant};

/// The call to the forward's target and its audio.
pub(crate) struct Forward {
    /// The target as the menu named it.
    pub(crate) target: String,
    /// The engine's number of our call to the target.
    number: u64,
    /// The engine's id of that call (`c7`), as events name it.
    pub(crate) call_id: String,
    /// What the target hears (the caller's voice once bridged).
    pub(crate) program: ProgramAudio,
    /// When the target must have answered.
    deadline: Instant,
    /// When the target answered: from then on the two talk.
    answered_at: Option<Instant>,
}

/// How the target's call changed, from one of its events.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Progress {
    /// The target answered: connect the caller.
    Answered,
    /// The call to the target ended before anyone answered (busy, declined, unreachable).
    Failed,
    /// The target hung up after talking.
    TargetLeft,
    /// Nothing the voicemail needs to act on.
    Nothing,
}

impl Forward {
    /// Calls `target` from the caller's account (or directly), with program audio, and
    /// returns the forward with what the target will say; fails with the reason when the
    /// call cannot even be placed (unknown account, bad target).
    pub(crate) async fn dial(
        engine: &Engine,
        account: Option<String>,
        target: &str,
        timeout: Duration,
    ) -> Result<(Forward, HeardAudio), String> {
        let (program, heard) = ProgramAudio::new();
        let extras = Extras {
            literal: true,
            audio: Some(AudioConfig::Program(program.clone())),
            ..Extras::default()
        };
        let request = DialRequest {
            target: target.to_string(),
            account,
        };
        let info = engine
            .dial_with(request, extras)
            .await
            .map_err(|e| e.message)?;
        let number = crate::desk::call_number(&info);
        engine.voicemail.own(number);
        let forward = Forward {
            target: target.to_string(),
            number,
            call_id: info.id,
            program,
            deadline: Instant::now() + timeout,
            answered_at: None,
        };
        Ok((forward, heard))
    }

    /// What an event about the target's call means for the forward.
    pub(crate) fn progress(&mut self, info: &CallInfo) -> Progress {
        if info.id != self.call_id {
            return Progress::Nothing;
        }
        match (info.state, self.answered_at) {
            (CallState::Active, None) => {
                self.answered_at = Some(Instant::now());
                Progress::Answered
            }
            (CallState::Ended, None) => Progress::Failed,
            (CallState::Ended, Some(_)) => Progress::TargetLeft,
            _ => Progress::Nothing,
        }
    }

    /// Whether the target answered.
    pub(crate) fn is_answered(&self) -> bool {
        self.answered_at.is_some()
    }

    /// Whether the target has rung for the whole forward timeout without answering.
    pub(crate) fn timed_out(&self, now: Instant) -> bool {
        self.answered_at.is_none() && now >= self.deadline
    }

    /// How long caller and target have talked so far.
    pub(crate) fn talked(&self) -> Duration {
        self.answered_at.map_or(Duration::ZERO, |at| at.elapsed())
    }

    /// Sends a key the caller pressed on to the target (an IVR there may want it).
    pub(crate) fn send_key(&self, engine: &Engine, key: char) {
        if let Some((_, handle)) = engine.calls.get(self.number) {
            let _ = handle.send(CallCommand::Dtmf(key));
        }
    }

    /// Ends the call to the target: cancels it while it rings, hangs up after.
    pub(crate) fn hang_up(&self, engine: &Engine) {
        if let Some((_, handle)) = engine.calls.get(self.number) {
            let _ = handle.send(CallCommand::Hangup);
        }
    }

    /// Forgets the target's call once it is over.
    pub(crate) fn release(&self, engine: &Engine) {
        engine.voicemail.release(self.number);
    }
}
