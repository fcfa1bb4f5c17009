//! One caller with the voicemail: answers with program audio, runs the sans-IO
//! [`Conversation`] on the call's events (keys, hang-up, the end of a prompt, time) and carries
//! out its actions: prompts, forwards, the recording, hanging up.

use super::filing;
use super::recording::{MessageFiles, MessageMeta, MessageRecording};
use crate::Engine;
use frontdesk_api::{Backend, CallState, Event, TransferRequest};
use frontdesk_media::{AudioConfig, ProgramAudio};
use frontdesk_sip::call::{CallCommand, CallHandle};
use frontdesk_voicemail::{Action, Conversation, Input, Outcome, Prompt};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::broadcast::error::RecvError;

/// How often the end of a prompt and the conversation's deadlines are checked.
const POLL: Duration = Duration::from_millis(40);
/// How long answering may take before the voicemail gives up on a call.
const ANSWER_WAIT: Duration = Duration::from_secs(10);

/// Takes the ringing call `number` and talks to the caller until the conversation is over.
pub(crate) async fn run(
    engine: Arc<Engine>,
    number: u64,
    handle: CallHandle,
    mailbox: Option<String>,
) {
    let call_id = format!("c{number}");
    let mut events = engine.events.subscribe();
    let (program, mut heard) = ProgramAudio::new();
    if handle
        .send(CallCommand::AnswerWith(AudioConfig::Program(
            program.clone(),
        )))
        .is_err()
    {
        return;
    }
    if !answered(&engine, &call_id, &mut events).await {
        return;
    }
    let meta = meta_of(&engine, number, mailbox);
    let mut call = Call {
        engine: engine.clone(),
        call_id: call_id.clone(),
        handle,
        program,
        playing: false,
        files: MessageFiles::new(&engine.config.data.dir, &meta, &call_id),
        meta,
        recording: None,
        finished: None,
        outcome: None,
        forwarding: false,
        forward_held: false,
        refused: None,
    };
    let (refused_tx, mut forward_refused) = tokio::sync::mpsc::unbounded_channel();
    call.refused = Some(refused_tx);
    let (mut conversation, actions) = Conversation::start(engine.voicemail.settings());
    call.carry_out(actions).await;
    let mut poll = tokio::time::interval(POLL);
    while !conversation.is_done() {
        let input = tokio::select! {
            voice = async {
                match call.recording.as_mut() {
                    Some(recording) => recording.voice().await,
                    None => std::future::pending().await,
                }
            } => match voice {
                Some(state) if state.limit_reached => Some(Input::SilenceLimit),
                Some(state) if state.speech_seen => Some(Input::Speech),
                _ => None,
            },
            event = events.recv() => match event {
                Ok(Event::Dtmf { call_id, digit }) if call_id == call.call_id => Some(Input::Key(digit)),
                Ok(Event::Call { call: info }) if info.id == call.call_id => match info.state {
                    CallState::Ended if info.end_reason.as_deref() == Some("transferred") => {
                        Some(Input::Forwarded)
                    }
                    CallState::Ended => Some(Input::HungUp),
                    // A forward holds the caller first; taken off hold again, it failed.
                    _ if call.forwarding && info.on_hold => {
                        call.forward_held = true;
                        None
                    }
                    _ if call.forwarding && call.forward_held => call.forward_failed(),
                    _ => None,
                },
                Ok(_) | Err(RecvError::Lagged(_)) => None,
                Err(RecvError::Closed) => Some(Input::HungUp),
            },
            Some(()) = forward_refused.recv() => call.forward_failed(),
            frame = heard.recv() => match frame {
                Some(frame) => {
                    if let Some(recording) = &call.recording {
                        recording.push(frame);
                    }
                    None
                }
                None => Some(Input::HungUp),
            },
            _ = poll.tick() => {
                let actions = conversation.tick(Instant::now());
                call.carry_out(actions).await;
                call.prompt_finished().then_some(Input::PromptFinished)
            }
        };
        if let Some(input) = input {
            let actions = conversation.handle(input, Instant::now());
            call.carry_out(actions).await;
        }
    }
    // Whatever ended the conversation, the recording is closed and the outcome filed.
    if let Some(recording) = call.recording.take() {
        call.finished = Some(recording.finish().await);
    }
    if let Some(outcome) = call.outcome.take() {
        filing::file(&engine, call.meta.clone(), outcome, call.finished.take()).await;
    }
}

