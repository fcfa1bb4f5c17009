//! Dial plan behaviour with German, US, UK and Italian numbering.

use crate::*;

fn settings(country: &str) -> DialPlanSettings {
    DialPlanSettings {
        country: Some(country.into()),
        ..Default::default()
    }
}

fn plan_with(settings: DialPlanSettings) -> DialPlan {
    DialPlan::new(&settings).unwrap_or_else(|e| panic!("{settings:?} refused: {e}"))
}

fn plan(country: &str) -> DialPlan {
    plan_with(settings(country))
}

/// A German PBX that needs `0` for an outside line.
fn german_pbx() -> DialPlan {
    plan_with(DialPlanSettings {
        outside_line_prefix: Some("0".into()),
        ..settings("DE")
    })
}

/// A German SIP trunk that wants E.164.
fn german_trunk() -> DialPlan {
    plan_with(DialPlanSettings {
        dial_format: Some("e164".into()),
        ..settings("DE")
    })
}

/// A US PBX with `9` for an outside line.
fn us_pbx() -> DialPlan {
    plan_with(DialPlanSettings {
        outside_line_prefix: Some("9".into()),
        ..settings("US")
    })
}

/// The Request-URI user part for `text`, panicking on errors.
fn dial(plan: &DialPlan, text: &str) -> String {
    let dialed = plan
        .classify(text)
        .unwrap_or_else(|e| panic!("{text:?} refused: {e}"));
    dialed
        .user_part()
        .unwrap_or_else(|| panic!("{text:?} has no user part: {dialed:?}"))
        .to_string()
}

fn error(plan: &DialPlan, text: &str) -> DialError {
    match plan.classify(text) {
        Ok(dialed) => panic!("{text:?} was accepted as {dialed:?}"),
        Err(e) => e,
    }
}

fn setting_error(settings: DialPlanSettings) -> SettingError {
    match DialPlan::new(&settings) {
        Ok(plan) => panic!("{settings:?} was accepted as {plan:?}"),
        Err(e) => e,
    }
}

// --- internal numbers -------------------------------------------------------------------

#[test]
fn three_digit_numbers_are_extensions_by_default() {
    let plan = DialPlan::default();
    assert_eq!(
        plan.classify("102").unwrap(),
        Dialed::Extension("102".into())
    );
    assert_eq!(
        plan.classify(" 1 02 ").unwrap(),
        Dialed::Extension("102".into())
    );
    for not_internal in ["10", "1020", "+102"] {
        assert!(
            matches!(plan.classify(not_internal).unwrap(), Dialed::Number(_)),
            "{not_internal}"
        );
    }
}

#[test]
fn extension_length_changes_what_is_internal() {
    let plan = plan_with(DialPlanSettings {
        extension_length: Some(4),
        ..Default::default()
    });
    assert_eq!(
        plan.classify("2001").unwrap(),
        Dialed::Extension("2001".into())
    );
    assert!(matches!(plan.classify("201").unwrap(), Dialed::Number(_)));
}

#[test]
fn internal_patterns_replace_the_length_rule() {
    let plan = plan_with(DialPlanSettings {
        internal: Some(vec!["1xx".into(), "2000-2099".into(), "55".into()]),
        ..settings("DE")
    });
    for ext in ["100", "199", "2000", "2042", "2099", "55"] {
        assert_eq!(
            plan.classify(ext).unwrap(),
            Dialed::Extension(ext.into()),
            "{ext}"
        );
    }
    for outside in ["200", "99", "1999", "2100", "56", "10"] {
        assert!(
            matches!(plan.classify(outside).unwrap(), Dialed::Number(_)),
            "{outside}"
        );
    }
}

#[test]
fn patterns_parse_and_print() {
    for (text, printed) in [
        ("1xx", "1xx"),
        ("1XX", "1xx"),
        ("xxx", "xxx"),
        (" 100-199 ", "100-199"),
        ("0", "0"),
    ] {
        let pattern: InternalPattern = text.parse().unwrap();
        assert_eq!(pattern.to_string(), printed);
    }
    assert!(InternalPattern::any_of_length(3).matches("007"));
    assert!(!InternalPattern::any_of_length(3).matches("1*1"));
    for bad in [
        "",
        "1a",
        "1*",
        "100-19",
        "200-100",
        "1-",
        "-1",
        "a-b",
        "1234567890123456",
    ] {
        assert!(bad.parse::<InternalPattern>().is_err(), "{bad:?} accepted");
    }
    let err = "100-19".parse::<InternalPattern>().unwrap_err();
    assert!(err.contains("same number of digits"), "{err}");
}

