//! Sans-IO parser of linphonec's console output.
//!
//! linphonec prints one sentence per call state change (`linphonec.c`,
//! `linphonec_call_state_changed`), its prompt `linphonec> ` without a line
//! break, readline's echo of every command it reads, and the replies of
//! commands. A few replies lack a trailing newline, so the prompt that follows
//! them is glued on: every `linphonec> ` is therefore treated as a line break.

/// What happened to a call, one kind per sentence linphonec prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinphoneEventKind {
    /// `Receiving new incoming call from P, assigned id N`.
    Incoming,
    /// `Establishing call id to P, assigned id N` (also the INVITE a transferee
    /// sends after a REFER).
    OutgoingInit,
    /// `Call N to P in progress.`
    OutgoingProgress,
    /// `Call N to P ringing.`: the callee rings (180).
    Ringing,
    /// `Call N with P early media.`
    EarlyMedia,
    /// `Call N with P connected.`: answered (200/ACK).
    Connected,
    /// `Media streams established with P for call N (audio).`: audio flows
    /// (again after a pause or a re-INVITE).
    StreamsRunning,
    /// `Pausing call N with P.`: our hold re-INVITE is under way.
    Pausing,
    /// `Call N with P is now paused.`: we hold the call.
    Paused,
    /// `Call N has been paused by P.`: the far end holds the call.
    PausedByRemote,
    /// `Resuming call N with P.`
    Resuming,
    /// `Call N with P ended (reason).`
    Ended,
    /// `Call N with P error.`: the call failed (e.g. 404, 486, timeout).
    Error,
    /// `Performing attended transfer of call N to call M` (we send REFER with
    /// Replaces).
    AttendedTransferStarted,
    /// `The distant endpoint P of call N has been transfered, ...`: the
    /// transferee reported (NOTIFY) that the transfer succeeded.
    Transferred,
    /// `Receiving out of call refer to URI`.
    ReferReceived,
    /// `Receiving tone D from P`: an RFC 4733 / INFO digit.
    DtmfReceived,
}

/// One event parsed from linphonec's output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinphoneEvent {
    /// What happened.
    pub kind: LinphoneEventKind,
    /// linphonec's own call id (1, 2, ... per process, as used by `answer N`,
    /// `terminate N`, `transfer N`); `None` for events not tied to a call.
    pub call: Option<u32>,
    /// The second call of an attended transfer (`--to-call M`).
    pub other_call: Option<u32>,
    /// The remote party as linphonec prints it (`"301" <sip:301@127.0.0.1>`
    /// or a bare URI); the REFER target for [`LinphoneEventKind::ReferReceived`].
    pub peer: String,
    /// The end reason for [`LinphoneEventKind::Ended`] (`No error`,
    /// `Declined`, `Busy`, `IO error`, ...), the digit for
    /// [`LinphoneEventKind::DtmfReceived`], empty otherwise.
    pub detail: String,
    /// The console line it was parsed from.
    pub line: String,
}

/// The prompt linphonec prints before reading each command.
pub(crate) const PROMPT: &str = "linphonec> ";

