//! Bookkeeping for notification e-mails: queued, retried, never sent twice.
//!
//! The state lives in the message row (`email_state`) and moves only through
//! conditional UPDATEs, so a step taken twice (two workers, a repeated call,
//! a restart) changes nothing the second time:
//!
//! ```text
//! none ──queue──▶ queued ──claim──▶ sending ──sent──▶ sent   (final)
//!   ▲               ▲                  │
//!   │               └──failed(retry)───┤
//! failed ◀──────────failed(give up)────┘
//!   ▲
//!   └── sending left over after a crash (recover_interrupted_emails)
//! ```
//!
//! Only the worker that claimed a message (moved it to `sending`) sends it.
//! A crash while `sending` cannot tell whether the server got the mail, so
//! such messages become `failed` with an explanation instead of being sent
//! again; the user may queue them again.

use rusqlite::{params, Connection, OptionalExtension};

use crate::{MessageId, Store, StoreError, Timestamp};

/// The error recorded for e-mails that were being sent when Frontdesk stopped.
pub const EMAIL_INTERRUPTED: &str = "Frontdesk stopped while sending this e-mail, so it may or \
     may not have arrived; queue it again to resend";

impl Store {
    /// Queues the notification e-mail for a message, to be sent from `due_at`
    /// on (usually now). Works for messages with no e-mail yet or a failed one;
    /// returns `false` and changes nothing if it is already queued, being
    /// sent, or sent.
    pub fn queue_email(&self, id: MessageId, due_at: Timestamp) -> Result<bool, StoreError> {
        let conn = self.conn();
        let changed = conn.execute(
            "UPDATE messages SET email_state = 'queued', email_due_at = ?2, email_error = NULL
             WHERE id = ?1 AND email_state IN ('none', 'failed')",
            params![id.0, due_at],
        )?;
        changed_or_missing(&conn, id, changed)
    }

    /// Claims up to `limit` queued e-mails that are due at `now` (oldest due
    /// first) for sending: they move to `sending` and their attempt count goes
    /// up. Each one is handed out once; send exactly those returned, then
    /// report with [`Store::email_sent`] or [`Store::email_failed`].
    pub fn claim_due_emails(
        &self,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<MessageId>, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut ids: Vec<(Timestamp, MessageId)> = {
            let mut stmt = tx.prepare_cached(
                "UPDATE messages
                 SET email_state = 'sending', email_attempts = email_attempts + 1
                 WHERE id IN (SELECT id FROM messages
                              WHERE email_state = 'queued' AND email_due_at <= ?1
                              ORDER BY email_due_at, id LIMIT ?2)
                 RETURNING email_due_at, id",
            )?;
            let rows = stmt.query_map(params![now, limit], |r| {
                Ok((r.get(0)?, MessageId(r.get(1)?)))
            })?;
            rows.collect::<Result<_, _>>()?
        };
        tx.commit()?;
        ids.sort();
        Ok(ids.into_iter().map(|(_, id)| id).collect())
    }

    /// When the next queued e-mail is due, so the worker can sleep until
    /// then; `None` when nothing is queued.
    pub fn next_email_due(&self) -> Result<Option<Timestamp>, StoreError> {
        let conn = self.conn();
        let due: Option<Timestamp> = conn
            .prepare_cached("SELECT min(email_due_at) FROM messages WHERE email_state = 'queued'")?
            .query_row([], |r| r.get(0))?;
        Ok(due)
    }

    /// Records that the mail server accepted the e-mail. Only a claimed
    /// (`sending`) e-mail can become `sent`; returns `false` otherwise, e.g.
    /// when it was already recorded as sent.
    pub fn email_sent(&self, id: MessageId, at: Timestamp) -> Result<bool, StoreError> {
        let conn = self.conn();
        let changed = conn.execute(
            "UPDATE messages
             SET email_state = 'sent', email_sent_at = ?2, email_due_at = NULL, email_error = NULL
             WHERE id = ?1 AND email_state = 'sending'",
            params![id.0, at],
        )?;
        changed_or_missing(&conn, id, changed)
    }

    /// Records a failed attempt for a claimed e-mail: with `retry_at` it is
    /// queued again for then, without it the sender gives up (`failed`). The
    /// error is kept either way so the inbox can show it. Returns `false` if
    /// the e-mail was not being sent.
    pub fn email_failed(
        &self,
        id: MessageId,
        error: &str,
        retry_at: Option<Timestamp>,
    ) -> Result<bool, StoreError> {
        let conn = self.conn();
        let changed = conn.execute(
            "UPDATE messages
             SET email_state = CASE WHEN ?3 IS NULL THEN 'failed' ELSE 'queued' END,
                 email_due_at = ?3, email_error = ?2
             WHERE id = ?1 AND email_state = 'sending'",
            params![id.0, error, retry_at],
        )?;
        changed_or_missing(&conn, id, changed)
    }

    /// Marks e-mails left `sending` by a crash as `failed` with
    /// [`EMAIL_INTERRUPTED`] rather than sending them again (the server may
    /// have them already). Call once at start-up, before the e-mail worker
    /// runs; returns how many there were.
    pub fn recover_interrupted_emails(&self) -> Result<usize, StoreError> {
        let conn = self.conn();
        let changed = conn.execute(
            "UPDATE messages SET email_state = 'failed', email_due_at = NULL, email_error = ?1
             WHERE email_state = 'sending'",
            [EMAIL_INTERRUPTED],
        )?;
        Ok(changed)
    }
}

/// `true` if the conditional UPDATE changed the row, `false` if the row is
/// there but was in another state, an error if there is no such message.
fn changed_or_missing(
    conn: &Connection,
    id: MessageId,
    changed: usize,
) -> Result<bool, StoreError> {
    if changed > 0 {
        return Ok(true);
    }
    let exists = conn
        .query_row("SELECT 1 FROM messages WHERE id = ?1", [id.0], |_| Ok(()))
        .optional()?;
    match exists {
        Some(()) => Ok(false),
        None => Err(StoreError::MessageNotFound(id)),
    }
}
