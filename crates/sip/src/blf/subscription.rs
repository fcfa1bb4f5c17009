//! The busy-lamp subscriber: one task per account that watches a list of extensions.
//!
//! For every extension it SUBSCRIBEs to `Event: dialog` (answering 401/407), keeps the
//! subscription's ezk dialog for refreshes, receives its NOTIFYs (also one that overtakes
//! the 2xx) with an ezk [`Usage`] registered through [`SipStack::route_notifies`], which
//! answers and parses them on ezk's per-message tasks, refreshes before expiry, subscribes anew when the server ends a subscription or forgets it (481,
//! e.g. after a restart), backs off after failures and removes every subscription
//! (`Expires: 0`) when stopped. A periodic refresh of one subscription (the probe) notices
//! a server that restarted and forgot them all. SUBSCRIBEs are paced so a panel of hundreds
//! of extensions does not arrive at the server in one burst.
//!
//! Lamp changes arrive as [`ExtensionChange`]s on the channel [`spawn`] returns; the whole
//! panel can be read at any time with [`BlfHandle::snapshot`].

use super::dialog_info::{self, DialogInfo, DialogInfoError, ExtensionState};
use super::lifecycle::{Action, Answer, Effect, Lifecycle, Pacer};
use super::view::{Applied, DialogView};
use crate::account::{parse_uri, uri_to_string, AccountSpec};
use crate::auth::Authenticator;
use crate::net::advertised;
use crate::request::{send_authorized, RequestError};
use crate::{NotifyRoute, SipStack};
use async_trait::async_trait;
use bytes::Bytes;
use ezk_sip_core::transaction::TsxResponse;
use ezk_sip_core::transport::TargetTransportInfo;
use ezk_sip_core::{Endpoint, IncomingRequest, MayTake, Request};
use ezk_sip_types::header::typed::{
    Accept, Contact, ContentType, Event, Expires, MinExpires, RetryAfter, SubscriptionState,
};
use ezk_sip_types::uri::{NameAddr, SipUri};
use ezk_sip_types::{Headers, Method, StatusCode};
use ezk_sip_ua::dialog::{ClientDialogBuilder, Dialog, Usage};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::Instant;

/// How long we wait for the answer to a SUBSCRIBE.
const RESPONSE_WAIT: Duration = Duration::from_secs(8);
/// How long stopping may take, all unsubscribes together.
const UNSUBSCRIBE_WAIT: Duration = Duration::from_secs(4);
/// A granted lifetime shorter than this is treated as this (no refresh storms).
const MIN_GRANTED: Duration = Duration::from_secs(10);
/// The MIME type of dialog event bodies.
const DIALOG_INFO: &str = "application/dialog-info+xml";

/// What to watch and how hard to push the server.
#[derive(Debug, Clone)]
pub struct BlfConfig {
    /// Extensions (`102`, resolved in the account's domain) or addresses (`sip:102@pbx`).
    pub extensions: Vec<String>,
    /// Subscription lifetime asked for (`Expires`); refreshed before it runs out.
    pub expires: Duration,
    /// How often one subscription is refreshed early to notice a server that restarted and
    /// forgot all subscriptions (usually the account's keep-alive interval).
    pub probe_interval: Duration,
    /// Most SUBSCRIBEs per second (new, refreshes and retries together).
    pub rate: u32,
    /// Most SUBSCRIBEs waiting for an answer at once.
    pub max_in_flight: usize,
}

impl BlfConfig {
    /// Watches `extensions` with defaults fit for a PBX: 600 s subscriptions, a probe every
    /// 30 s, at most 50 SUBSCRIBEs per second and 16 unanswered at once.
    pub fn new(extensions: Vec<String>) -> Self {
        BlfConfig {
            extensions,
            expires: Duration::from_secs(600),
            probe_interval: Duration::from_secs(30),
            rate: 50,
            max_in_flight: 16,
        }
    }
}

/// One lamp changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtensionChange {
    /// The extension as configured.
    pub extension: String,
    /// What its lamp shows now.
    pub state: ExtensionState,
}

/// One lamp in a snapshot of the panel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtensionStatus {
    /// The extension as configured.
    pub extension: String,
    /// What its lamp shows.
    pub state: ExtensionState,
    /// Why the lamp is unknown, in words a user can act on (refused, unreachable, ...).
    pub problem: Option<String>,
}

