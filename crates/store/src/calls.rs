//! Call history: one row per call, opened when it starts and closed when it ends.

use std::fmt;

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSqlOutput, ValueRef};
use rusqlite::{params, OptionalExtension, Row, ToSql};
use serde::{Deserialize, Serialize};

use crate::{Store, StoreError, Timestamp};

/// The end reason written by [`Store::close_dangling_calls`].
pub const REASON_INTERRUPTED: &str = "interrupted";

/// Longest accepted end reason; reasons are short codes, not messages.
pub const MAX_REASON_LEN: usize = 64;

/// Database id of a call-history row, handed back by [`Store::insert_call`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CallId(pub i64);

impl fmt::Display for CallId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Who placed the call, as seen from this phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// The remote party called us.
    Incoming,
    /// We called the remote party.
    Outgoing,
}

impl Direction {
    /// The stable text stored in the database and used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Incoming => "incoming",
            Direction::Outgoing => "outgoing",
        }
    }
}

impl ToSql for Direction {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_str()))
    }
}

impl FromSql for Direction {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        match value.as_str()? {
            "incoming" => Ok(Direction::Incoming),
            "outgoing" => Ok(Direction::Outgoing),
            other => Err(FromSqlError::Other(
                format!("unknown call direction {other:?}").into(),
            )),
        }
    }
}

impl ToSql for Timestamp {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.0))
    }
}

impl FromSql for Timestamp {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        i64::column_result(value).map(Timestamp)
    }
}

/// What the engine knows about a call when it starts; input to [`Store::insert_call`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCall {
    /// Incoming or outgoing.
    pub direction: Direction,
    /// The remote party's full URI, e.g. `sip:201@pbx.example.com`.
    pub remote_uri: String,
    /// The user part of the remote URI (usually a phone number), for display and search.
    pub remote_number: String,
    /// The remote party's display name, if the signalling carried one.
    pub remote_display_name: Option<String>,
    /// The configured account the call went through; `None` for direct calls.
    pub account: Option<String>,
    /// The SIP Call-ID, to correlate history with logs and the PBX.
    pub sip_call_id: String,
    /// When the call started ringing or was dialled.
    pub started_at: Timestamp,
}

/// One call-history entry as shown to users and served over the JSON API.
///
/// Field names are part of the API: do not rename them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallRecord {
    /// Row id.
    pub id: CallId,
    /// `"incoming"` or `"outgoing"`.
    pub direction: Direction,
    /// The remote party's full URI.
    pub remote_uri: String,
    /// The user part of the remote URI.
    pub remote_number: String,
    /// The remote display name, if known.
    pub remote_display_name: Option<String>,
    /// The account used; `None` for direct calls.
    pub account: Option<String>,
    /// The SIP Call-ID.
    pub sip_call_id: String,
    /// When the call started.
    pub started_at: Timestamp,
    /// When it was answered; `None` if it never was.
    pub answered_at: Option<Timestamp>,
    /// When it ended; `None` while it is still going on.
    pub ended_at: Option<Timestamp>,
    /// Talk time in whole seconds (answered to ended); `None` unless both are known.
    pub duration_secs: Option<i64>,
    /// Why it ended, e.g. `"remote_hangup"`, `"no_answer"`, `"failed:486"`.
    pub end_reason: Option<String>,
}

impl CallRecord {
    /// True if the call was answered (talk time may still be zero).
    pub fn was_answered(&self) -> bool {
        self.answered_at.is_some()
    }

    fn from_row(row: &Row<'_>) -> rusqlite::Result<CallRecord> {
        let answered_at: Option<Timestamp> = row.get("answered_at")?;
        let ended_at: Option<Timestamp> = row.get("ended_at")?;
        Ok(CallRecord {
            id: CallId(row.get("id")?),
            direction: row.get("direction")?,
            remote_uri: row.get("remote_uri")?,
            remote_number: row.get("remote_number")?,
            remote_display_name: row.get("remote_display_name")?,
            account: row.get("account")?,
            sip_call_id: row.get("sip_call_id")?,
            started_at: row.get("started_at")?,
            answered_at,
            ended_at,
            duration_secs: duration_secs(answered_at, ended_at),
            end_reason: row.get("end_reason")?,
        })
    }
}

/// Whole seconds from answer to end, never negative (clocks can step back).
fn duration_secs(answered: Option<Timestamp>, ended: Option<Timestamp>) -> Option<i64> {
    match (answered, ended) {
        (Some(a), Some(e)) => Some((e.0.saturating_sub(a.0)).max(0) / 1000),
        _ => None,
    }
}

