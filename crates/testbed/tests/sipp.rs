//! sipp through Kamailio with digest auth: REGISTER (401) and INVITE (407).

use std::time::Duration;

use frontdesk_testbed::sipp::scenarios::{REGISTER, UAC_INVITE_BYE, UAS_ANSWER};
use frontdesk_testbed::{send_raw_udp, Kamailio, KamailioOptions, Sipp};

#[tokio::test]
async fn sipp_uac_calls_registered_sipp_uas_with_auth() {
    let k = Kamailio::start(KamailioOptions::default()).await.unwrap();
    let target = k.addr().to_string();

    let uas = Sipp::spawn(UAS_ANSWER, &[]).unwrap();
    let uas_port = uas.port().to_string();
    let pw302 = Kamailio::password_for("302");
    let reg = Sipp::run(
        REGISTER,
        &[
            &target,
            "-s",
            "302",
            "-au",
            "302",
            "-ap",
            &pw302,
            "-key",
            "contact_port",
            &uas_port,
        ],
    )
    .await
    .unwrap();
    reg.assert_success();
    let contacts = k
        .wait_registered("302", Duration::from_secs(5))
        .await
        .unwrap();
    assert!(contacts[0].contains(&uas_port), "{contacts:?}");

    let pw301 = Kamailio::password_for("301");
    let uac = Sipp::run(
        UAC_INVITE_BYE,
        &[
            &target, "-s", "302", "-key", "caller", "301", "-au", "301", "-ap", &pw301,
        ],
    )
    .await
    .unwrap();
    uac.assert_success();
    assert!(uac.messages.contains("407 Proxy Authentication Required"));
    assert!(uac.messages.contains("Proxy-Authorization: Digest"));
    let uas = uas.wait(Duration::from_secs(10)).await.unwrap();
    uas.assert_success();
    assert!(uas.messages.contains("Record-Route:"), "{}", uas.messages);
}

#[tokio::test]
async fn wrong_password_fails_and_garbage_is_survived() {
    let k = Kamailio::start(KamailioOptions::default()).await.unwrap();
    send_raw_udp(k.addr(), b"this is not SIP\r\n\r\n").unwrap();
    send_raw_udp(k.addr(), b"INVITE sip:x SIP/2.0\r\nVia: broken\r\n\r\n").unwrap();
    let uac = Sipp::run(
        UAC_INVITE_BYE,
        &[
            &k.addr().to_string(),
            "-s",
            "302",
            "-key",
            "caller",
            "301",
            "-au",
            "301",
            "-ap",
            "wrong",
            "-timeout",
            "5s",
        ],
    )
    .await
    .unwrap();
    assert!(!uac.success(), "a wrong password must not get through");
    assert_eq!(uac.exit_code, Some(1));
    assert!(
        uac.errors.contains("received 'SIP/2.0 407"),
        "{}",
        uac.errors
    );
    // Kamailio is still serving.
    assert!(k.contacts("302").await.unwrap().is_empty());
}
