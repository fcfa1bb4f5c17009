//! The text output of `frontdesk ctl` without `--json`: compact lines and aligned tables for
//! people. Scripts should use `--json`; this format may change.

use frontdesk_api::{
    AccountStatus, CallDirection, CallInfo, CallState, HistoryEntry, Lamp, LampState,
    RegistrationState, Status, UnixMillis,
};

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
    let mut out = format!("Frontdesk {}: {listening}; {calls}\n", status.version);
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
fn table(headers: &[&str], rows: Vec<Vec<String>>) -> String {
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
