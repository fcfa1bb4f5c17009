//! The per-call task: a ptime tick that captures, encodes and sends audio
//! (or DTMF) and plays out one frame from the jitter buffer, plus the
//! receive paths for RTP and RTCP.

use super::{Command, MediaParams, MediaStats};
use crate::audio::AudioIo;
use crate::codec::{AudioDecoder, AudioEncoder};
use crate::dtmf::{DtmfReceiver, DtmfSender};
use crate::events::MediaEvent;
use crate::jitter::{JitterBuffer, JitterConfig, Playout, PushOutcome};
use crate::rtp::{is_rtcp, RtpPacket, RtpSender};
use crate::{rtcp, MediaError};
use bytes::Bytes;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};
use tokio::net::UdpSocket;
use tokio::sync::{broadcast, mpsc};
use tokio::time::{interval, Interval, MissedTickBehavior};

/// Audio frames sent between two queued DTMF digits (inter-digit pause).
const DTMF_GAP_FRAMES: u32 = 3;
/// Decoded audio kept waiting for playout before the excess is dropped.
const MAX_PLAYOUT_MS: u32 = 200;

pub(super) struct Runner {
    params: MediaParams,
    audio: Box<dyn AudioIo>,
    rtp: Arc<UdpSocket>,
    rtcp: Arc<UdpSocket>,
    events: broadcast::Sender<MediaEvent>,
    shared_stats: Arc<Mutex<MediaStats>>,
    stats: MediaStats,
    encoder: Box<dyn AudioEncoder>,
    decoder: Box<dyn AudioDecoder>,
    jitter: JitterBuffer,
    sender: RtpSender,
    timestamp: u32,
    dtmf_queue: VecDeque<char>,
    dtmf: Option<DtmfSender>,
    dtmf_gap: u32,
    dtmf_rx: DtmfReceiver,
    got_first_packet: bool,
    next_sr: Instant,
    mic: Vec<i16>,
    outgoing: crate::Outgoing,
    music: crate::outgoing::MusicPlayer,
    playout: VecDeque<i16>,
    decoded: Vec<i16>,
    frame_out: Vec<i16>,
    payload: Vec<u8>,
    packet: Vec<u8>,
}

fn jitter_for(p: &MediaParams) -> JitterBuffer {
    JitterBuffer::new(JitterConfig::new(
        p.effective_ptime(),
        p.codec.rtp_clock_rate(),
    ))
}

impl Runner {
    pub(super) fn new(
        params: MediaParams,
        audio: Box<dyn AudioIo>,
        rtp: Arc<UdpSocket>,
        rtcp: Arc<UdpSocket>,
        events: broadcast::Sender<MediaEvent>,
        shared_stats: Arc<Mutex<MediaStats>>,
    ) -> Result<Self, MediaError> {
        let encoder = params.codec.encoder()?;
        let decoder = params.codec.decoder(params.effective_ptime())?;
        Ok(Self {
            jitter: jitter_for(&params),
            encoder,
            decoder,
            params,
            audio,
            rtp,
            rtcp,
            events,
            shared_stats,
            stats: MediaStats::default(),
            sender: RtpSender::new(),
            timestamp: crate::rtp::random_u32(),
            dtmf_queue: VecDeque::new(),
            dtmf: None,
            dtmf_gap: 0,
            dtmf_rx: DtmfReceiver::new(),
            got_first_packet: false,
            next_sr: Instant::now() + Duration::from_secs(1),
            mic: Vec::new(),
            outgoing: crate::Outgoing::Microphone,
            music: Default::default(),
            playout: VecDeque::new(),
            decoded: Vec::new(),
            frame_out: Vec::new(),
            payload: Vec::new(),
            packet: Vec::new(),
        })
    }

    fn ticker(&self) -> Interval {
        let mut t = interval(Duration::from_millis(self.params.effective_ptime() as u64));
        t.set_missed_tick_behavior(MissedTickBehavior::Burst);
        t
    }

