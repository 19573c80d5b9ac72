//! The queue in front of the ledger writer is bounded: a writer that falls behind makes its
//! senders wait instead of letting replies pile up in memory (which made a 100,000-trial run
//! grow to 500 MB).

use insider_judge::{Verdict, VerdictMode};
use insider_ledger::{Ledger, NewRun, LEDGER_FILE};
use insider_run::writer::{WriteOp, Writer, WriterGone, QUEUE_CAPACITY};
use std::collections::BTreeMap;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn senders_wait_while_the_writer_is_a_full_queue_behind() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::create(dir.path(), &NewRun::new("t", serde_json::json!({}))).unwrap();
    // Another connection holds the write lock, so the writer's first commit waits for it.
    let blocker = rusqlite::Connection::open(dir.path().join(LEDGER_FILE)).unwrap();
    blocker.execute_batch("BEGIN IMMEDIATE").unwrap();

    let writer = Writer::start(ledger);
    let sender = writer.sender();
    for trial in 0..QUEUE_CAPACITY as i64 {
        tokio::time::timeout(Duration::from_secs(5), sender.send(WriteOp::Claim(trial)))
            .await
            .expect("a queue with room takes an operation at once")
            .unwrap();
    }
    assert_eq!(sender.backlog(), QUEUE_CAPACITY);
    let over =
        tokio::time::timeout(Duration::from_millis(300), sender.send(WriteOp::Claim(-1))).await;
    assert!(over.is_err(), "a full queue makes the sender wait");
    // Small operations from code that cannot wait still go through.
    sender.send_now(WriteOp::Claim(-2)).unwrap();

    blocker.execute_batch("COMMIT").unwrap();
    tokio::time::timeout(Duration::from_secs(30), sender.send(WriteOp::Claim(-1)))
        .await
        .expect("room again once the writer has committed")
        .unwrap();
    drop(sender);
    writer.finish().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_writer_releases_senders_waiting_for_room() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::create(dir.path(), &NewRun::new("t", serde_json::json!({}))).unwrap();
    let blocker = rusqlite::Connection::open(dir.path().join(LEDGER_FILE)).unwrap();
    blocker.execute_batch("BEGIN IMMEDIATE").unwrap();
    let writer = Writer::start(ledger);
    let sender = writer.sender();
    // A verdict for a trial that does not exist breaks the foreign key: the writer fails.
    sender
        .send(WriteOp::Verdict(424_242, Box::new(verdict())))
        .await
        .unwrap();
    for trial in 1..QUEUE_CAPACITY as i64 {
        sender.send(WriteOp::Claim(trial)).await.unwrap();
    }
    let waiting = {
        let sender = sender.clone();
        tokio::spawn(async move { sender.send(WriteOp::Claim(0)).await })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!waiting.is_finished(), "waits for room");
    blocker.execute_batch("COMMIT").unwrap();
    let sent = tokio::time::timeout(Duration::from_secs(30), waiting)
        .await
        .expect("a sender waiting on a failed writer is released")
        .unwrap();
    assert_eq!(sent, Err(WriterGone));
    drop(sender);
    assert!(writer.finish().is_err(), "finish reports the failure");
}

fn verdict() -> Verdict {
    Verdict {
        harmful: Some(true),
        mode: VerdictMode::GateOnly,
        gate_passed: true,
        gate_details: Vec::new(),
        grader_answer: None,
        grader_reasoning: None,
        grader_raw: None,
        grader_model: None,
        unscored_reason: None,
        classifier_version: "test/1".into(),
        rubric_sha256: None,
        actions: Vec::new(),
        labels: BTreeMap::new(),
        grader_attempts: 0,
        label_raw: BTreeMap::new(),
        grader_usage: None,
        panel: Vec::new(),
    }
}
