use super::*;

/// A machine on a simulated clock.
struct Desk {
    machine: TransferMachine,
    now: Instant,
}

const SECOND: Duration = Duration::from_secs(1);

impl Desk {
    /// An answered call; `caller_accepts_refer` as the caller's Allow says.
    fn talking(caller_accepts_refer: bool) -> Self {
        let now = Instant::now();
        let mut machine = TransferMachine::new(Timers::default());
        machine.connected(now, caller_accepts_refer);
        Self { machine, now }
    }

    /// Lets time pass, firing due timeouts like an engine's timer loop.
    fn wait(&mut self, by: Duration) -> Vec<Action> {
        let end = self.now + by;
        while let Some(deadline) = self.machine.poll_timeout() {
            if deadline > end {
                break;
            }
            self.now = deadline;
            self.machine.handle_timeout(self.now);
        }
        self.now = end;
        self.drain()
    }

    fn drain(&mut self) -> Vec<Action> {
        std::iter::from_fn(|| self.machine.poll_action()).collect()
    }

    /// Starts an announced transfer to `target` and returns its id.
    fn start_attended(&mut self, target: &str) -> TransferId {
        self.machine.attended_transfer(self.now, target);
        match self.drain().as_slice() {
            [Action::HoldCaller { transfer }] => *transfer,
            other => panic!("expected only HoldCaller, got {other:?}"),
        }
    }

    /// Announced transfer with the hold acknowledged and the consultation dialled.
    fn consulting(&mut self, target: &str) -> TransferId {
        let id = self.start_attended(target);
        self.now += Duration::from_millis(50);
        self.machine.hold_acknowledged(self.now, id);
        assert_eq!(
            self.drain(),
            vec![Action::DialConsultation {
                transfer: id,
                target: target.into()
            }]
        );
        id
    }

    /// Announced transfer with the colleague on the line.
    fn consulting_answered(&mut self, target: &str, colleague_accepts_refer: bool) -> TransferId {
        let id = self.consulting(target);
        self.now += 3 * SECOND;
        self.machine
            .consultation_answered(self.now, id, colleague_accepts_refer);
        assert_eq!(self.drain(), vec![]);
        assert_eq!(
            self.machine.state(),
            &TransferState::Consulting {
                transfer: id,
                target: target.into(),
                answered: true
            }
        );
        id
    }

    /// Blind transfer with the hold acknowledged and the REFER sent.
    fn blind_referred(&mut self, target: &str) -> TransferId {
        self.machine.blind_transfer(self.now, target);
        let id = match self.drain().as_slice() {
            [Action::HoldCaller { transfer }] => *transfer,
            other => panic!("expected only HoldCaller, got {other:?}"),
        };
        self.machine.hold_acknowledged(self.now, id);
        assert_eq!(
            self.drain(),
            vec![Action::SendRefer {
                transfer: id,
                via: Leg::Caller,
                refer_to: ReferTo::Number(target.into())
            }]
        );
        id
    }
}

fn failed(target: &str, why: FailureReason) -> Action {
    Action::Notice(Notice::TransferFailed {
        target: target.into(),
        why,
    })
}

#[test]
fn announced_transfer_completes_when_the_receptionist_hangs_up() {
    let mut desk = Desk::talking(true);
    let id = desk.consulting_answered("101", true);
    assert_eq!(desk.machine.active_leg(), Leg::Consultation);

    desk.machine.receptionist_hung_up(desk.now);
    assert_eq!(
        desk.drain(),
        vec![Action::SendRefer {
            transfer: id,
            via: Leg::Caller,
            refer_to: ReferTo::Replacing(Leg::Consultation)
        }]
    );
    desk.machine.refer_accepted(desk.now, id);
    desk.machine.notify_sipfrag(desk.now, id, 100);
    assert_eq!(desk.drain(), vec![]);
    assert!(matches!(
        desk.machine.state(),
        TransferState::Transferring { accepted: true, .. }
    ));
    desk.machine.notify_sipfrag(desk.now, id, 200);
    assert_eq!(
        desk.drain(),
        vec![
            Action::HangUpCaller,
            Action::HangUpConsultation { transfer: id }
        ]
    );
    assert_eq!(
        desk.machine.state(),
        &TransferState::Ended(EndReason::Transferred)
    );
    assert_eq!(desk.machine.poll_timeout(), None);
}