// --- feature codes and SIP addresses -----------------------------------------------------

#[test]
fn star_and_hash_codes_pass_through_untouched() {
    for plan in [DialPlan::default(), german_pbx(), german_trunk(), us_pbx()] {
        for (typed, sent) in [
            ("*97", "*97"),
            ("#31#0301234", "#31#0301234"),
            ("*21*030 1234567#", "*21*0301234567#"),
            ("tel:*69", "*69"),
            ("**", "**"),
        ] {
            assert_eq!(
                plan.classify(typed).unwrap(),
                Dialed::ServiceCode(sent.into()),
                "{typed} with {plan:?}"
            );
        }
    }
}

#[test]
fn sip_addresses_are_left_to_the_sip_layer() {
    let plan = german_pbx();
    for uri in [
        "sip:102@pbx.example.com",
        "SIP:alice@example.com",
        "sips:bob@10.0.0.1:5061",
        "alice@10.0.0.1",
        "sip:+4930123456@provider.example",
    ] {
        let dialed = plan.classify(uri).unwrap();
        assert_eq!(dialed, Dialed::SipUri(uri.into()));
        assert_eq!(dialed.user_part(), None);
    }
    assert_eq!(
        plan.classify("  sip:102@pbx  ").unwrap(),
        Dialed::SipUri("sip:102@pbx".into())
    );
}

// --- junk ---------------------------------------------------------------------------------

#[test]
fn junk_is_refused_with_a_reason() {
    let plan = german_pbx();
    assert_eq!(error(&plan, ""), DialError::Empty);
    assert_eq!(error(&plan, "   "), DialError::Empty);
    assert_eq!(error(&plan, "-() /"), DialError::Empty);
    assert_eq!(error(&plan, "tel:"), DialError::Empty);
    for text in [
        "call mum",
        "0301234abc",
        "sip",
        "+",
        "+49*1",
        "١٢٣",
        "0301%2",
        "12 34 x",
    ] {
        assert_eq!(
            error(&plan, text),
            DialError::NotANumber(text.into()),
            "{text:?}"
        );
    }
    assert_eq!(
        error(&plan, "12+3"),
        DialError::MisplacedPlus("12+3".into())
    );
    assert_eq!(
        error(&plan, "++49"),
        DialError::MisplacedPlus("++49".into())
    );
    let long = "1".repeat(41);
    assert_eq!(error(&plan, &long), DialError::TooLong(long.clone()));

    let message = error(&plan, "call mum").to_string();
    assert!(message.contains("'call mum'"), "{message}");
    assert!(message.contains("not an extension"), "{message}");
    let message = error(&plan, "12+3").to_string();
    assert!(message.contains("+ can only come first"), "{message}");
    assert!(error(&plan, "").to_string().contains("nothing to dial"));
}

#[test]
fn odd_input_never_panics() {
    // A deterministic walk over awkward characters: multibyte text, escapes, URI syntax.
    let alphabet = [
        "0",
        "1",
        "4",
        "9",
        "+",
        "*",
        "#",
        "%",
        "2B",
        "%23",
        ";",
        "=",
        "@",
        "tel:",
        "sip:",
        "phone-context=",
        "+49",
        "é",
        "\u{1F4A9}",
        " ",
        "-",
        "(",
        ")",
        ".",
        "x",
        "00",
    ];
    let plans = [DialPlan::default(), german_pbx(), german_trunk(), us_pbx()];
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..3000 {
        let mut text = String::new();
        for _ in 0..(state % 9) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            text.push_str(alphabet[(state % alphabet.len() as u64) as usize]);
        }
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        for plan in &plans {
            let _ = plan.classify(&text);
            let caller = plan.caller(&text);
            let _ = (caller.match_key(), caller.display(), caller.e164());
        }
    }
}

// --- dialling outside numbers ------------------------------------------------------------

#[test]
fn without_a_country_numbers_go_out_as_typed() {
    let plan = DialPlan::default();
    for (typed, sent) in [
        ("+49 (30) 1234-5", "+493012345"),
        ("030 123456", "030123456"),
        ("0049 30 123456", "004930123456"),
        ("030/123.456", "030123456"),
        ("tel:+1-202-555-0123", "+12025550123"),
    ] {
        assert_eq!(dial(&plan, typed), sent, "{typed}");
    }
}

