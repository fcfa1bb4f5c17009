//! Finalising a recording left behind by a crash or a kill.

use std::fs::OpenOptions;
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;
use std::time::Duration;

use crate::header::GRANULE_RATE;
use crate::page::finalised_header;
use crate::recorder::samples_to_duration;
use crate::{stream, RecordingError};

/// What [`recover`] found and did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovered {
    /// Playable length of the recording after recovery.
    pub duration: Duration,
    /// Bytes cut from the end (a torn page, damaged or trailing data); 0 if none.
    pub truncated_bytes: u64,
    /// Whether the file was already properly finished (nothing had to change).
    pub was_finished: bool,
}

/// Make the recording at `path` a proper, finished Ogg Opus file after a crash:
/// cut a torn or damaged tail, mark the last complete page end-of-stream with
/// the right granule position (so players show the right length) and sync.
///
/// Safe to call on any file, any number of times: a finished file is left
/// byte-for-byte unchanged. A file without a single complete audio page gives
/// [`RecordingError::NoAudio`] (the caller files a call attempt); a file that is
/// not Ogg Opus gives [`RecordingError::NotOggOpus`] and is not touched.
pub fn recover(path: &Path) -> Result<Recovered, RecordingError> {
    let data = std::fs::read(path).map_err(|e| RecordingError::io(path, "read", e))?;
    let stream = stream::parse(path, &data)?;
    let keep = stream.last_page.end();
    let truncated_bytes = (data.len() - keep) as u64;
    let duration = samples_to_duration(stream.playable_granules(), GRANULE_RATE as u32);
    if stream.finished && truncated_bytes == 0 {
        return Ok(Recovered {
            duration,
            truncated_bytes,
            was_finished: true,
        });
    }

    let mut file = OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| RecordingError::io(path, "open for recovery", e))?;
    // Cut first, then patch the (small, single-sector) page header: a crash in
    // between leaves a valid file that the next recovery finishes.
    file.set_len(keep as u64)
        .map_err(|e| RecordingError::io(path, "truncate", e))?;
    if !stream.finished {
        let header = finalised_header(&data, &stream.last_page, stream.granule);
        file.seek(SeekFrom::Start(stream.last_page.offset as u64))
            .and_then(|_| file.write_all(&header))
            .map_err(|e| RecordingError::io(path, "rewrite the last page of", e))?;
    }
    file.sync_all()
        .map_err(|e| RecordingError::io(path, "sync", e))?;
    tracing::info!(
        "recovered {}: {:.2} s of audio, {truncated_bytes} bytes cut",
        path.display(),
        duration.as_secs_f64()
    );
    Ok(Recovered {
        duration,
        truncated_bytes,
        was_finished: false,
    })
}
