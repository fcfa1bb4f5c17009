//! Turns key presses and time into DTMF or feature requests.
//!
//! During a call a key that cannot start a code goes to the far end at once;
//! keys that might start one are held back until the code is complete (then
//! they are acted on and never sent) or turn out not to be a code (then they
//! are sent as DTMF, in the order typed — keys are never lost). A lone `*` or
//! `#` waits only [`CodeTable::lone_key_timeout`] (1 s), so callers can still
//! drive a remote IVR.
//!
//! Decisions documented here because they are behaviour, not accidents:
//! - A code's number ended by `#` counts whatever its length (`*1#` is an
//!   announced transfer to 1). Ended by the digit timeout it must have at
//!   least [`CodeTable::extension_length`] digits, else the keys were an IVR
//!   choice and go out as DTMF (`*1`, pause → DTMF `*1`).
//! - A code with no number (`*#`, `###`) is not a code: its keys go out as DTMF.
//! - While the call is not answered yet ([`KeypadMode::Ringing`]) there are no
//!   codes: keys go out as DTMF at once (early-media IVRs), nothing is held.
//! - With "send keys as DTMF" switched on, every key goes out at once; keys
//!   held back at that moment are sent first.

use crate::codes::{is_keypad_key, CodeTable, Dialed, InvalidKey};
use std::collections::VecDeque;
use std::time::Instant;

/// What the keys typed so far mean, in the order they were typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyAction {
    /// Send these keys to the far end as DTMF (RFC 4733), in this order.
    Dtmf(String),
    /// Start an announced transfer to this number.
    AttendedTransfer(String),
    /// End the consultation and resume the held caller.
    BackToCaller,
    /// Transfer the caller to this number without consultation.
    BlindTransfer(String),
    /// Not in a call: pick up the call ringing at this extension, or any
    /// monitored one (`None`). Resolve with [`crate::pickup::plan_pickup`].
    Pickup(Option<String>),
    /// Not in a call: the number typed on the keypad, to be called.
    Dial(String),
}

/// Which call situation the keys belong to; it decides what codes exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeypadMode {
    /// No call: keys form a number to dial (or the pickup code), ended by `#`
    /// or the digit timeout.
    Idle,
    /// A call that is not answered yet: keys are DTMF only.
    Ringing,
    /// An answered call: in-call codes are recognised.
    Connected,
}

/// Result of matching the held-back keys against the code table.
enum Match {
    Complete(KeyAction),
    Pending,
    /// A code's number was ended with no digits (`*#`): all held keys,
    /// terminator included, go out as DTMF.
    Abandoned,
    Nothing,
}

/// Sans-IO keypad decoder for one call (or for the idle keypad).
///
/// Feed keys with [`key`](Self::key), drive time with
/// [`poll_timeout`](Self::poll_timeout) / [`handle_timeout`](Self::handle_timeout),
/// and drain [`poll_action`](Self::poll_action) after each input.
#[derive(Debug, Clone)]
pub struct KeypadDecoder {
    table: CodeTable,
    mode: KeypadMode,
    send_keys_as_dtmf: bool,
    held: String,
    deadline: Option<Instant>,
    actions: VecDeque<KeyAction>,
}

impl KeypadDecoder {
    /// A decoder for `mode` with the account's code table.
    pub fn new(table: CodeTable, mode: KeypadMode) -> Self {
        Self {
            table,
            mode,
            send_keys_as_dtmf: false,
            held: String::new(),
            deadline: None,
            actions: VecDeque::new(),
        }
    }

    /// The current mode.
    pub fn mode(&self) -> KeypadMode {
        self.mode
    }

    /// Switches mode (call answered, call ended). Keys held back for the old
    /// mode are dropped: a half-typed code or number means nothing in another
    /// call situation.
    pub fn set_mode(&mut self, mode: KeypadMode) {
        if mode != self.mode {
            self.mode = mode;
            self.held.clear();
            self.deadline = None;
        }
    }

    /// The per-call "send keys as DTMF" switch: when on, in-call codes are
    /// not recognised and every key goes to the far end at once. Keys held
    /// back when it is switched on are sent as DTMF immediately.
    pub fn set_send_keys_as_dtmf(&mut self, on: bool) {
        self.send_keys_as_dtmf = on;
        if on && self.mode == KeypadMode::Connected {
            self.flush_as_dtmf();
        }
    }

    /// Whether the "send keys as DTMF" switch is on.
    pub fn sends_keys_as_dtmf(&self) -> bool {
        self.send_keys_as_dtmf
    }

    /// Keys typed but not yet sent or acted on, so a UI can show `*10…`.
    pub fn pending_keys(&self) -> &str {
        &self.held
    }

    /// One key press at `now`. Expired timeouts are handled first, so a late
    /// caller of [`handle_timeout`](Self::handle_timeout) cannot reorder keys.
    pub fn key(&mut self, now: Instant, key: char) -> Result<(), InvalidKey> {
        if !is_keypad_key(key) {
            return Err(InvalidKey(key));
        }
        self.handle_timeout(now);
        match self.mode {
            KeypadMode::Ringing => self.push_dtmf(key.to_string()),
            KeypadMode::Connected if self.send_keys_as_dtmf || !self.table.has_in_call_codes() => {
                self.push_dtmf(key.to_string())
            }
            KeypadMode::Connected => self.connected_key(now, key),
            KeypadMode::Idle => self.idle_key(now, key),
        }
        Ok(())
    }