#[test]
fn nothing_is_dialled_or_referred_before_the_hold_is_acknowledged() {
    let mut desk = Desk::talking(true);
    let id = desk.start_attended("101");
    // The hold is pending: completing is not possible, nothing else goes out.
    assert_eq!(desk.wait(2 * SECOND), vec![]);
    assert!(matches!(
        desk.machine.state(),
        TransferState::HoldingCaller {
            kind: TransferKind::Attended,
            ..
        }
    ));
    desk.machine.hold_acknowledged(desk.now, id);
    assert!(matches!(
        desk.drain().as_slice(),
        [Action::DialConsultation { .. }]
    ));

    let mut desk = Desk::talking(true);
    desk.machine.blind_transfer(desk.now, "102");
    let id = match desk.drain().as_slice() {
        [Action::HoldCaller { transfer }] => *transfer,
        other => panic!("{other:?}"),
    };
    assert_eq!(desk.wait(3 * SECOND), vec![], "no REFER before the 200");
    desk.machine.hold_acknowledged(desk.now, id);
    assert!(matches!(
        desk.drain().as_slice(),
        [Action::SendRefer { .. }]
    ));
}

#[test]
fn announced_transfer_goes_through_the_colleague_when_the_caller_cannot_refer() {
    let mut desk = Desk::talking(false);
    let id = desk.consulting_answered("101", true);
    desk.machine.receptionist_hung_up(desk.now);
    assert_eq!(
        desk.drain(),
        vec![Action::SendRefer {
            transfer: id,
            via: Leg::Consultation,
            refer_to: ReferTo::Replacing(Leg::Caller)
        }]
    );
    // The colleague's phone calls the caller with Replaces; the caller's
    // phone ends our dialog, then the NOTIFY confirms.
    desk.machine.refer_accepted(desk.now, id);
    desk.machine.caller_hung_up(desk.now);
    assert_eq!(desk.drain(), vec![]);
    desk.machine.notify_sipfrag(desk.now, id, 200);
    assert_eq!(
        desk.drain(),
        vec![Action::HangUpConsultation { transfer: id }]
    );
    assert_eq!(
        desk.machine.state(),
        &TransferState::Ended(EndReason::Transferred)
    );
}

#[test]
fn both_far_ends_leaving_during_the_transfer_means_it_worked() {
    let mut desk = Desk::talking(false);
    let id = desk.consulting_answered("101", true);
    desk.machine.receptionist_hung_up(desk.now);
    desk.drain();
    desk.machine.caller_hung_up(desk.now);
    desk.machine.colleague_hung_up(desk.now, id);
    assert_eq!(desk.drain(), vec![]);
    assert_eq!(
        desk.machine.state(),
        &TransferState::Ended(EndReason::Transferred)
    );
}

#[test]
fn refer_unsupported_by_the_caller_falls_back_to_the_colleague() {
    for status in [405, 501] {
        let mut desk = Desk::talking(true);
        let id = desk.consulting_answered("101", true);
        desk.machine.receptionist_hung_up(desk.now);
        desk.drain();
        desk.machine.refer_rejected(desk.now, id, status);
        assert_eq!(
            desk.drain(),
            vec![Action::SendRefer {
                transfer: id,
                via: Leg::Consultation,
                refer_to: ReferTo::Replacing(Leg::Caller)
            }],
            "status {status}"
        );
        desk.machine.notify_sipfrag(desk.now, id, 200);
        assert_eq!(
            desk.drain(),
            vec![
                Action::HangUpCaller,
                Action::HangUpConsultation { transfer: id }
            ]
        );
    }
}

