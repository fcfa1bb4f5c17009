//! Dashboard counts per local day and month on fixed timestamps: month and
//! year boundaries, a leap day, and UTC offsets on both sides of Greenwich.

mod common;

use common::{attempt, open, utc, voicemail};
use frontdesk_store::{CountsQuery, InboxCounts, PeriodCount, Store, StoreError, Timestamp};

fn counts(store: &Store, now: &str, offset: i32, mailbox: Option<&str>) -> InboxCounts {
    store
        .counts(&CountsQuery {
            now: utc(now),
            utc_offset_minutes: offset,
            mailbox: mailbox.map(String::from),
        })
        .unwrap()
}

/// `(period, messages, attempts)` of the periods that are not empty.
fn non_empty(series: &[PeriodCount]) -> Vec<(&str, u64, u64)> {
    series
        .iter()
        .filter(|p| p.messages + p.attempts > 0)
        .map(|p| (p.period.as_str(), p.messages, p.attempts))
        .collect()
}

fn file(store: &Store, at: &str, mailbox: &str, is_attempt: bool) {
    let mut new = if is_attempt {
        attempt(utc(at), "201")
    } else {
        voicemail(utc(at), "201")
    };
    new.mailbox = mailbox.into();
    store.insert_message(&new).unwrap();
}

/// Messages around the end of February 2024 (a leap year) and one year back.
fn seeded() -> (tempfile::TempDir, Store) {
    let (dir, store) = open();
    for (at, mailbox, is_attempt) in [
        ("2024-03-01 09:00:00", "office", false),
        ("2024-03-01 09:30:00", "office", true),
        ("2024-02-29 23:30:00", "office", false), // 1 March 00:30 in UTC+1
        ("2024-02-29 12:00:00", "support", false),
        ("2024-02-24 00:00:00", "office", false), // first day of the 7-day window in UTC
        ("2024-02-23 23:59:59", "office", false), // just outside it in UTC
        ("2024-01-31 12:00:00", "support", true),
        ("2024-01-01 04:30:00", "office", false), // 31 December 23:30 in UTC-5
        ("2023-04-01 00:00:00", "office", false), // first instant of the 12-month window
        ("2023-03-31 23:59:59", "office", false), // just outside it
        ("2024-03-02 00:00:00", "office", false), // tomorrow: a clock that ran ahead
    ] {
        file(&store, at, mailbox, is_attempt);
    }
    (dir, store)
}

#[test]
fn utc_days_and_months() {
    let (_dir, store) = seeded();
    let c = counts(&store, "2024-03-01 10:00:00", 0, None);

    assert_eq!(c.last_7_days.len(), 7);
    assert_eq!(c.last_7_days[0].period, "2024-02-24");
    assert_eq!(c.last_7_days[6].period, "2024-03-01");
    assert_eq!(c.last_7_days[6].start, utc("2024-03-01 00:00:00"));
    assert_eq!(
        non_empty(&c.last_7_days),
        [
            ("2024-02-24", 1, 0),
            ("2024-02-29", 2, 0),
            ("2024-03-01", 1, 1)
        ]
    );

    assert_eq!(c.last_30_days.len(), 30);
    assert_eq!(c.last_30_days[0].period, "2024-02-01");
    assert_eq!(
        non_empty(&c.last_30_days),
        [
            ("2024-02-23", 1, 0),
            ("2024-02-24", 1, 0),
            ("2024-02-29", 2, 0),
            ("2024-03-01", 1, 1)
        ]
    );

    assert_eq!(c.last_12_months.len(), 12);
    assert_eq!(c.last_12_months[0].period, "2023-04");
    assert_eq!(c.last_12_months[0].start, utc("2023-04-01 00:00:00"));
    assert_eq!(c.last_12_months[11].period, "2024-03");
    assert_eq!(
        non_empty(&c.last_12_months),
        [
            ("2023-04", 1, 0),
            ("2024-01", 1, 1),
            ("2024-02", 4, 0),
            ("2024-03", 1, 1)
        ]
    );
    // Unread counts every message of any age (9 in the seed); attempts are
    // not messages.
    assert_eq!(c.unread_messages, 9);
}

