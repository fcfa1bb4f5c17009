//! Announced (attended) and blind transfer for one receptionist call.
//!
//! The machine knows two legs: the **caller** (the call the receptionist is
//! on) and the **consultation** (the receptionist's call to a colleague). It
//! never does SIP itself: it asks for SIP operations with [`Action`]s and is
//! told their outcome through its input methods, each tagged with the
//! [`TransferId`] of the attempt so a late answer to an abandoned attempt is
//! ignored instead of disturbing the next one.
//!
//! Rules it enforces:
//! - The caller is held, and the hold acknowledged (re-INVITE 200), before a
//!   consultation is dialled or a REFER is sent (RFC 5589; avoids 491).
//! - A failed or refused transfer never drops the caller: they are resumed
//!   and a [`Notice`] says why.
//! - Hanging up during an answered consultation completes the transfer:
//!   REFER to the caller with `Replaces` of the consultation, or — when the
//!   caller's phone cannot do REFER — REFER to the colleague with `Replaces`
//!   of the caller's dialog. Hanging up before the colleague answered cancels
//!   the consultation and returns to the caller.

use crate::notice::{FailureReason, Notice};
use std::collections::VecDeque;
use std::fmt;
use std::time::{Duration, Instant};

/// Time limits of a transfer; the defaults are what receptionists expect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timers {
    /// How long the caller's phone may take to acknowledge the hold before
    /// the transfer is abandoned (default 8 s: room for one 491 retry).
    pub hold_ack: Duration,
    /// How long the colleague may take to answer the consultation (15 s).
    pub consultation_answer: Duration,
    /// How long a REFER may take to report a final outcome (NOTIFY with a
    /// final sipfrag) before the caller is resumed (15 s).
    pub transfer_outcome: Duration,
}

impl Default for Timers {
    fn default() -> Self {
        Self {
            hold_ack: Duration::from_secs(8),
            consultation_answer: Duration::from_secs(15),
            transfer_outcome: Duration::from_secs(15),
        }
    }
}

/// Identifies one transfer attempt; inputs carrying another id are stale and ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TransferId(u64);

impl TransferId {
    /// The number inside, for logs.
    pub fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for TransferId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "transfer#{}", self.0)
    }
}

/// One of the two calls of a transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Leg {
    /// The call being transferred (the receptionist's original call).
    Caller,
    /// The receptionist's call to the colleague.
    Consultation,
}

/// Announced or blind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransferKind {
    /// Talk to the colleague first, hang up to hand the caller over.
    Attended,
    /// Send the caller straight to the number.
    Blind,
}

/// What a REFER's `Refer-To` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReferTo {
    /// Blind transfer: `Refer-To: <target>` (the number as an address of the
    /// account), with `Referred-By: <the account's address>`.
    Number(String),
    /// Attended transfer: `Refer-To: <remote target of this leg>?Replaces=<this
    /// leg's dialog: call-id;to-tag;from-tag>` — the REFER's recipient calls
    /// that party and the new call replaces this leg.
    Replacing(Leg),
}

/// A SIP operation (or message) the engine must carry out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Put the caller on hold (re-INVITE `sendonly`, music on hold), then
    /// report [`TransferMachine::hold_acknowledged`] or
    /// [`TransferMachine::hold_failed`] with this id.
    HoldCaller {
        /// The attempt the hold belongs to.
        transfer: TransferId,
    },
    /// Take the caller off hold (re-INVITE `sendrecv`). No report needed.
    ResumeCaller,
    /// Call the colleague on the same account; report answer or failure with this id.
    DialConsultation {
        /// The attempt.
        transfer: TransferId,
        /// Number as typed (extension, external number or `sip:` URI).
        target: String,
    },
    /// End the consultation (CANCEL if unanswered, else BYE). No report needed;
    /// ignore it if that call is already gone.
    HangUpConsultation {
        /// The attempt.
        transfer: TransferId,
    },
    /// Send a REFER in the dialog of `via`; report its final response and the
    /// NOTIFY sipfrags with this id.
    SendRefer {
        /// The attempt.
        transfer: TransferId,
        /// The dialog the REFER is sent in (its remote party does the calling).
        via: Leg,
        /// What `Refer-To` names.
        refer_to: ReferTo,
    },
    /// End the caller's call (BYE). Ignore it if that call is already gone.
    HangUpCaller,
    /// The caller left during a consultation: the consultation leg is now an
    /// ordinary call of the receptionist (give it its own call control).
    KeepConsultationAsCall {
        /// The attempt whose consultation leg it is.
        transfer: TransferId,
    },
    /// Send these keys as DTMF on that leg (from [`crate::CallControl`] only).
    SendDtmf {
        /// Where: the consultation while one exists, else the caller.
        leg: Leg,
        /// Keys in order.
        digits: String,
    },
    /// Tell the receptionist.
    Notice(Notice),
}

