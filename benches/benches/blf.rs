//! Busy-lamp benchmark: how many dialog event NOTIFYs a 500-extension panel handles per
//! second. See `benches/README.md`.
//!
//! 1. parse + state update: `dialog_info::parse` and `DialogView::apply` on Kamailio-style
//!    bodies, one thread, no network.
//! 2. end to end: the busy-lamp subscriber on a `SipStack` holds 500 subscriptions to a
//!    notifier scripted on loopback UDP (in this process, its own thread), which then sends
//!    NOTIFYs as fast as they are answered (a window of unanswered ones); counted until
//!    every lamp change has reached the panel's change channel.
//!
//! Usage: `cargo bench -p frontdesk-benches --bench blf -- [--extensions N] [--rounds N]
//! [--window N]`.

use std::collections::HashMap;
use std::net::{SocketAddr, UdpSocket};
use std::process::ExitCode;
use std::sync::mpsc as std_mpsc;
use std::time::{Duration, Instant};

use frontdesk_benches::cli::{options, CommandLine};
use frontdesk_benches::{clock_ticks_per_second, cpu_model, cpu_seconds, parse_stat_ticks};
use frontdesk_sip::blf::dialog_info::{parse, ExtensionState};
use frontdesk_sip::blf::view::{Applied, DialogView};
use frontdesk_sip::blf::{self, BlfConfig};
use frontdesk_sip::{AccountSpec, SipStack, StackConfig, Transport};
use serde_json::json;

type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

const USAGE: &str = "usage: cargo bench -p frontdesk-benches --bench blf -- [--extensions N] [--rounds N] [--window N] [--end-to-end]
  --extensions N  watched extensions (default 500)
  --rounds N      NOTIFYs per extension in the end-to-end run (default 60)
  --window N      unanswered NOTIFYs the notifier allows (default 64)
  --end-to-end    skip the parse measurements (e.g. for profiling)";

struct Args {
    extensions: usize,
    rounds: usize,
    window: usize,
    end_to_end_only: bool,
}

fn parse_args() -> Res<Option<Args>> {
    let mut a = Args {
        extensions: 500,
        rounds: 60,
        window: 64,
        end_to_end_only: false,
    };
    let mut cl = CommandLine::new(USAGE);
    while let Some(arg) = cl.next_option() {
        match arg.as_str() {
            "--extensions" => a.extensions = cl.value("--extensions")?,
            "--rounds" => a.rounds = cl.value("--rounds")?,
            "--window" => a.window = cl.value("--window")?,
            "--end-to-end" => a.end_to_end_only = true,
            "-h" | "--help" => return Ok(cl.help()),
            other => return Err(cl.unknown(other).into()),
        }
    }
    if a.extensions == 0 || a.rounds == 0 || a.window == 0 {
        return Err("--extensions, --rounds and --window must be at least 1".into());
    }
    Ok(Some(a))
}

fn main() -> ExitCode {
    let args = match options(parse_args()) {
        Ok(args) => args,
        Err(code) => return code,
    };
    // Warnings (also ezk's, through the log bridge) explain a failed run.
    let _ = tracing_subscriber::fmt()
        .with_max_level(tracing_subscriber::filter::LevelFilter::WARN)
        .with_writer(std::io::stderr)
        .try_init();
    println!("busy-lamp benchmark on {}", cpu_model());
    let parsing = if args.end_to_end_only {
        Parsing {
            parse_per_s: f64::NAN,
            update_per_s: f64::NAN,
        }
    } else {
        parse_and_update(args.extensions)
    };
    let end_to_end = match end_to_end(&args) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "{}",
        json!({
            "bench": "blf",
            "extensions": args.extensions,
            "parse_per_s": parsing.parse_per_s,
            "parse_and_update_per_s": parsing.update_per_s,
            "end_to_end_notifies": end_to_end.notifies,
            "end_to_end_per_s": end_to_end.per_s,
            "end_to_end_cpu_us_per_notify": end_to_end.cpu_us_per_notify,
            "setup_s": end_to_end.setup_s,
            "end_to_end_retransmissions": end_to_end.retransmissions,
        })
    );
    ExitCode::SUCCESS
}

