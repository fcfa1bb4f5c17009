//! Helpers of the benchmarks (`benches/*.rs`): reading CPU time and memory of a
//! process from `/proc` (or of a finished child from `wait4`), medians and percentiles,
//! machine description, where the built binaries are; [`scene`] sets up what the Kamailio
//! benchmarks run (daemons, phones, one thread until done) and names binary and machine in the
//! report; [`cli`] reads their command lines.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Parsing helpers of the voicemail benchmark, here so that `cargo test` runs their tests.
pub mod voicemail;

/// The benchmark programs' command lines.
pub mod cli;

/// What the Kamailio benchmarks (`engine`, `transfer`, `voicemail`) start and report alike.
pub mod scene;

/// CPU time (user + system, all threads) a process has used so far, in
/// seconds, from fields 14 and 15 of `/proc/PID/stat`.
pub fn cpu_seconds(pid: u32) -> std::io::Result<f64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    let ticks = parse_stat_ticks(&text).ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("unexpected /proc/{pid}/stat: {text}"),
        )
    })?;
    Ok(ticks as f64 / clock_ticks_per_second())
}

/// `utime + stime` in clock ticks from the text of `/proc/PID/stat`. The
/// command name (field 2) may contain spaces and parentheses, so fields are
/// counted after its last `)`.
pub fn parse_stat_ticks(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    // rest starts at field 3 (state); utime is field 14, stime field 15.
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// Kernel clock ticks per second (`sysconf(_SC_CLK_TCK)`, usually 100).
pub fn clock_ticks_per_second() -> f64 {
    // SAFETY: sysconf has no preconditions.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 {
        t as f64
    } else {
        100.0
    }
}

/// Resident set size (`VmRSS` of `/proc/PID/status`) in KiB.
pub fn rss_kib(pid: u32) -> std::io::Result<u64> {
    status_kib(pid, "VmRSS")
}

/// Peak resident set size (`VmHWM` of `/proc/PID/status`) in KiB: the most the process held
/// since it started or since [`reset_peak_rss`].
pub fn peak_rss_kib(pid: u32) -> std::io::Result<u64> {
    status_kib(pid, "VmHWM")
}

/// The `name` line (in KiB) of `/proc/PID/status`.
fn status_kib(pid: u32, name: &str) -> std::io::Result<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    parse_status_kib(&text, name).ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("no {name} in /proc/{pid}/status"),
        )
    })
}

/// Sets the peak (`VmHWM`) of `pid` back to its current RSS (writes `5` to
/// `/proc/PID/clear_refs`, Linux 4.0 and later), so that [`peak_rss_kib`] afterwards tells the
/// peak of what came after, not of everything since the start.
pub fn reset_peak_rss(pid: u32) -> std::io::Result<()> {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5")
}

/// What a finished child process used, as the kernel counted it ([`wait_with_usage`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChildUsage {
    /// Exit code, or minus the signal that ended it.
    pub code: i32,
    /// User + system CPU seconds of the process (all threads).
    pub cpu_s: f64,
    /// Its peak resident set size in KiB (`ru_maxrss`).
    pub max_rss_kib: u64,
}

/// Waits (blocking) for `child` and returns its usage from `wait4`: the exact peak RSS of a
/// short-lived process, which sampling `/proc` could miss. It takes the child, since it reaps
/// it (std could not wait for it again).
pub fn wait_with_usage(child: std::process::Child) -> std::io::Result<ChildUsage> {
    let pid = child.id();
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value to be overwritten.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: valid pointers to locals; pid is our child.
        let r = unsafe { libc::wait4(pid as libc::pid_t, &mut status, 0, &mut usage) };
        if r == pid as libc::pid_t {
            break;
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else if libc::WIFSIGNALED(status) {
        -libc::WTERMSIG(status)
    } else {
        i32::MIN
    };
    Ok(ChildUsage {
        code,
        cpu_s: seconds(usage.ru_utime) + seconds(usage.ru_stime),
        max_rss_kib: usage.ru_maxrss.max(0) as u64,
    })
}

/// Value of a `Name:   1234 kB` line of `/proc/PID/status`.
pub fn parse_status_kib(status: &str, name: &str) -> Option<u64> {
    status.lines().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        if n != name {
            return None;
        }
        v.split_whitespace().next()?.parse().ok()
    })
}

/// Median of the values (mean of the middle two for an even count); `NaN`
/// for none.
pub fn median(values: &[f64]) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// The `p` quantile (0..=1) of the values, linearly interpolated between the two
/// nearest ranks (like a spreadsheet's PERCENTILE): with few runs a p90 is still a
/// value between the two slowest rather than simply the slowest. `NaN` for none.
pub fn percentile(values: &[f64], p: f64) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
    if v.is_empty() || !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let rank = p * (v.len() - 1) as f64;
    let (low, high) = (rank.floor() as usize, rank.ceil() as usize);
    v[low] + (v[high] - v[low]) * (rank - low as f64)
}

/// CPU model name from `/proc/cpuinfo` (`model name`), or `unknown`.
pub fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into())
}

/// The 1-minute load average (first field of `/proc/loadavg`).
pub fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|t| t.split_whitespace().next()?.parse().ok())
        .unwrap_or(f64::NAN)
}