/// How the receptionist's call ended, for the history and the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EndReason {
    /// The receptionist hung up with no transfer going on.
    ReceptionistHungUp,
    /// The caller hung up.
    CallerHungUp,
    /// The caller was handed over successfully.
    Transferred,
    /// The caller hung up during a consultation, which lives on as its own call.
    CallerLeftDuringConsultation,
}

/// Where the call stands; shown by UIs ("on hold", "consulting 101…").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransferState {
    /// The caller's call is not answered yet.
    Ringing,
    /// A plain call with the caller.
    Talking,
    /// Waiting for the caller's phone to acknowledge the hold.
    HoldingCaller {
        /// The attempt.
        transfer: TransferId,
        /// What follows the hold.
        kind: TransferKind,
        /// The transfer target.
        target: String,
    },
    /// The caller is held; the receptionist calls (or talks to) the colleague.
    Consulting {
        /// The attempt.
        transfer: TransferId,
        /// The colleague's number.
        target: String,
        /// Whether the colleague answered.
        answered: bool,
    },
    /// A REFER is out; waiting for its outcome.
    Transferring {
        /// The attempt.
        transfer: TransferId,
        /// Announced or blind.
        kind: TransferKind,
        /// The transfer target.
        target: String,
        /// The leg the REFER went to.
        via: Leg,
        /// Whether the REFER was accepted (202) yet.
        accepted: bool,
    },
    /// Nothing more will happen on this call.
    Ended(EndReason),
}

/// The transfer state machine of one receptionist call.
///
/// Inputs are methods taking `now`; outputs are drained with
/// [`poll_action`](Self::poll_action); time is driven with
/// [`poll_timeout`](Self::poll_timeout) / [`handle_timeout`](Self::handle_timeout).
#[derive(Debug, Clone)]
pub struct TransferMachine {
    timers: Timers,
    state: TransferState,
    deadline: Option<Instant>,
    caller_accepts_refer: bool,
    consultation_accepts_refer: bool,
    caller_present: bool,
    consultation_present: bool,
    next_id: u64,
    actions: VecDeque<Action>,
}

impl TransferMachine {
    /// A machine for a call that is not answered yet.
    pub fn new(timers: Timers) -> Self {
        Self {
            timers,
            state: TransferState::Ringing,
            deadline: None,
            caller_accepts_refer: false,
            consultation_accepts_refer: false,
            caller_present: true,
            consultation_present: false,
            next_id: 1,
            actions: VecDeque::new(),
        }
    }

    /// Where the call stands.
    pub fn state(&self) -> &TransferState {
        &self.state
    }

    /// Whether nothing more will happen (the engine can drop the machine).
    pub fn is_ended(&self) -> bool {
        matches!(self.state, TransferState::Ended(_))
    }

    /// The leg the receptionist is talking to, where plain DTMF belongs.
    pub fn active_leg(&self) -> Leg {
        match self.state {
            TransferState::Consulting { .. } => Leg::Consultation,
            _ => Leg::Caller,
        }
    }

