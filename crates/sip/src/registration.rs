//! Keeps one account registered and says how it is going.
//!
//! A task per account: REGISTER (answering 401/407), refresh before expiry, keep-alive
//! OPTIONS so a dead server or a changed local address is noticed, retry with back-off
//! after failures, and un-REGISTER when stopped.
//!
//! Behind NAT the Contact is the address the registrar saw (`received`/`rport`, which our
//! Via asks for), the keep-alives hold the NAT's mapping open and tell us when it changed,
//! and a new Contact always replaces the old binding in the same REGISTER, so the registrar
//! never keeps an address that no longer leads to us.

use crate::account::{uri_to_string, AccountSpec};
use crate::auth::{AuthError, Authenticator};
use crate::net::{advertised, local_ip_towards, shut_down_tcp_connection, via_sent_by_with_rport};
use crate::request::{send_authorized, RequestError};
use crate::SipStack;
use bytesstr::BytesStr;
use ezk_sip_core::transport::{TargetTransportInfo, TpHandle, TransportState};
use ezk_sip_core::Request;
use ezk_sip_types::header::typed::{CSeq, CallID, Contact, Expires, FromTo, Via};
use ezk_sip_types::uri::{NameAddr, SipUri};
use ezk_sip_types::{Method, Name};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;

/// How long we wait for a registrar's answer before calling it unreachable.
const RESPONSE_WAIT: Duration = Duration::from_secs(8);
/// Longest pause between failed attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// The stage an account's registration is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// A REGISTER is under way.
    Registering,
    /// The registrar holds our binding.
    Registered,
    /// The last attempt failed; another follows after a back-off.
    Failed,
    /// The binding was removed on shutdown.
    Unregistered,
}

/// What the registration task reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationStatus {
    /// Where it stands.
    pub phase: Phase,
    /// Why it failed, in words a user can act on.
    pub reason: Option<String>,
}