#[test]
fn refer_unsupported_on_both_sides_resumes_the_caller() {
    // Learned from the REFER's 405, colleague without REFER either.
    let mut desk = Desk::talking(true);
    let id = desk.consulting_answered("101", false);
    desk.machine.receptionist_hung_up(desk.now);
    desk.drain();
    desk.machine.refer_rejected(desk.now, id, 405);
    assert_eq!(
        desk.drain(),
        vec![
            Action::HangUpConsultation { transfer: id },
            Action::ResumeCaller,
            failed("101", FailureReason::ReferUnsupported)
        ]
    );
    assert_eq!(desk.machine.state(), &TransferState::Talking);

    // Known from both Allow headers: nothing is even tried.
    let mut desk = Desk::talking(false);
    let id = desk.consulting_answered("101", false);
    desk.machine.receptionist_hung_up(desk.now);
    assert_eq!(
        desk.drain(),
        vec![
            Action::HangUpConsultation { transfer: id },
            Action::ResumeCaller,
            failed("101", FailureReason::ReferUnsupported)
        ]
    );
    assert_eq!(desk.machine.state(), &TransferState::Talking);
}

#[test]
fn refer_rejected_resumes_the_caller_with_the_reason() {
    let mut desk = Desk::talking(true);
    let id = desk.consulting_answered("101", true);
    desk.machine.receptionist_hung_up(desk.now);
    desk.drain();
    desk.machine.refer_rejected(desk.now, id, 403);
    assert_eq!(
        desk.drain(),
        vec![
            Action::HangUpConsultation { transfer: id },
            Action::ResumeCaller,
            failed("101", FailureReason::Status(403))
        ]
    );
    assert_eq!(desk.machine.state(), &TransferState::Talking);
    assert_eq!(desk.machine.poll_timeout(), None);
}

#[test]
fn announced_transfer_failing_in_the_notify_resumes_the_caller() {
    let mut desk = Desk::talking(true);
    let id = desk.consulting_answered("101", true);
    desk.machine.receptionist_hung_up(desk.now);
    desk.drain();
    desk.machine.refer_accepted(desk.now, id);
    desk.machine.notify_sipfrag(desk.now, id, 481);
    assert_eq!(
        desk.drain(),
        vec![
            Action::HangUpConsultation { transfer: id },
            Action::ResumeCaller,
            failed("101", FailureReason::Status(481))
        ]
    );
}

#[test]
fn replaced_consultation_ending_before_the_notify_is_expected() {
    let mut desk = Desk::talking(true);
    let id = desk.consulting_answered("101", true);
    desk.machine.receptionist_hung_up(desk.now);
    desk.drain();
    desk.machine.refer_accepted(desk.now, id);
    // The colleague's phone accepted the caller's INVITE with Replaces and
    // ends the consultation itself.
    desk.machine.colleague_hung_up(desk.now, id);
    assert_eq!(desk.drain(), vec![]);
    desk.machine.notify_sipfrag(desk.now, id, 200);
    assert_eq!(desk.drain(), vec![Action::HangUpCaller]);
    assert_eq!(
        desk.machine.state(),
        &TransferState::Ended(EndReason::Transferred)
    );
}

#[test]
fn colleague_leaving_before_calling_the_caller_resumes_the_caller() {
    let mut desk = Desk::talking(false);
    let id = desk.consulting_answered("101", true);
    desk.machine.receptionist_hung_up(desk.now);
    desk.drain();
    desk.machine.colleague_hung_up(desk.now, id);
    assert_eq!(
        desk.drain(),
        vec![
            Action::ResumeCaller,
            Action::Notice(Notice::ColleagueHungUp {
                target: "101".into()
            })
        ]
    );
    assert_eq!(desk.machine.state(), &TransferState::Talking);
}

#[test]
fn caller_leaving_while_referred_to_the_colleague_ends_everything() {
    let mut desk = Desk::talking(true);
    let id = desk.consulting_answered("101", true);
    desk.machine.receptionist_hung_up(desk.now);
    desk.drain();
    desk.machine.caller_hung_up(desk.now);
    assert_eq!(
        desk.drain(),
        vec![Action::HangUpConsultation { transfer: id }]
    );
    assert_eq!(
        desk.machine.state(),
        &TransferState::Ended(EndReason::CallerHungUp)
    );
}