#[test]
fn germany_national_format_for_a_pbx_without_outside_line() {
    let plan = plan("DE");
    for (typed, sent) in [
        ("+49 30 123456", "030123456"),
        ("0049 30 123456", "030123456"),
        ("030 123456", "030123456"),
        ("(030) 123 456", "030123456"),
        ("0151 12345678", "015112345678"),
        ("+44 20 7946 0958", "00442079460958"),
        ("+1 202 555 0123", "0012025550123"),
        ("tel:+49-30-123456", "030123456"),
        ("tel:030123456;phone-context=+49", "030123456"),
        ("11833", "11833"),
        ("30123456", "30123456"),
    ] {
        assert_eq!(dial(&plan, typed), sent, "{typed}");
    }
}

#[test]
fn germany_behind_a_pbx_with_outside_line_zero() {
    let plan = german_pbx();
    for (typed, sent) in [
        ("+49 30 123456", "0030123456"),
        ("0049 30 123456", "0030123456"),
        ("030 123456", "0030123456"),
        ("+44 20 7946 0958", "000442079460958"),
        ("11833", "011833"),
        // Typed with the outside-line digit out of habit: still the Berlin number, sent as typed.
        ("0030 123456", "0030123456"),
        // Extensions and emergency numbers need no outside line.
        ("102", "102"),
        ("112", "112"),
    ] {
        assert_eq!(dial(&plan, typed), sent, "{typed}");
    }
    let Dialed::Number(number) = german_pbx().classify("0030 123456").unwrap() else {
        panic!("not a number");
    };
    assert_eq!(number.e164(), Some("+4930123456"));
    assert_eq!(number.display(), "030 123456");
    assert_eq!(number.typed(), "0030123456");
}

#[test]
fn germany_to_a_trunk_that_wants_e164() {
    let plan = german_trunk();
    for (typed, sent) in [
        ("030 123456", "+4930123456"),
        ("+49 30 123456", "+4930123456"),
        ("0049 30 123456", "+4930123456"),
        ("0151 1234 5678", "+4915112345678"),
        ("0044 20 7946 0958", "+442079460958"),
        // A short code has no E.164 form: sent as typed.
        ("11833", "11833"),
    ] {
        assert_eq!(dial(&plan, typed), sent, "{typed}");
    }
}

#[test]
fn united_states_with_nine_for_an_outside_line() {
    let plan = us_pbx();
    assert_eq!(plan.international_prefix(), "011");
    assert_eq!(plan.national_prefix(), Some("1"));
    for (typed, sent) in [
        ("(202) 555-0123", "92025550123"),
        ("1-202-555-0123", "912025550123"),
        ("+1 202 555 0123", "912025550123"),
        ("+44 20 7946 0958", "9011442079460958"),
        ("011 44 20 7946 0958", "9011442079460958"),
        ("+49 30 123456", "90114930123456"),
        ("911", "911"),
    ] {
        assert_eq!(dial(&plan, typed), sent, "{typed}");
    }
}

#[test]
fn united_kingdom_national_format() {
    let plan = plan("GB");
    for (typed, sent) in [
        ("+44 20 7946 0958", "02079460958"),
        ("020 7946 0958", "02079460958"),
        ("+44 7400 123456", "07400123456"),
        ("+49 30 123456", "004930123456"),
    ] {
        assert_eq!(dial(&plan, typed), sent, "{typed}");
    }
}

#[test]
fn italian_numbers_keep_their_leading_zero() {
    let plan = plan("IT");
    assert_eq!(plan.national_prefix(), None);
    assert_eq!(dial(&plan, "+39 06 1234 5678"), "0612345678");
    assert_eq!(
        dial(&plan, "+49 30 123456"),
        "004930123456",
        "abroad from Italy"
    );
    assert_eq!(
        dial(&crate::tests::plan("DE"), "+39 06 1234 5678"),
        "00390612345678"
    );
    assert_eq!(plan.e164("06 1234 5678").as_deref(), Some("+390612345678"));
}

// --- caller ids, E.164 and display ---------------------------------------------------------

#[test]
fn german_caller_ids_in_every_spelling_match_one_key() {
    let plan = german_pbx();
    for caller_id in [
        "004930123456",
        "030123456",
        "+4930123456",
        "%2B4930123456",
        "0030123456",
        "+49 (30) 123-456",
        "sip:+4930123456@provider.example",
        "sip:030123456;phone-context=+49@pbx.example.com",
        "tel:+49-30-123456",
    ] {
        let caller = plan.caller(caller_id);
        assert_eq!(caller.match_key(), "+4930123456", "{caller_id}");
        assert_eq!(caller.e164(), Some("+4930123456"), "{caller_id}");
        assert_eq!(caller.display(), "030 123456", "{caller_id}");
        let Caller::Number(number) = &caller else {
            panic!("{caller_id}: {caller:?}");
        };
        // Calling back goes out through the PBX's outside line.
        assert_eq!(number.dial_string(), "0030123456", "{caller_id}");
    }
}

