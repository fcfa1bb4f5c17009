//! The store on real database files in temporary directories.

use frontdesk_store::{
    migrations, CallRecord, Direction, NewCall, Store, StoreError, Timestamp, REASON_INTERRUPTED,
};

fn call(started_at: i64, number: &str) -> NewCall {
    NewCall {
        direction: Direction::Outgoing,
        remote_uri: format!("sip:{number}@pbx.example.com"),
        remote_number: number.to_string(),
        remote_display_name: None,
        account: None,
        sip_call_id: format!("call-{number}-{started_at}"),
        started_at: Timestamp(started_at),
    }
}

fn numbers(records: &[CallRecord]) -> Vec<&str> {
    records.iter().map(|r| r.remote_number.as_str()).collect()
}

#[test]
fn open_creates_missing_directories_and_uses_wal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/deeper/frontdesk.db");
    let store = Store::open(&path).unwrap();
    assert!(path.is_file());
    assert_eq!(store.journal_mode().unwrap(), "wal");
    assert_eq!(store.path(), path);
    assert_eq!(
        store.schema_version().unwrap(),
        migrations::latest_version()
    );
}

#[test]
fn reopening_keeps_data_and_does_not_rerun_migrations() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("frontdesk.db");
    let id = {
        let store = Store::open(&path).unwrap();
        let id = store.insert_call(&call(1_000, "201")).unwrap();
        store.mark_answered(id, Timestamp(2_000)).unwrap();
        id
    };
    for _ in 0..3 {
        let store = Store::open(&path).unwrap();
        assert_eq!(
            store.schema_version().unwrap(),
            migrations::latest_version()
        );
        assert_eq!(store.journal_mode().unwrap(), "wal");
        let rec = store.call(id).unwrap();
        assert_eq!(rec.answered_at, Some(Timestamp(2_000)));
        assert_eq!(store.history(10).unwrap().len(), 1);
    }
}

#[test]
fn two_stores_on_one_file_see_each_others_writes() {
    // The daemon writes while the CLI reads the same file.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("frontdesk.db");
    let daemon = Store::open(&path).unwrap();
    let cli = Store::open(&path).unwrap();
    let id = daemon.insert_call(&call(5, "300")).unwrap();
    daemon.mark_ended(id, Timestamp(9), "busy").unwrap();
    let seen = cli.history(5).unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].end_reason.as_deref(), Some("busy"));
}

#[test]
fn history_is_newest_first_and_limited() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("h.db")).unwrap();
    // Inserted out of order; two share a start time (the later id is newer).
    for (at, number) in [(3_000, "c"), (1_000, "a"), (5_000, "e"), (3_000, "d")] {
        store.insert_call(&call(at, number)).unwrap();
    }
    assert_eq!(numbers(&store.history(10).unwrap()), ["e", "d", "c", "a"]);
    assert_eq!(numbers(&store.history(2).unwrap()), ["e", "d"]);
    assert!(store.history(0).unwrap().is_empty());
}

#[test]
fn dangling_calls_are_closed_as_interrupted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crash.db");
    let (ringing, talking, finished) = {
        let store = Store::open(&path).unwrap();
        let ringing = store.insert_call(&call(1_000, "1")).unwrap();
        let talking = store.insert_call(&call(2_000, "2")).unwrap();
        store.mark_answered(talking, Timestamp(3_000)).unwrap();
        let finished = store.insert_call(&call(4_000, "3")).unwrap();
        store
            .mark_ended(finished, Timestamp(6_000), "local_hangup")
            .unwrap();
        (ringing, talking, finished)
        // Dropped without ending two calls: as after a crash.
    };

    let store = Store::open(&path).unwrap();
    assert_eq!(store.close_dangling_calls(Timestamp(10_000)).unwrap(), 2);
    let r = store.call(ringing).unwrap();
    assert_eq!(r.ended_at, Some(Timestamp(10_000)));
    assert_eq!(r.end_reason.as_deref(), Some(REASON_INTERRUPTED));
    assert_eq!(r.duration_secs, None);
    let t = store.call(talking).unwrap();
    assert_eq!(t.end_reason.as_deref(), Some(REASON_INTERRUPTED));
    assert_eq!(t.duration_secs, Some(7));
    let f = store.call(finished).unwrap();
    assert_eq!(f.ended_at, Some(Timestamp(6_000)));
    assert_eq!(f.end_reason.as_deref(), Some("local_hangup"));

    assert_eq!(store.close_dangling_calls(Timestamp(20_000)).unwrap(), 0);
}

#[test]
fn dangling_call_never_ends_before_it_started() {
    let store = Store::open_in_memory().unwrap();
    let id = store.insert_call(&call(50_000, "9")).unwrap();
    // The clock stepped back between the crash and the restart.
    store.close_dangling_calls(Timestamp(10_000)).unwrap();
    assert_eq!(store.call(id).unwrap().ended_at, Some(Timestamp(50_000)));
}

#[test]
fn database_from_a_newer_version_is_refused_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("future.db");
    drop(Store::open(&path).unwrap());
    let future = migrations::latest_version() + 5;
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(&format!("PRAGMA user_version = {future}"))
            .unwrap();
    }
    let err = Store::open(&path).unwrap_err();
    assert!(
        matches!(err, StoreError::TooNew { found, supported, .. }
            if found == future && supported == migrations::latest_version()),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(msg.contains("future.db"), "{msg}");
    assert!(msg.contains(&format!("schema version {future}")), "{msg}");
    assert!(msg.contains("upgrade Frontdesk"), "{msg}");
}

#[test]
fn unusable_path_gives_an_actionable_error() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("not-a-dir");
    std::fs::write(&blocker, b"x").unwrap();
    let err = Store::open(&blocker.join("frontdesk.db")).unwrap_err();
    assert!(matches!(err, StoreError::CreateDir { .. }), "{err:?}");
    assert!(err.to_string().contains("[data]"), "{err}");
}

#[test]
fn non_database_file_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("garbage.db");
    std::fs::write(&path, vec![0x42u8; 8192]).unwrap();
    let err = Store::open(&path).unwrap_err();
    assert!(matches!(err, StoreError::Open { .. }), "{err:?}");
    assert!(err.to_string().contains("garbage.db"), "{err}");
}
