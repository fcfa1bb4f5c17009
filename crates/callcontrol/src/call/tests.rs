//! Whole-call scenarios: keys typed by the receptionist, SIP outcomes
//! reported by a simulated engine, time on a simulated clock.

use super::*;
use crate::notice::{FailureReason, Notice};
use crate::transfer::{EndReason, Leg, ReferTo, TransferId};
use std::time::Duration;

struct Console {
    call: CallControl,
    now: Instant,
}

impl Console {
    fn ringing(table: CodeTable) -> Self {
        Self {
            call: CallControl::new(table, Timers::default()),
            now: Instant::now(),
        }
    }

    fn answered(table: CodeTable) -> Self {
        let mut console = Self::ringing(table);
        console.call.connected(console.now, true);
        console
    }

    /// Types keys 150 ms apart.
    fn typed(&mut self, keys: &str) -> Vec<Action> {
        for key in keys.chars() {
            self.now += Duration::from_millis(150);
            self.call.key(self.now, key).unwrap();
        }
        self.drain()
    }

    fn wait_ms(&mut self, ms: u64) -> Vec<Action> {
        let end = self.now + Duration::from_millis(ms);
        while let Some(deadline) = self.call.poll_timeout() {
            if deadline > end {
                break;
            }
            self.now = deadline;
            self.call.handle_timeout(self.now);
        }
        self.now = end;
        self.drain()
    }

    fn drain(&mut self) -> Vec<Action> {
        std::iter::from_fn(|| self.call.poll_action()).collect()
    }

    fn hold_id(actions: &[Action]) -> TransferId {
        match actions {
            [Action::HoldCaller { transfer }] => *transfer,
            other => panic!("expected only HoldCaller, got {other:?}"),
        }
    }
}

fn dtmf(leg: Leg, digits: &str) -> Action {
    Action::SendDtmf {
        leg,
        digits: digits.into(),
    }
}

#[test]
fn keys_while_ringing_are_dtmf_not_codes() {
    let mut console = Console::ringing(CodeTable::frontdesk());
    assert_eq!(console.typed("*101#"), vec![dtmf(Leg::Caller, "*101#")]);
    assert_eq!(console.typed("**"), vec![dtmf(Leg::Caller, "**")]);
    assert_eq!(console.call.poll_timeout(), None);
    console.call.connected(console.now, true);
    let id = Console::hold_id(&console.typed("*101#"));
    assert_eq!(id.get(), 1);
}

#[test]
fn announced_transfer_by_keypad_end_to_end() {
    let mut console = Console::answered(CodeTable::frontdesk());
    assert_eq!(console.typed("5"), vec![dtmf(Leg::Caller, "5")]);
    let id = Console::hold_id(&console.typed("*101#"));
    console
        .call
        .transfer_mut()
        .hold_acknowledged(console.now, id);
    assert_eq!(
        console.drain(),
        vec![Action::DialConsultation {
            transfer: id,
            target: "101".into()
        }]
    );
    console
        .call
        .transfer_mut()
        .consultation_answered(console.now, id, true);
    // Digits now go to the colleague (their voicemail menu, say).
    assert_eq!(console.typed("2"), vec![dtmf(Leg::Consultation, "2")]);
    console
        .call
        .transfer_mut()
        .receptionist_hung_up(console.now);
    assert_eq!(
        console.drain(),
        vec![Action::SendRefer {
            transfer: id,
            via: Leg::Caller,
            refer_to: ReferTo::Replacing(Leg::Consultation)
        }]
    );
    console.call.transfer_mut().refer_accepted(console.now, id);
    console
        .call
        .transfer_mut()
        .notify_sipfrag(console.now, id, 200);
    assert_eq!(
        console.drain(),
        vec![
            Action::HangUpCaller,
            Action::HangUpConsultation { transfer: id }
        ]
    );
    assert_eq!(
        console.call.state(),
        &TransferState::Ended(EndReason::Transferred)
    );
    // Keys after the end are dropped, not sent anywhere.
    assert_eq!(console.typed("12"), vec![]);
    assert_eq!(console.call.key(console.now, 'z'), Err(InvalidKey('z')));
}

