//! A NAT in network namespaces: the registrar on a "public" network, the phone under test
//! on a private LAN behind a router that masquerades with port translation.
//!
//! ```text
//!  public (this thread)            router                       private
//!  lo 127.0.0.1                    wan0 198.18.0.2  ─ NAT ─     eth0 10.0.1.2
//!  pub0 198.18.0.1  ───────────    lan0 10.0.1.1    ────────    default via 10.0.1.1
//! ```
//!
//! [`NatLab::create`] builds three fresh namespaces and moves the *calling thread* into the
//! public one, so everything the test starts afterwards — Kamailio, sipp, its own sockets —
//! lives there, with no route to the private LAN and none to the machine's real network.
//! The program under test runs in the private namespace through
//! [`NatLab::private_command`] (`ip netns exec`). The router rewrites source ports into
//! [`NatLab::NAT_PORTS`] (so an address learnt from the NAT is told apart from the private
//! one by its port too) and, like a home router, only lets in replies to what went out.
//!
//! Dropping the lab returns the thread to its namespace and deletes the namespaces, also
//! when a test panics; namespaces left by a killed test run are removed by the next one.
//! Use it from a current-thread runtime (`#[tokio::test]`'s default): threads that already
//! exist stay in their namespace. Needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN, see
//! [`NatLab::unavailable`]), `ip` (iproute2) and `nft` (nftables).

use std::ffi::OsStr;
use std::fs::File;
use std::io::Write as _;
use std::net::{Ipv4Addr, SocketAddr};
use std::ops::RangeInclusive;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use crate::process::find_program;
use crate::{Error, Kamailio, Result};

/// Prefix of every namespace the lab creates; the test process's pid follows it.
const PREFIX: &str = "fdnat-";
/// Bits of CAP_NET_ADMIN and CAP_SYS_ADMIN in `CapEff` (linux/capability.h).
const CAP_NET_ADMIN: u32 = 12;
const CAP_SYS_ADMIN: u32 = 21;

/// Three namespaces wired as a NAT; see the module documentation.
#[derive(Debug)]
pub struct NatLab {
    /// The thread's namespace before [`NatLab::create`], restored on drop.
    original: Option<File>,
    private_ip: Ipv4Addr,
    ip: PathBuf,
    nft: PathBuf,
    // Dropped after `Drop::drop` has restored the thread's namespace.
    public: Netns,
    router: Netns,
    private: Netns,
}

