//! The SIP endpoint: listeners, ezk layers and the queue of new incoming calls.

use crate::notify_route::{NotifyRoute, NotifyRouteLayer, NotifyRoutes};
use async_trait::async_trait;
use ezk_sip_core::{Endpoint, IncomingRequest, Layer, MayTake};
use ezk_sip_types::{Method, StatusCode};
use ezk_sip_ua::dialog::DialogLayer;
use ezk_sip_ua::invite::InviteLayer;
use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::sync::Arc;
use tokio::sync::{mpsc, Mutex};

/// How the endpoint listens.
#[derive(Debug, Clone)]
pub struct StackConfig {
    /// UDP and TCP listen address.
    pub listen: SocketAddr,
    /// When the port is taken, try this many following ports (the embedded default uses
    /// this so a second instance still starts).
    pub try_next_ports: u16,
    /// The User-Agent header value.
    pub user_agent: String,
    /// Extra CA certificates (PEM files) trusted for TLS, besides the system's.
    pub extra_ca_files: Vec<std::path::PathBuf>,
    /// TLS listener for incoming connections: address, certificate chain and key (PEM).
    pub tls_listen: Option<TlsListen>,
}

/// A TLS listener's address and identity.
#[derive(Debug, Clone)]
pub struct TlsListen {
    /// Where to accept TLS connections.
    pub addr: SocketAddr,
    /// PEM certificate chain.
    pub cert: std::path::PathBuf,
    /// PEM private key.
    pub key: std::path::PathBuf,
}

/// The endpoint could not start.
#[derive(Debug, thiserror::Error)]
pub enum StackError {
    /// The TLS set-up failed (unreadable CA, certificate or key).
    #[error("TLS set-up failed: {0}")]
    Tls(String),
    /// No port in the allowed range was free.
    #[error("cannot listen for SIP on {addr} (tried {tries} ports): {source}; set [sip] listen to a free address")]
    Bind {
        /// The first address tried.
        addr: SocketAddr,
        /// How many ports were tried.
        tries: u16,
        /// The last error.
        source: std::io::Error,
    },
}

/// A running SIP endpoint shared by all accounts and calls.
pub struct SipStack {
    endpoint: Endpoint,
    listen: SocketAddr,
    listening: Vec<String>,
    incoming: Mutex<mpsc::UnboundedReceiver<IncomingInvite>>,
    notify_routes: NotifyRoutes,
}

/// How often a system-chosen port is chosen again when it was taken before we bound it.
const BIND_ATTEMPTS: u16 = 5;

impl SipStack {
    /// Binds UDP and TCP on the same port and starts ezk's endpoint.
    pub async fn start(config: StackConfig) -> Result<Arc<SipStack>, StackError> {
        // A port found free may be taken before we bind it (another process, or an outgoing
        // connection's ephemeral port); with a port of the system's choosing, choose again.
        let mut attempt = 0;
        let (listen, mut builder, notify_routes, rx) = loop {
            attempt += 1;
            let listen = free_listen_address(config.listen, config.try_next_ports)?;
            let (tx, rx) = mpsc::unbounded_channel();
            let mut builder = Endpoint::builder();
            builder.user_agent(config.user_agent.clone());
            let notify_routes = NotifyRoutes::default();
            builder.add_layer(NotifyRouteLayer::new(notify_routes.clone()));
            builder.add_layer(DialogLayer::default());
            builder.add_layer(InviteLayer::default());
            builder.add_layer(IncomingLayer { invites: tx });
            let bound = match builder.bind_udp(listen).await {
                Ok(_) => builder.listen_tcp(listen).await.map(drop),
                Err(e) => Err(e),
            };
            match bound {
                Ok(()) => break (listen, builder, notify_routes, rx),
                Err(e)
                    if e.kind() == std::io::ErrorKind::AddrInUse
                        && config.listen.port() == 0
                        && attempt < BIND_ATTEMPTS => {}
                Err(source) => {
                    return Err(StackError::Bind {
                        addr: listen,
                        tries: attempt,
                        source,
                    })
                }
            }
        };
        builder.use_rustls_connector(
            crate::tls::connector(&config.extra_ca_files).map_err(StackError::Tls)?,
        );
        let mut listening = vec![format!("udp:{listen}"), format!("tcp:{listen}")];
        if let Some(tls) = &config.tls_listen {
            let acceptor = crate::tls::acceptor(&tls.cert, &tls.key).map_err(StackError::Tls)?;
            builder
                .listen_rustls(tls.addr, acceptor)
                .await
                .map_err(|source| StackError::Bind {
                    addr: tls.addr,
                    tries: 1,
                    source,
                })?;
            listening.push(format!("tls:{}", tls.addr));
        }
        let endpoint = builder.build();
        tracing::info!("SIP listening on {}", listening.join(", "));
        Ok(Arc::new(SipStack {
            endpoint,
            listen,
            listening,
            incoming: Mutex::new(rx),
            notify_routes,
        }))
    }