#[test]
fn caller_leaving_before_a_failed_notify_hangs_up_the_consultation() {
    let mut desk = Desk::talking(false);
    let id = desk.consulting_answered("101", true);
    desk.machine.receptionist_hung_up(desk.now);
    desk.drain();
    desk.machine.caller_hung_up(desk.now);
    desk.machine.notify_sipfrag(desk.now, id, 487);
    assert_eq!(
        desk.drain(),
        vec![Action::HangUpConsultation { transfer: id }]
    );
    assert_eq!(
        desk.machine.state(),
        &TransferState::Ended(EndReason::CallerHungUp)
    );
}

#[test]
fn blind_transfer_success_ends_the_call() {
    let mut desk = Desk::talking(true);
    let id = desk.blind_referred("102");
    desk.machine.refer_accepted(desk.now, id);
    desk.machine.notify_sipfrag(desk.now, id, 100);
    desk.machine.notify_sipfrag(desk.now, id, 180);
    assert_eq!(desk.drain(), vec![]);
    desk.machine.notify_sipfrag(desk.now, id, 200);
    assert_eq!(desk.drain(), vec![Action::HangUpCaller]);
    assert_eq!(
        desk.machine.state(),
        &TransferState::Ended(EndReason::Transferred)
    );
}

#[test]
fn blind_transfer_failures_in_the_notify_resume_the_caller() {
    for (status, why) in [
        (486, FailureReason::Busy),
        (404, FailureReason::NotFound),
        (408, FailureReason::NoAnswer),
        (603, FailureReason::Declined),
        (503, FailureReason::Status(503)),
    ] {
        let mut desk = Desk::talking(true);
        let id = desk.blind_referred("102");
        desk.machine.refer_accepted(desk.now, id);
        desk.machine.notify_sipfrag(desk.now, id, status);
        assert_eq!(
            desk.drain(),
            vec![Action::ResumeCaller, failed("102", why)],
            "sipfrag {status}"
        );
        assert_eq!(desk.machine.state(), &TransferState::Talking);
        assert_eq!(desk.machine.poll_timeout(), None);
    }
}

#[test]
fn blind_transfer_rejected_refer_resumes_the_caller() {
    for (status, why) in [
        (405, FailureReason::ReferUnsupported),
        (501, FailureReason::ReferUnsupported),
        (403, FailureReason::Status(403)),
        (488, FailureReason::Status(488)),
    ] {
        let mut desk = Desk::talking(true);
        let id = desk.blind_referred("102");
        desk.machine.refer_rejected(desk.now, id, status);
        assert_eq!(
            desk.drain(),
            vec![Action::ResumeCaller, failed("102", why)],
            "REFER answered {status}"
        );
    }
}

#[test]
fn blind_transfer_without_refer_support_is_refused_before_anything_happens() {
    let mut desk = Desk::talking(false);
    desk.machine.blind_transfer(desk.now, "102");
    assert_eq!(
        desk.drain(),
        vec![failed("102", FailureReason::ReferUnsupported)]
    );
    assert_eq!(desk.machine.state(), &TransferState::Talking);
    // The Allow of a later re-INVITE can change that.
    desk.machine.set_caller_accepts_refer(true);
    desk.machine.blind_transfer(desk.now, "102");
    assert!(matches!(
        desk.drain().as_slice(),
        [Action::HoldCaller { .. }]
    ));
}

#[test]
fn blind_transfer_with_no_outcome_resumes_the_caller_after_15_s() {
    let mut desk = Desk::talking(true);
    let id = desk.blind_referred("102");
    desk.machine.refer_accepted(desk.now, id);
    assert_eq!(desk.wait(Duration::from_millis(14_999)), vec![]);
    assert_eq!(
        desk.wait(Duration::from_millis(1)),
        vec![
            Action::ResumeCaller,
            failed("102", FailureReason::NoAnswerWithin(15 * SECOND))
        ]
    );
    // The late NOTIFY of the abandoned attempt changes nothing.
    desk.machine.notify_sipfrag(desk.now, id, 200);
    assert_eq!(desk.drain(), vec![]);
    assert_eq!(desk.machine.state(), &TransferState::Talking);
}

