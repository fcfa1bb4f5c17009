//! Two MediaSessions talking to each other over loopback with the file
//! backend: each side must record the other side's tone, for every codec;
//! DTMF must arrive exactly once per digit.

use frontdesk_media::tone::{read_wav_mono, rms, tone_ratio, write_tone_wav};
use frontdesk_media::{AudioConfig, Codec, MediaEvent, MediaParams, MediaSession};
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::time::Duration;

const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

async fn pair(codec: Codec, dir: &Path, tones: (f32, f32)) -> (MediaSession, MediaSession) {
    let mut a = MediaSession::bind(LOOPBACK).await.unwrap();
    let mut b = MediaSession::bind(LOOPBACK).await.unwrap();
    assert_eq!(a.local_rtp_addr().port() % 2, 0, "RTP port must be even");
    for (name, freq) in [("a", tones.0), ("b", tones.1)] {
        write_tone_wav(dir.join(format!("{name}_play.wav")), freq, 1.0, 44_100).unwrap();
    }
    let file = |name: &str| AudioConfig::File {
        play: Some(dir.join(format!("{name}_play.wav"))),
        record: Some(dir.join(format!("{name}_rec.wav"))),
    };
    a.start(MediaParams::new(b.local_rtp_addr(), codec), file("a"))
        .unwrap();
    b.start(MediaParams::new(a.local_rtp_addr(), codec), file("b"))
        .unwrap();
    (a, b)
}

fn assert_heard(path: &Path, freq: f32, other: f32, codec: Codec) {
    let (samples, rate) = read_wav_mono(path).unwrap();
    assert!(
        samples.len() > rate as usize,
        "{codec}: recording too short: {}",
        samples.len()
    );
    // Skip the first half second (jitter buffer fill, codec warm-up).
    let tail = &samples[rate as usize / 2..];
    let level = rms(tail);
    let want = tone_ratio(tail, rate, freq);
    let unwanted = tone_ratio(tail, rate, other);
    assert!(
        level > 0.05,
        "{codec}: recording {} is near-silent (rms {level})",
        path.display()
    );
    assert!(
        want > 0.6 && want > 10.0 * unwanted,
        "{codec}: {freq} Hz ratio {want}, {other} Hz ratio {unwanted}"
    );
}