const SELECT_CALLS: &str = "SELECT id, direction, remote_uri, remote_number, remote_display_name,
            account, sip_call_id, started_at, answered_at, ended_at, end_reason
     FROM calls";

impl Store {
    /// Records the start of a call and returns its id for the later updates.
    pub fn insert_call(&self, call: &NewCall) -> Result<CallId, StoreError> {
        let conn = self.conn();
        conn.execute(
            "INSERT INTO calls (direction, remote_uri, remote_number, remote_display_name,
                                account, sip_call_id, started_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                call.direction,
                call.remote_uri,
                call.remote_number,
                call.remote_display_name,
                call.account,
                call.sip_call_id,
                call.started_at,
            ],
        )?;
        Ok(CallId(conn.last_insert_rowid()))
    }

    /// Records when the call was answered. Only the first answer of a call
    /// that has not ended counts; later calls are ignored, so a duplicate
    /// 200 OK or a late event cannot move the time.
    pub fn mark_answered(&self, id: CallId, at: Timestamp) -> Result<(), StoreError> {
        let conn = self.conn();
        let changed = conn.execute(
            "UPDATE calls SET answered_at = ?2
             WHERE id = ?1 AND answered_at IS NULL AND ended_at IS NULL",
            params![id.0, at],
        )?;
        if changed == 0 {
            ensure_exists(&conn, id)?;
        }
        Ok(())
    }

    /// Records when and why the call ended. The first end wins: when both
    /// sides hang up at once, the second report is ignored.
    pub fn mark_ended(&self, id: CallId, at: Timestamp, reason: &str) -> Result<(), StoreError> {
        check_reason(reason)?;
        let conn = self.conn();
        let changed = conn.execute(
            "UPDATE calls SET ended_at = ?2, end_reason = ?3
             WHERE id = ?1 AND ended_at IS NULL",
            params![id.0, at, reason],
        )?;
        if changed == 0 {
            ensure_exists(&conn, id)?;
        }
        Ok(())
    }

    /// Looks up one call, e.g. to report it over the API right after it ends.
    pub fn call(&self, id: CallId) -> Result<CallRecord, StoreError> {
        let conn = self.conn();
        conn.query_row(
            &format!("{SELECT_CALLS} WHERE id = ?1"),
            [id.0],
            CallRecord::from_row,
        )
        .optional()?
        .ok_or(StoreError::CallNotFound(id))
    }

    /// The `limit` most recent calls, newest first (by start time, then id).
    pub fn history(&self, limit: usize) -> Result<Vec<CallRecord>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "{SELECT_CALLS} ORDER BY started_at DESC, id DESC LIMIT ?1"
        ))?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = stmt.query_map([limit], CallRecord::from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Closes calls left open by a crash or power loss, so they do not show
    /// as "in progress" forever. Call once at start-up, before any new call is
    /// inserted. Sets `ended_at` (never before the call's start or answer) and
    /// the reason [`REASON_INTERRUPTED`]; returns how many calls were closed.
    pub fn close_dangling_calls(&self, at: Timestamp) -> Result<usize, StoreError> {
        let conn = self.conn();
        let closed = conn.execute(
            "UPDATE calls
             SET ended_at = MAX(?1, started_at, COALESCE(answered_at, started_at)),
                 end_reason = ?2
             WHERE ended_at IS NULL",
            params![at, REASON_INTERRUPTED],
        )?;
        Ok(closed)
    }
}

fn check_reason(reason: &str) -> Result<(), StoreError> {
    let trimmed = reason.trim();
    if trimmed.is_empty() || trimmed != reason || reason.len() > MAX_REASON_LEN {
        return Err(StoreError::InvalidReason(reason.to_string()));
    }
    Ok(())
}

