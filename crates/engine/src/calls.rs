//! Live calls: their public state, their handles, and the pump that turns SIP call events
//! into API events and history rows.

use crate::accounts::now_millis;
use crate::Engine;
use frontdesk_api::{ApiError, CallDirection, CallInfo, CallState, Event};
use frontdesk_sip::call::{
    CallCommand, CallEvent, CallHandle, DialogId, Replaces, TransferProgress,
};
use frontdesk_store::{CallId, Direction, NewCall, Timestamp};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

/// The calls that have not ended, by id.
#[derive(Default)]
pub(crate) struct Calls {
    live: Mutex<BTreeMap<u64, LiveCall>>,
    next_id: AtomicU64,
}

struct LiveCall {
    info: CallInfo,
    handle: CallHandle,
    /// The SIP dialog once answered, for `Replaces`.
    dialog: Option<DialogId>,
    /// The early dialogs of a call we place, while it rings: a colleague's pickup replaces
    /// one of them.
    early_dialogs: Vec<DialogId>,
    /// See [`Party::progress_to`].
    progress_to: Option<u64>,
    /// See [`Party::pickable_while_ringing`].
    pickable_while_ringing: bool,
    /// The SIP Call-ID, to tie the call to its history row and voicemail message.
    sip_call_id: String,
}

/// Who the far end is, for a call about to start.
pub(crate) struct Party {
    pub(crate) account: Option<String>,
    pub(crate) direction: CallDirection,
    pub(crate) remote_uri: String,
    pub(crate) remote_number: String,
    pub(crate) remote_name: Option<String>,
    pub(crate) sip_call_id: String,
    /// The call that asked for this one by REFER; it is told how this one goes.
    pub(crate) progress_to: Option<u64>,
    /// A call the user places (on their own devices, for nobody else): while it rings, a
    /// colleague may pick it up (`Replaces` on its early dialog). Not the voicemail's
    /// forwards, whose caller waits for exactly that call, nor calls a transfer asked for.
    pub(crate) pickable_while_ringing: bool,
}

