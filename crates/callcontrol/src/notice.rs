//! What the receptionist is told when call control could not do what was
//! asked, or did something on its own (caller resumed, consultation kept).
//!
//! Typed so UIs can style or translate them; `Display` gives the English
//! sentence, which always says where the caller is now.

use std::fmt;
use std::time::Duration;

/// Why a transfer (or its consultation call) did not work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailureReason {
    /// The target is busy (486, 600).
    Busy,
    /// The target declined the call (603).
    Declined,
    /// The number does not exist (404, 484, 604).
    NotFound,
    /// The target did not answer (408).
    NoAnswer,
    /// The target did not answer within our own time limit.
    NoAnswerWithin(Duration),
    /// The target is not reachable right now (480: not registered, do not disturb).
    Unavailable,
    /// The phone on the other side cannot be transferred: it does not support
    /// REFER (405/501 to the REFER, or no `REFER` in its `Allow`).
    ReferUnsupported,
    /// The transfer was accepted but never confirmed within our time limit.
    NotConfirmed(Duration),
    /// Any other refusal, with its SIP status.
    Status(u16),
}

impl FailureReason {
    /// The reason behind a final SIP status of a call attempt (the
    /// consultation INVITE) or of a NOTIFY's sipfrag.
    pub fn from_status(status: u16) -> Self {
        match status {
            486 | 600 => Self::Busy,
            603 => Self::Declined,
            404 | 484 | 604 => Self::NotFound,
            408 => Self::NoAnswer,
            480 => Self::Unavailable,
            other => Self::Status(other),
        }
    }

    /// The reason behind a final status to a REFER request: 405 (method not
    /// allowed), 501 (not implemented) and 420 (bad extension) mean the phone
    /// cannot be transferred at all.
    pub fn from_refer_status(status: u16) -> Self {
        match status {
            405 | 420 | 501 => Self::ReferUnsupported,
            other => Self::from_status(other),
        }
    }
}

impl fmt::Display for FailureReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Busy => write!(f, "the line is busy"),
            Self::Declined => write!(f, "the call was declined"),
            Self::NotFound => write!(f, "the number does not exist"),
            Self::NoAnswer => write!(f, "no answer"),
            Self::NoAnswerWithin(after) => write!(f, "no answer within {}", secs(*after)),
            Self::Unavailable => write!(f, "the phone is not available"),
            Self::ReferUnsupported => write!(f, "the phone does not support call transfer (REFER)"),
            Self::NotConfirmed(after) => {
                write!(f, "the transfer was not confirmed within {}", secs(*after))
            }
            Self::Status(status) => write!(f, "refused with SIP status {status}"),
        }
    }
}

