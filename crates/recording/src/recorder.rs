//! The streaming Ogg Opus recorder.
//!
//! Audio is encoded in 20 ms Opus frames and written in Ogg pages of
//! [`PAGE_DURATION`]; each page goes to the file in one `write` and is
//! `fdatasync`ed right away. Every page is self-contained (CRC, granule
//! position), so a file cut anywhere is readable up to its last complete page
//! and [`crate::recover`] turns it into a proper, finished file.
//!
//! What a crash can lose: the page being filled (at most [`PAGE_DURATION`])
//! plus samples not yet making up a 20 ms frame — about half a second, for a
//! killed process and for a power cut alike.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ogg::writing::{PacketWriteEndInfo, PacketWriter};
use opus::{Application, Bitrate, Channels};

use crate::header::{tags_packet, OpusHead, GRANULE_RATE};
use crate::RecordingError;

/// Opus frame length: 20 ms, the usual VoIP frame.
pub const FRAME_DURATION: Duration = Duration::from_millis(20);
/// Audio per Ogg page; each completed page is written and synced, so this bounds what a crash loses.
pub const PAGE_DURATION: Duration = Duration::from_millis(500);
/// Target Opus bit rate: wide-band speech at good quality, ~180 kB per minute.
pub const BITRATE: i32 = 24_000;
/// Input rates Opus encodes natively.
pub const SUPPORTED_RATES: &str = "8000, 12000, 16000, 24000 or 48000 Hz";

const FRAMES_PER_PAGE: u64 = (PAGE_DURATION.as_millis() / FRAME_DURATION.as_millis()) as u64;
const FRAME_GRANULES: u64 = GRANULE_RATE / 50;
/// Largest Opus packet (RFC 6716 §3.4).
const MAX_PACKET: usize = 1275;

/// What a finished recording is: where, how long, how big.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordingInfo {
    /// The Ogg Opus file.
    pub path: PathBuf,
    /// Length of the recorded audio (what was pushed, without padding).
    pub duration: Duration,
    /// File size in bytes.
    pub bytes: u64,
}

/// Records mono 16-bit audio to an Ogg Opus file as it arrives, so that a crash
/// loses at most the last ~0.5 s (see the module docs).
///
/// `push` writes and syncs a page every half second of audio: call it from a
/// blocking context (a thread or `spawn_blocking`), not from an async task.
/// Dropping a recorder without [`Recorder::finish`] leaves a partial file, just
/// like a crash: [`crate::recover`] finalises it.
pub struct Recorder {
    path: PathBuf,
    file: File,
    writer: PacketWriter<'static, Vec<u8>>,
    encoder: opus::Encoder,
    serial: u32,
    sample_rate: u32,
    frame_len: usize,
    lookahead: usize,
    pre_skip: u64,
    pending: Vec<i16>,
    samples_in: u64,
    frames_out: u64,
    bytes: u64,
    packet: Vec<u8>,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("path", &self.path)
            .field("sample_rate", &self.sample_rate)
            .field("duration", &self.duration())
            .field("bytes", &self.bytes)
            .finish()
    }
}

