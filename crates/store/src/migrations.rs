//! Versioned schema migrations.
//!
//! The schema version lives in `PRAGMA user_version`. Each entry of
//! [`MIGRATIONS`] upgrades the schema by exactly one version; pending steps are
//! applied in a single immediate transaction, so a failure leaves the file as
//! it was and two processes opening the same file cannot migrate it twice.
//!
//! To change the schema, append a step to [`MIGRATIONS`]. Never edit or
//! reorder a step that has shipped: databases in the field already ran it.

use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};

use crate::StoreError;

/// One schema upgrade step: SQL that takes the schema from `index` to `index + 1`.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// Human-readable summary, shown if the step fails.
    pub description: &'static str,
    /// One or more SQL statements, run with `execute_batch`.
    pub sql: &'static str,
}

/// All schema steps, oldest first; step `i` produces schema version `i + 1`.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        description: "call history",
        sql: "
        CREATE TABLE calls (
            id                  INTEGER PRIMARY KEY AUTOINCREMENT,
            direction           TEXT NOT NULL CHECK (direction IN ('incoming', 'outgoing')),
            remote_uri          TEXT NOT NULL,
            remote_number       TEXT NOT NULL,
            remote_display_name TEXT,
            account             TEXT,
            sip_call_id         TEXT NOT NULL,
            started_at          INTEGER NOT NULL,
            answered_at         INTEGER,
            ended_at            INTEGER,
            end_reason          TEXT,
            CHECK ((ended_at IS NULL) = (end_reason IS NULL))
        );
        CREATE INDEX calls_by_start ON calls (started_at DESC, id DESC);
        CREATE INDEX calls_open ON calls (id) WHERE ended_at IS NULL;
        CREATE INDEX calls_by_sip_call_id ON calls (sip_call_id);
    ",
    },
    Migration {
        description: "voicemail inbox with full-text search",
        sql: INBOX_SCHEMA,
    },
    Migration {
        description: "monthly ledger of minutes forwarded to a person",
        sql: FORWARD_MINUTES_SCHEMA,
    },
    Migration {
        description: "contacts with their numbers",
        sql: CONTACTS_SCHEMA,
    },
    Migration {
        description: "settings changed at run time",
        sql: SETTINGS_SCHEMA,
    },
    Migration {
        description: "who the voicemail connected a caller to",
        sql: "ALTER TABLE messages ADD COLUMN connected_to TEXT;",
    },
];

