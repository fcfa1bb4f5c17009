//! Media engine for Frontdesk SIP calls.
//!
//! The SIP/SDP layer negotiates a [`Codec`] and remote addresses, then drives a
//! [`MediaSession`] per call: it binds RTP/RTCP sockets (so the SDP offer can
//! carry the port), sends and receives RTP, runs an adaptive jitter buffer with
//! packet-loss concealment, handles RFC 4733 DTMF and moves audio to and from a
//! device (`cpal`) or WAV files (headless use and tests).
//!
//! The protocol pieces ([`rtp`], [`rtcp`], [`jitter`], [`dtmf`], [`plc`]) are
//! sans-IO so they can be tested with simulated time and fuzzed input.
//!
//! System packages (Debian): building needs `cmake` and a C compiler (the
//! `opus` crate builds libopus from source), `pkg-config` and `libasound2-dev`
//! (cpal/ALSA). The cpal integration test additionally needs `pulseaudio`,
//! `pulseaudio-utils` and `libasound2-plugins`; it fails, naming them, when
//! they are missing.

pub mod audio;
pub mod codec;
pub mod dtmf;
mod error;
mod events;
pub mod jitter;
mod outgoing;
pub mod plc;
pub mod resample;
pub mod rtcp;
pub mod rtp;
mod session;
pub mod tone;

pub use audio::{AudioConfig, HeardAudio, ProgramAudio, PROGRAM_SAMPLE_RATE};
pub use codec::Codec;
pub use error::MediaError;
pub use events::MediaEvent;
pub use outgoing::{HoldMusic, Outgoing};
pub use session::{Direction, MediaParams, MediaSession, MediaStats};
