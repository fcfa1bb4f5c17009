//! What one subscription knows about its extension's dialogs, NOTIFY after NOTIFY.
//!
//! Sans-IO: feed it each document; it applies RFC 4235's version rules (section 4.1.2): a
//! document not newer than the last one is stale and dropped (NOTIFYs may overtake each
//! other), a full document replaces everything, a partial one must follow the previous
//! version directly or the subscriber has missed something and needs full state again.
//!
//! One exception: a server that lost its subscription state (a crash between database
//! writes) may go on counting from a lower version. Overtaken NOTIFYs are stale once or
//! twice; three stale full documents in a row, each newer than the one before, are taken
//! as the server's new count.
//!
//! Versions alone do not keep order with Kamailio: when a call is answered at once, its
//! `early` and `confirmed` PUBLISHes race through different worker processes, and the
//! `early` document may get the higher version. A dialog never goes back to an earlier
//! state, so a dialog known by its Call-ID keeps the furthest state seen, and one seen
//! ended does not come back. (Without a Call-ID, as from Asterisk, which reuses its dialog
//! ids for every call, documents are taken as they come.)

use super::dialog_info::{DialogEntry, DialogInfo, DialogState, DocumentState, ExtensionState};
use std::collections::VecDeque;

/// The dialogs of one watched extension within one subscription.
#[derive(Debug, Default)]
pub struct DialogView {
    version: Option<u64>,
    dialogs: Vec<DialogEntry>,
    /// Stale full documents in a row, each newer than the one before: the last version
    /// and how many.
    stale_run: Option<(u64, u32)>,
    /// The furthest state of the latest dialogs with a Call-ID, oldest first.
    reached: VecDeque<(DialogKey, DialogState)>,
}

/// A dialog across documents: its id and Call-ID.
type DialogKey = (String, String);

/// How many dialogs' furthest states are remembered; far more than an extension has at once.
const REMEMBERED_DIALOGS: usize = 64;

/// Stale full documents in a row, counting up, that mean the server counts anew.
const RESTARTED_COUNT_AFTER: u32 = 3;

/// What applying a document did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// The view changed (or stayed the same) and now summarizes to this.
    Current(ExtensionState),
    /// The document was older than what we have; nothing changed.
    Stale {
        /// The version we already hold.
        have: u64,
        /// The version that arrived.
        got: u64,
    },
    /// A partial document does not follow the one we have: ask for full state.
    NeedsFullState,
}

impl DialogView {
    /// Starts over for a new subscription (versions restart there).
    pub fn reset(&mut self) {
        *self = DialogView::default();
    }

    /// The version of the last document applied.
    pub fn version(&self) -> Option<u64> {
        self.version
    }

    /// Applies one document.
    pub fn apply(&mut self, info: DialogInfo) -> Applied {
        if let Some(have) = self.version {
            if info.version <= have {
                let run = match self.stale_run {
                    Some((last, n)) if info.version > last => n + 1,
                    _ => 1,
                };
                let full = info.state == DocumentState::Full;
                self.stale_run = full.then_some((info.version, run));
                if !full || run < RESTARTED_COUNT_AFTER {
                    // An overtaken document still tells how far its dialogs got.
                    if self.advance(&info.dialogs) {
                        return Applied::Current(self.summary());
                    }
                    return Applied::Stale {
                        have,
                        got: info.version,
                    };
                }
            }
        }
        self.stale_run = None;
        match info.state {
            DocumentState::Full => self.dialogs = info.dialogs,
            DocumentState::Partial => {
                if self.version.is_none_or(|have| info.version != have + 1) {
                    return Applied::NeedsFullState;
                }
                for dialog in info.dialogs {
                    match self.dialogs.iter_mut().find(|d| d.id == dialog.id) {
                        Some(known) => *known = dialog,
                        None => self.dialogs.push(dialog),
                    }
                }
            }
        }
        self.never_backwards();
        // Ended dialogs only matter for the document they arrive in.
        self.dialogs.retain(|d| d.state != DialogState::Terminated);
        self.version = Some(info.version);
        Applied::Current(self.summary())
    }