    /// The ezk endpoint, for building requests and transactions.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The address UDP and TCP listen on.
    pub fn listen_addr(&self) -> SocketAddr {
        self.listen
    }

    /// Listen addresses with their transport, for status output.
    pub fn listening(&self) -> Vec<String> {
        self.listening.clone()
    }

    /// Waits for the next new incoming INVITE.
    pub async fn next_incoming(&self) -> Option<IncomingInvite> {
        self.incoming.lock().await.recv().await
    }

    /// Hands every NOTIFY with `call_id` to `usage` (which must answer it), ahead of ezk's
    /// dialog layer, until the guard is dropped: a subscription's NOTIFYs, also the first
    /// one that may overtake the 2xx to SUBSCRIBE.
    pub fn route_notifies(
        &self,
        call_id: &str,
        usage: Arc<dyn ezk_sip_ua::dialog::Usage>,
    ) -> NotifyRoute {
        self.notify_routes.add(call_id, usage)
    }
}

/// Finds a port where both UDP and TCP can bind, starting at `wanted`; port 0 means any
/// free port (the same number for both).
fn free_listen_address(wanted: SocketAddr, extra: u16) -> Result<SocketAddr, StackError> {
    let mut last_error = None;
    let tries = if wanted.port() == 0 { 20 } else { extra + 1 };
    for offset in 0..tries {
        let candidate = if wanted.port() == 0 {
            match UdpSocket::bind(wanted).and_then(|udp| udp.local_addr()) {
                Ok(addr) => addr,
                Err(e) => {
                    last_error = Some(e);
                    continue;
                }
            }
        } else {
            let Some(port) = wanted.port().checked_add(offset) else {
                break;
            };
            SocketAddr::new(wanted.ip(), port)
        };
        let probe = UdpSocket::bind(candidate).and_then(|udp| {
            let tcp = TcpListener::bind(candidate)?;
            Ok((udp, tcp))
        });
        match probe {
            Ok(_) => return Ok(candidate),
            Err(e) => last_error = Some(e),
        }
    }
    Err(StackError::Bind {
        addr: wanted,
        tries,
        source: last_error.unwrap_or_else(|| std::io::Error::other("no port left")),
    })
}

/// A new INVITE from outside any dialog, waiting for the engine to decide.
pub struct IncomingInvite {
    /// The ezk endpoint it arrived on.
    pub endpoint: Endpoint,
    /// The request itself.
    pub request: IncomingRequest,
}

impl IncomingInvite {
    /// Where the request came from (the proxy, for calls through a server).
    pub fn source(&self) -> SocketAddr {
        self.request.tp_info.source
    }

    /// The user part of the Request-URI: which of our identities is called.
    pub fn called_user(&self) -> Option<String> {
        crate::account::uri_user(&self.request.line.uri)
    }

    /// The user a forwarded call was meant for (`Diversion` or `History-Info`), if any.
    pub fn diverted_from(&self) -> Option<String> {
        let values = |wanted: &str| -> Vec<String> {
            self.request
                .headers
                .iter()
                .filter(|(name, _)| name.as_print_str().eq_ignore_ascii_case(wanted))
                .map(|(_, value)| value.to_string())
                .collect()
        };
        let diversion = values("Diversion");
        let history = values("History-Info");
        crate::diversion::diverted_user(
            &diversion.iter().map(String::as_str).collect::<Vec<_>>(),
            &history.iter().map(String::as_str).collect::<Vec<_>>(),
        )
    }

    /// The caller's URI as text.
    pub fn caller_uri(&self) -> String {
        crate::account::uri_to_string(&self.request.base_headers.from.uri.uri)
    }

    /// The caller's user part (number or extension).
    pub fn caller_number(&self) -> String {
        crate::account::uri_user(&self.request.base_headers.from.uri.uri).unwrap_or_default()
    }

