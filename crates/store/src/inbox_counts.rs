//! Dashboard numbers: messages and call attempts per local day and month.
//!
//! Users think in their own days ("yesterday had five messages"), so days and
//! months are cut at local midnight. The caller passes the UTC offset in
//! minutes and the current time, which keeps this free of time-zone databases
//! and makes tests deterministic. The offset is fixed for the whole range:
//! across a daylight-saving change, older days' edges shift by an hour.

use std::collections::HashMap;

use rusqlite::params;
use serde::{Deserialize, Serialize};

use crate::{Store, StoreError, Timestamp};

const DAY_MS: i64 = 86_400_000;

/// Largest UTC offset in use anywhere, ±18 hours, in minutes.
pub const MAX_UTC_OFFSET_MINUTES: i32 = 18 * 60;

/// What to count, as of when, in which time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountsQuery {
    /// "Now": the last day counted is the local day containing it.
    pub now: Timestamp,
    /// Local time minus UTC in minutes, e.g. 120 for CEST, -300 for EST.
    pub utc_offset_minutes: i32,
    /// Count only this mailbox; `None` counts all of them.
    pub mailbox: Option<String>,
}

/// Entries received in one local day or month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodCount {
    /// The local day ("2024-03-31") or month ("2024-03").
    pub period: String,
    /// The instant the period starts (local midnight), e.g. for an inbox
    /// filter `received_from`.
    pub start: Timestamp,
    /// Voicemail messages received.
    pub messages: u64,
    /// Call attempts without a message.
    pub attempts: u64,
}

/// The dashboard's series, each oldest first and ending with the current
/// day or month; periods without entries are there with zero counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxCounts {
    /// Today and the 6 days before it.
    pub last_7_days: Vec<PeriodCount>,
    /// Today and the 29 days before it.
    pub last_30_days: Vec<PeriodCount>,
    /// This month and the 11 months before it.
    pub last_12_months: Vec<PeriodCount>,
    /// Unread messages (not attempts) of any age, for a badge.
    pub unread_messages: u64,
}

impl Store {
    /// Counts messages and call attempts per local day and month for the
    /// dashboard; see [`InboxCounts`]. Entries dated after the current local
    /// day (a clock that was ahead) are left out.
    pub fn counts(&self, query: &CountsQuery) -> Result<InboxCounts, StoreError> {
        let offset = query.utc_offset_minutes;
        if offset.unsigned_abs() > MAX_UTC_OFFSET_MINUTES.unsigned_abs() {
            return Err(StoreError::InvalidUtcOffset(offset));
        }
        let offset_ms = i64::from(offset) * 60_000;
        let today = query.now.0.saturating_add(offset_ms).div_euclid(DAY_MS);
        let (year, month, _) = civil_from_days(today);
        let first_month = add_months(year, month, -11);
        let window_start_day = days_from_civil(first_month.0, first_month.1, 1).min(today - 29);
        let local_midnight =
            |day: i64| Timestamp(day.saturating_mul(DAY_MS).saturating_sub(offset_ms));

        // Day index from the window start; never negative inside the window,
        // so integer division is a floor.
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT (received_at - ?1) / 86400000 AS day_index,
                    sum(kind = 'message') AS messages, sum(kind = 'attempt') AS attempts
             FROM messages
             WHERE received_at >= ?1 AND received_at < ?2
               AND (?3 IS NULL OR mailbox = ?3)
             GROUP BY day_index",
        )?;
        let rows = stmt.query_map(
            params![
                local_midnight(window_start_day),
                local_midnight(today + 1),
                query.mailbox
            ],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            },
        )?;
        let mut per_day: HashMap<i64, (u64, u64)> = HashMap::new();
        for row in rows {
            let (index, messages, attempts) = row?;
            per_day.insert(
                window_start_day + index,
                (to_u64(messages), to_u64(attempts)),
            );
        }
        drop(stmt);

        let days = |n: i64| -> Vec<PeriodCount> {
            (today - n + 1..=today)
                .map(|day| {
                    let (y, m, d) = civil_from_days(day);
                    let (messages, attempts) = per_day.get(&day).copied().unwrap_or_default();
                    PeriodCount {
                        period: format!("{y:04}-{m:02}-{d:02}"),
                        start: local_midnight(day),
                        messages,
                        attempts,
                    }
                })
                .collect()
        };
        let mut months: Vec<PeriodCount> = (-11..=0)
            .map(|back| {
                let (y, m) = add_months(year, month, back);
                PeriodCount {
                    period: format!("{y:04}-{m:02}"),
                    start: local_midnight(days_from_civil(y, m, 1)),
                    messages: 0,
                    attempts: 0,
                }
            })
            .collect();
        for (&day, &(messages, attempts)) in &per_day {
            let (y, m, _) = civil_from_days(day);
            let back = (year - y) * 12 + i64::from(month) - i64::from(m);
            if let Some(slot) = usize::try_from(11 - back)
                .ok()
                .and_then(|i| months.get_mut(i))
            {
                slot.messages += messages;
                slot.attempts += attempts;
            }
        }

        let unread: i64 = conn.query_row(
            "SELECT count(*) FROM messages
             WHERE read = 0 AND kind = 'message' AND (?1 IS NULL OR mailbox = ?1)",
            [&query.mailbox],
            |r| r.get(0),
        )?;
        Ok(InboxCounts {
            last_7_days: days(7),
            last_30_days: days(30),
            last_12_months: months,
            unread_messages: to_u64(unread),
        })
    }
}

fn to_u64(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// The month `delta` months from `year`-`month` (1-based month).
fn add_months(year: i64, month: u32, delta: i64) -> (i64, u32) {
    let index = year * 12 + i64::from(month) - 1 + delta;
    (index.div_euclid(12), (index.rem_euclid(12) + 1) as u32)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y.rem_euclid(400);
    let month_from_march = i64::from((month + 9) % 12);
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date (year, month, day) of a day number since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_from_march + 2) / 5 + 1) as u32;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_agrees_with_sqlite_for_every_day_from_1960_to_2200() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let mut stmt = conn
            .prepare("SELECT date(?1 * 86400, 'unixepoch')")
            .unwrap();
        for day in (-3653..84_000).step_by(7) {
            let sqlite: String = stmt.query_row([day], |r| r.get(0)).unwrap();
            let (y, m, d) = civil_from_days(day);
            assert_eq!(format!("{y:04}-{m:02}-{d:02}"), sqlite, "day {day}");
            assert_eq!(days_from_civil(y, m, d), day);
        }
    }

    #[test]
    fn known_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(days_from_civil(2024, 2, 29), 19_782);
        assert_eq!(civil_from_days(19_783), (2024, 3, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }

    #[test]
    fn months_wrap_across_years() {
        assert_eq!(add_months(2024, 3, -11), (2023, 4));
        assert_eq!(add_months(2024, 1, -1), (2023, 12));
        assert_eq!(add_months(2024, 12, 1), (2025, 1));
        assert_eq!(add_months(2024, 5, 0), (2024, 5));
    }
}