    /// Moves known dialogs (same id and Call-ID) on to a further state `dialogs` report, even
    /// from a document that came too late; true when something changed. Only up to
    /// `confirmed`: the end of a dialog is taken from current documents alone.
    fn advance(&mut self, dialogs: &[DialogEntry]) -> bool {
        let mut changed = false;
        let live = |d: &&DialogEntry| d.call_id.is_some() && d.state < DialogState::Terminated;
        for newer in dialogs.iter().filter(live) {
            if let Some(known) = self
                .dialogs
                .iter_mut()
                .find(|d| d.id == newer.id && d.call_id == newer.call_id && d.state < newer.state)
            {
                known.state = newer.state;
                changed = true;
            }
        }
        if changed {
            self.never_backwards();
        }
        changed
    }

    /// Holds every dialog with a Call-ID at the furthest state it has reached.
    fn never_backwards(&mut self) {
        for dialog in &mut self.dialogs {
            let Some(call_id) = &dialog.call_id else {
                continue;
            };
            let key = (dialog.id.clone(), call_id.clone());
            match self.reached.iter_mut().find(|(k, _)| *k == key) {
                Some((_, furthest)) if *furthest > dialog.state => dialog.state = *furthest,
                Some((_, furthest)) => *furthest = dialog.state,
                None => {
                    if self.reached.len() == REMEMBERED_DIALOGS {
                        self.reached.pop_front();
                    }
                    self.reached.push_back((key, dialog.state));
                }
            }
        }
    }

    /// A NOTIFY without a body: the server knows no dialogs of the extension (Kamailio
    /// sends this for an extension that has had no calls).
    pub fn apply_empty(&mut self) -> ExtensionState {
        self.dialogs.clear();
        self.summary()
    }

