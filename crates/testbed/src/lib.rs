//! Test harness that runs real third-party SIP software on loopback.
//!
//! Integration tests of Frontdesk use it to build scenarios quickly:
//!
//! * [`Kamailio`]: registrar/proxy with digest auth and no database
//!   (the password of user `U` is [`Kamailio::password_for`]`(U)` = `"pw-U"`).
//! * [`Baresip`]: "the other phone", driven over its `ctrl_tcp` interface,
//!   playing a WAV into calls and recording what it receives.
//! * [`Linphone`]: linphonec driven through its stdin, for what baresip cannot do
//!   (attended transfer, INVITE with Replaces), playing and recording WAVs.
//! * [`Sipp`]: runs sipp scenarios (canned ones in [`sipp::scenarios`]).
//! * [`tone`]: writes test-tone WAVs and checks that a recording contains a tone.
//! * [`speech`]: espeak-ng speech for test callers and for Whisper (one voice for all tests).
//!
//! Everything listens on `127.0.0.1` with ports picked per test by
//! [`free_port`], so tests can run in parallel. Every process is started in its
//! own process group and the whole group is killed when its handle is dropped,
//! also when a test panics. Set `FRONTDESK_TESTBED_KEEP=1` to keep the
//! temporary directories (configs, logs, recordings) for inspection.

pub mod baresip;
mod error;
pub mod kamailio;
pub mod linphone;
pub mod mutate;
pub mod netns;
mod ports;
mod process;
pub mod sip;
pub mod sipp;
pub mod smtp;
pub mod speech;
pub mod tls;
pub mod tone;
mod workdir;

pub use baresip::{Baresip, BaresipOptions, CallEvent, RegStatus};
pub use error::{Error, Result};
pub use kamailio::{Kamailio, KamailioOptions};
pub use linphone::{Linphone, LinphoneEvent, LinphoneEventKind, LinphoneOptions, LinphoneRegState};
pub use ports::free_port;
pub use sip::send_raw_udp;
pub use sipp::{Sipp, SippOutcome};
pub use smtp::SmtpServer;
pub use speech::Speech;
pub use tls::TestCertificates;
pub use tone::{analyze, analyze_window, assert_contains_tone, tone_wav, ToneReport};

/// The loopback address every harness process listens on.
pub const LOOPBACK: std::net::Ipv4Addr = std::net::Ipv4Addr::LOCALHOST;
