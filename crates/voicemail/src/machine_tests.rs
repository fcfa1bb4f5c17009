use super::*;

fn settings_with_menu() -> Settings {
    let mut settings = Settings::default();
    settings.menu.insert('1', "+4930123456".into());
    settings.menu.insert('2', "205".into());
    settings
}

/// A conversation and a clock that starts at its answer.
struct Call {
    conversation: Conversation,
    start: Instant,
    now: Instant,
}

impl Call {
    fn answer(settings: Settings) -> (Call, Vec<Action>) {
        let (conversation, actions) = Conversation::start(settings);
        let start = Instant::now();
        (
            Call {
                conversation,
                start,
                now: start,
            },
            actions,
        )
    }

    fn at(&mut self, seconds: f64) -> &mut Self {
        self.now = self.start + Duration::from_secs_f64(seconds);
        self
    }

    fn input(&mut self, input: Input) -> Vec<Action> {
        self.conversation.handle(input, self.now)
    }

    fn keys(&mut self, keys: &str) -> Vec<Action> {
        keys.chars()
            .flat_map(|k| self.input(Input::Key(k)))
            .collect()
    }

    fn tick(&mut self) -> Vec<Action> {
        self.conversation.tick(self.now)
    }

    /// Greeting over, beep over: recording from `at`.
    fn recording_from(&mut self, at: f64) {
        self.at(at - 0.5);
        assert_eq!(
            self.input(Input::PromptFinished),
            vec![Action::Play(Prompt::Beep)]
        );
        self.at(at);
        assert_eq!(
            self.input(Input::PromptFinished),
            vec![Action::StartRecording]
        );
    }
}

fn message(seconds: u64) -> Action {
    Action::Done(Outcome::Message {
        recorded: Duration::from_secs(seconds),
        forwarded_to: None,
    })
}

#[test]
fn greeting_beep_recording_then_silence_files_a_message() {
    let (mut call, actions) = Call::answer(Settings::default());
    assert_eq!(actions, vec![Action::Play(Prompt::Greeting)]);
    call.recording_from(10.0);
    assert!(call.conversation.is_recording());
    call.at(12.0).input(Input::Speech);
    assert_eq!(
        call.at(40.0).input(Input::SilenceLimit),
        vec![Action::StopRecording, Action::HangUp, message(30)]
    );
    assert!(call.conversation.is_done());
    assert!(
        call.at(41.0).input(Input::HungUp).is_empty(),
        "over is over"
    );
}

#[test]
fn the_caller_hanging_up_ends_the_message_without_our_hang_up() {
    let (mut call, _) = Call::answer(Settings::default());
    call.recording_from(10.0);
    call.at(11.0).input(Input::Speech);
    assert_eq!(
        call.at(25.0).input(Input::HungUp),
        vec![Action::StopRecording, message(15)]
    );
}

#[test]
fn the_recording_stops_at_the_maximum_length() {
    let (mut call, _) = Call::answer(Settings::default());
    call.recording_from(10.0);
    call.at(11.0).input(Input::Speech);
    assert_eq!(
        call.conversation.deadline(),
        Some(call.start + Duration::from_secs(190))
    );
    assert!(call.at(189.9).tick().is_empty());
    assert_eq!(
        call.at(190.0).tick(),
        vec![Action::StopRecording, Action::HangUp, message(180)]
    );
}

#[test]
fn short_or_silent_recordings_and_early_hang_ups_are_attempts() {
    let (mut call, _) = Call::answer(Settings::default());
    assert_eq!(
        call.at(4.0).input(Input::HungUp),
        vec![Action::Done(Outcome::Attempt {
            why: AttemptReason::HungUpBeforeBeep,
            recorded: Duration::ZERO
        })]
    );

    let (mut call, _) = Call::answer(Settings::default());
    call.recording_from(10.0);
    call.at(11.0).input(Input::Speech);
    assert_eq!(
        call.at(11.5).input(Input::HungUp),
        vec![
            Action::StopRecording,
            Action::Done(Outcome::Attempt {
                why: AttemptReason::TooShort,
                recorded: Duration::from_millis(1500)
            })
        ]
    );

    let (mut call, _) = Call::answer(Settings::default());
    call.recording_from(10.0);
    assert_eq!(
        call.at(20.0).input(Input::SilenceLimit),
        vec![
            Action::StopRecording,
            Action::HangUp,
            Action::Done(Outcome::Attempt {
                why: AttemptReason::Silent,
                recorded: Duration::from_secs(10)
            })
        ]
    );
}