fn secs(d: Duration) -> String {
    let ms = d.as_millis();
    if ms.is_multiple_of(1000) {
        format!("{} s", ms / 1000)
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// A message for the receptionist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// A transfer to `target` failed; the caller is on the receptionist's line.
    TransferFailed {
        /// The number the caller was to be transferred to.
        target: String,
        /// Why.
        why: FailureReason,
    },
    /// The caller's phone never confirmed the hold within `after`; the
    /// transfer was abandoned and the caller resumed.
    HoldNotAcknowledged {
        /// The time limit that passed.
        after: Duration,
    },
    /// The caller's phone refused to be put on hold (SIP status); the
    /// transfer was abandoned, the caller is still on the line.
    HoldRefused {
        /// The final status of the hold re-INVITE.
        status: u16,
    },
    /// A transfer was asked for while another one is under way.
    TransferInProgress,
    /// "Back to the caller" was asked for with no consultation to leave.
    NoConsultation,
    /// A transfer needs a number.
    NoNumber,
    /// Transfers need an answered call.
    NotConnected,
    /// The colleague hung up (or the consultation failed after answering);
    /// the caller is resumed.
    ColleagueHungUp {
        /// The colleague's number.
        target: String,
    },
    /// The caller hung up during the consultation; the call with the
    /// colleague goes on as an ordinary call.
    CallerHungUpDuringConsultation {
        /// The colleague's number.
        target: String,
    },
    /// The receptionist hung up before the colleague answered: the
    /// consultation was cancelled and the caller resumed, because hanging up
    /// must never drop a waiting caller.
    ConsultationCancelled {
        /// The colleague's number.
        target: String,
    },
    /// Hanging up (or going back) was asked for while a transfer's outcome
    /// is still open; the call ends when the transfer succeeds, or the
    /// caller comes back if it fails.
    TransferPending {
        /// The transfer target.
        target: String,
    },
    /// Nothing rings that could be picked up.
    NothingToPickUp {
        /// The extension asked for, or `None` for "any monitored extension".
        extension: Option<String>,
    },
    /// A call rings at `extension` but the server's dialog state gives no ids
    /// to take it over, and the account's codes name no server pickup code.
    PickupNotPossible {
        /// The ringing extension.
        extension: String,
    },
}

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TransferFailed { target, why } => write!(
                f,
                "Transfer to {target} failed: {why}. The caller is on your line again."
            ),
            Self::HoldNotAcknowledged { after } => write!(
                f,
                "The caller's phone did not confirm the hold within {}; transfer abandoned. \
                 The caller is on your line again.",
                secs(*after)
            ),
            Self::HoldRefused { status } => write!(
                f,
                "The caller's phone refused the hold (SIP status {status}); transfer abandoned. \
                 The caller is still on your line."
            ),
            Self::TransferInProgress => write!(
                f,
                "A transfer is already under way; finish it or go back to the caller first."
            ),
            Self::NoConsultation => write!(
                f,
                "There is no consultation call to leave; you are already talking to the caller."
            ),
            Self::NoNumber => write!(f, "Enter the number to transfer to."),
            Self::NotConnected => write!(f, "Answer the call before transferring it."),
            Self::ColleagueHungUp { target } => write!(
                f,
                "{target} hung up; the caller is on your line again."
            ),
            Self::CallerHungUpDuringConsultation { target } => write!(
                f,
                "The caller hung up; your call with {target} goes on."
            ),
            Self::ConsultationCancelled { target } => write!(
                f,
                "Call to {target} cancelled before it was answered; the caller is on your line again."
            ),
            Self::TransferPending { target } => write!(
                f,
                "The transfer to {target} is still in progress; the call ends when it succeeds, \
                 and the caller comes back to you if it fails."
            ),
            Self::NothingToPickUp { extension: Some(ext) } => {
                write!(f, "Nothing is ringing at {ext}; no call was placed.")
            }
            Self::NothingToPickUp { extension: None } => write!(
                f,
                "Nothing is ringing at the extensions you monitor; no call was placed."
            ),
            Self::PickupNotPossible { extension } => write!(
                f,
                "The call ringing at {extension} cannot be picked up: the server does not say \
                 which call it is and no pickup code is configured for this account."
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_reasons() {
        assert_eq!(FailureReason::from_status(486), FailureReason::Busy);
        assert_eq!(FailureReason::from_status(600), FailureReason::Busy);
        assert_eq!(FailureReason::from_status(603), FailureReason::Declined);
        assert_eq!(FailureReason::from_status(404), FailureReason::NotFound);
        assert_eq!(FailureReason::from_status(408), FailureReason::NoAnswer);
        assert_eq!(FailureReason::from_status(480), FailureReason::Unavailable);
        assert_eq!(FailureReason::from_status(503), FailureReason::Status(503));
        // 405 to an INVITE is not about REFER.
        assert_eq!(FailureReason::from_status(405), FailureReason::Status(405));
        assert_eq!(
            FailureReason::from_refer_status(405),
            FailureReason::ReferUnsupported
        );
        assert_eq!(
            FailureReason::from_refer_status(501),
            FailureReason::ReferUnsupported
        );
        assert_eq!(
            FailureReason::from_refer_status(403),
            FailureReason::Status(403)
        );
        assert_eq!(FailureReason::from_refer_status(486), FailureReason::Busy);
    }

    #[test]
    fn texts_say_what_happened_and_where_the_caller_is() {
        let text = Notice::TransferFailed {
            target: "101".into(),
            why: FailureReason::NoAnswerWithin(Duration::from_secs(15)),
        }
        .to_string();
        assert_eq!(
            text,
            "Transfer to 101 failed: no answer within 15 s. The caller is on your line again."
        );
        let text = Notice::HoldNotAcknowledged {
            after: Duration::from_millis(2500),
        }
        .to_string();
        assert!(text.contains("2.5 s"), "{text}");
        assert!(Notice::NothingToPickUp {
            extension: Some("102".into())
        }
        .to_string()
        .contains("102"));
        assert!(FailureReason::ReferUnsupported
            .to_string()
            .contains("REFER"));
    }
}
