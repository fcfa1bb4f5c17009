//! The text output of `frontdesk ctl` without `--json`: compact lines and aligned tables for
//! people. Scripts should use `--json`; this format may change.

use frontdesk_api::{
    AccountStatus, CallDirection, CallInfo, CallState, DoNotDisturb, EmailState, ExportedMessage,
    HistoryEntry, InboxCounts, InboxEntry, InboxKind, Lamp, LampState, PeriodCount,
    RegistrationState, Status, TranscriptionState, UnixMillis, VoicemailMessage,
};

/// How many characters of a transcript the inbox table shows.
const TABLE_PREVIEW_CHARS: usize = 48;

/// Width the transcript of `ctl inbox show` is wrapped to.
const TRANSCRIPT_WIDTH: usize = 76;

/// `ctl status`: a summary line and one row per account.
pub fn status(status: &Status) -> String {
    let calls = match status.active_calls {
        1 => "1 call".to_owned(),
        n => format!("{n} calls"),
    };
    let listening = if status.listening.is_empty() {
        "not listening".to_owned()
    } else {
        format!("listening on {}", status.listening.join(", "))
    };
    let dnd = if status.do_not_disturb {
        "; do-not-disturb on"
    } else {
        ""
    };
    let mut out = format!("Frontdesk {}: {listening}; {calls}{dnd}\n", status.version);
    if status.accounts.is_empty() {
        out.push_str("no accounts configured\n");
    } else {
        let rows = status.accounts.iter().map(account_row).collect();
        out.push_str(&table(
            &["ACCOUNT", "STATE", "AOR", "TRANSPORT", "REASON"],
            rows,
        ));
    }
    out
}

/// `ctl dnd`: the switch's state and what it means.
pub fn do_not_disturb(dnd: &DoNotDisturb) -> String {
    if dnd.on {
        "do-not-disturb is on: the voicemail takes every call at once\n".to_owned()
    } else {
        "do-not-disturb is off: calls ring\n".to_owned()
    }
}

fn account_row(account: &AccountStatus) -> Vec<String> {
    vec![
        account.name.clone(),
        registration(account.state).to_owned(),
        account.aor.clone(),
        account.transport.clone(),
        account.reason.clone().unwrap_or_default(),
    ]
}

/// One call on one line, for `dial`, `answer` and `hangup`.
pub fn call_line(call: &CallInfo) -> String {
    let mut line = format!(
        "{} {} {} {}",
        call.id,
        direction(call.direction),
        call_state(call.state),
        remote(&call.remote_display, call.remote_name.as_deref()),
    );
    if let Some(account) = &call.account {
        line.push_str(&format!(" via {account}"));
    }
    if let Some(reason) = &call.end_reason {
        line.push_str(&format!(" ({reason})"));
    }
    line.push('\n');
    line
}

/// `ctl calls`: a table of the live calls.
pub fn calls(calls: &[CallInfo]) -> String {
    if calls.is_empty() {
        return "no calls\n".to_owned();
    }
    let rows = calls
        .iter()
        .map(|c| {
            vec![
                c.id.clone(),
                direction(c.direction).to_owned(),
                call_state(c.state).to_owned(),
                remote(&c.remote_display, c.remote_name.as_deref()),
                c.account.clone().unwrap_or_else(|| "-".into()),
                c.codec.clone().unwrap_or_else(|| "-".into()),
                utc(c.started_at),
            ]
        })
        .collect();
    table(
        &[
            "ID",
            "DIRECTION",
            "STATE",
            "REMOTE",
            "ACCOUNT",
            "CODEC",
            "STARTED (UTC)",
        ],
        rows,
    )
}

/// `ctl history`: a table of past calls, newest first.
/// The busy-lamp panel as a table, for `ctl blf`.
pub fn lamps(lamps: &[Lamp]) -> String {
    if lamps.is_empty() {
        return "no extensions watched (list them in an account's `blf = [...]`)\n".to_owned();
    }
    let rows = lamps
        .iter()
        .map(|l| {
            let state = match l.state {
                LampState::Unknown => "unknown",
                LampState::Idle => "idle",
                LampState::Ringing => "ringing",
                LampState::Busy => "busy",
            };
            let detail = match (&l.caller, &l.problem) {
                (Some(caller), _) => format!("call from {caller}"),
                (None, Some(problem)) => problem.clone(),
                (None, None) => String::new(),
            };
            vec![
                l.extension.clone(),
                state.to_owned(),
                l.account.clone(),
                detail,
            ]
        })
        .collect();
    table(&["EXTENSION", "STATE", "ACCOUNT", "DETAIL"], rows)
}

