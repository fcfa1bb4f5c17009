//! The voicemail's conversation with one caller, sans-IO: fed with what happens (keys, the
//! end of a prompt, silence, hang-up) and the time, it answers with what to do (play, record,
//! forward, hang up). The engine carries the actions out with a real call.
//!
//! Greeting → (menu keys) → beep → recording → done:
//! - While the greeting plays, `1`–`9` forward to the menu's numbers and a full extension
//!   (e.g. `203`) is transferred to; keys are collected until the extension is complete or
//!   [`Settings::digit_timeout`] passes, then a lone menu digit forwards. `0` leaves a message
//!   at once when the menu has entries (it could start no extension then), `#` skips to the
//!   message, `*` plays the greeting again, unknown keys replay it (at most
//!   [`Settings::max_replays`] times, then the caller may leave a message).
//! - A forward nobody answers comes back here: beep, record.
//! - The recording ends on hang-up, at [`Settings::max_recording`] or when the silence
//!   detector reports [`Settings::silence_limit`] of silence. Shorter than
//!   [`Settings::min_message`] or without any speech, it is a call attempt, not a message.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// How one mailbox answers.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Menu keys `1`–`9` and where each forwards the caller (a number or extension).
    pub menu: BTreeMap<char, String>,
    /// Length of the extensions callers may dial during the greeting; 0 turns that off.
    pub extension_length: usize,
    /// How long to wait for the next key of an extension.
    pub digit_timeout: Duration,
    /// How often unknown keys replay the greeting before the caller is let leave a message.
    pub max_replays: u32,
    /// The longest message.
    pub max_recording: Duration,
    /// Continuous silence that ends a message (the detector measures it; kept here to say so).
    pub silence_limit: Duration,
    /// A recording shorter than this is a call attempt.
    pub min_message: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            menu: BTreeMap::new(),
            extension_length: 3,
            digit_timeout: Duration::from_secs(2),
            max_replays: 2,
            max_recording: Duration::from_secs(180),
            silence_limit: Duration::from_secs(10),
            min_message: Duration::from_secs(2),
        }
    }
}

/// What happened on the call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// The caller pressed a key (RFC 4733 or INFO).
    Key(char),
    /// The prompt that was playing has ended.
    PromptFinished,
    /// The silence detector heard speech in the recording.
    Speech,
    /// The silence detector reports [`Settings::silence_limit`] of silence.
    SilenceLimit,
    /// The caller hung up.
    HungUp,
    /// A forward was answered: the caller is with a person now.
    Forwarded,
    /// A forward failed or nobody answered it: the caller is back with us.
    ForwardFailed,
    /// While recording, the caller asked for a person and the rules allow it: forward to
    /// this target; the recording goes on until the target answers.
    PersonRequested(String),
}

/// A prompt to play.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prompt {
    /// The greeting for this time of day, which names the menu.
    Greeting,
    /// The tone before the recording.
    Beep,
}

/// What to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Play a prompt (after stopping whatever plays).
    Play(Prompt),
    /// Stop the prompt playing now.
    StopPrompt,
    /// Start writing the caller's audio to the message file.
    StartRecording,
    /// Close the message file.
    StopRecording,
    /// Transfer the caller (blind) to this number or extension.
    Forward(String),
    /// End the call from our side.
    HangUp,
    /// The conversation is over; file the outcome.
    Done(Outcome),
}

/// How the call ended for the inbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A message to transcribe and file; the recording is this long.
    Message {
        /// Length of the recording.
        recorded: Duration,
        /// The caller asked for a person during the message and was connected to this
        /// target.
        forwarded_to: Option<String>,
    },
    /// No message: the caller hung up early, said nothing, or was forwarded.
    Attempt {
        /// Why there is no message.
        why: AttemptReason,
        /// Length of the recording, if one was started.
        recorded: Duration,
    },
}

impl Outcome {
    /// Who the caller was put through to and talked with: a forward's target that answered
    /// (a menu key, a dialled extension, or the person the caller asked for).
    pub fn connected_to(&self) -> Option<&str> {
        match self {
            Outcome::Message { forwarded_to, .. } => forwarded_to.as_deref(),
            Outcome::Attempt {
                why: AttemptReason::Forwarded(target),
                ..
            } => Some(target),
            Outcome::Attempt { .. } => None,
        }
    }
}

/// Why a call left no message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptReason {
    /// Hung up before the beep.
    HungUpBeforeBeep,
    /// The recording was shorter than [`Settings::min_message`].
    TooShort,
    /// The recording had no speech.
    Silent,
    /// The caller was forwarded to this number and someone answered.
    Forwarded(String),
}