impl NatLab {
    /// The public network's address of the test's own namespace (where the registrar runs).
    pub const PUBLIC_IP: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 1);
    /// The router's public address: what the public side sees of anything on the LAN.
    pub const NAT_PUBLIC_IP: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 2);
    /// The router's LAN address, the private namespace's default gateway.
    pub const GATEWAY_IP: Ipv4Addr = Ipv4Addr::new(10, 0, 1, 1);
    /// The private namespace's first address.
    pub const PRIVATE_IP: Ipv4Addr = Ipv4Addr::new(10, 0, 1, 2);
    /// Prefix length of both networks.
    pub const PREFIX_LEN: u8 = 24;
    /// Source ports the router maps UDP and TCP flows to (chosen at random in this range).
    pub const NAT_PORTS: RangeInclusive<u16> = 40000..=49999;

    /// Why this machine cannot run the lab (no root capabilities), or `None` when it can.
    /// Tests print it and return, so they pass as skipped where namespaces are not allowed.
    pub fn unavailable() -> Option<String> {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let effective = status
            .lines()
            .find_map(|l| l.strip_prefix("CapEff:"))
            .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
            .unwrap_or(0);
        let has = |bit: u32| effective & (1 << bit) != 0;
        if has(CAP_NET_ADMIN) && has(CAP_SYS_ADMIN) {
            None
        } else {
            Some("skipped: needs CAP_NET_ADMIN (and CAP_SYS_ADMIN) for network namespaces".into())
        }
    }

    /// Builds the namespaces and the NAT, and moves the calling thread into the public one.
    pub fn create() -> Result<NatLab> {
        let ip = find_program("ip", "iproute2")?;
        let nft = find_program("nft", "nftables")?;
        remove_stale_namespaces(&ip);
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let base = format!(
            "{PREFIX}{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let public = Netns::add(&ip, format!("{base}-pub"))?;
        let router = Netns::add(&ip, format!("{base}-nat"))?;
        let private = Netns::add(&ip, format!("{base}-lan"))?;
        let (p, r, l) = (&public.name, &router.name, &private.name);
        let len = Self::PREFIX_LEN;
        // The veth pairs are created inside the namespaces: the host's own links never change.
        for (lan_side, peer, peer_ns) in [("wan0", "pub0", p), ("lan0", "eth0", l)] {
            let veth = [
                "-n", r, "link", "add", lan_side, "type", "veth", "peer", "name", peer,
            ];
            run(&ip, &[&veth[..], &["netns", peer_ns]].concat())?;
        }
        let addresses = [
            (p, Self::PUBLIC_IP, "pub0"),
            (r, Self::NAT_PUBLIC_IP, "wan0"),
            (r, Self::GATEWAY_IP, "lan0"),
            (l, Self::PRIVATE_IP, "eth0"),
        ];
        for (ns, address, dev) in addresses {
            let cidr = format!("{address}/{len}");
            run(&ip, &["-n", ns, "addr", "add", &cidr, "dev", dev])?;
        }
        let links = [
            (p, "lo"),
            (p, "pub0"),
            (r, "lo"),
            (r, "wan0"),
            (r, "lan0"),
            (l, "lo"),
            (l, "eth0"),
        ];
        for (ns, dev) in links {
            run(&ip, &["-n", ns, "link", "set", dev, "up"])?;
        }
        let gateway = Self::GATEWAY_IP.to_string();
        run(&ip, &["-n", l, "route", "add", "default", "via", &gateway])?;
        router.write_sysctl("net/ipv4/ip_forward", "1")?;
        let ruleset = format!(
            "table ip frontdesk_nat {{\n\
             \x20 chain postrouting {{\n\
             \x20   type nat hook postrouting priority srcnat; policy accept;\n\
             \x20   oifname \"wan0\" meta l4proto {{ tcp, udp }} counter masquerade to :{}-{} random\n\
             \x20   oifname \"wan0\" counter masquerade\n\
             \x20 }}\n\
             \x20 chain forward {{\n\
             \x20   type filter hook forward priority filter; policy drop;\n\
             \x20   ct state established,related accept\n\
             \x20   iifname \"lan0\" oifname \"wan0\" accept\n\
             \x20 }}\n\
             }}\n",
            Self::NAT_PORTS.start(),
            Self::NAT_PORTS.end()
        );
        let mut load = Command::new(&ip);
        load.args(["netns", "exec", r]).arg(&nft).args(["-f", "-"]);
        run_with_input(load, &ruleset)?;
        let original = File::open("/proc/thread-self/ns/net")
            .map_err(|e| Error::io("open this thread's network namespace", e))?;
        enter(&public.path())?;
        Ok(NatLab {
            original: Some(original),
            private_ip: Self::PRIVATE_IP,
            ip,
            nft,
            public,
            router,
            private,
        })
    }

    /// Name of the private namespace, for `ip netns exec`.
    pub fn private_namespace(&self) -> &str {
        &self.private.name
    }

    /// Name of the router's namespace.
    pub fn router_namespace(&self) -> &str {
        &self.router.name
    }

    /// Name of the public namespace (the one the calling thread is in).
    pub fn public_namespace(&self) -> &str {
        &self.public.name
    }

    /// `ip netns exec <private> <program>`: a command that runs inside the private LAN.
    pub fn private_command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut command = Command::new(&self.ip);
        command
            .args(["netns", "exec", &self.private.name])
            .arg(program);
        command
    }

    /// The private namespace's current address.
    pub fn private_ip(&self) -> Ipv4Addr {
        self.private_ip
    }

    /// Renumbers the private LAN's host to `new` (as after a DHCP change): the old address
    /// goes, the new one comes, the default route is restored. Sockets bound to the
    /// wildcard address stay open; the NAT sees the new source as a new flow.
    pub fn change_private_ip(&mut self, new: Ipv4Addr) -> Result<()> {
        let l = &self.private.name;
        let len = Self::PREFIX_LEN;
        let old = format!("{}/{len}", self.private_ip);
        let new_cidr = format!("{new}/{len}");
        let gateway = Self::GATEWAY_IP.to_string();
        run(&self.ip, &["-n", l, "addr", "del", &old, "dev", "eth0"])?;
        run(
            &self.ip,
            &["-n", l, "addr", "add", &new_cidr, "dev", "eth0"],
        )?;
        run(
            &self.ip,
            &["-n", l, "route", "replace", "default", "via", &gateway],
        )?;
        self.private_ip = new;
        Ok(())
    }

    /// Sets how long the router keeps an idle UDP mapping (conntrack's `udp_timeout` for
    /// one-way and `udp_timeout_stream` for two-way flows), so a test can prove keep-alives
    /// hold it open.
    pub fn set_udp_mapping_timeout(&self, idle: Duration) -> Result<()> {
        let secs = idle.as_secs().max(1).to_string();
        self.router
            .write_sysctl("net/netfilter/nf_conntrack_udp_timeout", &secs)?;
        self.router
            .write_sysctl("net/netfilter/nf_conntrack_udp_timeout_stream", &secs)
    }

    /// Packets the router has masqueraded so far (its NAT rules' counters): proof that
    /// traffic really crossed the NAT.
    pub fn masqueraded_packets(&self) -> Result<u64> {
        let output = Command::new(&self.ip)
            .args(["netns", "exec", &self.router.name])
            .arg(&self.nft)
            .args(["list", "chain", "ip", "frontdesk_nat", "postrouting"])
            .output()
            .map_err(|e| Error::io("run nft list", e))?;
        let text = String::from_utf8_lossy(&output.stdout);
        Ok(text
            .split_whitespace()
            .collect::<Vec<_>>()
            .windows(2)
            .filter(|w| w[0] == "packets")
            .filter_map(|w| w[1].parse::<u64>().ok())
            .sum())
    }
}