impl Calls {
    /// Reserves the next call id (`c1`, `c2`, …).
    pub(crate) fn next_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed) + 1
    }

    pub(crate) fn list(&self) -> Vec<CallInfo> {
        self.live
            .lock()
            .expect("calls lock")
            .values()
            .map(|c| c.info.clone())
            .collect()
    }

    pub(crate) fn len(&self) -> usize {
        self.live.lock().expect("calls lock").len()
    }

    /// Finds the call a command is for: the named one, else `pick` among the live calls.
    pub(crate) fn find(
        &self,
        id: Option<&str>,
        pick: impl Fn(&CallInfo) -> bool,
    ) -> Result<(CallInfo, CallHandle), ApiError> {
        let live = self.live.lock().expect("calls lock");
        let found = match id {
            Some(id) => live.values().find(|c| c.info.id == id),
            None => live.values().rev().find(|c| pick(&c.info)),
        };
        match (found, id) {
            (Some(call), _) => Ok((call.info.clone(), call.handle.clone())),
            (None, Some(id)) => Err(ApiError::not_found(format!(
                "there is no call {id}; `frontdesk ctl calls` lists them"
            ))),
            (None, None) => Err(ApiError::not_found("there is no such call right now")),
        }
    }

    /// Asks every call to end and waits (bounded) until they have.
    pub(crate) async fn hang_up_all(&self) {
        let handles: Vec<CallHandle> = self
            .live
            .lock()
            .expect("calls lock")
            .values()
            .map(|c| c.handle.clone())
            .collect();
        for handle in handles {
            let _ = handle.send(CallCommand::Hangup);
        }
        for _ in 0..50 {
            if self.len() == 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn set_dialog(&self, number: u64, dialog: DialogId) {
        if let Some(call) = self.live.lock().expect("calls lock").get_mut(&number) {
            call.dialog = Some(dialog);
            call.early_dialogs.clear();
        }
    }

    fn add_early_dialog(&self, number: u64, dialog: DialogId) {
        if let Some(call) = self.live.lock().expect("calls lock").get_mut(&number) {
            if call.pickable_while_ringing {
                call.early_dialogs.push(dialog);
            }
        }
    }

    /// The call a `Replaces` header names — an answered call, or one we place that still
    /// rings (a colleague picks it up) — or the status to refuse it with: 481 when no dialog
    /// matches (an incoming call still ringing here is not ours to give away), 486 when
    /// `early-only` asks for a call that is already answered (RFC 3891 3).
    pub(crate) fn replaced_by(&self, replaces: &Replaces) -> Result<CallHandle, u16> {
        let live = self.live.lock().expect("calls lock");
        if let Some(answered) = live
            .values()
            .find(|c| c.dialog.as_ref().is_some_and(|d| replaces.matches(d)))
        {
            return match replaces.early_only {
                true => Err(486),
                false => Ok(answered.handle.clone()),
            };
        }
        live.values()
            .find(|c| c.early_dialogs.iter().any(|d| replaces.matches(d)))
            .map(|ringing| ringing.handle.clone())
            .ok_or(481)
    }

    fn progress_to(&self, number: u64) -> Option<u64> {
        self.live
            .lock()
            .expect("calls lock")
            .get(&number)
            .and_then(|c| c.progress_to)
    }

    fn clear_progress_to(&self, number: u64) {
        if let Some(call) = self.live.lock().expect("calls lock").get_mut(&number) {
            call.progress_to = None;
        }
    }

    /// The SIP dialog of an answered call.
    pub(crate) fn dialog(&self, number: u64) -> Option<DialogId> {
        self.live
            .lock()
            .expect("calls lock")
            .get(&number)
            .and_then(|c| c.dialog.clone())
    }

    /// The SIP Call-ID of call `number`.
    pub(crate) fn sip_call_id(&self, number: u64) -> Option<String> {
        self.live
            .lock()
            .expect("calls lock")
            .get(&number)
            .map(|c| c.sip_call_id.clone())
    }

    /// The public state of call `number` now.
    pub(crate) fn info(&self, number: u64) -> Option<CallInfo> {
        self.live
            .lock()
            .expect("calls lock")
            .get(&number)
            .map(|c| c.info.clone())
    }

    /// The handle and public state of call `number`.
    pub(crate) fn get(&self, number: u64) -> Option<(CallInfo, CallHandle)> {
        self.live
            .lock()
            .expect("calls lock")
            .get(&number)
            .map(|c| (c.info.clone(), c.handle.clone()))
    }

    /// Changes a call's public state and tells the front ends.
    pub(crate) fn change(&self, engine: &Engine, number: u64, change: impl FnOnce(&mut CallInfo)) {
        if let Some(call) = self.update(number, change) {
            engine.emit(Event::Call { call });
        }
    }

    fn update(&self, number: u64, change: impl FnOnce(&mut CallInfo)) -> Option<CallInfo> {
        let mut live = self.live.lock().expect("calls lock");
        let call = live.get_mut(&number)?;
        change(&mut call.info);
        call.info.revision += 1;
        Some(call.info.clone())
    }
}

/// Registers a new call, records it in the history and pumps its events until it ends.
///
/// `start` receives the event sink and must start the SIP call, returning its handle.
pub(crate) async fn track(
    engine: &Arc<Engine>,
    number: u64,
    party: Party,
    initial: CallState,
    start: impl FnOnce(mpsc::UnboundedSender<CallEvent>) -> CallHandle,
) -> CallInfo {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let started_at = now_millis();
    let info = CallInfo {
        id: format!("c{number}"),
        account: party.account.clone(),
        direction: party.direction,
        state: initial,
        remote_uri: party.remote_uri.clone(),
        remote_number: party.remote_number.clone(),
        remote_display: engine.display_number(party.account.as_deref(), &party.remote_number),
        remote_name: party.remote_name.clone(),
        codec: None,
        started_at,
        answered_at: None,
        ended_at: None,
        end_reason: None,
        on_hold: false,
        held_by_remote: false,
        muted: false,
        keys_as_dtmf: false,
        linked_call: None,
        revision: 0,
    };
    let handle = start(tx);
    engine.calls.live.lock().expect("calls lock").insert(
        number,
        LiveCall {
            info: info.clone(),
            handle,
            dialog: None,
            early_dialogs: Vec::new(),
            progress_to: party.progress_to,
            pickable_while_ringing: party.pickable_while_ringing,
            sip_call_id: party.sip_call_id.clone(),
        },
    );
    engine.emit(Event::Call { call: info.clone() });

    let history_row = engine
        .history
        .started(NewCall {
            direction: match party.direction {
                CallDirection::Incoming => Direction::Incoming,
                CallDirection::Outgoing => Direction::Outgoing,
            },
            remote_uri: party.remote_uri,
            remote_number: party.remote_number,
            remote_display_name: party.remote_name,
            account: party.account,
            sip_call_id: party.sip_call_id,
            started_at: Timestamp::from_millis(started_at),
        })
        .await;

    let weak = Arc::downgrade(engine);
    tokio::spawn(async move {
        while let Some(event) = rx.recv().await {
            let Some(engine) = weak.upgrade() else { return };
            if !pump(&engine, number, history_row, event).await {
                return;
            }
        }
    });
    info
}

/// Tells the call that asked for `number` by REFER how it goes (a NOTIFY there).
fn report_progress(engine: &Engine, number: u64, event: &CallEvent) {
    let Some(asker) = engine.calls.progress_to(number) else {
        return;
    };
    let status = match event {
        CallEvent::Ringing => 180,
        CallEvent::Answered { .. } => 200,
        CallEvent::Ended(reason) => match reason {
            frontdesk_sip::call::EndReason::Busy => 486,
            frontdesk_sip::call::EndReason::Declined => 603,
            frontdesk_sip::call::EndReason::NoAnswer => 480,
            frontdesk_sip::call::EndReason::Failed(code) => *code,
            _ => 503,
        },
        _ => return,
    };
    if let Some((_, handle)) = engine.calls.get(asker) {
        let _ = handle.send(CallCommand::ReferProgress(status));
    }
    if status >= 200 {
        engine.calls.clear_progress_to(number);
    }
}

/// Applies one call event; returns false once the call has ended.
async fn pump(engine: &Arc<Engine>, number: u64, row: Option<CallId>, event: CallEvent) -> bool {
    let now = now_millis();
    report_progress(engine, number, &event);
    let changed = match event {
        CallEvent::Ringing => engine
            .calls
            .update(number, |c| c.state = CallState::Ringing),
        CallEvent::EarlyDialog(dialog) => {
            engine.calls.add_early_dialog(number, dialog);
            None
        }
        CallEvent::Answered { codec, dialog } => {
            engine.history.answered(row, now).await;
            engine.calls.set_dialog(number, dialog);
            let changed = engine.calls.update(number, |c| {
                c.state = CallState::Active;
                c.answered_at = Some(now);
                c.codec = Some(codec.sdp_name().to_string());
            });
            if let Some(call) = &changed {
                engine.desk_answered(number, call.account.as_deref());
            }
            changed
        }
        CallEvent::Hold { local, remote } => {
            let changed = engine.calls.update(number, |c| {
                c.on_hold = local;
                c.held_by_remote = remote;
            });
            engine.desk_hold(number, local);
            changed
        }
        CallEvent::Transfer(progress) => {
            if let TransferProgress::Refused { reason, .. } = &progress {
                engine.emit(Event::Notice {
                    message: format!("call c{number}: the transfer was refused: {reason}"),
                });
            }
            engine.desk_transfer_progress(number, &progress);
            None
        }
        CallEvent::Referred {
            refer_to,
            referred_by,
        } => {
            engine.referred(number, refer_to, referred_by);
            None
        }
        CallEvent::Dtmf(digit) => {
            engine.emit(Event::Dtmf {
                call_id: format!("c{number}"),
                digit,
            });
            None
        }
        CallEvent::Notice(message) => {
            engine.emit(Event::Notice {
                message: format!("call c{number}: {message}"),
            });
            None
        }
        CallEvent::Ended(reason) => {
            if let frontdesk_sip::call::EndReason::Error(detail) = &reason {
                tracing::warn!("call c{number} failed: {detail}");
                engine.emit(Event::Notice {
                    message: format!("call c{number} failed: {detail}"),
                });
            }
            engine.history.ended(row, now, reason.as_str()).await;
            let ended = engine
                .calls
                .live
                .lock()
                .expect("calls lock")
                .remove(&number)
                .map(|mut call| {
                    call.info.revision += 1;
                    call.info.state = CallState::Ended;
                    call.info.ended_at = Some(now);
                    call.info.end_reason = Some(reason.as_str());
                    call.info
                });
            let answered = ended.as_ref().is_some_and(|c| c.answered_at.is_some());
            if let Some(call) = ended {
                engine.emit(Event::Call { call });
            }
            engine.desk_ended(number, &reason, answered);
            return false;
        }
    };
    if let Some(call) = changed {
        engine.emit(Event::Call { call });
    }
    true
}
