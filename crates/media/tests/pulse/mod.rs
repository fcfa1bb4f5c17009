//! Shared helpers for the tests that run cpal against a private PulseAudio
//! server (null sinks only, in the test's own XDG_RUNTIME_DIR). Each such test
//! lives in its own test binary because it points the process-wide
//! XDG_RUNTIME_DIR at its server.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const PACKAGES: &str = "apt-get install -y --no-install-recommends libasound2-dev pulseaudio pulseaudio-utils libasound2-plugins";

/// Kills (by pid) the processes this test started, even when it panics.
pub struct Reaper(pub Vec<Child>);

impl Drop for Reaper {
    fn drop(&mut self) {
        for c in self.0.iter_mut().rev() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

pub fn require(tool: &str) {
    let ok = Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "`{tool}` is not installed; this test needs a PulseAudio null sink. Install with: {PACKAGES}");
}

/// Run `pactl` against the private server; panics on failure, returns stdout.
pub fn pactl(runtime_dir: &Path, args: &[&str]) -> String {
    let out = Command::new("pactl")
        .args(args)
        .env("XDG_RUNTIME_DIR", runtime_dir)
        .env_remove("PULSE_SERVER")
        .output()
        .unwrap_or_else(|e| panic!("cannot run pactl ({e}); install with: {PACKAGES}"));
    assert!(
        out.status.success(),
        "pactl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Start a private PulseAudio with one null sink per name; the first one is
/// the default sink.
// The child is returned to the caller, whose `Reaper` kills and waits for it.
#[allow(clippy::zombie_processes)]
pub fn start_pulseaudio(runtime_dir: &Path, sinks: &[&str]) -> Child {
    let mut args = vec![
        "--daemonize=no".to_owned(),
        "--exit-idle-time=-1".to_owned(),
        "-n".to_owned(),
        "--load=module-native-protocol-unix".to_owned(),
    ];
    args.extend(
        sinks
            .iter()
            .map(|s| format!("--load=module-null-sink sink_name={s}")),
    );
    // Its own log, so a server that does not come up says why.
    let log_path = runtime_dir.join("pulseaudio.log");
    let log = std::fs::File::create(&log_path).expect("pulseaudio log file");
    let mut child = Command::new("pulseaudio")
        .args(&args)
        .arg("--log-target=stderr")
        .env("XDG_RUNTIME_DIR", runtime_dir)
        // Off the session bus: under `dbus-run-session` (CI's keyring) every server would
        // claim org.PulseAudio1, and a second one at the same time refuses to start.
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start pulseaudio ({e}); install with: {PACKAGES}"));
    // Generous: on a loaded 2-core machine a cold start has taken over 10 s.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let ready = Command::new("pactl")
            .arg("info")
            .env("XDG_RUNTIME_DIR", runtime_dir)
            .env_remove("PULSE_SERVER")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ready {
            if let Some(first) = sinks.first() {
                pactl(runtime_dir, &["set-default-sink", first]);
            }
            return child;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            let log = std::fs::read_to_string(&log_path).unwrap_or_default();
            panic!(
                "pulseaudio did not come up within 30 s (is another instance using \
                 {runtime_dir:?}?); its log:\n{log}"
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Start `parecord` on `source`, writing a WAV to `file`.
pub fn start_recorder(runtime_dir: &Path, source: &str, file: &Path) -> Child {
    Command::new("parecord")
        .arg(format!("--device={source}"))
        .arg("--file-format=wav")
        .arg(file)
        .env("XDG_RUNTIME_DIR", runtime_dir)
        .env_remove("PULSE_SERVER")
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start parecord ({e}); install with: {PACKAGES}"))
}

/// Stop a `parecord` with SIGINT (so it finishes the WAV header) and wait up
/// to 5 s for it to exit.
pub fn stop_recorder(recorder: &mut Child) {
    let _ = Command::new("kill")
        .args(["-INT", &recorder.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(5);
    while recorder.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Make `pcm` an ALSA device (listed to cpal as `description`) that plays
/// and records through the PulseAudio server in `server_runtime_dir`: a
/// second "sound card" that can vanish by stopping that server. Written to
/// `config_home/alsa/asoundrc`, which ALSA reads when `XDG_CONFIG_HOME` is
/// `config_home`.
pub fn alsa_device_on_server(
    config_home: &Path,
    pcm: &str,
    description: &str,
    server_runtime_dir: &Path,
) {
    let dir = config_home.join("alsa");
    std::fs::create_dir_all(&dir).unwrap();
    let socket = server_runtime_dir.join("pulse").join("native");
    std::fs::write(
        dir.join("asoundrc"),
        format!(
            "pcm.{pcm} {{\n    type pulse\n    server \"unix:{}\"\n    hint {{ show on description \"{description}\" }}\n}}\n",
            socket.display()
        ),
    )
    .unwrap();
}

/// The cpal devices session B uses (`None`: the system default).
#[derive(Debug, Clone, Default)]
pub struct CpalDevices {
    pub input: Option<String>,
    pub output: Option<String>,
}

/// A call on loopback: session A plays a 1 kHz tone from a file (and records
/// what it receives to `a_record`, if given), session B plays what it
/// receives on cpal and sends its cpal microphone. Returns (A, B).
pub async fn tone_call_to_cpal(
    dir: &Path,
    b_devices: CpalDevices,
    a_record: Option<std::path::PathBuf>,
) -> (frontdesk_media::MediaSession, frontdesk_media::MediaSession) {
    use frontdesk_media::{AudioConfig, Codec, MediaParams, MediaSession};
    let lo = std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);
    let tone = dir.join("tone.wav");
    frontdesk_media::tone::write_tone_wav(&tone, 1000.0, 1.0, 48_000).unwrap();
    let mut a = MediaSession::bind(lo).await.unwrap();
    let mut b = MediaSession::bind(lo).await.unwrap();
    a.start(
        MediaParams::new(b.local_rtp_addr(), Codec::Pcmu),
        AudioConfig::File {
            play: Some(tone),
            record: a_record,
        },
    )
    .unwrap();
    b.start(
        MediaParams::new(a.local_rtp_addr(), Codec::Pcmu),
        AudioConfig::Cpal {
            input_device: b_devices.input,
            output_device: b_devices.output,
        },
    )
    .unwrap();
    (a, b)
}
