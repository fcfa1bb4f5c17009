//! One object per receptionist call: keypad codes wired to the transfer machine.
//!
//! This is what the engine holds per call. Keys go in through
//! [`CallControl::key`]; DTMF comes out as [`Action::SendDtmf`] on the leg the
//! receptionist is talking to, codes become transfer requests. SIP outcomes
//! go to [`CallControl::transfer_mut`].

use crate::codes::{CodeTable, InvalidKey};
use crate::keypad::{KeyAction, KeypadDecoder, KeypadMode};
use crate::transfer::{Action, Leg, Timers, TransferMachine, TransferState};
use std::collections::VecDeque;
use std::time::Instant;

/// Keypad and transfer logic of one receptionist call.
#[derive(Debug, Clone)]
pub struct CallControl {
    keypad: KeypadDecoder,
    transfer: TransferMachine,
    actions: VecDeque<Action>,
}

impl CallControl {
    /// Call control for a call that is not answered yet (incoming ringing or
    /// outgoing dialling), with the account's codes.
    pub fn new(table: CodeTable, timers: Timers) -> Self {
        Self {
            keypad: KeypadDecoder::new(table, KeypadMode::Ringing),
            transfer: TransferMachine::new(timers),
            actions: VecDeque::new(),
        }
    }

    /// Call control for a call that is already answered — e.g. a
    /// consultation that became an ordinary call ([`Action::KeepConsultationAsCall`]).
    pub fn new_connected(
        table: CodeTable,
        timers: Timers,
        now: Instant,
        accepts_refer: bool,
    ) -> Self {
        let mut control = Self::new(table, timers);
        control.connected(now, accepts_refer);
        control
    }

    /// The call was answered; from now on keypad codes work. `accepts_refer`:
    /// the caller's `Allow` lists REFER.
    pub fn connected(&mut self, now: Instant, accepts_refer: bool) {
        self.transfer.connected(now, accepts_refer);
        self.sync_keypad_mode();
    }

    /// One key press (0-9, *, #, A-D). Expired timeouts are handled first.
    pub fn key(&mut self, now: Instant, key: char) -> Result<(), InvalidKey> {
        self.handle_timeout(now);
        self.sync_keypad_mode();
        if self.transfer.is_ended() {
            // Validate anyway so a UI bug is still reported.
            return if crate::codes::is_keypad_key(key) {
                Ok(())
            } else {
                Err(InvalidKey(key))
            };
        }
        self.keypad.key(now, key)?;
        self.route_key_actions(now);
        Ok(())
    }

    /// The per-call "send keys as DTMF" switch (for remote IVRs): every key
    /// goes to the far end, no code is recognised. Held-back keys are sent now.
    pub fn set_send_keys_as_dtmf(&mut self, now: Instant, on: bool) {
        self.keypad.set_send_keys_as_dtmf(on);
        self.route_key_actions(now);
    }

    /// Whether the "send keys as DTMF" switch is on.
    pub fn sends_keys_as_dtmf(&self) -> bool {
        self.keypad.sends_keys_as_dtmf()
    }

    /// Keys typed but not yet sent or acted on, for the UI.
    pub fn pending_keys(&self) -> &str {
        self.keypad.pending_keys()
    }

    /// Where the call stands.
    pub fn state(&self) -> &TransferState {
        self.transfer.state()
    }

    /// The transfer machine, for reading its state.
    pub fn transfer(&self) -> &TransferMachine {
        &self.transfer
    }

    /// The transfer machine, to report SIP outcomes (hold acknowledged,
    /// consultation answered, REFER responses, NOTIFYs, hang-ups) and to
    /// request transfers from UI buttons. Its actions come out of
    /// [`CallControl::poll_action`], in order with the keypad's.
    pub fn transfer_mut(&mut self) -> &mut TransferMachine {
        &mut self.transfer
    }

    /// The earliest time [`handle_timeout`](Self::handle_timeout) must be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match (self.keypad.poll_timeout(), self.transfer.poll_timeout()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Handles every time limit that has passed by `now`, earliest first.
    pub fn handle_timeout(&mut self, now: Instant) {
        loop {
            let keypad = self.keypad.poll_timeout().filter(|t| *t <= now);
            let transfer = self.transfer.poll_timeout().filter(|t| *t <= now);
            match (keypad, transfer) {
                (Some(k), Some(t)) if t < k => self.transfer.handle_timeout(t),
                (Some(k), _) => {
                    self.keypad.handle_timeout(k);
                    self.route_key_actions(k);
                }
                (None, Some(t)) => self.transfer.handle_timeout(t),
                (None, None) => break,
            }
            self.sync_keypad_mode();
        }
    }

    /// The next action for the engine, in the order they arose.
    pub fn poll_action(&mut self) -> Option<Action> {
        self.absorb_transfer_actions();
        self.actions.pop_front()
    }

    fn route_key_actions(&mut self, now: Instant) {
        while let Some(key_action) = self.keypad.poll_action() {
            self.absorb_transfer_actions();
            match key_action {
                KeyAction::Dtmf(digits) => self.push_dtmf(self.transfer.active_leg(), digits),
                KeyAction::AttendedTransfer(target) => {
                    self.transfer.attended_transfer(now, &target)
                }
                KeyAction::BlindTransfer(target) => self.transfer.blind_transfer(now, &target),
                KeyAction::BackToCaller => self.transfer.back_to_caller(now),
                // Only an idle keypad produces these; a call's keypad never is idle.
                KeyAction::Pickup(_) | KeyAction::Dial(_) => {}
            }
        }
        self.absorb_transfer_actions();
    }

    /// Queues DTMF, joining keys for the same leg that are still queued, so
    /// the engine sends "*1" rather than "*" and "1" when a code falls through.
    fn push_dtmf(&mut self, leg: Leg, digits: String) {
        if let Some(Action::SendDtmf {
            leg: queued_leg,
            digits: queued,
        }) = self.actions.back_mut()
        {
            if *queued_leg == leg {
                queued.push_str(&digits);
                return;
            }
        }
        self.actions.push_back(Action::SendDtmf { leg, digits });
    }

    /// Moves the machine's queued actions behind ours, keeping one order.
    fn absorb_transfer_actions(&mut self) {
        while let Some(action) = self.transfer.poll_action() {
            self.actions.push_back(action);
        }
    }

    fn sync_keypad_mode(&mut self) {
        let mode = match self.transfer.state() {
            TransferState::Ringing => KeypadMode::Ringing,
            TransferState::Ended(_) => KeypadMode::Idle,
            _ => KeypadMode::Connected,
        };
        self.keypad.set_mode(mode);
    }
}

#[cfg(test)]
mod tests;
