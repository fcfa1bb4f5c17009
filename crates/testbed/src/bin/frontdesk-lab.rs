//! `frontdesk-lab`: the testbed's real phones and registrar for test drivers that are not
//! written in Rust (the browser E2E tests in `ui/e2e`), so they reuse the same Kamailio,
//! baresip and linphonec set-ups as the engine tests instead of a second copy.
//!
//! One JSON request per line on stdin, one JSON reply per line on stdout, in order:
//!
//! ```text
//! {"do":"kamailio","presence":true}                 -> {"ok":{"addr":"127.0.0.1:P","domain":"127.0.0.1"}}
//! {"do":"baresip","name":"b103","user":"103","auto_answer":true}
//! {"do":"linphone","name":"caller","user":"101","tone_hz":1000}
//! {"do":"baresip","name":"voice","user":"03012345678","direct":true,"speak":"Hello, about your invoice."}
//! {"do":"dial","phone":"caller","target":"103"}     -> {"ok":{"call":1}}   (user → AOR at Kamailio)
//! {"do":"dial","phone":"voice","target":"sip:101@127.0.0.1:5060"}   (a sip: URI is dialled as it is)
//! {"do":"answer","phone":"caller","call":2}          (call: linphonec's id; omitted: the one ringing)
//! {"do":"hangup","phone":"b103"}
//! {"do":"keys","phone":"voice","keys":"1"}          (RFC 4733 from baresip, 250 ms apart)
//! {"do":"wait","phone":"caller","event":"Incoming","call":2,"timeout_ms":10000}
//!                                                   -> {"ok":{"event":"Incoming","call":2,"detail":"","peer":"…"}}
//! ```
//!
//! What a phone sends into its calls: `tone_hz` (a sine), `play_wav` (a WAV file; baresip
//! wants 8/16/48 kHz 16-bit PCM) or `speak` (espeak-ng speech at 8 kHz, the codec's rate, from
//! [`Speech::caller`], after `speak_before` seconds of silence, default 5, and followed by
//! `speak_after`, default 60 — for a voicemail that should hear a caller talk and then fall
//! silent); nothing: silence.
//!
//! Errors answer `{"error":"…"}` and the lab goes on. Phones register at the lab's Kamailio
//! (started first), except `"direct":true` ones, which only dial `sip:` URIs. Every process is stopped when stdin closes or the lab is killed
//! (each runs in its own process group, killed on drop and by the parent's SIGTERM handler).

use frontdesk_testbed::speech::{self, Speech};
use frontdesk_testbed::{
    Baresip, BaresipOptions, Kamailio, KamailioOptions, Linphone, LinphoneEventKind,
    LinphoneOptions,
};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// How long phones take to register before a request fails.
const REGISTER_WAIT: Duration = Duration::from_secs(15);

enum Phone {
    Baresip(Baresip),
    Linphone(Linphone),
}

#[derive(Default)]
struct Lab {
    kamailio: Option<Kamailio>,
    phones: HashMap<String, Phone>,
    /// Holds the WAV files the phones play.
    dir: Option<tempfile::TempDir>,
}

#[tokio::main]
async fn main() {
    let mut lab = Lab::default();
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    let mut stdout = tokio::io::stdout();
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("SIGTERM handler");
    loop {
        let line = tokio::select! {
            line = lines.next_line() => match line {
                Ok(Some(line)) => line,
                _ => break,
            },
            _ = terminate.recv() => break,
        };
        if line.trim().is_empty() {
            continue;
        }
        let reply = match serde_json::from_str::<Value>(&line) {
            Ok(request) => match lab.handle(&request).await {
                Ok(ok) => json!({ "ok": ok }),
                Err(error) => json!({ "error": error }),
            },
            Err(error) => json!({ "error": format!("not a JSON request ({error}): {line}") }),
        };
        let mut out = reply.to_string();
        out.push('\n');
        if stdout.write_all(out.as_bytes()).await.is_err() || stdout.flush().await.is_err() {
            break;
        }
    }
    // Dropping the lab stops every process it started.
    drop(lab);
}

fn text<'a>(request: &'a Value, key: &str) -> Result<&'a str, String> {
    request
        .get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("the request needs a string \"{key}\": {request}"))
}

fn flag(request: &Value, key: &str) -> bool {
    request.get(key).and_then(Value::as_bool).unwrap_or(false)
}

fn number(request: &Value, key: &str) -> Option<u64> {
    request.get(key).and_then(Value::as_u64)
}

/// A non-negative number of seconds, `default` when absent.
fn seconds(request: &Value, key: &str, default: f64) -> Result<f64, String> {
    match request.get(key) {
        None => Ok(default),
        Some(value) => value
            .as_f64()
            .filter(|s| s.is_finite() && *s >= 0.0)
            .ok_or_else(|| format!("\"{key}\" must be a number of seconds: {request}")),
    }
}

