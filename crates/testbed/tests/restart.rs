//! Registrar stopped and restarted on the same port: baresip re-registers by
//! itself and calls get through again.

use std::time::Duration;

use frontdesk_testbed::{Baresip, BaresipOptions, CallEvent, Kamailio, KamailioOptions};

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn baresip_reregisters_after_kamailio_restart() {
    let mut k = Kamailio::start(KamailioOptions::default()).await.unwrap();
    let mut b = BaresipOptions::new("202");
    b.registrar = Some(k.addr());
    b.register_interval = 4; // refreshed about every 3-4 s
    b.auto_answer = true;
    let mut b = Baresip::start(b).await.unwrap();
    b.wait_registered(WAIT).await.unwrap();
    k.wait_registered("202", WAIT).await.unwrap();

    let port = k.port();
    k.stop();
    tokio::time::sleep(Duration::from_millis(500)).await;
    k.restart().await.unwrap();
    assert_eq!(k.port(), port);
    // The registrar keeps registrations in memory only: they are gone...
    let before = k.contacts("202").await.unwrap();
    // ...until baresip refreshes its registration on its own.
    let after = k
        .wait_registered("202", Duration::from_secs(15))
        .await
        .unwrap();
    assert!(after[0].contains(&b.sip_port().to_string()), "{after:?}");
    assert!(before.is_empty() || before == after, "{before:?}");

    let mut a = BaresipOptions::new("201");
    a.registrar = Some(k.addr());
    let mut a = Baresip::start(a).await.unwrap();
    a.wait_registered(WAIT).await.unwrap();
    a.dial(&k.aor("202")).await.unwrap();
    a.wait_event(CallEvent::Established, WAIT).await.unwrap();
    b.wait_event(CallEvent::Established, WAIT).await.unwrap();
    b.hangup().await.unwrap();
    a.wait_event(CallEvent::Closed, WAIT).await.unwrap();
}