#[test]
fn star_star_returns_to_the_caller_and_digits_follow() {
    let mut console = Console::answered(CodeTable::frontdesk());
    let id = Console::hold_id(&console.typed("*101#"));
    console
        .call
        .transfer_mut()
        .hold_acknowledged(console.now, id);
    console.drain();
    assert_eq!(console.call.transfer().active_leg(), Leg::Consultation);
    assert_eq!(
        console.typed("**"),
        vec![
            Action::HangUpConsultation { transfer: id },
            Action::ResumeCaller
        ]
    );
    assert_eq!(console.typed("7"), vec![dtmf(Leg::Caller, "7")]);
}

#[test]
fn star_star_without_consultation_sends_nothing() {
    let mut console = Console::answered(CodeTable::frontdesk());
    assert_eq!(
        console.typed("**"),
        vec![Action::Notice(Notice::NoConsultation)]
    );
    assert_eq!(console.call.state(), &TransferState::Talking);
}

#[test]
fn blind_transfer_by_keypad_ends_the_call() {
    let mut console = Console::answered(CodeTable::frontdesk());
    assert_eq!(console.typed("##102"), vec![]);
    let id = Console::hold_id(&console.wait_ms(3_000));
    console
        .call
        .transfer_mut()
        .hold_acknowledged(console.now, id);
    assert_eq!(
        console.drain(),
        vec![Action::SendRefer {
            transfer: id,
            via: Leg::Caller,
            refer_to: ReferTo::Number("102".into())
        }]
    );
    console.call.transfer_mut().refer_accepted(console.now, id);
    console
        .call
        .transfer_mut()
        .notify_sipfrag(console.now, id, 200);
    assert_eq!(console.drain(), vec![Action::HangUpCaller]);
    assert!(console.call.transfer().is_ended());
}

#[test]
fn blind_transfer_failure_resumes_the_caller_and_keys_work_again() {
    let mut console = Console::answered(CodeTable::frontdesk());
    let id = Console::hold_id(&console.typed("##102#"));
    console
        .call
        .transfer_mut()
        .hold_acknowledged(console.now, id);
    console.drain();
    console.call.transfer_mut().refer_accepted(console.now, id);
    console
        .call
        .transfer_mut()
        .notify_sipfrag(console.now, id, 486);
    assert_eq!(
        console.drain(),
        vec![
            Action::ResumeCaller,
            Action::Notice(Notice::TransferFailed {
                target: "102".into(),
                why: FailureReason::Busy
            })
        ]
    );
    assert_eq!(console.typed("3"), vec![dtmf(Leg::Caller, "3")]);
}

#[test]
fn lone_star_goes_out_after_one_second() {
    let mut console = Console::answered(CodeTable::frontdesk());
    assert_eq!(console.typed("*"), vec![]);
    assert_eq!(console.call.pending_keys(), "*");
    assert_eq!(console.wait_ms(1_000), vec![dtmf(Leg::Caller, "*")]);
}

#[test]
fn star_one_pause_goes_out_as_typed() {
    let mut console = Console::answered(CodeTable::frontdesk());
    assert_eq!(console.typed("*1"), vec![]);
    assert_eq!(console.wait_ms(3_000), vec![dtmf(Leg::Caller, "*1")]);
    assert_eq!(console.call.state(), &TransferState::Talking);
}

#[test]
fn hash_with_no_number_goes_out_as_typed() {
    let mut console = Console::answered(CodeTable::frontdesk());
    assert_eq!(console.typed("*#"), vec![dtmf(Leg::Caller, "*#")]);
    assert_eq!(console.typed("###"), vec![dtmf(Leg::Caller, "###")]);
    assert_eq!(console.call.state(), &TransferState::Talking);
}

#[test]
fn second_transfer_code_during_consultation_is_refused_and_not_sent() {
    let mut console = Console::answered(CodeTable::frontdesk());
    let id = Console::hold_id(&console.typed("*101#"));
    console
        .call
        .transfer_mut()
        .hold_acknowledged(console.now, id);
    console.drain();
    assert_eq!(
        console.typed("*102#"),
        vec![Action::Notice(Notice::TransferInProgress)]
    );
    assert_eq!(
        console.typed("##103#"),
        vec![Action::Notice(Notice::TransferInProgress)]
    );
}

#[test]
fn send_keys_as_dtmf_switch_passes_codes_through() {
    let mut console = Console::answered(CodeTable::frontdesk());
    assert_eq!(console.typed("*1"), vec![]);
    console.call.set_send_keys_as_dtmf(console.now, true);
    assert!(console.call.sends_keys_as_dtmf());
    assert_eq!(console.drain(), vec![dtmf(Leg::Caller, "*1")]);
    assert_eq!(console.typed("*101#"), vec![dtmf(Leg::Caller, "*101#")]);
    assert_eq!(console.call.state(), &TransferState::Talking);
}

