//! A byte-level Ogg page scanner (RFC 3533), sans-IO.
//!
//! The `ogg` crate writes our pages; recovery needs what its reader does not
//! expose: the byte offset of every page, where a torn tail starts, and the
//! ability to patch one page header in place. So this module parses pages from
//! a byte slice, checks each CRC, and stops at the first page that is
//! incomplete or damaged — the point where a crash cut the file.

use std::ops::Range;

/// Length of the fixed part of a page header, before the lacing values.
pub(crate) const HEADER_LEN: usize = 27;
/// Header flag: this page continues a packet from the previous page.
pub(crate) const FLAG_CONTINUED: u8 = 0x01;
/// Header flag: first page of the logical stream.
pub(crate) const FLAG_BOS: u8 = 0x02;
/// Header flag: last page of the logical stream.
pub(crate) const FLAG_EOS: u8 = 0x04;

const CAPTURE: &[u8; 4] = b"OggS";
const CRC_RANGE: Range<usize> = 22..26;
const GRANULE_RANGE: Range<usize> = 6..14;

/// One complete, CRC-checked page inside a byte buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Page {
    /// Byte offset of the page's capture pattern.
    pub offset: usize,
    /// Header flags (continued, BOS, EOS).
    pub flags: u8,
    /// Granule position as stored (u64::MAX means "no packet ends here").
    pub granule: u64,
    /// Logical stream serial number.
    pub serial: u32,
    /// Lacing values, one per segment.
    pub lacing: Vec<u8>,
    /// Byte range of the page body in the buffer.
    pub body: Range<usize>,
}

impl Page {
    /// Offset one past the page's last byte.
    pub fn end(&self) -> usize {
        self.body.end
    }

    /// Whether the page's last packet ends on this page (false: it continues on the next one).
    pub fn ends_on_packet_boundary(&self) -> bool {
        self.lacing.last().is_none_or(|&l| l < 255)
    }
}

/// Why a page could not be read at some offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    /// The buffer ends exactly here: every byte belonged to a complete page.
    End,
    /// The buffer ends inside a page (a torn write).
    Torn,
    /// The bytes here are not a valid page (bad capture, version or CRC).
    Invalid(&'static str),
}

/// Parse the page starting at `offset`, or say why there is none.
pub(crate) fn parse_page(data: &[u8], offset: usize) -> Result<Page, Stop> {
    let rest = data.get(offset..).unwrap_or_default();
    if rest.is_empty() {
        return Err(Stop::End);
    }
    let prefix = rest.len().min(CAPTURE.len());
    if rest[..prefix] != CAPTURE[..prefix] {
        return Err(Stop::Invalid("no Ogg capture pattern"));
    }
    if rest.len() < HEADER_LEN {
        return Err(Stop::Torn);
    }
    if rest[4] != 0 {
        return Err(Stop::Invalid("unknown Ogg version"));
    }
    let segments = rest[26] as usize;
    let header_len = HEADER_LEN + segments;
    if rest.len() < header_len {
        return Err(Stop::Torn);
    }
    let lacing = rest[HEADER_LEN..header_len].to_vec();
    let body_len: usize = lacing.iter().map(|&l| l as usize).sum();
    let total = header_len + body_len;
    if rest.len() < total {
        return Err(Stop::Torn);
    }
    let page = &rest[..total];
    let stored_crc = u32::from_le_bytes(page[CRC_RANGE].try_into().unwrap_or_default());
    if page_crc(page) != stored_crc {
        return Err(Stop::Invalid("page checksum mismatch"));
    }
    Ok(Page {
        offset,
        flags: rest[5],
        granule: u64::from_le_bytes(page[GRANULE_RANGE].try_into().unwrap_or_default()),
        serial: u32::from_le_bytes(page[14..18].try_into().unwrap_or_default()),
        lacing,
        body: offset + header_len..offset + total,
    })
}

/// Every complete page from the start of `data`, and why the scan stopped.
pub(crate) fn scan(data: &[u8]) -> (Vec<Page>, Stop) {
    let mut pages = Vec::new();
    let mut offset = 0;
    loop {
        match parse_page(data, offset) {
            Ok(page) => {
                offset = page.end();
                pages.push(page);
            }
            Err(stop) => return (pages, stop),
        }
    }
}

/// The header bytes (first 27) of `page` with the EOS flag set and a new
/// granule position, CRC recomputed over the whole page. Writing these 27
/// bytes over the old ones finalises the page in one small write.
pub(crate) fn finalised_header(data: &[u8], page: &Page, granule: u64) -> [u8; HEADER_LEN] {
    let mut bytes = data[page.offset..page.end()].to_vec();
    bytes[5] |= FLAG_EOS;
    bytes[GRANULE_RANGE].copy_from_slice(&granule.to_le_bytes());
    bytes[CRC_RANGE].fill(0);
    let crc = page_crc(&bytes);
    bytes[CRC_RANGE].copy_from_slice(&crc.to_le_bytes());
    let mut header = [0u8; HEADER_LEN];
    header.copy_from_slice(&bytes[..HEADER_LEN]);
    header
}

/// CRC of a whole page with its checksum field taken as zero (RFC 3533:
/// polynomial 0x04c11db7, initial value 0, no reflection, no final xor).
fn page_crc(page: &[u8]) -> u32 {
    let mut crc = 0u32;
    for (i, &byte) in page.iter().enumerate() {
        let byte = if CRC_RANGE.contains(&i) { 0 } else { byte };
        crc = (crc << 8) ^ CRC_TABLE[(((crc >> 24) as u8) ^ byte) as usize];
    }
    crc
}

