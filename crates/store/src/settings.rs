//! Settings the user changes while Frontdesk runs (do-not-disturb, ...), kept across restarts.
//!
//! The config file holds what the user wrote; a switch flipped in the app must not rewrite
//! that file, so it lives here instead. A key that was never set is absent: the caller then
//! falls back to the config file's value. Values are short text; the caller owns their format.

use rusqlite::{params, OptionalExtension};

use crate::{Store, StoreError};

/// The `do_not_disturb` switch: `"on"` or `"off"`.
pub const DO_NOT_DISTURB: &str = "voicemail.do_not_disturb";

impl Store {
    /// The stored value of `key`; `None` when it was never set (or was cleared).
    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn()
            .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
            .query_row([key], |row| row.get(0))
            .optional()?)
    }

    /// Stores `value` for `key`, replacing an earlier one.
    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn()
            .prepare_cached(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )?
            .execute(params![key, value])?;
        Ok(())
    }

    /// Forgets `key`, so the config file's value applies again.
    pub fn clear_setting(&self, key: &str) -> Result<(), StoreError> {
        self.conn()
            .prepare_cached("DELETE FROM settings WHERE key = ?1")?
            .execute([key])?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_setting_is_absent_until_set_then_replaced_then_cleared() {
        let store = Store::open_in_memory().unwrap();
        assert_eq!(store.setting(DO_NOT_DISTURB).unwrap(), None);
        store.set_setting(DO_NOT_DISTURB, "on").unwrap();
        assert_eq!(
            store.setting(DO_NOT_DISTURB).unwrap().as_deref(),
            Some("on")
        );
        store.set_setting(DO_NOT_DISTURB, "off").unwrap();
        assert_eq!(
            store.setting(DO_NOT_DISTURB).unwrap().as_deref(),
            Some("off")
        );
        assert_eq!(store.setting("other").unwrap(), None, "keys are separate");
        store.clear_setting(DO_NOT_DISTURB).unwrap();
        assert_eq!(store.setting(DO_NOT_DISTURB).unwrap(), None);
    }

    #[test]
    fn settings_survive_reopening_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("frontdesk.db");
        Store::open(&path)
            .unwrap()
            .set_setting(DO_NOT_DISTURB, "on")
            .unwrap();
        let reopened = Store::open(&path).unwrap();
        assert_eq!(
            reopened.setting(DO_NOT_DISTURB).unwrap().as_deref(),
            Some("on")
        );
    }
}
