//! Parser tests: bodies captured from Kamailio 5.6 (presence_dialoginfo via pua_dialoginfo,
//! `crates/testbed/tests/presence.rs` prints them), Asterisk-style bodies and hostile input.

use super::*;

const KAMAILIO_CALLER_TRYING: &str = include_str!("fixtures/kamailio_102_trying.xml");
const KAMAILIO_CALLER_EARLY: &str = include_str!("fixtures/kamailio_102_early.xml");
const KAMAILIO_CALLEE_EARLY: &str = include_str!("fixtures/kamailio_103_early.xml");
const KAMAILIO_CALLEE_CONFIRMED: &str = include_str!("fixtures/kamailio_103_confirmed.xml");
const KAMAILIO_CALLEE_TERMINATED: &str = include_str!("fixtures/kamailio_103_terminated.xml");
const KAMAILIO_CALLER_CONFIRMED: &str = include_str!("fixtures/kamailio_102_confirmed.xml");
const KAMAILIO_CALLER_TERMINATED: &str = include_str!("fixtures/kamailio_102_terminated.xml");

/// Asterisk (res_pjsip) style: no call-id, no tags, display name on the caller.
const ASTERISK_RINGING: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="3" state="full" entity="sip:201@10.0.0.5">
 <dialog id="201" direction="recipient">
  <state>early</state>
  <remote>
   <identity display="Front &amp; Back">sip:200@10.0.0.5</identity>
   <target uri="sip:200@10.0.0.5"/>
  </remote>
  <local>
   <identity display="201">sip:201@10.0.0.5</identity>
   <target uri="sip:201@10.0.0.5"/>
  </local>
 </dialog>
</dialog-info>
"#;

const ASTERISK_INUSE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="4" state="full" entity="sip:201@10.0.0.5">
 <dialog id="201"><state>confirmed</state></dialog>
</dialog-info>
"#;

const ASTERISK_IDLE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="5" state="full" entity="sip:201@10.0.0.5">
 <dialog id="201"><state>terminated</state></dialog>
</dialog-info>
"#;

fn summary(body: &str) -> ExtensionState {
    let info = parse(body.as_bytes()).unwrap();
    ExtensionState::summarize(&info.dialogs)
}

#[test]
fn kamailio_early_callee_carries_pickup_ids_and_caller() {
    let info = parse(KAMAILIO_CALLEE_EARLY.as_bytes()).unwrap();
    assert_eq!(info.state, DocumentState::Full);
    assert_eq!(info.version, 2);
    assert_eq!(info.entity.as_deref(), Some("sip:103@127.0.0.1"));
    assert_eq!(info.dialogs.len(), 1);
    let dialog = &info.dialogs[0];
    assert_eq!(dialog.state, DialogState::Early);
    assert_eq!(dialog.direction, Some(Direction::Recipient));
    assert_eq!(dialog.call_id.as_deref(), Some("081111fb1d080811"));
    assert_eq!(dialog.local_tag.as_deref(), Some("a07cd639d08fd501"));
    assert_eq!(dialog.remote_tag.as_deref(), Some("9b6e1cece9b6e4a9"));
    assert_eq!(
        dialog.remote.target.as_deref(),
        Some("sip:102-0x55f2bb5a67c0@127.0.0.1:40134")
    );

    let ExtensionState::Ringing(ringing) = ExtensionState::summarize(&info.dialogs) else {
        panic!("not ringing");
    };
    assert_eq!(
        ringing.caller,
        Some(Caller {
            uri: "sip:102@127.0.0.1".into(),
            display_name: None
        })
    );
    assert_eq!(
        ringing.replaces_ids(),
        Some(("081111fb1d080811", "a07cd639d08fd501", "9b6e1cece9b6e4a9"))
    );
    assert_eq!(ringing.direction, Some(Direction::Recipient));
    assert_eq!(ringing.dialog_id, "padi-6b042b12-612d-1");
}

#[test]
fn kamailio_caller_side_is_busy_while_its_call_rings() {
    let trying = parse(KAMAILIO_CALLER_TRYING.as_bytes()).unwrap();
    assert_eq!(trying.dialogs[0].state, DialogState::Trying, "capital T");
    assert_eq!(trying.dialogs[0].local_tag, None);
    assert_eq!(summary(KAMAILIO_CALLER_TRYING), ExtensionState::Busy);
    assert_eq!(summary(KAMAILIO_CALLER_EARLY), ExtensionState::Busy);
    assert_eq!(summary(KAMAILIO_CALLER_CONFIRMED), ExtensionState::Busy);
    assert_eq!(summary(KAMAILIO_CALLER_TERMINATED), ExtensionState::Idle);
}

