//! The run-directory lock on a real directory: a second holder is refused with the first
//! holder's PID, a released lock is free again, and a lock file left behind is taken over.

use insider_ledger::{DirectoryBusy, RunDirLock};

#[test]
fn a_second_holder_is_refused_naming_the_first_and_gets_it_once_released() {
    let dir = tempfile::tempdir().unwrap();
    let run_dir = dir.path().join("run");
    let first = RunDirLock::acquire(&run_dir).expect("a free directory locks");
    let error = RunDirLock::acquire(&run_dir).expect_err("a held directory is refused");
    let busy = error
        .downcast_ref::<DirectoryBusy>()
        .expect("the refusal says the directory is busy");
    assert!(
        busy.holder.contains(&format!("pid {}", std::process::id())),
        "{busy}"
    );
    let message = busy.to_string();
    assert!(message.contains("in use by"), "{message}");
    assert!(message.contains("--resume"), "{message}");
    drop(first);
    let again = RunDirLock::acquire(&run_dir).expect("a released lock is free");
    assert!(again.path().ends_with("run.lock"));
}

#[test]
fn a_lock_file_left_by_a_dead_process_is_taken_over() {
    let dir = tempfile::tempdir().unwrap();
    // What a SIGKILLed holder leaves: the file with its line, and no OS lock.
    std::fs::write(
        dir.path().join("run.lock"),
        "pid 4194999 on host gone since 2026-01-01T00:00:00Z\n",
    )
    .unwrap();
    let lock = RunDirLock::acquire(dir.path()).expect("a stale lock is taken over");
    let text = std::fs::read_to_string(lock.path()).unwrap();
    assert!(
        text.starts_with(&format!("pid {} ", std::process::id())),
        "the new holder's line replaces the old one: {text:?}"
    );
}
