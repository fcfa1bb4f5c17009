//! The receptionist's desk: keypad codes and transfers on live calls.
//!
//! Each answered call of ours has a sans-IO [`CallControl`] (from `frontdesk-callcontrol`)
//! that decides what keys and SIP outcomes mean; this module feeds it what happens (keys,
//! hangs-up, hold answers, consultation progress, REFER/NOTIFY outcomes, time) and carries
//! out the [`Action`]s it returns with real calls. A consultation call belongs to its
//! caller's control: its events and the user's keys and hang-up on it go there.

/// The status reported to a transfer machine for a consultation that ended without a SIP
/// answer (network error, failed before it could ring).
const ENDED_BEFORE_ANSWER: u16 = 500;

use crate::dial::Extras;
use crate::Engine;
use frontdesk_api::{ApiError, CallInfo, CallState, DialRequest, Event};
use frontdesk_callcontrol::{Action, CallControl, CodeTable, Leg, ReferTo, Timers, TransferId};
use frontdesk_config::CodeProfile;
use frontdesk_sip::call::{CallCommand, EndReason, TransferProgress};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Call controls by the number of the call they belong to (the caller's leg).
#[derive(Default)]
pub(crate) struct Desk {
    inner: Mutex<DeskState>,
}

#[derive(Default)]
struct DeskState {
    controls: HashMap<u64, Control>,
    /// Consultation call → the caller's call it belongs to.
    consultations: HashMap<u64, u64>,
}

struct Control {
    machine: CallControl,
    /// The consultation call of the current transfer attempt.
    consultation: Option<(TransferId, u64)>,
    /// A hold we asked for and wait to hear about.
    pending_hold: Option<TransferId>,
    /// The transfer attempt whose REFER is out, for its answers and NOTIFYs.
    refer: Option<TransferId>,
    /// Bumped with every input, so a stale timer does nothing.
    timer_generation: u64,
}

/// Whose control an input is for, and which leg it came from.
#[derive(Clone, Copy)]
struct Route {
    caller: u64,
    leg: Leg,
}

/// The code table of an account (the default table for direct calls).
pub(crate) fn code_table(engine: &Engine, account: Option<&str>) -> CodeTable {
    let profile = account
        .and_then(|name| engine.accounts.by_name(name))
        .map(|a| a.config.codes)
        .unwrap_or_default();
    match profile {
        CodeProfile::Frontdesk => CodeTable::frontdesk(),
        CodeProfile::Asterisk => CodeTable::asterisk(),
    }
}

impl Desk {
    fn route(&self, number: u64) -> Option<Route> {
        let state = self.inner.lock().expect("desk lock");
        if state.controls.contains_key(&number) {
            return Some(Route {
                caller: number,
                leg: Leg::Caller,
            });
        }
        state.consultations.get(&number).map(|&caller| Route {
            caller,
            leg: Leg::Consultation,
        })
    }

    /// Runs `input` on the control of `caller`; `None` when it has none.
    fn with<T>(&self, caller: u64, input: impl FnOnce(&mut Control) -> T) -> Option<T> {
        let mut state = self.inner.lock().expect("desk lock");
        let control = state.controls.get_mut(&caller)?;
        control.timer_generation += 1;
        Some(input(control))
    }

    fn drain(&self, caller: u64) -> Vec<Action> {
        let mut state = self.inner.lock().expect("desk lock");
        let Some(control) = state.controls.get_mut(&caller) else {
            return Vec::new();
        };
        std::iter::from_fn(|| control.machine.poll_action()).collect()
    }
}

impl Engine {
    /// A call of ours was answered: from now on keypad codes work on it. Consultation legs
    /// have no control of their own; they belong to their caller's.
    pub(crate) fn desk_answered(&self, number: u64, account: Option<&str>) {
        if let Some(route) = self.desk.route(number) {
            if route.leg == Leg::Consultation {
                self.desk_input(route.caller, |c, now| {
                    if let Some((transfer, _)) = c.consultation {
                        c.machine
                            .transfer_mut()
                            .consultation_answered(now, transfer, true);
                    }
                });
            }
            return;
        }
        let control = Control {
            machine: CallControl::new_connected(
                code_table(self, account),
                Timers::default(),
                Instant::now(),
                true,
            ),
            consultation: None,
            pending_hold: None,
            refer: None,
            timer_generation: 0,
        };
        self.desk
            .inner
            .lock()
            .expect("desk lock")
            .controls
            .insert(number, control);
    }

    /// Keys typed on a call: codes go to its control, which sends the rest as DTMF.
    /// Returns `false` when the call has no control (not answered yet).
    pub(crate) fn desk_keys(&self, number: u64, keys: &str) -> Result<bool, ApiError> {
        let Some(route) = self.desk.route(number) else {
            return Ok(false);
        };
        let mut bad = None;
        self.desk_input(route.caller, |c, now| {
            for key in keys.chars() {
                if let Err(e) = c.machine.key(now, key) {
                    bad = Some(e.0);
                    break;
                }
            }
        });
        match bad {
            Some(key) => Err(ApiError::bad_request(format!(
                "'{key}' is not a keypad key (0-9, *, #, A-D)"
            ))),
            None => Ok(true),
        }
    }

    /// The per-call switch: every key goes out as DTMF (`on`), or codes are read again.
    pub(crate) fn desk_keys_as_dtmf(&self, number: u64, on: bool) {
        if let Some(route) = self.desk.route(number) {
            self.desk_input(route.caller, |c, now| {
                c.machine.set_send_keys_as_dtmf(now, on)
            });
        }
    }

    /// The user hangs up `number`. With a transfer going on this may complete it (hanging up
    /// the consultation hands the caller over). Returns `false` when the desk has nothing to
    /// say and the call should simply be hung up.
    pub(crate) fn desk_hangup(&self, number: u64) -> bool {
        let Some(route) = self.desk.route(number) else {
            return false;
        };
        self.desk_input(route.caller, |c, now| {
            c.machine.transfer_mut().receptionist_hung_up(now)
        })
        .is_some()
    }

    /// A transfer asked for through the API (buttons, `ctl transfer`).
    pub(crate) fn desk_transfer(
        &self,
        number: u64,
        target: &str,
        attended: bool,
    ) -> Result<(), ApiError> {
        let Some(route) = self.desk.route(number) else {
            return Err(ApiError::conflict(format!(
                "call c{number} is not answered; only answered calls can be transferred"
            )));
        };
        self.desk_input(route.caller, |c, now| {
            let machine = c.machine.transfer_mut();
            if attended {
                machine.attended_transfer(now, target);
            } else {
                machine.blind_transfer(now, target);
            }
        });
        Ok(())
    }

    /// Our hold state on `number` changed (the answer to a hold we asked for, or not).
    pub(crate) fn desk_hold(&self, number: u64, local: bool) {
        let Some(route) = self.desk.route(number) else {
            return;
        };
        if route.leg != Leg::Caller {
            return;
        }
        self.desk_input(route.caller, |c, now| {
            if let Some(transfer) = c.pending_hold.take() {
                if local {
                    c.machine.transfer_mut().hold_acknowledged(now, transfer);
                } else {
                    c.machine.transfer_mut().hold_failed(now, transfer, 500);
                }
            }
        });
    }

    /// How a REFER sent on `number` is going.
    pub(crate) fn desk_transfer_progress(&self, number: u64, progress: &TransferProgress) {
        let Some(route) = self.desk.route(number) else {
            return;
        };
        self.desk_input(route.caller, |c, now| {
            let Some(transfer) = c.refer else {
                return;
            };
            let machine = c.machine.transfer_mut();
            match progress {
                TransferProgress::Accepted => machine.refer_accepted(now, transfer),
                TransferProgress::Refused { code, .. } => {
                    machine.refer_rejected(now, transfer, code.unwrap_or(408))
                }
                TransferProgress::Status(code) => machine.notify_sipfrag(now, transfer, *code),
            }
        });
    }

    /// Call `number` ended; its control (or its caller's) learns who left.
    pub(crate) fn desk_ended(&self, number: u64, reason: &EndReason, was_answered: bool) {
        let Some(route) = self.desk.route(number) else {
            return;
        };
        match route.leg {
            Leg::Caller => {
                let local = matches!(reason, EndReason::LocalHangup | EndReason::Transferred);
                self.desk_input(route.caller, |c, now| {
                    if !local {
                        c.machine.transfer_mut().caller_hung_up(now);
                    }
                });
                let mut state = self.desk.inner.lock().expect("desk lock");
                if let Some(control) = state.controls.get(&number) {
                    // A consultation still running becomes the receptionist's own call below,
                    // through KeepConsultationAsCall; otherwise the control is done.
                    if control.consultation.is_none() || control.machine.transfer().is_ended() {
                        state.controls.remove(&number);
                    }
                }
            }
            Leg::Consultation => {
                self.desk_input(route.caller, |c, now| {
                    let Some((transfer, _)) = c.consultation.take() else {
                        return;
                    };
                    let machine = c.machine.transfer_mut();
                    if was_answered {
                        machine.colleague_hung_up(now, transfer);
                    } else {
                        machine.consultation_failed(now, transfer, status_of(reason));
                    }
                });
                self.desk
                    .inner
                    .lock()
                    .expect("desk lock")
                    .consultations
                    .remove(&number);
                // The caller's call no longer has a consultation to show.
                self.link(route.caller, None);
            }
        }
    }

    /// Feeds one input to `caller`'s control, then carries out its actions and re-arms its
    /// timer.
    fn desk_input<T>(
        &self,
        caller: u64,
        input: impl FnOnce(&mut Control, Instant) -> T,
    ) -> Option<T> {
        let now = Instant::now();
        let result = self.desk.with(caller, |c| input(c, now))?;
        self.desk_run(caller);
        Some(result)
    }

    /// Carries out every pending action of `caller`'s control and sleeps until its next
    /// timeout.
    fn desk_run(&self, caller: u64) {
        for action in self.desk.drain(caller) {
            self.desk_act(caller, action);
        }
        let (deadline, generation) = {
            let state = self.desk.inner.lock().expect("desk lock");
            let Some(control) = state.controls.get(&caller) else {
                return;
            };
            (control.machine.poll_timeout(), control.timer_generation)
        };
        if let Some(deadline) = deadline {
            let weak = self.me.clone();
            tokio::spawn(async move {
                tokio::time::sleep_until(deadline.into()).await;
                let Some(engine) = weak.upgrade() else { return };
                let current = engine
                    .desk
                    .inner
                    .lock()
                    .expect("desk lock")
                    .controls
                    .get(&caller)
                    .map(|c| c.timer_generation);
                if current == Some(generation) {
                    engine.desk_input(caller, |c, now| c.machine.handle_timeout(now));
                }
            });
        }
    }

    fn leg_number(&self, caller: u64, leg: Leg) -> Option<u64> {
        match leg {
            Leg::Caller => Some(caller),
            Leg::Consultation => self
                .desk
                .inner
                .lock()
                .expect("desk lock")
                .controls
                .get(&caller)
                .and_then(|c| c.consultation.map(|(_, n)| n)),
        }
    }

    fn send_to(&self, number: Option<u64>, command: CallCommand) {
        if let Some((_, handle)) = number.and_then(|n| self.calls.get(n)) {
            let _ = handle.send(command);
        }
    }

    fn desk_act(&self, caller: u64, action: Action) {
        tracing::debug!(call = caller, ?action, "desk action");
        match action {
            Action::HoldCaller { transfer } => {
                self.desk.with(caller, |c| c.pending_hold = Some(transfer));
                self.send_to(Some(caller), CallCommand::Hold);
            }
            Action::ResumeCaller => self.send_to(Some(caller), CallCommand::Resume),
            Action::DialConsultation { transfer, target } => {
                let engine = self.strong();
                tokio::spawn(
                    async move { engine.dial_consultation(caller, transfer, target).await },
                );
            }
            Action::HangUpConsultation { transfer } => {
                let consultation = self.desk.with(caller, |c| match c.consultation {
                    Some((t, n)) if t == transfer => Some(n),
                    _ => None,
                });
                self.send_to(consultation.flatten(), CallCommand::Hangup);
            }
            Action::SendRefer {
                transfer,
                via,
                refer_to,
            } => {
                self.desk.with(caller, |c| c.refer = Some(transfer));
                match self.refer_to(caller, &refer_to) {
                    Ok((refer_to, referred_by)) => self.send_to(
                        self.leg_number(caller, via),
                        CallCommand::Refer {
                            refer_to,
                            referred_by,
                        },
                    ),
                    Err(why) => {
                        let failure = TransferProgress::Refused {
                            code: None,
                            reason: why,
                        };
                        let number = self.leg_number(caller, via).unwrap_or(caller);
                        let engine = self.strong();
                        // Reported after this action list is done, like a real answer would be.
                        tokio::spawn(
                            async move { engine.desk_transfer_progress(number, &failure) },
                        );
                    }
                }
            }
            Action::HangUpCaller => self.send_to(Some(caller), CallCommand::Hangup),
            Action::KeepConsultationAsCall { transfer } => self.keep_consultation(caller, transfer),
            Action::SendDtmf { leg, digits } => {
                let number = self.leg_number(caller, leg);
                for digit in digits.chars() {
                    self.send_to(number, CallCommand::Dtmf(digit));
                }
            }
            Action::Notice(notice) => self.emit(Event::Notice {
                message: format!("call c{caller}: {notice}"),
            }),
        }
    }

    /// Places the consultation call of a transfer from the caller's account and links both.
    async fn dial_consultation(self: Arc<Self>, caller: u64, transfer: TransferId, target: String) {
        let account = self.calls.get(caller).and_then(|(info, _)| info.account);
        let request = DialRequest {
            target: target.clone(),
            account,
        };
        match self.dial_with(request, Extras::default()).await {
            Ok(info) => {
                let number = call_number(&info);
                {
                    let mut state = self.desk.inner.lock().expect("desk lock");
                    state.consultations.insert(number, caller);
                    if let Some(control) = state.controls.get_mut(&caller) {
                        control.consultation = Some((transfer, number));
                    }
                }
                self.link(caller, Some(number));
                // It may already have ended before it was linked.
                if self.calls.get(number).is_none() {
                    self.desk_input(caller, |c, now| {
                        c.consultation = None;
                        c.machine.transfer_mut().consultation_failed(
                            now,
                            transfer,
                            ENDED_BEFORE_ANSWER,
                        )
                    });
                }
            }
            Err(e) => {
                self.emit(Event::Notice {
                    message: format!("call c{caller}: cannot call {target}: {e}"),
                });
                let status = match e.kind {
                    frontdesk_api::ErrorKind::BadRequest | frontdesk_api::ErrorKind::NotFound => {
                        404
                    }
                    _ => 503,
                };
                self.desk_input(caller, |c, now| {
                    c.machine
                        .transfer_mut()
                        .consultation_failed(now, transfer, status)
                });
            }
        }
    }

    /// Shows (or clears) the link between a caller's call and its consultation.
    fn link(&self, caller: u64, consultation: Option<u64>) {
        let previous = self
            .calls
            .get(caller)
            .and_then(|(info, _)| info.linked_call)
            .and_then(|id| id.strip_prefix('c').and_then(|n| n.parse().ok()));
        self.calls.change(self, caller, |c| {
            c.linked_call = consultation.map(|n| format!("c{n}"))
        });
        if let Some(n) = consultation {
            self.calls
                .change(self, n, |c| c.linked_call = Some(format!("c{caller}")));
        }
        if let Some(old) = previous.filter(|old| Some(*old) != consultation) {
            self.calls.change(self, old, |c| c.linked_call = None);
        }
    }

    /// The caller left during a consultation: the consultation is now an ordinary call.
    fn keep_consultation(&self, caller: u64, transfer: TransferId) {
        let number = {
            let mut state = self.desk.inner.lock().expect("desk lock");
            let number = state
                .controls
                .get(&caller)
                .and_then(|c| c.consultation)
                .filter(|(t, _)| *t == transfer)
                .map(|(_, n)| n);
            if let Some(n) = number {
                state.consultations.remove(&n);
            }
            state.controls.remove(&caller);
            number
        };
        let Some(number) = number else { return };
        self.calls.change(self, number, |c| c.linked_call = None);
        let Some((info, _)) = self.calls.get(number) else {
            return;
        };
        if info.state == CallState::Active {
            self.desk_answered(number, info.account.as_deref());
        }
    }

    /// The `Refer-To` and `Referred-By` of a REFER sent for `caller`'s control.
    fn refer_to(&self, caller: u64, refer_to: &ReferTo) -> Result<(String, String), String> {
        let (info, _) = self.calls.get(caller).ok_or("the call is gone")?;
        let account = info
            .account
            .as_deref()
            .and_then(|n| self.accounts.by_name(n));
        let referred_by = match account {
            Some(account) => account
                .spec
                .aor()
                .map(|aor| frontdesk_sip::account::uri_to_string(&aor))
                .map_err(|e| e.0)?,
            None => format!("sip:frontdesk@{}", self.stack.listen_addr()),
        };
        let target = match refer_to {
            ReferTo::Number(number) => match account {
                Some(account) => account
                    .spec
                    .target_uri_with(&account.dial_plan, number)
                    .map(|uri| frontdesk_sip::account::uri_to_string(&uri))
                    .map_err(|e| e.0)?,
                None => frontdesk_sip::account::direct_target_uri(number)
                    .map(|uri| frontdesk_sip::account::uri_to_string(&uri))
                    .map_err(|e| e.0)?,
            },
            ReferTo::Replacing(leg) => {
                // The far end of `via` calls the other leg's party, replacing our dialog there.
                let other = self
                    .leg_number(caller, *leg)
                    .ok_or("the other call of the transfer is gone")?;
                let (other_info, _) = self.calls.get(other).ok_or("the other call is gone")?;
                let dialog = self
                    .calls
                    .dialog(other)
                    .ok_or("the other call is not answered")?;
                format!(
                    "{}?Replaces={}",
                    other_info.remote_uri,
                    percent_encode(&dialog.replaces_for_remote())
                )
            }
        };
        Ok((target, referred_by))
    }
}

/// The SIP status that ended an unanswered call, for the transfer machine's messages.
fn status_of(reason: &EndReason) -> u16 {
    match reason {
        EndReason::Busy => 486,
        EndReason::Declined => 603,
        EndReason::NoAnswer => 480,
        EndReason::Cancelled => 487,
        EndReason::Failed(code) => *code,
        _ => ENDED_BEFORE_ANSWER,
    }
}

/// The engine's number of a call from its API id (`c7` → 7).
pub(crate) fn call_number(info: &CallInfo) -> u64 {
    info.id
        .strip_prefix('c')
        .and_then(|n| n.parse().ok())
        .unwrap_or_default()
}

/// Percent-encodes a header value for a URI's `?Replaces=` (RFC 3261 19.1.1).
fn percent_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'_'
            | b'.'
            | b'!'
            | b'~'
            | b'*'
            | b'\''
            | b'('
            | b')' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_values_are_escaped_for_a_uri() {
        assert_eq!(
            percent_encode("a@h;to-tag=x;from-tag=y"),
            "a%40h%3Bto-tag%3Dx%3Bfrom-tag%3Dy"
        );
    }
}
