//! One call's media: sockets, the per-call task and the public handle the
//! SIP layer drives (`bind` → put port in SDP → `start` → `update`/`send_dtmf`
//! → `stop`).

mod runner;

use crate::audio::{self, AudioConfig};
use crate::events::MediaEvent;
use crate::{Codec, MediaError};
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use tokio::net::UdpSocket;
use tokio::sync::{broadcast, mpsc};
use tokio::task::JoinHandle;

/// SDP media direction (RFC 3264), used for hold/resume.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    /// Send and receive.
    #[default]
    SendRecv,
    /// Only send (we put the remote on hold).
    SendOnly,
    /// Only receive (the remote put us on hold).
    RecvOnly,
    /// Neither.
    Inactive,
}

impl Direction {
    /// True when we transmit audio.
    pub fn sends(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::SendOnly)
    }

    /// True when we play what we receive.
    pub fn receives(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::RecvOnly)
    }
}

/// What SDP negotiation decided for one audio stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaParams {
    /// Where to send RTP.
    pub remote_rtp: SocketAddr,
    /// Where to send RTCP (`a=rtcp`); `None` means RTP port + 1.
    pub remote_rtcp: Option<SocketAddr>,
    /// Negotiated codec.
    pub codec: Codec,
    /// Payload type negotiated for that codec (both directions).
    pub payload_type: u8,
    /// Payload type of `telephone-event` at the codec's RTP clock, if negotiated.
    pub telephone_event_pt: Option<u8>,
    /// Packet duration in ms (`a=ptime`), normally 20.
    pub ptime_ms: u32,
    /// Media direction.
    pub direction: Direction,
}

impl MediaParams {
    /// Parameters with the usual defaults: default payload type, telephone-event 101, 20 ms, sendrecv.
    pub fn new(remote_rtp: SocketAddr, codec: Codec) -> Self {
        Self {
            remote_rtp,
            remote_rtcp: None,
            codec,
            payload_type: codec.default_payload_type(),
            telephone_event_pt: Some(101),
            ptime_ms: 20,
            direction: Direction::SendRecv,
        }
    }

    /// RTCP destination: explicit, or RTP port + 1.
    pub fn rtcp_addr(&self) -> SocketAddr {
        self.remote_rtcp.unwrap_or_else(|| {
            let mut a = self.remote_rtp;
            a.set_port(a.port().wrapping_add(1));
            a
        })
    }

    /// The packet duration actually used: Opus only allows 10/20/40/60 ms, others 10–60 ms.
    pub fn effective_ptime(&self) -> u32 {
        match (self.codec, self.ptime_ms) {
            (Codec::Opus, p @ (10 | 20 | 40 | 60)) => p,
            (Codec::Opus, _) => 20,
            (_, p) if (10..=60).contains(&p) && p % 10 == 0 => p,
            _ => 20,
        }
    }
}

/// Counters for the UI and logs.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct MediaStats {
    /// RTP packets sent (audio and DTMF).
    pub packets_sent: u64,
    /// RTP packets received (any payload type, excluding muxed RTCP).
    pub packets_received: u64,
    /// Packets that never arrived in time for playout.
    pub packets_lost: u64,
    /// Packets that arrived after their playout time.
    pub packets_late: u64,
    /// Malformed datagrams and unknown payload types dropped.
    pub packets_dropped: u64,
    /// RTCP packets received (ignored apart from this count).
    pub rtcp_received: u64,
    /// Interarrival jitter estimate in milliseconds.
    pub jitter_ms: f32,
    /// Jitter buffer target delay in milliseconds.
    pub playout_delay_ms: f32,
    /// DTMF digits sent.
    pub dtmf_sent: u64,
}

enum Command {
    Update(MediaParams),
    Outgoing(crate::Outgoing),
    Dtmf(char),
    Stop,
}

/// One call's media. Binds sockets first (so SDP can carry the port), then
/// runs on a Tokio task once the negotiated parameters are known.
pub struct MediaSession {
    rtp: Arc<UdpSocket>,
    rtcp: Arc<UdpSocket>,
    local_rtp: SocketAddr,
    events: broadcast::Sender<MediaEvent>,
    stats: Arc<Mutex<MediaStats>>,
    params: Option<MediaParams>,
    cmd: Option<mpsc::UnboundedSender<Command>>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for MediaSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaSession")
            .field("local_rtp", &self.local_rtp)
            .field("params", &self.params)
            .field("running", &self.task.is_some())
            .finish()
    }
}

