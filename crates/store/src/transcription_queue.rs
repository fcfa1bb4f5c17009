//! The persistent transcription queue.
//!
//! There is no separate queue table: a message whose `transcription_state` is
//! `pending` *is* queued. The state changes only when a result is written, so
//! a message whose transcription was cut short by a crash or kill is still
//! `pending` after a restart and is handed out again. The worker asks for
//! [`Store::pending_transcriptions`], transcribes, and reports with
//! [`Store::set_transcript`] or [`Store::set_transcription_failed`].

use std::path::PathBuf;

use rusqlite::params;
use serde::{Deserialize, Serialize};

use crate::{MessageId, Store, StoreError};

/// One queued transcription job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingTranscription {
    /// The message to write the transcript to.
    pub id: MessageId,
    /// The recording, relative to the data directory.
    pub audio_path: PathBuf,
    /// The mailbox, because the language may be fixed per mailbox.
    pub mailbox: String,
}

impl Store {
    /// Up to `limit` queued transcriptions, oldest first. Calling it again
    /// before a result is written returns the same jobs: the worker must not
    /// run two at once for one message.
    pub fn pending_transcriptions(
        &self,
        limit: usize,
    ) -> Result<Vec<PendingTranscription>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT id, audio_path, mailbox FROM messages
             WHERE transcription_state = 'pending'
             ORDER BY id LIMIT ?1",
        )?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = stmt.query_map([limit], |r| {
            Ok(PendingTranscription {
                id: MessageId(r.get(0)?),
                audio_path: PathBuf::from(r.get::<_, String>(1)?),
                mailbox: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Stores the transcript (tags already stripped; may be empty when the
    /// recording holds no speech) and its language, and takes the message off
    /// the queue. Clears an earlier error.
    pub fn set_transcript(
        &self,
        id: MessageId,
        text: &str,
        language: Option<&str>,
    ) -> Result<(), StoreError> {
        self.update_message(
            id,
            "UPDATE messages
             SET transcript = ?2, language = ?3, transcription_state = 'done',
                 transcription_error = NULL
             WHERE id = ?1",
            params![id.0, text, language],
        )
    }

    /// Records that transcription failed (unreadable audio, model error) and
    /// takes the message off the queue; the inbox shows `error`.
    pub fn set_transcription_failed(&self, id: MessageId, error: &str) -> Result<(), StoreError> {
        self.update_message(
            id,
            "UPDATE messages SET transcription_state = 'failed', transcription_error = ?2
             WHERE id = ?1",
            params![id.0, error],
        )
    }

    /// Records that there will be no transcript for now, and why (e.g. "no
    /// speech model is configured; set `model` under [voicemail]"), so the
    /// inbox can say so. [`Store::queue_untranscribed`] brings it back later.
    pub fn set_transcription_unavailable(
        &self,
        id: MessageId,
        reason: &str,
    ) -> Result<(), StoreError> {
        self.update_message(
            id,
            "UPDATE messages SET transcription_state = 'none', transcription_error = ?2
             WHERE id = ?1",
            params![id.0, reason],
        )
    }

    /// Queues one message for (re-)transcription, e.g. from a "transcribe
    /// again" button. Fails with [`StoreError::NoAudio`] for entries without a
    /// recording (call attempts).
    pub fn queue_transcription(&self, id: MessageId) -> Result<(), StoreError> {
        let conn = self.conn();
        let changed = conn.execute(
            "UPDATE messages SET transcription_state = 'pending', transcription_error = NULL
             WHERE id = ?1 AND audio_path IS NOT NULL",
            [id.0],
        )?;
        if changed == 0 {
            let exists = conn
                .prepare_cached("SELECT 1 FROM messages WHERE id = ?1")?
                .exists([id.0])?;
            return Err(if exists {
                StoreError::NoAudio(id)
            } else {
                StoreError::MessageNotFound(id)
            });
        }
        Ok(())
    }

    /// Queues every recorded message that has no transcript because none
    /// could be made (state `none`, e.g. recorded while no model was
    /// configured) and, if `include_failed`, those whose transcription failed.
    /// Call it when a model becomes available; returns how many were queued.
    pub fn queue_untranscribed(&self, include_failed: bool) -> Result<usize, StoreError> {
        let conn = self.conn();
        let queued = conn.execute(
            "UPDATE messages SET transcription_state = 'pending', transcription_error = NULL
             WHERE audio_path IS NOT NULL AND kind = 'message'
               AND (transcription_state = 'none'
                    OR (?1 AND transcription_state = 'failed'))",
            [include_failed],
        )?;
        Ok(queued)
    }
}