/// Step 2: the voicemail inbox (messages and call attempts), its full-text
/// index and the triggers that keep the index in step with the table.
///
/// `messages_fts` is an external-content FTS5 table: it stores only the index,
/// the text itself stays in `messages`. The triggers write exactly the values
/// the index holds, which is what FTS5 needs to delete them again. The update
/// trigger fires only for the indexed columns, so marking a message read does
/// not touch the index. `remove_diacritics 2` makes "ruckruf" find "Rückruf".
///
/// `messages_numbers` is a trigram index over the calling numbers without
/// separators, so digits typed from the middle of a number ("1234567" in
/// "030 1234567") are found without scanning every row.
const INBOX_SCHEMA: &str = "
    CREATE TABLE messages (
        id                  INTEGER PRIMARY KEY AUTOINCREMENT,
        kind                TEXT NOT NULL CHECK (kind IN ('message', 'attempt')),
        mailbox             TEXT NOT NULL,
        account             TEXT,
        caller_number       TEXT NOT NULL,
        caller_e164         TEXT,
        caller_name         TEXT,
        contact_id          INTEGER,
        contact_name        TEXT,
        contact_confidence  REAL CHECK (contact_confidence BETWEEN 0.0 AND 1.0),
        received_at         INTEGER NOT NULL,
        duration_ms         INTEGER NOT NULL DEFAULT 0 CHECK (duration_ms >= 0),
        audio_path          TEXT,
        transcript          TEXT,
        language            TEXT,
        category            TEXT NOT NULL DEFAULT 'general',
        read                INTEGER NOT NULL DEFAULT 0 CHECK (read IN (0, 1)),
        transcription_state TEXT NOT NULL DEFAULT 'none'
                            CHECK (transcription_state IN ('pending', 'done', 'failed', 'none')),
        transcription_error TEXT,
        email_state         TEXT NOT NULL DEFAULT 'none'
                            CHECK (email_state IN ('none', 'queued', 'sending', 'sent', 'failed')),
        email_error         TEXT,
        email_attempts      INTEGER NOT NULL DEFAULT 0 CHECK (email_attempts >= 0),
        email_due_at        INTEGER,
        email_sent_at       INTEGER,
        sip_call_id         TEXT,
        -- Both calling numbers without separators, for the trigram index:
        -- '0170 1234-567' and '+491701234567' become '01701234567 491701234567'.
        caller_digits       TEXT NOT NULL GENERATED ALWAYS AS (
            replace(replace(replace(replace(replace(replace(replace(caller_number, ' ', ''), '-', ''), '/', ''), '(', ''), ')', ''), '.', ''), '+', '')
            || ' ' ||
            replace(replace(replace(replace(replace(replace(replace(COALESCE(caller_e164, ''), ' ', ''), '-', ''), '/', ''), '(', ''), ')', ''), '.', ''), '+', '')
        ) STORED,
        CHECK ((contact_id IS NULL) = (contact_confidence IS NULL)),
        CHECK (transcription_state <> 'pending' OR audio_path IS NOT NULL),
        CHECK (email_state <> 'queued' OR email_due_at IS NOT NULL),
        CHECK ((email_state = 'sent') = (email_sent_at IS NOT NULL))
    );
    CREATE INDEX messages_by_time ON messages (received_at DESC, id DESC);
    CREATE INDEX messages_by_mailbox ON messages (mailbox, received_at DESC);
    CREATE INDEX messages_by_category ON messages (category, received_at DESC);
    CREATE INDEX messages_by_contact ON messages (contact_id) WHERE contact_id IS NOT NULL;
    CREATE INDEX messages_unread ON messages (received_at DESC) WHERE read = 0;
    CREATE INDEX messages_transcription_queue ON messages (id)
        WHERE transcription_state = 'pending';
    CREATE INDEX messages_email_due ON messages (email_due_at) WHERE email_state = 'queued';
    CREATE INDEX messages_by_sip_call_id ON messages (sip_call_id) WHERE sip_call_id IS NOT NULL;

    CREATE VIRTUAL TABLE messages_fts USING fts5(
        transcript, caller_number, caller_e164, caller_name, contact_name, category,
        content = 'messages', content_rowid = 'id',
        tokenize = 'unicode61 remove_diacritics 2'
    );
    CREATE VIRTUAL TABLE messages_numbers USING fts5(
        caller_digits, content = 'messages', content_rowid = 'id', tokenize = 'trigram'
    );
    CREATE TRIGGER messages_numbers_after_insert AFTER INSERT ON messages BEGIN
        INSERT INTO messages_numbers (rowid, caller_digits) VALUES (new.id, new.caller_digits);
    END;
    CREATE TRIGGER messages_numbers_after_delete AFTER DELETE ON messages BEGIN
        INSERT INTO messages_numbers (messages_numbers, rowid, caller_digits)
        VALUES ('delete', old.id, old.caller_digits);
    END;
    CREATE TRIGGER messages_numbers_after_update
    AFTER UPDATE OF caller_number, caller_e164 ON messages BEGIN
        INSERT INTO messages_numbers (messages_numbers, rowid, caller_digits)
        VALUES ('delete', old.id, old.caller_digits);
        INSERT INTO messages_numbers (rowid, caller_digits) VALUES (new.id, new.caller_digits);
    END;

    CREATE TRIGGER messages_fts_after_insert AFTER INSERT ON messages BEGIN
        INSERT INTO messages_fts
            (rowid, transcript, caller_number, caller_e164, caller_name, contact_name, category)
        VALUES (new.id, new.transcript, new.caller_number, new.caller_e164, new.caller_name,
                new.contact_name, new.category);
    END;
    CREATE TRIGGER messages_fts_after_delete AFTER DELETE ON messages BEGIN
        INSERT INTO messages_fts
            (messages_fts, rowid, transcript, caller_number, caller_e164, caller_name,
             contact_name, category)
        VALUES ('delete', old.id, old.transcript, old.caller_number, old.caller_e164,
                old.caller_name, old.contact_name, old.category);
    END;
    CREATE TRIGGER messages_fts_after_update
    AFTER UPDATE OF transcript, caller_number, caller_e164, caller_name, contact_name, category
    ON messages BEGIN
        INSERT INTO messages_fts
            (messages_fts, rowid, transcript, caller_number, caller_e164, caller_name,
             contact_name, category)
        VALUES ('delete', old.id, old.transcript, old.caller_number, old.caller_e164,
                old.caller_name, old.contact_name, old.category);
        INSERT INTO messages_fts
            (rowid, transcript, caller_number, caller_e164, caller_name, contact_name, category)
        VALUES (new.id, new.transcript, new.caller_number, new.caller_e164, new.caller_name,
                new.contact_name, new.category);
    END;
