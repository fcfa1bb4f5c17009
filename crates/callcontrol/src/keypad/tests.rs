use super::*;
use std::time::Duration;

/// A decoder on a simulated clock: keys are typed 200 ms apart unless a
/// test waits explicitly.
struct Pad {
    decoder: KeypadDecoder,
    now: Instant,
}

impl Pad {
    fn new(table: CodeTable, mode: KeypadMode) -> Self {
        Self {
            decoder: KeypadDecoder::new(table, mode),
            now: Instant::now(),
        }
    }

    fn connected() -> Self {
        Self::new(CodeTable::frontdesk(), KeypadMode::Connected)
    }

    fn typed(&mut self, keys: &str) -> Vec<KeyAction> {
        for key in keys.chars() {
            self.now += Duration::from_millis(200);
            self.decoder.key(self.now, key).unwrap();
        }
        self.drain()
    }

    /// Lets `ms` pass, firing every timeout that falls due on the way, the
    /// way an engine's timer loop would.
    fn wait_ms(&mut self, ms: u64) -> Vec<KeyAction> {
        let end = self.now + Duration::from_millis(ms);
        while let Some(deadline) = self.decoder.poll_timeout() {
            if deadline > end {
                break;
            }
            self.now = deadline;
            self.decoder.handle_timeout(self.now);
        }
        self.now = end;
        self.drain()
    }

    fn drain(&mut self) -> Vec<KeyAction> {
        std::iter::from_fn(|| self.decoder.poll_action()).collect()
    }
}

fn dtmf(keys: &str) -> KeyAction {
    KeyAction::Dtmf(keys.into())
}

#[test]
fn ordinary_digits_go_out_immediately() {
    let mut pad = Pad::connected();
    for key in ["1", "2", "0", "9", "A", "D"] {
        assert_eq!(pad.typed(key), vec![dtmf(key)]);
        assert_eq!(pad.decoder.poll_timeout(), None, "nothing held after {key}");
    }
}

#[test]
fn attended_transfer_code_ended_with_hash() {
    let mut pad = Pad::connected();
    assert_eq!(pad.typed("*10"), vec![]);
    assert_eq!(pad.decoder.pending_keys(), "*10");
    assert_eq!(
        pad.typed("1#"),
        vec![KeyAction::AttendedTransfer("101".into())]
    );
    assert_eq!(pad.decoder.pending_keys(), "");
    assert_eq!(pad.decoder.poll_timeout(), None);
}

#[test]
fn attended_transfer_to_a_long_external_number() {
    let mut pad = Pad::connected();
    assert_eq!(
        pad.typed("*004930123456#"),
        vec![KeyAction::AttendedTransfer("004930123456".into())]
    );
}

#[test]
fn attended_transfer_number_ended_by_the_digit_timeout() {
    let mut pad = Pad::connected();
    assert_eq!(pad.typed("*101"), vec![]);
    assert_eq!(pad.wait_ms(2_900), vec![], "3 s have not passed yet");
    assert_eq!(
        pad.wait_ms(100),
        vec![KeyAction::AttendedTransfer("101".into())]
    );
}

#[test]
fn back_to_caller_fires_on_the_second_star() {
    let mut pad = Pad::connected();
    assert_eq!(pad.typed("*"), vec![]);
    assert_eq!(pad.typed("*"), vec![KeyAction::BackToCaller]);
    assert_eq!(pad.decoder.poll_timeout(), None);
}

#[test]
fn blind_transfer_ended_with_hash_or_timeout() {
    let mut pad = Pad::connected();
    assert_eq!(
        pad.typed("##102#"),
        vec![KeyAction::BlindTransfer("102".into())]
    );
    assert_eq!(pad.typed("##0301234567"), vec![]);
    assert_eq!(
        pad.wait_ms(3_000),
        vec![KeyAction::BlindTransfer("0301234567".into())]
    );
}

#[test]
fn a_lone_star_waits_one_second_then_goes_out_as_dtmf() {
    let mut pad = Pad::connected();
    assert_eq!(pad.typed("*"), vec![]);
    assert_eq!(pad.wait_ms(999), vec![]);
    assert_eq!(pad.wait_ms(1), vec![dtmf("*")]);
    assert_eq!(pad.decoder.poll_timeout(), None);
}

#[test]
fn a_lone_hash_waits_one_second_then_goes_out_as_dtmf() {
    let mut pad = Pad::connected();
    assert_eq!(pad.typed("#"), vec![]);
    assert_eq!(pad.wait_ms(1_000), vec![dtmf("#")]);
}

#[test]
fn star_and_digit_then_timeout_is_sent_as_typed() {
    // `*1`: too short for an extension when the timeout ends it, so it was
    // an IVR choice — sent in order, nothing lost.
    let mut pad = Pad::connected();
    assert_eq!(pad.typed("*1"), vec![]);
    assert_eq!(pad.wait_ms(2_999), vec![]);
    assert_eq!(pad.wait_ms(1), vec![dtmf("*1")]);
}

