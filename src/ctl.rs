//! `frontdesk ctl`: one request to the running daemon, printed as text or JSON.

use crate::cli::{CtlArgs, InboxAction, InboxArgs, InboxListArgs, OnOff, Verb};
use crate::failure::Failure;
use crate::{human, settings};
use frontdesk_api::{ApiError, CallAction, DialRequest, InboxFilter, InboxKind, TransferRequest};
use frontdesk_control::ControlClient;
use serde::Serialize;
use std::io::{self, Write};

/// Runs one `ctl` verb against the daemon that serves the config's data directory.
pub async fn run(args: CtlArgs) -> Result<(), Failure> {
    let config = settings::load(args.config.as_deref())?;
    let client = ControlClient::discover(&config.data.dir).await?;
    let out = Output { json: args.json };
    match args.verb {
        Verb::Status => out.show(client.status().await, human::status),
        Verb::Dial { target, account } => out.show(
            client.dial(&DialRequest { target, account }).await,
            human::call_line,
        ),
        Verb::Answer { call } => out.show(client.answer(call.as_deref()).await, human::call_line),
        Verb::Hangup { call } => out.show(client.hangup(call.as_deref()).await, human::call_line),
        Verb::Decline { call, busy } => {
            let action = if busy {
                CallAction::Busy
            } else {
                CallAction::Decline
            };
            out.show(client.act(call.as_deref(), action).await, human::call_line)
        }
        Verb::Hold { call } => out.show(
            client.act(call.as_deref(), CallAction::Hold).await,
            human::call_line,
        ),
        Verb::Resume { call } => out.show(
            client.act(call.as_deref(), CallAction::Resume).await,
            human::call_line,
        ),
        Verb::Mute { call } => out.show(
            client.act(call.as_deref(), CallAction::Mute).await,
            human::call_line,
        ),
        Verb::Unmute { call } => out.show(
            client.act(call.as_deref(), CallAction::Unmute).await,
            human::call_line,
        ),
        Verb::KeysAsDtmf { call, off } => {
            let action = if off {
                CallAction::KeyCodes
            } else {
                CallAction::KeysAsDtmf
            };
            out.show(client.act(call.as_deref(), action).await, human::call_line)
        }
        Verb::Transfer {
            target,
            call,
            attended,
        } => out.show(
            client
                .transfer(call.as_deref(), &TransferRequest { target, attended })
                .await,
            human::call_line,
        ),
        Verb::Keys { sequence, call } => {
            let sent = client
                .keys(&sequence, call.as_deref())
                .await
                .map(|()| KeysSent {
                    keys: sequence.clone(),
                    call: call.clone(),
                });
            out.show(sent, |s| human::keys_sent(&s.keys, s.call.as_deref()))
        }
        Verb::Calls => out.show(client.calls().await, |c| human::calls(c)),
        Verb::Blf => out.show(client.lamps().await, |l| human::lamps(l)),
        Verb::History { limit } => out.show(client.history(limit).await, |h| human::history(h)),
        Verb::Inbox(inbox) => run_inbox(&client, &out, inbox).await,
        Verb::Dnd { state } => {
            let result = match state {
                None => client.do_not_disturb().await,
                Some(state) => client.set_do_not_disturb(state == OnOff::On).await,
            };
            out.show(result, human::do_not_disturb)
        }
        Verb::Contacts(contacts) => crate::contacts::run(&client, &out, contacts).await,
        Verb::Events => events(&client).await,
        Verb::UiUrl => {
            let url = client.ui_url();
            out.show(Ok(UiUrl { url: url.clone() }), |_| format!("{url}\n"))
        }
    }
}

/// `ctl inbox ...`: the list, or one action on one entry.
async fn run_inbox(client: &ControlClient, out: &Output, args: InboxArgs) -> Result<(), Failure> {
    let Some(action) = args.action else {
        let filtered = is_filtered(&args.list);
        let filter = inbox_filter(args.list);
        return out.show(client.inbox(&filter).await, |entries| {
            human::inbox(entries, filtered)
        });
    };
    match action {
        InboxAction::Show { id } => out.show(client.voicemail(id).await, human::voicemail),
        InboxAction::MarkRead { id } => out.show(client.mark_read(id, true).await, human::marked),
        InboxAction::MarkUnread { id } => {
            out.show(client.mark_read(id, false).await, human::marked)
        }
        InboxAction::Delete { id } => {
            let deleted = client
                .delete_voicemail(id)
                .await
                .map(|()| Deleted { deleted: id });
            out.show(deleted, |d| format!("deleted voicemail {}\n", d.deleted))
        }
        InboxAction::Export { id, dir } => {
            // The daemon has its own working directory: send it an absolute path.
            let dir = std::path::absolute(&dir).map_err(|e| {
                Failure::Usage(format!("cannot use {} as a directory: {e}", dir.display()))
            })?;
            out.show(client.export_voicemail(id, &dir).await, human::exported)
        }
        InboxAction::Counts {
            mailbox,
            utc_offset,
        } => {
            let offset = utc_offset.unwrap_or_else(local_utc_offset_minutes);
            out.show(
                client.inbox_counts(offset, mailbox.as_deref()).await,
                human::inbox_counts,
            )
        }
    }
}

