//! Kamailio alone: starts, answers, restarts on the same port, cleans up.

use std::time::Duration;

use frontdesk_testbed::sip::{options_request, request_udp, status_code};
use frontdesk_testbed::{Kamailio, KamailioOptions};

#[tokio::test]
async fn starts_answers_and_restarts_on_same_port() {
    let mut k = Kamailio::start(KamailioOptions::default()).await.unwrap();
    let port = k.port();
    assert!(k.is_running());
    assert_eq!(k.addr().to_string(), format!("127.0.0.1:{port}"));
    assert_eq!(Kamailio::password_for("201"), "pw-201");
    assert!(k.contacts("201").await.unwrap().is_empty());

    // A request from a local user must authenticate with the proxy: 407.
    let req = options_request(k.addr(), Some("999"));
    let resp = request_udp(k.addr(), &req, Duration::from_secs(3))
        .await
        .unwrap()
        .expect("no answer");
    assert_eq!(status_code(&resp), Some(407), "{resp}");
    assert!(resp.contains("Proxy-Authenticate: Digest realm=\"127.0.0.1\""));

    // From a foreign domain it reaches the location lookup: unknown user, 404.
    // (The domain is only text in a header; nothing resolves it.)
    let req = options_request(k.addr(), Some("999"))
        .replace("<sip:testbed@{local}>", "<sip:testbed@outside.invalid>");
    let resp = request_udp(k.addr(), &req, Duration::from_secs(3))
        .await
        .unwrap()
        .expect("no answer");
    assert_eq!(status_code(&resp), Some(404), "{resp}");

    k.stop();
    assert!(!k.is_running());
    let req = options_request(k.addr(), None);
    assert!(request_udp(k.addr(), &req, Duration::from_millis(300))
        .await
        .unwrap()
        .is_none());

    k.restart().await.unwrap();
    assert_eq!(k.port(), port);
    assert!(k.is_running());
    assert!(k.log().contains("Listening on"), "log should be captured");
}
