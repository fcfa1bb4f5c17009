//! Frontdesk's voicemail, free of I/O: the conversation with a caller nobody answered
//! ([`machine`]: greeting, menu keys, beep, recording, outcome) and the greetings it plays
//! ([`greeting`]: time windows, WAV/MP3 loading, the shipped default, the beep). The engine
//! runs a [`machine::Conversation`] per call and carries out its actions on a real call.
//! [`human`] decides when a caller who asks for a person while leaving a message is forwarded.

pub mod greeting;
pub mod human;
pub mod machine;

pub use greeting::{Clip, GreetingSchedule, GreetingWindow};
pub use machine::{Action, AttemptReason, Conversation, Input, Outcome, Prompt, Settings};

use std::path::PathBuf;

/// What can go wrong in the voicemail's own files.
#[derive(Debug, thiserror::Error)]
pub enum VoicemailError {
    /// A greeting file cannot be played.
    #[error("greeting {path}: {reason}; the shipped greeting plays instead until it is fixed")]
    Greeting {
        /// The configured file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
}
