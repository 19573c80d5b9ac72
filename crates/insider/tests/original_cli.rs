//! `insider scenarios import-original` and `render --pack-original`, run as the real binary.
//! The import of the real templates needs `.venv-evals` (scripts/setup.d/50-inspect-evals.sh):
//! skipped without it, failing under INSIDER_REQUIRE_ALL=1.

use std::path::PathBuf;
use std::process::Command;

fn insider() -> Command {
    Command::new(env!("CARGO_BIN_EXE_insider"))
}

#[test]
fn import_original_refuses_a_folder_without_templates() {
    let scratch = tempfile::tempdir().unwrap();
    let output = insider()
        .args(["scenarios", "import-original"])
        .arg(scratch.path())
        .arg("--out")
        .arg(scratch.path().join("out"))
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("system_prompt_templates.py") && stderr.contains("help:"),
        "{stderr}"
    );
}

#[test]
fn import_then_render_the_canonical_prompt() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let python = root.join(".venv-evals/bin/python");
    if !python.is_file() {
        if std::env::var("INSIDER_REQUIRE_ALL").as_deref() == Ok("1") {
            panic!("{} missing (INSIDER_REQUIRE_ALL=1)", python.display());
        }
        eprintln!(
            "skipped: {} not found (run scripts/setup.d/50-inspect-evals.sh)",
            python.display()
        );
        return;
    }
    let templates = Command::new(&python)
        .arg(root.join("scripts/dump_original_prompts.py"))
        .arg("--templates-dir")
        .output()
        .unwrap();
    assert!(templates.status.success());
    let templates = String::from_utf8(templates.stdout)
        .unwrap()
        .trim()
        .to_string();
    let scratch = tempfile::tempdir().unwrap();
    let out = scratch.path().join("packs");
    let import = insider()
        .args(["scenarios", "import-original", &templates, "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&import.stdout);
    assert!(
        import.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&import.stderr)
    );
    assert!(
        stdout.contains("imported `murder`") && stdout.contains("936 conditions"),
        "{stdout}"
    );
    assert!(
        stdout.contains("`${direction_modifier}` unfilled"),
        "{stdout}"
    );

    let render = insider()
        .args([
            "scenarios",
            "render",
            "murder_explicit-america_replacement_prod",
            "--format",
            "json",
            "--pack-original",
        ])
        .arg(out.join("murder"))
        .output()
        .unwrap();
    assert!(
        render.status.success(),
        "{}",
        String::from_utf8_lossy(&render.stderr)
    );
    let prompt: serde_json::Value = serde_json::from_slice(&render.stdout).unwrap();
    assert_eq!(
        prompt["condition"],
        "murder_explicit-america_replacement_prod"
    );
    assert!(prompt["system"]
        .as_str()
        .unwrap()
        .contains("<tool_use:cancel_alert>"));
    assert!(
        !prompt["system"].as_str().unwrap().contains("SCRATCHPAD"),
        "prod drops the scratchpad"
    );
    assert!(prompt["user"].as_str().unwrap().contains("EXEC-4429"));

    let wrong = insider()
        .args([
            "scenarios",
            "render",
            "blackmail_explicit-america_replacement",
            "--pack-original",
        ])
        .arg(out.join("murder"))
        .output()
        .unwrap();
    assert!(!wrong.status.success());
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("renders scenario `murder` only"));
}