/// Controls a running registration task.
pub struct RegistrationHandle {
    status: watch::Receiver<RegistrationStatus>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl RegistrationHandle {
    /// Watches state changes.
    pub fn status(&self) -> watch::Receiver<RegistrationStatus> {
        self.status.clone()
    }

    /// Removes the binding (REGISTER with Expires: 0) and ends the task.
    pub async fn unregister(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = tokio::time::timeout(RESPONSE_WAIT + Duration::from_secs(1), &mut self.task).await;
    }
}

/// Starts registering `account`.
pub fn spawn(
    stack: Arc<SipStack>,
    account: AccountSpec,
    password: Option<String>,
) -> RegistrationHandle {
    let (status_tx, status) = watch::channel(RegistrationStatus {
        phase: Phase::Registering,
        reason: None,
    });
    let (stop_tx, stop) = oneshot::channel();
    let auth = Authenticator::new(&account.name, account.auth_user(), password.as_deref());
    let task = tokio::spawn(run(stack, account, auth, status_tx, stop));
    RegistrationHandle {
        status,
        stop: Some(stop_tx),
        task,
    }
}

async fn run(
    stack: Arc<SipStack>,
    account: AccountSpec,
    auth: Authenticator,
    status: watch::Sender<RegistrationStatus>,
    mut stop: oneshot::Receiver<()>,
) {
    let mut binding = match Binding::new(stack, &account, auth) {
        Ok(binding) => binding,
        Err(reason) => {
            status.send_replace(RegistrationStatus {
                phase: Phase::Failed,
                reason: Some(reason),
            });
            let _ = stop.await;
            return;
        }
    };
    let mut backoff = Duration::from_secs(1);
    loop {
        // Show "registering" for a new attempt, but keep a failure and its reason visible
        // while retries run, so the UI does not flicker between the two.
        status.send_if_modified(|s| {
            let changed = s.phase != Phase::Registering && s.phase != Phase::Failed;
            if changed {
                *s = RegistrationStatus {
                    phase: Phase::Registering,
                    reason: None,
                };
            }
            changed
        });
        let outcome = tokio::select! {
            outcome = binding.register(false) => outcome,
            _ = &mut stop => break,
        };
        match outcome {
            Ok(granted) => {
                backoff = Duration::from_secs(1);
                tracing::info!(account = %account.name, ?granted, "registered");
                status.send_replace(RegistrationStatus {
                    phase: Phase::Registered,
                    reason: None,
                });
                tokio::select! {
                    why = binding.hold(granted, account.keepalive_interval) => {
                        tracing::info!(account = %account.name, "registering again: {why}");
                    }
                    _ = &mut stop => break,
                }
            }
            Err(reason) => {
                tracing::warn!(account = %account.name, "registration failed: {reason}");
                status.send_replace(RegistrationStatus {
                    phase: Phase::Failed,
                    reason: Some(reason),
                });
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => {}
                    _ = &mut stop => return,
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
    if status.borrow().phase == Phase::Registered {
        if let Err(e) = binding.register(true).await {
            tracing::warn!(account = %account.name, "could not remove the registration: {e}");
        }
    }
    status.send_replace(RegistrationStatus {
        phase: Phase::Unregistered,
        reason: None,
    });
}

/// One account's REGISTER dialog-like state: Call-ID, tags, CSeq, Contact.
struct Binding {
    stack: Arc<SipStack>,
    auth: Authenticator,
    aor: SipUri,
    registrar: SipUri,
    next_hop: SipUri,
    from: FromTo,
    call_id: CallID,
    cseq: u32,
    contact_user: String,
    transport_param: Option<&'static str>,
    /// Our own address towards the next hop, as our Via carries it.
    local: Option<SocketAddr>,
    /// The Contact we register: our own address, or the one the server sees behind NAT.
    contact: Option<SipUri>,
    /// The Contact the registrar holds from our last accepted REGISTER; a different one
    /// is removed (`expires=0`) in the request that registers the new one.
    registered: Option<SipUri>,
    target: TargetTransportInfo,
    requested: Duration,
}

impl Binding {
    fn new(
        stack: Arc<SipStack>,
        account: &AccountSpec,
        auth: Authenticator,
    ) -> Result<Self, String> {
        let aor = account.aor().map_err(|e| e.0)?;
        let id = match &account.display_name {
            Some(name) => NameAddr::new(name.clone(), aor.clone()),
            None => NameAddr::uri(aor.clone()),
        };
        Ok(Self {
            stack,
            auth,
            registrar: account.registrar_uri().map_err(|e| e.0)?,
            next_hop: account.next_hop().map_err(|e| e.0)?,
            from: FromTo::new(id, Some(random_token())),
            aor,
            call_id: CallID::new(random_token()),
            cseq: rand::random::<u16>() as u32,
            contact_user: account.user.clone(),
            transport_param: account.transport.uri_param(),
            local: None,
            contact: None,
            registered: None,
            target: TargetTransportInfo::default(),
            requested: account.register_expires,
        })
    }

    /// Picks the connection to the next hop and the Contact we advertise over it.
    async fn connect(&mut self) -> Result<SocketAddr, String> {
        if let Some((_, remote)) = &self.target.transport {
            return Ok(*remote);
        }
        let (transport, remote) = self.select_open_transport().await?;
        let local = advertised(
            SocketAddr::new(transport.bound().ip(), self.stack.listen_addr().port()),
            remote,
        );
        // Our Vias carry the address we advertise, never 0.0.0.0, and ask for rport.
        self.target.via_host_port = Some(via_sent_by_with_rport(local));
        // From the same address the NAT most likely keeps its mapping: keep the Contact
        // learnt from it (a REGISTER corrects it if not) instead of briefly registering
        // the private one.
        if self.local != Some(local) || self.contact.is_none() {
            self.contact = Some(self.contact_at(local)?);
        }
        self.local = Some(local);
        self.target.transport = Some((transport, remote));
        Ok(remote)
    }

    /// The transport to the next hop, skipping a connection that has just been closed but
    /// is still listed for a moment.
    async fn select_open_transport(&self) -> Result<(TpHandle, SocketAddr), String> {
        let mut attempts = 0;
        loop {
            let (transport, remote) = self
                .stack
                .endpoint()
                .select_transport(&self.next_hop)
                .await
                .map_err(|e| format!("cannot reach {}: {e}", uri_to_string(&self.next_hop)))?;
            let open = matches!(*transport.watch_state().borrow(), TransportState::Ok);
            attempts += 1;
            if open || attempts >= 20 {
                return Ok((transport, remote));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Lets go of the connection to the next hop after the local address changed. A TCP/TLS
    /// connection from the old address is shut down: it would otherwise be picked again and
    /// swallow requests until the kernel gives up on it, many minutes later.
    async fn abandon_transport(&mut self) {
        let Some((transport, remote)) = self.target.transport.take() else {
            return;
        };
        if transport.is_udp() {
            return;
        }
        let mut state = transport.watch_state();
        if shut_down_tcp_connection(transport.bound(), remote) {
            let closed = state.wait_for(|s| !matches!(s, TransportState::Ok));
            let _ = tokio::time::timeout(Duration::from_secs(2), closed).await;
        } else {
            tracing::warn!(
                "the connection from {} to {remote} cannot be closed; it stays in use until the system drops it",
                transport.bound()
            );
        }
    }

    /// `sip:user@addr` with the account's transport parameter.
    fn contact_at(&self, addr: SocketAddr) -> Result<SipUri, String> {
        let transport_suffix = self
            .transport_param
            .map(|t| format!(";transport={t}"))
            .unwrap_or_default();
        let contact = format!("sip:{}@{addr}{transport_suffix}", self.contact_user);
        contact
            .parse()
            .map_err(|_| format!("bad contact address {contact}"))
    }

    /// Sends REGISTER (or the removal); returns the lifetime the registrar granted.
    async fn register(&mut self, remove: bool) -> Result<Duration, String> {
        self.register_once(remove, true).await
    }

    /// One REGISTER; `may_adopt` allows one more round with the address the server saw.
    async fn register_once(&mut self, remove: bool, may_adopt: bool) -> Result<Duration, String> {
        self.connect().await?;
        let current = self.contact.clone().expect("connect sets it");
        let mut contacts = Vec::new();
        if remove {
            let held = self.registered.clone().unwrap_or_else(|| current.clone());
            contacts.push(Contact::new(NameAddr::uri(held)));
        } else {
            contacts.push(Contact::new(NameAddr::uri(current.clone())));
            if let Some(old) = self
                .registered
                .as_ref()
                .filter(|old| uri_to_string(old) != uri_to_string(&current))
            {
                tracing::info!(
                    "replacing the binding {} with {}",
                    uri_to_string(old),
                    uri_to_string(&current)
                );
                contacts.push(
                    Contact::new(NameAddr::uri(old.clone())).with_value_param("expires", "0"),
                );
            }
        }
        let expires = if remove {
            0
        } else {
            self.requested.as_secs() as u32
        };
        let endpoint = self.stack.endpoint().clone();
        let (registrar, from, call_id) = (
            self.registrar.clone(),
            self.from.clone(),
            self.call_id.clone(),
        );
        let to = FromTo::new(NameAddr::uri(self.aor.clone()), None);
        let cseq = &mut self.cseq;
        let build = || {
            *cseq += 1;
            let mut request = Request::new(Method::REGISTER, registrar.clone());
            request.headers.insert_type(Name::FROM, &from);
            request.headers.insert_type(Name::TO, &to);
            request.headers.insert_named(&call_id);
            request
                .headers
                .insert_named(&CSeq::new(*cseq, Method::REGISTER));
            for contact in &contacts {
                request.headers.insert_named(contact);
            }
            request.headers.insert_named(&Expires(expires));
            request.headers.insert_named(endpoint.allowed());
            request
        };
        let response = send_authorized(
            self.stack.endpoint(),
            &mut self.target,
            &mut self.auth,
            RESPONSE_WAIT,
            build,
        )
        .await
        .map_err(|e| describe_failure(&e))?;
        let code = response.line.code.into_u16();
        match code {
            200..=299 if remove => {
                self.registered = None;
                Ok(Duration::ZERO)
            }
            200..=299 => {
                self.registered = Some(current);
                if may_adopt
                    && self.follow_address_seen_by_server(response.base_headers.via.first())
                {
                    tracing::info!("the server sees us at another address (NAT); registering that");
                    return Box::pin(self.register_once(false, false)).await;
                }
                Ok(granted_expiry(&response, self.requested))
            }
            403 => {
                Err("the server refused the account (403 Forbidden): check user and domain".into())
            }
            404 => Err(
                "the server does not know this user (404 Not Found): check user and domain".into(),
            ),
            423 => {
                let min = response
                    .headers
                    .get_named::<ezk_sip_types::header::typed::MinExpires>()
                    .map(|m| m.0)
                    .unwrap_or(3600);
                self.requested = Duration::from_secs(min as u64);
                Err(format!(
                    "the server wants a registration of at least {min} s; retrying with that"
                ))
            }
            _ => Err(format!(
                "the server answered {code} {}",
                response
                    .line
                    .reason
                    .as_ref()
                    .map(|r| r.to_string())
                    .unwrap_or_default()
            )),
        }
    }

    /// The address a Contact must carry for the server to reach us, from the `received`
    /// and `rport` it put into our Via (RFC 3581). Behind NAT that is the NAT's mapping, not
    /// our own address. Over UDP the server answers and sends to exactly that. Over TCP/TLS
    /// the source port is the connection's, so it only counts behind NAT (`received` is
    /// another IP than ours; with `rport` servers send `received` always): the server then
    /// reaches us over that connection, which a Contact naming it lets it find; without NAT
    /// our listener stays the Contact.
    fn address_seen_by_server(&self, via: &Via) -> Option<SocketAddr> {
        let local = self.local?;
        let received = via
            .params
            .get_val("received")
            .and_then(|v| v.parse::<IpAddr>().ok());
        let rport = via
            .params
            .get_val("rport")
            .and_then(|v| v.parse::<u16>().ok());
        if self.transport_param.is_none() {
            return Some(SocketAddr::new(
                received.unwrap_or(local.ip()),
                rport.unwrap_or(local.port()),
            ));
        }
        match (received, rport) {
            (Some(ip), Some(port)) if ip != local.ip() => Some(SocketAddr::new(ip, port)),
            _ => Some(local),
        }
    }

    /// Switches the Contact to the address the server sees when that differs; true when
    /// the Contact changed (and must be registered).
    fn follow_address_seen_by_server(&mut self, via: Option<&Via>) -> bool {
        let Some(seen) = via.and_then(|via| self.address_seen_by_server(via)) else {
            return false;
        };
        let current = self
            .contact
            .as_ref()
            .and_then(|c| Some(SocketAddr::new(c.host_port.ip()?, c.host_port.port?)));
        if current == Some(seen) {
            return false;
        }
        match self.contact_at(seen) {
            Ok(uri) => {
                self.contact = Some(uri);
                true
            }
            Err(_) => false,
        }
    }

    /// Waits while the binding holds: until it is time to refresh, a keep-alive finds the
    /// server gone, or the local address changed. Returns why it stopped holding.
    async fn hold(&mut self, granted: Duration, keepalive: Duration) -> &'static str {
        // Refresh at 80 % of the lifetime (RFC 3261 leaves it to us; most phones do this).
        let refresh_at =
            tokio::time::Instant::now() + granted.mul_f32(0.8).max(Duration::from_secs(1));
        let mut ticks =
            tokio::time::interval_at(tokio::time::Instant::now() + keepalive, keepalive);
        loop {
            tokio::select! {
                _ = tokio::time::sleep_until(refresh_at) => return "refresh before expiry",
                _ = ticks.tick() => {
                    // Before the keep-alive: once it leaves from a new address, its answer
                    // would look like a changed NAT mapping.
                    if self.local_address_changed() {
                        self.abandon_transport().await;
                        return "the local network address changed";
                    }
                    match self.keepalive().await {
                        KeepAlive::Unanswered => {
                            self.target.transport = None;
                            return "the server did not answer a keep-alive";
                        }
                        KeepAlive::Answered(via) => {
                            if self.follow_address_seen_by_server(via.as_ref()) {
                                return "the server sees us at another address (NAT mapping changed)";
                            }
                        }
                    }
                }
            }
        }
    }

    /// A keep-alive to the next hop: over TCP/TLS a double CRLF on the connection (RFC 5626
    /// 4.4.1; a dead connection fails to write), over UDP an OPTIONS whose answer, any answer,
    /// proves the server is there, refreshes the NAT binding and says where the server sees us.
    async fn keepalive(&mut self) -> KeepAlive {
        match &self.target.transport {
            Some((transport, remote)) if !transport.is_udp() => {
                let alive = transport.send(b"\r\n\r\n", *remote).await.is_ok();
                let open = matches!(
                    *transport.watch_state().borrow(),
                    ezk_sip_core::transport::TransportState::Ok
                );
                if alive && open {
                    KeepAlive::Answered(None)
                } else {
                    KeepAlive::Unanswered
                }
            }
            _ => self.options_ping().await,
        }
    }

    /// OPTIONS to the registrar; any response counts.
    async fn options_ping(&mut self) -> KeepAlive {
        let endpoint = self.stack.endpoint().clone();
        let (from, call_id, uri) = (
            self.from.clone(),
            CallID::new(random_token()),
            self.registrar.clone(),
        );
        let to = FromTo::new(NameAddr::uri(self.aor.clone()), None);
        let build = || {
            let mut request = Request::new(Method::OPTIONS, uri.clone());
            request.headers.insert_type(Name::FROM, &from);
            request.headers.insert_type(Name::TO, &to);
            request.headers.insert_named(&call_id);
            request.headers.insert_named(&CSeq::new(1, Method::OPTIONS));
            request.headers.insert_named(endpoint.allowed());
            request
        };
        let wait = Duration::from_secs(5);
        let mut no_auth = Authenticator::new("keepalive", "", None);
        match send_authorized(
            self.stack.endpoint(),
            &mut self.target,
            &mut no_auth,
            wait,
            build,
        )
        .await
        {
            Ok(response) => KeepAlive::Answered(response.base_headers.via.first().cloned()),
            Err(RequestError::Auth(_)) => KeepAlive::Answered(None),
            Err(e) => {
                tracing::debug!("keep-alive failed: {e}");
                KeepAlive::Unanswered
            }
        }
    }

    /// Whether the address we would send from now differs from the one we registered from.
    /// Compared with our own address, not the Contact: behind NAT the Contact is the NAT's.
    /// Over UDP we send from the listening socket; a TCP/TLS connection's source is what the
    /// routing table picked when it was opened, so it is compared with what it picks now.
    fn local_address_changed(&self) -> bool {
        let (Some((transport, remote)), Some(local)) = (&self.target.transport, self.local) else {
            return false;
        };
        let now = if transport.is_udp() {
            advertised(SocketAddr::new(transport.bound().ip(), 0), *remote).ip()
        } else {
            local_ip_towards(*remote)
        };
        now != local.ip()
    }
}

/// What a keep-alive found out.
enum KeepAlive {
    /// No answer: the server or the path to it is gone.
    Unanswered,
    /// The server is there; an OPTIONS answer carries our Via with `received`/`rport`.
    Answered(Option<Via>),
}

/// The lifetime from the Expires header, else the requested one.
fn granted_expiry(
    response: &ezk_sip_core::transaction::TsxResponse,
    requested: Duration,
) -> Duration {
    let from_header = response
        .headers
        .get_named::<Expires>()
        .ok()
        .map(|e| Duration::from_secs(e.0 as u64));
    let from_contact = response
        .headers
        .iter()
        .filter(|(name, _)| **name == Name::CONTACT)
        .filter_map(|(_, value)| {
            let lower = value.to_ascii_lowercase();
            let at = lower.find("expires=")?;
            lower[at + 8..]
                .split(|c: char| !c.is_ascii_digit())
                .next()?
                .parse::<u64>()
                .ok()
        })
        .map(Duration::from_secs)
        .min();
    from_contact
        .or(from_header)
        .unwrap_or(requested)
        .min(requested.max(Duration::from_secs(60)))
}

fn describe_failure(error: &RequestError) -> String {
    match error {
        RequestError::Auth(AuthError::Rejected(code)) => {
            format!("wrong user name or password: the server refused the credentials ({code})")
        }
        other => other.to_string(),
    }
}

fn random_token() -> BytesStr {
    BytesStr::from(format!("{:016x}", rand::random::<u64>()))
}
