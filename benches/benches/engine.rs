//! Engine benchmark: the already-built `frontdesk` daemon against baresip,
//! both doing the same job on this machine in this run, through one Kamailio
//! on loopback. See `benches/README.md`.
//!
//! Usage: `cargo bench -p frontdesk-benches -- [--seconds N] [--runs N]
//! [--debug] [--frontdesk PATH]`.

use std::fs::OpenOptions;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use frontdesk_benches::{
    baresip_version, built_at, cpu_model, cpu_seconds, frontdesk_binary, load_average, median,
    ratio, rss_kib, version_of,
};
use frontdesk_testbed::tone::analyze;
use frontdesk_testbed::{
    free_port, tone_wav, Baresip, BaresipOptions, CallEvent, Kamailio, KamailioOptions,
};
use serde_json::{json, Value};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// How long any single step on loopback may take.
const WAIT: Duration = Duration::from_secs(15);
/// Idle time after registration before RSS is read.
const IDLE: Duration = Duration::from_secs(5);
/// Tone the caller plays (Hz).
const CALLER_TONE: f64 = 700.0;
/// Tone the callee plays (Hz); the caller's recording must contain it.
const CALLEE_TONE: f64 = 1300.0;
/// Environment variable the daemon reads its password from.
const PW_ENV: &str = "FRONTDESK_BENCH_PASSWORD";

/// Command-line options.
struct Args {
    seconds: u64,
    runs: usize,
    debug: bool,
    frontdesk: Option<PathBuf>,
}

const USAGE: &str = "usage: cargo bench -p frontdesk-benches -- [--seconds N] [--runs N] [--debug] [--frontdesk PATH]
  --seconds N       how long each measured call is held (default 30, at most 500)
  --runs N          start-to-registered runs per program (default 5)
  --debug           use target/debug/frontdesk instead of target/release/frontdesk
  --frontdesk PATH  use this frontdesk binary";

