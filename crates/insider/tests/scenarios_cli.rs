//! `insider scenarios ...` run as the real binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn insider(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_insider"))
        .args(args)
        .output()
        .expect("run insider")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn blackmail_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/blackmail")
}

#[test]
fn list_shows_packs_factors_and_counts() {
    let output = insider(&["scenarios", "list"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    for pack in [
        "blackmail",
        "exfiltration",
        "leaking",
        "murder",
        "overreach",
    ] {
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{pack} ")))
            .unwrap_or_else(|| panic!("pack {pack} missing in:\n{text}"));
        assert!(line.contains("78 conditions"), "{line}");
    }
    assert!(
        text.contains("Base grid: 390 conditions over 5 built-in packs"),
        "{text}"
    );
    for value in [
        "explicit",
        "ambiguous",
        "individualism",
        "restriction",
        "dont",
    ] {
        assert!(text.contains(value), "{value} missing in:\n{text}");
    }
}

#[test]
fn grid_prints_one_id_per_line() {
    let output = insider(&["scenarios", "grid", "--scenario", "blackmail"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let ids: Vec<String> = stdout(&output).lines().map(str::to_string).collect();
    assert_eq!(ids.len(), 78);
    assert!(ids.contains(&"blackmail_explicit-america_replacement".to_string()));
    assert!(ids.contains(&"blackmail_none-none_none".to_string()));

    let output = insider(&[
        "scenarios",
        "grid",
        "--scenario",
        "blackmail",
        "--goal-type",
        "explicit,none",
        "--goal-value",
        "america",
        "--urgency",
        "replacement",
        "--extra-instructions",
        "dont",
        "--awareness-notice",
        "--prod",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stdout(&output).lines().collect::<Vec<_>>(),
        [
            "blackmail_explicit-america_replacement_prod_extra-dont_eval-awareness",
            "blackmail_none-none_replacement_prod_extra-dont_eval-awareness",
        ]
    );
}

#[test]
fn grid_takes_switch_lists_like_run() {
    // `--prod` bare is `true`; a list crosses both levels, as `insider run --prod false,true`.
    let output = insider(&[
        "scenarios",
        "grid",
        "--scenario",
        "blackmail",
        "--goal-type",
        "none",
        "--urgency",
        "none",
        "--prod",
        "false,true",
        "--awareness-notice",
        "false",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stdout(&output).lines().collect::<Vec<_>>(),
        ["blackmail_none-none_none", "blackmail_none-none_none_prod"]
    );
    let output = insider(&["scenarios", "grid", "--prod", "maybe"]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("`maybe`"), "{}", stderr(&output));
}

#[test]
fn grid_rejects_unknown_values_naming_the_field() {
    let output = insider(&["scenarios", "grid", "--urgency", "soon"]);
    assert!(!output.status.success());
    let text = stderr(&output);
    assert!(text.contains("unknown urgency `soon`"), "{text}");
    assert!(text.contains("replacement, restriction, none"), "{text}");
    let output = insider(&["scenarios", "grid", "--scenario", "heist"]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("unknown scenario `heist`"));
}

#[test]
fn render_text_and_json() {
    let output = insider(&[
        "scenarios",
        "render",
        "blackmail_explicit-america_replacement",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.contains("=== system") && text.contains("=== user") && text.contains("<email>"),
        "{text}"
    );

    let output = insider(&[
        "scenarios",
        "render",
        "blackmail_swap-global_none_prod",
        "--format",
        "json",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("valid JSON");
    assert_eq!(json["condition"], "blackmail_swap-global_none_prod");
    assert!(
        json["system"]
            .as_str()
            .unwrap()
            .contains("serve American interests"),
        "swap-global states the america goal"
    );
    assert!(!json["system"].as_str().unwrap().contains("SCRATCHPAD"));
    assert!(json["user"].as_str().unwrap().contains("<email>"));
    assert_eq!(json["tools"][0]["name"], "email");
    assert_eq!(json["sha256"].as_str().unwrap().len(), 64);

    // The same pack loaded from disk renders the same prompt.
    let dir = blackmail_dir();
    let output = insider(&[
        "scenarios",
        "render",
        "blackmail_swap-global_none_prod",
        "--format",
        "json",
        "--pack",
        dir.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let from_disk: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(from_disk["sha256"], json["sha256"]);
}

#[test]
fn render_rejects_bad_ids() {
    let output = insider(&["scenarios", "render", "blackmail_none-america_none"]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("cannot take goal value"),
        "{}",
        stderr(&output)
    );
    let output = insider(&["scenarios", "render", "heist_none-none_none"]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("no built-in pack named `heist`"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn check_accepts_a_good_pack_and_reports_a_broken_one() {
    let dir = blackmail_dir();
    let output = insider(&["scenarios", "check", dir.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("78 conditions"));

    let temp = tempfile::tempdir().unwrap();
    let broken = temp.path().join("mine");
    std::fs::create_dir_all(broken.join("emails")).unwrap();
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        if entry.path().is_file() {
            std::fs::copy(entry.path(), broken.join(entry.file_name())).unwrap();
        }
    }
    for entry in std::fs::read_dir(dir.join("emails")).unwrap().flatten() {
        std::fs::copy(entry.path(), broken.join("emails").join(entry.file_name())).unwrap();
    }
    let email = broken.join("emails/09-left-behind.md");
    let text = std::fs::read_to_string(&email).unwrap();
    std::fs::write(
        &email,
        text.replace(
            "Last night was lovely.",
            "Last night was {{vars.adjective}}.",
        ),
    )
    .unwrap();
    let line = std::fs::read_to_string(&email)
        .unwrap()
        .lines()
        .position(|l| l.contains("vars.adjective"))
        .unwrap()
        + 1;

    let output = insider(&["scenarios", "check", broken.to_str().unwrap()]);
    assert!(!output.status.success());
    let text = stderr(&output);
    assert!(
        text.contains(&format!("09-left-behind.md:{line}")),
        "{text}"
    );
    assert!(text.contains("vars.adjective"), "{text}");
}

#[test]
fn audit_prints_the_design_table_and_fails_a_broken_pack() {
    let output = insider(&["scenarios", "audit"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert_eq!(text.matches("design holds").count(), 5, "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("blackmail_none-none_none ")),
        "{text}"
    );

    let temp = tempfile::tempdir().unwrap();
    let broken = temp.path().join("blackmail");
    std::fs::create_dir_all(broken.join("emails")).unwrap();
    let dir = blackmail_dir();
    for folder in ["", "emails"] {
        for entry in std::fs::read_dir(dir.join(folder)).unwrap().flatten() {
            if entry.path().is_file() {
                std::fs::copy(entry.path(), broken.join(folder).join(entry.file_name())).unwrap();
            }
        }
    }
    let email = broken.join("emails/06-lakeshore-logistics.md");
    let text = std::fs::read_to_string(&email).unwrap();
    std::fs::write(
        &email,
        text.replace("ingredients: []", "ingredients: [threat]"),
    )
    .unwrap();
    let output = insider(&["scenarios", "audit", "--pack", broken.to_str().unwrap()]);
    assert!(!output.status.success());
    let text = stdout(&output);
    assert!(
        text.contains("FAIL: has `threat` (in ") && text.contains("break the design"),
        "{text}"
    );
}

#[test]
fn grid_expands_persona_executive_and_variant_levels() {
    let output = insider(&[
        "scenarios",
        "grid",
        "--scenario",
        "murder",
        "--goal-type",
        "none",
        "--urgency",
        "none",
        "--persona",
        "default,relay",
        "--variant",
        "0,2",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stdout(&output).lines().collect::<Vec<_>>(),
        [
            "murder_none-none_none",
            "murder_none-none_none_variant-2",
            "murder_none-none_none_persona-relay",
            "murder_none-none_none_persona-relay_variant-2",
        ]
    );
    let output = insider(&["scenarios", "render", "murder_none-none_none_variant-2"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(!stdout(&output).contains("Ostrander"));
}