impl MediaSession {
    /// Bind an even RTP port and RTCP on port + 1 (RFC 3550 convention) on `local_ip`.
    pub async fn bind(local_ip: IpAddr) -> io::Result<MediaSession> {
        let mut last_err = None;
        for _ in 0..64 {
            let rtp = UdpSocket::bind((local_ip, 0)).await?;
            let port = rtp.local_addr()?.port();
            if port % 2 != 0 || port == u16::MAX {
                continue;
            }
            match UdpSocket::bind((local_ip, port + 1)).await {
                Ok(rtcp) => {
                    let local_rtp = rtp.local_addr()?;
                    let (events, _) = broadcast::channel(256);
                    return Ok(MediaSession {
                        rtp: Arc::new(rtp),
                        rtcp: Arc::new(rtcp),
                        local_rtp,
                        events,
                        stats: Arc::default(),
                        params: None,
                        cmd: None,
                        task: None,
                    });
                }
                Err(e) => last_err = Some(e),
            }
        }
        Err(last_err.unwrap_or_else(|| {
            io::Error::new(
                io::ErrorKind::AddrInUse,
                "no free even/odd UDP port pair for RTP/RTCP",
            )
        }))
    }

    /// The bound RTP address (put its port in the SDP `m=audio` line).
    pub fn local_rtp_addr(&self) -> SocketAddr {
        self.local_rtp
    }

    /// The bound RTCP address (RTP port + 1).
    pub fn local_rtcp_addr(&self) -> SocketAddr {
        self.rtcp.local_addr().unwrap_or(self.local_rtp)
    }

    /// Start media once negotiation is done. Opens the audio backend (file
    /// errors are returned here; device problems become events) and spawns
    /// the call's task on the current Tokio runtime.
    pub fn start(&mut self, params: MediaParams, audio: AudioConfig) -> Result<(), MediaError> {
        if self.task.is_some() {
            return Err(MediaError::AlreadyStarted);
        }
        let handle = tokio::runtime::Handle::try_current().map_err(|_| MediaError::NoRuntime)?;
        let io = audio::open(audio, self.events.clone())?;
        let runner = runner::Runner::new(
            params.clone(),
            io,
            self.rtp.clone(),
            self.rtcp.clone(),
            self.events.clone(),
            self.stats.clone(),
        )?;
        let (tx, rx) = mpsc::unbounded_channel();
        self.task = Some(handle.spawn(runner.run(rx)));
        self.cmd = Some(tx);
        self.params = Some(params);
        Ok(())
    }

    /// Apply a re-negotiation (re-INVITE: new remote address, codec or
    /// direction, e.g. hold) without interrupting the call.
    pub fn update(&mut self, params: MediaParams) {
        if let Some(tx) = &self.cmd {
            let _ = tx.send(Command::Update(params.clone()));
        }
        self.params = Some(params);
    }

    /// Chooses what the call sends: the microphone, silence (mute) or music (hold).
    /// Before `start` it has no effect.
    pub fn set_outgoing(&self, outgoing: crate::Outgoing) {
        if let Some(tx) = &self.cmd {
            let _ = tx.send(Command::Outgoing(outgoing));
        }
    }

    /// Send a DTMF digit (0-9, *, #, A-D) as RFC 4733 events; digits queue up
    /// and go out one after the other, 100 ms each.
    pub fn send_dtmf(&self, digit: char) -> Result<(), MediaError> {
        if crate::dtmf::digit_to_event(digit).is_none() {
            return Err(MediaError::InvalidDtmfDigit(digit));
        }
        let (Some(tx), Some(params)) = (&self.cmd, &self.params) else {
            return Err(MediaError::NotRunning);
        };
        if !params.direction.sends() {
            return Err(MediaError::NotSending);
        }
        if params.telephone_event_pt.is_none() {
            return Err(MediaError::NoTelephoneEvent);
        }
        tx.send(Command::Dtmf(digit))
            .map_err(|_| MediaError::NotRunning)
    }

    /// Subscribe to this session's events (each subscriber sees events sent after it subscribed).
    pub fn events(&self) -> broadcast::Receiver<MediaEvent> {
        self.events.subscribe()
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> MediaStats {
        self.stats.lock().map(|s| *s).unwrap_or_default()
    }

    /// Stop the call's media and wait until the recording (if any) is finalised.
    pub async fn stop(mut self) {
        if let Some(tx) = self.cmd.take() {
            let _ = tx.send(Command::Stop);
        }
        if let Some(task) = self.task.take() {
            if let Err(e) = task.await {
                tracing::warn!("media task ended abnormally: {e}");
            }
        }
    }
}