#[test]
fn a_menu_digit_forwards_once_no_extension_follows() {
    let (mut call, _) = Call::answer(settings_with_menu());
    assert_eq!(call.at(3.0).keys("1"), vec![Action::StopPrompt]);
    assert!(call.at(4.9).tick().is_empty(), "an extension may follow");
    assert_eq!(
        call.at(5.0).tick(),
        vec![Action::StopPrompt, Action::Forward("+4930123456".into())]
    );
    // Nobody answers there: back to the voicemail, beep, message.
    assert_eq!(
        call.at(30.0).input(Input::ForwardFailed),
        vec![Action::Play(Prompt::Beep)]
    );
    assert_eq!(
        call.at(30.5).input(Input::PromptFinished),
        vec![Action::StartRecording]
    );
}

#[test]
fn an_answered_forward_ends_the_voicemail_as_an_attempt() {
    let (mut call, _) = Call::answer(settings_with_menu());
    call.at(3.0).keys("2");
    call.at(5.0).tick();
    assert_eq!(
        call.at(9.0).input(Input::Forwarded),
        vec![Action::Done(Outcome::Attempt {
            why: AttemptReason::Forwarded("205".into()),
            recorded: Duration::ZERO
        })]
    );
}

#[test]
fn a_full_extension_is_transferred_at_once() {
    let (mut call, _) = Call::answer(settings_with_menu());
    let actions = call.at(2.0).keys("203");
    assert_eq!(
        actions,
        vec![
            Action::StopPrompt,
            Action::StopPrompt,
            Action::Forward("203".into())
        ]
    );
}

#[test]
fn zero_leaves_a_message_when_there_is_a_menu() {
    let (mut call, _) = Call::answer(settings_with_menu());
    assert_eq!(call.at(2.0).keys("0"), vec![Action::Play(Prompt::Beep)]);
    assert_eq!(
        call.at(2.5).input(Input::PromptFinished),
        vec![Action::StartRecording]
    );
}

#[test]
fn without_a_menu_zero_may_start_an_extension_and_hash_skips_the_greeting() {
    let (mut call, _) = Call::answer(Settings::default());
    assert_eq!(call.at(2.0).keys("0"), vec![Action::StopPrompt]);
    let (mut call, _) = Call::answer(Settings::default());
    assert_eq!(call.at(2.0).keys("#"), vec![Action::Play(Prompt::Beep)]);
}

#[test]
fn unknown_keys_replay_the_greeting_then_let_the_caller_speak() {
    let (mut call, _) = Call::answer(settings_with_menu());
    call.at(2.0).keys("7");
    assert_eq!(call.at(4.0).tick(), vec![Action::Play(Prompt::Greeting)]);
    call.at(5.0).keys("45");
    assert_eq!(call.at(7.0).tick(), vec![Action::Play(Prompt::Greeting)]);
    call.at(8.0).keys("9");
    assert_eq!(
        call.at(10.0).tick(),
        vec![Action::Play(Prompt::Beep)],
        "after two replays the caller may leave a message"
    );
}

#[test]
fn star_replays_and_the_greeting_ending_mid_extension_waits_for_the_rest() {
    let (mut call, _) = Call::answer(settings_with_menu());
    assert_eq!(call.at(2.0).keys("*"), vec![Action::Play(Prompt::Greeting)]);
    call.at(9.0).keys("20");
    assert!(
        call.at(9.5).input(Input::PromptFinished).is_empty(),
        "the caller is still typing"
    );
    assert_eq!(
        call.at(10.0).keys("4"),
        vec![Action::StopPrompt, Action::Forward("204".into())]
    );
}