";

/// The forwarding ledger (see [`crate::forward_minutes`]): seconds forwarded per local month
/// (`YYYY-MM`) and whether that month's 90 % warning went out.
const FORWARD_MINUTES_SCHEMA: &str = "
    CREATE TABLE forward_minutes (
        month        TEXT PRIMARY KEY
                     CHECK (month GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]'),
        seconds      INTEGER NOT NULL DEFAULT 0 CHECK (seconds >= 0),
        warning_sent INTEGER NOT NULL DEFAULT 0 CHECK (warning_sent IN (0, 1))
    ) WITHOUT ROWID;
";

/// Step 4: the contact book (see [`crate::contacts`]).
///
/// `match_key` (name and company, folded) is what a re-import recognises a contact by;
/// `search_text` is the lower-cased text a search looks in (SQLite's own `lower` knows only
/// ASCII). Numbers get their own table with an index on the E.164 key for caller lookup, and
/// `digits` (the written number's and the E.164 key's digits) for searching by digits.
const CONTACTS_SCHEMA: &str = "
    CREATE TABLE contacts (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        match_key   TEXT NOT NULL UNIQUE,
        name        TEXT NOT NULL CHECK (name <> ''),
        company     TEXT,
        street      TEXT,
        postcode    TEXT,
        city        TEXT,
        email       TEXT,
        source      TEXT NOT NULL,
        search_text TEXT NOT NULL,
        created_at  INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL
    );
    CREATE INDEX contacts_by_name ON contacts (name COLLATE NOCASE, id);
    CREATE TABLE contact_numbers (
        contact_id  INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
        position    INTEGER NOT NULL,
        kind        TEXT NOT NULL,
        e164        TEXT NOT NULL CHECK (e164 <> ''),
        raw         TEXT NOT NULL,
        digits      TEXT NOT NULL,
        PRIMARY KEY (contact_id, position)
    );
    CREATE INDEX contact_numbers_by_e164 ON contact_numbers (e164);
";

/// Step 5: settings the user switches while Frontdesk runs (see [`crate::settings`]): one
/// text value per key, absent until first set.
const SETTINGS_SCHEMA: &str = "
    CREATE TABLE settings (
        key   TEXT PRIMARY KEY NOT NULL CHECK (key <> ''),
        value TEXT NOT NULL
    ) WITHOUT ROWID;
";

/// The schema version this build creates and understands.
pub fn latest_version() -> i64 {
    MIGRATIONS.len() as i64
}

/// Reads `PRAGMA user_version`.
pub fn current_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA user_version", [], |row| row.get(0))
}