const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut r = (i as u32) << 24;
        let mut bit = 0;
        while bit < 8 {
            r = if r & 0x8000_0000 != 0 {
                (r << 1) ^ 0x04c1_1db7
            } else {
                r << 1
            };
            bit += 1;
        }
        table[i] = r;
        i += 1;
    }
    table
};

/// A packet reassembled from the pages: its bytes and the index of the page it ends on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Packet {
    /// Index (into the page list) of the page this packet ends on.
    pub page: usize,
    /// The packet's bytes.
    pub data: Vec<u8>,
}

/// Reassemble the packets of `pages` (one logical stream). A packet still
/// unfinished after the last page is left out; a continuation without its
/// beginning (a damaged start) is dropped.
pub(crate) fn packets(data: &[u8], pages: &[Page]) -> Vec<Packet> {
    let mut out = Vec::new();
    let mut partial: Option<Vec<u8>> = None;
    for (index, page) in pages.iter().enumerate() {
        // `None` while skipping the tail of a packet whose beginning we never saw.
        let mut current = if page.flags & FLAG_CONTINUED != 0 {
            partial.take()
        } else {
            Some(Vec::new())
        };
        let mut pos = page.body.start;
        for &l in &page.lacing {
            let segment = &data[pos..pos + l as usize];
            pos += l as usize;
            if let Some(c) = current.as_mut() {
                c.extend_from_slice(segment);
            }
            if l < 255 {
                if let Some(c) = current.take() {
                    out.push(Packet {
                        page: index,
                        data: c,
                    });
                }
                current = Some(Vec::new());
            }
        }
        partial = match page.lacing.last() {
            Some(&l) if l < 255 => None,
            _ => current.filter(|c| !c.is_empty()),
        };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ogg::writing::{PacketWriteEndInfo, PacketWriter};

    fn stream(packets: &[(Vec<u8>, PacketWriteEndInfo, u64)]) -> Vec<u8> {
        let mut w = PacketWriter::new(Vec::new());
        for (p, info, gp) in packets {
            w.write_packet(p.clone(), 7, *info, *gp).unwrap();
        }
        w.into_inner()
    }

    #[test]
    fn reads_pages_written_by_the_ogg_crate_and_checks_crc() {
        use PacketWriteEndInfo::*;
        let data = stream(&[
            (b"first".to_vec(), EndPage, 0),
            (vec![1; 300], NormalPacket, 10),
            (vec![2; 20], EndPage, 20),
            (vec![3; 5], EndStream, 25),
        ]);
        let (pages, stop) = scan(&data);
        assert_eq!(stop, Stop::End);
        assert_eq!(pages.len(), 3);
        assert_eq!(pages[0].flags & FLAG_BOS, FLAG_BOS);
        assert_eq!(pages[1].granule, 20);
        assert_eq!(pages[2].flags & FLAG_EOS, FLAG_EOS);
        let p = packets(&data, &pages);
        assert_eq!(p.len(), 4);
        assert_eq!(p[1].data, vec![1; 300]);
        assert_eq!(p[2].page, 1);

        let mut bad = data.clone();
        let last = bad.len() - 1;
        bad[last] ^= 0xff;
        let (pages, stop) = scan(&bad);
        assert_eq!(pages.len(), 2);
        assert_eq!(stop, Stop::Invalid("page checksum mismatch"));
    }

    #[test]
    fn a_cut_anywhere_keeps_the_complete_pages_before_it() {
        use PacketWriteEndInfo::*;
        let data = stream(&[(b"a".to_vec(), EndPage, 0), (vec![9; 700], EndPage, 5)]);
        let first_end = scan(&data).0[0].end();
        for cut in 0..data.len() {
            let (pages, stop) = scan(&data[..cut]);
            let expected = usize::from(cut >= first_end);
            assert_eq!(pages.len(), expected, "cut at {cut}");
            let at_boundary = cut == 0 || cut == first_end;
            assert_eq!(stop == Stop::End, at_boundary, "cut at {cut}: {stop:?}");
        }
    }

    #[test]
    fn packets_spanning_pages_are_joined_and_unfinished_ones_left_out() {
        use PacketWriteEndInfo::*;
        // 70,000 bytes need more than 255 segments, so the writer splits the packet.
        let big = (0..70_000).map(|i| i as u8).collect::<Vec<_>>();
        let data = stream(&[(b"h".to_vec(), EndPage, 0), (big.clone(), EndPage, 9)]);
        let (pages, _) = scan(&data);
        assert!(pages.len() >= 3);
        let p = packets(&data, &pages);
        assert_eq!(p.len(), 2);
        assert_eq!(p[1].data, big);
        assert!(!pages[1].ends_on_packet_boundary());
        let partial = packets(&data, &pages[..2]);
        assert_eq!(partial.len(), 1);
    }

    #[test]
    fn finalised_header_sets_eos_and_granule_with_a_valid_crc() {
        use PacketWriteEndInfo::*;
        let mut data = stream(&[(b"h".to_vec(), EndPage, 0), (vec![4; 40], EndPage, 960)]);
        let (pages, _) = scan(&data);
        let header = finalised_header(&data, &pages[1], 1234);
        let off = pages[1].offset;
        data[off..off + HEADER_LEN].copy_from_slice(&header);
        let (pages, stop) = scan(&data);
        assert_eq!(stop, Stop::End);
        assert_eq!(pages[1].granule, 1234);
        assert_eq!(pages[1].flags & FLAG_EOS, FLAG_EOS);
    }
}