#[test]
fn kamailio_callee_answered_then_hung_up() {
    let confirmed = parse(KAMAILIO_CALLEE_CONFIRMED.as_bytes()).unwrap();
    // Tags are only sent while early.
    assert_eq!(confirmed.dialogs[0].local_tag, None);
    assert_eq!(
        confirmed.dialogs[0].call_id.as_deref(),
        Some("081111fb1d080811")
    );
    assert_eq!(summary(KAMAILIO_CALLEE_CONFIRMED), ExtensionState::Busy);
    assert_eq!(summary(KAMAILIO_CALLEE_TERMINATED), ExtensionState::Idle);
}

#[test]
fn asterisk_style_bodies_without_call_id_or_tags() {
    let ExtensionState::Ringing(ringing) = summary(ASTERISK_RINGING) else {
        panic!("not ringing");
    };
    assert_eq!(
        ringing.caller,
        Some(Caller {
            uri: "sip:200@10.0.0.5".into(),
            display_name: Some("Front & Back".into()),
        })
    );
    assert_eq!(ringing.call_id, None);
    assert_eq!(ringing.replaces_ids(), None);
    assert_eq!(summary(ASTERISK_INUSE), ExtensionState::Busy);
    assert_eq!(summary(ASTERISK_IDLE), ExtensionState::Idle);
}

#[test]
fn ringing_wins_over_busy_and_empty_is_idle() {
    let both = r#"<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="1" state="full" entity="sip:a@b">
      <dialog id="1" direction="recipient"><state>confirmed</state></dialog>
      <dialog id="2" direction="recipient"><state>early</state><remote><target uri="sip:c@d"/></remote></dialog>
    </dialog-info>"#;
    let ExtensionState::Ringing(ringing) = summary(both) else {
        panic!("not ringing");
    };
    assert_eq!(ringing.dialog_id, "2");
    assert_eq!(
        ringing.caller.unwrap().uri,
        "sip:c@d",
        "target when no identity"
    );
    let none = r#"<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="0" state="full" entity="sip:a@b"/>"#;
    assert_eq!(parse(none.as_bytes()).unwrap().dialogs, vec![]);
    assert_eq!(summary(none), ExtensionState::Idle);
}

#[test]
fn prefixes_extensions_and_partial_state() {
    let body = r#"<?xml version="1.0"?>
    <d:dialog-info xmlns:d="urn:ietf:params:xml:ns:dialog-info" xmlns:sa="urn:ietf:params:xml:ns:sa-dialog-info"
        version="7" state="partial" entity="sip:a@b">
      <!-- a comment -->
      <d:dialog id="x" call-id="c&#64;1" direction="initiator">
        <d:state event="replaced" code="200">terminated</d:state>
        <d:duration>12</d:duration>
        <sa:exclusive>false</sa:exclusive>
        <d:local><d:identity><![CDATA[sip:a@b]]></d:identity></d:local>
      </d:dialog>
    </d:dialog-info>"#;
    let info = parse(body.as_bytes()).unwrap();
    assert_eq!(info.state, DocumentState::Partial);
    assert_eq!(info.version, 7);
    let dialog = &info.dialogs[0];
    assert_eq!(dialog.call_id.as_deref(), Some("c@1"));
    assert_eq!(dialog.state, DialogState::Terminated);
    assert_eq!(dialog.state_event.as_deref(), Some("replaced"));
    assert_eq!(dialog.local.identity.as_deref(), Some("sip:a@b"));
}