impl Recorder {
    /// Create `path` (never overwriting an existing file: that could be an
    /// unrecovered message) and write the Opus headers, synced to disk.
    /// `sample_rate` is the rate of the pushed samples; voicemail uses 16000.
    pub fn create(path: &Path, sample_rate: u32) -> Result<Self, RecordingError> {
        if ![8000, 12000, 16000, 24000, 48000].contains(&sample_rate) {
            return Err(RecordingError::UnsupportedRate {
                rate: sample_rate,
                supported: SUPPORTED_RATES,
            });
        }
        let codec = |e: opus::Error| RecordingError::Codec {
            path: path.to_path_buf(),
            action: "encoder setup",
            reason: e.to_string(),
        };
        let mut encoder =
            opus::Encoder::new(sample_rate, Channels::Mono, Application::Voip).map_err(codec)?;
        encoder.set_bitrate(Bitrate::Bits(BITRATE)).map_err(codec)?;
        let lookahead = encoder.get_lookahead().map_err(codec)?.max(0) as usize;
        let pre_skip = lookahead as u64 * GRANULE_RATE / sample_rate as u64;

        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| RecordingError::io(dir, "create the directory", e))?;
        }
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(|e| RecordingError::io(path, "create the recording", e))?;

        let mut rec = Self {
            path: path.to_path_buf(),
            file,
            writer: PacketWriter::new(Vec::new()),
            encoder,
            serial: stream_serial(path),
            sample_rate,
            frame_len: sample_rate as usize / 50,
            lookahead,
            pre_skip,
            pending: Vec::new(),
            samples_in: 0,
            frames_out: 0,
            bytes: 0,
            packet: vec![0; MAX_PACKET],
        };
        let head = OpusHead {
            channels: 1,
            pre_skip: pre_skip as u16,
            input_rate: sample_rate,
            output_gain: 0,
        };
        rec.write_packet(head.to_packet(), PacketWriteEndInfo::EndPage, 0)?;
        let comments = [format!(
            "ENCODER=frontdesk-recording {}",
            env!("CARGO_PKG_VERSION")
        )];
        rec.write_packet(
            tags_packet(opus::version(), &comments),
            PacketWriteEndInfo::EndPage,
            0,
        )?;
        rec.sync()?;
        sync_parent_dir(path);
        Ok(rec)
    }

    /// Append samples (any count; they are buffered into 20 ms frames). Each
    /// completed half-second page is written and synced before this returns.
    /// After an error (e.g. disk full) drop the recorder and [`crate::recover`]
    /// the file: everything written before the error is kept.
    pub fn push(&mut self, samples: &[i16]) -> Result<(), RecordingError> {
        self.samples_in += samples.len() as u64;
        self.pending.extend_from_slice(samples);
        let mut start = 0;
        while self.pending.len() - start >= self.frame_len {
            let frame = self.pending[start..start + self.frame_len].to_vec();
            start += self.frame_len;
            self.encode_frame(&frame, None)?;
        }
        self.pending.drain(..start);
        Ok(())
    }

    /// Length of the audio pushed so far.
    pub fn duration(&self) -> Duration {
        samples_to_duration(self.samples_in, self.sample_rate)
    }

    /// The file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Encode what is left (padded with silence to flush the encoder's delay),
    /// write the end-of-stream page with the exact length, and sync the file.
    pub fn finish(mut self) -> Result<RecordingInfo, RecordingError> {
        let needed = self.pending.len() + self.lookahead;
        let frames = needed.div_ceil(self.frame_len).max(1);
        self.pending.resize(frames * self.frame_len, 0);
        let final_granule =
            self.pre_skip + self.samples_in * GRANULE_RATE / self.sample_rate as u64;
        let pending = std::mem::take(&mut self.pending);
        for (i, frame) in pending.chunks(self.frame_len).enumerate() {
            let last = (i + 1 == frames).then_some(final_granule);
            self.encode_frame(frame, last)?;
        }
        self.sync()?;
        Ok(RecordingInfo {
            duration: self.duration(),
            bytes: self.bytes,
            path: self.path,
        })
    }

    /// Encode one frame and hand it to the Ogg writer; `final_granule` marks the
    /// last packet of the stream and carries the trimmed length.
    fn encode_frame(
        &mut self,
        frame: &[i16],
        final_granule: Option<u64>,
    ) -> Result<(), RecordingError> {
        let len =
            self.encoder
                .encode(frame, &mut self.packet)
                .map_err(|e| RecordingError::Codec {
                    path: self.path.clone(),
                    action: "encoding",
                    reason: e.to_string(),
                })?;
        self.frames_out += 1;
        let packet = self.packet[..len].to_vec();
        let (info, granule) = match final_granule {
            Some(g) => (PacketWriteEndInfo::EndStream, g),
            None if self.frames_out.is_multiple_of(FRAMES_PER_PAGE) => (
                PacketWriteEndInfo::EndPage,
                self.frames_out * FRAME_GRANULES,
            ),
            None => (
                PacketWriteEndInfo::NormalPacket,
                self.frames_out * FRAME_GRANULES,
            ),
        };
        let page_done = self.write_packet(packet, info, granule)?;
        if page_done && final_granule.is_none() {
            self.sync()?;
        }
        Ok(())
    }

    /// Give a packet to the Ogg writer and write any page it completed to the
    /// file in one call. Returns whether a page was written.
    fn write_packet(
        &mut self,
        packet: Vec<u8>,
        info: PacketWriteEndInfo,
        granule: u64,
    ) -> Result<bool, RecordingError> {
        let path = &self.path;
        self.writer
            .write_packet(packet, self.serial, info, granule)
            .map_err(|e| RecordingError::io(path, "encode an Ogg page for", e))?;
        let out = self.writer.inner_mut();
        if out.is_empty() {
            return Ok(false);
        }
        self.file
            .write_all(out)
            .map_err(|e| RecordingError::io(path, "write to", e))?;
        self.bytes += out.len() as u64;
        out.clear();
        Ok(true)
    }

    fn sync(&mut self) -> Result<(), RecordingError> {
        self.file
            .sync_data()
            .map_err(|e| RecordingError::io(&self.path, "sync", e))
    }
}

/// A serial number that differs between recordings (RFC 3533 wants it unique
/// per physical stream; chained files are not made here, so this is plenty).
fn stream_serial(path: &Path) -> u32 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    path.hash(&mut h);
    std::process::id().hash(&mut h);
    std::time::SystemTime::now().hash(&mut h);
    h.finish() as u32
}

/// Sync the directory entry of a new file so it survives a power cut (Unix only).
fn sync_parent_dir(path: &Path) {
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        if let Err(e) = File::open(dir).and_then(|d| d.sync_all()) {
            tracing::warn!("cannot sync directory {}: {e}", dir.display());
        }
    }
}

pub(crate) fn samples_to_duration(samples: u64, rate: u32) -> Duration {
    Duration::from_nanos((samples as u128 * 1_000_000_000 / rate.max(1) as u128) as u64)
}