/// Controls a running subscriber.
pub struct BlfHandle {
    panel: Arc<Mutex<Vec<ExtensionStatus>>>,
    commands: mpsc::UnboundedSender<Command>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

enum Command {
    RefreshAll,
}

impl BlfHandle {
    /// Every watched extension in configured order, with its lamp and any problem.
    pub fn snapshot(&self) -> Vec<ExtensionStatus> {
        lock(&self.panel).clone()
    }

    /// The lamp of one extension (as configured), if watched.
    pub fn state(&self, extension: &str) -> Option<ExtensionState> {
        lock(&self.panel)
            .iter()
            .find(|s| s.extension == extension)
            .map(|s| s.state.clone())
    }

    /// Refreshes every subscription now and retries failed ones: call it when the server
    /// may have restarted or the network changed (e.g. the registration was lost and came
    /// back). Refreshes bring full state; forgotten subscriptions are made anew.
    pub fn refresh_all(&self) {
        let _ = self.commands.send(Command::RefreshAll);
    }

    /// Removes every subscription (`Expires: 0`) and ends the task; takes a few seconds
    /// at most.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ =
            tokio::time::timeout(UNSUBSCRIBE_WAIT + Duration::from_secs(2), &mut self.task).await;
    }
}

/// Starts watching `config.extensions` as `account`. Lamp changes arrive on the returned
/// channel (every lamp starts [`ExtensionState::Unknown`]).
pub fn spawn(
    stack: Arc<SipStack>,
    account: AccountSpec,
    password: Option<String>,
    config: BlfConfig,
) -> (BlfHandle, mpsc::UnboundedReceiver<ExtensionChange>) {
    let (changes_tx, changes) = mpsc::unbounded_channel();
    let (commands_tx, commands) = mpsc::unbounded_channel();
    let (stop_tx, stop) = oneshot::channel();
    let mut extensions = config.extensions.clone();
    let mut seen = std::collections::HashSet::new();
    extensions.retain(|e| seen.insert(e.clone()));
    let panel = Arc::new(Mutex::new(
        extensions
            .iter()
            .map(|extension| ExtensionStatus {
                extension: extension.clone(),
                state: ExtensionState::Unknown,
                problem: None,
            })
            .collect::<Vec<_>>(),
    ));
    let task = tokio::spawn(run(
        stack,
        account,
        password,
        config,
        extensions,
        panel.clone(),
        changes_tx,
        commands,
        stop,
    ));
    (
        BlfHandle {
            panel,
            commands: commands_tx,
            stop: Some(stop_tx),
            task,
        },
        changes,
    )
}

#[allow(clippy::too_many_arguments)]
async fn run(
    stack: Arc<SipStack>,
    account: AccountSpec,
    password: Option<String>,
    config: BlfConfig,
    extensions: Vec<String>,
    shared: Arc<Mutex<Vec<ExtensionStatus>>>,
    changes: mpsc::UnboundedSender<ExtensionChange>,
    mut commands: mpsc::UnboundedReceiver<Command>,
    mut stop: oneshot::Receiver<()>,
) {
    let now = Instant::now();
    let (done_tx, mut done_rx) = mpsc::unbounded_channel();
    let (notify_tx, mut notify_rx) = mpsc::unbounded_channel();
    let link = match Link::new(&account) {
        Ok(link) => link,
        Err(problem) => {
            for status in lock(&shared).iter_mut() {
                status.problem = Some(problem.clone());
            }
            tracing::warn!(account = %account.name, "busy lamps cannot start: {problem}");
            let _ = stop.await;
            return;
        }
    };
    let mut subs = Vec::new();
    for (slot, extension) in extensions.iter().enumerate() {
        match extension_uri(&account, extension) {
            Ok(uri) => subs.push(Sub::new(slot, extension.clone(), uri, now, &config)),
            Err(problem) => lock(&shared)[slot].problem = Some(problem),
        }
    }
    let mut panel = Panel {
        endpoint: stack.endpoint().clone(),
        pacer: Pacer::new(now, config.rate, config.rate.clamp(1, 20)),
        next_probe: now + config.probe_interval,
        stack,
        account,
        password,
        config,
        subs,
        by_call_id: HashMap::new(),
        link,
        in_flight: 0,
        server_down: false,
        done_tx,
        notify_tx,
        changes,
        shared,
    };
    loop {
        let now = Instant::now();
        panel.probe_if_due(now);
        panel.send_due(now).await;
        let wake = panel.next_wake(now);
        tokio::select! {
            _ = &mut stop => break,
            Some(Command::RefreshAll) = commands.recv() => panel.refresh_all(Instant::now()),
            Some(done) = done_rx.recv() => panel.on_done(done),
            Some(notified) = notify_rx.recv() => panel.on_notified(notified),
            _ = tokio::time::sleep_until(wake) => {}
        }
    }
    panel.unsubscribe_all().await;
}