    /// The caller's call was answered. `caller_accepts_refer`: its `Allow`
    /// header (INVITE or 200) lists REFER — without it, REFER is not tried
    /// towards the caller.
    pub fn connected(&mut self, _now: Instant, caller_accepts_refer: bool) {
        self.caller_accepts_refer = caller_accepts_refer;
        if self.state == TransferState::Ringing {
            self.state = TransferState::Talking;
        }
    }

    /// Updates the caller's REFER support, e.g. from the `Allow` of a later re-INVITE.
    pub fn set_caller_accepts_refer(&mut self, accepts: bool) {
        self.caller_accepts_refer = accepts;
    }

    /// Start an announced transfer: hold the caller, then call `target`.
    pub fn attended_transfer(&mut self, now: Instant, target: &str) {
        self.start(now, target, TransferKind::Attended);
    }

    /// Start a blind transfer: hold the caller, then REFER them to `target`.
    /// Refused at once (caller untouched) when the caller cannot do REFER.
    pub fn blind_transfer(&mut self, now: Instant, target: &str) {
        self.start(now, target, TransferKind::Blind);
    }

    /// End the consultation (or a transfer still waiting for the hold) and
    /// resume the caller.
    pub fn back_to_caller(&mut self, _now: Instant) {
        match &self.state {
            TransferState::HoldingCaller { .. } => {
                self.push(Action::ResumeCaller);
                self.back_to_talking();
            }
            TransferState::Consulting { transfer, .. } => {
                let transfer = *transfer;
                self.push(Action::HangUpConsultation { transfer });
                self.push(Action::ResumeCaller);
                self.back_to_talking();
            }
            TransferState::Transferring { target, .. } => {
                let target = target.clone();
                self.notice(Notice::TransferPending { target });
            }
            TransferState::Ringing | TransferState::Talking => self.notice(Notice::NoConsultation),
            TransferState::Ended(_) => {}
        }
    }

    /// The caller's phone answered the hold re-INVITE with 2xx.
    pub fn hold_acknowledged(&mut self, now: Instant, transfer: TransferId) {
        let TransferState::HoldingCaller {
            transfer: current,
            kind,
            target,
        } = &self.state
        else {
            return;
        };
        if *current != transfer {
            return;
        }
        let (kind, target) = (*kind, target.clone());
        match kind {
            TransferKind::Attended => {
                self.push(Action::DialConsultation {
                    transfer,
                    target: target.clone(),
                });
                self.consultation_present = true;
                self.consultation_accepts_refer = false;
                self.state = TransferState::Consulting {
                    transfer,
                    target,
                    answered: false,
                };
                self.deadline = Some(now + self.timers.consultation_answer);
            }
            TransferKind::Blind => {
                self.send_refer(
                    now,
                    transfer,
                    TransferKind::Blind,
                    target.clone(),
                    Leg::Caller,
                    ReferTo::Number(target),
                );
            }
        }
    }

    /// The hold re-INVITE got a final non-2xx `status`: the session is
    /// unchanged (RFC 3261), so the caller is not resumed, only told.
    pub fn hold_failed(&mut self, _now: Instant, transfer: TransferId, status: u16) {
        if self.holding(transfer) {
            self.notice(Notice::HoldRefused { status });
            self.back_to_talking();
        }
    }

    /// The colleague answered. `accepts_refer`: their 200's `Allow` lists REFER.
    pub fn consultation_answered(
        &mut self,
        _now: Instant,
        transfer: TransferId,
        accepts_refer: bool,
    ) {
        if let TransferState::Consulting {
            transfer: current,
            answered,
            ..
        } = &mut self.state
        {
            if *current == transfer && !*answered {
                *answered = true;
                self.consultation_accepts_refer = accepts_refer;
                self.deadline = None;
            }
        }
    }

