//! Live calls: their public state, their handles, and the pump that turns SIP call events
//! into API events and history rows.

use crate::accounts::now_millis;
use crate::Engine;
use frontdesk_api::{ApiError, CallDirection, CallInfo, CallState, Event};
use frontdesk_sip::call::{CallCommand, CallEvent, CallHandle};
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
}

/// Who the far end is, for a call about to start.
pub(crate) struct Party {
    pub(crate) account: Option<String>,
    pub(crate) direction: CallDirection,
    pub(crate) remote_uri: String,
    pub(crate) remote_number: String,
    pub(crate) remote_name: Option<String>,
    pub(crate) sip_call_id: String,
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

    fn update(&self, number: u64, change: impl FnOnce(&mut CallInfo)) -> Option<CallInfo> {
        let mut live = self.live.lock().expect("calls lock");
        let call = live.get_mut(&number)?;
        change(&mut call.info);
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
        remote_name: party.remote_name.clone(),
        codec: None,
        started_at,
        answered_at: None,
        ended_at: None,
        end_reason: None,
    };
    let handle = start(tx);
    engine.calls.live.lock().expect("calls lock").insert(
        number,
        LiveCall {
            info: info.clone(),
            handle,
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

/// Applies one call event; returns false once the call has ended.
async fn pump(engine: &Arc<Engine>, number: u64, row: Option<CallId>, event: CallEvent) -> bool {
    let now = now_millis();
    let changed = match event {
        CallEvent::Ringing => engine
            .calls
            .update(number, |c| c.state = CallState::Ringing),
        CallEvent::Answered { codec } => {
            engine.history.answered(row, now).await;
            engine.calls.update(number, |c| {
                c.state = CallState::Active;
                c.answered_at = Some(now);
                c.codec = Some(codec.sdp_name().to_string());
            })
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
                    call.info.state = CallState::Ended;
                    call.info.ended_at = Some(now);
                    call.info.end_reason = Some(reason.as_str());
                    call.info
                });
            if let Some(call) = ended {
                engine.emit(Event::Call { call });
            }
            return false;
        }
    };
    if let Some(call) = changed {
        engine.emit(Event::Call { call });
    }
    true
}
