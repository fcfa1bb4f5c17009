//! Busy-lamp field: watch extensions through the dialog event package (RFC 4235).
//!
//! - [`dialog_info`]: parses `application/dialog-info+xml` and sums an extension's dialogs
//!   up as an [`ExtensionState`] (idle, ringing with the caller and pickup ids, busy).
//! - [`view`]: applies NOTIFY after NOTIFY to one extension's dialogs (versions, partial
//!   state).
//! - [`lifecycle`]: when to subscribe, refresh and retry; pacing of SUBSCRIBE bursts.
//! - [`subscription`]: the task per account that SUBSCRIBEs to every watched extension,
//!   answers NOTIFYs and reports [`ExtensionChange`]s.

pub mod dialog_info;
pub mod lifecycle;
pub mod subscription;
pub mod view;

pub use dialog_info::{Caller, Direction, ExtensionState, RingingCall};
pub use subscription::{
    notify_body, spawn, BlfConfig, BlfHandle, ExtensionChange, ExtensionStatus, NotifyBody,
};