/// The subscriber task's state.
struct Panel {
    stack: Arc<SipStack>,
    endpoint: Endpoint,
    account: AccountSpec,
    password: Option<String>,
    config: BlfConfig,
    subs: Vec<Sub>,
    by_call_id: HashMap<String, usize>,
    link: Link,
    pacer: Pacer,
    in_flight: usize,
    server_down: bool,
    next_probe: Instant,
    done_tx: mpsc::UnboundedSender<Done>,
    notify_tx: mpsc::UnboundedSender<Notified>,
    changes: mpsc::UnboundedSender<ExtensionChange>,
    shared: Arc<Mutex<Vec<ExtensionStatus>>>,
}

/// One watched extension.
struct Sub {
    slot: usize,
    extension: String,
    uri: SipUri,
    life: Lifecycle,
    view: DialogView,
    lamp: ExtensionState,
    problem: Option<String>,
    /// Credentials; lent to the request task while a SUBSCRIBE is out.
    auth: Option<Authenticator>,
    dialog: Option<Arc<Dialog>>,
    /// Delivers the subscription's NOTIFYs while it lives.
    route: Option<NotifyRoute>,
    call_id: Option<String>,
    local_tag: Option<String>,
}

impl Sub {
    fn new(slot: usize, extension: String, uri: SipUri, now: Instant, config: &BlfConfig) -> Sub {
        Sub {
            slot,
            extension,
            uri,
            life: Lifecycle::new(now, config.expires),
            view: DialogView::default(),
            lamp: ExtensionState::Unknown,
            problem: None,
            auth: None,
            dialog: None,
            route: None,
            call_id: None,
            local_tag: None,
        }
    }
}

/// A finished SUBSCRIBE, back from its request task.
struct Done {
    index: usize,
    generation: u64,
    action: Action,
    auth: Authenticator,
    builder: Option<ClientDialogBuilder>,
    result: Result<TsxResponse, RequestError>,
}

impl Panel {
    /// Refreshes the active subscription closest to its refresh, every probe interval.
    fn probe_if_due(&mut self, now: Instant) {
        if now < self.next_probe {
            return;
        }
        self.next_probe = now + self.config.probe_interval;
        let candidate = self
            .subs
            .iter()
            .enumerate()
            .filter(|(_, s)| s.life.is_active() && !s.life.is_refreshing())
            .min_by_key(|(_, s)| s.life.next_deadline())
            .map(|(i, _)| i);
        if let Some(i) = candidate {
            self.subs[i].life.refresh_now(now);
        }
    }

    /// Sends what is due, as far as pacing and the in-flight limit allow. While the server
    /// looks down only one request is out at a time.
    async fn send_due(&mut self, now: Instant) {
        for i in 0..self.subs.len() {
            if self.in_flight >= self.capacity() {
                break;
            }
            let Some(action) = self.subs[i].life.due_action(now) else {
                continue;
            };
            if !self.pacer.take(now) {
                break;
            }
            if let Err(why) = self.link.connect(&self.stack).await {
                let life = &mut self.subs[i].life;
                life.sent(action);
                let effect = life.answered(now, action, Answer::Unreachable(why));
                self.apply(i, effect, now);
                continue;
            }
            self.send(i, action);
        }
    }

    fn capacity(&self) -> usize {
        if self.server_down {
            1
        } else {
            self.config.max_in_flight.max(1)
        }
    }