    /// The caller's display name, when sent.
    pub fn caller_name(&self) -> Option<String> {
        self.request
            .base_headers
            .from
            .uri
            .name
            .as_ref()
            .map(|n| n.to_string())
            .filter(|n| !n.is_empty())
    }

    /// The dialog this INVITE wants to replace (`Replaces`, RFC 3891), if it names one;
    /// `Err` for a header that cannot be read, so the INVITE is refused rather than ringing
    /// as an unrelated new call.
    pub fn replaces(&self) -> Option<Result<crate::call::Replaces, ()>> {
        let raw = self
            .request
            .headers
            .get_raw(&ezk_sip_types::Name::from("Replaces"))
            .next()?;
        Some(crate::call::Replaces::parse(raw.as_str()).ok_or(()))
    }

    /// The SIP Call-ID.
    pub fn call_id(&self) -> String {
        self.request.base_headers.call_id.0.to_string()
    }

    /// Checks, before anything rings, that this INVITE can become a call with `codecs`:
    /// it must be able to start a dialog (From tag, Contact) and carry an answerable offer.
    /// The error is the status to refuse it with and why.
    pub fn precheck(&self, codecs: &[frontdesk_media::Codec]) -> Result<(), (StatusCode, String)> {
        use ezk_sip_types::header::typed::Contact;
        if self.request.base_headers.from.tag.is_none() {
            return Err((StatusCode::BAD_REQUEST, "the INVITE has no From tag".into()));
        }
        if self.request.headers.get_named::<Contact>().is_err() {
            return Err((
                StatusCode::BAD_REQUEST,
                "the INVITE has no usable Contact".into(),
            ));
        }
        if let Some(offer) = crate::call::sdp_offer_of(&self.request) {
            let mut probe =
                crate::sdp::LocalSdp::new(std::net::Ipv4Addr::LOCALHOST.into(), 9, codecs.to_vec());
            probe
                .answer(&offer)
                .map_err(|e| (StatusCode::NOT_ACCEPTABLE_HERE, e.to_string()))?;
        }
        Ok(())
    }

    /// Refuses the call without ringing, e.g. 403 for a ghost call or 486 when busy.
    pub async fn reject(mut self, code: StatusCode) {
        let response = self.endpoint.create_response(&self.request, code, None);
        let tsx = self.endpoint.create_server_inv_tsx(&mut self.request);
        if let Err(e) = tsx.respond_failure(response).await {
            tracing::debug!("could not send {code:?} to a rejected INVITE: {e}");
        }
    }
}

/// Hands new INVITEs to the engine and answers out-of-dialog OPTIONS (keep-alive pings).
struct IncomingLayer {
    invites: mpsc::UnboundedSender<IncomingInvite>,
}

#[async_trait]
impl Layer for IncomingLayer {
    fn name(&self) -> &'static str {
        "frontdesk-incoming"
    }

    async fn receive(&self, endpoint: &Endpoint, request: MayTake<'_, IncomingRequest>) {
        let is_new = request.base_headers.to.tag.is_none();
        if request.line.method == Method::INVITE && is_new {
            let invite = IncomingInvite {
                endpoint: endpoint.clone(),
                request: request.take(),
            };
            if let Err(mpsc::error::SendError(invite)) = self.invites.send(invite) {
                invite.reject(StatusCode::SERVICE_UNAVAILABLE).await;
            }
        } else if request.line.method == Method::OPTIONS && is_new {
            let mut options = request.take();
            let mut response = endpoint.create_response(&options, StatusCode::OK, None);
            response.msg.headers.insert_named(endpoint.allowed());
            let tsx = endpoint.create_server_tsx(&mut options);
            if let Err(e) = tsx.respond(response).await {
                tracing::debug!("could not answer OPTIONS: {e}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_zero_gets_one_real_port_for_udp_and_tcp() {
        let addr = free_listen_address("127.0.0.1:0".parse().unwrap(), 0).unwrap();
        assert_ne!(addr.port(), 0);
        UdpSocket::bind(addr).unwrap();
        TcpListener::bind(addr).unwrap();
    }

    #[test]
    fn a_taken_port_moves_on_only_when_allowed() {
        let taken = UdpSocket::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let _hold = UdpSocket::bind(taken);
        let held = UdpSocket::bind(SocketAddr::new(taken.ip(), 0)).unwrap();
        let wanted = held.local_addr().unwrap();
        assert!(free_listen_address(wanted, 0).is_err());
        let moved = free_listen_address(wanted, 5).unwrap();
        assert_ne!(moved, wanted);
    }
}
