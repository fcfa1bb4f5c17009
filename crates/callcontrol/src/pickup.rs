//! Choosing the ringing call to pick up.
//!
//! The engine knows what rings at monitored extensions from the dialog event
//! package (BLF). Kamailio's `early` NOTIFY carries the call-id and both tags,
//! enough for `INVITE` with `Replaces` (RFC 3891) straight from Frontdesk;
//! Asterisk's carries neither, so there the PBX's own pickup code is dialled.

use crate::codes::CodeTable;
use crate::notice::Notice;
use std::time::Instant;

/// One call ringing at a monitored extension, as the dialog event package
/// reported it (fields named from the ringing extension's point of view,
/// like `dialog-info+xml`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RingingDialog {
    /// The monitored extension where it rings (e.g. `101`).
    pub extension: String,
    /// The dialog's Call-ID, when the server reports it.
    pub call_id: Option<String>,
    /// The ringing phone's tag (`local-tag` in dialog-info).
    pub local_tag: Option<String>,
    /// The caller's tag (`remote-tag` in dialog-info).
    pub remote_tag: Option<String>,
    /// Who is calling (identity or display name), for the UI.
    pub caller: Option<String>,
    /// When it started ringing, to pick the oldest first.
    pub ringing_since: Instant,
}

impl RingingDialog {
    /// Whether the server told us enough to take the call over with `Replaces`.
    pub fn has_dialog_ids(&self) -> bool {
        [&self.call_id, &self.local_tag, &self.remote_tag]
            .iter()
            .all(|field| field.as_deref().is_some_and(|v| !v.trim().is_empty()))
    }
}

/// How to carry out a pickup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PickupPlan {
    /// Send `INVITE` with `Replaces: <call_id>;to-tag=…;from-tag=…;early-only`
    /// for this dialog. RFC 3891 matches `to-tag` against the *recipient's*
    /// local tag: towards the ringing phone that is [`RingingDialog::local_tag`],
    /// towards the caller it is [`RingingDialog::remote_tag`].
    Replace(RingingDialog),
    /// Dial this number at the server as an ordinary call (the PBX's own
    /// pickup code plus the extension); the PBX connects the ringing call.
    DialServerCode {
        /// What to dial, e.g. `**101`.
        number: String,
        /// The dialog it is meant to pick up.
        dialog: RingingDialog,
    },
    /// Nothing can be picked up; show this, place no call.
    Nothing(Notice),
}