    /// When the loop must look again: something due, a pacing token, or the probe.
    fn next_wake(&self, now: Instant) -> Instant {
        let mut wake = self.next_probe;
        if self.in_flight < self.capacity() {
            if let Some(due) = self
                .subs
                .iter()
                .filter_map(|s| s.life.next_deadline())
                .min()
            {
                wake = wake.min(due.max(self.pacer.next_token(now)));
            }
        }
        wake.max(now)
    }

    /// Starts the request task for `action` on subscription `i`.
    fn send(&mut self, i: usize, action: Action) {
        let endpoint = self.endpoint.clone();
        let mut target = self.link.target.clone();
        let done_tx = self.done_tx.clone();
        let expires = self.subs[i].life.requested().as_secs() as u32;
        let mut auth = match self.subs[i].auth.take() {
            Some(auth) => auth,
            None => Authenticator::new(
                &self.account.name,
                self.account.auth_user(),
                self.password.as_deref(),
            ),
        };
        match action {
            Action::Subscribe => {
                self.forget_dialog(i);
                let contact = self.link.contact.clone().expect("connected before sending");
                let mut builder = ClientDialogBuilder::new(
                    endpoint.clone(),
                    self.link.identity.clone(),
                    contact,
                    self.subs[i].uri.clone(),
                );
                let call_id = builder.call_id.0.to_string();
                let sub = &mut self.subs[i];
                // Registered before sending: the first NOTIFY may beat the 2xx.
                let usage = Arc::new(NotifyUsage {
                    sink: self.notify_tx.clone(),
                });
                sub.route = Some(self.stack.route_notifies(&call_id, usage));
                sub.local_tag = builder.local_fromto.tag.as_ref().map(|t| t.to_string());
                sub.call_id = Some(call_id.clone());
                sub.view.reset();
                sub.life.sent(action);
                self.by_call_id.insert(call_id, i);
                let generation = sub.life.generation();
                tokio::spawn(async move {
                    let result =
                        send_authorized(&endpoint, &mut target, &mut auth, RESPONSE_WAIT, || {
                            let mut request = builder.create_request(Method::SUBSCRIBE, None);
                            subscribe_headers(&mut request.headers, expires);
                            request
                        })
                        .await;
                    let _ = done_tx.send(Done {
                        index: i,
                        generation,
                        action,
                        auth,
                        builder: Some(builder),
                        result,
                    });
                });
            }
            Action::Refresh => {
                let sub = &mut self.subs[i];
                let Some(dialog) = sub.dialog.clone() else {
                    // Active without a dialog cannot happen; start over to be safe.
                    sub.auth = Some(auth);
                    sub.life.restart(Instant::now());
                    return;
                };
                sub.life.sent(action);
                let generation = sub.life.generation();
                tokio::spawn(async move {
                    let result =
                        send_authorized(&endpoint, &mut target, &mut auth, RESPONSE_WAIT, || {
                            in_dialog_subscribe(&dialog, expires)
                        })
                        .await;
                    let _ = done_tx.send(Done {
                        index: i,
                        generation,
                        action,
                        auth,
                        builder: None,
                        result,
                    });
                });
            }
        }
        self.in_flight += 1;
    }

    /// Takes the outcome of a SUBSCRIBE.
    fn on_done(&mut self, done: Done) {
        self.in_flight = self.in_flight.saturating_sub(1);
        let now = Instant::now();
        let i = done.index;
        self.subs[i].auth = Some(done.auth);
        if done.generation != self.subs[i].life.generation() {
            return;
        }
        let requested = self.subs[i].life.requested();
        let mut answer = match &done.result {
            Ok(response) => classify(response, requested),
            Err(e) => {
                if matches!(e, RequestError::Transport(_)) {
                    self.link.target.transport = None;
                }
                Answer::Unreachable(e.to_string())
            }
        };
        if !matches!(answer, Answer::Unreachable(_)) {
            self.server_up(now);
        }
        if let (Action::Subscribe, Answer::Accepted(_), Ok(response), Some(mut builder)) =
            (done.action, &answer, &done.result, done.builder)
        {
            if let Err(problem) = self.attach_dialog(i, &mut builder, response) {
                answer = Answer::Refused {
                    code: response.line.code.into_u16(),
                    reason: problem,
                    retry_after: None,
                };
            }
        }
        let effect = self.subs[i].life.answered(now, done.action, answer);
        self.apply(i, effect, now);
    }