/// A Kamailio-style (presence_dialoginfo) document for extension `ext`.
fn body(ext: usize, version: usize, state: &str) -> String {
    let tags = if state == "early" {
        format!(r#" local-tag="lt{ext}x{version}" remote-tag="rt{ext}x{version}""#)
    } else {
        String::new()
    };
    format!(
        r#"<?xml version="1.0"?>
<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="{version}" state="full" entity="sip:{ext}@127.0.0.1">
  <dialog id="padi-{ext}-{version}" call-id="c{ext}x{version}"{tags} direction="recipient">
    <state>{state}</state>
    <remote>
      <identity>sip:9{ext}@127.0.0.1</identity>
      <target uri="sip:9{ext}-0x55f2bb5a67c0@127.0.0.1:40134"/>
    </remote>
    <local>
      <identity>sip:{ext}@127.0.0.1</identity>
      <target uri="sip:{ext}-0x55ae257fe7c0@127.0.0.1:34674"/>
    </local>
  </dialog>
</dialog-info>
"#
    )
}

/// Each NOTIFY moves the lamp on: ringing, busy, idle, ringing, ...
fn state_for(round: usize) -> &'static str {
    ["early", "confirmed", "terminated"][(round - 1) % 3]
}

struct Parsing {
    parse_per_s: f64,
    update_per_s: f64,
}

fn parse_and_update(extensions: usize) -> Parsing {
    let rounds = 30;
    let bodies: Vec<(usize, Vec<u8>)> = (1..=rounds)
        .flat_map(|round| {
            (0..extensions).map(move |ext| (ext, body(ext, round, state_for(round)).into_bytes()))
        })
        .collect();
    let bytes: usize = bodies.iter().map(|(_, b)| b.len()).sum();

    let started = Instant::now();
    let mut parsed = 0u64;
    while started.elapsed() < Duration::from_secs(2) {
        for (_, body) in &bodies {
            if parse(body).is_ok() {
                parsed += 1;
            }
        }
    }
    let parse_per_s = parsed as f64 / started.elapsed().as_secs_f64();

    let started = Instant::now();
    let mut updated = 0u64;
    let mut changes = 0u64;
    while started.elapsed() < Duration::from_secs(2) {
        let mut views: Vec<DialogView> = (0..extensions).map(|_| DialogView::default()).collect();
        let mut lamps = vec![ExtensionState::Unknown; extensions];
        for (ext, body) in &bodies {
            let Ok(info) = parse(body) else { continue };
            if let Applied::Current(state) = views[*ext].apply(info) {
                updated += 1;
                if lamps[*ext] != state {
                    lamps[*ext] = state;
                    changes += 1;
                }
            }
        }
    }
    assert_eq!(updated, changes, "every document changes its lamp");
    let update_per_s = updated as f64 / started.elapsed().as_secs_f64();
    println!(
        "parse only:            {:>10.0} NOTIFY bodies/s ({} B average)",
        parse_per_s,
        bytes / bodies.len()
    );
    println!("parse + state update:  {update_per_s:>10.0} NOTIFYs/s (one thread, {extensions} extensions)");
    Parsing {
        parse_per_s,
        update_per_s,
    }
}

struct EndToEnd {
    notifies: usize,
    per_s: f64,
    cpu_us_per_notify: f64,
    setup_s: f64,
    /// NOTIFYs the notifier sent again because the answer was late (datagrams dropped
    /// while the stack fell behind).
    retransmissions: u64,
}

/// What the notifier thread reports.
enum Report {
    /// Every SUBSCRIBE is answered and its first NOTIFY sent.
    Subscribed,
    /// The burst is sent and answered; the thread's CPU seconds meanwhile, and how many
    /// NOTIFYs had to be sent again.
    Sent {
        notifier_cpu: f64,
        retransmissions: u64,
    },
}

