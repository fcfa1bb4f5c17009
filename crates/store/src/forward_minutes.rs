//! The monthly ledger of minutes callers were forwarded to a person from the voicemail.
//!
//! Forwarding may cost money, so `[voicemail.human] monthly_minutes` limits it: at
//! [`FORWARD_WARNING_PERCENT`] of the limit the user is warned once per month, at 100 % no
//! more callers are forwarded. One row per local month (`"YYYY-MM"`, passed in by the caller,
//! who knows the time zone) holds the forwarded seconds and whether the warning went out.
//! Both change only through single conditional statements, so two calls ending at once add
//! up correctly and the warning goes out once, even from two processes.

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::{Store, StoreError};

/// The share of the monthly limit, in percent, at which the user is warned.
pub const FORWARD_WARNING_PERCENT: u64 = 90;

/// Forwarded time in one month.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForwardUsage {
    /// Seconds forwarded in the month.
    pub seconds: u64,
    /// Whether this month's warning went out.
    pub warning_sent: bool,
}

impl ForwardUsage {
    /// Whether the month's forwarding is used up under a limit of `limit_seconds`.
    pub fn limit_reached(&self, limit_seconds: u64) -> bool {
        self.seconds >= limit_seconds
    }

    /// Whether the warning should go out now: [`FORWARD_WARNING_PERCENT`] of the limit used
    /// and not yet warned this month. To send it exactly once, claim it with
    /// [`Store::take_forward_warning`] rather than acting on this alone.
    pub fn warning_due(&self, limit_seconds: u64) -> bool {
        !self.warning_sent && self.seconds >= warning_threshold(limit_seconds)
    }

    /// The used share of the limit in whole percent (rounded down), for the warning text.
    pub fn percent_of(&self, limit_seconds: u64) -> u64 {
        if limit_seconds == 0 {
            return 100;
        }
        u64::try_from(u128::from(self.seconds) * 100 / u128::from(limit_seconds))
            .unwrap_or(u64::MAX)
    }
}

/// The forwarded seconds from which the warning is due: [`FORWARD_WARNING_PERCENT`] of
/// `limit_seconds`, rounded up.
pub fn warning_threshold(limit_seconds: u64) -> u64 {
    u64::try_from((u128::from(limit_seconds) * u128::from(FORWARD_WARNING_PERCENT)).div_ceil(100))
        .unwrap_or(u64::MAX)
}

impl Store {
    /// Adds `seconds` of forwarding to `month` (`"YYYY-MM"`, local time) and returns the
    /// month's usage after it.
    pub fn add_forwarded_seconds(
        &self,
        month: &str,
        seconds: u64,
    ) -> Result<ForwardUsage, StoreError> {
        check_month(month)?;
        let seconds = to_sql(seconds);
        let conn = self.conn();
        // Saturating: an integer overflow would turn SQLite's sum into a float.
        let usage = conn
            .prepare_cached(
                "INSERT INTO forward_minutes (month, seconds) VALUES (?1, ?2)
                 ON CONFLICT (month) DO UPDATE SET seconds =
                     CASE WHEN seconds > 9223372036854775807 - excluded.seconds
                          THEN 9223372036854775807
                          ELSE seconds + excluded.seconds END
                 RETURNING seconds, warning_sent",
            )?
            .query_row(params![month, seconds], usage_row)?;
        Ok(usage)
    }

    /// The usage of `month` (`"YYYY-MM"`); nothing forwarded yet is zero.
    pub fn forwarded_usage(&self, month: &str) -> Result<ForwardUsage, StoreError> {
        check_month(month)?;
        let conn = self.conn();
        let usage = conn
            .prepare_cached("SELECT seconds, warning_sent FROM forward_minutes WHERE month = ?1")?
            .query_row(params![month], usage_row)
            .optional()?;
        Ok(usage.unwrap_or_default())
    }

    /// Claims `month`'s warning: if [`FORWARD_WARNING_PERCENT`] of `limit_seconds` is used and
    /// the warning has not gone out, marks it sent and returns the usage, so the caller sends
    /// it; otherwise `None`. Of several callers (calls ending together, two processes) only
    /// one ever gets `Some` per month.
    pub fn take_forward_warning(
        &self,
        month: &str,
        limit_seconds: u64,
    ) -> Result<Option<ForwardUsage>, StoreError> {
        check_month(month)?;
        let threshold = to_sql(warning_threshold(limit_seconds));
        let conn = self.conn();
        let usage = conn
            .prepare_cached(
                "UPDATE forward_minutes SET warning_sent = 1
                 WHERE month = ?1 AND warning_sent = 0 AND seconds >= ?2
                 RETURNING seconds, warning_sent",
            )?
            .query_row(params![month, threshold], usage_row)
            .optional()?;
        Ok(usage)
    }
}

fn usage_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<ForwardUsage> {
    let seconds: i64 = row.get(0)?;
    Ok(ForwardUsage {
        seconds: u64::try_from(seconds).unwrap_or(0),
        warning_sent: row.get(1)?,
    })
}

fn to_sql(seconds: u64) -> i64 {
    i64::try_from(seconds).unwrap_or(i64::MAX)
}

/// `"YYYY-MM"` with a month from 01 to 12.
fn check_month(month: &str) -> Result<(), StoreError> {
    let bytes = month.as_bytes();
    let digits = |range: std::ops::Range<usize>| bytes[range].iter().all(u8::is_ascii_digit);
    let valid = bytes.len() == 7
        && bytes[4] == b'-'
        && digits(0..4)
        && digits(5..7)
        && matches!(month[5..7].parse::<u8>(), Ok(1..=12));
    if valid {
        Ok(())
    } else {
        Err(StoreError::InvalidMonth(month.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_warning_threshold_is_ninety_percent_rounded_up() {
        assert_eq!(warning_threshold(3600), 3240);
        assert_eq!(warning_threshold(61), 55); // 54.9 → 55
        assert_eq!(warning_threshold(0), 0);
        assert_eq!(warning_threshold(u64::MAX), u64::MAX / 100 * 90 + 14);
    }

    #[test]
    fn usage_tells_warning_and_limit() {
        let usage = |seconds, warning_sent| ForwardUsage {
            seconds,
            warning_sent,
        };
        assert!(!usage(3239, false).warning_due(3600));
        assert!(usage(3240, false).warning_due(3600));
        assert!(!usage(3240, true).warning_due(3600));
        assert!(!usage(3599, true).limit_reached(3600));
        assert!(usage(3600, true).limit_reached(3600));
        assert_eq!(usage(3300, false).percent_of(3600), 91);
        assert_eq!(usage(u64::MAX, false).percent_of(1), u64::MAX);
        assert_eq!(usage(5, false).percent_of(0), 100);
    }

    #[test]
    fn months_are_checked() {
        for good in ["2026-01", "2026-12", "0001-09"] {
            assert!(check_month(good).is_ok(), "{good}");
        }
        for bad in [
            "2026-13",
            "2026-00",
            "2026-1",
            "26-11",
            "2026/11",
            "2026-11-01",
            "",
            "２０２６-11",
            "2026-1x",
        ] {
            let err = check_month(bad).unwrap_err();
            assert!(err.to_string().contains("YYYY-MM"), "{bad}: {err}");
        }
    }
}