    /// Keeps the dialog a 2xx to SUBSCRIBE created, for refreshes (its NOTIFYs arrive
    /// through the route registered before sending).
    fn attach_dialog(
        &mut self,
        i: usize,
        builder: &mut ClientDialogBuilder,
        response: &TsxResponse,
    ) -> Result<(), String> {
        if response.base_headers.to.tag.is_none() {
            return Err("2xx to SUBSCRIBE without a To tag".into());
        }
        let dialog = builder
            .create_dialog_from_response(response)
            .map_err(|e| format!("unusable 2xx to SUBSCRIBE: {e}"))?;
        self.subs[i].dialog = Some(Arc::new(dialog));
        Ok(())
    }

    /// Takes a NOTIFY (already answered).
    fn on_notified(&mut self, notified: Notified) {
        let now = Instant::now();
        let Some(&i) = self.by_call_id.get(&notified.call_id) else {
            tracing::debug!(call_id = %notified.call_id, "NOTIFY for a subscription we no longer have");
            return;
        };
        if notified.to_tag != self.subs[i].local_tag {
            tracing::debug!(extension = %self.subs[i].extension, "NOTIFY with a foreign To tag ignored");
            return;
        }
        let extension = self.subs[i].extension.clone();
        let pending = notified
            .state
            .as_ref()
            .is_some_and(|s| s.state == ezk_sip_types::header::typed::SubStateValue::Pending);
        match notified.body {
            // Waiting for the server's authorization says nothing about the extension.
            NotifyBody::Empty if pending => {}
            NotifyBody::Empty => {
                let state = self.subs[i].view.apply_empty();
                self.set_lamp(i, state);
            }
            NotifyBody::DialogInfo(info) => match self.subs[i].view.apply(info) {
                Applied::Current(state) => self.set_lamp(i, state),
                Applied::Stale { have, got } => {
                    tracing::debug!(%extension, have, got, "stale dialog-info ignored")
                }
                Applied::NeedsFullState => {
                    tracing::info!(%extension, "dialog-info versions skipped; asking for full state");
                    self.subs[i].life.refresh_now(now);
                }
            },
            NotifyBody::Invalid(e) => {
                tracing::warn!(%extension, "ignoring a NOTIFY with a broken body: {e}")
            }
            NotifyBody::OtherType(content_type) => {
                tracing::warn!(%extension, "ignoring a NOTIFY with a {content_type} body (expected {DIALOG_INFO})")
            }
        }
        if let Some(state) = &notified.state {
            let effect = self.subs[i].life.notified(now, state);
            self.apply(i, effect, now);
        }
    }

    /// Carries out what an answer or NOTIFY means for the panel.
    fn apply(&mut self, i: usize, effect: Effect, now: Instant) {
        match effect {
            Effect::None => {}
            Effect::Established => self.set_problem(i, None),
            Effect::Resubscribing => {
                tracing::debug!(extension = %self.subs[i].extension, "subscribing again");
                self.forget_dialog(i);
            }
            Effect::Failed(problem) => {
                self.forget_dialog(i);
                if self.subs[i].problem.as_ref() != Some(&problem) {
                    tracing::warn!(extension = %self.subs[i].extension, "busy lamp unavailable: {problem}");
                }
                self.set_lamp(i, ExtensionState::Unknown);
                self.set_problem(i, Some(problem));
            }
            Effect::Unreachable(why) => {
                self.forget_dialog(i);
                if !self.server_down {
                    tracing::warn!(account = %self.account.name, "busy lamps: the server does not answer ({why}); retrying");
                    self.server_down = true;
                }
                let problem = format!("the server does not answer: {why}");
                for j in 0..self.subs.len() {
                    self.set_lamp(j, ExtensionState::Unknown);
                    self.set_problem(j, Some(problem.clone()));
                }
            }
            Effect::Forgotten => {
                tracing::warn!(account = %self.account.name, "busy lamps: the server forgot a subscription (restarted?); subscribing to all again");
                for j in 0..self.subs.len() {
                    if j == i || self.subs[j].life.is_active() {
                        self.forget_dialog(j);
                        self.subs[j].life.restart(now);
                    } else {
                        self.subs[j].life.retry_now(now);
                    }
                }
            }
        }
    }

