//! Several accounts at once: each registers over its own transport, calls for each arrive
//! on the right account, and dialling picks the named one.

mod support;

use frontdesk_api::{Backend, CallState, DialRequest, RegistrationState};
use frontdesk_config::Config;
use frontdesk_engine::Engine;
use frontdesk_testbed::{free_port, Baresip, BaresipOptions, CallEvent, Kamailio, KamailioOptions};
use support::WAIT;

#[tokio::test]
async fn two_accounts_register_and_calls_find_their_account() {
    let k = Kamailio::start(KamailioOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let env_a = format!("FRONTDESK_TEST_PW_{}", free_port().unwrap());
    let env_b = format!("FRONTDESK_TEST_PW_{}", free_port().unwrap());
    std::env::set_var(&env_a, Kamailio::password_for("401"));
    std::env::set_var(&env_b, Kamailio::password_for("402"));
    let toml = format!(
        "[sip]\nlisten = \"127.0.0.1:{port}\"\n[audio]\nbackend = \"file\"\n[data]\ndir = \"data\"\n\
         [[account]]\nname = \"front\"\nuser = \"401\"\ndomain = \"127.0.0.1\"\nregistrar = \"{k}\"\npassword_env = \"{env_a}\"\n\
         [[account]]\nname = \"back\"\nuser = \"402\"\ndomain = \"127.0.0.1\"\nregistrar = \"{k}\"\ntransport = \"tcp\"\npassword_env = \"{env_b}\"\n",
        port = free_port().unwrap(),
        k = k.addr(),
    );
    let engine = Engine::start(Config::from_str_with_base(&toml, dir.path()).unwrap())
        .await
        .unwrap();
    let mut events = engine.subscribe();
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let status = engine.status().await.unwrap();
        if status
            .accounts
            .iter()
            .all(|a| a.state == RegistrationState::Registered)
        {
            assert_eq!(status.accounts[1].transport, "tcp");
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{status:?}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    k.wait_registered("401", WAIT).await.unwrap();
    k.wait_registered("402", WAIT).await.unwrap();

    let mut options = BaresipOptions::new("202");
    options.registrar = Some(k.addr());
    options.auto_answer = true;
    let mut b = Baresip::start(options).await.unwrap();
    b.wait_registered(WAIT).await.unwrap();

    // A call for 402 arrives on "back".
    b.dial(&k.aor("402")).await.unwrap();
    let incoming = loop {
        if let frontdesk_api::Event::Call { call } = tokio::time::timeout(WAIT, events.recv())
            .await
            .unwrap()
            .unwrap()
        {
            if call.state == CallState::Incoming {
                break call;
            }
        }
    };
    assert_eq!(incoming.account.as_deref(), Some("back"));
    engine.hangup(Some(incoming.id)).await.unwrap();
    b.wait_event(CallEvent::Closed, WAIT).await.unwrap();

    // Dialling from the named account uses its identity.
    let call = engine
        .dial(DialRequest {
            target: "202".into(),
            account: Some("back".into()),
        })
        .await
        .unwrap();
    assert_eq!(call.account.as_deref(), Some("back"));
    let established = b.wait_event(CallEvent::Established, WAIT).await.unwrap();
    assert!(
        established
            .peer_uri
            .as_deref()
            .unwrap_or_default()
            .contains("402"),
        "{established:?}"
    );
    engine.hangup(Some(call.id)).await.unwrap();
    b.wait_event(CallEvent::Closed, WAIT).await.unwrap();
    engine.shutdown().await;
}
