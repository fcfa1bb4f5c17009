//! baresip registers at Kamailio with the derived password; a wrong one fails.

use std::time::Duration;

use frontdesk_testbed::{Baresip, BaresipOptions, Kamailio, KamailioOptions, RegStatus};

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn right_password_registers_wrong_one_is_refused() {
    let k = Kamailio::start(KamailioOptions::default()).await.unwrap();

    let mut a = BaresipOptions::new("201");
    a.registrar = Some(k.addr());
    let mut a = Baresip::start(a).await.unwrap();
    let mut b = BaresipOptions::new("202");
    b.registrar = Some(k.addr());
    let mut b = Baresip::start(b).await.unwrap();

    a.wait_registered(WAIT).await.unwrap();
    b.wait_registered(WAIT).await.unwrap();
    let contacts = k.wait_registered("201", WAIT).await.unwrap();
    assert_eq!(contacts.len(), 1, "{contacts:?}");
    assert!(
        contacts[0].contains(&format!("127.0.0.1:{}", a.sip_port())),
        "contact {contacts:?} should point at baresip 201"
    );
    assert!(!k.wait_registered("202", WAIT).await.unwrap().is_empty());

    let mut bad = BaresipOptions::new("203");
    bad.registrar = Some(k.addr());
    bad.password = Some("wrong".into());
    let mut bad = Baresip::start(bad).await.unwrap();
    let reason = bad.wait_registration_failed(WAIT).await.unwrap();
    assert!(reason.contains("401") || reason.contains("ERR"), "{reason}");
    assert_eq!(bad.reg_status().await.unwrap(), RegStatus::Failed);
    assert!(k.contacts("203").await.unwrap().is_empty());
}