/// Brings the schema up to date with [`MIGRATIONS`].
///
/// `path` is only used in error messages.
pub fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    migrate_with(conn, path, MIGRATIONS)
}

/// [`migrate`] with an explicit step list, so tests can exercise failures.
pub(crate) fn migrate_with(
    conn: &mut Connection,
    path: &Path,
    steps: &[Migration],
) -> Result<(), StoreError> {
    let supported = steps.len() as i64;
    // Cheap check outside a write transaction: most opens find nothing to do,
    // and a read-only look must not take the write lock.
    let found = current_version(conn)?;
    check_not_newer(path, found, supported)?;
    if found == supported {
        return Ok(());
    }

    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Another process may have migrated between our look and the lock.
    let found = current_version(&tx)?;
    check_not_newer(path, found, supported)?;
    for (index, step) in steps.iter().enumerate().skip(found as usize) {
        let version = index as i64 + 1;
        let fail = |source| StoreError::Migration {
            version,
            description: step.description,
            source,
        };
        tx.execute_batch(step.sql).map_err(fail)?;
        // PRAGMA takes no bound parameters; `version` is an integer we computed.
        tx.execute_batch(&format!("PRAGMA user_version = {version}"))
            .map_err(fail)?;
    }
    tx.commit()?;
    Ok(())
}

fn check_not_newer(path: &Path, found: i64, supported: i64) -> Result<(), StoreError> {
    if found > supported {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found,
            supported,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mem() -> Connection {
        Connection::open_in_memory().unwrap()
    }

    #[test]
    fn fresh_database_reaches_latest_version() {
        let mut conn = mem();
        migrate(&mut conn, Path::new(":memory:")).unwrap();
        assert_eq!(current_version(&conn).unwrap(), latest_version());
        // Running again is a no-op rather than a "table exists" error.
        migrate(&mut conn, Path::new(":memory:")).unwrap();
        assert_eq!(current_version(&conn).unwrap(), latest_version());
    }

    #[test]
    fn later_steps_apply_on_top_of_earlier_ones() {
        let steps = [
            Migration {
                description: "one",
                sql: "CREATE TABLE a (x INTEGER);",
            },
            Migration {
                description: "two",
                sql: "ALTER TABLE a ADD COLUMN y TEXT;",
            },
        ];
        let mut conn = mem();
        migrate_with(&mut conn, Path::new("t"), &steps[..1]).unwrap();
        assert_eq!(current_version(&conn).unwrap(), 1);
        migrate_with(&mut conn, Path::new("t"), &steps).unwrap();
        assert_eq!(current_version(&conn).unwrap(), 2);
        conn.execute("INSERT INTO a (x, y) VALUES (1, 'b')", [])
            .unwrap();
    }

    #[test]
    fn failing_step_rolls_back_everything() {
        let steps = [
            Migration {
                description: "good",
                sql: "CREATE TABLE a (x INTEGER);",
            },
            Migration {
                description: "broken",
                sql: "CREATE TABLE b (x INTEGER); THIS IS NOT SQL;",
            },
        ];
        let mut conn = mem();
        let err = migrate_with(&mut conn, Path::new("t"), &steps).unwrap_err();
        match &err {
            StoreError::Migration {
                version,
                description,
                ..
            } => {
                assert_eq!(*version, 2);
                assert_eq!(*description, "broken");
            }
            other => panic!("unexpected error {other:?}"),
        }
        assert!(err.to_string().contains("left unchanged"), "{err}");
        assert_eq!(current_version(&conn).unwrap(), 0);
        let tables: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(tables, 0, "step 1 must be rolled back too");
    }

    #[test]
    fn newer_database_is_refused() {
        let mut conn = mem();
        conn.execute_batch("PRAGMA user_version = 99").unwrap();
        let err = migrate(&mut conn, Path::new("calls.db")).unwrap_err();
        assert!(
            matches!(err, StoreError::TooNew { found: 99, .. }),
            "{err:?}"
        );
    }
}
