//! Wall-clock timestamps as stored in the database.

use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// A point in time as unix milliseconds (UTC).
///
/// Stored as a plain INTEGER so SQLite can sort and subtract it, and serialized
/// as a bare number so JSON clients can feed it straight to `new Date(ms)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// The current wall-clock time; a clock before 1970 yields 0 rather than panicking.
    pub fn now() -> Timestamp {
        let millis = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        Timestamp(millis)
    }

    /// Wraps unix milliseconds, e.g. a value read back from JSON.
    pub fn from_millis(millis: i64) -> Timestamp {
        Timestamp(millis)
    }

    /// The raw unix milliseconds.
    pub fn as_millis(self) -> i64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn now_is_after_2020_and_monotonic_enough() {
        let a = Timestamp::now();
        let b = Timestamp::now();
        assert!(a.as_millis() > 1_577_836_800_000, "clock reads {a:?}");
        assert!(b >= a);
    }

    #[test]
    fn serializes_as_bare_number() {
        assert_eq!(serde_json::to_string(&Timestamp(42)).unwrap(), "42");
    }
}