    /// Any answer proves the server is there: after an outage, refresh what we hold (a
    /// forgotten subscription then gets 481 and all are made anew) and retry the rest now.
    fn server_up(&mut self, now: Instant) {
        if !self.server_down {
            return;
        }
        self.server_down = false;
        tracing::info!(account = %self.account.name, "busy lamps: the server answers again");
        self.refresh_all(now);
    }

    fn refresh_all(&mut self, now: Instant) {
        for sub in &mut self.subs {
            sub.life.retry_now(now);
            sub.life.refresh_now(now);
        }
    }

    /// Drops a subscription's dialog and NOTIFY routes; late NOTIFYs get 481.
    fn forget_dialog(&mut self, i: usize) {
        let sub = &mut self.subs[i];
        sub.dialog = None;
        sub.route = None;
        if let Some(call_id) = sub.call_id.take() {
            self.by_call_id.remove(&call_id);
        }
    }

    fn set_lamp(&mut self, i: usize, state: ExtensionState) {
        let sub = &mut self.subs[i];
        if sub.lamp == state {
            return;
        }
        sub.lamp = state.clone();
        tracing::debug!(extension = %sub.extension, state = state.as_str(), "lamp changed");
        lock(&self.shared)[sub.slot].state = state.clone();
        let _ = self.changes.send(ExtensionChange {
            extension: sub.extension.clone(),
            state,
        });
    }

    fn set_problem(&mut self, i: usize, problem: Option<String>) {
        let sub = &mut self.subs[i];
        if sub.problem != problem {
            sub.problem = problem.clone();
            lock(&self.shared)[sub.slot].problem = problem;
        }
    }

    /// Ends every subscription with `Expires: 0`, a bounded number at a time, within
    /// [`UNSUBSCRIBE_WAIT`].
    async fn unsubscribe_all(&mut self) {
        let mut pending = JoinSet::new();
        let deadline = Instant::now() + UNSUBSCRIBE_WAIT;
        let limit = self.config.max_in_flight.max(1);
        let mut removed = 0;
        for sub in &mut self.subs {
            let Some(dialog) = sub.dialog.clone() else {
                continue;
            };
            let mut auth = sub.auth.take().unwrap_or_else(|| {
                Authenticator::new(
                    &self.account.name,
                    self.account.auth_user(),
                    self.password.as_deref(),
                )
            });
            let endpoint = self.endpoint.clone();
            let mut target = self.link.target.clone();
            while pending.len() >= limit {
                if tokio::time::timeout_at(deadline, pending.join_next())
                    .await
                    .is_err()
                {
                    break;
                }
            }
            if Instant::now() >= deadline {
                break;
            }
            removed += 1;
            pending.spawn(async move {
                let _ =
                    send_authorized(&endpoint, &mut target, &mut auth, UNSUBSCRIBE_WAIT, || {
                        in_dialog_subscribe(&dialog, 0)
                    })
                    .await;
            });
        }
        let _ = tokio::time::timeout_at(deadline, async {
            while pending.join_next().await.is_some() {}
        })
        .await;
        tracing::info!(account = %self.account.name, removed, "busy lamp subscriptions removed");
        for i in 0..self.subs.len() {
            self.forget_dialog(i);
        }
    }
}

/// The connection to the server and the identity we subscribe with.
struct Link {
    next_hop: SipUri,
    identity: NameAddr,
    user: String,
    transport_param: Option<&'static str>,
    target: TargetTransportInfo,
    contact: Option<Contact>,
}

impl Link {
    fn new(account: &AccountSpec) -> Result<Link, String> {
        let aor = account.aor().map_err(|e| e.0)?;
        Ok(Link {
            next_hop: account.next_hop().map_err(|e| e.0)?,
            identity: match &account.display_name {
                Some(name) => NameAddr::new(name.clone(), aor),
                None => NameAddr::uri(aor),
            },
            user: account.user.clone(),
            transport_param: account.transport.uri_param(),
            target: TargetTransportInfo::default(),
            contact: None,
        })
    }

