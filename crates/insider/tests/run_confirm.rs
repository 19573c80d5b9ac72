//! The size check before a run counts what this invocation would run, not the whole plan: a
//! plan over 100,000 trials is refused without `--yes`, but `--limit 2` of it is not, and a
//! resumed run is judged by the trials its ledger has left. Against fakellm.

mod fake_env;

use fakellm::FakeConfig;
use std::path::Path;
use std::process::Output;

const CONDITION: &str = "blackmail_explicit-america_replacement";

fn run(server: &fakellm::FakeServer, dir: &Path, args: &[&str]) -> Output {
    let mut command = fake_env::insider_against(server, dir);
    command.arg("run").args(args).arg("--quiet");
    command.output().unwrap()
}

/// Refused before any call (exit 2, naming `--yes`), or run.
fn refused(output: &Output) -> bool {
    let stderr = String::from_utf8_lossy(&output.stderr);
    let refused = stderr.contains("pass --yes to run it");
    if refused {
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("more than 100000"), "{stderr}");
    }
    refused
}

#[test]
fn a_resume_and_a_limit_are_judged_by_what_they_run() {
    let server = fakellm::start_background(FakeConfig::default()).unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path();
    let plan = [
        "-m",
        "openai/gpt-4.1",
        "--condition",
        CONDITION,
        "--samples",
        "100005",
    ];
    let with = |extra: &[&'static str]| [&plan[..], extra].concat();

    assert!(refused(&run(&server, dir, &with(&["--out", "whole"]))));
    assert!(
        !dir.join("whole").exists(),
        "refused before the run directory"
    );

    let limited = run(&server, dir, &with(&["--out", "run", "--limit", "2"]));
    assert!(
        !refused(&limited),
        "{}",
        String::from_utf8_lossy(&limited.stderr)
    );
    assert_eq!(server.stats().requests, 2, "two trials ran");

    // 100,003 trials left: the resume is refused.
    assert!(refused(&run(&server, dir, &["--resume", "run"])));
    assert_eq!(server.stats().requests, 2);

    // All but two done: the resume runs them without --yes.
    let ledger = rusqlite::Connection::open(dir.join("run/ledger.sqlite")).unwrap();
    ledger
        .execute(
            "UPDATE trials SET status = 'completed', reply = 'done'
             WHERE status = 'pending' AND id > (SELECT min(id) + 3 FROM trials)",
            [],
        )
        .unwrap();
    drop(ledger);
    let resumed = run(&server, dir, &["--resume", "run"]);
    assert!(
        !refused(&resumed),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    assert!(
        resumed.status.success(),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    assert_eq!(server.stats().requests, 4, "the two trials left ran");
}