fn parse_args() -> Res<Option<Args>> {
    let mut a = Args {
        seconds: 30,
        runs: 5,
        debug: false,
        frontdesk: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value\n{USAGE}"));
        match arg.as_str() {
            // cargo passes --bench to harness-less bench targets.
            "--bench" => {}
            "--seconds" => a.seconds = value("--seconds")?.parse()?,
            "--runs" => a.runs = value("--runs")?.parse()?,
            "--debug" => a.debug = true,
            "--frontdesk" => a.frontdesk = Some(value("--frontdesk")?.into()),
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(None);
            }
            other => return Err(format!("unknown argument `{other}`\n{USAGE}").into()),
        }
    }
    if !(1..=500).contains(&a.seconds) {
        return Err("--seconds must be between 1 and 500".into());
    }
    if a.runs == 0 {
        return Err("--runs must be at least 1".into());
    }
    Ok(Some(a))
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(Some(a)) => a,
        Ok(None) => return ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    // One thread: the benchmark itself should take as little CPU as possible.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let result = rt.block_on(async {
        // On Ctrl-C the run future is dropped, which stops every process it started.
        tokio::select! {
            r = run(&args) => r,
            _ = tokio::signal::ctrl_c() => Err("interrupted; all processes stopped".into()),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// A `frontdesk daemon` in its own process group with its own config and
/// data dir; stopped (SIGTERM, then SIGKILL) on drop.
struct Daemon {
    child: Option<Child>,
    bin: PathBuf,
    config: PathBuf,
    log: PathBuf,
    dir: tempfile::TempDir,
}

impl Daemon {
    /// Writes a config for `user` registering at `k` and starts the daemon.
    fn spawn(bin: &Path, k: &Kamailio, user: &str, codec: &str, play: &Path) -> Res<Daemon> {
        let dir = tempfile::Builder::new()
            .prefix("frontdesk-bench-")
            .tempdir()?;
        let d = dir.path();
        let toml = format!(
            "[sip]\nlisten = \"127.0.0.1:{port}\"\n\
             [audio]\nbackend = \"file\"\nplay = \"{play}\"\nrecord = \"{rec}\"\n\
             [data]\ndir = \"{data}\"\n\
             [[account]]\nname = \"bench\"\nuser = \"{user}\"\ndomain = \"{domain}\"\n\
             registrar = \"{reg}\"\ntransport = \"udp\"\npassword_env = \"{PW_ENV}\"\n\
             codecs = [\"{codec}\"]\n",
            port = free_port()?,
            play = play.display(),
            rec = d.join("rec-{call}.wav").display(),
            data = d.join("data").display(),
            domain = k.domain(),
            reg = k.addr(),
        );
        let config = d.join("frontdesk.toml");
        std::fs::write(&config, toml)?;
        let log = d.join("daemon.log");
        let out = OpenOptions::new().create(true).append(true).open(&log)?;
        let child = Command::new(bin)
            .arg("daemon")
            .arg("--config")
            .arg(&config)
            .env(PW_ENV, Kamailio::password_for(user))
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .process_group(0)
            .spawn()
            .map_err(|e| format!("start {}: {e}", bin.display()))?;
        Ok(Daemon {
            child: Some(child),
            bin: bin.to_path_buf(),
            config,
            log,
            dir,
        })
    }

    fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    /// An error unless the daemon still runs; includes the end of its log.
    fn check_alive(&mut self) -> Res<()> {
        let status = self.child.as_mut().map(|c| c.try_wait());
        match status {
            Some(Ok(None)) => Ok(()),
            other => Err(format!(
                "frontdesk daemon is not running ({other:?})\n--- {} ---\n{}",
                self.log.display(),
                log_tail(&self.log)
            )
            .into()),
        }
    }

    /// Runs `frontdesk ctl --config .. ARGS --json` and parses its output.
    async fn ctl(&self, args: &[&str]) -> Res<Value> {
        let out = tokio::process::Command::new(&self.bin)
            .arg("ctl")
            .arg("--config")
            .arg(&self.config)
            .args(args)
            .arg("--json")
            .output()
            .await?;
        if !out.status.success() {
            return Err(format!(
                "frontdesk ctl {}: {}{}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim(),
                String::from_utf8_lossy(&out.stdout).trim()
            )
            .into());
        }
        Ok(serde_json::from_slice(&out.stdout)?)
    }

    /// Polls `ctl calls` until call `id` is in `state` (`None`: gone).
    async fn wait_call(&mut self, id: &str, state: Option<&str>) -> Res<Option<Value>> {
        let start = Instant::now();
        loop {
            self.check_alive()?;
            let calls = self.ctl(&["calls"]).await?;
            let call = calls
                .as_array()
                .and_then(|a| a.iter().find(|c| c["id"] == id))
                .cloned();
            let found = call.as_ref().map(|c| c["state"].as_str().unwrap_or(""));
            match (found, state) {
                (Some(s), Some(want)) if s == want => return Ok(call),
                (None, None) | (Some("ended"), None) => return Ok(None),
                (None, Some(want)) => {
                    return Err(format!("call {id} ended before it was {want}").into())
                }
                _ => {}
            }
            if start.elapsed() > WAIT {
                return Err(format!("call {id} not {state:?} after {WAIT:?}: {call:?}").into());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Path of call `id`'s recording.
    fn recording(&self, id: &str) -> PathBuf {
        self.dir.path().join(format!("rec-{id}.wav"))
    }

    /// SIGTERM to the group, SIGKILL after 5 s (the daemon un-registers first).
    fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let pgid = child.id() as libc::pid_t;
        // SAFETY: signals to the process group this program created.
        unsafe { libc::killpg(pgid, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        // SAFETY: as above.
        unsafe { libc::killpg(pgid, libc::SIGKILL) };
        let _ = child.wait();
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.stop();
        // Like the testbed: FRONTDESK_TESTBED_KEEP=1 keeps config, log and recordings.
        if std::env::var_os("FRONTDESK_TESTBED_KEEP").is_some() {
            let dir = std::mem::replace(&mut self.dir, tempfile::TempDir::new().expect("temp dir"));
            eprintln!("kept {}", dir.keep().display());
        }
    }
}

fn log_tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

/// Polls Kamailio every 10 ms until `user` has a contact; returns when it
/// first saw one. `alive` is checked on every round.
async fn wait_contact(
    k: &Kamailio,
    user: &str,
    mut alive: impl FnMut() -> Res<()>,
) -> Res<Instant> {
    let start = Instant::now();
    loop {
        alive()?;
        if !k.contacts(user).await?.is_empty() {
            return Ok(Instant::now());
        }
        if start.elapsed() > WAIT {
            return Err(format!("{user} did not register at Kamailio within {WAIT:?}").into());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// What one measured call produced.
#[derive(Debug, Default, Clone)]
struct CallFigures {
    /// Idle RSS after registration + [`IDLE`], KiB.
    idle_rss_kib: u64,
    /// RSS at the end of the held call, KiB.
    call_rss_kib: u64,
    /// CPU seconds used while the call was held.
    cpu_s: f64,
    /// Wall seconds the call was held (between the two CPU readings).
    wall_s: f64,
    /// Codec the caller reports (frontdesk) or the recording rate implies (baresip).
    codec: String,
    /// Share of the caller's recording at the callee's tone (0..1).
    heard_ratio: f64,
    /// Length of the caller's recording, seconds.
    heard_secs: f64,
}

impl CallFigures {
    fn cpu_per_minute(&self) -> f64 {
        self.cpu_s / self.wall_s * 60.0
    }

    fn audio_ok(&self, held: u64) -> bool {
        self.heard_ratio > 0.3 && self.heard_secs >= held as f64 * 0.9
    }

    fn json(&self) -> Value {
        json!({
            "cpu_s": self.cpu_s,
            "held_s": self.wall_s,
            "cpu_s_per_call_minute": self.cpu_per_minute(),
            "idle_rss_kib": self.idle_rss_kib,
            "call_rss_kib": self.call_rss_kib,
            "codec": self.codec,
            "heard_tone_ratio": self.heard_ratio,
            "heard_secs": self.heard_secs,
        })
    }
}

/// The callee: a registered baresip that auto-answers and plays a tone.
async fn start_callee(k: &Kamailio, user: &str, codec: &str, wav: &Path) -> Res<Baresip> {
    let mut o = BaresipOptions::new(user);
    o.registrar = Some(k.addr());
    o.codecs = vec![codec.into()];
    o.play_wav = Some(wav.into());
    o.auto_answer = true;
    let mut b = Baresip::start(o).await?;
    b.wait_registered(WAIT).await?;
    Ok(b)
}

/// Frontdesk daemon calls `callee` with `codec` and holds for `seconds`.
async fn frontdesk_call(
    bin: &Path,
    k: &Kamailio,
    callee: &mut Baresip,
    user: &str,
    codec: &str,
    wav: &Path,
    seconds: u64,
) -> Res<CallFigures> {
    let mut d = Daemon::spawn(bin, k, user, codec, wav)?;
    wait_contact(k, user, || d.check_alive()).await?;
    tokio::time::sleep(IDLE).await;
    d.check_alive()?;
    let mut f = CallFigures {
        idle_rss_kib: rss_kib(d.pid())?,
        ..Default::default()
    };
    // A number, not a sip: URI: frontdesk sends numbers through the account's
    // registrar, explicit URIs to their host.
    let call = d.ctl(&["dial", &callee.options().user]).await?;
    let id = call["id"]
        .as_str()
        .ok_or("ctl dial gave no call id")?
        .to_owned();
    let active = d.wait_call(&id, Some("active")).await?;
    callee.wait_event(CallEvent::Established, WAIT).await?;
    f.codec = active
        .and_then(|c| c["codec"].as_str().map(str::to_owned))
        .unwrap_or_default();

    let (cpu0, t0) = (cpu_seconds(d.pid())?, Instant::now());
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    let (cpu1, t1) = (cpu_seconds(d.pid())?, Instant::now());
    f.cpu_s = cpu1 - cpu0;
    f.wall_s = (t1 - t0).as_secs_f64();
    f.call_rss_kib = rss_kib(d.pid())?;

    d.wait_call(&id, Some("active"))
        .await
        .map_err(|e| format!("the call did not last: {e}"))?;
    d.ctl(&["hangup", &id]).await?;
    d.wait_call(&id, None).await?;
    callee.wait_event(CallEvent::Closed, WAIT).await?;
    let heard = analyze(d.recording(&id), CALLEE_TONE)?;
    f.heard_ratio = heard.ratio;
    f.heard_secs = heard.secs;
    d.stop();
    Ok(f)
}

/// A baresip caller (aufile source, sndfile recording) does the same.
async fn baresip_call(
    k: &Kamailio,
    callee: &mut Baresip,
    user: &str,
    codec: &str,
    wav: &Path,
    seconds: u64,
) -> Res<CallFigures> {
    let mut o = BaresipOptions::new(user);
    o.registrar = Some(k.addr());
    o.codecs = vec![codec.into()];
    o.play_wav = Some(wav.into());
    o.record = true;
    let mut b = Baresip::start(o).await?;
    wait_contact(k, user, || Ok(())).await?;
    b.wait_registered(WAIT).await?;
    tokio::time::sleep(IDLE).await;
    let pid = b.pid().ok_or("baresip is not running")?;
    let mut f = CallFigures {
        idle_rss_kib: rss_kib(pid)?,
        ..Default::default()
    };
    b.dial(&k.aor(&callee.options().user)).await?;
    b.wait_event(CallEvent::Established, WAIT).await?;
    callee.wait_event(CallEvent::Established, WAIT).await?;

    let (cpu0, t0) = (cpu_seconds(pid)?, Instant::now());
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    let (cpu1, t1) = (cpu_seconds(pid)?, Instant::now());
    f.cpu_s = cpu1 - cpu0;
    f.wall_s = (t1 - t0).as_secs_f64();
    f.call_rss_kib = rss_kib(pid)?;

    b.hangup().await?;
    b.wait_event(CallEvent::Closed, WAIT).await?;
    callee.wait_event(CallEvent::Closed, WAIT).await?;
    let heard = analyze(b.last_recording(WAIT).await?, CALLEE_TONE)?;
    f.heard_ratio = heard.ratio;
    f.heard_secs = heard.secs;
    f.codec = format!("{} ({} Hz recording)", codec.to_lowercase(), heard.rate);
    Ok(f)
}

/// Milliseconds from spawning a frontdesk daemon until Kamailio holds its contact.
async fn frontdesk_register_ms(bin: &Path, k: &Kamailio, user: &str, wav: &Path) -> Res<f64> {
    let t0 = Instant::now();
    let mut d = Daemon::spawn(bin, k, user, "pcmu", wav)?;
    let t1 = wait_contact(k, user, || d.check_alive()).await?;
    d.stop();
    Ok((t1 - t0).as_secs_f64() * 1000.0)
}

/// Milliseconds from spawning baresip until Kamailio holds its contact.
async fn baresip_register_ms(k: &Kamailio, user: &str, wav: &Path) -> Res<f64> {
    let mut o = BaresipOptions::new(user);
    o.registrar = Some(k.addr());
    o.codecs = vec!["PCMU".into()];
    o.play_wav = Some(wav.into());
    o.record = true;
    let t0 = Instant::now();
    // Poll Kamailio while Baresip::start waits for ctrl_tcp, so the start
    // helper's own waiting does not count.
    let (mut b, t1) = tokio::try_join!(
        async { Baresip::start(o).await.map_err(Into::into) },
        wait_contact(k, user, || Ok(())),
    )?;
    b.stop();
    Ok((t1 - t0).as_secs_f64() * 1000.0)
}

fn row(name: &str, fd: f64, bs: f64, decimals: usize) {
    println!(
        "{name:<40} {fd:>11.decimals$} {bs:>11.decimals$} {r:>9.2}",
        r = ratio(fd, bs)
    );
}

async fn run(args: &Args) -> Res<()> {
    let (bin, profile) = frontdesk_binary(args.frontdesk.as_deref(), args.debug)?;
    let fd_version = version_of(&bin);
    let nproc = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = cpu_model();
    let load_start = load_average();
    eprintln!(
        "benchmarking {} ({profile}) against baresip; calls held {} s, {} registration runs each",
        bin.display(),
        args.seconds,
        args.runs
    );

    let k = Kamailio::start(KamailioOptions::default()).await?;
    let wavs = tempfile::Builder::new()
        .prefix("frontdesk-bench-wav-")
        .tempdir()?;
    // Longer than the call: baresip's aufile ends the call at end of file.
    let wav_secs = args.seconds as f64 + 30.0;
    let mut calls: Vec<(&str, CallFigures, CallFigures)> = Vec::new();
    let mut bs_version = String::new();
    // Numeric users: frontdesk dials numbers through the registrar.
    for (n, codec, rate) in [(1, "PCMU", 8000u32), (2, "opus", 48000)] {
        let caller_wav = wavs.path().join(format!("caller-{rate}.wav"));
        let callee_wav = wavs.path().join(format!("callee-{rate}.wav"));
        tone_wav(&caller_wav, CALLER_TONE, wav_secs, rate)?;
        tone_wav(&callee_wav, CALLEE_TONE, wav_secs, rate)?;
        let lc = codec.to_lowercase();
        let mut callee = start_callee(&k, &format!("300{n}"), codec, &callee_wav).await?;
        bs_version = baresip_version(&callee.log());
        eprintln!("{codec}: frontdesk call, {} s ...", args.seconds);
        let fd = frontdesk_call(
            &bin,
            &k,
            &mut callee,
            &format!("310{n}"),
            &lc,
            &caller_wav,
            args.seconds,
        )
        .await
        .map_err(|e| format!("frontdesk {codec} call: {e}"))?;
        eprintln!("{codec}: baresip call, {} s ...", args.seconds);
        let bs = baresip_call(
            &k,
            &mut callee,
            &format!("320{n}"),
            codec,
            &caller_wav,
            args.seconds,
        )
        .await
        .map_err(|e| format!("baresip {codec} call: {e}"))?;
        callee.stop();
        calls.push((codec, fd, bs));
    }

    eprintln!("start to registered: {} runs each ...", args.runs);
    let reg_wav = wavs.path().join("caller-8000.wav");
    let (mut fd_reg, mut bs_reg) = (Vec::new(), Vec::new());
    for i in 0..args.runs {
        // Interleaved, so drifting machine load affects both alike.
        fd_reg.push(frontdesk_register_ms(&bin, &k, &format!("{}", 4000 + i), &reg_wav).await?);
        bs_reg.push(baresip_register_ms(&k, &format!("{}", 5000 + i), &reg_wav).await?);
    }
    let load_end = load_average();
    drop(k);

    // ---- report ----
    let (fd_pcmu, bs_pcmu) = (&calls[0].1, &calls[0].2);
    println!();
    println!("Frontdesk engine benchmark: {fd_version} ({profile} build) vs {bs_version}");
    println!(
        "machine: {nproc} CPUs, {model}; 1-min load average {load_start:.2} at start, {load_end:.2} at end"
    );
    println!(
        "calls through Kamailio on 127.0.0.1 to an auto-answering baresip playing a tone, held {} s",
        args.seconds
    );
    println!();
    println!(
        "{:<40} {:>11} {:>11} {:>9}",
        "metric", "frontdesk", "baresip", "fd/bs"
    );
    println!("{}", "-".repeat(74));
    for (codec, fd, bs) in &calls {
        let name = if *codec == "opus" {
            "Opus"
        } else {
            "G.711 PCMU"
        };
        row(
            &format!("CPU s per call-minute, {name}"),
            fd.cpu_per_minute(),
            bs.cpu_per_minute(),
            3,
        );
    }
    row(
        "idle RSS, registered (MiB)",
        fd_pcmu.idle_rss_kib as f64 / 1024.0,
        bs_pcmu.idle_rss_kib as f64 / 1024.0,
        1,
    );
    row(
        &format!("start to registered, median of {} (ms)", args.runs),
        median(&fd_reg),
        median(&bs_reg),
        1,
    );
    println!("{}", "-".repeat(74));
    for (codec, fd, bs) in &calls {
        row(
            &format!("  RSS at end of {codec} call (MiB)"),
            fd.call_rss_kib as f64 / 1024.0,
            bs.call_rss_kib as f64 / 1024.0,
            1,
        );
    }
    let fmt_runs = |v: &[f64]| {
        v.iter()
            .map(|x| format!("{x:.0}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    println!("  registration runs (ms): frontdesk {}", fmt_runs(&fd_reg));
    println!("                          baresip   {}", fmt_runs(&bs_reg));
    let mut all_ok = true;
    for (codec, fd, bs) in &calls {
        for (who, f) in [("frontdesk", fd), ("baresip", bs)] {
            let ok = f.audio_ok(args.seconds);
            all_ok &= ok;
            println!(
                "  {codec} {who:<9}: codec {}, held {:.2} s, {:.2} CPU s, heard {CALLEE_TONE} Hz in {:.1} s of recording (energy share {:.2}){}",
                f.codec,
                f.wall_s,
                f.cpu_s,
                f.heard_secs,
                f.heard_ratio,
                if ok { "" } else { "  <-- AUDIO CHECK FAILED" }
            );
        }
    }
    println!();

    let pair = |fd: f64, bs: f64| json!({"frontdesk": fd, "baresip": bs, "ratio": ratio(fd, bs)});
    let mut call_json = serde_json::Map::new();
    for (codec, fd, bs) in &calls {
        call_json.insert(
            codec.to_lowercase(),
            json!({
                "cpu_s_per_call_minute": pair(fd.cpu_per_minute(), bs.cpu_per_minute()),
                "frontdesk": fd.json(),
                "baresip": bs.json(),
            }),
        );
    }
    let line = json!({
        "bench": "frontdesk-engine-vs-baresip",
        "unix_time": std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
        "frontdesk": {
            "binary": bin.display().to_string(),
            "version": fd_version,
            "profile": profile,
            "binary_mtime_unix": built_at(&bin),
        },
        "baresip": bs_version,
        "machine": {"nproc": nproc, "cpu_model": model, "loadavg_start": load_start, "loadavg_end": load_end},
        "seconds": args.seconds,
        "calls": Value::Object(call_json),
        "idle_rss_kib": pair(fd_pcmu.idle_rss_kib as f64, bs_pcmu.idle_rss_kib as f64),
        "register_ms": {
            "median": pair(median(&fd_reg), median(&bs_reg)),
            "frontdesk_runs": fd_reg,
            "baresip_runs": bs_reg,
        },
        "audio_ok": all_ok,
    });
    println!("{line}");
    if !all_ok {
        return Err(
            "an audio check failed: the CPU figures of that call are not comparable".into(),
        );
    }
    Ok(())
}