    /// Picks the connection to the next hop and the Contact we advertise over it (as the
    /// registration does: never 0.0.0.0).
    async fn connect(&mut self, stack: &SipStack) -> Result<(), String> {
        if self.target.transport.is_some() && self.contact.is_some() {
            return Ok(());
        }
        let (transport, remote) = stack
            .endpoint()
            .select_transport(&self.next_hop)
            .await
            .map_err(|e| format!("cannot reach {}: {e}", uri_to_string(&self.next_hop)))?;
        let local = advertised(
            SocketAddr::new(transport.bound().ip(), stack.listen_addr().port()),
            remote,
        );
        let suffix = self
            .transport_param
            .map(|t| format!(";transport={t}"))
            .unwrap_or_default();
        let contact = parse_uri(&format!("sip:{}@{local}{suffix}", self.user)).map_err(|e| e.0)?;
        self.contact = Some(Contact::new(NameAddr::uri(contact)));
        self.target.via_host_port = Some(local.into());
        self.target.transport = Some((transport, remote));
        Ok(())
    }
}

/// The Request-URI for a configured extension: `102` in the account's domain, or an
/// address as given.
fn extension_uri(account: &AccountSpec, extension: &str) -> Result<SipUri, String> {
    let text = extension.trim();
    let uri = if text.starts_with("sip:") || text.starts_with("sips:") {
        text.to_string()
    } else if text.contains('@') {
        format!("sip:{text}")
    } else {
        format!("sip:{text}@{}", account.domain)
    };
    parse_uri(&uri).map_err(|_| {
        format!("'{extension}' is not an extension or a sip: address; fix the busy lamp list")
    })
}

/// Event, Accept and Expires of every SUBSCRIBE we send.
fn subscribe_headers(headers: &mut Headers, expires: u32) {
    headers.insert_named(&Event::new("dialog"));
    headers.insert_named(&Accept(DIALOG_INFO.into()));
    headers.insert_named(&Expires(expires));
}

/// A SUBSCRIBE within the subscription's dialog: refresh, or removal with `expires` 0.
fn in_dialog_subscribe(dialog: &Dialog, expires: u32) -> Request {
    let mut request = dialog.create_request(Method::SUBSCRIBE, None);
    request.headers.insert_named(&dialog.local_contact);
    subscribe_headers(&mut request.headers, expires);
    request
}

/// What a final response to SUBSCRIBE means.
fn classify(response: &TsxResponse, requested: Duration) -> Answer {
    let code = response.line.code.into_u16();
    match code {
        200..=299 => {
            let granted = response
                .headers
                .get_named::<Expires>()
                .map(|e| Duration::from_secs(e.0.into()))
                .unwrap_or(requested);
            Answer::Accepted(granted.max(MIN_GRANTED))
        }
        423 => Answer::TooBrief(
            response
                .headers
                .get_named::<MinExpires>()
                .map(|m| Duration::from_secs(m.0.into()))
                .unwrap_or(requested * 2),
        ),
        481 => Answer::Unknown,
        _ => Answer::Refused {
            code,
            reason: response
                .line
                .reason
                .as_ref()
                .map(|r| r.to_string())
                .unwrap_or_default(),
            retry_after: response
                .headers
                .get_named::<RetryAfter>()
                .ok()
                .map(|r| Duration::from_secs(r.value.into())),
        },
    }
}

/// Answers the NOTIFYs of one subscription and passes them on, parsed (on ezk's
/// per-message task, not the subscriber's).
struct NotifyUsage {
    sink: mpsc::UnboundedSender<Notified>,
}

#[async_trait]
impl Usage for NotifyUsage {
    fn name(&self) -> &'static str {
        "frontdesk-blf"
    }

    async fn receive(&self, endpoint: &Endpoint, request: MayTake<'_, IncomingRequest>) {
        if request.line.method != Method::NOTIFY {
            return;
        }
        let mut request = request.take();
        // Passed on before the 200 goes out: a notifier that waits for it before sending
        // the next NOTIFY then cannot have the next one overtake this one.
        let _ = self.sink.send(read_notify(&request));
        let response = endpoint.create_response(&request, StatusCode::OK, None);
        if let Err(e) = endpoint
            .create_server_tsx(&mut request)
            .respond(response)
            .await
        {
            tracing::debug!("could not answer a NOTIFY: {e}");
        }
    }
}

