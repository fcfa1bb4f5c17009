//! Registration against a real Kamailio: UDP, TCP, TLS, digest MD5 and SHA-256, refresh,
//! wrong password, registrar restart.

mod support;

use frontdesk_api::{Backend, CallState, DialRequest, RegistrationState};
use frontdesk_testbed::{Kamailio, KamailioOptions};
use support::{Frontdesk, Setup, WAIT};

#[tokio::test]
async fn registers_over_udp_and_tcp() {
    let k = Kamailio::start(KamailioOptions::default()).await.unwrap();
    for (user, transport) in [("101", "udp"), ("102", "tcp")] {
        let mut fd = Frontdesk::start(Setup {
            kamailio: Some(&k),
            user,
            transport,
            ..Setup::default()
        })
        .await;
        fd.wait_account(RegistrationState::Registered).await;
        let contacts = k.wait_registered(user, WAIT).await.unwrap();
        let port = fd.engine.sip_listen_addr().port();
        assert!(
            contacts
                .iter()
                .any(|c| c.contains(&format!("127.0.0.1:{port}"))),
            "{contacts:?}"
        );
        fd.engine.shutdown().await;
        assert_eq!(fd.wait_account(RegistrationState::Unregistered).await, None);
        assert!(
            k.contacts(user).await.unwrap().is_empty(),
            "shutdown must remove the binding"
        );
    }
}

#[tokio::test]
async fn a_wrong_password_is_reported_clearly() {
    let k = Kamailio::start(KamailioOptions::default()).await.unwrap();
    let mut fd = Frontdesk::start(Setup {
        kamailio: Some(&k),
        password: Some("nope".into()),
        ..Setup::default()
    })
    .await;
    let reason = fd
        .wait_account(RegistrationState::Failed)
        .await
        .unwrap_or_default();
    assert!(reason.contains("wrong user name or password"), "{reason}");
}

#[tokio::test]
async fn registers_again_after_the_registrar_restarts_over_udp() {
    registers_again_after_a_restart("udp").await;
}

#[tokio::test]
async fn registers_again_after_the_registrar_restarts_over_tcp() {
    registers_again_after_a_restart("tcp").await;
}

async fn registers_again_after_a_restart(transport: &str) {
    let mut k = Kamailio::start(KamailioOptions::default()).await.unwrap();
    let mut fd = Frontdesk::start(Setup {
        kamailio: Some(&k),
        keepalive_seconds: 1,
        transport,
        ..Setup::default()
    })
    .await;
    fd.wait_account(RegistrationState::Registered).await;
    k.stop();
    let reason = fd
        .wait_account(RegistrationState::Failed)
        .await
        .unwrap_or_default();
    assert!(
        reason.contains("no answer") || reason.contains("reach"),
        "{reason}"
    );
    k.restart().await.unwrap();
    fd.wait_account(RegistrationState::Registered).await;
    k.wait_registered("101", WAIT).await.unwrap();
}

#[tokio::test]
async fn registers_over_tls_with_a_verified_certificate() {
    let k = Kamailio::start(KamailioOptions {
        tls: true,
        ..KamailioOptions::default()
    })
    .await
    .unwrap();
    let mut fd = Frontdesk::start(Setup {
        kamailio: Some(&k),
        transport: "tls",
        ..Setup::default()
    })
    .await;
    fd.wait_account(RegistrationState::Registered).await;
    let contacts = k.wait_registered("101", WAIT).await.unwrap();
    assert!(
        contacts.iter().any(|c| c.contains("transport=tls")),
        "{contacts:?}"
    );
}

#[tokio::test]
async fn an_untrusted_server_certificate_is_refused() {
    let k = Kamailio::start(KamailioOptions {
        tls: true,
        ..KamailioOptions::default()
    })
    .await
    .unwrap();
    let mut fd = Frontdesk::start(Setup {
        kamailio: Some(&k),
        transport: "tls",
        trust_test_ca: false,
        ..Setup::default()
    })
    .await;
    let reason = fd
        .wait_account(RegistrationState::Failed)
        .await
        .unwrap_or_default();
    assert!(reason.contains("cannot reach"), "{reason}");
    assert!(k.contacts("101").await.unwrap().is_empty());
}

#[tokio::test]
async fn sha256_challenges_are_answered_for_register_and_invite() {
    let k = Kamailio::start(KamailioOptions {
        digest_algorithm: "SHA-256",
        ..KamailioOptions::default()
    })
    .await
    .unwrap();
    let mut fd = Frontdesk::start(Setup {
        kamailio: Some(&k),
        ..Setup::default()
    })
    .await;
    fd.wait_account(RegistrationState::Registered).await;
    // The server really challenges with SHA-256.
    let probe = frontdesk_testbed::sip::options_request(k.addr(), Some("101"));
    let challenge = frontdesk_testbed::sip::request_udp(k.addr(), &probe, WAIT)
        .await
        .unwrap()
        .unwrap();
    let offered = frontdesk_testbed::sip::header_values(&challenge, "Proxy-Authenticate").join(" ");
    assert!(offered.contains("algorithm=SHA-256"), "{challenge}");
    // The INVITE is challenged with 407 too; after authenticating, nobody is there: 404.
    let call = fd
        .engine
        .dial(DialRequest {
            target: "999".into(),
            account: None,
        })
        .await
        .unwrap();
    let ended = fd.wait_state(&call.id, CallState::Ended).await;
    assert_eq!(ended.end_reason.as_deref(), Some("failed:404"));
}

#[tokio::test]
async fn the_binding_is_refreshed_before_it_expires() {
    // The registrar grants 3 s whatever we ask for.
    let k = Kamailio::start(KamailioOptions {
        max_expires: Some(3),
        ..KamailioOptions::default()
    })
    .await
    .unwrap();
    let mut fd = Frontdesk::start(Setup {
        kamailio: Some(&k),
        ..Setup::default()
    })
    .await;
    fd.wait_account(RegistrationState::Registered).await;
    for _ in 0..4 {
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        assert!(
            !k.contacts("101").await.unwrap().is_empty(),
            "the binding expired: no refresh"
        );
    }
}
