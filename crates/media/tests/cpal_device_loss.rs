//! A sound device that disappears mid-call: session B plays session A's
//! 1 kHz tone through cpal on the default output, a PulseAudio null sink
//! (`ci_null`) of a private server that also has a second sink (`ci_spare`).
//! Mid-call `ci_null` is unloaded. The session must keep running, report the
//! loss (`AudioDeviceFallback` / `AudioDeviceError`) and carry on playing on
//! the remaining sink, whose monitor is captured with `parecord`.
//!
//! Needs: apt-get install -y --no-install-recommends libasound2-dev pulseaudio pulseaudio-utils libasound2-plugins

use frontdesk_media::tone::{read_wav_mono, rms, tone_ratio};
use frontdesk_media::MediaEvent;
use std::path::Path;
use std::time::{Duration, Instant};

mod pulse;
use pulse::{
    pactl, require, start_pulseaudio, start_recorder, stop_recorder, tone_call_to_cpal, Reaper,
};

/// `pactl list short <what>` as rows of tab-separated columns.
fn rows(runtime_dir: &Path, what: &str) -> Vec<Vec<String>> {
    pactl(runtime_dir, &["list", "short", what])
        .lines()
        .map(|l| l.split('\t').map(str::to_owned).collect())
        .collect()
}

/// Index of the sink called `name`.
fn sink_index(runtime_dir: &Path, name: &str) -> String {
    rows(runtime_dir, "sinks")
        .into_iter()
        .find(|r| r.get(1).map(String::as_str) == Some(name))
        .unwrap_or_else(|| panic!("no sink {name}"))[0]
        .clone()
}

/// Sinks (by index) that currently have a playback stream.
fn sinks_playing(runtime_dir: &Path) -> Vec<String> {
    rows(runtime_dir, "sink-inputs")
        .into_iter()
        .filter_map(|r| r.get(1).cloned())
        .collect()
}

async fn wait_for(what: &str, timeout: Duration, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "WIP: recovery after unloading the sink is not yet reliable (see commit message)"]
async fn output_device_removed_mid_call_falls_back_to_remaining_sink() {
    require("pulseaudio");
    require("parecord");
    let t0 = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let runtime_dir = dir.path().join("xdg");
    std::fs::create_dir(&runtime_dir).unwrap();
    // This test binary only contains this test, so changing the environment is safe;
    // cpal's ALSA host reaches PulseAudio through Debian's 99-pulse.conf.
    std::env::set_var("XDG_RUNTIME_DIR", &runtime_dir);
    std::env::remove_var("PULSE_SERVER");
    let mut reaper = Reaper(vec![start_pulseaudio(
        &runtime_dir,
        &["ci_null", "ci_spare"],
    )]);
    let null_idx = sink_index(&runtime_dir, "ci_null");
    let spare_idx = sink_index(&runtime_dir, "ci_spare");
    let null_module = rows(&runtime_dir, "modules")
        .into_iter()
        .find(|r| {
            r.get(1).map(String::as_str) == Some("module-null-sink")
                && r.get(2).is_some_and(|a| a.contains("sink_name=ci_null"))
        })
        .expect("module of ci_null")[0]
        .clone();

    let captured = dir.path().join("spare.wav");
    reaper
        .0
        .push(start_recorder(&runtime_dir, "ci_spare.monitor", &captured));

    let (a, b) = tone_call_to_cpal(dir.path(), None).await;
    let mut b_events = b.events();

    // B plays on ci_null (the default sink) and receives A's packets.
    wait_for("B's stream on ci_null", Duration::from_secs(5), || {
        sinks_playing(&runtime_dir).contains(&null_idx)
    })
    .await;
    wait_for("RTP at B", Duration::from_secs(5), || {
        b.stats().packets_received > 25
    })
    .await;
    // Longer than the backend's stall watchdog: a healthy stream must not trip it.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    while let Ok(ev) = b_events.try_recv() {
        assert!(
            // TODO: ALSA's pulse plugin sometimes fails a fresh stream with
            // EIO (then a fallback is reported); only errors are rejected here.
            !matches!(ev, MediaEvent::AudioDeviceError(_)),
            "device event before the sink was removed: {ev:?}"
        );
    }

    // The speaker disappears.
    let removed_at = Instant::now();
    pactl(&runtime_dir, &["unload-module", &null_module]);
    eprintln!(
        "unloaded ci_null (module {null_module}) at {:?}",
        t0.elapsed()
    );

    let mut reported = None;
    wait_for(
        "a device event after the removal",
        Duration::from_secs(8),
        || {
            while let Ok(ev) = b_events.try_recv() {
                eprintln!("{:?} after removal: {ev:?}", removed_at.elapsed());
                if matches!(
                    ev,
                    MediaEvent::AudioDeviceError(_)
                        | MediaEvent::AudioDeviceFallback {
                            direction: "output",
                            ..
                        }
                ) && reported.is_none()
                {
                    reported = Some(ev);
                }
            }
            reported.is_some()
        },
    )
    .await;
    let recovered_after = removed_at.elapsed();

    // The call goes on, now on ci_spare.
    wait_for("B's stream on ci_spare", Duration::from_secs(5), || {
        sinks_playing(&runtime_dir).contains(&spare_idx)
    })
    .await;
    let before = b.stats().packets_received;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = b.stats().packets_received;
    while let Ok(ev) = b_events.try_recv() {
        assert!(
            !matches!(
                ev,
                MediaEvent::AudioDeviceError(_)
                    | MediaEvent::AudioDeviceFallback {
                        direction: "output",
                        ..
                    }
            ),
            "the fallback stream failed too: {ev:?}"
        );
    }
    assert!(
        after >= before + 50,
        "B stopped receiving after the device loss: {before} -> {after}"
    );
    stop_recorder(&mut reaper.0[1]);
    a.stop().await;
    b.stop().await;
    drop(reaper);

    let (samples, rate) = read_wav_mono(&captured).expect("parecord output readable");
    // The last 1.5 s of the capture (minus the final 100 ms, which may be cut
    // short by SIGINT) all fall into the time B played on ci_spare.
    let end = samples.len().saturating_sub(rate as usize / 10);
    let start = end.saturating_sub(rate as usize * 3 / 2);
    assert!(
        end - start >= rate as usize,
        "captured only {} samples",
        samples.len()
    );
    let tail = &samples[start..end];
    let level = rms(tail);
    let ratio = tone_ratio(tail, rate, 1000.0);
    eprintln!(
        "event {reported:?} {recovered_after:?} after the removal; ci_spare: rms {level}, 1 kHz ratio {ratio}; total {:?}",
        t0.elapsed()
    );
    assert!(
        level > 0.02,
        "ci_spare monitor is near-silent (rms {level})"
    );
    assert!(
        ratio > 0.5,
        "1 kHz holds only {ratio} of the captured energy"
    );
}