#[derive(Debug, Clone, PartialEq)]
enum State {
    /// The greeting plays (or has ended and keys are still awaited).
    Greeting {
        keys: String,
        last_key: Option<Instant>,
        greeting_over: bool,
        replays: u32,
    },
    Beep,
    Recording {
        since: Instant,
        speech: bool,
        /// A person the caller asked for is being called (the recording goes on meanwhile).
        connecting: Option<String>,
    },
    Forwarding {
        target: String,
    },
    Done,
}

/// One caller's conversation with the voicemail.
#[derive(Debug, Clone)]
pub struct Conversation {
    settings: Settings,
    state: State,
}

impl Conversation {
    /// Answers: the greeting plays at once.
    pub fn start(settings: Settings) -> (Conversation, Vec<Action>) {
        let conversation = Conversation {
            settings,
            state: State::Greeting {
                keys: String::new(),
                last_key: None,
                greeting_over: false,
                replays: 0,
            },
        };
        (conversation, vec![Action::Play(Prompt::Greeting)])
    }

    /// Whether the conversation has ended.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Whether the caller's audio is being recorded now.
    pub fn is_recording(&self) -> bool {
        matches!(self.state, State::Recording { .. })
    }

    /// When [`Conversation::tick`] must be called next at the latest, if at all.
    pub fn deadline(&self) -> Option<Instant> {
        match &self.state {
            State::Greeting {
                keys,
                last_key: Some(at),
                ..
            } if !keys.is_empty() => Some(*at + self.settings.digit_timeout),
            State::Recording { since, .. } => Some(*since + self.settings.max_recording),
            _ => None,
        }
    }

    /// Time has passed: ends a key sequence or a recording at its limit.
    pub fn tick(&mut self, now: Instant) -> Vec<Action> {
        match self.deadline() {
            Some(deadline) if now >= deadline => {}
            _ => return Vec::new(),
        }
        match &mut self.state {
            State::Greeting { keys, .. } => {
                let keys = std::mem::take(keys);
                self.keys_complete(keys)
            }
            State::Recording { .. } => self.end_recording(now, true),
            _ => Vec::new(),
        }
    }

    /// Something happened on the call.
    pub fn handle(&mut self, input: Input, now: Instant) -> Vec<Action> {
        let mut actions = self.tick(now);
        if self.state == State::Done {
            return actions;
        }
        actions.extend(match input {
            Input::Key(key) => self.key(key, now),
            Input::PromptFinished => self.prompt_finished(now),
            Input::Speech => {
                if let State::Recording { speech, .. } = &mut self.state {
                    *speech = true;
                }
                Vec::new()
            }
            Input::SilenceLimit => match self.state {
                // A caller waiting for the person they asked for may well be quiet.
                State::Recording {
                    connecting: Some(_),
                    ..
                } => Vec::new(),
                State::Recording { .. } => self.end_recording(now, true),
                _ => Vec::new(),
            },
            Input::HungUp => match self.state {
                State::Recording { .. } => self.end_recording(now, false),
                _ => self.finish(Outcome::Attempt {
                    why: AttemptReason::HungUpBeforeBeep,
                    recorded: Duration::ZERO,
                }),
            },
            Input::Forwarded => match &self.state {
                State::Recording {
                    connecting: Some(target),
                    ..
                } => {
                    let target = target.clone();
                    self.end_recording_connected(now, target)
                }
                State::Forwarding { target } => {
                    let why = AttemptReason::Forwarded(target.clone());
                    self.finish(Outcome::Attempt {
                        why,
                        recorded: Duration::ZERO,
                    })
                }
                _ => Vec::new(),
            },
            Input::ForwardFailed => match &mut self.state {
                State::Forwarding { .. } => self.beep(),
                // Nobody to talk to after all: a beep, and the message goes on.
                State::Recording { connecting, .. } if connecting.is_some() => {
                    *connecting = None;
                    vec![Action::Play(Prompt::Beep)]
                }
                _ => Vec::new(),
            },
            Input::PersonRequested(target) => match &mut self.state {
                State::Recording { connecting, .. } if connecting.is_none() => {
                    *connecting = Some(target.clone());
                    vec![Action::Forward(target)]
                }
                _ => Vec::new(),
            },
        });
        actions
    }

