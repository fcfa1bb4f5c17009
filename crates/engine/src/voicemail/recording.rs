//! A message being recorded: the caller's audio goes to a crash-safe Ogg Opus file on a
//! thread of its own (the recorder syncs to disk), through the silence detector, which tells
//! the conversation when speech was heard and when the silence limit is reached.
//!
//! Next to the audio a small JSON file says whose message it is, so a recording a crash cut
//! off can still be filed at the next start ([`super::filing::recover_unfinished`]).

use frontdesk_recording::{Recorder, RecordingInfo, SilenceDetector, VoiceState};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::mpsc as std_mpsc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// Who left a message, written before the first sample is recorded.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct MessageMeta {
    pub(crate) mailbox: String,
    pub(crate) account: Option<String>,
    pub(crate) caller_number: String,
    pub(crate) caller_name: Option<String>,
    /// Milliseconds since the epoch.
    pub(crate) received_at: i64,
    pub(crate) sip_call_id: Option<String>,
}

/// Where one message's files live.
#[derive(Debug, Clone)]
pub(crate) struct MessageFiles {
    /// The recording, absolute.
    pub(crate) audio: PathBuf,
    /// The recording, relative to the data directory (what the inbox stores).
    pub(crate) relative: PathBuf,
    /// The metadata next to it; gone once the message is filed.
    pub(crate) meta: PathBuf,
}

impl MessageFiles {
    /// `voicemail/<year>-<month>/<received>-<call>.opus` under `data_dir`.
    pub(crate) fn new(data_dir: &Path, meta: &MessageMeta, call_id: &str) -> MessageFiles {
        let month = jiff::Timestamp::from_millisecond(meta.received_at)
            .map(|t| {
                t.to_zoned(jiff::tz::TimeZone::UTC)
                    .strftime("%Y-%m")
                    .to_string()
            })
            .unwrap_or_else(|_| "unknown".into());
        let relative = PathBuf::from("voicemail")
            .join(month)
            .join(format!("{}-{call_id}.opus", meta.received_at));
        let audio = data_dir.join(&relative);
        MessageFiles {
            meta: audio.with_extension("json"),
            audio,
            relative,
        }
    }
}

/// A recording in progress.
pub(crate) struct MessageRecording {
    frames: std_mpsc::Sender<Vec<i16>>,
    voice: mpsc::UnboundedReceiver<VoiceState>,
    done: oneshot::Receiver<Result<RecordingInfo, String>>,
    pub(crate) files: MessageFiles,
}

impl MessageRecording {
    /// Writes the metadata, creates the recording and starts its thread.
    pub(crate) fn start(
        files: MessageFiles,
        meta: &MessageMeta,
        silence_limit: Duration,
    ) -> Result<MessageRecording, String> {
        if let Some(dir) = files.audio.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        let json = serde_json::to_vec_pretty(meta).map_err(|e| e.to_string())?;
        write_synced(&files.meta, &json)
            .map_err(|e| format!("cannot write {}: {e}", files.meta.display()))?;
        let mut recorder = Recorder::create(&files.audio, frontdesk_media::PROGRAM_SAMPLE_RATE)
            .map_err(|e| e.to_string())?;
        let mut detector =
            SilenceDetector::new(frontdesk_media::PROGRAM_SAMPLE_RATE, silence_limit)
                .map_err(|e| e.to_string())?;
        let (frames, frame_rx) = std_mpsc::channel::<Vec<i16>>();
        let (voice_tx, voice) = mpsc::unbounded_channel();
        let (done_tx, done) = oneshot::channel();
        std::thread::Builder::new()
            .name("voicemail-recorder".into())
            .spawn(move || {
                let mut last = detector.state();
                let mut failure = None;
                while let Ok(frame) = frame_rx.recv() {
                    if failure.is_none() {
                        if let Err(e) = recorder.push(&frame) {
                            failure = Some(e.to_string());
                        }
                    }
                    let state = detector.push(&frame);
                    if state.speech_seen != last.speech_seen
                        || state.limit_reached != last.limit_reached
                    {
                        let _ = voice_tx.send(state);
                    }
                    last = state;
                }
                let result = match failure {
                    // What was written before the failure is kept; recovery finishes it.
                    Some(e) => Err(e),
                    None => recorder.finish().map_err(|e| e.to_string()),
                };
                let _ = done_tx.send(result);
            })
            .map_err(|e| format!("cannot start the recorder thread: {e}"))?;
        Ok(MessageRecording {
            frames,
            voice,
            done,
            files,
        })
    }

    /// Hands one frame of the caller's audio to the recorder.
    pub(crate) fn push(&self, frame: Vec<i16>) {
        let _ = self.frames.send(frame);
    }

    /// The next change the silence detector reports.
    pub(crate) async fn voice(&mut self) -> Option<VoiceState> {
        self.voice.recv().await
    }

    /// Closes the file; its length and size.
    pub(crate) async fn finish(self) -> (MessageFiles, Result<RecordingInfo, String>) {
        drop(self.frames);
        let result = self
            .done
            .await
            .unwrap_or_else(|_| Err("the recorder thread stopped".into()));
        (self.files, result)
    }
}

fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut file = std::fs::File::create(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}