    /// When [`handle_timeout`](Self::handle_timeout) must be called next, if at all.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.deadline
    }

    /// Ends the code or number being typed if its timeout has passed.
    pub fn handle_timeout(&mut self, now: Instant) {
        let Some(deadline) = self.deadline else {
            return;
        };
        if now < deadline {
            return;
        }
        self.deadline = None;
        match self.mode {
            KeypadMode::Connected => self.connected_timeout(),
            KeypadMode::Idle => self.finish_idle_entry(),
            KeypadMode::Ringing => self.flush_as_dtmf(),
        }
    }

    /// The next thing to do, in typing order.
    pub fn poll_action(&mut self) -> Option<KeyAction> {
        self.actions.pop_front()
    }

    fn connected_key(&mut self, now: Instant, key: char) {
        self.held.push(key);
        let mut dropped = String::new();
        loop {
            match self.classify() {
                Match::Complete(action) => {
                    self.push_dtmf(std::mem::take(&mut dropped));
                    self.actions.push_back(action);
                    self.held.clear();
                    self.deadline = None;
                    return;
                }
                Match::Pending => {
                    self.push_dtmf(std::mem::take(&mut dropped));
                    let wait = if self.held.chars().count() == 1 {
                        self.table.lone_key_timeout
                    } else {
                        self.table.digit_timeout
                    };
                    self.deadline = Some(now + wait);
                    return;
                }
                Match::Abandoned => {
                    dropped.push_str(&self.held);
                    self.held.clear();
                    self.push_dtmf(dropped);
                    self.deadline = None;
                    return;
                }
                Match::Nothing => {
                    // The oldest held key cannot start a code any more: send
                    // it, and see whether the rest starts one.
                    let first = self.held.remove(0);
                    dropped.push(first);
                    if self.held.is_empty() {
                        self.push_dtmf(dropped);
                        self.deadline = None;
                        return;
                    }
                }
            }
        }
    }

    fn connected_timeout(&mut self) {
        let min = self.table.extension_length;
        let number_codes = [
            (self.table.attended_transfer.clone(), true),
            (self.table.blind_transfer.clone(), false),
        ];
        for (prefix, attended) in number_codes {
            let Some(prefix) = prefix.filter(|p| !p.is_empty()) else {
                continue;
            };
            if let Some(number) = self.held.strip_prefix(prefix.as_str()) {
                if number.len() >= min && number.chars().all(|c| c.is_ascii_digit()) {
                    let number = number.to_string();
                    self.held.clear();
                    self.actions.push_back(if attended {
                        KeyAction::AttendedTransfer(number)
                    } else {
                        KeyAction::BlindTransfer(number)
                    });
                    return;
                }
            }
        }
        self.flush_as_dtmf();
    }

    /// Matches the held keys against the in-call codes. A complete fixed code
    /// wins over everything (checked first), then complete numbered codes in
    /// table order; otherwise any code still reachable keeps the keys held.
    fn classify(&self) -> Match {
        let held = self.held.as_str();
        let mut pending = false;
        let mut abandoned = false;
        if let Some(code) = self
            .table
            .back_to_caller
            .as_deref()
            .filter(|c| !c.is_empty())
        {
            if held == code {
                return Match::Complete(KeyAction::BackToCaller);
            }
            pending |= code.starts_with(held);
        }
        let end = self.table.number_end;
        let number_codes = [
            (self.table.attended_transfer.as_deref(), true),
            (self.table.blind_transfer.as_deref(), false),
        ];
        for (prefix, attended) in number_codes {
            let Some(prefix) = prefix.filter(|p| !p.is_empty()) else {
                continue;
            };
            if prefix.starts_with(held) {
                pending = true;
                continue;
            }
            let Some(rest) = held.strip_prefix(prefix) else {
                continue;
            };
            if rest.chars().all(|c| c.is_ascii_digit()) {
                pending = true;
            } else if let Some(number) = rest.strip_suffix(end) {
                abandoned |= number.is_empty();
                if !number.is_empty() && number.chars().all(|c| c.is_ascii_digit()) {
                    let number = number.to_string();
                    return Match::Complete(if attended {
                        KeyAction::AttendedTransfer(number)
                    } else {
                        KeyAction::BlindTransfer(number)
                    });
                }
            }
        }
        if pending {
            Match::Pending
        } else if abandoned {
            Match::Abandoned
        } else {
            Match::Nothing
        }
    }

    fn idle_key(&mut self, now: Instant, key: char) {
        let pickup = self.table.pickup.as_deref().unwrap_or("");
        let mut candidate = self.held.clone();
        candidate.push(key);
        // `#` ends the entry, unless it is part of the pickup code itself.
        if key == self.table.number_end && !(pickup.starts_with(&candidate)) {
            self.deadline = None;
            self.finish_idle_entry();
            return;
        }
        self.held = candidate;
        self.deadline = Some(now + self.table.digit_timeout);
    }

    fn finish_idle_entry(&mut self) {
        let entry = std::mem::take(&mut self.held);
        self.deadline = None;
        if entry.is_empty() {
            return;
        }
        self.actions
            .push_back(match self.table.interpret_dialed(&entry) {
                Dialed::Pickup(extension) => KeyAction::Pickup(extension),
                Dialed::Number(number) => KeyAction::Dial(number),
            });
    }

    fn flush_as_dtmf(&mut self) {
        let held = std::mem::take(&mut self.held);
        self.deadline = None;
        self.push_dtmf(held);
    }

    fn push_dtmf(&mut self, keys: String) {
        if keys.is_empty() {
            return;
        }
        // Keys sent back to back form one action, so the caller sees "*1"
        // rather than "*" then "1" when a code falls through.
        if let Some(KeyAction::Dtmf(last)) = self.actions.back_mut() {
            last.push_str(&keys);
        } else {
            self.actions.push_back(KeyAction::Dtmf(keys));
        }
    }
}

#[cfg(test)]
mod tests;