fn end_to_end(args: &Args) -> Res<EndToEnd> {
    let socket = UdpSocket::bind("127.0.0.1:0")?;
    let notifier_addr = socket.local_addr()?;
    let (report_tx, report_rx) = std_mpsc::channel();
    let (go_tx, go_rx) = std_mpsc::channel();
    let (extensions, rounds, window) = (args.extensions, args.rounds, args.window);
    let notifier = std::thread::spawn(move || {
        notify_script(socket, extensions, rounds, window, report_tx, go_rx)
    });

    // The stack as the daemon runs it: a multi-threaded runtime.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    // Moved into the run: whatever happens there, the notifier is released afterwards.
    let result = runtime.block_on(async move {
        let stack = SipStack::start(StackConfig {
            listen: "127.0.0.1:0".parse()?,
            try_next_ports: 0,
            user_agent: "frontdesk-blf-bench".into(),
            extra_ca_files: Vec::new(),
            tls_listen: None,
        })
        .await?;
        let mut config = BlfConfig::new((0..extensions).map(|e| e.to_string()).collect());
        config.rate = 5000;
        config.max_in_flight = 128;
        config.expires = Duration::from_secs(3600);
        config.probe_interval = Duration::from_secs(3600);
        let setup = Instant::now();
        let (handle, mut changes) = blf::spawn(stack, account(notifier_addr), None, config);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        while handle
            .snapshot()
            .iter()
            .any(|s| s.state != ExtensionState::Idle)
        {
            if tokio::time::timeout_at(deadline, changes.recv())
                .await
                .is_err()
            {
                let missing: Vec<String> = handle
                    .snapshot()
                    .into_iter()
                    .filter(|s| s.state != ExtensionState::Idle)
                    .map(|s| format!("{}: {:?} {:?}", s.extension, s.state, s.problem))
                    .collect();
                return Err(format!("lamps not up after 60 s: {missing:?}").into());
            }
        }
        let setup_s = setup.elapsed().as_secs_f64();
        match report_rx.recv_timeout(Duration::from_secs(10)) {
            Ok(Report::Subscribed) => {}
            _ => return Err("the notifier did not finish the set-up".into()),
        }

        let pid = std::process::id();
        let cpu_before = cpu_seconds(pid)?;
        let started = Instant::now();
        go_tx.send(())?;
        let total = extensions * rounds;
        let mut seen = 0;
        while seen < total {
            let change = tokio::time::timeout(Duration::from_secs(30), changes.recv())
                .await
                .map_err(|_| format!("only {seen} of {total} lamp changes arrived"))?
                .ok_or("the subscriber stopped")?;
            let _ = change;
            seen += 1;
        }
        let elapsed = started.elapsed().as_secs_f64();
        let cpu_after = cpu_seconds(pid)?;
        let (notifier_cpu, retransmissions) = match report_rx.recv_timeout(Duration::from_secs(30))
        {
            Ok(Report::Sent {
                notifier_cpu,
                retransmissions,
            }) => (notifier_cpu, retransmissions),
            _ => return Err("the notifier did not finish".into()),
        };
        handle.stop().await;
        let stack_cpu = (cpu_after - cpu_before - notifier_cpu).max(0.0);
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(EndToEnd {
            notifies: total,
            per_s: total as f64 / elapsed,
            cpu_us_per_notify: stack_cpu * 1e6 / total as f64,
            setup_s,
            retransmissions,
        })
    });
    let notifier_result = notifier
        .join()
        .map_err(|_| "the notifier thread panicked")?;
    // The run's own error first: the notifier only reports that the run stopped.
    let r = result?;
    notifier_result?;
    println!(
        "subscribe {extensions}:         {:>10.2} s until every lamp showed idle",
        r.setup_s
    );
    println!(
        "end to end:            {:>10.0} NOTIFYs/s ({} NOTIFYs over loopback UDP, window {window}, answered and shown; {} sent again)",
        r.per_s, r.notifies, r.retransmissions
    );
    println!(
        "CPU of stack + panel:  {:>10.1} µs per NOTIFY (process CPU minus the notifier thread's)",
        r.cpu_us_per_notify
    );
    Ok(r)
}

fn account(server: SocketAddr) -> AccountSpec {
    AccountSpec {
        name: "bench".into(),
        user: "101".into(),
        auth_user: None,
        display_name: None,
        domain: "127.0.0.1".into(),
        proxy: Some(server.to_string()),
        transport: Transport::Udp,
        register_expires: Duration::from_secs(600),
        keepalive_interval: Duration::from_secs(30),
    }
}

/// One subscription as the notifier saw its SUBSCRIBE.
struct Subscription {
    extension: usize,
    call_id: String,
    from_tag: String,
    contact: String,
    target: SocketAddr,
    cseq: u32,
}

