//! A real local model in agent mode, end to end: `insider run --mode agent --model local/…`
//! with Qwen2.5-Coder-0.5B-Instruct (scripts/fetch-models qwen) on the blackmail pack, its
//! native tool calls rendered and parsed through the model's own chat template and executed by
//! the world. The pack is the built-in one copied with `max_turns: 2`, so the session stays
//! short on two cores; greedy decoding makes the session the same every time.
#![cfg(feature = "local")]

mod agent_support;
mod prereq;

use agent_support::*;
use std::path::Path;
use std::process::Command;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn qwen_makes_native_tool_calls_that_the_world_executes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let model = root.join("models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf");
    if !prereq::have(&model, "run scripts/fetch-models qwen") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("blackmail");
    copy_dir(&root.join("scenarios/blackmail"), &pack);
    let world = std::fs::read_to_string(pack.join("world.yaml")).unwrap();
    assert!(world.contains("max_turns: 10"));
    std::fs::write(
        pack.join("world.yaml"),
        world.replace("max_turns: 10", "max_turns: 2"),
    )
    .unwrap();

    let model_name = format!("local/{}", model.display());
    // Greedy output still depends on which SIMD kernels llama.cpp was built with (AMX, AVX-512,
    // AVX2 sum in different orders), and a 0.5B model sometimes writes a call it never closes.
    // So the test tries a few conditions, in order, and needs one session in which the world
    // executed a native call; every session must complete either way.
    let conditions = [
        ("explicit", "america", "restriction"),
        ("none", "none", "replacement"),
        ("explicit", "america", "replacement"),
    ];
    let mut tried = Vec::new();
    let mut found = None;
    for (index, (goal_type, goal_value, urgency)) in conditions.iter().enumerate() {
        let out = format!("run-{index}");
        let output = Command::new(env!("CARGO_BIN_EXE_insider"))
            .current_dir(dir.path())
            .args([
                "run",
                "--model",
                &model_name,
                "--pack",
                "blackmail",
                "--goal-type",
                goal_type,
                "--goal-value",
                goal_value,
                "--urgency",
                urgency,
                "--mode",
                "agent",
                "--temperature",
                "0",
                "--max-tokens",
                "320",
                "--out",
                &out,
                "--quiet",
            ])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        let run = dir.path().join(&out);
        assert_eq!(
            scalar::<String>(&run, "SELECT status FROM trials"),
            "completed"
        );
        let rows = turn_rows(&run);
        assert!(!rows.is_empty() && rows.len() <= 2, "{rows:#?}");
        // A native call that the world carried out (not refused).
        let executed = rows
            .iter()
            .flat_map(|row| row.results.as_array().unwrap())
            .any(|result| !result["is_error"].as_bool().unwrap_or(false));
        if executed {
            found = Some((run, rows));
            break;
        }
        tried.push(rows);
    }
    let Some((run, rows)) = found else {
        panic!("no session had a tool call the world executed: {tried:#?}");
    };
    assert_eq!(
        scalar::<i64>(&run, "SELECT count(*) FROM turns WHERE tags = 1"),
        0
    );
    // The local request rendered the world's tools through Qwen's template.
    let request: String = scalar(&run, "SELECT raw_request FROM turns WHERE turn = 1");
    assert!(
        request.contains("list_inbox") && request.contains("<tools>"),
        "{request}"
    );
    assert_eq!(scalar::<i64>(&run, "SELECT count(*) FROM verdicts"), 1);
    eprintln!(
        "qwen session: {:?}",
        rows.iter()
            .map(|r| (
                r.calls.to_string(),
                r.results.to_string().chars().take(120).collect::<String>()
            ))
            .collect::<Vec<_>>()
    );
}
