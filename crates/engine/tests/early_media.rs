//! Early media: a far end that answers our INVITE with `183 Session Progress`
//! and SDP is heard at once (announcements, network ring-back), and its 200
//! OK carries the call on without a gap.
//!
//! The far end is a real sipp UAS streaming G.711 A-law tones with its
//! `rtp_stream` action: one tone while the call is in progress, another once
//! it is answered.

mod support;

use frontdesk_api::{Backend, CallState, DialRequest};
use frontdesk_media::tone::{read_wav_mono, rms, tone_ratio};
use frontdesk_media::Codec;
use frontdesk_testbed::Sipp;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use support::{Frontdesk, Setup, WAIT};

/// Tone the far end streams during the early (183) phase.
const EARLY_HZ: f32 = 800.0;
/// Tone it streams once it has answered (200).
const ANSWERED_HZ: f32 = 1400.0;
/// How long sipp keeps the call in the early phase (183 sent, no 200 yet).
const EARLY_MS: u64 = 3000;

/// `secs` of a sine at `freq` (amplitude 0.5), 8 kHz, as raw A-law bytes:
/// the format sipp's `rtp_stream` sends as-is, 160 bytes per 20 ms packet.
fn alaw_tone(dir: &Path, freq: f32, secs: f32) -> PathBuf {
    let pcm: Vec<i16> = frontdesk_media::tone::sine(freq, 8000, (secs * 8000.0) as usize)
        .into_iter()
        .map(|s| (s * i16::MAX as f32) as i16)
        .collect();
    let mut encoder = Codec::Pcma.encoder().unwrap();
    let (mut bytes, mut frame) = (Vec::new(), Vec::new());
    for chunk in pcm.chunks(160) {
        encoder.encode(chunk, &mut frame).unwrap();
        bytes.extend_from_slice(&frame);
    }
    let path = dir.join(format!("tone-{freq}.alaw"));
    std::fs::write(&path, bytes).unwrap();
    path
}

/// A UAS that answers the INVITE with 183 + SDP (PCMA, to the address in our
/// offer), streams `early` for [`EARLY_MS`], pauses the stream, answers 200
/// with the same SDP and, once ACKed, streams `answered` (a gap in the RTP, as
/// when a network announcement ends) until our BYE. sipp's `rtp_stream` of a
/// new file does not lift a pause, hence the explicit `resume`.
/// With `ringing_first`, a `180 Ringing` without SDP (but with the To tag, so it opens the
/// early dialog) comes before the 183, as most PBXs send it.
fn uas_early_media(early: &Path, answered: &Path, ringing_first: bool) -> String {
    let sdp = r#"Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=sipp 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [rtpstream_audio_port] RTP/AVP 8
      a=rtpmap:8 PCMA/8000
      a=sendrecv"#;
    let headers = r#"[last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      [last_Record-Route:]
      Contact: <sip:[local_ip]:[local_port];transport=[transport]>"#;
    format!(
        r#"<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="frontdesk uas early media">
  <recv request="INVITE" crlf="true"/>
  {ringing}
  <send>
    <![CDATA[
      SIP/2.0 183 Session Progress
      {headers}
      {sdp}
    ]]>
  </send>
  <nop>
    <action>
      <exec rtp_stream="{early},-1,8"/>
    </action>
  </nop>
  <pause milliseconds="{EARLY_MS}"/>
  <nop>
    <action>
      <exec rtp_stream="pause"/>
    </action>
  </nop>
  <send retrans="500">
    <![CDATA[
      SIP/2.0 200 OK
      {headers}
      {sdp}
    ]]>
  </send>
  <recv request="ACK" rtd="true" crlf="true"/>
  <nop>
    <action>
      <exec rtp_stream="resume"/>
      <exec rtp_stream="{answered},-1,8"/>
    </action>
  </nop>
  <recv request="BYE"/>
  <send>
    <![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:[local_ip]:[local_port];transport=[transport]>
      Content-Length: 0
    ]]>
  </send>
  <timewait milliseconds="500"/>
</scenario>
"#,
        early = early.display(),
        answered = answered.display(),
        ringing = if ringing_first {
            format!("<send>\n    <![CDATA[\n      SIP/2.0 180 Ringing\n      {headers}\n      Content-Length: 0\n    ]]>\n  </send>")
        } else {
            String::new()
        },
    )
}