#[test]
fn a_short_number_ended_with_hash_is_a_transfer() {
    let mut pad = Pad::connected();
    assert_eq!(
        pad.typed("*1#"),
        vec![KeyAction::AttendedTransfer("1".into())]
    );
}

#[test]
fn hash_with_no_number_is_not_a_code() {
    let mut pad = Pad::connected();
    assert_eq!(pad.typed("*#"), vec![dtmf("*#")]);
    assert_eq!(pad.typed("###"), vec![dtmf("###")]);
    assert_eq!(pad.decoder.poll_timeout(), None);
}

#[test]
fn blind_prefix_with_no_number_times_out_as_dtmf() {
    let mut pad = Pad::connected();
    assert_eq!(pad.typed("##"), vec![]);
    assert_eq!(pad.wait_ms(3_000), vec![dtmf("##")]);
}

#[test]
fn a_key_that_breaks_a_code_sends_the_held_keys_first() {
    let mut pad = Pad::connected();
    // `#5` cannot become a code.
    assert_eq!(pad.typed("#5"), vec![dtmf("#5")]);
    // `*1` then `*`: the `*` may start a new code, `*1` goes out.
    assert_eq!(pad.typed("*1*"), vec![dtmf("*1")]);
    assert_eq!(pad.decoder.pending_keys(), "*");
    assert_eq!(pad.typed("*"), vec![KeyAction::BackToCaller]);
    // `#*` then `*`: `#` goes out, `**` is a code.
    assert_eq!(pad.typed("#**"), vec![dtmf("#"), KeyAction::BackToCaller]);
    // A letter inside a number.
    assert_eq!(pad.typed("*10A"), vec![dtmf("*10A")]);
}

#[test]
fn ringing_calls_have_no_codes() {
    let mut pad = Pad::new(CodeTable::frontdesk(), KeypadMode::Ringing);
    assert_eq!(pad.typed("*"), vec![dtmf("*")]);
    assert_eq!(pad.typed("*101#"), vec![dtmf("*101#")]);
    assert_eq!(pad.typed("**"), vec![dtmf("**")]);
    assert_eq!(pad.decoder.poll_timeout(), None);
}

#[test]
fn send_keys_as_dtmf_passes_every_key_and_flushes_held_ones() {
    let mut pad = Pad::connected();
    assert_eq!(pad.typed("*1"), vec![]);
    pad.decoder.set_send_keys_as_dtmf(true);
    assert!(pad.decoder.sends_keys_as_dtmf());
    assert_eq!(pad.drain(), vec![dtmf("*1")]);
    assert_eq!(pad.decoder.poll_timeout(), None);
    assert_eq!(pad.typed("*101#"), vec![dtmf("*101#")]);
    assert_eq!(pad.typed("**"), vec![dtmf("**")]);
    pad.decoder.set_send_keys_as_dtmf(false);
    assert_eq!(pad.typed("**"), vec![KeyAction::BackToCaller]);
}

#[test]
fn asterisk_profile_passes_pbx_codes_through() {
    let mut pad = Pad::new(CodeTable::asterisk(), KeypadMode::Connected);
    // FreePBX's attended (*2) and blind (##) transfer codes must reach it.
    for key in "*2101##102".chars() {
        let key = key.to_string();
        assert_eq!(pad.typed(&key), vec![dtmf(&key)], "key {key}");
    }
    assert_eq!(pad.decoder.poll_timeout(), None);
}

#[test]
fn custom_table_codes_are_used() {
    let table = CodeTable {
        attended_transfer: Some("*3".into()),
        back_to_caller: Some("*0".into()),
        blind_transfer: Some("*4".into()),
        ..CodeTable::frontdesk()
    };
    assert_eq!(table.check(), Ok(()));
    let mut pad = Pad::new(table, KeypadMode::Connected);
    assert_eq!(
        pad.typed("*3101#"),
        vec![KeyAction::AttendedTransfer("101".into())]
    );
    assert_eq!(pad.typed("*0"), vec![KeyAction::BackToCaller]);
    assert_eq!(
        pad.typed("*4102#"),
        vec![KeyAction::BlindTransfer("102".into())]
    );
    // `*` is only a prefix here; `*5` is nothing.
    assert_eq!(pad.typed("*5"), vec![dtmf("*5")]);
    // `**` is nothing in this table either.
    assert_eq!(pad.typed("**"), vec![dtmf("*")]);
    assert_eq!(pad.wait_ms(1_000), vec![dtmf("*")]);
}

