//! Transfer benchmark (issue 3): time from the `#` that ends a keypad transfer code to the
//! colleague's phone ringing, for Frontdesk's announced (`*203#`) and blind (`##203#`)
//! transfers, against a baresip receptionist doing the same with its own commands in the
//! same run, through one Kamailio on loopback. See `benches/README.md`.
//!
//! Usage: `cargo bench -p frontdesk-benches --bench transfer -- [--runs N] [--debug]
//! [--frontdesk PATH]`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use frontdesk_api::{CallInfo, CallState};
use frontdesk_benches::cli::CommandLine;
use frontdesk_benches::scene::{
    phone_options, program, registered_phone, unix_time, DaemonConfig, DaemonProcess, Machine, Res,
    Subject, WAIT,
};
use frontdesk_benches::{baresip_version, load_average, median, percentile, ratio};
use frontdesk_testbed::{tone_wav, Baresip, CallEvent, Kamailio, KamailioOptions};
use serde_json::{json, Value};

/// Quiet time after a call is answered (or cleaned up) before the next step, so that
/// late packets of the previous step (RTCP, re-INVITE answers) are not measured.
const SETTLE: Duration = Duration::from_millis(300);
/// Extensions: the caller, the colleague, and the two receptionists.
const CALLER: &str = "201";
const COLLEAGUE: &str = "203";
const FRONTDESK_DESK: &str = "101";
const BARESIP_DESK: &str = "102";
/// baresip events the benchmark waits for; drained between iterations.
const WAITED_EVENTS: [&str; 6] = [
    "CALL_INCOMING",
    "CALL_ESTABLISHED",
    "CALL_CLOSED",
    "CALL_REMOTE_SDP",
    "TRANSFER",
    "TRANSFER_FAILED",
];

/// Command-line options.
struct Args {
    runs: usize,
    debug: bool,
    frontdesk: Option<PathBuf>,
}

const USAGE: &str = "usage: cargo bench -p frontdesk-benches --bench transfer -- [--runs N] [--debug] [--frontdesk PATH]
  --runs N          transfers of each kind per receptionist (default 10)
  --debug           use target/debug/frontdesk instead of target/release/frontdesk
  --frontdesk PATH  use this frontdesk binary";

fn parse_args() -> Res<Option<Args>> {
    let mut a = Args {
        runs: 10,
        debug: false,
        frontdesk: None,
    };
    let mut cl = CommandLine::new(USAGE);
    while let Some(arg) = cl.next_option() {
        match arg.as_str() {
            "--runs" => a.runs = cl.value("--runs")?,
            "--debug" => a.debug = true,
            "--frontdesk" => a.frontdesk = Some(cl.value("--frontdesk")?),
            "-h" | "--help" => return Ok(cl.help()),
            other => return Err(cl.unknown(other).into()),
        }
    }
    if !(1..=1000).contains(&a.runs) {
        return Err("--runs must be between 1 and 1000".into());
    }
    Ok(Some(a))
}

fn main() -> ExitCode {
    program(parse_args(), run)
}

/// Writes a config for the receptionist `user` registering at `k` (PCMU, playing `play`),
/// starts the `frontdesk daemon` and waits until its control API answers and the account is
/// registered.
async fn start_desk(bin: &Path, k: &Kamailio, user: &str, play: &Path) -> Res<DaemonProcess> {
    let dir = tempfile::Builder::new()
        .prefix("frontdesk-bench-transfer-")
        .tempdir()?;
    let config = DaemonConfig {
        account: "desk",
        user,
        codec: "pcmu",
        audio: format!("play = \"{}\"\n", play.display()),
        data: &dir.path().join("data"),
        sections: String::new(),
    };
    let mut daemon = DaemonProcess::spawn(bin, k, dir, &config, Some("info"))?;
    daemon.connect().await?;
    Ok(daemon)
}