    /// The consultation INVITE got a final non-2xx `status` (busy, declined,
    /// not found…): the caller is resumed and told why.
    pub fn consultation_failed(&mut self, now: Instant, transfer: TransferId, status: u16) {
        let TransferState::Consulting {
            transfer: current,
            target,
            answered,
        } = &self.state
        else {
            return;
        };
        if *current != transfer {
            return;
        }
        if *answered {
            return self.colleague_hung_up(now, transfer);
        }
        let target = target.clone();
        self.consultation_present = false;
        self.push(Action::ResumeCaller);
        self.notice(Notice::TransferFailed {
            target,
            why: FailureReason::from_status(status),
        });
        self.back_to_talking();
    }

    /// The consultation call ended from the colleague's side (BYE, or CANCEL
    /// by a server).
    pub fn colleague_hung_up(&mut self, _now: Instant, transfer: TransferId) {
        match &self.state {
            TransferState::Consulting {
                transfer: current,
                target,
                ..
            } if *current == transfer => {
                let target = target.clone();
                self.consultation_present = false;
                self.push(Action::ResumeCaller);
                self.notice(Notice::ColleagueHungUp { target });
                self.back_to_talking();
            }
            TransferState::Transferring {
                transfer: current,
                via,
                target,
                ..
            } if *current == transfer => {
                let (via, target) = (*via, target.clone());
                self.consultation_present = false;
                if !self.caller_present {
                    // Both far ends left us: they are talking to each other.
                    return self.end(EndReason::Transferred);
                }
                if via == Leg::Consultation {
                    // The colleague was to call the caller; leaving first
                    // means that will not happen.
                    self.push(Action::ResumeCaller);
                    self.notice(Notice::ColleagueHungUp { target });
                    self.back_to_talking();
                }
                // via Caller: the colleague's phone ends the replaced
                // consultation itself; the NOTIFY decides.
            }
            _ => {}
        }
    }

    /// The caller hung up (BYE or CANCEL).
    pub fn caller_hung_up(&mut self, _now: Instant) {
        self.caller_present = false;
        match &self.state {
            TransferState::Ringing
            | TransferState::Talking
            | TransferState::HoldingCaller { .. } => self.end(EndReason::CallerHungUp),
            TransferState::Consulting {
                transfer, target, ..
            } => {
                let (transfer, target) = (*transfer, target.clone());
                self.push(Action::KeepConsultationAsCall { transfer });
                self.notice(Notice::CallerHungUpDuringConsultation { target });
                self.consultation_present = false;
                self.end(EndReason::CallerLeftDuringConsultation);
            }
            TransferState::Transferring {
                transfer,
                kind,
                via,
                ..
            } => {
                let (transfer, kind, via) = (*transfer, *kind, *via);
                if kind == TransferKind::Blind {
                    return self.end(EndReason::CallerHungUp);
                }
                if !self.consultation_present {
                    return self.end(EndReason::Transferred);
                }
                if via == Leg::Caller {
                    // The caller was to call the colleague; nobody is left on
                    // our side of the consultation.
                    self.push(Action::HangUpConsultation { transfer });
                    self.consultation_present = false;
                    self.end(EndReason::CallerHungUp);
                }
                // via Consultation: the caller's BYE is what a successful
                // Replaces looks like; the NOTIFY decides.
            }
            TransferState::Ended(_) => {}
        }
    }