    pub(super) async fn run(mut self, mut commands: mpsc::UnboundedReceiver<Command>) {
        let mut tick = self.ticker();
        let mut rtp_buf = vec![0u8; 2048];
        let mut rtcp_buf = vec![0u8; 2048];
        let rtp = self.rtp.clone();
        let rtcp = self.rtcp.clone();
        loop {
            tokio::select! {
                _ = tick.tick() => self.on_tick().await,
                r = rtp.recv_from(&mut rtp_buf) => match r {
                    Ok((n, _from)) => self.on_rtp(&rtp_buf[..n]),
                    // ICMP port unreachable surfaces here on some OSes; keep going.
                    Err(e) => tracing::debug!("RTP receive: {e}"),
                },
                r = rtcp.recv_from(&mut rtcp_buf) => match r {
                    Ok((n, _)) => self.on_rtcp(&rtcp_buf[..n]),
                    Err(e) => tracing::debug!("RTCP receive: {e}"),
                },
                cmd = commands.recv() => match cmd {
                    Some(Command::Update(p)) => {
                        let ptime_changed = p.effective_ptime() != self.params.effective_ptime();
                        self.apply(p);
                        if ptime_changed {
                            tick = self.ticker();
                        }
                    }
                    Some(Command::Dtmf(d)) => self.dtmf_queue.push_back(d),
                    Some(Command::Outgoing(o)) => self.outgoing = o,
                    Some(Command::Stop) | None => break,
                },
            }
        }
        self.publish_stats();
        let mut audio = self.audio;
        // Finalising a WAV or joining the device thread blocks briefly.
        let _ = tokio::task::spawn_blocking(move || audio.finish()).await;
    }

    fn apply(&mut self, p: MediaParams) {
        let old = &self.params;
        let media_changed = p.codec != old.codec
            || p.payload_type != old.payload_type
            || p.effective_ptime() != old.effective_ptime();
        if media_changed {
            match (p.codec.encoder(), p.codec.decoder(p.effective_ptime())) {
                (Ok(e), Ok(d)) => {
                    self.encoder = e;
                    self.decoder = d;
                    self.jitter = jitter_for(&p);
                    self.playout.clear();
                    self.dtmf = None;
                }
                (Err(e), _) | (_, Err(e)) => {
                    tracing::warn!(
                        "re-negotiated codec {} unusable: {e}; keeping {}",
                        p.codec,
                        old.codec
                    );
                    return;
                }
            }
        }
        tracing::debug!("media updated: {:?}", p);
        self.params = p;
    }

    async fn send(&mut self, to_rtcp: bool) {
        let (sock, addr) = if to_rtcp {
            (&self.rtcp, self.params.rtcp_addr())
        } else {
            (&self.rtp, self.params.remote_rtp)
        };
        if let Err(e) = sock.send_to(&self.packet, addr).await {
            tracing::debug!("send to {addr}: {e}");
        }
    }

    async fn on_tick(&mut self) {
        let p = &self.params;
        let codec = p.codec;
        let frame = codec.samples_per_frame(p.effective_ptime());
        let step = codec.timestamp_step(p.effective_ptime());
        let sends = p.direction.sends();

        self.mic.resize(frame, 0);
        self.audio.capture(codec.sample_rate(), &mut self.mic);
        match &self.outgoing {
            crate::Outgoing::Microphone => {}
            crate::Outgoing::Silence => self.mic.fill(0),
            crate::Outgoing::Music(music) => {
                self.music.fill(music, codec.sample_rate(), &mut self.mic)
            }
        }
        if sends {
            if self.dtmf.is_none() && self.dtmf_gap == 0 {
                if let (Some(d), Some(_)) = (self.dtmf_queue.front().copied(), p.telephone_event_pt)
                {
                    self.dtmf_queue.pop_front();
                    self.dtmf = DtmfSender::new(d, self.timestamp, step, codec.rtp_clock_rate());
                    self.stats.dtmf_sent += 1;
                }
            }
            self.dtmf_gap = self.dtmf_gap.saturating_sub(1);
            let dtmf_packet = self.dtmf.as_mut().and_then(|d| d.next_packet());
            match (dtmf_packet, p.telephone_event_pt) {
                (Some(pkt), Some(pt)) => {
                    self.sender.build(
                        pt,
                        pkt.timestamp,
                        pkt.marker,
                        &pkt.payload,
                        &mut self.packet,
                    );
                    if self.dtmf.as_ref().is_some_and(|d| d.is_finished()) {
                        self.dtmf = None;
                        self.dtmf_gap = DTMF_GAP_FRAMES;
                    }
                    self.send(false).await;
                    self.stats.packets_sent += 1;
                }
                _ => {
                    self.dtmf = None;
                    match self.encoder.encode(&self.mic, &mut self.payload) {
                        Ok(()) => {
                            let pt = self.params.payload_type;
                            self.sender.build(
                                pt,
                                self.timestamp,
                                false,
                                &self.payload,
                                &mut self.packet,
                            );
                            self.send(false).await;
                            self.stats.packets_sent += 1;
                        }
                        Err(e) => tracing::warn!("encoding failed, frame skipped: {e}"),
                    }
                }
            }
        }
        self.timestamp = self.timestamp.wrapping_add(step);

        self.fill_playout(frame);
        self.frame_out.clear();
        let take = frame.min(self.playout.len());
        self.frame_out.extend(self.playout.drain(..take));
        self.frame_out.resize(frame, 0);
        if !self.params.direction.receives() {
            self.frame_out.fill(0);
        }
        self.audio.play(codec.sample_rate(), &self.frame_out);

        if Instant::now() >= self.next_sr {
            self.next_sr = Instant::now() + rtcp::SR_INTERVAL;
            rtcp::build_sender_report(
                self.sender.ssrc,
                SystemTime::now(),
                self.timestamp,
                self.sender.packets,
                self.sender.octets,
                &mut self.packet,
            );
            self.send(true).await;
        }
        self.publish_stats();
    }

