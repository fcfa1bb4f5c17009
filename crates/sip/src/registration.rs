//! Keeps one account registered and says how it is going.
//!
//! A task per account: REGISTER (answering 401/407), refresh before expiry, keep-alive
//! OPTIONS so a dead server or a changed local address is noticed, retry with back-off
//! after failures, and un-REGISTER when stopped.

use crate::account::{uri_to_string, AccountSpec};
use crate::auth::{AuthError, Authenticator};
use crate::net::advertised;
use crate::request::{send_authorized, RequestError};
use crate::SipStack;
use bytesstr::BytesStr;
use ezk_sip_core::transport::TargetTransportInfo;
use ezk_sip_core::Request;
use ezk_sip_types::header::typed::{CSeq, CallID, Contact, Expires, FromTo};
use ezk_sip_types::uri::{NameAddr, SipUri};
use ezk_sip_types::{Method, Name};
use std::net::SocketAddr;
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
    contact: Option<SipUri>,
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
            contact: None,
            target: TargetTransportInfo::default(),
            requested: account.register_expires,
        })
    }

    /// Picks the connection to the next hop and the Contact we advertise over it.
    async fn connect(&mut self) -> Result<SocketAddr, String> {
        if let Some((_, remote)) = &self.target.transport {
            return Ok(*remote);
        }
        let (transport, remote) = self
            .stack
            .endpoint()
            .select_transport(&self.next_hop)
            .await
            .map_err(|e| format!("cannot reach {}: {e}", uri_to_string(&self.next_hop)))?;
        let local = advertised(
            SocketAddr::new(transport.bound().ip(), self.stack.listen_addr().port()),
            remote,
        );
        let transport_suffix = self
            .transport_param
            .map(|t| format!(";transport={t}"))
            .unwrap_or_default();
        // Our Vias carry the address we advertise, never 0.0.0.0.
        self.target.via_host_port = Some(local.into());
        let contact = format!("sip:{}@{local}{transport_suffix}", self.contact_user);
        self.contact = Some(
            contact
                .parse()
                .map_err(|_| format!("bad contact address {contact}"))?,
        );
        self.target.transport = Some((transport, remote));
        Ok(remote)
    }

    /// Sends REGISTER (or the removal); returns the lifetime the registrar granted.
    async fn register(&mut self, remove: bool) -> Result<Duration, String> {
        self.register_once(remove, true).await
    }

    /// One REGISTER; `may_adopt` allows one more round with the address the server saw.
    async fn register_once(&mut self, remove: bool, may_adopt: bool) -> Result<Duration, String> {
        self.connect().await?;
        let contact = Contact::new(NameAddr::uri(
            self.contact.clone().expect("connect sets it"),
        ));
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
            request.headers.insert_named(&contact);
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
            200..=299 if !remove && may_adopt && self.adopt_address_seen_by_server(&response) => {
                tracing::info!("the server sees us at another address (NAT); registering that");
                Box::pin(self.register_once(false, false)).await
            }
            200..=299 => Ok(granted_expiry(&response, self.requested)),
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

    /// Behind NAT the registrar sees another address than ours (`received`/`rport` in its
    /// Via, RFC 3581). Over UDP the Contact must be that address, or calls never reach us.
    /// Returns true when the Contact changed.
    fn adopt_address_seen_by_server(
        &mut self,
        response: &ezk_sip_core::transaction::TsxResponse,
    ) -> bool {
        let (Some(contact), Some(via)) = (&self.contact, response.base_headers.via.first()) else {
            return false;
        };
        if self.transport_param.is_some() {
            return false;
        }
        let received = via
            .params
            .get_val("received")
            .and_then(|v| v.parse::<std::net::IpAddr>().ok());
        let rport = via
            .params
            .get_val("rport")
            .and_then(|v| v.parse::<u16>().ok());
        let (Some(ip), Some(port)) = (contact.host_port.ip(), contact.host_port.port) else {
            return false;
        };
        let seen = SocketAddr::new(received.unwrap_or(ip), rport.unwrap_or(port));
        if seen == SocketAddr::new(ip, port) {
            return false;
        }
        let text = format!("sip:{}@{seen}", self.contact_user);
        match text.parse() {
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
                    if !self.keepalive().await {
                        self.target.transport = None;
                        return "the server did not answer a keep-alive";
                    }
                    if self.local_address_changed() {
                        self.target.transport = None;
                        return "the local network address changed";
                    }
                }
            }
        }
    }

    /// A keep-alive to the next hop: over TCP/TLS a double CRLF on the connection (RFC 5626
    /// 4.4.1; a dead connection fails to write), over UDP an OPTIONS whose answer, any answer,
    /// proves the server is there and refreshes the NAT binding.
    async fn keepalive(&mut self) -> bool {
        match &self.target.transport {
            Some((transport, remote)) if !transport.is_udp() => {
                let alive = transport.send(b"\r\n\r\n", *remote).await.is_ok();
                let open = matches!(
                    *transport.watch_state().borrow(),
                    ezk_sip_core::transport::TransportState::Ok
                );
                alive && open
            }
            _ => self.options_ping().await,
        }
    }

    /// OPTIONS to the registrar; any response counts.
    async fn options_ping(&mut self) -> bool {
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
            Ok(_) | Err(RequestError::Auth(_)) => true,
            Err(e) => {
                tracing::debug!("keep-alive failed: {e}");
                false
            }
        }
    }

    fn local_address_changed(&self) -> bool {
        let (Some((transport, remote)), Some(contact)) = (&self.target.transport, &self.contact)
        else {
            return false;
        };
        let now = advertised(SocketAddr::new(transport.bound().ip(), 0), *remote).ip();
        contact.host_port.ip().is_some_and(|ip| ip != now)
    }
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