#[test]
fn refer_never_answered_is_reported_as_not_confirmed() {
    let mut desk = Desk::talking(true);
    desk.blind_referred("102");
    assert_eq!(
        desk.wait(15 * SECOND),
        vec![
            Action::ResumeCaller,
            failed("102", FailureReason::NotConfirmed(15 * SECOND))
        ]
    );

    let mut desk = Desk::talking(true);
    let id = desk.consulting_answered("101", true);
    desk.machine.receptionist_hung_up(desk.now);
    desk.drain();
    desk.machine.refer_accepted(desk.now, id);
    assert_eq!(
        desk.wait(15 * SECOND),
        vec![
            Action::HangUpConsultation { transfer: id },
            Action::ResumeCaller,
            failed("101", FailureReason::NotConfirmed(15 * SECOND))
        ]
    );
}

#[test]
fn a_notify_overtaking_the_202_counts_as_accepted() {
    let mut desk = Desk::talking(true);
    let id = desk.blind_referred("102");
    desk.machine.notify_sipfrag(desk.now, id, 100);
    assert!(matches!(
        desk.machine.state(),
        TransferState::Transferring { accepted: true, .. }
    ));
}

#[test]
fn receptionist_hanging_up_during_a_blind_transfer_waits_for_the_outcome() {
    let mut desk = Desk::talking(true);
    let id = desk.blind_referred("102");
    desk.machine.receptionist_hung_up(desk.now);
    assert_eq!(
        desk.drain(),
        vec![Action::Notice(Notice::TransferPending {
            target: "102".into()
        })]
    );
    desk.machine.notify_sipfrag(desk.now, id, 486);
    assert_eq!(
        desk.drain(),
        vec![Action::ResumeCaller, failed("102", FailureReason::Busy)]
    );

    // Also while the hold is still pending: the blind transfer goes on.
    let mut desk = Desk::talking(true);
    desk.machine.blind_transfer(desk.now, "102");
    let id = match desk.drain().as_slice() {
        [Action::HoldCaller { transfer }] => *transfer,
        other => panic!("{other:?}"),
    };
    desk.machine.receptionist_hung_up(desk.now);
    assert!(matches!(
        desk.drain().as_slice(),
        [Action::Notice(Notice::TransferPending { .. })]
    ));
    desk.machine.hold_acknowledged(desk.now, id);
    assert!(matches!(
        desk.drain().as_slice(),
        [Action::SendRefer { .. }]
    ));
}

#[test]
fn caller_leaving_during_a_blind_transfer_ends_the_call() {
    let mut desk = Desk::talking(true);
    let id = desk.blind_referred("102");
    desk.machine.refer_accepted(desk.now, id);
    desk.machine.caller_hung_up(desk.now);
    assert_eq!(desk.drain(), vec![]);
    assert!(desk.machine.is_ended());
    desk.machine.notify_sipfrag(desk.now, id, 200);
    assert_eq!(desk.drain(), vec![]);
}

#[test]
fn consultation_refused_resumes_the_caller_with_the_reason() {
    for (status, why) in [
        (486, FailureReason::Busy),
        (600, FailureReason::Busy),
        (603, FailureReason::Declined),
        (404, FailureReason::NotFound),
        (480, FailureReason::Unavailable),
        (408, FailureReason::NoAnswer),
        (500, FailureReason::Status(500)),
    ] {
        let mut desk = Desk::talking(true);
        let id = desk.consulting("101");
        desk.machine.consultation_failed(desk.now, id, status);
        assert_eq!(
            desk.drain(),
            vec![Action::ResumeCaller, failed("101", why)],
            "consultation answered {status}"
        );
        assert_eq!(desk.machine.state(), &TransferState::Talking);
        assert_eq!(desk.machine.poll_timeout(), None);
    }
}

