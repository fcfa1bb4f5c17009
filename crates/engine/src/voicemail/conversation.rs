//! One caller with the voicemail: answers with program audio, runs the sans-IO
//! [`Conversation`] on the call's events (keys, hang-up, the end of a prompt, time) and carries
//! out its actions: prompts, forwards, the recording, hanging up.

use super::filing;
use super::forward::{Forward, Progress};
use super::listening::Listening;
use super::live::Partial;
use super::recording::{MessageFiles, MessageMeta, MessageRecording};
use crate::Engine;
use frontdesk_api::{CallState, Event};
use frontdesk_media::{AudioConfig, HeardAudio, ProgramAudio};
use frontdesk_sip::call::{CallCommand, CallHandle};
use frontdesk_voicemail::{Action, Conversation, Input, Outcome, Prompt};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::broadcast::error::RecvError;

/// How often the end of a prompt and the conversation's deadlines are checked.
const POLL: Duration = Duration::from_millis(40);
/// How long answering may take before the voicemail gives up on a call.
const ANSWER_WAIT: Duration = Duration::from_secs(10);

/// Takes the ringing call `number` and talks to the caller until the conversation is over;
/// a forwarded caller stays connected to the target through us until one of them hangs up.
pub(crate) async fn run(
    engine: Arc<Engine>,
    number: u64,
    handle: CallHandle,
    mailbox: Option<String>,
) {
    engine.voicemail.own(number);
    converse(&engine, number, handle, mailbox).await;
    engine.voicemail.release(number);
}

async fn converse(engine: &Arc<Engine>, number: u64, handle: CallHandle, mailbox: Option<String>) {
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
    if !answered(engine, &call_id, &mut events).await {
        return;
    }
    let meta = meta_of(engine, number, mailbox);
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
        forward: None,
        followups: Vec::new(),
    };
    let mut streams = Streams::default();
    let (mut conversation, actions) = Conversation::start(engine.voicemail.settings());
    call.carry_out(actions, &mut streams).await;
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
                Ok(Event::Call { call: info }) if info.id == call.call_id => {
                    (info.state == CallState::Ended).then_some(Input::HungUp)
                }
                Ok(Event::Call { call: info }) => call.forward_progress(&info),
                Ok(_) | Err(RecvError::Lagged(_)) => None,
                Err(RecvError::Closed) => Some(Input::HungUp),
            },
            frame = heard.recv() => match frame {
                Some(frame) => {
                    if let Some(listening) = streams.listening.as_mut() {
                        listening.push(&frame);
                    }
                    if let Some(recording) = &call.recording {
                        recording.push(frame);
                    }
                    None
                }
                None => Some(Input::HungUp),
            },
            frame = next_frame(&mut streams.target_heard) => {
                if frame.is_none() {
                    streams.target_heard = None;
                }
                None
            },
            partial = next_partial(&mut streams.listening) => {
                let decision = match (&partial, &streams.listening) {
                    (Some(partial), Some(listening)) => listening.decide(engine, partial),
                    _ => Err(()),
                };
                match decision {
                    Ok(Some(target)) => {
                        streams.listening = None;
                        Some(Input::PersonRequested(target))
                    }
                    Ok(None) => None,
                    Err(()) => {
                        streams.listening = None;
                        None
                    }
                }
            },
            _ = poll.tick() => {
                let now = Instant::now();
                let actions = conversation.tick(now);
                call.carry_out(actions, &mut streams).await;
                call.keep_ringing();
                if call.forward.as_ref().is_some_and(|f| f.timed_out(now)) {
                    call.forward_failed("nobody answered in time")
                } else {
                    call.prompt_finished().then_some(Input::PromptFinished)
                }
            }
        };
        let mut inputs: Vec<Input> = input.into_iter().collect();
        while !inputs.is_empty() {
            for input in std::mem::take(&mut inputs) {
                let actions = conversation.handle(input, Instant::now());
                call.carry_out(actions, &mut streams).await;
            }
            inputs = std::mem::take(&mut call.followups);
        }
    }
    // Whatever ended the conversation, the recording is closed and the outcome filed.
    if let Some(recording) = call.recording.take() {
        call.finished = Some(recording.finish().await);
    }
    streams.listening = None;
    let mut asked_for_person = false;
    if let Some(outcome) = call.outcome.take() {
        asked_for_person = matches!(
            outcome,
            Outcome::Message {
                forwarded_to: Some(_),
                ..
            }
        );
        filing::file(engine, call.meta.clone(), outcome, call.finished.take()).await;
    }
    if let Some(forward) = call.forward.take() {
        if forward.is_answered() {
            let talked = bridge(engine, &call, forward, heard, streams.target_heard, events).await;
            if asked_for_person {
                book_forwarded(engine, talked).await;
            }
        } else {
            // The caller left while the target still rang.
            forward.hang_up(engine);
            forward.release(engine);
        }
    }
}

/// What a call's conversation listens to besides the caller: the forward's target and, while
/// a message is recorded, the live transcript.
#[derive(Default)]
struct Streams {
    /// What the forward's target says, while there is a forward.
    target_heard: Option<HeardAudio>,
    /// Listening for a request for a person, while a message is recorded.
    listening: Option<Listening>,
}

/// The next partial transcript, while listening.
async fn next_partial(listening: &mut Option<Listening>) -> Option<Partial> {
    match listening {
        Some(listening) => listening.next().await,
        None => std::future::pending().await,
    }
}

