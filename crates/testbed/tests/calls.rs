//! baresip A calls baresip B through Kamailio; each hears the other's tone.

use std::path::Path;
use std::time::Duration;

use frontdesk_testbed::{
    assert_contains_tone, tone_wav, Baresip, BaresipOptions, CallEvent, Kamailio, KamailioOptions,
};

const WAIT: Duration = Duration::from_secs(10);

async fn phone(k: &Kamailio, user: &str, codec: &str, wav: &Path) -> Baresip {
    let mut o = BaresipOptions::new(user);
    o.registrar = Some(k.addr());
    o.codecs = vec![codec.to_owned()];
    o.play_wav = Some(wav.to_path_buf());
    o.record = true;
    o.auto_answer = true;
    let mut p = Baresip::start(o).await.unwrap();
    p.wait_registered(WAIT).await.unwrap();
    p
}

/// `rate`: the codec's clock rate, which is also the rate sndfile records at.
async fn call_with_tones(codec: &str, rate: u32) {
    let k = Kamailio::start(KamailioOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (wav_a, wav_b) = (dir.path().join("a.wav"), dir.path().join("b.wav"));
    // Longer than the call: baresip's aufile ends the call at end of file.
    tone_wav(&wav_a, 700.0, 30.0, rate).unwrap();
    tone_wav(&wav_b, 1300.0, 30.0, rate).unwrap();
    let mut a = phone(&k, "201", codec, &wav_a).await;
    let mut b = phone(&k, "202", codec, &wav_b).await;

    a.dial(&k.aor("202")).await.unwrap();
    a.wait_event(CallEvent::Established, WAIT).await.unwrap();
    let est = b.wait_event(CallEvent::Established, WAIT).await.unwrap();
    assert!(
        est.peer_uri.as_deref().unwrap_or("").contains("201"),
        "{est:?}"
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    a.hangup().await.unwrap();
    a.wait_event(CallEvent::Closed, WAIT).await.unwrap();
    b.wait_event(CallEvent::Closed, WAIT).await.unwrap();

    let rec_a = a.last_recording(WAIT).await.unwrap();
    let rec_b = b.last_recording(WAIT).await.unwrap();
    let ra = assert_contains_tone(&rec_a, 1300.0);
    let rb = assert_contains_tone(&rec_b, 700.0);
    eprintln!("{codec}: A heard {ra:?}\n{codec}: B heard {rb:?}");
    assert!(ra.secs > 1.5 && rb.secs > 1.5, "{ra:?} {rb:?}");
    assert_eq!(
        (ra.rate, rb.rate),
        (rate, rate),
        "{codec} was not negotiated"
    );
    let sdp_ok = k.log();
    assert!(
        !sdp_ok.contains("ERROR"),
        "kamailio logged errors:\n{sdp_ok}"
    );
}

#[tokio::test]
async fn pcmu_call_through_kamailio_carries_both_tones() {
    call_with_tones("PCMU", 8000).await;
}

#[tokio::test]
async fn opus_call_through_kamailio_carries_both_tones() {
    call_with_tones("opus", 48000).await;
}
