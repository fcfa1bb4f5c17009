//! The forwarding ledger on real database files: minutes add up per month, survive reopening
//! and other connections, and the 90 % warning is handed out once per month.

use frontdesk_store::{migrations, ForwardUsage, Store, StoreError};
use std::sync::{Arc, Barrier};

const HOUR: u64 = 3600;

#[test]
fn forwarded_seconds_add_up_per_month_and_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("frontdesk.db");
    {
        let store = Store::open(&path).unwrap();
        assert_eq!(
            store.schema_version().unwrap(),
            migrations::latest_version()
        );
        assert_eq!(
            store.forwarded_usage("2026-11").unwrap(),
            ForwardUsage::default()
        );
        assert_eq!(
            store.add_forwarded_seconds("2026-11", 95).unwrap().seconds,
            95
        );
        let usage = store.add_forwarded_seconds("2026-11", 30).unwrap();
        assert_eq!(
            usage,
            ForwardUsage {
                seconds: 125,
                warning_sent: false
            }
        );
        // Another month is counted on its own.
        assert_eq!(
            store.add_forwarded_seconds("2026-12", 7).unwrap().seconds,
            7
        );
        // Nothing forwarded still makes a valid (empty) entry.
        assert_eq!(
            store.add_forwarded_seconds("2027-01", 0).unwrap().seconds,
            0
        );
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(store.forwarded_usage("2026-11").unwrap().seconds, 125);
    assert_eq!(store.forwarded_usage("2026-12").unwrap().seconds, 7);
    assert_eq!(store.forwarded_usage("2026-10").unwrap().seconds, 0);
}

#[test]
fn the_warning_is_handed_out_once_per_month_from_ninety_percent() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("frontdesk.db");
    let store = Store::open(&path).unwrap();
    let limit = HOUR; // 60 minutes: the warning is due from 54 minutes on.
    assert_eq!(store.take_forward_warning("2026-11", limit).unwrap(), None);
    let usage = store.add_forwarded_seconds("2026-11", 3239).unwrap();
    assert!(!usage.warning_due(limit));
    assert_eq!(store.take_forward_warning("2026-11", limit).unwrap(), None);
    let usage = store.add_forwarded_seconds("2026-11", 1).unwrap();
    assert!(usage.warning_due(limit));
    assert_eq!(
        store.take_forward_warning("2026-11", limit).unwrap(),
        Some(ForwardUsage {
            seconds: 3240,
            warning_sent: true
        })
    );
    // Once per month: not again, not after the limit, not after reopening.
    assert_eq!(store.take_forward_warning("2026-11", limit).unwrap(), None);
    let usage = store.add_forwarded_seconds("2026-11", 600).unwrap();
    assert!(usage.warning_sent && !usage.warning_due(limit));
    assert!(usage.limit_reached(limit));
    drop(store);
    let store = Store::open(&path).unwrap();
    assert_eq!(store.take_forward_warning("2026-11", limit).unwrap(), None);
    assert!(store.forwarded_usage("2026-11").unwrap().warning_sent);
    // The next month starts afresh.
    store.add_forwarded_seconds("2026-12", 3300).unwrap();
    assert!(!store.forwarded_usage("2026-12").unwrap().warning_sent);
    assert_eq!(
        store.take_forward_warning("2026-12", limit).unwrap(),
        Some(ForwardUsage {
            seconds: 3300,
            warning_sent: true
        })
    );
}

#[test]
fn a_raised_limit_postpones_the_warning() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("frontdesk.db")).unwrap();
    store.add_forwarded_seconds("2026-11", 3300).unwrap();
    // The user raised the limit to two hours before the warning went out.
    assert_eq!(
        store.take_forward_warning("2026-11", 2 * HOUR).unwrap(),
        None
    );
    assert!(store
        .take_forward_warning("2026-11", HOUR)
        .unwrap()
        .is_some());
}

#[test]
fn concurrent_calls_on_separate_connections_add_up_and_warn_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("frontdesk.db");
    Store::open(&path).unwrap();
    let threads = 8;
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let path = path.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                // Each thread is its own connection, as two processes would be.
                let store = Store::open(&path).unwrap();
                barrier.wait();
                let mut warnings = 0;
                for _ in 0..10 {
                    store.add_forwarded_seconds("2026-11", 50).unwrap();
                    if store
                        .take_forward_warning("2026-11", HOUR)
                        .unwrap()
                        .is_some()
                    {
                        warnings += 1;
                    }
                }
                warnings
            })
        })
        .collect();
    let warnings: u32 = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(warnings, 1);
    let usage = Store::open(&path)
        .unwrap()
        .forwarded_usage("2026-11")
        .unwrap();
    assert_eq!(usage.seconds, 8 * 10 * 50);
    assert!(usage.warning_sent);
}

#[test]
fn huge_amounts_saturate_instead_of_breaking_the_row() {
    let store = Store::open_in_memory().unwrap();
    store.add_forwarded_seconds("2026-11", u64::MAX).unwrap();
    let usage = store.add_forwarded_seconds("2026-11", 10).unwrap();
    assert_eq!(usage.seconds, i64::MAX as u64);
    assert_eq!(
        store.forwarded_usage("2026-11").unwrap().seconds,
        i64::MAX as u64
    );
}

#[test]
fn bad_month_keys_are_refused() {
    let store = Store::open_in_memory().unwrap();
    for bad in ["2026-13", "Nov 2026", "2026-11-23", "", "2026-1"] {
        for err in [
            store.add_forwarded_seconds(bad, 1).unwrap_err(),
            store.forwarded_usage(bad).unwrap_err(),
            store.take_forward_warning(bad, HOUR).unwrap_err(),
        ] {
            assert!(
                matches!(&err, StoreError::InvalidMonth(m) if m == bad),
                "{err:?}"
            );
            assert!(err.to_string().contains("YYYY-MM"), "{err}");
        }
    }
    assert_eq!(store.forwarded_usage("2026-11").unwrap().seconds, 0);
}