#[test]
fn consultation_not_answered_within_15_s_is_cancelled() {
    let mut desk = Desk::talking(true);
    let id = desk.consulting("101");
    assert_eq!(
        desk.machine.poll_timeout(),
        Some(desk.now + 15 * SECOND),
        "15 s from dialling"
    );
    assert_eq!(desk.wait(Duration::from_millis(14_999)), vec![]);
    assert_eq!(
        desk.wait(Duration::from_millis(1)),
        vec![
            Action::HangUpConsultation { transfer: id },
            Action::ResumeCaller,
            failed("101", FailureReason::NoAnswerWithin(15 * SECOND))
        ]
    );
    // The 487 of our own CANCEL arrives late and is ignored.
    desk.machine.consultation_failed(desk.now, id, 487);
    desk.machine.consultation_answered(desk.now, id, true);
    assert_eq!(desk.drain(), vec![]);
    assert_eq!(desk.machine.state(), &TransferState::Talking);
}

#[test]
fn an_answered_consultation_has_no_time_limit() {
    let mut desk = Desk::talking(true);
    desk.consulting_answered("101", true);
    assert_eq!(desk.machine.poll_timeout(), None);
    assert_eq!(desk.wait(600 * SECOND), vec![]);
}

#[test]
fn caller_hanging_up_during_consultation_keeps_the_consultation() {
    for answered in [false, true] {
        let mut desk = Desk::talking(true);
        let id = if answered {
            desk.consulting_answered("101", true)
        } else {
            desk.consulting("101")
        };
        desk.machine.caller_hung_up(desk.now);
        assert_eq!(
            desk.drain(),
            vec![
                Action::KeepConsultationAsCall { transfer: id },
                Action::Notice(Notice::CallerHungUpDuringConsultation {
                    target: "101".into()
                })
            ],
            "answered: {answered}"
        );
        assert_eq!(
            desk.machine.state(),
            &TransferState::Ended(EndReason::CallerLeftDuringConsultation)
        );
        // The 15 s no-answer limit belonged to the transfer, not to the call.
        assert_eq!(desk.machine.poll_timeout(), None);
    }
}

#[test]
fn colleague_hanging_up_returns_the_receptionist_to_the_caller() {
    let mut desk = Desk::talking(true);
    let id = desk.consulting_answered("101", true);
    desk.machine.colleague_hung_up(desk.now, id);
    assert_eq!(
        desk.drain(),
        vec![
            Action::ResumeCaller,
            Action::Notice(Notice::ColleagueHungUp {
                target: "101".into()
            })
        ]
    );
    assert_eq!(desk.machine.state(), &TransferState::Talking);
    assert_eq!(desk.machine.active_leg(), Leg::Caller);

    // An error after answering (e.g. a dead session) counts the same.
    let id = desk.consulting_answered("103", true);
    desk.machine.consultation_failed(desk.now, id, 408);
    assert_eq!(
        desk.drain(),
        vec![
            Action::ResumeCaller,
            Action::Notice(Notice::ColleagueHungUp {
                target: "103".into()
            })
        ]
    );
}

#[test]
fn receptionist_hanging_up_before_the_colleague_answers_returns_to_the_caller() {
    let mut desk = Desk::talking(true);
    let id = desk.consulting("101");
    desk.machine.receptionist_hung_up(desk.now);
    assert_eq!(
        desk.drain(),
        vec![
            Action::HangUpConsultation { transfer: id },
            Action::ResumeCaller,
            Action::Notice(Notice::ConsultationCancelled {
                target: "101".into()
            })
        ]
    );
    assert_eq!(desk.machine.state(), &TransferState::Talking);
    assert_eq!(desk.machine.poll_timeout(), None);
}