fn ensure_exists(conn: &rusqlite::Connection, id: CallId) -> Result<(), StoreError> {
    let found = conn
        .query_row("SELECT 1 FROM calls WHERE id = ?1", [id.0], |_| Ok(()))
        .optional()?;
    found.ok_or(StoreError::CallNotFound(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample(started_at: i64) -> NewCall {
        NewCall {
            direction: Direction::Incoming,
            remote_uri: "sip:201@pbx.example.com".into(),
            remote_number: "201".into(),
            remote_display_name: Some("Alice".into()),
            account: Some("office".into()),
            sip_call_id: format!("cid-{started_at}"),
            started_at: Timestamp(started_at),
        }
    }

    #[test]
    fn lifecycle_round_trips_and_derives_duration() {
        let store = Store::open_in_memory().unwrap();
        let id = store.insert_call(&sample(1_000)).unwrap();
        let open = store.call(id).unwrap();
        assert_eq!(open.ended_at, None);
        assert_eq!(open.duration_secs, None);
        assert_eq!(open.remote_display_name.as_deref(), Some("Alice"));

        store.mark_answered(id, Timestamp(3_000)).unwrap();
        store
            .mark_ended(id, Timestamp(65_999), "remote_hangup")
            .unwrap();
        let done = store.call(id).unwrap();
        assert_eq!(done.answered_at, Some(Timestamp(3_000)));
        assert_eq!(done.ended_at, Some(Timestamp(65_999)));
        assert_eq!(done.duration_secs, Some(62));
        assert_eq!(done.end_reason.as_deref(), Some("remote_hangup"));
    }

    #[test]
    fn unanswered_call_has_no_duration() {
        let store = Store::open_in_memory().unwrap();
        let id = store.insert_call(&sample(1_000)).unwrap();
        store.mark_ended(id, Timestamp(9_000), "no_answer").unwrap();
        let rec = store.call(id).unwrap();
        assert!(!rec.was_answered());
        assert_eq!(rec.duration_secs, None);
    }

    #[test]
    fn first_end_wins_and_answer_after_end_is_ignored() {
        let store = Store::open_in_memory().unwrap();
        let id = store.insert_call(&sample(1_000)).unwrap();
        store.mark_answered(id, Timestamp(2_000)).unwrap();
        store.mark_answered(id, Timestamp(2_500)).unwrap();
        store
            .mark_ended(id, Timestamp(5_000), "local_hangup")
            .unwrap();
        store
            .mark_ended(id, Timestamp(6_000), "remote_hangup")
            .unwrap();
        store.mark_answered(id, Timestamp(7_000)).unwrap();
        let rec = store.call(id).unwrap();
        assert_eq!(rec.answered_at, Some(Timestamp(2_000)));
        assert_eq!(rec.ended_at, Some(Timestamp(5_000)));
        assert_eq!(rec.end_reason.as_deref(), Some("local_hangup"));
    }

    #[test]
    fn unknown_call_is_reported() {
        let store = Store::open_in_memory().unwrap();
        let err = store.mark_answered(CallId(77), Timestamp(1)).unwrap_err();
        assert!(
            matches!(err, StoreError::CallNotFound(CallId(77))),
            "{err:?}"
        );
        let err = store
            .mark_ended(CallId(77), Timestamp(1), "error")
            .unwrap_err();
        assert!(
            matches!(err, StoreError::CallNotFound(CallId(77))),
            "{err:?}"
        );
        assert!(matches!(
            store.call(CallId(77)),
            Err(StoreError::CallNotFound(_))
        ));
    }

    #[test]
    fn bad_reasons_are_rejected() {
        let store = Store::open_in_memory().unwrap();
        let id = store.insert_call(&sample(1)).unwrap();
        for bad in ["", " busy", &"x".repeat(MAX_REASON_LEN + 1)] {
            let err = store.mark_ended(id, Timestamp(2), bad).unwrap_err();
            assert!(
                matches!(err, StoreError::InvalidReason(_)),
                "{bad:?}: {err:?}"
            );
        }
        store.mark_ended(id, Timestamp(2), "failed:486").unwrap();
    }

    #[test]
    fn negative_talk_time_clamps_to_zero() {
        assert_eq!(
            duration_secs(Some(Timestamp(5_000)), Some(Timestamp(4_000))),
            Some(0)
        );
        assert_eq!(duration_secs(Some(Timestamp(0)), None), None);
    }

    #[test]
    fn record_json_uses_stable_snake_case_names() {
        let store = Store::open_in_memory().unwrap();
        let mut call = sample(1_000);
        call.direction = Direction::Outgoing;
        call.account = None;
        let id = store.insert_call(&call).unwrap();
        let json = serde_json::to_value(store.call(id).unwrap()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "id": id.0,
                "direction": "outgoing",
                "remote_uri": "sip:201@pbx.example.com",
                "remote_number": "201",
                "remote_display_name": "Alice",
                "account": null,
                "sip_call_id": "cid-1000",
                "started_at": 1000,
                "answered_at": null,
                "ended_at": null,
                "duration_secs": null,
                "end_reason": null,
            })
        );
        let back: CallRecord = serde_json::from_value(json).unwrap();
        assert_eq!(back.id, id);
    }
}