/// Books the minutes a caller who asked for a person talked to them; the month's 90 %
/// warning goes to the front ends (once a month).
async fn book_forwarded(engine: &Engine, talked: Duration) {
    let Some(rules) = engine.voicemail.human.as_ref() else {
        return;
    };
    let now = engine.clock.now();
    let seconds = talked.as_secs_f64().ceil() as u64;
    if let Some(warning) =
        super::human::book(&engine.history, now, seconds, rules.limit_seconds()).await
    {
        tracing::warn!("voicemail: {warning:?}");
        engine.emit(warning);
    }
}

/// The next frame the forward's target said, if there is a forward.
async fn next_frame(heard: &mut Option<HeardAudio>) -> Option<Vec<i16>> {
    match heard {
        Some(heard) => heard.recv().await,
        None => std::future::pending().await,
    }
}

/// Caller and target talk through us until one of them hangs up; then the other is hung up.
/// Returns how long they talked.
async fn bridge(
    engine: &Engine,
    call: &Call,
    mut forward: Forward,
    mut caller_heard: HeardAudio,
    mut target_heard: Option<HeardAudio>,
    mut events: tokio::sync::broadcast::Receiver<Event>,
) -> Duration {
    tracing::info!(call = %call.call_id, target = %forward.target, "voicemail connects the caller");
    loop {
        tokio::select! {
            frame = caller_heard.recv() => match frame {
                Some(frame) => forward.program.stream(frame),
                None => break,
            },
            frame = next_frame(&mut target_heard) => match frame {
                Some(frame) => call.program.stream(frame),
                None => target_heard = None,
            },
            event = events.recv() => match event {
                Ok(Event::Dtmf { call_id, digit }) if call_id == call.call_id => {
                    forward.send_key(engine, digit)
                }
                Ok(Event::Call { call: info }) if info.id == call.call_id => {
                    if info.state == CallState::Ended {
                        break;
                    }
                }
                Ok(Event::Call { call: info }) => {
                    if forward.progress(&info) == Progress::TargetLeft {
                        break;
                    }
                }
                Ok(_) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => break,
            },
        }
    }
    tracing::info!(
        call = %call.call_id,
        target = %forward.target,
        talked_seconds = forward.talked().as_secs(),
        "forwarded call over"
    );
    forward.hang_up(engine);
    let _ = call.handle.send(CallCommand::Hangup);
    forward.release(engine);
    forward.talked()
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
    /// Our call to a forward's target, while it rings and once it is answered.
    forward: Option<Forward>,
    /// Inputs the actions themselves produced (a forward that could not be placed).
    followups: Vec<Input>,
}

impl Call {
    async fn carry_out(&mut self, actions: Vec<Action>, streams: &mut Streams) {
        for action in actions {
            tracing::debug!(call = %self.call_id, ?action, "voicemail");
            match action {
                Action::Play(prompt) => {
                    self.program.stop();
                    let clip = match prompt {
                        Prompt::Greeting => {
                            let now = self.engine.clock.now();
                            let (clip, problem) = self.engine.voicemail.greeting_at(now);
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
                        Ok(recording) => {
                            self.recording = Some(recording);
                            streams.listening =
                                Listening::start(&self.engine, &self.meta.mailbox).await;
                        }
                        // Without a file the caller could speak into nothing: end politely.
                        Err(e) => {
                            tracing::error!(call = %self.call_id, "voicemail cannot record: {e}");
                            let _ = self.handle.send(CallCommand::Hangup);
                        }
                    }
                }
                Action::StopRecording => {
                    streams.listening = None;
                    if let Some(recording) = self.recording.take() {
                        self.finished = Some(recording.finish().await);
                    }
                }
                Action::Forward(target) => {
                    let timeout = Duration::from_secs(
                        self.engine.voicemail.config.forward_timeout_seconds.into(),
                    );
                    let account = self.meta.account.clone();
                    match Forward::dial(&self.engine, account, &target, timeout).await {
                        Ok((forward, heard)) => {
                            streams.target_heard = Some(heard);
                            self.forward = Some(forward);
                            // The caller hears it ring until the target answers.
                            self.program.stop();
                            self.program.play(self.engine.voicemail.ringback());
                        }
                        Err(why) => {
                            tracing::info!(call = %self.call_id, "voicemail cannot forward to {target}: {why}");
                            self.followups.push(Input::ForwardFailed);
                        }
                    }
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

    /// What an event about another call means: the forward's target answered (connect) or
    /// its call ended unanswered (back to the voicemail).
    fn forward_progress(&mut self, info: &frontdesk_api::CallInfo) -> Option<Input> {
        let forward = self.forward.as_mut()?;
        match forward.progress(info) {
            Progress::Answered => {
                self.program.stop();
                Some(Input::Forwarded)
            }
            Progress::Failed => {
                let why = info.end_reason.clone().unwrap_or_default();
                self.forward_failed(&why)
            }
            Progress::TargetLeft | Progress::Nothing => None,
        }
    }

    /// The forward did not reach anyone: its call is ended and the caller is back with the
    /// voicemail.
    fn forward_failed(&mut self, why: &str) -> Option<Input> {
        let forward = self.forward.take()?;
        tracing::info!(call = %self.call_id, target = %forward.target, "forward not answered: {why}");
        forward.hang_up(&self.engine);
        forward.release(&self.engine);
        self.program.stop();
        Some(Input::ForwardFailed)
    }

    /// Rings on for the caller while the target has not answered.
    fn keep_ringing(&mut self) {
        if self.forward.as_ref().is_some_and(|f| !f.is_answered()) && !self.program.is_playing() {
            self.program.play(self.engine.voicemail.ringback());
        }
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