/// Splits raw console text (one `\n`-terminated chunk) into logical lines:
/// removes `\r`, ANSI escapes and prompts, drops empty pieces.
pub(crate) fn logical_lines(raw: &str) -> Vec<String> {
    let clean = strip_control(raw);
    clean
        .split('\n')
        .flat_map(|l| l.split(PROMPT))
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

fn strip_control(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => {
                // CSI: ESC [ params final-byte; other escapes: ESC + one char.
                if chars.peek() == Some(&'[') {
                    chars.next();
                    for d in chars.by_ref() {
                        if ('@'..='~').contains(&d) {
                            break;
                        }
                    }
                } else {
                    chars.next();
                }
            }
            '\r' => {}
            c if c.is_control() && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// Parses one logical line into an event, `None` for anything else
/// (command echoes, replies, warnings).
pub(crate) fn parse_event(line: &str) -> Option<LinphoneEvent> {
    use LinphoneEventKind as K;
    let ev = |kind, call: Option<u32>, peer: &str, detail: &str| LinphoneEvent {
        kind,
        call,
        other_call: None,
        peer: peer.to_owned(),
        detail: detail.to_owned(),
        line: line.to_owned(),
    };
    if let Some(rest) = line.strip_prefix("Receiving new incoming call from ") {
        let (peer, id) = rest.rsplit_once(", assigned id ")?;
        return Some(ev(K::Incoming, Some(id.trim().parse().ok()?), peer, ""));
    }
    if let Some(rest) = line.strip_prefix("Establishing call id to ") {
        let (peer, id) = rest.rsplit_once(", assigned id ")?;
        return Some(ev(K::OutgoingInit, Some(id.trim().parse().ok()?), peer, ""));
    }
    if let Some(rest) = line.strip_prefix("Media streams established with ") {
        let (peer, tail) = rest.rsplit_once(" for call ")?;
        let id = tail.split_whitespace().next()?.parse().ok()?;
        return Some(ev(K::StreamsRunning, Some(id), peer, ""));
    }
    if let Some(rest) = line.strip_prefix("Pausing call ") {
        let (id, peer) = call_with(rest)?;
        return Some(ev(K::Pausing, Some(id), peer.strip_suffix('.')?, ""));
    }
    if let Some(rest) = line.strip_prefix("Resuming call ") {
        let (id, peer) = call_with(rest)?;
        return Some(ev(K::Resuming, Some(id), peer.strip_suffix('.')?, ""));
    }
    if let Some(rest) = line.strip_prefix("Performing attended transfer of call ") {
        let (a, b) = rest.split_once(" to call ")?;
        let mut e = ev(
            K::AttendedTransferStarted,
            Some(a.trim().parse().ok()?),
            "",
            "",
        );
        e.other_call = Some(b.trim().parse().ok()?);
        return Some(e);
    }
    if let Some(rest) = line.strip_prefix("The distant endpoint ") {
        let (peer, tail) = rest.split_once(" of call ")?;
        let id = tail.split_whitespace().next()?.parse().ok()?;
        return tail
            .contains("has been transfered")
            .then(|| ev(K::Transferred, Some(id), peer, ""));
    }
    if let Some(uri) = line.strip_prefix("Receiving out of call refer to ") {
        return Some(ev(K::ReferReceived, None, uri, ""));
    }
    if let Some(rest) = line.strip_prefix("Receiving tone ") {
        let (digit, peer) = rest.split_once(" from ")?;
        return Some(ev(K::DtmfReceived, None, peer, digit));
    }
    let rest = line.strip_prefix("Call ")?;
    let (id, rest) = rest.split_once(' ')?;
    let id: u32 = id.parse().ok()?;
    if let Some(peer) = rest.strip_prefix("has been paused by ") {
        return Some(ev(K::PausedByRemote, Some(id), peer.strip_suffix('.')?, ""));
    }
    if let Some(rest) = rest.strip_prefix("to ") {
        if let Some(peer) = rest.strip_suffix(" in progress.") {
            return Some(ev(K::OutgoingProgress, Some(id), peer, ""));
        }
        if let Some(peer) = rest.strip_suffix(" ringing.") {
            return Some(ev(K::Ringing, Some(id), peer, ""));
        }
        return None;
    }
    let rest = rest.strip_prefix("with ")?;
    if let Some((peer, reason)) = rest.rsplit_once(" ended (") {
        return Some(ev(K::Ended, Some(id), peer, reason.strip_suffix(").")?));
    }
    for (suffix, kind) in [
        (" connected.", K::Connected),
        (" early media.", K::EarlyMedia),
        (" is now paused.", K::Paused),
        (" error.", K::Error),
    ] {
        if let Some(peer) = rest.strip_suffix(suffix) {
            return Some(ev(kind, Some(id), peer, ""));
        }
    }
    None
}

/// `"N with P..."` -> `(N, "P...")`.
fn call_with(rest: &str) -> Option<(u32, &str)> {
    let (id, peer) = rest.split_once(" with ")?;
    Some((id.trim().parse().ok()?, peer))
}

/// Registration state of the account, from the `states proxies` command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinphoneRegState {
    /// `LinphoneRegistrationNone`: not tried yet.
    None,
    /// `LinphoneRegistrationProgress`: REGISTER sent, no final answer yet.
    Progress,
    /// `LinphoneRegistrationOk`: 200 OK.
    Ok,
    /// `LinphoneRegistrationCleared`: unregistered.
    Cleared,
    /// `LinphoneRegistrationFailed`: refused (wrong password, ...) or no answer;
    /// liblinphone retries later by itself.
    Failed,
    /// No account configured (`(empty)`): started without a registrar.
    NoAccount,
}

/// Reads the state out of the reply lines of `states proxies`.
pub(crate) fn parse_reg_state(reply: &[String]) -> Option<LinphoneRegState> {
    if reply.iter().any(|l| l == "(empty)") {
        return Some(LinphoneRegState::NoAccount);
    }
    let word = reply.iter().find_map(|l| {
        l.rsplit_once("| LinphoneRegistration")
            .map(|(_, s)| s.trim())
    })?;
    Some(match word {
        "None" => LinphoneRegState::None,
        "Progress" => LinphoneRegState::Progress,
        "Ok" => LinphoneRegState::Ok,
        "Cleared" => LinphoneRegState::Cleared,
        "Failed" => LinphoneRegState::Failed,
        _ => return None,
    })
}

/// Replies of linphonec that mean the command before them did nothing.
pub(crate) const FAILURE_REPLIES: &[&str] = &[
    "Cannot understand this.",
    "Syntax error.",
    "Sorry, no call with id",
    "There are no calls to answer.",
    "Multiple calls in progress",
    "Fail to accept",
    "No active call",
    "Could not stop",
    "Terminate or hold on the current call first.",
    "Error from linphone_core_invite.",
    "you can only pause when a call is in process",
    "There is already a call in process",
    "There was a problem to resume",
    "There is no calls at this time.",
    "please specify call id",
    "Transfer command requires",
];

/// The first reply line that reports a failure, if any.
pub(crate) fn failure_in(reply: &[String]) -> Option<&str> {
    reply
        .iter()
        .find(|l| FAILURE_REPLIES.iter().any(|f| l.contains(f)))
        .map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::LinphoneEventKind as K;
    use super::*;

    fn one(line: &str) -> LinphoneEvent {
        parse_event(line).unwrap_or_else(|| panic!("no event in {line:?}"))
    }

    #[test]
    fn call_lifecycle_sentences() {
        let e = one("Receiving new incoming call from \"302\" <sip:302@127.0.0.1>, assigned id 1");
        assert_eq!(
            (e.kind, e.call, e.peer.as_str()),
            (K::Incoming, Some(1), "\"302\" <sip:302@127.0.0.1>")
        );
        let e = one("Establishing call id to sip:301@127.0.0.1, assigned id 12");
        assert_eq!((e.kind, e.call), (K::OutgoingInit, Some(12)));
        assert_eq!(
            one("Call 1 to sip:301@127.0.0.1 in progress.").kind,
            K::OutgoingProgress
        );
        assert_eq!(one("Call 1 to sip:301@127.0.0.1 ringing.").kind, K::Ringing);
        assert_eq!(
            one("Call 1 with sip:301@127.0.0.1 early media.").kind,
            K::EarlyMedia
        );
        let e = one("Call 1 with \"302\" <sip:302@127.0.0.1> connected.");
        assert_eq!(
            (e.kind, e.peer.as_str()),
            (K::Connected, "\"302\" <sip:302@127.0.0.1>")
        );
        let e = one("Media streams established with sip:301@127.0.0.1 for call 3 (audio).");
        assert_eq!(
            (e.kind, e.call, e.peer.as_str()),
            (K::StreamsRunning, Some(3), "sip:301@127.0.0.1")
        );
        let e = one("Pausing call 1 with sip:301@127.0.0.1.");
        assert_eq!((e.kind, e.peer.as_str()), (K::Pausing, "sip:301@127.0.0.1"));
        assert_eq!(
            one("Call 1 with sip:301@127.0.0.1 is now paused.").kind,
            K::Paused
        );
        let e = one("Call 2 has been paused by \"302\" <sip:302@127.0.0.1>.");
        assert_eq!(
            (e.kind, e.call, e.peer.as_str()),
            (K::PausedByRemote, Some(2), "\"302\" <sip:302@127.0.0.1>")
        );
        assert_eq!(
            one("Resuming call 1 with sip:301@127.0.0.1.").kind,
            K::Resuming
        );
        let e = one("Call 1 with \"302\" <sip:302@127.0.0.1> ended (No error).");
        assert_eq!((e.kind, e.detail.as_str()), (K::Ended, "No error"));
        let e = one("Call 4 with sip:9@127.0.0.1 ended (IO error).");
        assert_eq!((e.call, e.detail.as_str()), (Some(4), "IO error"));
        assert_eq!(one("Call 1 with sip:404@127.0.0.1 error.").kind, K::Error);
    }

    #[test]
    fn transfer_and_misc_sentences() {
        let e = one("Performing attended transfer of call 1 to call 2");
        assert_eq!(
            (e.kind, e.call, e.other_call),
            (K::AttendedTransferStarted, Some(1), Some(2))
        );
        let e = one("The distant endpoint \"301\" <sip:301@127.0.0.1> of call 1 has been transfered, you can safely close the call.");
        assert_eq!(
            (e.kind, e.call, e.peer.as_str()),
            (K::Transferred, Some(1), "\"301\" <sip:301@127.0.0.1>")
        );
        let e = one("Receiving out of call refer to sip:303@127.0.0.1");
        assert_eq!(
            (e.kind, e.call, e.peer.as_str()),
            (K::ReferReceived, None, "sip:303@127.0.0.1")
        );
        let e = one("Receiving tone 5 from sip:301@127.0.0.1");
        assert_eq!((e.kind, e.detail.as_str()), (K::DtmfReceived, "5"));
        // A Replaces URI in the peer keeps its text.
        let e = one("Establishing call id to <sip:303@127.0.0.1?Replaces=~Up%3bfrom-tag%3dp-%3bto-tag%3dJ~b>, assigned id 2");
        assert_eq!(
            e.peer,
            "<sip:303@127.0.0.1?Replaces=~Up%3bfrom-tag%3dp-%3bto-tag%3dJ~b>"
        );
    }

    #[test]
    fn other_lines_are_not_events() {
        for l in [
            "answer 1",
            "Using wav files instead of soundcard.",
            "Call states",
            "1  | sip:301@127.0.0.1                   | Paused          |",
            "Call 1 is not fully encrypted and auth token is absent.",
            "Call x with y connected.",
            "Warning: video is disabled in linphonec, use -V or -C or -D to enable.",
            "",
        ] {
            assert_eq!(parse_event(l), None, "{l:?}");
        }
    }

    #[test]
    fn prompts_and_glued_replies_are_split() {
        let raw = "Performing attended transfer of call 1 to call 2linphonec> Call 1 with \"301\" <sip:301@127.0.0.1> is now paused.\r\n";
        let lines = logical_lines(raw);
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert_eq!(one(&lines[0]).kind, K::AttendedTransferStarted);
        assert_eq!(one(&lines[1]).kind, K::Paused);
        assert_eq!(
            logical_lines("linphonec> \u{1b}[0mcalls\n"),
            vec!["calls".to_string()]
        );
        assert!(logical_lines("linphonec> \n").is_empty());
    }

    #[test]
    fn registration_states() {
        let reply = |s: &str| vec!["Proxy registration states".to_string(), s.to_string()];
        assert_eq!(
            parse_reg_state(&reply(
                "\"301\" <sip:301@127.0.0.1>                | LinphoneRegistrationOk"
            )),
            Some(LinphoneRegState::Ok)
        );
        assert_eq!(
            parse_reg_state(&reply(
                "\"301\" <sip:301@127.0.0.1> | LinphoneRegistrationFailed"
            )),
            Some(LinphoneRegState::Failed)
        );
        assert_eq!(
            parse_reg_state(&reply("(empty)")),
            Some(LinphoneRegState::NoAccount)
        );
        assert_eq!(parse_reg_state(&reply("garbage")), None);
    }

    #[test]
    fn failures_are_recognised() {
        let r = vec!["Terminate or hold on the current call first.".to_string()];
        assert!(failure_in(&r).is_some());
        assert!(failure_in(&["Using wav files instead of soundcard.".to_string()]).is_none());
    }
}
