//! The thread that follows linphonec's console output, and what it keeps.
//!
//! linphonec's stdout goes to a log file (so it stays readable after a
//! failure); this thread tails that file, splits it into logical lines,
//! parses call events and, when recording, points linphonec's record file at
//! the call whose audio just started (see [`RecordPolicy`]).

use std::collections::{BTreeMap, VecDeque};
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use super::output::{logical_lines, parse_event, LinphoneEvent, LinphoneEventKind};

/// Everything seen on linphonec's console so far.
#[derive(Debug, Default)]
pub(crate) struct Console {
    /// Every logical line, in order (command replies are cut out of it).
    pub(crate) lines: Vec<String>,
    /// Events not yet taken by a `wait_*` call.
    pub(crate) queue: VecDeque<LinphoneEvent>,
    /// Every event, in order.
    pub(crate) history: Vec<LinphoneEvent>,
    /// Last known state of each call that has not ended.
    pub(crate) calls: BTreeMap<u32, LinphoneEventKind>,
    /// linphonec's `Password for U on R:` prompt, once it has appeared: the
    /// digest password was refused, and linphonec now takes the next line of
    /// stdin as a new password (it prompts again after each failure).
    pub(crate) password_prompt: Option<String>,
}

impl Console {
    fn push_line(&mut self, line: String) -> Option<LinphoneEvent> {
        self.note_password_prompt(&line);
        let ev = parse_event(&line);
        self.lines.push(line);
        let ev = ev?;
        if let Some(id) = ev.call {
            match ev.kind {
                LinphoneEventKind::Ended | LinphoneEventKind::Error => {
                    self.calls.remove(&id);
                }
                LinphoneEventKind::AttendedTransferStarted
                | LinphoneEventKind::Transferred
                | LinphoneEventKind::DtmfReceived
                | LinphoneEventKind::ReferReceived => {}
                kind => {
                    self.calls.insert(id, kind);
                }
            }
        }
        self.queue.push_back(ev.clone());
        self.history.push(ev.clone());
        Some(ev)
    }
}

impl Console {
    /// Remembers the password prompt if `text` (a line or the unfinished
    /// end of the output) shows it.
    fn note_password_prompt(&mut self, text: &str) {
        if self.password_prompt.is_none() {
            if let Some(pos) = text.find(PASSWORD_PROMPT) {
                let prompt = text[pos..].split(':').next().unwrap_or_default();
                self.password_prompt = Some(prompt.trim().to_owned());
            }
        }
    }
}

/// Start of the prompt linphonec shows when a digest password was refused.
const PASSWORD_PROMPT: &str = "Password for ";

/// Where received audio goes. linphonec has one record file for the whole
/// process (`record FILE`); a stream opens it when it starts, and changing
/// it redirects the current call's recording. So: once a call's streams run,
/// its recording is pointed at `call-N.wav` (reopened in append mode after a
/// pause); when no call is left, the record file is parked on
/// `no-call.wav`. When two calls overlap (a call replaced by INVITE with
/// Replaces), the newer call's first few milliseconds land in the older
/// call's file before they are redirected.
#[derive(Debug)]
pub(crate) struct RecordPolicy {
    dir: PathBuf,
}

impl RecordPolicy {
    pub(crate) fn new(dir: PathBuf) -> Self {
        RecordPolicy { dir }
    }

    /// Path of call `id`'s recording.
    pub(crate) fn path_for(dir: &Path, id: u32) -> PathBuf {
        dir.join(format!("call-{id}.wav"))
    }

    /// The command to send after `ev`, given the calls still alive.
    pub(crate) fn on_event(
        &self,
        ev: &LinphoneEvent,
        live: &BTreeMap<u32, LinphoneEventKind>,
    ) -> Option<String> {
        match (ev.kind, ev.call) {
            (LinphoneEventKind::StreamsRunning, Some(id)) => Some(format!(
                "record {}",
                Self::path_for(&self.dir, id).display()
            )),
            (LinphoneEventKind::Ended | LinphoneEventKind::Error, Some(_)) if live.is_empty() => {
                Some(format!("record {}", self.dir.join("no-call.wav").display()))
            }
            _ => None,
        }
    }
}

/// Write end of linphonec's stdin (a FIFO), shared by the driver and the
/// reader thread; one command per line.
#[derive(Debug, Clone)]
pub(crate) struct Stdin(Arc<Mutex<File>>);

impl Stdin {
    pub(crate) fn new(file: File) -> Self {
        Stdin(Arc::new(Mutex::new(file)))
    }

