//! A recording process killed with SIGKILL: the file it leaves behind is
//! recovered with the audio up to about the kill.
//!
//! The child is this test binary itself, running the ignored test
//! `child_records_in_real_time` with the file path in an environment variable.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::RATE;
use frontdesk_recording::{
    read_pcm, recover, Recorder, RecordingError, FRAME_DURATION, PAGE_DURATION,
};

const CHILD_PATH_ENV: &str = "FRONTDESK_RECORDING_TEST_CHILD_PATH";
const PUSH: usize = RATE as usize / 50; // 20 ms, as the engine delivers audio
const TONE_HZ: f64 = 440.0;

/// The child: records a 440 Hz tone in real time, reporting every push on stdout.
#[test]
#[ignore = "run by the SIGKILL tests as their child process"]
fn child_records_in_real_time() {
    let path = std::env::var_os(CHILD_PATH_ENV).expect("run by the SIGKILL tests only");
    let mut rec = Recorder::create(Path::new(&path), RATE).unwrap();
    let tone = common::sine(TONE_HZ, 60.0, -10.0);
    let start = Instant::now();
    for (i, chunk) in tone.chunks(PUSH).enumerate() {
        rec.push(chunk).unwrap();
        println!("pushed {}", (i + 1) * PUSH);
        // Keep to real time, like audio arriving from a call.
        let due = start + FRAME_DURATION * (i as u32 + 1);
        std::thread::sleep(due.saturating_duration_since(Instant::now()));
    }
    panic!("the parent should have killed this child long ago");
}

/// Run the child, SIGKILL it once it has pushed `kill_after` of audio, and
/// return the samples it reported pushed before it died.
fn record_and_kill(path: &Path, kill_after: Duration) -> u64 {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "child_records_in_real_time",
            "--nocapture",
        ])
        .env(CHILD_PATH_ENV, path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pushed = Arc::new(AtomicU64::new(0));
    let stdout = child.stdout.take().unwrap();
    let reader = {
        let pushed = pushed.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(n) = line.strip_prefix("pushed ") {
                    pushed.store(n.trim().parse().unwrap(), Ordering::SeqCst);
                }
            }
        })
    };
    let target = (kill_after.as_secs_f64() * RATE as f64) as u64;
    let deadline = Instant::now() + kill_after + Duration::from_secs(20);
    while pushed.load(Ordering::SeqCst) < target {
        assert!(
            Instant::now() < deadline,
            "the child recorder did not make progress"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap(); // SIGKILL on Unix: no destructors, no finish()
    child.wait().unwrap();
    reader.join().unwrap(); // every line the child printed before it died
    pushed.load(Ordering::SeqCst)
}

#[test]
fn a_recorder_killed_mid_recording_leaves_a_file_recovered_up_to_the_kill() {
    let dir = tempfile::tempdir().unwrap();
    for kill_after in [Duration::from_millis(3130), Duration::from_millis(1770)] {
        let path = dir
            .path()
            .join(format!("killed-{}.opus", kill_after.as_millis()));
        let reported = record_and_kill(&path, kill_after);
        let reported_secs = reported as f64 / RATE as f64;

        let r = recover(&path).unwrap();
        assert!(!r.was_finished);
        let got = r.duration.as_secs_f64();
        println!(
            "killed after {reported_secs:.3} s pushed: recovered {got:.3} s, cut {} bytes",
            r.truncated_bytes
        );
        // The kill may land after a push but before its report: one push more.
        let most = reported_secs + FRAME_DURATION.as_secs_f64() + 1e-6;
        // What a kill can lose: the page being filled plus a partial frame.
        let least = reported_secs - (PAGE_DURATION + FRAME_DURATION).as_secs_f64();
        assert!(
            got <= most && got >= least,
            "recovered {got:.3} s, child had pushed {reported_secs:.3} s \
             (expected between {least:.3} and {most:.3})"
        );

        let (pcm, _) = read_pcm(&path).unwrap();
        assert!((pcm.len() as f64 / RATE as f64 - got).abs() < 1e-6);
        let wav = path.with_extension("wav");
        frontdesk_recording::export_wav(&path, &wav).unwrap();
        let report = frontdesk_testbed::assert_contains_tone(&wav, TONE_HZ);
        assert!(report.ratio > 0.95, "{report:?}");

        // Recovery is final: a second run changes nothing.
        let again = recover(&path).unwrap();
        assert!(again.was_finished && again.truncated_bytes == 0);
        assert_eq!(again.duration, r.duration);
    }
}

#[test]
fn a_recorder_killed_in_its_first_half_second_leaves_no_audio() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("early.opus");
    let reported = record_and_kill(&path, Duration::from_millis(200));
    if reported + PUSH as u64 >= (PAGE_DURATION.as_secs_f64() * RATE as f64) as u64 {
        // The machine stalled us past the first page: then it must be recoverable.
        let r = recover(&path).unwrap();
        let most = reported as f64 / RATE as f64 + FRAME_DURATION.as_secs_f64() + 1e-6;
        assert!(r.duration.as_secs_f64() <= most, "{r:?}");
        return;
    }
    let e = recover(&path).unwrap_err();
    assert!(matches!(e, RecordingError::NoAudio { .. }), "{e}");
    assert!(e.to_string().contains("call attempt"), "{e}");
}
