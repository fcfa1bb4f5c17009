//! Minimal RTCP (RFC 3550): we send a Sender Report every few seconds so the
//! peer (and middleboxes) see a live stream, and accept incoming RTCP without
//! interpreting it beyond a sanity check.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Interval between our Sender Reports.
pub const SR_INTERVAL: Duration = Duration::from_secs(5);

/// Seconds between the NTP epoch (1900) and the Unix epoch (1970).
const NTP_UNIX_OFFSET: u64 = 2_208_988_800;

/// Build a Sender Report with no report blocks into `out` (cleared first).
pub fn build_sender_report(
    ssrc: u32,
    now: SystemTime,
    rtp_timestamp: u32,
    packets: u32,
    octets: u32,
    out: &mut Vec<u8>,
) {
    let since = now.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs().wrapping_add(NTP_UNIX_OFFSET) as u32;
    let frac = ((since.subsec_nanos() as u64) << 32) / 1_000_000_000;
    out.clear();
    out.extend_from_slice(&[0x80, 200, 0, 6]);
    out.extend_from_slice(&ssrc.to_be_bytes());
    out.extend_from_slice(&secs.to_be_bytes());
    out.extend_from_slice(&(frac as u32).to_be_bytes());
    out.extend_from_slice(&rtp_timestamp.to_be_bytes());
    out.extend_from_slice(&packets.to_be_bytes());
    out.extend_from_slice(&octets.to_be_bytes());
}

/// Count the packets in a (compound) RTCP datagram, or `None` if it is not
/// well-formed RTCP. Used only to log and drop; never panics.
pub fn validate(datagram: &[u8]) -> Option<usize> {
    let mut rest = datagram;
    let mut count = 0;
    while !rest.is_empty() {
        if rest.len() < 4 || rest[0] >> 6 != 2 || !(192..=223).contains(&rest[1]) {
            return None;
        }
        let len = (u16::from_be_bytes([rest[2], rest[3]]) as usize + 1) * 4;
        rest = rest.get(len..)?;
        count += 1;
    }
    (count > 0).then_some(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sender_report_is_valid_rtcp() {
        let mut buf = Vec::new();
        build_sender_report(7, SystemTime::now(), 160, 3, 480, &mut buf);
        assert_eq!(buf.len(), 28);
        assert_eq!(validate(&buf), Some(1));
        assert!(crate::rtp::is_rtcp(&buf));
        let mut compound = buf.clone();
        compound.extend_from_slice(&buf);
        assert_eq!(validate(&compound), Some(2));
    }

    #[test]
    fn rejects_garbage() {
        assert_eq!(validate(&[]), None);
        assert_eq!(validate(&[0x80, 200, 0, 9]), None);
        assert_eq!(validate(&[0x80, 10, 0, 0]), None);
        assert_eq!(validate(&[0x80, 200]), None);
    }
}