#[test]
fn malformed_and_hostile_bodies_are_errors() {
    let doc = |inner: &str| {
        format!(
            r#"<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="1" state="full" entity="sip:a@b">{inner}</dialog-info>"#
        )
    };
    let cases: Vec<(String, &str)> = vec![
        ("".into(), "lacks <dialog-info>"),
        ("hello".into(), "lacks <dialog-info>"),
        ("<presence/>".into(), "root element <presence>"),
        (
            KAMAILIO_CALLEE_EARLY[..KAMAILIO_CALLEE_EARLY.len() / 2].into(),
            "well-formed",
        ),
        (
            "<dialog-info version=\"1\" state=\"full\"><dialog id=\"a\"><state>early</state></dialog>"
                .into(),
            "ends inside",
        ),
        (doc("<dialog id=\"a\"><state>early</state></dialog></x>"), "well-formed"),
        (doc("<dialog id=\"a\"><state>early</dialog>"), "well-formed"),
        (doc("<dialog><state>early</state></dialog>"), "dialog id"),
        (doc("<dialog id=\"a\"></dialog>"), "<state>"),
        (doc("<dialog id=\"a\"><state>ringing</state></dialog>"), "dialog state"),
        (
            doc("<dialog id=\"a\" direction=\"sideways\"><state>early</state></dialog>"),
            "direction",
        ),
        (
            doc("<dialog id=\"a\"><state>early</state><remote><identity>&xxe;</identity></remote></dialog>"),
            "unknown entity",
        ),
        (
            r#"<dialog-info version="x1" state="full"/>"#.into(),
            "version",
        ),
        (r#"<dialog-info version="-1" state="full"/>"#.into(), "version"),
        (r#"<dialog-info state="full"/>"#.into(), "version attribute"),
        (r#"<dialog-info version="1" state="half"/>"#.into(), "document state"),
        (
            r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><dialog-info version="1" state="full">&lol2;</dialog-info>"#.into(),
            "DOCTYPE",
        ),
        (
            r#"<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><dialog-info version="1" state="full"/>"#.into(),
            "DOCTYPE",
        ),
        (
            format!("{}{}", doc(""), doc("")),
            "root element <dialog-info>",
        ),
    ];
    for (body, expected) in cases {
        let err = parse(body.as_bytes()).expect_err(&body);
        assert!(
            err.to_string().contains(expected),
            "{body:?}: {err} (expected {expected:?})"
        );
    }
}

#[test]
fn limits_bound_the_work() {
    let deep = format!(
        "<dialog-info version=\"1\" state=\"full\">{}",
        "<x>".repeat(10_000)
    );
    assert!(matches!(
        parse(deep.as_bytes()),
        Err(DialogInfoError::Limit(_))
    ));
    let many = format!(
        "<dialog-info version=\"1\" state=\"full\">{}</dialog-info>",
        "<dialog id=\"a\"><state>early</state></dialog>".repeat(MAX_DIALOGS + 1)
    );
    assert!(matches!(
        parse(many.as_bytes()),
        Err(DialogInfoError::Limit(_))
    ));
    let huge = vec![b' '; MAX_BODY_BYTES + 1];
    assert_eq!(
        parse(&huge),
        Err(DialogInfoError::TooLarge(MAX_BODY_BYTES + 1))
    );
    let long_text = format!(
        "<dialog-info version=\"1\" state=\"full\"><dialog id=\"a\"><state>{}</state></dialog></dialog-info>",
        "e".repeat(5000)
    );
    assert!(matches!(
        parse(long_text.as_bytes()),
        Err(DialogInfoError::Limit(_))
    ));
    assert_eq!(parse(&[0xff, 0xfe, b'<']), Err(DialogInfoError::NotUtf8));
}

#[test]
fn mutated_bodies_never_panic() {
    // Deterministic mutations of real bodies: flipped, dropped and duplicated bytes.
    let mut seed: u64 = 0x5eed_b1f0;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize
    };
    let sources = [
        KAMAILIO_CALLEE_EARLY,
        KAMAILIO_CALLER_CONFIRMED,
        ASTERISK_RINGING,
    ];
    let mut parsed = 0;
    for round in 0..6000 {
        let mut body = sources[round % sources.len()].as_bytes().to_vec();
        for _ in 0..1 + next() % 4 {
            let at = next() % body.len();
            match next() % 3 {
                0 => body[at] = (next() % 256) as u8,
                1 => {
                    body.remove(at);
                }
                _ => {
                    let byte = body[at];
                    body.insert(at, byte)
                }
            }
        }
        if let Ok(info) = parse(&body) {
            parsed += 1;
            let _ = ExtensionState::summarize(&info.dialogs);
        }
    }
    // Some mutations only touch whitespace or text and still parse.
    assert!(parsed > 0);
}

#[test]
fn caller_number_is_the_user_part_of_the_uri() {
    let number = |uri: &str| {
        Caller {
            uri: uri.into(),
            display_name: None,
        }
        .number()
        .to_owned()
    };
    assert_eq!(number("sip:101@127.0.0.1"), "101");
    assert_eq!(
        number("sips:+4930123@pbx.example;transport=tls"),
        "+4930123"
    );
    assert_eq!(number("tel:+4930123;phone-context=x"), "+4930123");
    assert_eq!(number("tel:+4930123"), "+4930123");
    assert_eq!(
        number("sip:@host"),
        "sip:@host",
        "no user part: the URI as it is"
    );
    assert_eq!(number("anonymous"), "anonymous");
}