pub fn history(entries: &[HistoryEntry]) -> String {
    if entries.is_empty() {
        return "no calls in the history\n".to_owned();
    }
    let rows = entries
        .iter()
        .map(|h| {
            vec![
                utc(h.started_at),
                direction(h.direction).to_owned(),
                remote(&h.remote_display, h.remote_name.as_deref()),
                h.account.clone().unwrap_or_else(|| "-".into()),
                duration(h.duration_seconds),
                h.end_reason.clone().unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    table(
        &[
            "STARTED (UTC)",
            "DIRECTION",
            "REMOTE",
            "ACCOUNT",
            "TALK",
            "RESULT",
        ],
        rows,
    )
}

/// `ctl inbox`: a table, newest first; `*` marks unread entries.
pub fn inbox(entries: &[InboxEntry], filtered: bool) -> String {
    if entries.is_empty() {
        return if filtered {
            "no voicemail matches; `frontdesk ctl inbox` without filters lists everything\n"
        } else {
            "the inbox is empty\n"
        }
        .to_owned();
    }
    let rows = entries
        .iter()
        .map(|e| {
            vec![
                e.id.to_string(),
                if e.read { "" } else { "*" }.to_owned(),
                utc(e.received_at),
                caller(
                    &e.caller_display,
                    e.caller_name.as_deref(),
                    e.contact_name.as_deref(),
                    e.contact_confidence,
                ),
                e.category.clone(),
                duration(rounded_seconds(e.duration_ms)),
                gist(e),
            ]
        })
        .collect();
    table(
        &[
            "ID",
            "NEW",
            "RECEIVED (UTC)",
            "FROM",
            "CATEGORY",
            "LENGTH",
            "MESSAGE",
        ],
        rows,
    )
}

/// What the table says about the content: the first words, or why there are none.
fn gist(entry: &InboxEntry) -> String {
    if entry.kind == InboxKind::Attempt {
        return match &entry.connected_to {
            Some(target) => format!("(put through to {target}, no message)"),
            None => "(call attempt, no message)".to_owned(),
        };
    }
    match (entry.transcription_state, entry.preview.as_deref()) {
        (TranscriptionState::Done, Some(text)) if !text.trim().is_empty() => {
            let text = text.trim_end_matches('…');
            match text.char_indices().nth(TABLE_PREVIEW_CHARS) {
                Some((cut, _)) => format!("{}…", text[..cut].trim_end()),
                None if entry.preview.as_deref().is_some_and(|p| p.ends_with('…')) => {
                    format!("{text}…")
                }
                None => text.to_owned(),
            }
        }
        (TranscriptionState::Done, _) => "(no speech)".to_owned(),
        (TranscriptionState::Pending, _) => "(transcribing…)".to_owned(),
        (TranscriptionState::Failed, _) => "(transcription failed)".to_owned(),
        (TranscriptionState::None, _) => "(no transcript)".to_owned(),
    }
}

/// Who called: the contact if identified (`?` when only guessed), else the name the call
/// carried, with the number.
fn caller(
    number: &str,
    name: Option<&str>,
    contact: Option<&str>,
    confidence: Option<f64>,
) -> String {
    let guessed = confidence.is_some_and(|c| c < 1.0);
    let who = match (contact, name) {
        (Some(contact), _) if guessed => Some(format!("{contact}?")),
        (Some(contact), _) => Some(contact.to_owned()),
        (None, Some(name)) if !name.is_empty() => Some(name.to_owned()),
        _ => None,
    };
    match (who, number) {
        (Some(who), "") => who,
        (Some(who), number) => format!("{who} <{number}>"),
        (None, "") => "unknown caller".to_owned(),
        (None, number) => number.to_owned(),
    }
}

/// `ctl inbox show`: one message, labelled lines and the wrapped transcript.
pub fn voicemail(m: &VoicemailMessage) -> String {
    let kind = match m.kind {
        InboxKind::Message => "message",
        InboxKind::Attempt => "call attempt",
    };
    let read = if m.read { "read" } else { "unread" };
    let mut out = format!("Voicemail {} ({kind}, {read})\n", m.id);
    let mut line = |label: &str, value: String| {
        out.push_str(&format!("{:<11}{value}\n", format!("{label}:")));
    };
    line(
        "From",
        caller(&m.caller_display, m.caller_name.as_deref(), None, None),
    );
    if let Some(contact) = &m.contact_name {
        let how = match m.contact_confidence {
            Some(c) if c < 1.0 => format!(" (guessed from the message, {:.0} % sure)", c * 100.0),
            _ => " (by number)".to_owned(),
        };
        line("Contact", format!("{contact}{how}"));
    }
    line("Received", format!("{} UTC", utc(m.received_at)));
    line("Length", duration(rounded_seconds(m.duration_ms)));
    line("Mailbox", m.mailbox.clone());
    line("Category", m.category.clone());
    if let Some(target) = &m.connected_to {
        line(
            "Taken by",
            format!("{target} (put through by the voicemail)"),
        );
    }
    let recording = match (m.kind, m.has_audio) {
        (InboxKind::Attempt, _) => "none (the caller left no message)".to_owned(),
        (_, true) => format!(
            "yes (`frontdesk ctl inbox export {} DIR` saves it as WAV)",
            m.id
        ),
        (_, false) => "missing from the data directory".to_owned(),
    };
    line("Recording", recording);
    match (m.email_state, &m.email_error) {
        (EmailState::None, _) => {}
        (EmailState::Failed, Some(error)) => line("E-mail", format!("failed: {error}")),
        (state, _) => line("E-mail", email_state(state).to_owned()),
    }
    if m.kind == InboxKind::Message {
        let heading = match &m.language {
            Some(language) => format!("Transcript ({language}):\n"),
            None => "Transcript:\n".to_owned(),
        };
        out.push('\n');
        out.push_str(&heading);
        let body = match (m.transcription_state, &m.transcript, &m.transcription_error) {
            (TranscriptionState::Done, Some(text), _) if !text.trim().is_empty() => text.clone(),
            (TranscriptionState::Done, _, _) => "(no speech)".to_owned(),
            (TranscriptionState::Pending, _, _) => {
                "(being transcribed; try again in a moment)".to_owned()
            }
            (_, _, Some(why)) => format!("(none: {why})"),
            (_, _, None) => "(none)".to_owned(),
        };
        for wrapped in wrap(&body, TRANSCRIPT_WIDTH) {
            out.push_str("  ");
            out.push_str(&wrapped);
            out.push('\n');
        }
    }
    out
}

/// `ctl inbox mark-read` / `mark-unread`.
pub fn marked(entry: &InboxEntry) -> String {
    let state = if entry.read { "read" } else { "unread" };
    format!("voicemail {} is {state}\n", entry.id)
}

/// `ctl inbox export`: where the files went.
pub fn exported(files: &ExportedMessage) -> String {
    format!(
        "recording:  {}\ntranscript: {}\n",
        files.audio.display(),
        files.transcript.display()
    )
}

/// `ctl inbox counts`: the unread badge, totals and the per-day and per-month tables.
pub fn inbox_counts(counts: &InboxCounts) -> String {
    let total = |periods: &[PeriodCount]| {
        let messages: u64 = periods.iter().map(|p| p.messages).sum();
        let attempts: u64 = periods.iter().map(|p| p.attempts).sum();
        format!("{} messages, {} call attempts", messages, attempts)
    };
    let rows = |periods: &[PeriodCount]| -> Vec<Vec<String>> {
        periods
            .iter()
            .map(|p| {
                vec![
                    p.period.clone(),
                    p.messages.to_string(),
                    p.attempts.to_string(),
                ]
            })
            .collect()
    };
    let mut out = format!("unread messages: {}\n", counts.unread_messages);
    out.push_str(&format!("last 7 days: {}\n", total(&counts.last_7_days)));
    out.push_str(&format!("last 30 days: {}\n", total(&counts.last_30_days)));
    out.push_str(&format!(
        "last 12 months: {}\n\n",
        total(&counts.last_12_months)
    ));
    out.push_str(&table(
        &["DAY", "MESSAGES", "ATTEMPTS"],
        rows(&counts.last_7_days),
    ));
    out.push('\n');
    out.push_str(&table(
        &["MONTH", "MESSAGES", "ATTEMPTS"],
        rows(&counts.last_12_months),
    ));
    out
}

fn email_state(state: EmailState) -> &'static str {
    match state {
        EmailState::None => "none",
        EmailState::Queued => "queued",
        EmailState::Sending => "sending",
        EmailState::Sent => "sent",
        EmailState::Failed => "failed",
    }
}

/// Milliseconds to whole seconds, rounded (a 14.6 s message is 0:15).
fn rounded_seconds(millis: i64) -> i64 {
    (millis.max(0) + 500) / 1000
}

/// Breaks text into lines of at most `width` characters at spaces (longer words stay whole).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// `ctl keys`: what was sent where.
pub fn keys_sent(keys: &str, call: Option<&str>) -> String {
    match call {
        Some(id) => format!("sent {keys} to call {id}\n"),
        None => format!("sent {keys} to the current call\n"),
    }
}

fn remote(number: &str, name: Option<&str>) -> String {
    match name {
        Some(name) if !name.is_empty() => format!("{name} <{number}>"),
        _ => number.to_owned(),
    }
}

fn direction(direction: CallDirection) -> &'static str {
    match direction {
        CallDirection::Incoming => "incoming",
        CallDirection::Outgoing => "outgoing",
    }
}

fn call_state(state: CallState) -> &'static str {
    match state {
        CallState::Dialing => "dialing",
        CallState::Ringing => "ringing",
        CallState::Incoming => "incoming",
        CallState::Active => "active",
        CallState::Ended => "ended",
    }
}