    /// Decode from the jitter buffer until one frame of PCM is ready.
    fn fill_playout(&mut self, frame: usize) {
        let now = Instant::now();
        let mut guard = 0;
        while self.playout.len() < frame && guard < 8 {
            guard += 1;
            self.decoded.clear();
            match self.jitter.pop(now) {
                None => break,
                Some(Playout::Frame(f)) => {
                    if let Err(e) = self.decoder.decode(&f.payload, &mut self.decoded) {
                        tracing::debug!("undecodable packet {}: {e}; concealing", f.sequence);
                        self.decoded.clear();
                        self.decoder.conceal(None, &mut self.decoded);
                    }
                }
                Some(Playout::Lost { next, .. }) => {
                    self.decoder.conceal(next.as_deref(), &mut self.decoded)
                }
            }
            self.playout.extend(self.decoded.iter().copied());
        }
        let max = (self.params.codec.sample_rate() * MAX_PLAYOUT_MS / 1000) as usize;
        if self.playout.len() > max {
            let excess = self.playout.len() - max;
            self.playout.drain(..excess);
        }
    }

    fn on_rtp(&mut self, datagram: &[u8]) {
        if is_rtcp(datagram) {
            self.on_rtcp(datagram);
            return;
        }
        let pkt = match RtpPacket::parse(datagram) {
            Ok(p) => p,
            Err(e) => {
                tracing::debug!("dropping datagram: {e}");
                self.stats.packets_dropped += 1;
                return;
            }
        };
        self.stats.packets_received += 1;
        if !self.got_first_packet {
            self.got_first_packet = true;
            let _ = self.events.send(MediaEvent::FirstPacketReceived);
        }
        if Some(pkt.payload_type) == self.params.telephone_event_pt {
            if let Some(d) = self.dtmf_rx.receive(pkt.ssrc, pkt.timestamp, pkt.payload) {
                let _ = self.events.send(MediaEvent::DtmfReceived(d));
            }
        } else if pkt.payload_type == self.params.payload_type {
            let had_stream = !self.jitter.is_empty() || self.jitter.stats().received > 0;
            let outcome = self.jitter.push(
                pkt.ssrc,
                pkt.sequence,
                pkt.timestamp,
                Bytes::copy_from_slice(pkt.payload),
                Instant::now(),
            );
            if outcome == PushOutcome::Reset && had_stream {
                let _ = self.events.send(MediaEvent::RemoteStreamRestarted);
            }
        } else {
            self.stats.packets_dropped += 1;
        }
    }

    fn on_rtcp(&mut self, datagram: &[u8]) {
        match rtcp::validate(datagram) {
            Some(_) => self.stats.rtcp_received += 1,
            None => self.stats.packets_dropped += 1,
        }
    }

    fn publish_stats(&mut self) {
        let j = self.jitter.stats();
        self.stats.packets_lost = j.lost;
        self.stats.packets_late = j.late;
        self.stats.jitter_ms = self.jitter.jitter().as_secs_f32() * 1000.0;
        self.stats.playout_delay_ms = self.jitter.target_delay().as_secs_f32() * 1000.0;
        if let Ok(mut s) = self.shared_stats.lock() {
            *s = self.stats;
        }
    }
}