impl Drop for NatLab {
    fn drop(&mut self) {
        if let Some(original) = self.original.take() {
            // SAFETY: setns(2) on a namespace file we opened; affects only this thread.
            let rc = unsafe { libc::setns(original.as_raw_fd(), libc::CLONE_NEWNET) };
            if rc != 0 {
                eprintln!(
                    "frontdesk-testbed: could not return to the original network namespace: {}",
                    std::io::Error::last_os_error()
                );
            }
        }
    }
}

/// Makes a testbed [`Kamailio`] serve `public_ip` too (UDP and TCP, same port), with the
/// NAT handling a production proxy has for dialogs, and restarts it; returns the new
/// address. Registrations are untouched by the proxy: the Contact a phone registers is
/// stored and used as sent, so a wrong one still fails. What changes:
///
/// * replies whose Contact is a private address get an `alias` with the address they came
///   from (`set_contact_alias`), and in-dialog requests follow it (`handle_ruri_alias`) —
///   Kamailio's standard NAT handling, needed while the phone's dialog Contact is private;
/// * SDP is no longer rewritten to 127.0.0.1: media goes to the addresses the ends give.
///
/// Call it after [`NatLab::create`], from the thread in the public namespace.
pub async fn expose_kamailio(k: &mut Kamailio, public_ip: Ipv4Addr) -> Result<SocketAddr> {
    let path = k.config_path().to_path_buf();
    let text = std::fs::read_to_string(&path)
        .map_err(|e| Error::io(format!("read {}", path.display()), e))?;
    let port = k.port();
    let loopback_tcp = format!("listen=tcp:{}:{port}\n", k.domain());
    let edits = [
        (
            loopback_tcp.clone(),
            format!("{loopback_tcp}listen=udp:{public_ip}:{port}\nlisten=tcp:{public_ip}:{port}\n"),
        ),
        (
            "loadmodule \"auth.so\"\n".to_string(),
            "loadmodule \"auth.so\"\nloadmodule \"nathelper.so\"\n".to_string(),
        ),
        (
            format!("subst_body(\"/IN IP4 [0-9.]+/IN IP4 {}/g\");", k.domain()),
            "xlog(\"L_DBG\", \"FDTB SDP left as sent\\n\");".to_string(),
        ),
        (
            "onreply_route[REPLY] {\n".to_string(),
            "onreply_route[REPLY] {\n    if (nat_uac_test(\"1\")) {\n        set_contact_alias();\n    }\n"
                .to_string(),
        ),
        (
            "    if (loose_route()) {\n        route(RELAY);".to_string(),
            "    if (loose_route()) {\n        handle_ruri_alias();\n        route(RELAY);".to_string(),
        ),
    ];
    let mut text = text;
    for (from, to) in edits {
        if !text.contains(&from) {
            return Err(Error::Other(format!(
                "the testbed's Kamailio configuration no longer contains {from:?}; update netns::expose_kamailio"
            )));
        }
        text = text.replacen(&from, &to, 1);
    }
    std::fs::write(&path, text).map_err(|e| Error::io(format!("write {}", path.display()), e))?;
    k.restart().await?;
    Ok(SocketAddr::from((public_ip, port)))
}