#[test]
fn a_late_timer_cannot_reorder_keys() {
    // The engine forgot to call handle_timeout; the next key still sees
    // the lone `*` expire first.
    let mut pad = Pad::connected();
    assert_eq!(pad.typed("*"), vec![]);
    pad.now += Duration::from_secs(5);
    pad.decoder.key(pad.now, '*').unwrap();
    assert_eq!(pad.drain(), vec![dtmf("*")]);
    assert_eq!(pad.decoder.pending_keys(), "*");
}

#[test]
fn non_keypad_characters_are_refused() {
    let mut pad = Pad::connected();
    assert_eq!(pad.decoder.key(pad.now, 'x'), Err(InvalidKey('x')));
    assert_eq!(pad.decoder.key(pad.now, ' '), Err(InvalidKey(' ')));
    assert_eq!(pad.drain(), vec![]);
}

#[test]
fn changing_mode_drops_half_typed_codes() {
    let mut pad = Pad::connected();
    assert_eq!(pad.typed("*10"), vec![]);
    pad.decoder.set_mode(KeypadMode::Idle);
    assert_eq!(pad.decoder.mode(), KeypadMode::Idle);
    assert_eq!(pad.decoder.poll_timeout(), None);
    assert_eq!(pad.wait_ms(5_000), vec![]);
}

#[test]
fn idle_pickup_with_extension_and_hash() {
    let mut pad = Pad::new(CodeTable::frontdesk(), KeypadMode::Idle);
    assert_eq!(pad.typed("*8101"), vec![]);
    assert_eq!(pad.typed("#"), vec![KeyAction::Pickup(Some("101".into()))]);
}

#[test]
fn idle_pickup_alone_with_hash_or_timeout() {
    let mut pad = Pad::new(CodeTable::frontdesk(), KeypadMode::Idle);
    assert_eq!(pad.typed("*8#"), vec![KeyAction::Pickup(None)]);
    assert_eq!(pad.typed("*8"), vec![]);
    assert_eq!(pad.wait_ms(2_999), vec![]);
    assert_eq!(pad.wait_ms(1), vec![KeyAction::Pickup(None)]);
}

#[test]
fn idle_numbers_are_dialled_on_hash_or_timeout() {
    let mut pad = Pad::new(CodeTable::frontdesk(), KeypadMode::Idle);
    assert_eq!(pad.typed("101#"), vec![KeyAction::Dial("101".into())]);
    assert_eq!(pad.typed("0301234"), vec![]);
    assert_eq!(pad.wait_ms(3_000), vec![KeyAction::Dial("0301234".into())]);
    // `#` alone dials nothing.
    assert_eq!(pad.typed("#"), vec![]);
    assert_eq!(pad.decoder.poll_timeout(), None);
    // In-call codes mean nothing here: `**` is a number to dial.
    assert_eq!(pad.typed("**#"), vec![KeyAction::Dial("**".into())]);
}

#[test]
fn idle_pickup_in_the_asterisk_profile() {
    let mut pad = Pad::new(CodeTable::asterisk(), KeypadMode::Idle);
    assert_eq!(
        pad.typed("**101#"),
        vec![KeyAction::Pickup(Some("101".into()))]
    );
    assert_eq!(pad.typed("**"), vec![]);
    assert_eq!(pad.wait_ms(3_000), vec![KeyAction::Pickup(None)]);
}

#[test]
fn hash_inside_a_custom_pickup_code_does_not_end_the_entry() {
    let table = CodeTable {
        pickup: Some("#8".into()),
        ..CodeTable::frontdesk()
    };
    let mut pad = Pad::new(table, KeypadMode::Idle);
    assert_eq!(
        pad.typed("#8102#"),
        vec![KeyAction::Pickup(Some("102".into()))]
    );
}

#[test]
fn short_blind_numbers_ended_by_timeout_go_out_as_typed() {
    let mut pad = Pad::connected();
    assert_eq!(pad.typed("##12"), vec![]);
    assert_eq!(pad.wait_ms(3_000), vec![dtmf("##12")]);
}

#[test]
fn extension_length_decides_what_a_timeout_accepts() {
    let table = CodeTable {
        extension_length: 4,
        ..CodeTable::frontdesk()
    };
    let mut pad = Pad::new(table, KeypadMode::Connected);
    assert_eq!(pad.typed("*101"), vec![]);
    assert_eq!(pad.wait_ms(3_000), vec![dtmf("*101")]);
    assert_eq!(pad.typed("*1001"), vec![]);
    assert_eq!(
        pad.wait_ms(3_000),
        vec![KeyAction::AttendedTransfer("1001".into())]
    );
}

#[test]
fn each_key_of_a_number_restarts_the_digit_timeout() {
    let mut pad = Pad::connected();
    pad.typed("*1");
    for digit in "0123".chars() {
        assert_eq!(pad.wait_ms(2_500), vec![]);
        pad.decoder.key(pad.now, digit).unwrap();
    }
    assert_eq!(
        pad.wait_ms(3_000),
        vec![KeyAction::AttendedTransfer("10123".into())]
    );
}
