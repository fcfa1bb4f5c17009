//! An Ogg Opus file seen as headers plus audio packets, cut at its last
//! usable page — the view both recovery and decoding work from.

use std::path::Path;

use crate::header::{is_tags, OpusHead};
use crate::page::{self, Page, Stop, FLAG_BOS, FLAG_EOS};
use crate::RecordingError;

/// The readable part of an Ogg Opus file.
#[derive(Debug)]
pub(crate) struct Stream {
    pub head: OpusHead,
    /// Audio packets (headers excluded) up to and including `last_page`.
    pub audio: Vec<Vec<u8>>,
    /// The last page to keep: complete, ending on a packet boundary, with audio up to it.
    pub last_page: Page,
    /// Granule position `last_page` should carry (48 kHz samples incl. pre-skip).
    pub granule: u64,
    /// Whether `last_page` is already a proper end-of-stream page with that granule.
    pub finished: bool,
}

impl Stream {
    /// Playable length in 48 kHz samples (granule minus pre-skip).
    pub fn playable_granules(&self) -> u64 {
        self.granule.saturating_sub(self.head.pre_skip as u64)
    }
}

/// Parse `data` (the bytes of `path`) into headers and audio packets, dropping a
/// torn or damaged tail and anything after the end-of-stream page.
pub(crate) fn parse(path: &Path, data: &[u8]) -> Result<Stream, RecordingError> {
    let not_opus = |reason: &str| RecordingError::NotOggOpus {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    };
    let no_audio = || RecordingError::NoAudio {
        path: path.to_path_buf(),
        bytes: data.len() as u64,
    };
    let (mut pages, stop) = page::scan(data);
    if pages.is_empty() {
        return match stop {
            Stop::End | Stop::Torn => Err(no_audio()),
            Stop::Invalid(why) => Err(not_opus(why)),
        };
    }
    if pages[0].flags & FLAG_BOS == 0 {
        return Err(not_opus(
            "it does not start with the first page of an Ogg stream",
        ));
    }
    // One logical stream: stop at its end-of-stream page or at a foreign page.
    let serial = pages[0].serial;
    if let Some(i) = pages.iter().position(|p| p.serial != serial) {
        pages.truncate(i);
    }
    if let Some(i) = pages.iter().position(|p| p.flags & FLAG_EOS != 0) {
        pages.truncate(i + 1);
    }

    let packets = page::packets(data, &pages);
    let Some(head_packet) = packets.first() else {
        return Err(no_audio());
    };
    let head = OpusHead::parse(&head_packet.data).map_err(|e| not_opus(&e))?;
    let Some(tags) = packets.get(1) else {
        return Err(no_audio());
    };
    if !is_tags(&tags.data) {
        return Err(not_opus("the second packet is not an OpusTags header"));
    }

    // Keep pages up to the last one that ends on a packet boundary and has audio.
    let audio_packets = &packets[2..];
    let Some(last_index) = pages
        .iter()
        .enumerate()
        .rev()
        .find(|(i, p)| p.ends_on_packet_boundary() && audio_packets.iter().any(|pk| pk.page == *i))
        .map(|(i, _)| i)
    else {
        return Err(no_audio());
    };

    let mut audio = Vec::new();
    let mut total = 0u64; // granules of all kept audio packets
    let mut before_last_page = 0u64; // granules of packets ending before the last page
    for packet in audio_packets.iter().filter(|p| p.page <= last_index) {
        let samples = opus::packet::get_nb_samples(&packet.data, 48_000).map_err(|e| {
            not_opus(&format!(
                "audio packet {} is not a valid Opus packet ({e})",
                audio.len() + 1
            ))
        })? as u64;
        if packet.page < last_index {
            before_last_page += samples;
        }
        total += samples;
        audio.push(packet.data.clone());
    }
    let last_page = pages[last_index].clone();
    // A finished file's end page carries a granule trimmed to the real length
    // (≤ what the packets hold, > what the pages before it hold): keep that.
    let finished = last_page.flags & FLAG_EOS != 0
        && last_page.granule <= total
        && last_page.granule > before_last_page;
    let granule = if finished { last_page.granule } else { total };
    Ok(Stream {
        head,
        audio,
        last_page,
        granule,
        finished,
    })
}