    /// The receptionist hung up. With no transfer going on this ends the
    /// call; during an answered consultation it completes the transfer;
    /// before the colleague answered it cancels the consultation and returns
    /// to the caller (a receptionist never expects the caller to be dropped).
    pub fn receptionist_hung_up(&mut self, now: Instant) {
        match &self.state {
            TransferState::Ringing | TransferState::Talking => {
                self.push(Action::HangUpCaller);
                self.end(EndReason::ReceptionistHungUp);
            }
            TransferState::HoldingCaller {
                kind: TransferKind::Attended,
                target,
                ..
            } => {
                let target = target.clone();
                self.push(Action::ResumeCaller);
                self.notice(Notice::ConsultationCancelled { target });
                self.back_to_talking();
            }
            TransferState::HoldingCaller { target, .. }
            | TransferState::Transferring { target, .. } => {
                let target = target.clone();
                self.notice(Notice::TransferPending { target });
            }
            TransferState::Consulting {
                transfer,
                target,
                answered: false,
            } => {
                let (transfer, target) = (*transfer, target.clone());
                self.push(Action::HangUpConsultation { transfer });
                self.push(Action::ResumeCaller);
                self.notice(Notice::ConsultationCancelled { target });
                self.back_to_talking();
            }
            TransferState::Consulting {
                transfer,
                target,
                answered: true,
            } => {
                let (transfer, target) = (*transfer, target.clone());
                if self.caller_accepts_refer {
                    self.send_refer(
                        now,
                        transfer,
                        TransferKind::Attended,
                        target,
                        Leg::Caller,
                        ReferTo::Replacing(Leg::Consultation),
                    );
                } else if self.consultation_accepts_refer {
                    self.send_refer(
                        now,
                        transfer,
                        TransferKind::Attended,
                        target,
                        Leg::Consultation,
                        ReferTo::Replacing(Leg::Caller),
                    );
                } else {
                    self.push(Action::HangUpConsultation { transfer });
                    self.push(Action::ResumeCaller);
                    self.notice(Notice::TransferFailed {
                        target,
                        why: FailureReason::ReferUnsupported,
                    });
                    self.back_to_talking();
                }
            }
            TransferState::Ended(_) => {}
        }
    }

    /// The REFER got 202 (or any 2xx).
    pub fn refer_accepted(&mut self, _now: Instant, transfer: TransferId) {
        if let TransferState::Transferring {
            transfer: current,
            accepted,
            ..
        } = &mut self.state
        {
            if *current == transfer {
                *accepted = true;
            }
        }
    }

    /// The REFER got a final non-2xx `status`. When the caller's phone cannot
    /// do REFER (405/501/420) during an announced transfer, the REFER is
    /// retried towards the colleague if their phone can; otherwise the caller
    /// is resumed and told why.
    pub fn refer_rejected(&mut self, now: Instant, transfer: TransferId, status: u16) {
        let TransferState::Transferring {
            transfer: current,
            kind,
            target,
            via,
            ..
        } = &self.state
        else {
            return;
        };
        if *current != transfer {
            return;
        }
        let (kind, target, via) = (*kind, target.clone(), *via);
        let why = FailureReason::from_refer_status(status);
        if why == FailureReason::ReferUnsupported {
            if via == Leg::Caller {
                self.caller_accepts_refer = false;
            }
            if kind == TransferKind::Attended
                && via == Leg::Caller
                && self.consultation_present
                && self.consultation_accepts_refer
            {
                return self.send_refer(
                    now,
                    transfer,
                    kind,
                    target,
                    Leg::Consultation,
                    ReferTo::Replacing(Leg::Caller),
                );
            }
        }
        self.fail(why);
    }

    /// A NOTIFY for the REFER carried a sipfrag with this status line code:
    /// 1xx is progress, 2xx success (the call is handed over and ours ends),
    /// anything else failure (the caller is resumed).
    pub fn notify_sipfrag(&mut self, _now: Instant, transfer: TransferId, status: u16) {
        let TransferState::Transferring {
            transfer: current,
            accepted,
            ..
        } = &mut self.state
        else {
            return;
        };
        if *current != transfer {
            return;
        }
        // A NOTIFY can overtake the 202 (RFC 3515); it implies acceptance.
        *accepted = true;
        match status {
            0..=199 => {}
            200..=299 => self.succeed(transfer),
            _ => self.fail(FailureReason::from_status(status)),
        }
    }