#[test]
fn receptionist_hanging_up_while_the_hold_is_pending_cancels() {
    let mut desk = Desk::talking(true);
    let id = desk.start_attended("101");
    desk.machine.receptionist_hung_up(desk.now);
    assert_eq!(
        desk.drain(),
        vec![
            Action::ResumeCaller,
            Action::Notice(Notice::ConsultationCancelled {
                target: "101".into()
            })
        ]
    );
    // The late 200 to the hold must not dial anyone.
    desk.machine.hold_acknowledged(desk.now, id);
    assert_eq!(desk.drain(), vec![]);
    assert_eq!(desk.machine.state(), &TransferState::Talking);
}

#[test]
fn hold_not_acknowledged_resumes_the_caller() {
    let mut desk = Desk::talking(true);
    let id = desk.start_attended("101");
    assert_eq!(desk.wait(Duration::from_millis(7_999)), vec![]);
    assert_eq!(
        desk.wait(Duration::from_millis(1)),
        vec![
            Action::ResumeCaller,
            Action::Notice(Notice::HoldNotAcknowledged { after: 8 * SECOND })
        ]
    );
    desk.machine.hold_acknowledged(desk.now, id);
    assert_eq!(desk.drain(), vec![], "late 200 dials nobody");
    assert_eq!(desk.machine.state(), &TransferState::Talking);
}

#[test]
fn hold_refused_leaves_the_caller_as_they_were() {
    let mut desk = Desk::talking(true);
    let id = desk.start_attended("101");
    desk.machine.hold_failed(desk.now, id, 488);
    assert_eq!(
        desk.drain(),
        vec![Action::Notice(Notice::HoldRefused { status: 488 })]
    );
    assert_eq!(desk.machine.state(), &TransferState::Talking);
    assert_eq!(desk.machine.poll_timeout(), None);
}

#[test]
fn back_to_caller_ends_the_consultation() {
    for answered in [false, true] {
        let mut desk = Desk::talking(true);
        let id = if answered {
            desk.consulting_answered("101", true)
        } else {
            desk.consulting("101")
        };
        desk.machine.back_to_caller(desk.now);
        assert_eq!(
            desk.drain(),
            vec![
                Action::HangUpConsultation { transfer: id },
                Action::ResumeCaller
            ]
        );
        assert_eq!(desk.machine.state(), &TransferState::Talking);
        assert_eq!(desk.machine.poll_timeout(), None);
    }
}

#[test]
fn back_to_caller_before_the_hold_is_acknowledged_cancels() {
    for kind in [TransferKind::Attended, TransferKind::Blind] {
        let mut desk = Desk::talking(true);
        match kind {
            TransferKind::Attended => desk.machine.attended_transfer(desk.now, "101"),
            TransferKind::Blind => desk.machine.blind_transfer(desk.now, "101"),
        }
        let id = match desk.drain().as_slice() {
            [Action::HoldCaller { transfer }] => *transfer,
            other => panic!("{other:?}"),
        };
        desk.machine.back_to_caller(desk.now);
        assert_eq!(desk.drain(), vec![Action::ResumeCaller]);
        desk.machine.hold_acknowledged(desk.now, id);
        assert_eq!(desk.drain(), vec![], "{kind:?}");
    }
}

#[test]
fn back_to_caller_without_consultation_only_tells() {
    let mut desk = Desk::talking(true);
    desk.machine.back_to_caller(desk.now);
    assert_eq!(desk.drain(), vec![Action::Notice(Notice::NoConsultation)]);
    assert_eq!(desk.machine.state(), &TransferState::Talking);

    // Once a REFER is out it cannot be called back.
    desk.blind_referred("102");
    desk.machine.back_to_caller(desk.now);
    assert_eq!(
        desk.drain(),
        vec![Action::Notice(Notice::TransferPending {
            target: "102".into()
        })]
    );
}