    /// Writes `text` (complete lines) in one piece.
    pub(crate) fn send(&self, text: &str) -> std::io::Result<()> {
        let mut f = self.0.lock().unwrap_or_else(|e| e.into_inner());
        f.write_all(text.as_bytes())?;
        f.flush()
    }
}

/// The running reader thread.
#[derive(Debug)]
pub(crate) struct Reader {
    console: Arc<Mutex<Console>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Reader {
    /// Starts following `log` from its beginning.
    pub(crate) fn spawn(log: PathBuf, stdin: Stdin, record: Option<RecordPolicy>) -> Reader {
        let console = Arc::new(Mutex::new(Console::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let (c, s) = (console.clone(), stop.clone());
        let thread = std::thread::Builder::new()
            .name("linphonec-reader".into())
            .spawn(move || follow(&log, &c, &s, &stdin, record.as_ref()))
            .ok();
        Reader {
            console,
            stop,
            thread,
        }
    }

    /// The console state.
    pub(crate) fn console(&self) -> MutexGuard<'_, Console> {
        self.console.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Stops the thread after it has read what is in the log now.
    pub(crate) fn stop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Reader {
    fn drop(&mut self) {
        self.stop();
    }
}

fn follow(
    log: &Path,
    console: &Mutex<Console>,
    stop: &AtomicBool,
    stdin: &Stdin,
    record: Option<&RecordPolicy>,
) {
    let mut file: Option<File> = None;
    let mut pending: Vec<u8> = Vec::new();
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let stopping = stop.load(Ordering::SeqCst);
        if file.is_none() {
            file = File::open(log).ok();
        }
        let mut got = 0;
        if let Some(f) = file.as_mut() {
            while let Ok(n) = f.read(&mut buf) {
                if n == 0 {
                    break;
                }
                got += n;
                pending.extend_from_slice(&buf[..n]);
            }
        }
        while let Some(pos) = pending.iter().position(|&b| b == b'\n') {
            let chunk: Vec<u8> = pending.drain(..=pos).collect();
            let text = String::from_utf8_lossy(&chunk);
            for line in logical_lines(&text) {
                let mut c = console.lock().unwrap_or_else(|e| e.into_inner());
                let Some(ev) = c.push_line(line) else {
                    continue;
                };
                let command = record.and_then(|r| r.on_event(&ev, &c.calls));
                drop(c);
                if let Some(cmd) = command {
                    // Fails only once linphonec is gone; the driver reports that.
                    let _ = stdin.send(&format!("{cmd}\n"));
                }
            }
        }
        if !pending.is_empty() {
            // Prompts end without a line break.
            let text = String::from_utf8_lossy(&pending);
            console
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .note_password_prompt(&text);
        }
        if stopping && got == 0 {
            return;
        }
        if got == 0 {
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn console_tracks_calls_and_queues_events() {
        let mut c = Console::default();
        c.push_line("Receiving new incoming call from sip:a@127.0.0.1, assigned id 1".into());
        c.push_line("Media streams established with sip:a@127.0.0.1 for call 1 (audio).".into());
        c.push_line("answer 1".into());
        assert_eq!(c.calls.get(&1), Some(&LinphoneEventKind::StreamsRunning));
        assert_eq!(c.queue.len(), 2);
        assert_eq!(c.lines.len(), 3);
        c.push_line("Call 1 with sip:a@127.0.0.1 ended (No error).".into());
        assert!(c.calls.is_empty());
        assert_eq!(c.history.len(), 3);
        assert_eq!(c.password_prompt, None);
        c.note_password_prompt("Password for 302 on 127.0.0.1: ");
        assert_eq!(
            c.password_prompt.as_deref(),
            Some("Password for 302 on 127.0.0.1")
        );
    }

    #[test]
    fn recording_follows_the_call_whose_audio_started() {
        let p = RecordPolicy::new(PathBuf::from("/r"));
        let ev = |line: &str| parse_event(line).unwrap();
        let mut live = BTreeMap::new();
        live.insert(2, LinphoneEventKind::StreamsRunning);
        assert_eq!(
            p.on_event(
                &ev("Media streams established with sip:a@1 for call 2 (audio)."),
                &live
            ),
            Some("record /r/call-2.wav".into())
        );
        // Call 1 replaced by call 2: call 2 keeps recording into its file.
        assert_eq!(
            p.on_event(&ev("Call 1 with sip:a@1 ended (No error)."), &live),
            None
        );
        live.clear();
        assert_eq!(
            p.on_event(&ev("Call 2 with sip:a@1 ended (No error)."), &live),
            Some("record /r/no-call.wav".into())
        );
        assert_eq!(p.on_event(&ev("Call 3 to sip:a@1 ringing."), &live), None);
    }
}