impl Lab {
    async fn handle(&mut self, request: &Value) -> Result<Value, String> {
        match text(request, "do")? {
            "kamailio" => self.start_kamailio(request).await,
            "baresip" => self.start_baresip(request).await,
            "linphone" => self.start_linphone(request).await,
            "dial" => self.dial(request).await,
            "answer" => self.answer(request).await,
            "hangup" => self.hangup(request).await,
            "keys" => self.keys(request).await,
            "wait" => self.wait(request).await,
            other => Err(format!(
                "unknown request {other:?}: kamailio, baresip, linphone, dial, answer, hangup, keys or wait"
            )),
        }
    }

    fn kamailio(&self) -> Result<&Kamailio, String> {
        self.kamailio
            .as_ref()
            .ok_or_else(|| "start Kamailio first ({\"do\":\"kamailio\"})".to_owned())
    }

    fn phone(&mut self, request: &Value) -> Result<&mut Phone, String> {
        let name = text(request, "phone")?;
        self.phones
            .get_mut(name)
            .ok_or_else(|| format!("no phone named {name:?}"))
    }

    async fn start_kamailio(&mut self, request: &Value) -> Result<Value, String> {
        let kamailio = Kamailio::start(KamailioOptions {
            presence: flag(request, "presence"),
            ..KamailioOptions::default()
        })
        .await
        .map_err(|e| e.to_string())?;
        let reply =
            json!({ "addr": kamailio.addr().to_string(), "domain": kamailio.domain().to_string() });
        self.kamailio = Some(kamailio);
        Ok(reply)
    }

    /// The WAV a phone plays into its calls, from `play_wav`, `speak` or `tone_hz`.
    fn media(&mut self, name: &str, request: &Value) -> Result<Option<PathBuf>, String> {
        if let Some(path) = request.get("play_wav") {
            let path = path
                .as_str()
                .ok_or_else(|| format!("\"play_wav\" must be a path: {request}"))?;
            if !Path::new(path).is_file() {
                return Err(format!("play_wav: no file at {path}"));
            }
            return Ok(Some(PathBuf::from(path)));
        }
        if let Some(text) = request.get("speak") {
            let text = text
                .as_str()
                .ok_or_else(|| format!("\"speak\" must be a string: {request}"))?;
            let before = seconds(request, "speak_before", speech::CALLER_LEAD)?;
            let after = seconds(request, "speak_after", speech::CALLER_TAIL)?;
            let path = self.file(&format!("{name}.wav"))?;
            Speech {
                before,
                after,
                ..Speech::caller(text)
            }
            .write(&path)
            .map_err(|e| e.to_string())?;
            return Ok(Some(path));
        }
        let Some(hz) = number(request, "tone_hz") else {
            return Ok(None);
        };
        let path = self.file(&format!("{name}.wav"))?;
        // Longer than any test: baresip ends the call when its WAV ends.
        frontdesk_testbed::tone_wav(&path, hz as f64, 300.0, 8000).map_err(|e| e.to_string())?;
        Ok(Some(path))
    }

    /// A path in the lab's own temporary directory.
    fn file(&mut self, name: &str) -> Result<PathBuf, String> {
        if self.dir.is_none() {
            self.dir = Some(tempfile::tempdir().map_err(|e| e.to_string())?);
        }
        Ok(self.dir.as_ref().unwrap().path().join(name))
    }

    async fn start_baresip(&mut self, request: &Value) -> Result<Value, String> {
        let name = text(request, "name")?.to_owned();
        let direct = flag(request, "direct");
        let mut options = BaresipOptions::new(text(request, "user")?);
        options.registrar = if direct {
            None
        } else {
            Some(self.kamailio()?.addr())
        };
        options.codecs = vec!["PCMU".into()];
        options.auto_answer = flag(request, "auto_answer");
        options.play_wav = self.media(&name, request)?;
        let mut phone = Baresip::start(options).await.map_err(|e| e.to_string())?;
        if !direct {
            phone
                .wait_registered(REGISTER_WAIT)
                .await
                .map_err(|e| e.to_string())?;
        }
        let reply = json!({ "uri": phone.uri() });
        self.phones.insert(name, Phone::Baresip(phone));
        Ok(reply)
    }

    async fn start_linphone(&mut self, request: &Value) -> Result<Value, String> {
        let name = text(request, "name")?.to_owned();
        let direct = flag(request, "direct");
        let mut options = LinphoneOptions::new(text(request, "user")?);
        options.registrar = if direct {
            None
        } else {
            Some(self.kamailio()?.addr())
        };
        options.auto_answer = flag(request, "auto_answer");
        options.play_wav = self.media(&name, request)?;
        let mut phone = Linphone::start(options).await.map_err(|e| e.to_string())?;
        if !direct {
            phone
                .wait_registered(REGISTER_WAIT)
                .await
                .map_err(|e| e.to_string())?;
        }
        let reply = json!({ "uri": phone.uri() });
        self.phones.insert(name, Phone::Linphone(phone));
        Ok(reply)
    }

