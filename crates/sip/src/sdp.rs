//! SDP offer/answer for one audio stream (RFC 3264).
//!
//! We print our own SDP (plain RTP/AVP, one audio m-line, telephone-event) and parse the
//! far end's with ezk-sdp-types. Negotiation results in [`MediaParams`] for the media engine.

use bytesstr::BytesStr;
use ezk_sdp_types::{
    Direction as SdpDirection, MediaDescription, MediaType, SessionDescription, TaggedAddress,
    TransportProtocol,
};
use frontdesk_media::{Codec, Direction, MediaParams};
use std::fmt::Write as _;
use std::net::{IpAddr, SocketAddr};

/// Payload type we offer for Opus (dynamic range).
const OPUS_PT: u8 = 111;
/// Payload types we offer for RFC 4733 telephone-event, at 8 kHz and (with Opus) 48 kHz:
/// events use the audio codec's RTP clock.
const TELEPHONE_EVENT_PT: u8 = 101;
const TELEPHONE_EVENT_48K_PT: u8 = 102;
/// Packet time we send and ask for.
const PTIME_MS: u32 = 20;

/// Why a far end's SDP could not be used; answered with 488 Not Acceptable Here.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SdpError {
    /// The body is not SDP.
    #[error("the SDP could not be parsed: {0}")]
    Malformed(String),
    /// No usable audio stream (missing, port 0, or secured only).
    #[error("the SDP offers no plain RTP audio stream")]
    NoAudio,
    /// The far end offers only codecs we do not have.
    #[error("no common audio codec (they offer {0})")]
    NoCommonCodec(String),
    /// The stream has no IP address we can send to.
    #[error("the SDP has no usable connection address")]
    NoAddress,
}

/// Our side of one call's SDP: where we receive and what we can do.
#[derive(Debug, Clone)]
pub struct LocalSdp {
    /// The address we advertise in `o=` and `c=`.
    pub ip: IpAddr,
    /// The RTP port our media session is bound to.
    pub rtp_port: u16,
    /// Our codecs in the user's order of preference.
    pub codecs: Vec<Codec>,
    /// `o=` session id, fixed for the call.
    pub session_id: u64,
    /// `o=` version, incremented with each new offer or answer.
    pub version: u64,
}

impl LocalSdp {
    /// A new description with a random session id.
    pub fn new(ip: IpAddr, rtp_port: u16, codecs: Vec<Codec>) -> Self {
        let session_id = rand::random::<u32>() as u64;
        Self {
            ip,
            rtp_port,
            codecs,
            session_id,
            version: session_id,
        }
    }

    /// Our offer: every codec we have, in preference order, plus telephone-event.
    pub fn offer(&mut self, direction: Direction) -> String {
        let formats: Vec<(u8, Codec)> = self
            .codecs
            .iter()
            .map(|codec| (offer_payload_type(*codec), *codec))
            .collect();
        let mut events = vec![(TELEPHONE_EVENT_PT, 8000)];
        if self.codecs.contains(&Codec::Opus) {
            events.push((TELEPHONE_EVENT_48K_PT, 48000));
        }
        self.print(&formats, &events, direction)
    }

    /// Answers a far-end offer: picks the first of our codecs that they offer, keeps their
    /// payload type numbers, and mirrors their direction.
    pub fn answer(&mut self, offer: &str) -> Result<(String, MediaParams), SdpError> {
        let remote = RemoteAudio::parse(offer)?;
        let (payload_type, codec) = self
            .codecs
            .iter()
            .find_map(|codec| remote.payload_type_for(*codec).map(|pt| (pt, *codec)))
            .ok_or_else(|| SdpError::NoCommonCodec(remote.describe_formats()))?;
        let direction = local_direction_for(remote.direction);
        let params = remote.params(codec, payload_type, direction);
        let events: Vec<(u8, u32)> = remote
            .telephone_events
            .iter()
            .copied()
            .filter(|(pt, _)| Some(*pt) == params.telephone_event_pt)
            .collect();
        let answer = self.print(&[(payload_type, codec)], &events, direction);
        Ok((answer, params))
    }