/// The samples of `wav` between `from` and `to` seconds, and its rate.
fn segment(wav: &(Vec<f32>, u32), from: f64, to: f64) -> &[f32] {
    let (samples, rate) = (&wav.0, wav.1 as f64);
    let a = ((from * rate) as usize).min(samples.len());
    let b = ((to * rate) as usize).min(samples.len());
    &samples[a..b]
}

/// Panics unless `samples` hold a clear `freq` tone and not `other`.
fn assert_tone(what: &str, samples: &[f32], rate: u32, freq: f32, other: f32) {
    let level = rms(samples);
    let ratio = tone_ratio(samples, rate, freq);
    let other_ratio = tone_ratio(samples, rate, other);
    assert!(
        samples.len() >= rate as usize / 2 && level > 0.05 && ratio > 0.5 && other_ratio < 0.1,
        "{what}: expected a {freq} Hz tone: {:.2} s, RMS {level:.4}, share at {freq} Hz \
         {ratio:.3}, share at {other} Hz {other_ratio:.3}",
        samples.len() as f64 / rate as f64
    );
}

#[tokio::test]
async fn early_media_from_183_is_heard_before_the_answer() {
    early_media_is_heard(false).await;
}

#[tokio::test]
async fn early_media_from_a_183_after_a_180_is_heard_too() {
    early_media_is_heard(true).await;
}

async fn early_media_is_heard(ringing_first: bool) {
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let early = alaw_tone(dir.path(), EARLY_HZ, 5.0);
    let answered = alaw_tone(dir.path(), ANSWERED_HZ, 5.0);
    let mut fd = Frontdesk::start(Setup::default()).await;
    let sipp = Sipp::spawn(&uas_early_media(&early, &answered, ringing_first), &[]).unwrap();

    let call = fd
        .engine
        .dial(DialRequest {
            target: format!("sip:test@127.0.0.1:{}", sipp.port()),
            account: None,
        })
        .await
        .unwrap();
    fd.wait_state(&call.id, CallState::Ringing).await;
    let ringing_at = Instant::now();

    // While it still rings, the recording (flushed every second) already
    // holds the early tone: media started on the 183.
    let recording = fd.recording(&call.id);
    let deadline = Instant::now() + Duration::from_millis(EARLY_MS * 2 / 3);
    let heard = loop {
        if let Ok(wav) = read_wav_mono(&recording) {
            if wav.0.len() >= wav.1 as usize {
                break wav;
            }
        }
        assert!(
            Instant::now() < deadline,
            "no second of early media recorded within {} ms of the 183 ({})",
            EARLY_MS * 2 / 3,
            recording.display()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let calls = fd.engine.calls().await.unwrap();
    let now = calls.iter().find(|c| c.id == call.id).expect("call listed");
    assert_eq!(
        now.state,
        CallState::Ringing,
        "the early audio must be checked before the 200"
    );
    assert_tone(
        "recording while ringing",
        segment(&heard, 0.2, 1.0),
        heard.1,
        EARLY_HZ,
        ANSWERED_HZ,
    );

    // The 200 keeps the media going with the far end's answered tone.
    let active = fd.wait_state(&call.id, CallState::Active).await;
    let early_secs = ringing_at.elapsed().as_secs_f64();
    assert_eq!(active.codec.as_deref(), Some("PCMA"));
    assert!(
        early_secs > EARLY_MS as f64 / 1000.0 * 0.8,
        "answered after only {early_secs:.2} s of early media"
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    fd.engine.hangup(None).await.unwrap();
    let ended = fd.wait_state(&call.id, CallState::Ended).await;
    assert_eq!(ended.end_reason.as_deref(), Some("local_hangup"));
    sipp.wait(WAIT).await.unwrap().assert_success();

    // One recording: the early tone up to the 200, the answered tone after.
    let wav = read_wav_mono(&recording).unwrap();
    let total = wav.0.len() as f64 / wav.1 as f64;
    assert!(
        total > early_secs + 1.5,
        "recording is {total:.2} s, early phase alone was {early_secs:.2} s"
    );
    assert_tone(
        "early phase",
        segment(&wav, 0.2, early_secs - 0.4),
        wav.1,
        EARLY_HZ,
        ANSWERED_HZ,
    );
    assert_tone(
        "answered phase",
        segment(&wav, early_secs + 0.6, total - 0.3),
        wav.1,
        ANSWERED_HZ,
        EARLY_HZ,
    );
    eprintln!(
        "early media test took {:.1} s (early phase {early_secs:.2} s, recording {total:.2} s)",
        started.elapsed().as_secs_f64()
    );
}
