//! Frontdesk's SIP user agent.
//!
//! Built on ezk's transport, transaction, dialog and INVITE layers. What ezk's high-level
//! `Registration`/`Call` types lack (407 challenges, error reporting instead of panics,
//! outbound proxies, our own SDP with Opus/G.722/telephone-event) lives here.
//!
//! - [`SipStack`]: one ezk endpoint with its listeners and the queue of incoming calls.
//! - [`registration`]: keeps an account's binding alive and reports its state.
//! - [`blf`]: busy-lamp field: dialog event subscriptions to watched extensions.
//! - [`call`]: outgoing and incoming calls as tasks driven by commands.
//! - [`sdp`]: offer/answer for one audio stream.

pub mod account;
pub mod auth;
pub mod blf;
pub mod call;
pub mod diversion;
pub mod net;
mod notify_route;
pub mod registration;
mod request;
pub mod sdp;
mod stack;
mod tls;

pub use account::{AccountSpec, Transport};
pub use notify_route::NotifyRoute;
pub use request::RequestError;
pub use stack::{IncomingInvite, SipStack, StackConfig, StackError, TlsListen};
