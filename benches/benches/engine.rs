//! Engine benchmark: the already-built `frontdesk` daemon against baresip,
//! both doing the same job on this machine in this run, through one Kamailio
//! on loopback. See `benches/README.md`.
//!
//! Usage: `cargo bench -p frontdesk-benches -- [--seconds N] [--runs N]
//! [--debug] [--frontdesk PATH]`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use frontdesk_benches::cli::CommandLine;
use frontdesk_benches::scene::{
    phone_options, program, registered_phone, unix_time, DaemonConfig, DaemonProcess, Machine, Res,
    Subject, WAIT,
};
use frontdesk_benches::{baresip_version, cpu_seconds, load_average, median, ratio, rss_kib};
use frontdesk_testbed::tone::analyze;
use frontdesk_testbed::{tone_wav, Baresip, BaresipOptions, CallEvent, Kamailio, KamailioOptions};
use serde_json::{json, Value};

/// Idle time after registration before RSS is read.
const IDLE: Duration = Duration::from_secs(5);
/// Tone the caller plays (Hz).
const CALLER_TONE: f64 = 700.0;
/// Tone the callee plays (Hz); the caller's recording must contain it.
const CALLEE_TONE: f64 = 1300.0;

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
    let mut cl = CommandLine::new(USAGE);
    while let Some(arg) = cl.next_option() {
        match arg.as_str() {
            "--seconds" => a.seconds = cl.value("--seconds")?,
            "--runs" => a.runs = cl.value("--runs")?,
            "--debug" => a.debug = true,
            "--frontdesk" => a.frontdesk = Some(cl.value("--frontdesk")?),
            "-h" | "--help" => return Ok(cl.help()),
            other => return Err(cl.unknown(other).into()),
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
    program(parse_args(), run)
}

/// A `frontdesk daemon` that registers one extension and plays a WAV into its calls,
/// recording what it hears into its dir.
struct Daemon(DaemonProcess);

impl Daemon {
    /// Writes a config for `user` registering at `k` and starts the daemon.
    fn spawn(bin: &Path, k: &Kamailio, user: &str, codec: &str, play: &Path) -> Res<Daemon> {
        let dir = tempfile::Builder::new()
            .prefix("frontdesk-bench-")
            .tempdir()?;
        let d = dir.path();
        let config = DaemonConfig {
            account: "bench",
            user,
            codec,
            audio: format!(
                "play = \"{}\"\nrecord = \"{}\"\n",
                play.display(),
                d.join("rec-{call}.wav").display()
            ),
            data: &d.join("data"),
            sections: String::new(),
        };
        Ok(Daemon(DaemonProcess::spawn(bin, k, dir, &config, None)?))
    }

    /// An error unless the daemon still runs; includes the end of its log.
    fn check_alive(&mut self) -> Res<()> {
        match self.0.exited() {
            None => Ok(()),
            Some(how) => Err(format!(
                "frontdesk daemon is not running ({how})\n--- {} ---\n{}",
                self.0.log().display(),
                self.0.log_tail(30)
            )
            .into()),
        }
    }

    /// Polls `ctl calls` until call `id` is in `state` (`None`: gone).
    async fn wait_call(&mut self, id: &str, state: Option<&str>) -> Res<Option<Value>> {
        let start = Instant::now();
        loop {
            self.check_alive()?;
            let calls = self.0.ctl(&["calls"]).await?;
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
        self.0.dir().join(format!("rec-{id}.wav"))
    }
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

    /// Holds the established call for `seconds` s: the caller's (`pid`) CPU time is read at
    /// the start and end, its RSS at the end. Nothing talks to the caller meanwhile.
    async fn hold(&mut self, pid: u32, seconds: u64) -> Res<()> {
        let (cpu0, t0) = (cpu_seconds(pid)?, Instant::now());
        tokio::time::sleep(Duration::from_secs(seconds)).await;
        let (cpu1, t1) = (cpu_seconds(pid)?, Instant::now());
        self.cpu_s = cpu1 - cpu0;
        self.wall_s = (t1 - t0).as_secs_f64();
        self.call_rss_kib = rss_kib(pid)?;
        Ok(())
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
    let mut o = phone_options(k, user, codec, wav);
    o.auto_answer = true;
    registered_phone(o).await
}

/// A baresip caller: plays `wav` (`aufile`) and records what it hears (`sndfile`).
fn caller_options(k: &Kamailio, user: &str, codec: &str, wav: &Path) -> BaresipOptions {
    let mut o = phone_options(k, user, codec, wav);
    o.record = true;
    o
}

/// One measured call, the same for either caller: who calls through which Kamailio, offering
/// which codec (as baresip spells it: `PCMU`, `opus`), playing what, held how long.
struct Call<'a> {
    k: &'a Kamailio,
    user: String,
    codec: &'a str,
    wav: &'a Path,
    seconds: u64,
}

/// Frontdesk daemon calls `callee` and holds the call.
async fn frontdesk_call(bin: &Path, callee: &mut Baresip, call: Call<'_>) -> Res<CallFigures> {
    let mut d = Daemon::spawn(
        bin,
        call.k,
        &call.user,
        &call.codec.to_lowercase(),
        call.wav,
    )?;
    wait_contact(call.k, &call.user, || d.check_alive()).await?;
    tokio::time::sleep(IDLE).await;
    d.check_alive()?;
    let pid = d.0.pid();
    let mut f = CallFigures {
        idle_rss_kib: rss_kib(pid)?,
        ..Default::default()
    };
    // A number, not a sip: URI: frontdesk sends numbers through the account's
    // registrar, explicit URIs to their host.
    let dialled = d.0.ctl(&["dial", &callee.options().user]).await?;
    let id = dialled["id"]
        .as_str()
        .ok_or("ctl dial gave no call id")?
        .to_owned();
    let active = d.wait_call(&id, Some("active")).await?;
    callee.wait_event(CallEvent::Established, WAIT).await?;
    f.codec = active
        .and_then(|c| c["codec"].as_str().map(str::to_owned))
        .unwrap_or_default();
    f.hold(pid, call.seconds).await?;
    d.wait_call(&id, Some("active"))
        .await
        .map_err(|e| format!("the call did not last: {e}"))?;
    d.0.ctl(&["hangup", &id]).await?;
    d.wait_call(&id, None).await?;
    callee.wait_event(CallEvent::Closed, WAIT).await?;
    let heard = analyze(d.recording(&id), CALLEE_TONE)?;
    f.heard_ratio = heard.ratio;
    f.heard_secs = heard.secs;
    d.0.stop();
    Ok(f)
}

/// A baresip caller (aufile source, sndfile recording) does the same.
async fn baresip_call(callee: &mut Baresip, call: Call<'_>) -> Res<CallFigures> {
    let mut b = Baresip::start(caller_options(call.k, &call.user, call.codec, call.wav)).await?;
    wait_contact(call.k, &call.user, || Ok(())).await?;
    b.wait_registered(WAIT).await?;
    tokio::time::sleep(IDLE).await;
    let pid = b.pid().ok_or("baresip is not running")?;
    let mut f = CallFigures {
        idle_rss_kib: rss_kib(pid)?,
        ..Default::default()
    };
    b.dial(&call.k.aor(&callee.options().user)).await?;
    b.wait_event(CallEvent::Established, WAIT).await?;
    callee.wait_event(CallEvent::Established, WAIT).await?;
    f.hold(pid, call.seconds).await?;
    b.hangup().await?;
    b.wait_event(CallEvent::Closed, WAIT).await?;
    callee.wait_event(CallEvent::Closed, WAIT).await?;
    let heard = analyze(b.last_recording(WAIT).await?, CALLEE_TONE)?;
    f.heard_ratio = heard.ratio;
    f.heard_secs = heard.secs;
    f.codec = format!(
        "{} ({} Hz recording)",
        call.codec.to_lowercase(),
        heard.rate
    );
    Ok(f)
}

/// Milliseconds from spawning a frontdesk daemon until Kamailio holds its contact.
async fn frontdesk_register_ms(bin: &Path, k: &Kamailio, user: &str, wav: &Path) -> Res<f64> {
    let t0 = Instant::now();
    let mut d = Daemon::spawn(bin, k, user, "pcmu", wav)?;
    let t1 = wait_contact(k, user, || d.check_alive()).await?;
    d.0.stop();
    Ok((t1 - t0).as_secs_f64() * 1000.0)
}

/// Milliseconds from spawning baresip until Kamailio holds its contact.
async fn baresip_register_ms(k: &Kamailio, user: &str, wav: &Path) -> Res<f64> {
    let o = caller_options(k, user, "PCMU", wav);
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
    let subject = Subject::find(args.frontdesk.as_deref(), args.debug)?;
    let (bin, profile) = (subject.bin.as_path(), &subject.profile);
    let machine = Machine::now();
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
        let mut callee = start_callee(&k, &format!("300{n}"), codec, &callee_wav).await?;
        bs_version = baresip_version(&callee.log());
        eprintln!("{codec}: frontdesk call, {} s ...", args.seconds);
        let call = |user: String| Call {
            k: &k,
            user,
            codec,
            wav: &caller_wav,
            seconds: args.seconds,
        };
        let fd = frontdesk_call(bin, &mut callee, call(format!("310{n}")))
            .await
            .map_err(|e| format!("frontdesk {codec} call: {e}"))?;
        eprintln!("{codec}: baresip call, {} s ...", args.seconds);
        let bs = baresip_call(&mut callee, call(format!("320{n}")))
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
        fd_reg.push(frontdesk_register_ms(bin, &k, &format!("{}", 4000 + i), &reg_wav).await?);
        bs_reg.push(baresip_register_ms(&k, &format!("{}", 5000 + i), &reg_wav).await?);
    }
    let load_end = load_average();
    drop(k);

    // ---- report ----
    let (fd_pcmu, bs_pcmu) = (&calls[0].1, &calls[0].2);
    println!();
    println!(
        "Frontdesk engine benchmark: {} ({profile} build) vs {bs_version}",
        subject.version
    );
    println!("{}", machine.line(load_end));
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
        "unix_time": unix_time(),
        "frontdesk": subject.json(),
        "baresip": bs_version,
        "machine": machine.json(load_end),
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