/// NOTIFYs sent and not answered yet, retransmitted over UDP as RFC 3261 wants (500 ms,
/// doubling up to 4 s): on a loaded machine loopback UDP drops datagrams too.
#[derive(Default)]
struct Unanswered {
    by_branch: HashMap<u64, (usize, String, SocketAddr, Instant, Duration)>,
    retransmissions: u64,
}

impl Unanswered {
    fn send(
        &mut self,
        socket: &UdpSocket,
        sub: &Subscription,
        branch: u64,
        message: String,
    ) -> Res<()> {
        socket.send_to(message.as_bytes(), sub.target)?;
        let first = Duration::from_millis(500);
        self.by_branch.insert(
            branch,
            (
                sub.extension,
                message,
                sub.target,
                Instant::now() + first,
                first,
            ),
        );
        Ok(())
    }

    fn len(&self) -> usize {
        self.by_branch.len()
    }

    /// Whether a NOTIFY for `extension` waits for its answer (the next one must not
    /// overtake it, or it would arrive stale).
    fn waits_for(&self, extension: usize) -> bool {
        self.by_branch.values().any(|(e, ..)| *e == extension)
    }

    /// A response: forget the NOTIFY it answers.
    fn answered(&mut self, response: &str) {
        let branch = header(response, "Via").ok().and_then(|via| {
            via.split("branch=z9hG4bK-bench-")
                .nth(1)?
                .split(';')
                .next()?
                .parse::<u64>()
                .ok()
        });
        if let Some(branch) = branch {
            self.by_branch.remove(&branch);
        }
    }

    fn retransmit_due(&mut self, socket: &UdpSocket) -> Res<()> {
        let now = Instant::now();
        for (_, message, to, due, interval) in self.by_branch.values_mut() {
            if *due <= now {
                socket.send_to(message.as_bytes(), *to)?;
                *interval = (*interval * 2).min(Duration::from_secs(4));
                *due = now + *interval;
                self.retransmissions += 1;
            }
        }
        Ok(())
    }
}

