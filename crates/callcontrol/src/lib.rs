//! Sans-IO call control for a receptionist: keypad codes, announced and
//! blind transfer, call pickup.
//!
//! Nothing here does I/O, spawns tasks, reads the clock or knows SIP types:
//! state machines are fed events plus a `now: Instant` and answer with
//! actions, in the style of quinn-proto and str0m. That keeps the rules (and
//! their many failure paths) testable on simulated time, and leaves the SIP
//! to the engine.
//!
//! # Driving it from the engine
//!
//! Per receptionist call, hold one [`CallControl`] built from the account's
//! [`CodeTable`] (`CodeTable::builtin(profile)` or a custom one) and
//! [`Timers::default()`]:
//!
//! 1. **Inputs.** Call the method matching what happened, with `now`:
//!    - keypad: [`CallControl::key`] for each key the user typed (the
//!      engine no longer sends DTMF itself);
//!    - call answered: [`CallControl::connected`] with whether the caller's
//!      `Allow` lists `REFER`;
//!    - every SIP outcome on [`CallControl::transfer_mut`]:
//!      `hold_acknowledged`/`hold_failed`, `consultation_answered`/
//!      `consultation_failed`/`colleague_hung_up`, `refer_accepted`/
//!      `refer_rejected`, `notify_sipfrag`, `caller_hung_up`,
//!      `receptionist_hung_up` (route the user's hang-up through here: during
//!      a consultation it means "complete the transfer"), and transfer
//!      buttons of the UI (`attended_transfer`, `blind_transfer`,
//!      `back_to_caller`).
//! 2. **Actions.** After every input drain [`CallControl::poll_action`] and
//!    carry out each [`Action`] in order: hold/resume re-INVITEs (queue them
//!    per dialog — never two re-INVITEs at once, which avoids 491), dial the
//!    consultation, REFER, BYE/CANCEL, DTMF, show notices. Report outcomes
//!    with the [`TransferId`] found in the action, so stale answers are ignored.
//! 3. **Time.** Sleep until [`CallControl::poll_timeout`] (re-read after
//!    every input), then call [`CallControl::handle_timeout`] and drain actions.
//!
//! When [`Action::KeepConsultationAsCall`] comes out, the caller has left and
//! the consultation leg becomes an ordinary call: create a new
//! [`CallControl::new_connected`] for it (or [`CallControl::new`] if it is
//! still ringing, then `connected` when it answers).
//!
//! Outside calls, use [`CodeTable::interpret_dialed`] on dial strings (or a
//! [`KeypadDecoder`] in [`KeypadMode::Idle`] for key-by-key entry); a pickup
//! request goes through [`plan_pickup`] with the ringing dialogs the engine
//! knows from BLF.
//!
//! ```
//! use frontdesk_callcontrol::{Action, CallControl, CodeTable, Leg, ReferTo, Timers};
//! use std::time::{Duration, Instant};
//!
//! let mut now = Instant::now();
//! let mut call = CallControl::new(CodeTable::frontdesk(), Timers::default());
//! call.connected(now, true);
//! for key in "*101#".chars() {
//!     call.key(now, key).unwrap();
//! }
//! let Some(Action::HoldCaller { transfer }) = call.poll_action() else { panic!() };
//! now += Duration::from_millis(80);
//! call.transfer_mut().hold_acknowledged(now, transfer);
//! assert_eq!(
//!     call.poll_action(),
//!     Some(Action::DialConsultation { transfer, target: "101".into() })
//! );
//! call.transfer_mut().consultation_answered(now, transfer, true);
//! call.transfer_mut().receptionist_hung_up(now);
//! assert_eq!(
//!     call.poll_action(),
//!     Some(Action::SendRefer {
//!         transfer,
//!         via: Leg::Caller,
//!         refer_to: ReferTo::Replacing(Leg::Consultation),
//!     })
//! );
//! ```

#![warn(missing_docs)]

mod call;
pub mod codes;
pub mod keypad;
pub mod notice;
pub mod pickup;
pub mod transfer;

pub use call::CallControl;
pub use codes::{CodeTable, CodeTableError, Dialed, InvalidKey};
pub use keypad::{KeyAction, KeypadDecoder, KeypadMode};
pub use notice::{FailureReason, Notice};
pub use pickup::{plan_pickup, PickupPlan, RingingDialog};
pub use transfer::{
    Action, EndReason, Leg, ReferTo, Timers, TransferId, TransferKind, TransferMachine,
    TransferState,
};