    /// Reads the far end's answer to our offer: the codec is their first format that we offered.
    pub fn accept_answer(&self, answer: &str) -> Result<MediaParams, SdpError> {
        let remote = RemoteAudio::parse(answer)?;
        let (payload_type, codec) = remote
            .formats
            .iter()
            .find_map(|(pt, codec)| codec.filter(|c| self.codecs.contains(c)).map(|c| (*pt, c)))
            .ok_or_else(|| SdpError::NoCommonCodec(remote.describe_formats()))?;
        Ok(remote.params(codec, payload_type, local_direction_for(remote.direction)))
    }

    fn print(
        &mut self,
        formats: &[(u8, Codec)],
        events: &[(u8, u32)],
        direction: Direction,
    ) -> String {
        self.version += 1;
        let family = if self.ip.is_ipv4() { "IP4" } else { "IP6" };
        let mut pts: Vec<String> = formats.iter().map(|(pt, _)| pt.to_string()).collect();
        pts.extend(events.iter().map(|(pt, _)| pt.to_string()));
        let mut sdp = String::new();
        let _ = write!(
            sdp,
            "v=0\r\no=frontdesk {} {} IN {family} {ip}\r\ns=Frontdesk\r\nc=IN {family} {ip}\r\nt=0 0\r\nm=audio {} RTP/AVP {}\r\n",
            self.session_id,
            self.version,
            self.rtp_port,
            pts.join(" "),
            ip = self.ip,
        );
        for (pt, codec) in formats {
            let channels = codec
                .channels_in_sdp()
                .map(|c| format!("/{c}"))
                .unwrap_or_default();
            let _ = write!(
                sdp,
                "a=rtpmap:{pt} {}/{}{channels}\r\n",
                codec.sdp_name(),
                codec.rtp_clock_rate()
            );
            if let Some(fmtp) = codec.default_fmtp() {
                let _ = write!(sdp, "a=fmtp:{pt} {fmtp}\r\n");
            }
        }
        for (pt, rate) in events {
            let _ = write!(
                sdp,
                "a=rtpmap:{pt} telephone-event/{rate}\r\na=fmtp:{pt} 0-16\r\n"
            );
        }
        let _ = write!(
            sdp,
            "a=ptime:{PTIME_MS}\r\na={}\r\n",
            direction_attribute(direction)
        );
        sdp
    }
}

fn offer_payload_type(codec: Codec) -> u8 {
    codec.static_payload_type().unwrap_or(OPUS_PT)
}

/// Our direction given the far end's: they send only → we receive only, and so on.
fn local_direction_for(remote: SdpDirection) -> Direction {
    match remote {
        SdpDirection::SendRecv => Direction::SendRecv,
        SdpDirection::SendOnly => Direction::RecvOnly,
        SdpDirection::RecvOnly => Direction::SendOnly,
        SdpDirection::Inactive => Direction::Inactive,
    }
}

fn direction_attribute(direction: Direction) -> &'static str {
    match direction {
        Direction::SendRecv => "sendrecv",
        Direction::SendOnly => "sendonly",
        Direction::RecvOnly => "recvonly",
        Direction::Inactive => "inactive",
    }
}

/// The far end's audio stream, reduced to what negotiation needs.
struct RemoteAudio {
    rtp: SocketAddr,
    rtcp: Option<SocketAddr>,
    /// Each offered payload type with the codec it maps to, if we know it.
    formats: Vec<(u8, Option<Codec>)>,
    names: Vec<String>,
    /// telephone-event payload types with their clock rates.
    telephone_events: Vec<(u8, u32)>,
    direction: SdpDirection,
    ptime_ms: Option<u32>,
}

