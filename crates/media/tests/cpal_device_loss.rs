//! A sound device that disappears mid-call. Session B's microphone and
//! speaker are the named ALSA device "CI Headset", which is a second
//! PulseAudio server (null sink `ci_headset`); the system default is the
//! main server's null sink `ci_spare`. Session A sends a 1 kHz tone and
//! records what it gets back.
//!
//! Mid-call the headset server is killed (like a USB headset yanked out; the
//! driver reports I/O errors and closing its streams may hang). B must keep
//! the call going (RTP both ways throughout), report a fallback for both
//! directions naming "CI Headset", and continue on the default device: the
//! tone must reach `ci_spare` (its monitor is recorded) and B's new
//! microphone (`ci_spare`'s monitor, which hears the tone B plays) must reach
//! A again. Nothing may panic and the call must end promptly.
//!
//! Why not unload the sink instead: PulseAudio then moves the stream to
//! another sink by itself and ALSA clients never learn about it.
//!
//! Needs: apt-get install -y --no-install-recommends libasound2-dev pulseaudio pulseaudio-utils libasound2-plugins

use frontdesk_media::tone::{read_wav_mono, rms, tone_ratio};
use frontdesk_media::{MediaEvent, MediaSession};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

mod pulse;
use pulse::{
    alsa_device_on_server, pactl, require, start_pulseaudio, start_recorder, stop_recorder,
    tone_call_to_cpal, CpalDevices, Reaper,
};

const HEADSET: &str = "CI Headset";

/// `pactl list short <what>` on the server in `runtime_dir`, as rows of
/// tab-separated columns.
fn rows(runtime_dir: &Path, what: &str) -> Vec<Vec<String>> {
    pactl(runtime_dir, &["list", "short", what])
        .lines()
        .map(|l| l.split('\t').map(str::to_owned).collect())
        .collect()
}

async fn wait_for(what: &str, timeout: Duration, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Packets (received by A, received by B) so far.
fn received(a: &MediaSession, b: &MediaSession) -> (u64, u64) {
    (a.stats().packets_received, b.stats().packets_received)
}

/// Whether `ev` is about sound devices (other events, like the first RTP
/// packet, are of no interest here).
fn is_device_event(ev: &MediaEvent) -> bool {
    matches!(
        ev,
        MediaEvent::AudioDeviceFallback { .. } | MediaEvent::AudioDeviceError(_)
    )
}

/// Counts panics on any thread (the device thread, stream threads, the
/// media task), keeping the default report.
fn count_panics() -> Arc<AtomicUsize> {
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        seen.fetch_add(1, Ordering::SeqCst);
        default(info);
    }));
    count
}

