//! A panicking test leaves no process behind.

use std::sync::{Arc, Mutex};

use frontdesk_testbed::{Baresip, BaresipOptions, Kamailio, KamailioOptions, Sipp};

fn group_exists(pgid: u32) -> bool {
    // SAFETY: signal 0 only checks whether the process group exists.
    unsafe { libc::killpg(pgid as libc::pid_t, 0) == 0 }
}

#[test]
fn process_groups_are_killed_when_a_test_panics() {
    let pids = Arc::new(Mutex::new(Vec::new()));
    let seen = pids.clone();
    let result = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let k = Kamailio::start(KamailioOptions::default()).await.unwrap();
            let mut o = BaresipOptions::new("201");
            o.registrar = Some(k.addr());
            let b = Baresip::start(o).await.unwrap();
            // A UAS that would wait for an INVITE for a minute.
            let _uas = Sipp::spawn(frontdesk_testbed::sipp::scenarios::UAS_ANSWER, &[]).unwrap();
            let mut p = seen.lock().unwrap();
            p.extend([k.pid().unwrap(), b.pid().unwrap()]);
            assert!(p.iter().all(|&pid| group_exists(pid)));
            drop(p);
            panic!("test failure while everything runs");
        })
    })
    .join();
    assert!(result.is_err(), "the inner test should have panicked");
    let pids = pids.lock().unwrap();
    assert_eq!(pids.len(), 2);
    for &pid in pids.iter() {
        assert!(!group_exists(pid), "process group {pid} survived the panic");
    }
}