#[test]
fn keys_during_the_recording_are_ignored() {
    let (mut call, _) = Call::answer(settings_with_menu());
    call.recording_from(10.0);
    assert!(call.at(12.0).keys("1#0").is_empty());
    assert!(call.conversation.is_recording());
}

#[test]
fn menu_only_mailboxes_act_on_the_first_key() {
    let mut settings = settings_with_menu();
    settings.extension_length = 0;
    let (mut call, _) = Call::answer(settings);
    assert_eq!(
        call.at(2.0).keys("2"),
        vec![Action::StopPrompt, Action::Forward("205".into())]
    );
}

#[test]
fn a_caller_asking_for_a_person_is_connected_and_the_message_kept() {
    let (mut call, _) = Call::answer(Settings::default());
    call.recording_from(10.0);
    call.at(12.0).input(Input::Speech);
    assert_eq!(
        call.at(15.0).input(Input::PersonRequested("203".into())),
        vec![Action::Forward("203".into())]
    );
    assert!(
        call.conversation.is_recording(),
        "the caller may go on talking"
    );
    assert!(
        call.at(18.0)
            .input(Input::PersonRequested("204".into()))
            .is_empty(),
        "one person at a time"
    );
    assert!(
        call.at(25.0).input(Input::SilenceLimit).is_empty(),
        "waiting for the person is not the end of the message"
    );
    assert_eq!(
        call.at(26.0).input(Input::Forwarded),
        vec![
            Action::StopRecording,
            Action::Done(Outcome::Message {
                recorded: Duration::from_secs(16),
                forwarded_to: Some("203".into()),
            })
        ]
    );
    assert!(call.conversation.is_done());
}

#[test]
fn nobody_answering_the_person_request_lets_the_message_go_on() {
    let (mut call, _) = Call::answer(Settings::default());
    call.recording_from(10.0);
    call.at(11.0).input(Input::Speech);
    call.at(14.0).input(Input::PersonRequested("203".into()));
    assert_eq!(
        call.at(30.0).input(Input::ForwardFailed),
        vec![Action::Play(Prompt::Beep)]
    );
    assert!(call.conversation.is_recording());
    assert!(call.at(31.0).input(Input::PromptFinished).is_empty());
    assert_eq!(
        call.at(40.0).input(Input::SilenceLimit),
        vec![Action::StopRecording, Action::HangUp, message(30)]
    );
}

#[test]
fn the_maximum_length_also_ends_a_message_waiting_for_a_person() {
    let (mut call, _) = Call::answer(Settings::default());
    call.recording_from(10.0);
    call.at(11.0).input(Input::Speech);
    call.at(100.0).input(Input::PersonRequested("203".into()));
    assert_eq!(
        call.at(190.0).tick(),
        vec![Action::StopRecording, Action::HangUp, message(180)]
    );
}

#[test]
fn person_requests_outside_a_recording_mean_nothing() {
    let (mut call, _) = Call::answer(settings_with_menu());
    assert!(call
        .at(1.0)
        .input(Input::PersonRequested("203".into()))
        .is_empty());
}

#[test]
fn an_outcome_says_who_the_caller_was_connected_to() {
    let message = |forwarded_to: Option<&str>| Outcome::Message {
        recorded: Duration::from_secs(16),
        forwarded_to: forwarded_to.map(Into::into),
    };
    let attempt = |why| Outcome::Attempt {
        why,
        recorded: Duration::ZERO,
    };
    assert_eq!(message(Some("203")).connected_to(), Some("203"));
    assert_eq!(message(None).connected_to(), None);
    assert_eq!(
        attempt(AttemptReason::Forwarded("205".into())).connected_to(),
        Some("205")
    );
    for why in [
        AttemptReason::HungUpBeforeBeep,
        AttemptReason::TooShort,
        AttemptReason::Silent,
    ] {
        assert_eq!(attempt(why).connected_to(), None);
    }
}