/// A named network namespace (`/run/netns/<name>`), deleted on drop.
#[derive(Debug)]
struct Netns {
    name: String,
    ip: PathBuf,
}

impl Netns {
    fn add(ip: &Path, name: String) -> Result<Netns> {
        run(ip, &["netns", "add", &name])?;
        Ok(Netns {
            name,
            ip: ip.to_path_buf(),
        })
    }

    fn path(&self) -> PathBuf {
        Path::new("/run/netns").join(&self.name)
    }

    /// Writes `/proc/sys/<key>` as seen inside this namespace (from a short-lived thread
    /// that enters it, so no `sysctl` program is needed).
    fn write_sysctl(&self, key: &str, value: &str) -> Result<()> {
        let path = self.path();
        let file = Path::new("/proc/sys").join(key);
        let value = value.to_string();
        std::thread::spawn(move || -> Result<()> {
            enter(&path)?;
            std::fs::write(&file, value)
                .map_err(|e| Error::io(format!("write {}", file.display()), e))
        })
        .join()
        .map_err(|_| Error::Other("the sysctl thread panicked".into()))?
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        if let Err(e) = run(&self.ip, &["netns", "del", &self.name]) {
            eprintln!("frontdesk-testbed: {e}");
        }
    }
}

/// Moves the calling thread into the namespace mounted at `path`.
fn enter(path: &Path) -> Result<()> {
    let file = File::open(path).map_err(|e| Error::io(format!("open {}", path.display()), e))?;
    // SAFETY: setns(2) on a namespace file we just opened; affects only this thread.
    if unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
        return Err(Error::io(
            format!("enter network namespace {}", path.display()),
            std::io::Error::last_os_error(),
        ));
    }
    Ok(())
}

/// Deletes namespaces of earlier test processes that no longer run (killed before their
/// guards could clean up). Only names this module made are touched.
fn remove_stale_namespaces(ip: &Path) {
    let Ok(entries) = std::fs::read_dir("/run/netns") else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix(PREFIX)
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if !Path::new("/proc").join(pid.to_string()).exists() {
            let _ = run(ip, &["netns", "del", &name]);
        }
    }
}

/// Runs `ip <args>` and turns a failure into an error carrying its stderr.
fn run(ip: &Path, args: &[&str]) -> Result<()> {
    let output = Command::new(ip)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Error::io(format!("run {} {}", ip.display(), args.join(" ")), e))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(Error::Other(format!(
            "`ip {}` failed ({}): {}",
            args.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )))
    }
}

fn run_with_input(mut command: Command, input: &str) -> Result<()> {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error::io(format!("run {command:?}"), e))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(input.as_bytes())
            .map_err(|e| Error::io(format!("write to {command:?}"), e))?;
    }
    let output = child
        .wait_with_output()
        .map_err(|e| Error::io(format!("wait for {command:?}"), e))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(Error::Other(format!(
            "{command:?} failed ({}): {}\ninput:\n{input}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )))
    }
}
