//! When the voicemail takes a ringing call: after `answer_after_seconds`, at once when we are
//! busy on another call (`when_busy`), in do-not-disturb (also when it is switched on while
//! the call rings) or in mailbox mode.

use super::conversation;
use crate::Engine;
use frontdesk_api::CallState;
use frontdesk_sip::call::CallHandle;
use std::sync::Arc;
use std::time::Duration;

/// Watches a new incoming call and hands it to the voicemail if nobody takes it in time;
/// `mailbox` is who the call was for (the forwarding extension or the called number), used in
/// mailbox mode.
pub(crate) fn watch_ringing(
    engine: &Arc<Engine>,
    number: u64,
    handle: CallHandle,
    mailbox: Option<String>,
) {
    let config = &engine.voicemail.config;
    if !config.enabled {
        return;
    }
    let ours = format!("c{number}");
    // Busy means the user talks; callers leaving messages do not count.
    let busy = engine.calls.list().iter().any(|c| {
        c.id != ours
            && c.state == CallState::Active
            && !engine.voicemail.owns(crate::desk::call_number(c))
    });
    let mut dnd = engine.dnd.watch();
    let at_once = config.mailbox_mode || *dnd.borrow() || (busy && config.when_busy);
    let delay = if at_once {
        Duration::ZERO
    } else {
        Duration::from_secs(config.answer_after_seconds.into())
    };
    let weak = Arc::downgrade(engine);
    tokio::spawn(async move {
        // Do-not-disturb switched on while the call rings takes it at once.
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = dnd.wait_for(|on| *on) => {}
        }
        let Some(engine) = weak.upgrade() else { return };
        // Answered, declined or given up meanwhile: nothing to do.
        if engine.calls.info(number).map(|c| c.state) != Some(CallState::Incoming) {
            return;
        }
        tracing::info!(call = %ours, "the voicemail takes the call");
        conversation::run(engine, number, handle, mailbox).await;
    });
}