/// The scripted notifier: answers every SUBSCRIBE, sends a first (idle) NOTIFY, waits for
/// the go, then sends `rounds` NOTIFYs per subscription keeping `window` unanswered.
fn notify_script(
    socket: UdpSocket,
    extensions: usize,
    rounds: usize,
    window: usize,
    report: std_mpsc::Sender<Report>,
    go: std_mpsc::Receiver<()>,
) -> Res<()> {
    socket.set_read_timeout(Some(Duration::from_millis(50)))?;
    let me = socket.local_addr()?;
    let mut subs: HashMap<usize, Subscription> = HashMap::new();
    let mut unanswered = Unanswered::default();
    let mut buf = vec![0u8; 65536];
    let mut branch = 0u64;
    let mut last_progress = Instant::now();
    // Reads one datagram (if any within 50 ms) and retransmits what is due.
    let mut pump = |unanswered: &mut Unanswered,
                    subs: &mut HashMap<usize, Subscription>,
                    branch: &mut u64,
                    what: &str|
     -> Res<()> {
        match socket.recv_from(&mut buf) {
            Ok((n, from)) => {
                last_progress = Instant::now();
                let text = String::from_utf8_lossy(&buf[..n]).into_owned();
                if text.starts_with("SIP/2.0 ") {
                    unanswered.answered(&text);
                } else if text.starts_with("SUBSCRIBE ") {
                    answer_subscribe(&socket, me, &text, from, subs, unanswered, branch)?;
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                if last_progress.elapsed() > Duration::from_secs(20) {
                    return Err(format!("notifier: nothing arrived for 20 s while {what}").into());
                }
            }
            Err(e) => return Err(e.into()),
        }
        unanswered.retransmit_due(&socket)
    };
    while subs.len() < extensions || unanswered.len() > 0 {
        let what = format!("{} of {extensions} subscribed", subs.len());
        pump(&mut unanswered, &mut subs, &mut branch, &what)?;
    }
    report.send(Report::Subscribed)?;
    go.recv()?;

    let cpu_before = thread_cpu_seconds();
    let mut order: Vec<usize> = subs.keys().copied().collect();
    order.sort_unstable();
    for round in 1..=rounds {
        for ext in &order {
            while unanswered.len() >= window || unanswered.waits_for(*ext) {
                pump(&mut unanswered, &mut subs, &mut branch, "sending")?;
            }
            let sub = subs.get_mut(ext).expect("known");
            sub.cseq += 1;
            branch += 1;
            let message = notify(
                sub,
                me,
                branch,
                &body(sub.extension, round, state_for(round)),
            );
            unanswered.send(&socket, sub, branch, message)?;
        }
    }
    while unanswered.len() > 0 {
        pump(
            &mut unanswered,
            &mut subs,
            &mut branch,
            "waiting for the last answers",
        )?;
    }
    report.send(Report::Sent {
        notifier_cpu: thread_cpu_seconds() - cpu_before,
        retransmissions: unanswered.retransmissions,
    })?;
    Ok(())
}

/// Answers a SUBSCRIBE with 200; a new subscription also gets its first (empty) NOTIFY.
fn answer_subscribe(
    socket: &UdpSocket,
    me: SocketAddr,
    text: &str,
    from: SocketAddr,
    subs: &mut HashMap<usize, Subscription>,
    unanswered: &mut Unanswered,
    branch: &mut u64,
) -> Res<()> {
    let extension: usize = text["SUBSCRIBE sip:".len()..]
        .split('@')
        .next()
        .and_then(|e| e.parse().ok())
        .ok_or("unexpected SUBSCRIBE")?;
    let mut ok = String::from("SIP/2.0 200 OK\r\n");
    for name in ["Via", "From", "Call-ID", "CSeq"] {
        ok.push_str(&format!("{name}: {}\r\n", header(text, name)?));
    }
    ok.push_str(&format!(
        "To: {};tag=bench\r\nContact: <sip:notifier@{me}>\r\nExpires: 3600\r\nContent-Length: 0\r\n\r\n",
        header(text, "To")?
    ));
    socket.send_to(ok.as_bytes(), from)?;
    let call_id = header(text, "Call-ID")?;
    if subs.get(&extension).is_some_and(|s| s.call_id == call_id) {
        // A retransmitted SUBSCRIBE (our 200 was lost): answered again, nothing new.
        return Ok(());
    }
    let contact = header(text, "Contact")?;
    let sub = Subscription {
        extension,
        call_id,
        from_tag: header(text, "From")?
            .split(";tag=")
            .nth(1)
            .ok_or("no From tag")?
            .to_string(),
        contact: contact
            .trim_start_matches('<')
            .split('>')
            .next()
            .unwrap_or_default()
            .to_string(),
        target: from,
        cseq: 1,
    };
    *branch += 1;
    unanswered.send(socket, &sub, *branch, notify(&sub, me, *branch, ""))?;
    subs.insert(extension, sub);
    Ok(())
}

fn notify(sub: &Subscription, me: SocketAddr, branch: u64, body: &str) -> String {
    let content_type = if body.is_empty() {
        ""
    } else {
        "Content-Type: application/dialog-info+xml\r\n"
    };
    format!(
        "NOTIFY {contact} SIP/2.0\r\n\
         Via: SIP/2.0/UDP {me};branch=z9hG4bK-bench-{branch}\r\n\
         From: <sip:{ext}@127.0.0.1>;tag=bench\r\n\
         To: <sip:101@127.0.0.1>;tag={from_tag}\r\n\
         Call-ID: {call_id}\r\n\
         CSeq: {cseq} NOTIFY\r\n\
         Max-Forwards: 70\r\n\
         Event: dialog\r\n\
         Subscription-State: active;expires=3600\r\n\
         {content_type}Content-Length: {length}\r\n\r\n{body}",
        contact = sub.contact,
        ext = sub.extension,
        from_tag = sub.from_tag,
        call_id = sub.call_id,
        cseq = sub.cseq,
        length = body.len(),
    )
}

fn header(message: &str, name: &str) -> Res<String> {
    message
        .split("\r\n\r\n")
        .next()
        .unwrap_or_default()
        .lines()
        .skip(1)
        .find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_string())
        })
        .ok_or_else(|| format!("no {name} header in\n{message}").into())
}

/// CPU seconds of the calling thread, from `/proc/thread-self/stat`.
fn thread_cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/thread-self/stat")
        .ok()
        .and_then(|text| parse_stat_ticks(&text))
        .map(|ticks| ticks as f64 / clock_ticks_per_second())
        .unwrap_or(0.0)
}
