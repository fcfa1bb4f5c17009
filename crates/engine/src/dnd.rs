//! Do-not-disturb, switched while Frontdesk runs: the voicemail takes every call at once.
//!
//! `[voicemail] do_not_disturb` is where it starts; once the user switches it (from any front
//! end), the switch is kept in the store and wins over the config file, also after a restart.
//! The voicemail's takeover watches the switch, so turning it on also hands over a call that
//! is ringing right then.

use crate::history::History;
use crate::Engine;
use frontdesk_api::{ApiError, DoNotDisturb, Event};
use frontdesk_store::settings::DO_NOT_DISTURB;
use tokio::sync::{watch, Mutex};

/// The switch's current state, watched by every ringing call.
pub(crate) struct DndSwitch {
    state: watch::Sender<bool>,
    /// One switch at a time, so the stored value and the state never disagree.
    switching: Mutex<()>,
}

impl DndSwitch {
    /// The state the user last switched to, else `configured` (also when the store cannot be
    /// read: that is logged, and calls are still answered).
    pub(crate) async fn load(history: &History, configured: bool) -> DndSwitch {
        let stored = history
            .run(|s| s.setting(DO_NOT_DISTURB))
            .await
            .map_err(|e| {
                tracing::error!("cannot read the do-not-disturb switch, using the config: {e}")
            })
            .ok()
            .flatten();
        let on = match stored.as_deref() {
            Some("on") => true,
            Some("off") => false,
            Some(other) => {
                tracing::warn!(
                    "the stored do-not-disturb switch `{other}` is unknown; using the config"
                );
                configured
            }
            None => configured,
        };
        DndSwitch {
            state: watch::Sender::new(on),
            switching: Mutex::new(()),
        }
    }

    /// Whether do-not-disturb is on now.
    pub(crate) fn is_on(&self) -> bool {
        *self.state.borrow()
    }

    /// A receiver that sees every switch from now on (for a ringing call).
    pub(crate) fn watch(&self) -> watch::Receiver<bool> {
        self.state.subscribe()
    }
}

impl Engine {
    /// `Backend::set_do_not_disturb`: stores the switch first (so a crash cannot forget it),
    /// then switches and tells every front end if the state changed.
    pub(crate) async fn switch_do_not_disturb(&self, on: bool) -> Result<DoNotDisturb, ApiError> {
        if !self.voicemail.config.enabled {
            return Err(ApiError::conflict(
                "do-not-disturb sends calls to the voicemail, but the voicemail is off; set \
                 [voicemail] enabled = true in the config file and restart Frontdesk",
            ));
        }
        let _one_at_a_time = self.dnd.switching.lock().await;
        let value = if on { "on" } else { "off" };
        self.history
            .run(move |s| s.set_setting(DO_NOT_DISTURB, value))
            .await
            .map_err(|e| {
                ApiError::internal(format!(
                    "do-not-disturb is unchanged: the switch cannot be stored ({e})"
                ))
            })?;
        let changed = self.dnd.state.send_if_modified(|state| {
            let changed = *state != on;
            *state = on;
            changed
        });
        if changed {
            tracing::info!(on, "do-not-disturb switched");
            self.emit(Event::DoNotDisturb { on });
        }
        Ok(DoNotDisturb { on })
    }
}