#[test]
fn local_days_east_of_utc() {
    let (_dir, store) = seeded();
    // UTC+1: the 23:30 UTC message of 29 February belongs to 1 March, and the
    // window starts at 23:00 UTC the evening before.
    let c = counts(&store, "2024-03-01 10:00:00", 60, None);
    assert_eq!(c.last_7_days[6].start, utc("2024-02-29 23:00:00"));
    assert_eq!(
        non_empty(&c.last_7_days),
        [
            ("2024-02-24", 2, 0),
            ("2024-02-29", 1, 0),
            ("2024-03-01", 2, 1)
        ]
    );
    assert_eq!(
        non_empty(&c.last_12_months),
        [
            ("2023-04", 2, 0),
            ("2024-01", 1, 1),
            ("2024-02", 3, 0),
            ("2024-03", 2, 1)
        ],
        "23:59:59 on 31 March 2023 UTC is 1 April local: inside the window"
    );
    assert_eq!(c.last_12_months[0].start, utc("2023-03-31 23:00:00"));
}

#[test]
fn local_days_west_of_utc_and_year_boundary() {
    let (_dir, store) = seeded();
    // UTC-5 at 03:00 UTC on 1 March is still 29 February locally.
    let c = counts(&store, "2024-03-01 03:00:00", -300, None);
    assert_eq!(c.last_7_days[6].period, "2024-02-29");
    assert_eq!(c.last_7_days[6].start, utc("2024-02-29 05:00:00"));
    assert_eq!(c.last_12_months[11].period, "2024-02");
    assert_eq!(c.last_12_months[0].period, "2023-03");
    assert_eq!(
        non_empty(&c.last_12_months),
        [
            ("2023-03", 2, 0),
            ("2023-12", 1, 0),
            ("2024-01", 0, 1),
            ("2024-02", 4, 0)
        ],
        "04:30 UTC on 1 January is New Year's Eve; the March 2024 messages are after local today"
    );
}

#[test]
fn per_mailbox_counts() {
    let (_dir, store) = seeded();
    let c = counts(&store, "2024-03-01 10:00:00", 0, Some("support"));
    assert_eq!(
        non_empty(&c.last_12_months),
        [("2024-01", 0, 1), ("2024-02", 1, 0)]
    );
    assert_eq!(non_empty(&c.last_7_days), [("2024-02-29", 1, 0)]);
    assert_eq!(c.unread_messages, 1);
    let none = counts(&store, "2024-03-01 10:00:00", 0, Some("nobody"));
    assert!(non_empty(&none.last_30_days).is_empty());
    assert_eq!(none.last_30_days.len(), 30);
    assert_eq!(none.unread_messages, 0);
}

#[test]
fn read_messages_leave_the_unread_count() {
    let (_dir, store) = open();
    let id = store.insert_message(&voicemail(Timestamp(5), "1")).unwrap();
    store.insert_message(&voicemail(Timestamp(6), "2")).unwrap();
    let query = CountsQuery {
        now: Timestamp(10),
        utc_offset_minutes: 0,
        mailbox: None,
    };
    assert_eq!(store.counts(&query).unwrap().unread_messages, 2);
    store.mark_read(id, true).unwrap();
    assert_eq!(store.counts(&query).unwrap().unread_messages, 1);
}

#[test]
fn absurd_offsets_are_refused() {
    let (_dir, store) = open();
    for offset in [18 * 60 + 1, -(18 * 60 + 1), i32::MAX, i32::MIN] {
        let err = store
            .counts(&CountsQuery {
                now: Timestamp(0),
                utc_offset_minutes: offset,
                mailbox: None,
            })
            .unwrap_err();
        assert!(matches!(err, StoreError::InvalidUtcOffset(_)), "{err:?}");
    }
    store
        .counts(&CountsQuery {
            now: Timestamp(0),
            utc_offset_minutes: 14 * 60,
            mailbox: None,
        })
        .unwrap();
}