/// A received NOTIFY, answered and parsed.
struct Notified {
    call_id: String,
    to_tag: Option<String>,
    state: Option<SubscriptionState>,
    body: NotifyBody,
}

/// The body of a dialog event NOTIFY.
#[derive(Debug)]
pub enum NotifyBody {
    /// No body: the server knows no dialogs of the extension (Kamailio, idle).
    Empty,
    /// A dialog-info document.
    DialogInfo(DialogInfo),
    /// A dialog-info body that cannot be used; the NOTIFY is ignored.
    Invalid(DialogInfoError),
    /// A body of another type; ignored.
    OtherType(String),
}

/// Reads a NOTIFY body: empty, dialog-info (also when the Content-Type is missing), or
/// something else.
pub fn notify_body(headers: &Headers, body: &Bytes) -> NotifyBody {
    if body.iter().all(u8::is_ascii_whitespace) {
        return NotifyBody::Empty;
    }
    if let Ok(content_type) = headers.get_named::<ContentType>() {
        let mime = content_type.0.split(';').next().unwrap_or_default().trim();
        if !mime.eq_ignore_ascii_case(DIALOG_INFO) {
            return NotifyBody::OtherType(mime.to_string());
        }
    }
    match dialog_info::parse(body) {
        Ok(info) => NotifyBody::DialogInfo(info),
        Err(e) => NotifyBody::Invalid(e),
    }
}

/// Reads a NOTIFY. Every NOTIFY is answered 200, also one with a broken body: a failure
/// response would end the subscription.
fn read_notify(request: &IncomingRequest) -> Notified {
    Notified {
        call_id: request.base_headers.call_id.0.to_string(),
        to_tag: request.base_headers.to.tag.as_ref().map(|t| t.to_string()),
        state: request.headers.get_named::<SubscriptionState>().ok(),
        body: notify_body(&request.headers, &request.body),
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Transport;

    fn account(domain: &str) -> AccountSpec {
        AccountSpec {
            name: "office".into(),
            user: "101".into(),
            auth_user: None,
            display_name: None,
            domain: domain.into(),
            proxy: None,
            transport: Transport::Udp,
            register_expires: Duration::from_secs(600),
            keepalive_interval: Duration::from_secs(30),
        }
    }

    #[test]
    fn extensions_become_addresses_in_the_account_domain() {
        let a = account("127.0.0.1:5070");
        let uri = |e| uri_to_string(&extension_uri(&a, e).unwrap());
        assert_eq!(uri("102"), "sip:102@127.0.0.1:5070");
        assert_eq!(uri("sip:200@10.0.0.1"), "sip:200@10.0.0.1");
        assert_eq!(uri("300@10.0.0.2"), "sip:300@10.0.0.2");
        assert!(extension_uri(&a, "no such thing")
            .unwrap_err()
            .contains("busy lamp list"));
    }

    #[test]
    fn notify_bodies_by_content_type() {
        let mut headers = Headers::new();
        assert!(matches!(
            notify_body(&headers, &Bytes::from_static(b"\r\n")),
            NotifyBody::Empty
        ));
        headers.insert_named(&ContentType(
            "application/dialog-info+xml; charset=utf-8".into(),
        ));
        let doc = Bytes::from_static(
            br#"<dialog-info version="1" state="full"><dialog id="a"><state>confirmed</state></dialog></dialog-info>"#,
        );
        assert!(matches!(
            notify_body(&headers, &doc),
            NotifyBody::DialogInfo(_)
        ));
        assert!(matches!(
            notify_body(&headers, &Bytes::from_static(b"<dialog-info")),
            NotifyBody::Invalid(_)
        ));
        let mut other = Headers::new();
        other.insert_named(&ContentType("application/pidf+xml".into()));
        assert!(matches!(
            notify_body(&other, &doc),
            NotifyBody::OtherType(t) if t == "application/pidf+xml"
        ));
        // No Content-Type: try it as dialog-info.
        assert!(matches!(
            notify_body(&Headers::new(), &doc),
            NotifyBody::DialogInfo(_)
        ));
    }
}