/// Polls the daemon's live calls until one satisfies `want`.
async fn wait_call(
    daemon: &mut DaemonProcess,
    what: &str,
    want: impl Fn(&CallInfo) -> bool,
) -> Res<CallInfo> {
    let start = Instant::now();
    loop {
        daemon.check_alive()?;
        let calls = daemon.api().calls().await?;
        if let Some(c) = calls.iter().find(|c| want(c)) {
            return Ok(c.clone());
        }
        if start.elapsed() > WAIT {
            return Err(daemon.failure(&format!("no call {what} after {WAIT:?}: {calls:?}")));
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Hangs up whatever the daemon has left and waits until no call is live.
async fn end_calls(daemon: &mut DaemonProcess) -> Res<()> {
    let start = Instant::now();
    loop {
        daemon.check_alive()?;
        let calls = daemon.api().calls().await?;
        if calls.is_empty() {
            return Ok(());
        }
        if start.elapsed() > WAIT {
            return Err(daemon.failure(&format!("calls left after {WAIT:?}: {calls:?}")));
        }
        for c in calls.iter().filter(|c| c.state != CallState::Ended) {
            // It may end by itself meanwhile; the next round checks.
            let _ = daemon.api().hangup(Some(&c.id)).await;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A registered baresip in manual answer mode (so an incoming call rings) playing `wav`.
async fn phone(k: &Kamailio, user: &str, wav: &Path) -> Res<Baresip> {
    registered_phone(phone_options(k, user, "PCMU", wav)).await
}

/// Reads every event baresip sends for `quiet`, then drops the queued events of the kinds
/// the benchmark waits for, so the next wait sees only what happens after this.
async fn drain(b: &mut Baresip, quiet: Duration) {
    let _ = b.wait_event("BENCH_NO_SUCH_EVENT", quiet).await;
    for kind in WAITED_EVENTS {
        while b.wait_event(kind, Duration::ZERO).await.is_ok() {}
    }
}

/// Hangs up baresip's calls until `listcalls` shows none.
async fn end_baresip_calls(b: &mut Baresip) -> Res<()> {
    let start = Instant::now();
    loop {
        let list = b.command("listcalls", "").await?;
        let user = &b.options().user;
        match active_calls(&list) {
            Some(0) => return Ok(()),
            Some(_) if start.elapsed() <= WAIT => {}
            Some(_) => {
                return Err(format!("baresip {user}: calls left after {WAIT:?}: {list}").into())
            }
            None => {
                return Err(format!("baresip {user}: unexpected listcalls output {list:?}").into())
            }
        }
        // Fails when the call ended meanwhile; the next round checks.
        let _ = b.command("hangup", "").await;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The number of calls in the output of baresip 1.0's `listcalls`, from its heading
/// `--- Active calls (N) ---`.
fn active_calls(listcalls: &str) -> Option<usize> {
    const HEADING: &str = "Active calls (";
    let rest = &listcalls[listcalls.find(HEADING)? + HEADING.len()..];
    rest[..rest.find(')')?].parse().ok()
}

/// Which transfer is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// The caller waits on hold while the receptionist calls the colleague.
    Announced,
    /// The caller is sent to the colleague with a REFER.
    Blind,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Announced => "announced",
            Kind::Blind => "blind",
        }
    }

    /// Frontdesk's keypad code for a transfer to the colleague.
    fn code(self) -> String {
        match self {
            Kind::Announced => format!("*{COLLEAGUE}#"),
            Kind::Blind => format!("##{COLLEAGUE}#"),
        }
    }

    /// The caller's baresip event that marks the first SIP step of the transfer: the hold
    /// re-INVITE's offer (announced) or the REFER (blind).
    fn caller_step(self) -> &'static str {
        match self {
            Kind::Announced => "CALL_REMOTE_SDP",
            Kind::Blind => "TRANSFER",
        }
    }

    fn step_name(self) -> &'static str {
        match self {
            Kind::Announced => "caller got the hold re-INVITE",
            Kind::Blind => "caller got the REFER",
        }
    }
}

/// How the receptionist is told to transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Via {
    /// `frontdesk ctl keys CODE CALL` (a new process per command).
    Ctl,
    /// `POST /api/v1/calls/{id}/keys` with the client `ctl` uses, from this process.
    Api,
    /// A baresip receptionist's own commands over `ctrl_tcp`.
    Baresip,
}

impl Via {
    fn name(self) -> &'static str {
        match self {
            Via::Ctl => "ctl",
            Via::Api => "api",
            Via::Baresip => "baresip",
        }
    }
}

/// Milliseconds from sending the command, for one transfer.
#[derive(Debug, Clone, Copy)]
struct Sample {
    /// Until the colleague's baresip reported `CALL_INCOMING` (it rings).
    ring_ms: f64,
    /// Until the command returned: `ctl` exited, the API answered, baresip answered its
    /// first command (`hold` or `transfer`).
    returned_ms: f64,
    /// Until the caller's baresip saw the first SIP step ([`Kind::caller_step`]).
    caller_step_ms: f64,
}

fn ms(from: Instant, to: Instant) -> f64 {
    to.saturating_duration_since(from).as_secs_f64() * 1000.0
}

/// Everything that takes part, started once for the whole run.
struct Bench {
    k: Kamailio,
    daemon: DaemonProcess,
    desk: Baresip,
    caller: Baresip,
    colleague: Baresip,
}

impl Bench {
    /// The caller calls the Frontdesk receptionist, which answers; returns our call's id.
    async fn frontdesk_answers(&mut self) -> Res<String> {
        self.caller.dial(&self.k.aor(FRONTDESK_DESK)).await?;
        let ringing = wait_call(&mut self.daemon, "ringing in", |c| {
            c.state == CallState::Incoming
        })
        .await?;
        self.daemon.api().answer(Some(&ringing.id)).await?;
        self.caller.wait_event(CallEvent::Established, WAIT).await?;
        let id = ringing.id;
        wait_call(&mut self.daemon, "answered", |c| {
            c.id == id && c.state == CallState::Active
        })
        .await?;
        Ok(id)
    }

    /// The caller calls the baresip receptionist, which answers.
    async fn baresip_answers(&mut self) -> Res<()> {
        self.caller.dial(&self.k.aor(BARESIP_DESK)).await?;
        self.desk.wait_event(CallEvent::Incoming, WAIT).await?;
        self.desk.answer().await?;
        self.desk.wait_event(CallEvent::Established, WAIT).await?;
        self.caller.wait_event(CallEvent::Established, WAIT).await?;
        Ok(())
    }

    /// Lets late packets pass and forgets the events so far.
    async fn settle(&mut self) {
        tokio::time::sleep(SETTLE).await;
        drain(&mut self.caller, Duration::from_millis(20)).await;
        drain(&mut self.colleague, Duration::from_millis(20)).await;
        drain(&mut self.desk, Duration::from_millis(20)).await;
    }

    /// One transfer of `kind` by the Frontdesk receptionist through `via` (ctl or API).
    async fn frontdesk_transfer(&mut self, kind: Kind, via: Via) -> Res<Sample> {
        let id = self.frontdesk_answers().await?;
        self.settle().await;
        let code = kind.code();
        let daemon = &self.daemon;
        let t0 = Instant::now();
        let send = async {
            match via {
                Via::Ctl => daemon.ctl(&["keys", &code, &id]).await.map(drop)?,
                _ => daemon.api().keys(&code, Some(&id)).await?,
            }
            Res::Ok(Instant::now())
        };
        let ring = ring(&mut self.colleague);
        let step = step(&mut self.caller, kind);
        let (returned, rang, stepped) = tokio::try_join!(send, ring, step)
            .map_err(|e| {
                format!(
                    "{} transfer by frontdesk ({}): {e}",
                    kind.name(),
                    via.name()
                )
            })
            .map_err(|e| self.daemon.failure(&e))?;
        let sample = Sample {
            ring_ms: ms(t0, rang),
            returned_ms: ms(t0, returned),
            caller_step_ms: ms(t0, stepped),
        };
        self.finish_frontdesk(kind, &id).await?;
        Ok(sample)
    }

    /// Ends a Frontdesk transfer the way a real one ends, checking that it works beyond
    /// the ringing: an announced transfer the colleague declines gives the caller back (off
    /// hold); a blind one the colleague answers ends our call as `transferred`.
    async fn finish_frontdesk(&mut self, kind: Kind, id: &str) -> Res<()> {
        match kind {
            Kind::Announced => {
                self.colleague.hangup().await?;
                self.colleague.wait_event(CallEvent::Closed, WAIT).await?;
                wait_call(
                    &mut self.daemon,
                    "back from hold after the colleague declined",
                    |c| c.id == id && c.state == CallState::Active && !c.on_hold,
                )
                .await?;
            }
            Kind::Blind => {
                self.colleague.answer().await?;
                self.colleague
                    .wait_event(CallEvent::Established, WAIT)
                    .await?;
                let start = Instant::now();
                loop {
                    let calls = self.daemon.api().calls().await?;
                    if !calls
                        .iter()
                        .any(|c| c.id == id && c.state != CallState::Ended)
                    {
                        break;
                    }
                    if start.elapsed() > WAIT {
                        return Err(self.daemon.failure(&format!(
                            "our call {id} did not end after the colleague answered the \
                             blind transfer: {calls:?}"
                        )));
                    }
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                let last = self.daemon.api().history(1).await?;
                let reason = last.first().and_then(|h| h.end_reason.clone());
                if reason.as_deref() != Some("transferred") {
                    return Err(self.daemon.failure(&format!(
                        "blind transfer: our call ended as {reason:?}, not transferred"
                    )));
                }
            }
        }
        end_calls(&mut self.daemon).await?;
        end_baresip_calls(&mut self.caller).await?;
        end_baresip_calls(&mut self.colleague).await?;
        self.settle().await;
        Ok(())
    }

    /// The same transfer by the baresip receptionist: `hold`, then (once the caller has
    /// answered the hold) `dial` the colleague; or `transfer` (REFER).
    async fn baresip_transfer(&mut self, kind: Kind) -> Res<Sample> {
        self.baresip_answers().await?;
        self.settle().await;
        let colleague_uri = self.k.aor(COLLEAGUE);
        let desk = &mut self.desk;
        let t0 = Instant::now();
        let send = async {
            match kind {
                Kind::Announced => {
                    desk.command("hold", "").await?;
                    let returned = Instant::now();
                    // The equivalent of Frontdesk waiting for the hold to be acknowledged:
                    // baresip reports the answer to its re-INVITE as CALL_REMOTE_SDP.
                    let answer = desk.wait_event("CALL_REMOTE_SDP", WAIT).await?;
                    if answer.param != "answer" {
                        return Err(format!(
                            "baresip's hold got an SDP {} instead of an answer",
                            answer.param
                        )
                        .into());
                    }
                    desk.dial(&colleague_uri).await?;
                    Res::Ok(returned)
                }
                Kind::Blind => {
                    desk.command("transfer", &colleague_uri).await?;
                    Ok(Instant::now())
                }
            }
        };
        let ring = ring(&mut self.colleague);
        let step = step(&mut self.caller, kind);
        let (returned, rang, stepped) = tokio::try_join!(send, ring, step)
            .map_err(|e| format!("{} transfer by baresip: {e}", kind.name()))?;
        let sample = Sample {
            ring_ms: ms(t0, rang),
            returned_ms: ms(t0, returned),
            caller_step_ms: ms(t0, stepped),
        };
        // Not measured: hang everything up.
        end_baresip_calls(&mut self.colleague).await?;
        end_baresip_calls(&mut self.caller).await?;
        end_baresip_calls(&mut self.desk).await?;
        self.settle().await;
        Ok(sample)
    }
}

/// When the colleague's phone starts ringing.
async fn ring(colleague: &mut Baresip) -> Res<Instant> {
    colleague.wait_event(CallEvent::Incoming, WAIT).await?;
    Ok(Instant::now())
}

/// When the caller's phone saw the first SIP step of the transfer.
async fn step(caller: &mut Baresip, kind: Kind) -> Res<Instant> {
    let event = caller.wait_event(kind.caller_step(), WAIT).await?;
    let at = Instant::now();
    if kind == Kind::Announced && event.param != "offer" {
        return Err(format!(
            "the caller got an SDP {} instead of the hold offer",
            event.param
        )
        .into());
    }
    Ok(at)
}

/// Samples of one transfer kind by one receptionist.
#[derive(Default)]
struct Series(Vec<Sample>);

impl Series {
    fn values(&self, f: impl Fn(&Sample) -> f64) -> Vec<f64> {
        self.0.iter().map(f).collect()
    }

    fn ring(&self) -> Vec<f64> {
        self.values(|s| s.ring_ms)
    }

    fn json(&self) -> Value {
        let stats =
            |v: Vec<f64>| json!({"median": median(&v), "p90": percentile(&v, 0.9), "runs": v});
        json!({
            "ring_ms": stats(self.ring()),
            "returned_ms": stats(self.values(|s| s.returned_ms)),
            "caller_step_ms": stats(self.values(|s| s.caller_step_ms)),
        })
    }
}

fn row(name: &str, fd: f64, bs: f64) {
    println!(
        "{name:<44} {fd:>10.2} {bs:>10.2} {r:>8.2}",
        r = ratio(fd, bs)
    );
}

async fn run(args: &Args) -> Res<()> {
    let subject = Subject::find(args.frontdesk.as_deref(), args.debug)?;
    let (bin, profile) = (subject.bin.as_path(), &subject.profile);
    let machine = Machine::now();
    eprintln!(
        "benchmarking transfers of {} ({profile}) against baresip, {} runs of each kind",
        bin.display(),
        args.runs
    );

    let k = Kamailio::start(KamailioOptions::default()).await?;
    let wavs = tempfile::Builder::new()
        .prefix("frontdesk-bench-wav-")
        .tempdir()?;
    // baresip's aufile ends a call at the end of the file; no call here lasts a minute.
    let wav = wavs.path().join("tone.wav");
    tone_wav(&wav, 700.0, 60.0, 8000)?;
    let daemon = start_desk(bin, &k, FRONTDESK_DESK, &wav).await?;
    let desk = phone(&k, BARESIP_DESK, &wav).await?;
    let caller = phone(&k, CALLER, &wav).await?;
    let colleague = phone(&k, COLLEAGUE, &wav).await?;
    let bs_version = baresip_version(&desk.log());
    let mut bench = Bench {
        k,
        daemon,
        desk,
        caller,
        colleague,
    };

    let kinds = [Kind::Announced, Kind::Blind];
    let vias = [Via::Ctl, Via::Api, Via::Baresip];
    let mut series: Vec<Vec<Series>> = kinds
        .iter()
        .map(|_| vias.iter().map(|_| Series::default()).collect())
        .collect();
    for run in 0..args.runs {
        eprintln!("run {} of {} ...", run + 1, args.runs);
        // Interleaved, so drifting machine load affects every receptionist alike.
        for (ki, &kind) in kinds.iter().enumerate() {
            for (vi, &via) in vias.iter().enumerate() {
                let sample = match via {
                    Via::Baresip => bench.baresip_transfer(kind).await?,
                    _ => bench.frontdesk_transfer(kind, via).await?,
                };
                eprintln!(
                    "  {:<9} {:<7}: ringing after {:6.2} ms (command returned {:.2} ms, {} {:.2} ms)",
                    kind.name(),
                    via.name(),
                    sample.ring_ms,
                    sample.returned_ms,
                    kind.step_name(),
                    sample.caller_step_ms
                );
                series[ki][vi].0.push(sample);
            }
        }
    }
    let load_end = load_average();
    drop(bench);

    // ---- report ----
    println!();
    println!(
        "Frontdesk transfer benchmark: {} ({profile} build) vs {bs_version}",
        subject.version
    );
    println!("{}", machine.line(load_end));
    println!(
        "{} runs; ms from the command to the colleague's phone ringing (baresip CALL_INCOMING),",
        args.runs
    );
    println!("through Kamailio on 127.0.0.1 (INVITEs challenged with 407)");
    println!();
    println!(
        "{:<44} {:>10} {:>10} {:>8}",
        "metric (ms)", "frontdesk", "baresip", "fd/bs"
    );
    println!("{}", "-".repeat(75));
    for (ki, kind) in kinds.iter().enumerate() {
        let [ctl, api, bs] = &series[ki][..] else {
            unreachable!("three receptionists")
        };
        for (label, s) in [("ctl", ctl), ("API", api)] {
            row(
                &format!("{} # to ringing, median ({label})", kind.name()),
                median(&s.ring()),
                median(&bs.ring()),
            );
            row(
                &format!("{} # to ringing, p90 ({label})", kind.name()),
                percentile(&s.ring(), 0.9),
                percentile(&bs.ring(), 0.9),
            );
        }
    }
    println!("{}", "-".repeat(75));
    for (ki, kind) in kinds.iter().enumerate() {
        let [ctl, api, bs] = &series[ki][..] else {
            unreachable!("three receptionists")
        };
        let med = |s: &Series, f: fn(&Sample) -> f64| median(&s.values(f));
        println!(
            "  {}: command returned after (median) ctl {:.2}, API {:.2}, baresip {:.2}",
            kind.name(),
            med(ctl, |s| s.returned_ms),
            med(api, |s| s.returned_ms),
            med(bs, |s| s.returned_ms),
        );
        println!(
            "  {}: {} after (median) ctl {:.2}, API {:.2}, baresip {:.2}",
            kind.name(),
            kind.step_name(),
            med(ctl, |s| s.caller_step_ms),
            med(api, |s| s.caller_step_ms),
            med(bs, |s| s.caller_step_ms),
        );
        let fmt_runs = |s: &Series| {
            s.ring()
                .iter()
                .map(|x| format!("{x:.1}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        println!("  {} ringing runs, ctl:     {}", kind.name(), fmt_runs(ctl));
        println!("  {} ringing runs, API:     {}", kind.name(), fmt_runs(api));
        println!("  {} ringing runs, baresip: {}", kind.name(), fmt_runs(bs));
    }
    println!();

    let mut kinds_json = serde_json::Map::new();
    for (ki, kind) in kinds.iter().enumerate() {
        let [ctl, api, bs] = &series[ki][..] else {
            unreachable!("three receptionists")
        };
        let ratios = |s: &Series| {
            json!({
                "median": ratio(median(&s.ring()), median(&bs.ring())),
                "p90": ratio(percentile(&s.ring(), 0.9), percentile(&bs.ring(), 0.9)),
            })
        };
        kinds_json.insert(
            kind.name().into(),
            json!({
                "frontdesk_ctl": ctl.json(),
                "frontdesk_api": api.json(),
                "baresip": bs.json(),
                "ring_ratio_ctl": ratios(ctl),
                "ring_ratio_api": ratios(api),
            }),
        );
    }
    let line = json!({
        "bench": "frontdesk-transfer-vs-baresip",
        "unix_time": unix_time(),
        "frontdesk": subject.json(),
        "baresip": bs_version,
        "machine": machine.json(load_end),
        "runs": args.runs,
        "transfers": Value::Object(kinds_json),
    });
    println!("{line}");
    Ok(())
}