/// The API filter for `ctl inbox`'s flags.
pub(crate) fn inbox_filter(list: InboxListArgs) -> InboxFilter {
    InboxFilter {
        search: list.search,
        category: list.category,
        mailbox: list.mailbox,
        read: list.unread.then_some(false),
        kind: list.messages.then_some(InboxKind::Message),
        limit: Some(list.limit),
        ..InboxFilter::default()
    }
}

fn is_filtered(list: &InboxListArgs) -> bool {
    list.search.is_some()
        || list.category.is_some()
        || list.mailbox.is_some()
        || list.unread
        || list.messages
}

/// This machine's local time minus UTC, in minutes (0 when the time zone is unknown).
fn local_utc_offset_minutes() -> i32 {
    jiff::Zoned::now().offset().seconds() / 60
}

/// What `ctl inbox delete --json` prints (the API answers nothing).
#[derive(Serialize)]
struct Deleted {
    deleted: i64,
}

/// What `ctl keys --json` prints: the request that was carried out (the API answers nothing).
#[derive(Serialize)]
struct KeysSent {
    keys: String,
    call: Option<String>,
}

/// What `ctl ui-url --json` prints.
#[derive(Serialize)]
struct UiUrl {
    url: String,
}

/// How results are printed.
pub(crate) struct Output {
    json: bool,
}

impl Output {
    /// Prints a result as text or JSON. A refused request prints its message to stderr (by
    /// the caller, via the returned failure) and, with `--json`, the `ApiError` to stdout, so
    /// scripts always get one JSON document.
    pub(crate) fn show<T: Serialize>(
        &self,
        result: Result<T, ApiError>,
        text: impl FnOnce(&T) -> String,
    ) -> Result<(), Failure> {
        match result {
            Ok(value) if self.json => print(&json(&value)),
            Ok(value) => print(&text(&value)),
            Err(error) => {
                if self.json {
                    print(&json(&error))?;
                }
                Err(error.into())
            }
        }
    }
}

fn json<T: Serialize>(value: &T) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("api types always serialise");
    text.push('\n');
    text
}

/// Writes to stdout; a closed pipe (`| head`) is not an error worth reporting.
fn print(text: &str) -> Result<(), Failure> {
    let mut stdout = io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            Err(Failure::Refused(format!("cannot write the output: {e}")))
        }
        _ => Ok(()),
    }
}

/// `ctl events`: one JSON object per line until Ctrl-C (exit 0) or the daemon stops (exit 3).
async fn events(client: &ControlClient) -> Result<(), Failure> {
    let mut events = client.events().await?;
    loop {
        let next = tokio::select! {
            next = events.next() => next,
            _ = tokio::signal::ctrl_c() => return Ok(()),
        };
        match next {
            Some(Ok(event)) => {
                let line = serde_json::to_string(&event).expect("api events always serialise");
                let mut stdout = io::stdout().lock();
                if writeln!(stdout, "{line}")
                    .and_then(|()| stdout.flush())
                    .is_err()
                {
                    // The reader went away (closed pipe): nothing left to do.
                    return Ok(());
                }
            }
            Some(Err(error)) => return Err(error.into()),
            None => {
                return Err(Failure::NoDaemon(format!(
                    "the Frontdesk daemon at {} stopped; no more events",
                    client.url()
                )))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inbox_flags_become_the_api_filter() {
        let list = InboxListArgs {
            search: Some("invoice".into()),
            category: Some("repair".into()),
            unread: true,
            mailbox: Some("office".into()),
            messages: true,
            limit: 7,
        };
        assert!(is_filtered(&list));
        assert_eq!(
            inbox_filter(list),
            InboxFilter {
                search: Some("invoice".into()),
                category: Some("repair".into()),
                mailbox: Some("office".into()),
                read: Some(false),
                kind: Some(InboxKind::Message),
                limit: Some(7),
                ..InboxFilter::default()
            }
        );
        let plain = InboxListArgs {
            search: None,
            category: None,
            unread: false,
            mailbox: None,
            messages: false,
            limit: 20,
        };
        assert!(!is_filtered(&plain));
        let filter = inbox_filter(plain);
        assert_eq!((filter.read, filter.kind), (None, None));
    }
}