/// Level and share of 1 kHz of a WAV's last 1.5 s (minus the final 100 ms,
/// which a stopped recorder may cut short).
fn tail_tone(path: &Path) -> (f32, f32) {
    let (samples, rate) = read_wav_mono(path).expect("WAV readable");
    let end = samples.len().saturating_sub(rate as usize / 10);
    let start = end.saturating_sub(rate as usize * 3 / 2);
    assert!(
        end - start >= rate as usize,
        "{path:?} holds only {} samples",
        samples.len()
    );
    let tail = &samples[start..end];
    (rms(tail), tone_ratio(tail, rate, 1000.0))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headset_lost_mid_call_falls_back_to_the_default_device() {
    require("pulseaudio");
    require("parecord");
    let panics = count_panics();
    let t0 = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let main_dir = dir.path().join("xdg-main");
    let headset_dir = dir.path().join("xdg-headset");
    let config_home = dir.path().join("config");
    for d in [&main_dir, &headset_dir, &config_home] {
        std::fs::create_dir(d).unwrap();
    }
    // This test binary only contains this test, so changing the environment
    // is safe. cpal's ALSA host reaches the main server through Debian's
    // 99-pulse.conf and the headset through our asoundrc.
    std::env::set_var("XDG_RUNTIME_DIR", &main_dir);
    std::env::set_var("XDG_CONFIG_HOME", &config_home);
    std::env::remove_var("PULSE_SERVER");
    let mut reaper = Reaper(vec![
        start_pulseaudio(&main_dir, &["ci_spare"]),
        start_pulseaudio(&headset_dir, &["ci_headset"]),
    ]);
    pactl(&main_dir, &["set-default-source", "ci_spare.monitor"]);
    pactl(&headset_dir, &["set-default-source", "ci_headset.monitor"]);
    alsa_device_on_server(&config_home, "ci_headset", HEADSET, &headset_dir);

    // Records ci_spare while B is on the headset: must stay silent.
    let before_wav = dir.path().join("spare-before.wav");
    reaper
        .0
        .push(start_recorder(&main_dir, "ci_spare.monitor", &before_wav));

    let a_wav = dir.path().join("a-received.wav");
    let devices = CpalDevices {
        input: Some(HEADSET.into()),
        output: Some(HEADSET.into()),
    };
    let (a, b) = tone_call_to_cpal(dir.path(), devices, Some(a_wav.clone())).await;
    let mut b_events = b.events();

    // B plays to and records from the headset server; media flows both ways.
    wait_for(
        "B's streams on the headset",
        Duration::from_secs(10),
        || {
            if let Ok(ev) = b_events.try_recv() {
                assert!(!is_device_event(&ev), "device event at the start: {ev:?}");
            }
            !rows(&headset_dir, "sink-inputs").is_empty()
                && !rows(&headset_dir, "source-outputs").is_empty()
        },
    )
    .await;
    wait_for("RTP both ways", Duration::from_secs(5), || {
        let (at_a, at_b) = received(&a, &b);
        at_a > 25 && at_b > 25
    })
    .await;
    // Longer than the stall watchdog (and the plugin's ~2 s start-up pause):
    // healthy streams must not be replaced.
    tokio::time::sleep(Duration::from_secs(5)).await;
    while let Ok(ev) = b_events.try_recv() {
        assert!(
            !is_device_event(&ev),
            "device event while the headset works: {ev:?}"
        );
    }
    assert!(
        rows(&main_dir, "sink-inputs").is_empty(),
        "B plays on the default device before the loss"
    );
    stop_recorder(&mut reaper.0[2]);

    // The headset disappears.
    let lost_at = Instant::now();
    let before_loss = received(&a, &b);
    reaper.0[1].kill().unwrap();
    let _ = reaper.0[1].wait();
    eprintln!("headset server killed at {:?}", t0.elapsed());

    // The call goes on while the devices are replaced.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let one_second_later = received(&a, &b);
    eprintln!("packets (A, B): {before_loss:?} at the loss, {one_second_later:?} 1 s later");
    assert!(
        one_second_later.0 >= before_loss.0 + 30 && one_second_later.1 >= before_loss.1 + 30,
        "RTP stalled during the device loss: {before_loss:?} -> {one_second_later:?}"
    );

    // Both directions report falling back from the headset.
    let mut fallbacks = Vec::new();
    wait_for(
        "fallback events for input and output",
        Duration::from_secs(10),
        || {
            while let Ok(ev) = b_events.try_recv() {
                eprintln!("{:?} after the loss: {ev:?}", lost_at.elapsed());
                match ev {
                    MediaEvent::AudioDeviceFallback {
                        direction,
                        requested,
                        used,
                        reason,
                    } => {
                        assert_eq!(requested.as_deref(), Some(HEADSET), "{reason}");
                        assert_ne!(used, HEADSET);
                        assert!(
                            !fallbacks.contains(&direction),
                            "second {direction} fallback: {reason}"
                        );
                        fallbacks.push(direction);
                    }
                    other => assert!(
                        !is_device_event(&other),
                        "unexpected event after the loss: {other:?}"
                    ),
                }
            }
            fallbacks.len() == 2
        },
    )
    .await;
    eprintln!("both fallbacks {:?} after the loss", lost_at.elapsed());

    // B now plays on ci_spare; record it once its stream is there.
    wait_for("B's stream on ci_spare", Duration::from_secs(5), || {
        !rows(&main_dir, "sink-inputs").is_empty()
    })
    .await;
    let after_wav = dir.path().join("spare-after.wav");
    reaper
        .0
        .push(start_recorder(&main_dir, "ci_spare.monitor", &after_wav));
    // The plugin's start-up pause, then enough steady audio to analyse; the
    // tone also has to make the trip back to A through B's new microphone.
    let since_fallback = received(&a, &b);
    tokio::time::sleep(Duration::from_secs(5)).await;
    let at_end = received(&a, &b);
    assert!(
        at_end.0 >= since_fallback.0 + 150 && at_end.1 >= since_fallback.1 + 150,
        "RTP stalled after the fallback: {since_fallback:?} -> {at_end:?}"
    );
    while let Ok(ev) = b_events.try_recv() {
        assert!(
            !is_device_event(&ev),
            "device event after the fallback: {ev:?}"
        );
    }
    stop_recorder(&mut reaper.0[3]);

    let stopping = Instant::now();
    tokio::time::timeout(Duration::from_secs(10), async {
        a.stop().await;
        b.stop().await;
    })
    .await
    .expect("the call did not end within 10 s after the device loss");
    eprintln!("stopped in {:?}", stopping.elapsed());
    drop(reaper);

    let (before, _) = read_wav_mono(&before_wav).expect("WAV readable");
    let before_level = rms(&before);
    let (after_level, after_ratio) = tail_tone(&after_wav);
    let (a_level, a_ratio) = tail_tone(&a_wav);
    eprintln!(
        "ci_spare before: rms {before_level}; after: rms {after_level}, 1 kHz {after_ratio}; \
         back at A: rms {a_level}, 1 kHz {a_ratio}; total {:?}",
        t0.elapsed()
    );
    assert!(
        before_level < 0.005,
        "ci_spare got audio before the loss (rms {before_level})"
    );
    assert!(
        after_level > 0.02 && after_ratio > 0.5,
        "the tone did not reach the default device after the loss: rms {after_level}, 1 kHz share {after_ratio}"
    );
    assert!(
        a_level > 0.01 && a_ratio > 0.5,
        "B's fallback microphone did not reach A: rms {a_level}, 1 kHz share {a_ratio}"
    );
    assert_eq!(panics.load(Ordering::SeqCst), 0, "something panicked");
}