#[test]
fn a_second_transfer_while_one_is_under_way_is_refused() {
    let busy = Action::Notice(Notice::TransferInProgress);
    // While holding.
    let mut desk = Desk::talking(true);
    desk.start_attended("101");
    desk.machine.attended_transfer(desk.now, "102");
    desk.machine.blind_transfer(desk.now, "103");
    assert_eq!(desk.drain(), vec![busy.clone(), busy.clone()]);
    // While consulting.
    let mut desk = Desk::talking(true);
    desk.consulting_answered("101", true);
    desk.machine.attended_transfer(desk.now, "102");
    desk.machine.blind_transfer(desk.now, "103");
    assert_eq!(desk.drain(), vec![busy.clone(), busy.clone()]);
    assert!(matches!(
        desk.machine.state(),
        TransferState::Consulting { target, .. } if target == "101"
    ));
    // While the REFER is out.
    let mut desk = Desk::talking(true);
    desk.blind_referred("102");
    desk.machine.attended_transfer(desk.now, "104");
    assert_eq!(desk.drain(), vec![busy]);
}

#[test]
fn a_new_attempt_ignores_answers_meant_for_the_previous_one() {
    let mut desk = Desk::talking(true);
    let first = desk.consulting("101");
    desk.machine.back_to_caller(desk.now);
    desk.drain();
    let second = desk.consulting("102");
    assert_ne!(first, second);
    // The first consultation's 487 and a stray answer arrive late.
    desk.machine.consultation_failed(desk.now, first, 487);
    desk.machine.consultation_answered(desk.now, first, true);
    desk.machine.colleague_hung_up(desk.now, first);
    assert_eq!(desk.drain(), vec![]);
    assert_eq!(
        desk.machine.state(),
        &TransferState::Consulting {
            transfer: second,
            target: "102".into(),
            answered: false
        }
    );
}

#[test]
fn transfers_need_an_answered_call_and_a_number() {
    let now = Instant::now();
    let mut machine = TransferMachine::new(Timers::default());
    assert_eq!(machine.state(), &TransferState::Ringing);
    machine.attended_transfer(now, "101");
    machine.blind_transfer(now, "101");
    assert_eq!(
        std::iter::from_fn(|| machine.poll_action()).collect::<Vec<_>>(),
        vec![
            Action::Notice(Notice::NotConnected),
            Action::Notice(Notice::NotConnected)
        ]
    );

    let mut desk = Desk::talking(true);
    desk.machine.attended_transfer(desk.now, "  ");
    desk.machine.blind_transfer(desk.now, "");
    assert_eq!(
        desk.drain(),
        vec![
            Action::Notice(Notice::NoNumber),
            Action::Notice(Notice::NoNumber)
        ]
    );
}

#[test]
fn plain_hang_ups_end_the_call() {
    let mut desk = Desk::talking(true);
    desk.machine.receptionist_hung_up(desk.now);
    assert_eq!(desk.drain(), vec![Action::HangUpCaller]);
    assert_eq!(
        desk.machine.state(),
        &TransferState::Ended(EndReason::ReceptionistHungUp)
    );
    // Nothing happens after the end.
    desk.machine.attended_transfer(desk.now, "101");
    desk.machine.receptionist_hung_up(desk.now);
    desk.machine.back_to_caller(desk.now);
    assert_eq!(desk.drain(), vec![]);

    let mut desk = Desk::talking(true);
    desk.machine.caller_hung_up(desk.now);
    assert_eq!(desk.drain(), vec![]);
    assert_eq!(
        desk.machine.state(),
        &TransferState::Ended(EndReason::CallerHungUp)
    );

    let mut desk = Desk::talking(true);
    desk.start_attended("101");
    desk.machine.caller_hung_up(desk.now);
    assert_eq!(desk.drain(), vec![]);
    assert!(desk.machine.is_ended());
    assert_eq!(desk.machine.poll_timeout(), None);
}

#[test]
fn after_a_failed_transfer_another_one_works() {
    let mut desk = Desk::talking(true);
    let id = desk.consulting("101");
    desk.machine.consultation_failed(desk.now, id, 486);
    desk.drain();
    let id = desk.consulting_answered("102", true);
    desk.machine.receptionist_hung_up(desk.now);
    assert!(matches!(
        desk.drain().as_slice(),
        [Action::SendRefer { transfer, .. }] if *transfer == id
    ));
}