#[test]
fn foreign_callers_are_shown_internationally() {
    let plan = german_pbx();
    let caller = plan.caller("0044 20 7946 0958");
    assert_eq!(caller.e164(), Some("+442079460958"));
    assert_eq!(caller.display(), "+44 20 7946 0958");
    // The same caller as a UK office sees it.
    let uk = plan_with(settings("GB"));
    assert_eq!(uk.display("+442079460958"), "020 7946 0958");
    assert_eq!(uk.e164("020 7946 0958").as_deref(), Some("+442079460958"));
    assert_eq!(uk.display("+4930123456"), "+49 30 123456");
    assert_eq!(uk.e164("07400 123456").as_deref(), Some("+447400123456"));
    assert_eq!(uk.display("07400123456"), "07400 123456");
}

#[test]
fn us_caller_ids() {
    let plan = us_pbx();
    for caller_id in [
        "+12025550123",
        "12025550123",
        "2025550123",
        "(202) 555-0123",
    ] {
        assert_eq!(
            plan.e164(caller_id).as_deref(),
            Some("+12025550123"),
            "{caller_id}"
        );
        assert_eq!(plan.display(caller_id), "(202) 555-0123", "{caller_id}");
    }
    assert_eq!(plan.display("011442079460958"), "+44 20 7946 0958");
    assert_eq!(plan.display("+4930123456"), "+49 30 123456");
}

#[test]
fn extensions_and_names_are_callers_too() {
    let plan = german_pbx();
    for caller_id in ["102", "sip:102@pbx.example.com", "tel:102"] {
        let caller = plan.caller(caller_id);
        assert_eq!(caller, Caller::Extension("102".into()), "{caller_id}");
        assert_eq!(caller.match_key(), "102");
        assert_eq!(caller.display(), "102");
        assert_eq!(caller.e164(), None);
    }
    for other in [
        "anonymous",
        "Anonymous",
        "sip:anonymous@anonymous.invalid",
        "sip:pbx.example.com",
        "",
        "*97",
    ] {
        let caller = plan.caller(other);
        assert!(matches!(caller, Caller::Other(_)), "{other}: {caller:?}");
        assert_eq!(caller.match_key(), other, "{other}");
        assert_eq!(caller.e164(), None);
    }
}

#[test]
fn local_numbers_without_area_code_get_no_e164() {
    // Which area `30123456` is in is unknown; guessing +4930123456 would match the wrong
    // person.
    let plan = plan("DE");
    let caller = plan.caller("30123456");
    assert_eq!(caller.e164(), None);
    assert_eq!(caller.match_key(), "30123456");
    assert_eq!(caller.display(), "30123456");
}

#[test]
fn without_a_country_only_international_numbers_get_e164() {
    let plan = DialPlan::default();
    assert_eq!(plan.e164("+49 30 123456").as_deref(), Some("+4930123456"));
    assert_eq!(plan.e164("0049 30 123456").as_deref(), Some("+4930123456"));
    assert_eq!(plan.e164("030 123456"), None);
    assert_eq!(plan.display("+4930123456"), "+49 30 123456");
    assert_eq!(plan.display("030123456"), "030123456");
}

#[test]
fn unknown_international_numbers_keep_what_was_given() {
    let plan = plan("DE");
    // +999 is not a country code: still unambiguous as an international number.
    assert_eq!(plan.e164("+999 123").as_deref(), Some("+999123"));
    assert_eq!(plan.display("+999 123"), "+999123");
    assert_eq!(dial(&plan, "+999 123"), "00999123");
}

// --- settings -----------------------------------------------------------------------------