/// Picks the call for a pickup request: the one ringing at `extension`, or
/// (`None`) the oldest one ringing at any monitored extension; on a tie the
/// one listed first. `ringing` lists every ringing dialog the engine knows of.
pub fn plan_pickup(
    table: &CodeTable,
    extension: Option<&str>,
    ringing: &[RingingDialog],
) -> PickupPlan {
    let wanted = extension.map(str::trim).filter(|e| !e.is_empty());
    let oldest = ringing
        .iter()
        .filter(|d| wanted.is_none_or(|ext| d.extension == ext))
        .min_by_key(|d| d.ringing_since);
    let Some(dialog) = oldest else {
        return PickupPlan::Nothing(Notice::NothingToPickUp {
            extension: wanted.map(str::to_string),
        });
    };
    if dialog.has_dialog_ids() {
        return PickupPlan::Replace(dialog.clone());
    }
    match table
        .server_pickup_prefix
        .as_deref()
        .filter(|p| !p.is_empty())
    {
        Some(prefix) => PickupPlan::DialServerCode {
            number: format!("{prefix}{}", dialog.extension),
            dialog: dialog.clone(),
        },
        None => PickupPlan::Nothing(Notice::PickupNotPossible {
            extension: dialog.extension.clone(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn ringing(ext: &str, since: Instant, ids: bool) -> RingingDialog {
        RingingDialog {
            extension: ext.into(),
            call_id: ids.then(|| format!("call-{ext}-{:?}", since)),
            local_tag: ids.then(|| format!("callee-{ext}")),
            remote_tag: ids.then(|| format!("caller-{ext}")),
            caller: Some(format!("caller of {ext}")),
            ringing_since: since,
        }
    }

    #[test]
    fn directed_pickup_takes_the_call_at_that_extension() {
        let t0 = Instant::now();
        let list = [ringing("101", t0, true), ringing("102", t0, true)];
        let plan = plan_pickup(&CodeTable::frontdesk(), Some("102"), &list);
        assert_eq!(plan, PickupPlan::Replace(list[1].clone()));
    }

    #[test]
    fn directed_pickup_with_two_calls_at_one_extension_takes_the_oldest() {
        let t0 = Instant::now();
        let later = ringing("101", t0 + Duration::from_secs(4), true);
        let earlier = ringing("101", t0 + Duration::from_secs(1), true);
        let plan = plan_pickup(
            &CodeTable::frontdesk(),
            Some("101"),
            &[later, earlier.clone()],
        );
        assert_eq!(plan, PickupPlan::Replace(earlier));
    }

    #[test]
    fn any_pickup_takes_the_oldest_ringing_call() {
        let t0 = Instant::now();
        let list = [
            ringing("101", t0 + Duration::from_secs(5), true),
            ringing("103", t0 + Duration::from_secs(2), true),
            ringing("102", t0 + Duration::from_secs(9), true),
        ];
        let plan = plan_pickup(&CodeTable::frontdesk(), None, &list);
        assert_eq!(plan, PickupPlan::Replace(list[1].clone()));
        // An empty extension means "any" too (`*8#`).
        assert_eq!(
            plan_pickup(&CodeTable::frontdesk(), Some(" "), &list),
            PickupPlan::Replace(list[1].clone())
        );
    }

    #[test]
    fn ties_go_to_the_first_listed() {
        let t0 = Instant::now();
        let list = [ringing("104", t0, true), ringing("101", t0, true)];
        assert_eq!(
            plan_pickup(&CodeTable::frontdesk(), None, &list),
            PickupPlan::Replace(list[0].clone())
        );
    }

    #[test]
    fn without_dialog_ids_the_server_code_is_dialled() {
        let t0 = Instant::now();
        let list = [ringing("101", t0, false)];
        let plan = plan_pickup(&CodeTable::asterisk(), Some("101"), &list);
        assert_eq!(
            plan,
            PickupPlan::DialServerCode {
                number: "**101".into(),
                dialog: list[0].clone()
            }
        );
        // Any-pickup dials the directed code for the oldest ringing extension.
        let list = [
            ringing("105", t0 + Duration::from_secs(3), false),
            ringing("104", t0, false),
        ];
        assert_eq!(
            plan_pickup(&CodeTable::asterisk(), None, &list),
            PickupPlan::DialServerCode {
                number: "**104".into(),
                dialog: list[1].clone()
            }
        );
    }

    #[test]
    fn a_missing_tag_is_as_good_as_no_ids() {
        let t0 = Instant::now();
        let mut dialog = ringing("101", t0, true);
        dialog.local_tag = None;
        assert!(!dialog.has_dialog_ids());
        let mut blank = ringing("101", t0, true);
        blank.call_id = Some("  ".into());
        assert!(!blank.has_dialog_ids());
        assert!(matches!(
            plan_pickup(&CodeTable::frontdesk(), Some("101"), &[dialog]),
            PickupPlan::DialServerCode { number, .. } if number == "**101"
        ));
    }

    #[test]
    fn without_ids_or_server_code_the_receptionist_is_told() {
        let mut table = CodeTable::frontdesk();
        table.server_pickup_prefix = None;
        let list = [ringing("101", Instant::now(), false)];
        assert_eq!(
            plan_pickup(&table, None, &list),
            PickupPlan::Nothing(Notice::PickupNotPossible {
                extension: "101".into()
            })
        );
    }

    #[test]
    fn nothing_ringing_places_no_call() {
        let t0 = Instant::now();
        assert_eq!(
            plan_pickup(&CodeTable::frontdesk(), None, &[]),
            PickupPlan::Nothing(Notice::NothingToPickUp { extension: None })
        );
        let list = [ringing("101", t0, true)];
        assert_eq!(
            plan_pickup(&CodeTable::frontdesk(), Some("102"), &list),
            PickupPlan::Nothing(Notice::NothingToPickUp {
                extension: Some("102".into())
            })
        );
    }
}