/// Whether `path` is an executable file.
pub fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The last `n` lines of `text` (the end of a log, for an error message).
pub fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// `a / b` for the frontdesk/peer columns; NaN when the peer measured nothing.
pub fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        a / b
    } else {
        f64::NAN
    }
}

/// What `bin --version` prints, for the report header.
pub fn version_of(bin: &Path) -> String {
    Command::new(bin)
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

/// When `path` was last written (Unix seconds; 0 if unknown), so a stale binary shows in the
/// report.
pub fn built_at(path: &Path) -> u64 {
    path.metadata()
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_secs())
}

/// baresip's version from its start-up log (`baresip v1.0.0 ...`), as `baresip v1.0.0`.
pub fn baresip_version(log: &str) -> String {
    log.split_whitespace()
        .skip_while(|w| *w != "baresip")
        .nth(1)
        .filter(|v| v.starts_with('v'))
        .map(|v| format!("baresip {v}"))
        .unwrap_or_else(|| "baresip (version unknown)".into())
}

/// The workspace root (the folder holding `benches/`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("benches/ lies in the workspace")
        .to_path_buf()
}

/// Cargo's target directory: `$CARGO_TARGET_DIR` (relative paths from the workspace root), else
/// `<workspace>/target`.
pub fn target_dir() -> PathBuf {
    let root = workspace_root();
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(t) => root.join(t),
        None => root.join("target"),
    }
}

/// Path of the already built frontdesk binary (`given`, else the workspace target dir's
/// debug or release build) and the profile it was built with; the benchmarks build nothing.
pub fn frontdesk_binary(given: Option<&Path>, debug: bool) -> Result<(PathBuf, String), String> {
    if let Some(p) = given {
        if !is_executable(p) {
            return Err(format!(
                "--frontdesk {}: not an executable file",
                p.display()
            ));
        }
        return Ok((p.to_path_buf(), "given".into()));
    }
    let target = target_dir();
    let profile = if debug { "debug" } else { "release" };
    let bin = target.join(profile).join("frontdesk");
    if !is_executable(&bin) {
        let build = if debug {
            "cargo build -p frontdesk"
        } else {
            "cargo build --release -p frontdesk"
        };
        return Err(format!(
            "{} not found: this benchmark builds nothing itself; run `{build}` first \
             (with the same CARGO_TARGET_DIR), or pass --frontdesk PATH",
            bin.display()
        ));
    }
    Ok((bin, profile.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_with_odd_command_name() {
        let stat = "1234 (a) b (c)) S 1 1234 1234 0 -1 4194304 100 0 0 0 250 37 0 0 20 0 3 0 1 2 3";
        assert_eq!(parse_stat_ticks(stat), Some(287));
        assert_eq!(parse_stat_ticks("garbage"), None);
    }

    #[test]
    fn own_process_is_readable() {
        let pid = std::process::id();
        assert!(cpu_seconds(pid).unwrap() >= 0.0);
        assert!(rss_kib(pid).unwrap() > 0);
    }

    #[test]
    fn peak_rss_can_be_reset() {
        let pid = std::process::id();
        // 64 MiB touched and freed: the peak stays up until it is reset.
        let big = vec![1u8; 64 << 20];
        assert_eq!(big.iter().map(|&b| b as u64).sum::<u64>(), 64 << 20);
        drop(big);
        let before = peak_rss_kib(pid).unwrap();
        assert!(before >= 64 * 1024, "{before} KiB");
        reset_peak_rss(pid).unwrap();
        let after = peak_rss_kib(pid).unwrap();
        assert!(after < before, "{after} KiB after reset, {before} before");
    }

    #[test]
    fn usage_of_a_finished_child() {
        let child = Command::new("sh")
            .args([
                "-c",
                "head -c 30000000 /dev/zero | sort > /dev/null; exit 3",
            ])
            .spawn()
            .unwrap();
        let usage = wait_with_usage(child).unwrap();
        assert_eq!(usage.code, 3, "{usage:?}");
        // `sort` held the 30 MB it read (the largest child counts for the shell too).
        assert!(usage.max_rss_kib > 20_000, "{usage:?}");
        assert!(usage.cpu_s >= 0.0);
    }

    #[test]
    fn status_and_median() {
        let s = "Name:\tx\nVmHWM:\t  900 kB\nVmRSS:\t  812 kB\n";
        assert_eq!(parse_status_kib(s, "VmRSS"), Some(812));
        assert_eq!(parse_status_kib(s, "VmSwap"), None);
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(&[]).is_nan());
    }

    #[test]
    fn end_of_a_log() {
        assert_eq!(last_lines("a\nb\nc\n", 2), "b\nc");
        assert_eq!(last_lines("a", 5), "a");
        assert_eq!(last_lines("", 5), "");
    }

    #[test]
    fn percentiles() {
        let v = [5.0, 1.0, 4.0, 2.0, 3.0];
        assert_eq!(percentile(&v, 0.0), 1.0);
        assert_eq!(percentile(&v, 0.5), 3.0);
        assert_eq!(percentile(&v, 1.0), 5.0);
        // rank 0.9 * 4 = 3.6: between 4 and 5.
        assert!((percentile(&v, 0.9) - 4.6).abs() < 1e-9);
        assert_eq!(percentile(&[7.0], 0.9), 7.0);
        assert!(percentile(&[], 0.9).is_nan());
        assert!(percentile(&v, 1.5).is_nan());
    }
}
