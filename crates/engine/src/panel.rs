//! The busy-lamp panel and pickup: one dialog-event subscriber per account with `blf = [...]`,
//! its lamps as API state and events, and `*8` pickups chosen from the calls ringing there.

use crate::accounts::{now_millis, Account};
use crate::desk::code_table;
use crate::dial::Extras;
use crate::Engine;
use frontdesk_api::{ApiError, CallInfo, DialRequest, Event, Lamp, LampState};
use frontdesk_callcontrol::{plan_pickup, Dialed, PickupPlan, RingingDialog};
use frontdesk_sip::blf::{self, BlfConfig, BlfHandle, ExtensionState, RingingCall};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Every lamp of every account, and the subscribers behind them.
#[derive(Default)]
pub(crate) struct Panel {
    lamps: Mutex<Vec<Entry>>,
    subscribers: tokio::sync::Mutex<Vec<BlfHandle>>,
}

struct Entry {
    lamp: Lamp,
    /// The call ringing there and since when, for pickups (oldest first).
    ringing: Option<(RingingCall, Instant)>,
}

impl Panel {
    pub(crate) fn lamps(&self) -> Vec<Lamp> {
        self.lamps
            .lock()
            .expect("panel lock")
            .iter()
            .map(|e| e.lamp.clone())
            .collect()
    }

    /// The calls ringing at `account`'s watched extensions, as the pickup planner wants them.
    fn ringing(&self, account: &str) -> Vec<RingingDialog> {
        self.lamps
            .lock()
            .expect("panel lock")
            .iter()
            .filter(|e| e.lamp.account == account)
            .filter_map(|e| {
                let (call, since) = e.ringing.as_ref()?;
                Some(RingingDialog {
                    extension: e.lamp.extension.clone(),
                    call_id: call.call_id.clone(),
                    local_tag: call.local_tag.clone(),
                    remote_tag: call.remote_tag.clone(),
                    caller: call.caller.as_ref().map(|c| c.uri.clone()),
                    ringing_since: *since,
                })
            })
            .collect()
    }

    /// Applies a lamp change; returns the lamp to announce if it changed. `display_number`
    /// formats a caller without a display name by the account's dial plan.
    fn apply(
        &self,
        account: &str,
        extension: &str,
        state: ExtensionState,
        problem: Option<String>,
        display_number: impl Fn(&str) -> String,
    ) -> Option<Lamp> {
        let mut lamps = self.lamps.lock().expect("panel lock");
        let entry = lamps
            .iter_mut()
            .find(|e| e.lamp.account == account && e.lamp.extension == extension)?;
        let (lamp_state, caller) = match &state {
            ExtensionState::Unknown => (LampState::Unknown, None),
            ExtensionState::Idle => (LampState::Idle, None),
            ExtensionState::Busy => (LampState::Busy, None),
            ExtensionState::Ringing(call) => (
                LampState::Ringing,
                call.caller.as_ref().map(|c| {
                    c.display_name
                        .clone()
                        .unwrap_or_else(|| display_number(c.number()))
                }),
            ),
        };
        entry.ringing = match state {
            ExtensionState::Ringing(call) => {
                let since = match &entry.ringing {
                    Some((old, since)) if old.dialog_id == call.dialog_id => *since,
                    _ => Instant::now(),
                };
                Some((call, since))
            }
            _ => None,
        };
        let changed = entry.lamp.state != lamp_state
            || entry.lamp.caller != caller
            || entry.lamp.problem != problem;
        if !changed {
            return None;
        }
        entry.lamp.state = lamp_state;
        entry.lamp.caller = caller;
        entry.lamp.problem = problem;
        entry.lamp.since = now_millis();
        Some(entry.lamp.clone())
    }
}

impl Engine {
    /// Starts watching the `blf` extensions of every account that lists some.
    pub(crate) fn start_panel(&self) {
        for account in self.accounts.all() {
            if account.config.blf.is_empty() {
                continue;
            }
            self.panel
                .lamps
                .lock()
                .expect("panel lock")
                .extend(account.config.blf.iter().map(|extension| Entry {
                    lamp: Lamp {
                        account: account.config.name.clone(),
                        extension: extension.clone(),
                        state: LampState::Unknown,
                        caller: None,
                        problem: None,
                        since: now_millis(),
                    },
                    ringing: None,
                }));
            let engine = self.strong();
            let account = account.clone();
            tokio::spawn(async move { engine.watch(account).await });
        }
    }

    /// Removes every subscription (on shutdown).
    pub(crate) async fn stop_panel(&self) {
        let subscribers = std::mem::take(&mut *self.panel.subscribers.lock().await);
        for subscriber in subscribers {
            subscriber.stop().await;
        }
    }

    async fn watch(self: Arc<Self>, account: Arc<Account>) {
        let password = account.password().await;
        let mut config = BlfConfig::new(account.config.blf.clone());
        config.probe_interval = Duration::from_secs(account.config.keepalive_seconds.max(5) as u64);
        let (handle, mut changes) =
            blf::spawn(self.stack.clone(), account.spec.clone(), password, config);
        self.panel.subscribers.lock().await.push(handle);
        let weak = Arc::downgrade(&self);
        drop(self);
        let name = account.config.name.clone();
        while let Some(change) = changes.recv().await {
            let Some(engine) = weak.upgrade() else { return };
            if let Some(lamp) =
                engine
                    .panel
                    .apply(&name, &change.extension, change.state, None, |number| {
                        engine.display_number(Some(&name), number)
                    })
            {
                engine.emit(Event::Lamp { lamp });
            }
        }
    }

    /// `*8` + extension (or `*8` alone) dialled from `account`: takes over the call ringing
    /// there with `INVITE … Replaces: …;early-only`, or dials the PBX's own pickup code when
    /// its lamps carry no dialog ids. `Ok(None)` when `target` is no pickup code.
    pub(crate) async fn pickup(
        &self,
        account: &Arc<Account>,
        target: &str,
    ) -> Result<Option<CallInfo>, ApiError> {
        let table = code_table(self, Some(&account.config.name));
        let Dialed::Pickup(extension) = table.interpret_dialed(target) else {
            return Ok(None);
        };
        let ringing = self.panel.ringing(&account.config.name);
        let request = |target: String| DialRequest {
            target,
            account: Some(account.config.name.clone()),
        };
        match plan_pickup(&table, extension.as_deref(), &ringing) {
            PickupPlan::Replace(dialog) => {
                let (Some(call_id), Some(local_tag), Some(remote_tag), Some(caller)) = (
                    dialog.call_id,
                    dialog.local_tag,
                    dialog.remote_tag,
                    dialog.caller,
                ) else {
                    return Err(ApiError::internal("the ringing call lost its ids"));
                };
                // RFC 3891: the caller matches `to-tag` against its own tag, which is the
                // ringing dialog's remote tag seen from the extension.
                let replaces =
                    format!("{call_id};to-tag={remote_tag};from-tag={local_tag};early-only");
                let extras = Extras {
                    replaces: Some(replaces),
                    literal: true,
                    ..Extras::default()
                };
                Box::pin(self.dial_with(request(caller), extras))
                    .await
                    .map(Some)
            }
            PickupPlan::DialServerCode { number, .. } => {
                let extras = Extras {
                    literal: true,
                    ..Extras::default()
                };
                Box::pin(self.dial_with(request(number), extras))
                    .await
                    .map(Some)
            }
            PickupPlan::Nothing(notice) => Err(ApiError::conflict(notice.to_string())),
        }
    }
}