/// Who is calling and whose mailbox it is: the account's, or in mailbox mode the forwarding
/// extension's (`mailbox`).
fn meta_of(engine: &Engine, number: u64, mailbox: Option<String>) -> MessageMeta {
    let info = engine.calls.info(number);
    let account = info.as_ref().and_then(|c| c.account.clone());
    let mailbox = match mailbox {
        Some(mailbox) if engine.voicemail.config.mailbox_mode => mailbox,
        _ => account.clone().unwrap_or_else(|| "direct".into()),
    };
    MessageMeta {
        mailbox,
        account,
        caller_number: info
            .as_ref()
            .map(|c| c.remote_number.clone())
            .unwrap_or_default(),
        caller_name: info.as_ref().and_then(|c| c.remote_name.clone()),
        received_at: frontdesk_store::Timestamp::now().as_millis(),
        sip_call_id: engine.calls.sip_call_id(number),
    }
}

/// Waits until the call is answered; false when it ended or never got there.
async fn answered(
    engine: &Engine,
    call_id: &str,
    events: &mut tokio::sync::broadcast::Receiver<Event>,
) -> bool {
    let deadline = tokio::time::Instant::now() + ANSWER_WAIT;
    loop {
        let number = call_id.trim_start_matches('c').parse().unwrap_or(0);
        match engine.calls.info(number).map(|c| c.state) {
            Some(CallState::Active) => return true,
            Some(CallState::Incoming) => {}
            _ => return false,
        }
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Ok(_)) | Ok(Err(RecvError::Lagged(_))) => {}
            Ok(Err(RecvError::Closed)) | Err(_) => return false,
        }
    }
}

/// The call as the voicemail drives it.
struct Call {
    engine: Arc<Engine>,
    call_id: String,
    handle: CallHandle,
    program: ProgramAudio,
    /// A prompt was queued and has not been reported finished yet.
    playing: bool,
    meta: MessageMeta,
    files: MessageFiles,
    recording: Option<MessageRecording>,
    finished: Option<(
        MessageFiles,
        Result<frontdesk_recording::RecordingInfo, String>,
    )>,
    outcome: Option<Outcome>,
    /// A forward is under way.
    forwarding: bool,
    /// The forward has put the caller on hold (the transfer's first step).
    forward_held: bool,
    /// Tells the conversation that the transfer could not even start.
    refused: Option<tokio::sync::mpsc::UnboundedSender<()>>,
}

impl Call {
    async fn carry_out(&mut self, actions: Vec<Action>) {
        for action in actions {
            tracing::debug!(call = %self.call_id, ?action, "voicemail");
            match action {
                Action::Play(prompt) => {
                    self.program.stop();
                    let clip = match prompt {
                        Prompt::Greeting => {
                            let (clip, problem) = self.engine.voicemail.greeting_now();
                            if let Some(problem) = problem {
                                self.engine
                                    .emit(frontdesk_api::Event::Notice { message: problem });
                            }
                            clip
                        }
                        Prompt::Beep => self.engine.voicemail.beep(),
                    };
                    self.program.play(clip);
                    self.playing = true;
                }
                Action::StopPrompt => {
                    self.program.stop();
                    self.playing = false;
                }
                Action::StartRecording => {
                    let limit =
                        Duration::from_secs(self.engine.voicemail.config.silence_seconds.into());
                    match MessageRecording::start(self.files.clone(), &self.meta, limit) {
                        Ok(recording) => self.recording = Some(recording),
                        // Without a file the caller could speak into nothing: end politely.
                        Err(e) => {
                            tracing::error!(call = %self.call_id, "voicemail cannot record: {e}");
                            let _ = self.handle.send(CallCommand::Hangup);
                        }
                    }
                }
                Action::StopRecording => {
                    if let Some(recording) = self.recording.take() {
                        self.finished = Some(recording.finish().await);
                    }
                }
                Action::Forward(target) => {
                    self.forwarding = true;
                    self.forward_held = false;
                    let engine = self.engine.clone();
                    let call_id = self.call_id.clone();
                    let refused = self.refused.clone();
                    tokio::spawn(async move {
                        let request = TransferRequest {
                            target,
                            attended: false,
                        };
                        if let Err(e) = engine.transfer(Some(call_id.clone()), request).await {
                            tracing::info!(call = %call_id, "voicemail forward failed: {e}");
                            if let Some(refused) = refused {
                                let _ = refused.send(());
                            }
                        }
                    });
                }
                Action::HangUp => {
                    let _ = self.handle.send(CallCommand::Hangup);
                }
                Action::Done(outcome) => {
                    tracing::info!(call = %self.call_id, ?outcome, "voicemail done");
                    self.outcome = Some(outcome);
                }
            }
        }
    }

    /// The forward did not reach anyone: the caller is back with the voicemail.
    fn forward_failed(&mut self) -> Option<Input> {
        if !self.forwarding {
            return None;
        }
        self.forwarding = false;
        self.forward_held = false;
        Some(Input::ForwardFailed)
    }

    /// Whether the prompt queued last has just finished playing.
    fn prompt_finished(&mut self) -> bool {
        if self.playing && !self.program.is_playing() {
            self.playing = false;
            return true;
        }
        false
    }
}
