//! The control contract of the Frontdesk engine.
//!
//! The daemon's HTTP API, the `frontdesk ctl` CLI and the desktop shell all speak in these
//! types, so a field renamed here is a breaking change of the documented `--json` output.
//! Field names are `snake_case` and stable; timestamps are Unix milliseconds.

mod backend;
mod contacts;
mod inbox;
mod model;
mod speech_models;

pub use backend::{ApiError, Backend, ErrorKind};
pub use contacts::*;
pub use inbox::*;
pub use model::*;
pub use speech_models::*;