    /// When [`handle_timeout`](Self::handle_timeout) must be called next, if at all.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.deadline
    }

    /// Acts on a time limit that has passed: hold never acknowledged
    /// (resume), colleague not answering (cancel, resume), transfer outcome
    /// never reported (resume).
    pub fn handle_timeout(&mut self, now: Instant) {
        match self.deadline {
            Some(deadline) if now >= deadline => self.deadline = None,
            _ => return,
        }
        match &self.state {
            TransferState::HoldingCaller { .. } => {
                self.push(Action::ResumeCaller);
                self.notice(Notice::HoldNotAcknowledged {
                    after: self.timers.hold_ack,
                });
                self.back_to_talking();
            }
            TransferState::Consulting {
                transfer,
                target,
                answered: false,
            } => {
                let (transfer, target) = (*transfer, target.clone());
                self.push(Action::HangUpConsultation { transfer });
                self.push(Action::ResumeCaller);
                self.notice(Notice::TransferFailed {
                    target,
                    why: FailureReason::NoAnswerWithin(self.timers.consultation_answer),
                });
                self.back_to_talking();
            }
            TransferState::Transferring { kind, accepted, .. } => {
                let after = self.timers.transfer_outcome;
                let why = if *kind == TransferKind::Blind && *accepted {
                    FailureReason::NoAnswerWithin(after)
                } else {
                    FailureReason::NotConfirmed(after)
                };
                self.fail(why);
            }
            _ => {}
        }
    }

    /// The next SIP operation or notice, in the order they arose.
    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    fn start(&mut self, now: Instant, target: &str, kind: TransferKind) {
        let target = target.trim();
        match &self.state {
            TransferState::Ringing => return self.notice(Notice::NotConnected),
            TransferState::Talking => {}
            TransferState::Ended(_) => return,
            _ => return self.notice(Notice::TransferInProgress),
        }
        if target.is_empty() {
            return self.notice(Notice::NoNumber);
        }
        if kind == TransferKind::Blind && !self.caller_accepts_refer {
            return self.notice(Notice::TransferFailed {
                target: target.to_string(),
                why: FailureReason::ReferUnsupported,
            });
        }
        let transfer = TransferId(self.next_id);
        self.next_id += 1;
        self.push(Action::HoldCaller { transfer });
        self.state = TransferState::HoldingCaller {
            transfer,
            kind,
            target: target.to_string(),
        };
        self.deadline = Some(now + self.timers.hold_ack);
    }

    fn send_refer(
        &mut self,
        now: Instant,
        transfer: TransferId,
        kind: TransferKind,
        target: String,
        via: Leg,
        refer_to: ReferTo,
    ) {
        self.push(Action::SendRefer {
            transfer,
            via,
            refer_to,
        });
        self.state = TransferState::Transferring {
            transfer,
            kind,
            target,
            via,
            accepted: false,
        };
        self.deadline = Some(now + self.timers.transfer_outcome);
    }

    fn succeed(&mut self, transfer: TransferId) {
        if self.caller_present {
            self.push(Action::HangUpCaller);
        }
        if self.consultation_present {
            self.push(Action::HangUpConsultation { transfer });
        }
        self.end(EndReason::Transferred);
    }

    fn fail(&mut self, why: FailureReason) {
        let TransferState::Transferring {
            transfer, target, ..
        } = &self.state
        else {
            return;
        };
        let (transfer, target) = (*transfer, target.clone());
        if self.consultation_present {
            self.push(Action::HangUpConsultation { transfer });
            self.consultation_present = false;
        }
        if !self.caller_present {
            return self.end(EndReason::CallerHungUp);
        }
        self.push(Action::ResumeCaller);
        self.notice(Notice::TransferFailed { target, why });
        self.back_to_talking();
    }

    fn holding(&self, transfer: TransferId) -> bool {
        matches!(&self.state, TransferState::HoldingCaller { transfer: current, .. } if *current == transfer)
    }

    fn back_to_talking(&mut self) {
        self.state = TransferState::Talking;
        self.deadline = None;
        self.consultation_present = false;
    }

    fn end(&mut self, reason: EndReason) {
        self.state = TransferState::Ended(reason);
        self.deadline = None;
    }

    fn notice(&mut self, notice: Notice) {
        self.push(Action::Notice(notice));
    }

    fn push(&mut self, action: Action) {
        self.actions.push_back(action);
    }
}

#[cfg(test)]
mod tests;