async fn tones_cross(codec: Codec) {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = pair(codec, dir.path(), (700.0, 1300.0)).await;
    tokio::time::sleep(Duration::from_millis(2000)).await;
    let (sa, sb) = (a.stats(), b.stats());
    assert!(
        sa.packets_sent >= 80 && sb.packets_received >= 80,
        "{codec}: {sa:?} {sb:?}"
    );
    a.stop().await;
    b.stop().await;
    assert_heard(&dir.path().join("a_rec.wav"), 1300.0, 700.0, codec);
    assert_heard(&dir.path().join("b_rec.wav"), 700.0, 1300.0, codec);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pcmu_tones_cross() {
    tones_cross(Codec::Pcmu).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pcma_tones_cross() {
    tones_cross(Codec::Pcma).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn g722_tones_cross() {
    tones_cross(Codec::G722).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opus_tones_cross() {
    tones_cross(Codec::Opus).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dtmf_digits_arrive_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = pair(Codec::Pcmu, dir.path(), (700.0, 1300.0)).await;
    let mut events = b.events();
    let digits = "19*#0AD";
    for d in digits.chars() {
        a.send_dtmf(d).unwrap();
    }
    assert!(a.send_dtmf('x').is_err());
    let mut got = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while got.len() < digits.len() {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Ok(MediaEvent::DtmfReceived(d))) => got.push(d),
            Ok(Ok(_)) => {}
            Ok(Err(e)) => panic!("event channel: {e}"),
            Err(_) => break,
        }
    }
    // Let any duplicate (retransmitted end packets) arrive, then check none was reported.
    tokio::time::sleep(Duration::from_millis(300)).await;
    while let Ok(ev) = events.try_recv() {
        if let MediaEvent::DtmfReceived(d) = ev {
            got.push(d);
        }
    }
    assert_eq!(got, digits);
    assert_eq!(a.stats().dtmf_sent, digits.len() as u64);
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn update_switches_codec_and_hold_mutes() {
    let dir = tempfile::tempdir().unwrap();
    let (mut a, mut b) = pair(Codec::Pcmu, dir.path(), (700.0, 1300.0)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    // Re-INVITE to G.722 on both sides.
    a.update(MediaParams::new(b.local_rtp_addr(), Codec::G722));
    b.update(MediaParams::new(a.local_rtp_addr(), Codec::G722));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // A puts B on hold: A only sends.
    let mut hold = MediaParams::new(b.local_rtp_addr(), Codec::G722);
    hold.direction = frontdesk_media::Direction::SendOnly;
    a.update(hold);
    assert!(a.send_dtmf('1').is_ok(), "sendonly may still send DTMF");
    let mut held = MediaParams::new(a.local_rtp_addr(), Codec::G722);
    held.direction = frontdesk_media::Direction::RecvOnly;
    b.update(held);
    assert!(matches!(
        b.send_dtmf('1'),
        Err(frontdesk_media::MediaError::NotSending)
    ));
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let before = a.stats().packets_received;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(
        a.stats().packets_received - before < 3,
        "recvonly side must stop sending audio"
    );
    a.stop().await;
    b.stop().await;

    let (rec, rate) = read_wav_mono(dir.path().join("b_rec.wav")).unwrap();
    let r = rate as usize;
    // During the G.722 second (0.8 s .. 1.8 s) B heard A's 700 Hz tone.
    assert!(tone_ratio(&rec[r * 8 / 10..r * 18 / 10], rate, 700.0) > 0.6);
    let (rec_a, _) = read_wav_mono(dir.path().join("a_rec.wav")).unwrap();
    // At the end A (sendonly) plays nothing.
    let tail = &rec_a[rec_a.len() - r / 4..];
    assert!(
        rms(tail) < 0.01,
        "held side must be silent, rms {}",
        rms(tail)
    );
}

#[tokio::test]
async fn bad_play_file_is_reported_by_start() {
    let mut a = MediaSession::bind(LOOPBACK).await.unwrap();
    let err = a
        .start(
            MediaParams::new("127.0.0.1:9".parse().unwrap(), Codec::Pcmu),
            AudioConfig::File {
                play: Some("/definitely/missing.wav".into()),
                record: None,
            },
        )
        .unwrap_err();
    assert!(err.to_string().contains("missing.wav"), "{err}");
}

#[tokio::test]
async fn garbage_and_rtcp_on_the_rtp_port_are_survived() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = MediaSession::bind(LOOPBACK).await.unwrap();
    let rec = dir.path().join("rec.wav");
    let sock = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    a.start(
        MediaParams::new(sock.local_addr().unwrap(), Codec::Pcmu),
        AudioConfig::File {
            play: None,
            record: Some(rec.clone()),
        },
    )
    .unwrap();
    let target = a.local_rtp_addr();
    let mut sr = Vec::new();
    frontdesk_media::rtcp::build_sender_report(1, std::time::SystemTime::now(), 0, 0, 0, &mut sr);
    for junk in [
        &b""[..],
        &[0xff; 7][..],
        &[0x80, 0, 0][..],
        &[0xbf; 40][..],
        &sr[..],
    ] {
        sock.send_to(junk, target).await.unwrap();
    }
    sock.send_to(&sr, a.local_rtcp_addr()).await.unwrap();
    // Our side keeps sending RTP to the peer socket.
    let mut buf = [0u8; 1500];
    let (n, _) = tokio::time::timeout(Duration::from_secs(2), sock.recv_from(&mut buf))
        .await
        .unwrap()
        .unwrap();
    let pkt = frontdesk_media::rtp::RtpPacket::parse(&buf[..n]).unwrap();
    assert_eq!(pkt.payload_type, 0);
    assert_eq!(pkt.payload.len(), 160);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let s = a.stats();
    assert_eq!(s.rtcp_received, 2, "{s:?}");
    assert_eq!(s.packets_received, 0, "{s:?}");
    assert!(s.packets_dropped >= 4, "{s:?}");
    a.stop().await;
    assert!(read_wav_mono(&rec).is_ok());
}
