//! The real cpal path: session A (file backend) sends a 1 kHz tone to
//! session B, which plays it on the default cpal output device. The device is
//! a PulseAudio null sink started by this test; its monitor is captured with
//! `parecord` and must contain 1 kHz.
//!
//! Needs: apt-get install -y --no-install-recommends libasound2-dev pulseaudio pulseaudio-utils libasound2-plugins

use frontdesk_media::tone::{read_wav_mono, rms, tone_ratio};
use frontdesk_media::MediaEvent;
use std::time::Duration;

mod pulse;
use pulse::{
    require, start_pulseaudio, start_recorder, stop_recorder, tone_call_to_cpal, CpalDevices,
    Reaper,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cpal_output_plays_the_remote_tone() {
    require("pulseaudio");
    require("parecord");
    let dir = tempfile::tempdir().unwrap();
    let runtime_dir = dir.path().join("xdg");
    std::fs::create_dir(&runtime_dir).unwrap();
    // This test binary only contains this test, so changing the environment is safe;
    // cpal's ALSA host reaches PulseAudio through Debian's 99-pulse.conf.
    std::env::set_var("XDG_RUNTIME_DIR", &runtime_dir);
    let mut reaper = Reaper(vec![start_pulseaudio(&runtime_dir, &["ci_null"])]);

    let captured = dir.path().join("captured.wav");
    reaper
        .0
        .push(start_recorder(&runtime_dir, "ci_null.monitor", &captured));

    // A missing named device must fall back to the default (the null sink).
    let devices = CpalDevices {
        input: None,
        output: Some("no such speaker".into()),
    };
    let (a, b) = tone_call_to_cpal(dir.path(), devices, None).await;
    let mut b_events = b.events();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let stats = b.stats();
    a.stop().await;
    b.stop().await;
    let mut fell_back = false;
    while let Ok(ev) = b_events.try_recv() {
        assert!(
            !matches!(ev, MediaEvent::AudioDeviceError(_)),
            "device error: {ev:?}"
        );
        fell_back |= matches!(
            ev,
            MediaEvent::AudioDeviceFallback {
                direction: "output",
                ..
            }
        );
    }
    assert!(
        fell_back,
        "no AudioDeviceFallback event for the missing output device"
    );
    assert!(stats.packets_received > 100, "{stats:?}");

    stop_recorder(&mut reaper.0[1]);
    drop(reaper);

    let (samples, rate) = read_wav_mono(&captured).expect("parecord output readable");
    assert!(
        samples.len() > rate as usize / 2,
        "captured only {} samples",
        samples.len()
    );
    let level = rms(&samples);
    let ratio = tone_ratio(&samples, rate, 1000.0);
    eprintln!(
        "captured {} samples at {rate} Hz: rms {level}, 1 kHz ratio {ratio}",
        samples.len()
    );
    assert!(
        level > 0.02,
        "null sink monitor is near-silent (rms {level})"
    );
    assert!(
        ratio > 0.5,
        "1 kHz holds only {ratio} of the captured energy"
    );
}