#[test]
fn asterisk_profile_sends_the_pbx_transfer_codes_as_dtmf() {
    let mut console = Console::answered(CodeTable::asterisk());
    // FreePBX attended transfer *2, then blind ##.
    assert_eq!(console.typed("*2101"), vec![dtmf(Leg::Caller, "*2101")]);
    assert_eq!(console.typed("##102"), vec![dtmf(Leg::Caller, "##102")]);
    assert_eq!(console.call.poll_timeout(), None);
    assert_eq!(console.call.state(), &TransferState::Talking);
}

#[test]
fn keypad_and_transfer_timers_fire_in_time_order() {
    let mut console = Console::answered(CodeTable::frontdesk());
    let id = Console::hold_id(&console.typed("*101#"));
    let hold_deadline = console.call.transfer().poll_timeout().unwrap();
    // A lone `*` typed 0.5 s before the hold limit: its 1 s runs past it.
    console.now = hold_deadline - Duration::from_millis(500);
    console.call.key(console.now, '*').unwrap();
    assert_eq!(console.call.poll_timeout(), Some(hold_deadline));
    assert_eq!(
        console.wait_ms(1_000),
        vec![
            Action::ResumeCaller,
            Action::Notice(Notice::HoldNotAcknowledged {
                after: Duration::from_secs(8)
            }),
            dtmf(Leg::Caller, "*")
        ]
    );
    console
        .call
        .transfer_mut()
        .hold_acknowledged(console.now, id);
    assert_eq!(console.drain(), vec![]);
}

#[test]
fn one_late_handle_timeout_call_fires_everything_in_order() {
    let mut console = Console::answered(CodeTable::frontdesk());
    let id = Console::hold_id(&console.typed("*101#"));
    console
        .call
        .transfer_mut()
        .hold_acknowledged(console.now, id);
    console.drain();
    console.typed("*1");
    // The engine wakes up only after 20 s.
    console.now += Duration::from_secs(20);
    console.call.handle_timeout(console.now);
    assert_eq!(
        console.drain(),
        vec![
            dtmf(Leg::Consultation, "*1"),
            Action::HangUpConsultation { transfer: id },
            Action::ResumeCaller,
            Action::Notice(Notice::TransferFailed {
                target: "101".into(),
                why: FailureReason::NoAnswerWithin(Duration::from_secs(15))
            })
        ]
    );
    assert_eq!(console.call.poll_timeout(), None);
}

#[test]
fn consultation_kept_after_the_caller_leaves_gets_its_own_call_control() {
    let mut console = Console::answered(CodeTable::frontdesk());
    let id = Console::hold_id(&console.typed("*101#"));
    console
        .call
        .transfer_mut()
        .hold_acknowledged(console.now, id);
    console
        .call
        .transfer_mut()
        .consultation_answered(console.now, id, true);
    console.drain();
    console.call.transfer_mut().caller_hung_up(console.now);
    assert_eq!(
        console.drain(),
        vec![
            Action::KeepConsultationAsCall { transfer: id },
            Action::Notice(Notice::CallerHungUpDuringConsultation {
                target: "101".into()
            })
        ]
    );
    assert_eq!(console.typed("9"), vec![], "the old call control is done");

    let mut colleague = Console {
        call: CallControl::new_connected(
            CodeTable::frontdesk(),
            Timers::default(),
            console.now,
            true,
        ),
        now: console.now,
    };
    assert_eq!(colleague.typed("9"), vec![dtmf(Leg::Caller, "9")]);
    assert!(matches!(
        colleague.typed("##104#").as_slice(),
        [Action::HoldCaller { .. }]
    ));
}

#[test]
fn transfer_buttons_and_keys_share_one_action_order() {
    let mut console = Console::answered(CodeTable::frontdesk());
    console.call.transfer_mut().back_to_caller(console.now);
    // Not drained yet; a key follows.
    console.now += Duration::from_millis(100);
    console.call.key(console.now, '4').unwrap();
    assert_eq!(
        console.drain(),
        vec![
            Action::Notice(Notice::NoConsultation),
            dtmf(Leg::Caller, "4")
        ]
    );
}