    async fn dial(&mut self, request: &Value) -> Result<Value, String> {
        let target = text(request, "target")?;
        // A bare user is dialled through Kamailio, like a colleague's desk phone would.
        let uri = if target.starts_with("sip:") {
            target.to_owned()
        } else {
            self.kamailio()?.aor(target)
        };
        match self.phone(request)? {
            Phone::Baresip(phone) => phone.dial(&uri).await.map(|()| json!({})),
            Phone::Linphone(phone) => phone.dial(&uri).await.map(|id| json!({ "call": id })),
        }
        .map_err(|e| e.to_string())
    }

    async fn answer(&mut self, request: &Value) -> Result<Value, String> {
        let call = number(request, "call");
        match self.phone(request)? {
            Phone::Baresip(phone) => phone.answer().await,
            Phone::Linphone(phone) => match call {
                Some(id) => phone.answer_call(id as u32).await,
                None => phone.answer().await,
            },
        }
        .map(|()| json!({}))
        .map_err(|e| e.to_string())
    }

    async fn hangup(&mut self, request: &Value) -> Result<Value, String> {
        match self.phone(request)? {
            Phone::Baresip(phone) => phone.hangup().await,
            Phone::Linphone(phone) => phone.hangup_all().await,
        }
        .map(|()| json!({}))
        .map_err(|e| e.to_string())
    }

    /// Presses `keys` on a baresip phone in its call: RFC 4733 events, a quarter second apart.
    async fn keys(&mut self, request: &Value) -> Result<Value, String> {
        let keys = text(request, "keys")?.to_owned();
        if let Some(bad) = keys.chars().find(|c| !"0123456789*#ABCD".contains(*c)) {
            return Err(format!("\"keys\": {bad:?} is no phone key: {request}"));
        }
        let Phone::Baresip(phone) = self.phone(request)? else {
            return Err(format!("keys: only baresip phones press keys: {request}"));
        };
        for key in keys.chars() {
            phone
                .command("sndcode", &key.to_string())
                .await
                .map_err(|e| e.to_string())?;
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        Ok(json!({}))
    }

    /// Waits for a baresip event (`Incoming`, `Ringing`, `Established`, `Closed` or a raw
    /// ctrl_tcp type) or a linphonec event ([`LinphoneEventKind`] by name, optionally of one call).
    async fn wait(&mut self, request: &Value) -> Result<Value, String> {
        let event = text(request, "event")?.to_owned();
        let call = number(request, "call").map(|id| id as u32);
        let timeout = Duration::from_millis(number(request, "timeout_ms").unwrap_or(15_000));
        match self.phone(request)? {
            Phone::Baresip(phone) => {
                let kind = match event.as_str() {
                    "Incoming" => "CALL_INCOMING",
                    "Ringing" => "CALL_RINGING",
                    "Progress" => "CALL_PROGRESS",
                    "Established" => "CALL_ESTABLISHED",
                    "Closed" => "CALL_CLOSED",
                    raw => raw,
                };
                let seen = phone
                    .wait_event(kind, timeout)
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(json!({ "event": event, "detail": seen.param, "peer": seen.peer_uri }))
            }
            Phone::Linphone(phone) => {
                let kind = linphone_kind(&event)?;
                let seen = match call {
                    Some(id) => phone.wait_call_event(id, kind, timeout).await,
                    None => phone.wait_event(kind, timeout).await,
                }
                .map_err(|e| e.to_string())?;
                Ok(
                    json!({ "event": event, "call": seen.call, "detail": seen.detail, "peer": seen.peer }),
                )
            }
        }
    }
}

fn linphone_kind(name: &str) -> Result<LinphoneEventKind, String> {
    use LinphoneEventKind as K;
    Ok(match name {
        "Incoming" => K::Incoming,
        "OutgoingInit" => K::OutgoingInit,
        "OutgoingProgress" => K::OutgoingProgress,
        "Ringing" => K::Ringing,
        "EarlyMedia" => K::EarlyMedia,
        "Connected" => K::Connected,
        "StreamsRunning" => K::StreamsRunning,
        "Pausing" => K::Pausing,
        "Paused" => K::Paused,
        "PausedByRemote" => K::PausedByRemote,
        "Resuming" => K::Resuming,
        "Ended" => K::Ended,
        "Error" => K::Error,
        "AttendedTransferStarted" => K::AttendedTransferStarted,
        "Transferred" => K::Transferred,
        "ReferReceived" => K::ReferReceived,
        "DtmfReceived" => K::DtmfReceived,
        other => return Err(format!("no linphonec event named {other:?}")),
    })
}