    /// The lamp for the dialogs known now.
    pub fn summary(&self) -> ExtensionState {
        ExtensionState::summarize(&self.dialogs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blf::dialog_info::parse;

    fn doc(version: u64, state: &str, dialogs: &str) -> DialogInfo {
        parse(
            format!(
                r#"<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="{version}" state="{state}" entity="sip:1@h">{dialogs}</dialog-info>"#
            )
            .as_bytes(),
        )
        .unwrap()
    }

    const EARLY_A: &str = r#"<dialog id="a" direction="recipient"><state>early</state></dialog>"#;
    const CONFIRMED_A: &str =
        r#"<dialog id="a" direction="recipient"><state>confirmed</state></dialog>"#;
    const EARLY_B: &str = r#"<dialog id="b" direction="recipient"><state>early</state></dialog>"#;
    const ENDED_A: &str = r#"<dialog id="a"><state>terminated</state></dialog>"#;

    fn state(applied: Applied) -> &'static str {
        match applied {
            Applied::Current(state) => state.as_str(),
            other => panic!("not applied: {other:?}"),
        }
    }

    #[test]
    fn full_documents_replace_and_stale_ones_are_dropped() {
        let mut view = DialogView::default();
        assert_eq!(state(view.apply(doc(3, "full", EARLY_A))), "ringing");
        assert_eq!(state(view.apply(doc(4, "full", CONFIRMED_A))), "busy");
        assert_eq!(
            view.apply(doc(4, "full", EARLY_A)),
            Applied::Stale { have: 4, got: 4 }
        );
        assert_eq!(
            view.apply(doc(2, "full", "")),
            Applied::Stale { have: 4, got: 2 }
        );
        assert_eq!(view.summary(), ExtensionState::Busy);
        assert_eq!(state(view.apply(doc(9, "full", ENDED_A))), "idle");
        assert_eq!(view.version(), Some(9));
        view.reset();
        assert_eq!(state(view.apply(doc(0, "full", EARLY_B))), "ringing");
    }

    #[test]
    fn partial_documents_merge_in_sequence_only() {
        let mut view = DialogView::default();
        assert_eq!(
            view.apply(doc(1, "partial", EARLY_A)),
            Applied::NeedsFullState,
            "partial before any full state"
        );
        assert_eq!(state(view.apply(doc(1, "full", CONFIRMED_A))), "busy");
        assert_eq!(state(view.apply(doc(2, "partial", EARLY_B))), "ringing");
        assert_eq!(state(view.apply(doc(3, "partial", ENDED_A))), "ringing");
        assert_eq!(
            view.apply(doc(5, "partial", CONFIRMED_A)),
            Applied::NeedsFullState,
            "version 4 went missing"
        );
        assert_eq!(state(view.apply(doc(6, "full", ""))), "idle");
    }

    #[test]
    fn a_server_that_counts_again_from_lower_versions_is_followed() {
        let mut view = DialogView::default();
        view.apply(doc(40, "full", CONFIRMED_A));
        // Overtaken NOTIFYs: stale.
        assert!(matches!(
            view.apply(doc(38, "full", EARLY_A)),
            Applied::Stale { .. }
        ));
        assert!(matches!(
            view.apply(doc(39, "full", EARLY_A)),
            Applied::Stale { .. }
        ));
        assert_eq!(state(view.apply(doc(41, "full", ""))), "idle");
        // The server lost its state and counts from 3: the third document in a row wins.
        assert!(matches!(
            view.apply(doc(3, "full", EARLY_A)),
            Applied::Stale { .. }
        ));
        assert!(matches!(
            view.apply(doc(4, "full", "")),
            Applied::Stale { .. }
        ));
        assert_eq!(state(view.apply(doc(5, "full", CONFIRMED_A))), "busy");
        assert_eq!(view.version(), Some(5));
        assert_eq!(state(view.apply(doc(6, "full", EARLY_B))), "ringing");
    }

    #[test]
    fn a_dialog_never_goes_back_to_ringing_or_comes_back_once_ended() {
        // Kamailio, callee answering at once: `confirmed` got version 3, `early` version 4.
        let with_call_id = |state: &str| {
            format!(
                r#"<dialog id="a" call-id="c1" direction="recipient"><state>{state}</state></dialog>"#
            )
        };
        let mut view = DialogView::default();
        assert_eq!(
            state(view.apply(doc(2, "full", &with_call_id("trying")))),
            "ringing"
        );
        assert_eq!(
            state(view.apply(doc(3, "full", &with_call_id("confirmed")))),
            "busy"
        );
        assert_eq!(
            state(view.apply(doc(4, "full", &with_call_id("early")))),
            "busy"
        );
        assert_eq!(
            state(view.apply(doc(5, "full", &with_call_id("terminated")))),
            "idle"
        );
        assert_eq!(
            state(view.apply(doc(6, "full", &with_call_id("early")))),
            "idle"
        );
        // Another call (another Call-ID) under the same dialog id rings as usual.
        let next =
            r#"<dialog id="a" call-id="c2" direction="recipient"><state>early</state></dialog>"#;
        assert_eq!(state(view.apply(doc(7, "full", next))), "ringing");
    }

    #[test]
    fn a_late_document_still_moves_a_dialog_on() {
        // `early` (version 4) overtook `confirmed` (version 3) on the way.
        let dialog = |state: &str| {
            format!(
                r#"<dialog id="a" call-id="c1" direction="recipient"><state>{state}</state></dialog>"#
            )
        };
        let mut view = DialogView::default();
        assert_eq!(
            state(view.apply(doc(4, "full", &dialog("early")))),
            "ringing"
        );
        assert_eq!(
            state(view.apply(doc(3, "full", &dialog("confirmed")))),
            "busy"
        );
        assert_eq!(state(view.apply(doc(5, "full", &dialog("early")))), "busy");
        // A late document about something else changes nothing.
        assert!(matches!(
            view.apply(doc(2, "full", EARLY_B)),
            Applied::Stale { .. }
        ));
    }

    #[test]
    fn dialogs_without_a_call_id_are_taken_as_they_come() {
        // Asterisk names every call's dialog after the extension.
        let mut view = DialogView::default();
        assert_eq!(state(view.apply(doc(1, "full", CONFIRMED_A))), "busy");
        assert_eq!(state(view.apply(doc(2, "full", ENDED_A))), "idle");
        assert_eq!(state(view.apply(doc(3, "full", EARLY_A))), "ringing");
    }

    #[test]
    fn an_empty_notify_means_no_dialogs() {
        let mut view = DialogView::default();
        view.apply(doc(1, "full", EARLY_A));
        assert_eq!(view.apply_empty(), ExtensionState::Idle);
    }
}
