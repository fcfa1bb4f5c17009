//! The account's dial plan decides what goes on the wire: a sipp UAS standing in for a German
//! PBX (outside line `0`) records the Request-URI of every INVITE and answers busy.

mod support;

use frontdesk_api::{Backend, CallState, DialRequest, Event};
use frontdesk_config::Config;
use frontdesk_engine::Engine;
use frontdesk_testbed::{free_port, Sipp};
use support::WAIT;

/// Answers each INVITE with 486 and takes the ACK; the message trace keeps the INVITEs.
const BUSY_UAS: &str = r#"<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="frontdesk busy pbx">
  <recv request="INVITE" crlf="true"/>
  <send>
    <![CDATA[
      SIP/2.0 486 Busy Here
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0
    ]]>
  </send>
  <recv request="ACK"/>
</scenario>
"#;

#[tokio::test]
async fn numbers_are_dialled_the_way_the_pbx_expects() {
    // (typed, Request-URI user part the PBX must see, how the call shows the number)
    let cases = [
        ("+49 30 123456", "0030123456", "030 123456"),
        ("0151 1234 5678", "0015112345678", "01511 2345678"),
        ("+44 20 7946 0958", "000442079460958", "+44 20 7946 0958"),
        ("tel:+49-30-123456", "0030123456", "030 123456"),
        ("1 02", "102", "102"),
        ("#31#102", "%2331%23102", "#31#102"),
    ];
    let calls = cases.len().to_string();
    let sipp = Sipp::spawn(BUSY_UAS, &["-m", &calls]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let toml = format!(
        "[sip]\nlisten = \"127.0.0.1:{port}\"\n[audio]\nbackend = \"file\"\n[data]\ndir = \"data\"\n\
         [[account]]\nname = \"office\"\nuser = \"101\"\ndomain = \"127.0.0.1\"\n\
         registrar = \"{pbx}\"\nregister = false\n\
         [account.dial_plan]\ncountry = \"DE\"\noutside_line_prefix = \"0\"\n",
        port = free_port().unwrap(),
        pbx = sipp.addr(),
    );
    let engine = Engine::start(Config::from_str_with_base(&toml, dir.path()).unwrap())
        .await
        .unwrap();
    let mut events = engine.subscribe();

    for (typed, user, shown) in cases {
        let call = engine
            .dial(DialRequest {
                target: typed.into(),
                account: Some("office".into()),
            })
            .await
            .unwrap_or_else(|e| panic!("{typed:?} refused: {e:?}"));
        assert_eq!(
            call.remote_uri,
            format!("sip:{user}@{}", sipp.addr()),
            "{typed}"
        );
        assert_eq!(call.remote_display, shown, "{typed}");
        let deadline = tokio::time::Instant::now() + WAIT;
        let ended = loop {
            let event = tokio::time::timeout_at(deadline, events.recv())
                .await
                .unwrap_or_else(|_| panic!("{typed:?}: the call never ended"))
                .unwrap();
            if let Event::Call { call: c } = event {
                if c.id == call.id && c.state == CallState::Ended {
                    break c;
                }
            }
        };
        assert_eq!(ended.end_reason.as_deref(), Some("busy"), "{typed}");
    }

    let outcome = sipp.wait(WAIT).await.unwrap();
    outcome.assert_success();
    let seen: Vec<&str> = outcome
        .messages
        .lines()
        .filter_map(|line| line.trim().strip_prefix("INVITE sip:"))
        .filter_map(|rest| rest.split('@').next())
        .collect();
    let expected: Vec<&str> = cases.iter().map(|(_, user, _)| *user).collect();
    assert_eq!(seen, expected, "Request-URIs sipp received");
    engine.shutdown().await;
}