impl RemoteAudio {
    fn parse(text: &str) -> Result<Self, SdpError> {
        let sdp = SessionDescription::parse(&BytesStr::from(text))
            .map_err(|e| SdpError::Malformed(e.to_string()))?;
        let media = sdp
            .media_descriptions
            .iter()
            .find(|m| {
                m.media.media_type == MediaType::Audio
                    && m.media.port != 0
                    && matches!(
                        m.media.proto,
                        TransportProtocol::RtpAvp | TransportProtocol::RtpAvpf
                    )
            })
            .ok_or(SdpError::NoAudio)?;
        let connection = media
            .connection
            .as_ref()
            .or(sdp.connection.as_ref())
            .ok_or(SdpError::NoAddress)?;
        let ip: IpAddr = match &connection.address {
            TaggedAddress::IP4(ip) => (*ip).into(),
            TaggedAddress::IP6(ip) => (*ip).into(),
            _ => return Err(SdpError::NoAddress),
        };
        let rtcp = media.rtcp.as_ref().map(|rtcp| {
            let rtcp_ip = match &rtcp.address {
                Some(TaggedAddress::IP4(ip)) => (*ip).into(),
                Some(TaggedAddress::IP6(ip)) => (*ip).into(),
                _ => ip,
            };
            SocketAddr::new(rtcp_ip, rtcp.port)
        });
        let mut formats = Vec::new();
        let mut names = Vec::new();
        let mut telephone_events = Vec::new();
        for &pt in &media.media.fmts {
            let rtpmap = media.rtpmap.iter().find(|map| map.payload == pt);
            let codec = match rtpmap {
                Some(map) if map.encoding.eq_ignore_ascii_case("telephone-event") => {
                    telephone_events.push((pt, map.clock_rate));
                    continue;
                }
                Some(map) => {
                    names.push(format!("{}/{}", map.encoding, map.clock_rate));
                    Codec::from_sdp(&map.encoding, map.clock_rate)
                }
                None => {
                    names.push(format!("payload type {pt}"));
                    static_codec(pt)
                }
            };
            formats.push((pt, codec));
        }
        Ok(Self {
            rtp: SocketAddr::new(ip, media.media.port),
            rtcp,
            formats,
            names,
            telephone_events,
            direction: effective_direction(&sdp, media),
            ptime_ms: ptime(media),
        })
    }

    fn payload_type_for(&self, codec: Codec) -> Option<u8> {
        self.formats
            .iter()
            .find(|(_, c)| *c == Some(codec))
            .map(|(pt, _)| *pt)
    }

    fn describe_formats(&self) -> String {
        if self.names.is_empty() {
            "nothing".into()
        } else {
            self.names.join(", ")
        }
    }

    fn params(&self, codec: Codec, payload_type: u8, direction: Direction) -> MediaParams {
        MediaParams {
            remote_rtp: self.rtp,
            remote_rtcp: self.rtcp,
            codec,
            payload_type,
            // Events must run on the codec's clock; take another rate only if nothing fits.
            telephone_event_pt: self
                .telephone_events
                .iter()
                .find(|(_, rate)| *rate == codec.rtp_clock_rate())
                .or(self.telephone_events.first())
                .map(|(pt, _)| *pt),
            ptime_ms: self
                .ptime_ms
                .filter(|p| (10..=120).contains(p))
                .unwrap_or(PTIME_MS),
            direction,
        }
    }
}

fn static_codec(pt: u8) -> Option<Codec> {
    [Codec::Pcmu, Codec::Pcma, Codec::G722]
        .into_iter()
        .find(|codec| codec.static_payload_type() == Some(pt))
}

/// RFC 4566: a media-level direction overrides the session-level one; sendrecv is the default.
/// A `c=0.0.0.0` (RFC 2543 hold) counts as sendonly from the far end's side.
fn effective_direction(sdp: &SessionDescription, media: &MediaDescription) -> SdpDirection {
    let held_by_zero_address = media
        .connection
        .as_ref()
        .or(sdp.connection.as_ref())
        .is_some_and(|c| matches!(c.address, TaggedAddress::IP4(ip) if ip.is_unspecified()));
    if held_by_zero_address {
        return SdpDirection::SendOnly;
    }
    if media.direction != SdpDirection::SendRecv {
        media.direction
    } else {
        sdp.direction
    }
}

fn ptime(media: &MediaDescription) -> Option<u32> {
    media
        .attributes
        .iter()
        .find(|a| a.name == "ptime")
        .and_then(|a| a.value.as_ref())
        .and_then(|v| v.trim().parse().ok())
}

#[cfg(test)]
mod tests;