#[test]
fn defaults_come_from_the_country() {
    let plan = DialPlan::default();
    assert_eq!(plan.country(), None);
    assert_eq!(plan.international_prefix(), DEFAULT_INTERNATIONAL_PREFIX);
    assert_eq!(plan.national_prefix(), None);
    assert_eq!(plan.dial_format(), None);
    assert_eq!(
        plan.internal(),
        [InternalPattern::any_of_length(
            DEFAULT_EXTENSION_LENGTH as usize
        )]
    );

    let de = plan_with(settings("de"));
    assert_eq!(de.country(), Some("DE"));
    assert_eq!(
        (de.international_prefix(), de.national_prefix()),
        ("00", Some("0"))
    );
    assert_eq!(de.dial_format(), Some(DialFormat::National));
    assert_eq!(de.outside_line_prefix(), None);

    let us = plan_with(settings("US"));
    assert_eq!(
        (us.international_prefix(), us.national_prefix()),
        ("011", Some("1"))
    );

    let custom = plan_with(DialPlanSettings {
        international_prefix: Some("000".into()),
        national_prefix: Some("".into()),
        outside_line_prefix: Some("9".into()),
        ..settings("DE")
    });
    assert_eq!(custom.international_prefix(), "000");
    assert_eq!(custom.national_prefix(), None);
    assert_eq!(custom.outside_line_prefix(), Some("9"));
    assert_eq!(dial(&custom, "+44 20 7946 0958"), "9000442079460958");
    assert_eq!(dial(&custom, "+49 30 123456"), "930123456");
}

#[test]
fn bad_settings_name_the_setting() {
    let cases: Vec<(DialPlanSettings, &str, Option<usize>, &str)> = vec![
        (settings("XX"), "country", None, "ISO 3166"),
        (settings("Germany"), "country", None, "\"DE\""),
        (settings(""), "country", None, "not a country code"),
        (
            DialPlanSettings {
                extension_length: Some(0),
                ..Default::default()
            },
            "extension_length",
            None,
            "1 to 15",
        ),
        (
            DialPlanSettings {
                extension_length: Some(16),
                ..Default::default()
            },
            "extension_length",
            None,
            "out of range",
        ),
        (
            DialPlanSettings {
                extension_length: Some(3),
                internal: Some(vec!["1xx".into()]),
                ..Default::default()
            },
            "internal",
            None,
            "replaces extension_length",
        ),
        (
            DialPlanSettings {
                internal: Some(vec![]),
                ..Default::default()
            },
            "internal",
            None,
            "empty",
        ),
        (
            DialPlanSettings {
                internal: Some(vec!["1xx".into(), "2y".into()]),
                ..Default::default()
            },
            "internal",
            Some(1),
            "`2y` is not a pattern",
        ),
        (
            DialPlanSettings {
                international_prefix: Some("+".into()),
                ..Default::default()
            },
            "international_prefix",
            None,
            "not a prefix",
        ),
        (
            DialPlanSettings {
                international_prefix: Some("".into()),
                ..settings("DE")
            },
            "international_prefix",
            None,
            "digits",
        ),
        (
            DialPlanSettings {
                national_prefix: Some("0".into()),
                ..Default::default()
            },
            "national_prefix",
            None,
            "needs country",
        ),
        (
            DialPlanSettings {
                outside_line_prefix: Some("0".into()),
                ..Default::default()
            },
            "outside_line_prefix",
            None,
            "needs country",
        ),
        (
            DialPlanSettings {
                dial_format: Some("e164".into()),
                ..Default::default()
            },
            "dial_format",
            None,
            "needs country",
        ),
        (
            DialPlanSettings {
                dial_format: Some("local".into()),
                ..settings("DE")
            },
            "dial_format",
            None,
            "\"national\" or \"e164\"",
        ),
        (
            DialPlanSettings {
                outside_line_prefix: Some("0a".into()),
                ..settings("DE")
            },
            "outside_line_prefix",
            None,
            "not a prefix",
        ),
        (
            DialPlanSettings {
                outside_line_prefix: Some("0".into()),
                dial_format: Some("e164".into()),
                ..settings("DE")
            },
            "outside_line_prefix",
            None,
            "remove one",
        ),
        (
            DialPlanSettings {
                national_prefix: Some("00".into()),
                ..settings("DE")
            },
            "national_prefix",
            None,
            "both \"00\"",
        ),
    ];
    for (settings, key, index, needle) in cases {
        let err = setting_error(settings.clone());
        assert_eq!(err.key, key, "{settings:?}: {err}");
        assert_eq!(err.index, index, "{settings:?}: {err}");
        assert!(err.message.contains(needle), "{settings:?}: {err}");
    }
    let err = setting_error(DialPlanSettings {
        internal: Some(vec!["1xx".into(), "2y".into()]),
        ..Default::default()
    });
    assert!(err.to_string().starts_with("internal[1]: "), "{err}");
}

#[test]
fn dial_format_names() {
    assert_eq!("national".parse(), Ok(DialFormat::National));
    assert_eq!("E164".parse(), Ok(DialFormat::E164));
    assert_eq!(DialFormat::E164.to_string(), "e164");
    assert!("international".parse::<DialFormat>().is_err());
}