fn registration(state: RegistrationState) -> &'static str {
    match state {
        RegistrationState::Disabled => "disabled",
        RegistrationState::Registering => "registering",
        RegistrationState::Registered => "registered",
        RegistrationState::Failed => "failed",
        RegistrationState::Unregistered => "unregistered",
    }
}

/// `m:ss`, or `h:mm:ss` from an hour on.
fn duration(seconds: i64) -> String {
    let s = seconds.max(0);
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

/// `YYYY-MM-DD HH:MM` in UTC. UTC keeps the CLI free of time zone data; `--json` has the
/// exact millisecond timestamps.
fn utc(millis: UnixMillis) -> String {
    let seconds = millis.div_euclid(1000);
    let (days, of_day) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}",
        of_day / 3600,
        of_day / 60 % 60
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Left-aligned columns separated by two spaces; the last column is not padded.
pub(crate) fn table(headers: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let header_row: Vec<String> = headers.iter().map(|h| (*h).to_owned()).collect();
    let mut out = String::new();
    for row in std::iter::once(&header_row).chain(&rows) {
        let last = row.len().saturating_sub(1);
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i == last {
                line.push_str(cell);
            } else {
                let pad = widths[i] - cell.chars().count();
                line.push_str(cell);
                line.push_str(&" ".repeat(pad + 2));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_dates_are_right() {
        assert_eq!(utc(0), "1970-01-01 00:00");
        assert_eq!(utc(951_782_400_000), "2000-02-29 00:00");
        assert_eq!(utc(1_709_251_199_000), "2024-02-29 23:59");
        assert_eq!(utc(-60_000), "1969-12-31 23:59");
    }

    #[test]
    fn durations_read_like_clocks() {
        assert_eq!(duration(0), "0:00");
        assert_eq!(duration(75), "1:15");
        assert_eq!(duration(3_723), "1:02:03");
    }

    #[test]
    fn tables_align_columns() {
        let out = table(
            &["ID", "STATE"],
            vec![
                vec!["c1".into(), "active".into()],
                vec!["c10".into(), "ringing".into()],
            ],
        );
        assert_eq!(out, "ID   STATE\nc1   active\nc10  ringing\n");
    }

    fn entry(id: i64) -> InboxEntry {
        InboxEntry {
            id,
            kind: InboxKind::Message,
            mailbox: "office".into(),
            caller_number: "0301234567".into(),
            caller_display: "030 1234567".into(),
            caller_name: None,
            contact_id: None,
            contact_name: None,
            contact_confidence: None,
            received_at: 1_709_251_199_000,
            duration_ms: 14_600,
            category: "invoice".into(),
            read: false,
            has_audio: true,
            transcription_state: TranscriptionState::Done,
            preview: Some("Hello, this is Maria about the invoice.".into()),
            email_state: EmailState::None,
            connected_to: None,
        }
    }

    #[test]
    fn the_inbox_is_an_aligned_table_with_unread_marks() {
        let mut read = entry(9);
        read.read = true;
        read.contact_name = Some("Maria Schmidt".into());
        read.contact_confidence = Some(1.0);
        let mut attempt = entry(10);
        attempt.kind = InboxKind::Attempt;
        attempt.caller_display = String::new();
        attempt.duration_ms = 1_200;
        attempt.category = "general".into();
        let mut put_through = attempt.clone();
        put_through.id = 11;
        put_through.connected_to = Some("203".into());
        let out = inbox(&[entry(12), put_through, read, attempt], false);
        assert_eq!(
            out,
            "ID  NEW  RECEIVED (UTC)    FROM                         CATEGORY  LENGTH  MESSAGE\n\
             12  *    2024-02-29 23:59  030 1234567                  invoice   0:15    Hello, this is Maria about the invoice.\n\
             11  *    2024-02-29 23:59  unknown caller               general   0:01    (put through to 203, no message)\n\
             9        2024-02-29 23:59  Maria Schmidt <030 1234567>  invoice   0:15    Hello, this is Maria about the invoice.\n\
             10  *    2024-02-29 23:59  unknown caller               general   0:01    (call attempt, no message)\n"
        );
        assert_eq!(inbox(&[], false), "the inbox is empty\n");
        assert!(inbox(&[], true).contains("no voicemail matches"));
    }

    #[test]
    fn the_table_says_why_there_are_no_words() {
        let mut e = entry(1);
        e.preview = Some("word ".repeat(40).trim().to_owned() + "…");
        let long = gist(&e);
        assert!(
            long.ends_with('…') && long.chars().count() <= TABLE_PREVIEW_CHARS + 1,
            "{long}"
        );
        e.preview = Some("short and cut by the engine…".into());
        assert_eq!(gist(&e), "short and cut by the engine…");
        for (state, preview, expected) in [
            (TranscriptionState::Done, Some(""), "(no speech)"),
            (TranscriptionState::Pending, None, "(transcribing…)"),
            (TranscriptionState::Failed, None, "(transcription failed)"),
            (TranscriptionState::None, None, "(no transcript)"),
        ] {
            e.transcription_state = state;
            e.preview = preview.map(str::to_owned);
            assert_eq!(gist(&e), expected);
        }
    }

    #[test]
    fn callers_are_named_by_contact_then_signalled_name() {
        assert_eq!(caller("030 1", Some("Ada"), None, None), "Ada <030 1>");
        assert_eq!(
            caller("030 1", Some("Ada"), Some("Ada Lovelace"), Some(1.0)),
            "Ada Lovelace <030 1>"
        );
        assert_eq!(
            caller("030 1", None, Some("Ada Lovelace"), Some(0.7)),
            "Ada Lovelace? <030 1>"
        );
        assert_eq!(caller("", None, None, None), "unknown caller");
        assert_eq!(caller("", Some("Ada"), None, None), "Ada");
    }

    #[test]
    fn show_reads_like_a_note() {
        let message = VoicemailMessage {
            id: 12,
            kind: InboxKind::Message,
            mailbox: "office".into(),
            account: Some("office".into()),
            caller_number: "0301234567".into(),
            caller_e164: Some("+49301234567".into()),
            caller_display: "030 1234567".into(),
            caller_name: Some("Maria".into()),
            contact_id: Some(3),
            contact_name: Some("Maria Schmidt".into()),
            contact_confidence: Some(0.8),
            received_at: 1_709_251_199_000,
            duration_ms: 75_000,
            category: "invoice".into(),
            read: true,
            has_audio: true,
            transcript: Some(format!(
                "{} end.",
                "Please call me back about the invoice.".repeat(3)
            )),
            language: Some("en".into()),
            transcription_state: TranscriptionState::Done,
            transcription_error: None,
            email_state: EmailState::Failed,
            email_error: Some("the mail server refused the password".into()),
            email_sent_at: None,
            sip_call_id: None,
            connected_to: None,
        };
        let out = voicemail(&message);
        assert_eq!(
            out,
            "Voicemail 12 (message, read)\n\
             From:      Maria <030 1234567>\n\
             Contact:   Maria Schmidt (guessed from the message, 80 % sure)\n\
             Received:  2024-02-29 23:59 UTC\n\
             Length:    1:15\n\
             Mailbox:   office\n\
             Category:  invoice\n\
             Recording: yes (`frontdesk ctl inbox export 12 DIR` saves it as WAV)\n\
             E-mail:    failed: the mail server refused the password\n\
             \n\
             Transcript (en):\n\
             \x20 Please call me back about the invoice.Please call me back about the\n\
             \x20 invoice.Please call me back about the invoice. end.\n"
        );
        let pending = VoicemailMessage {
            transcript: None,
            language: None,
            transcription_state: TranscriptionState::None,
            transcription_error: Some("no speech model is installed".into()),
            ..message
        };
        assert!(
            voicemail(&pending).ends_with("Transcript:\n  (none: no speech model is installed)\n")
        );
        let put_through = VoicemailMessage {
            connected_to: Some("203".into()),
            ..pending
        };
        assert!(
            voicemail(&put_through)
                .contains("\nCategory:  invoice\nTaken by:  203 (put through by the voicemail)\n"),
            "{}",
            voicemail(&put_through)
        );
    }

    #[test]
    fn wrapping_keeps_words_whole() {
        assert_eq!(wrap("a bb ccc dddd", 6), ["a bb", "ccc", "dddd"]);
        assert_eq!(wrap("", 6), [""]);
        assert_eq!(
            wrap("averyveryverylongword x", 6),
            ["averyveryverylongword", "x"]
        );
    }

    #[test]
    fn counts_show_totals_and_tables() {
        let day = |period: &str, messages, attempts| PeriodCount {
            period: period.into(),
            start: 0,
            messages,
            attempts,
        };
        let counts = InboxCounts {
            last_7_days: vec![day("2024-03-30", 1, 0), day("2024-03-31", 2, 1)],
            last_30_days: vec![day("2024-03-30", 4, 0)],
            last_12_months: vec![day("2024-03", 10, 3)],
            unread_messages: 2,
        };
        assert_eq!(
            inbox_counts(&counts),
            "unread messages: 2\nlast 7 days: 3 messages, 1 call attempts\n\
             last 30 days: 4 messages, 0 call attempts\nlast 12 months: 10 messages, 3 call attempts\n\n\
             DAY         MESSAGES  ATTEMPTS\n2024-03-30  1         0\n2024-03-31  2         1\n\n\
             MONTH    MESSAGES  ATTEMPTS\n2024-03  10        3\n"
        );
    }

    #[test]
    fn a_call_line_names_the_far_end() {
        let call = CallInfo {
            id: "c3".into(),
            account: Some("office".into()),
            direction: CallDirection::Incoming,
            state: CallState::Ended,
            remote_uri: "sip:200@pbx".into(),
            remote_number: "200".into(),
            remote_display: "200".into(),
            remote_name: Some("Ada".into()),
            codec: None,
            started_at: 0,
            answered_at: None,
            ended_at: None,
            end_reason: Some("declined".into()),
            on_hold: false,
            held_by_remote: false,
            muted: false,
            keys_as_dtmf: false,
            revision: 0,
            linked_call: None,
        };
        assert_eq!(
            call_line(&call),
            "c3 incoming ended Ada <200> via office (declined)\n"
        );
    }
}
