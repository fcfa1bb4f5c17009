//! Registration against a real Kamailio: success, wrong password, registrar restart.

mod support;

use frontdesk_api::RegistrationState;
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