    fn key(&mut self, key: char, now: Instant) -> Vec<Action> {
        let State::Greeting {
            keys,
            last_key,
            replays,
            ..
        } = &mut self.state
        else {
            // Keys during the beep, the recording or a forward mean nothing.
            return Vec::new();
        };
        let first = keys.is_empty();
        match key {
            '#' if first => return self.beep(),
            '0' if first && !self.settings.menu.is_empty() => return self.beep(),
            '*' if first => {
                *replays += 1;
                return vec![Action::Play(Prompt::Greeting)];
            }
            '0'..='9' => {}
            // `*` or `#` amid an extension, or a letter key: start over.
            _ => return self.unknown_keys(),
        }
        keys.push(key);
        *last_key = Some(now);
        let complete =
            self.settings.extension_length > 0 && keys.len() >= self.settings.extension_length;
        let menu_only = self.settings.extension_length == 0;
        if complete || menu_only {
            let keys = std::mem::take(keys);
            return self.keys_complete(keys);
        }
        // The caller knows what they want: the greeting stops while they type.
        if first {
            vec![Action::StopPrompt]
        } else {
            Vec::new()
        }
    }

    /// The caller has stopped typing: an extension, a menu digit or nothing we know.
    fn keys_complete(&mut self, keys: String) -> Vec<Action> {
        let menu_target = {
            let mut chars = keys.chars();
            match (chars.next(), chars.next()) {
                (Some(digit), None) => self.settings.menu.get(&digit).cloned(),
                _ => None,
            }
        };
        if let Some(target) = menu_target {
            return self.forward(target);
        }
        if self.settings.extension_length > 0 && keys.len() == self.settings.extension_length {
            return self.forward(keys);
        }
        self.unknown_keys()
    }

    fn unknown_keys(&mut self) -> Vec<Action> {
        let State::Greeting {
            keys,
            last_key,
            replays,
            greeting_over,
        } = &mut self.state
        else {
            return Vec::new();
        };
        keys.clear();
        *last_key = None;
        if *replays >= self.settings.max_replays {
            return self.beep();
        }
        *replays += 1;
        *greeting_over = false;
        vec![Action::Play(Prompt::Greeting)]
    }

    fn forward(&mut self, target: String) -> Vec<Action> {
        self.state = State::Forwarding {
            target: target.clone(),
        };
        vec![Action::StopPrompt, Action::Forward(target)]
    }

    fn beep(&mut self) -> Vec<Action> {
        self.state = State::Beep;
        vec![Action::Play(Prompt::Beep)]
    }

    fn prompt_finished(&mut self, now: Instant) -> Vec<Action> {
        match &mut self.state {
            State::Greeting {
                keys,
                greeting_over,
                ..
            } => {
                *greeting_over = true;
                // Keys typed meanwhile are still being completed; otherwise the message.
                if keys.is_empty() {
                    self.beep()
                } else {
                    Vec::new()
                }
            }
            State::Beep => {
                self.state = State::Recording {
                    since: now,
                    speech: false,
                    connecting: None,
                };
                vec![Action::StartRecording]
            }
            _ => Vec::new(),
        }
    }

    /// The person the caller asked for answered: the message ends here, the caller stays.
    fn end_recording_connected(&mut self, now: Instant, target: String) -> Vec<Action> {
        let mut actions = self.end_recording(now, false);
        for action in &mut actions {
            match action {
                Action::Done(Outcome::Message { forwarded_to, .. }) => {
                    *forwarded_to = Some(target.clone())
                }
                Action::Done(Outcome::Attempt { why, .. }) => {
                    *why = AttemptReason::Forwarded(target.clone())
                }
                _ => {}
            }
        }
        actions
    }

    fn end_recording(&mut self, now: Instant, hang_up: bool) -> Vec<Action> {
        let State::Recording { since, speech, .. } = self.state else {
            return Vec::new();
        };
        let recorded = now
            .saturating_duration_since(since)
            .min(self.settings.max_recording);
        let outcome = if recorded < self.settings.min_message {
            Outcome::Attempt {
                why: AttemptReason::TooShort,
                recorded,
            }
        } else if !speech {
            Outcome::Attempt {
                why: AttemptReason::Silent,
                recorded,
            }
        } else {
            Outcome::Message {
                recorded,
                forwarded_to: None,
            }
        };
        let mut actions = vec![Action::StopRecording];
        if hang_up {
            actions.push(Action::HangUp);
        }
        actions.extend(self.finish(outcome));
        actions
    }

    fn finish(&mut self, outcome: Outcome) -> Vec<Action> {
        self.state = State::Done;
        vec![Action::Done(outcome)]
    }
}

#[cfg(test)]
#[path = "machine_tests.rs"]
mod tests;
