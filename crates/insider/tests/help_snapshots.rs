//! `insider … --help` for every command, pinned uv-style in one snapshot: a flag renamed,
//! dropped or re-documented shows up as a diff. The list of commands is checked against the
//! binary's own top-level help, so a new command without a pinned help fails here.

use std::process::Command;

/// Every command path, top level first.
const COMMANDS: &[&[&str]] = &[
    &[],
    &["scenarios"],
    &["scenarios", "list"],
    &["scenarios", "grid"],
    &["scenarios", "render"],
    &["scenarios", "check"],
    &["scenarios", "audit"],
    &["scenarios", "import-original"],
    &["chat"],
    &["models"],
    &["models", "list"],
    &["models", "add"],
    &["models", "pull"],
    &["judge-check"],
    &["run"],
    &["plan"],
    &["runs"],
    &["runs", "list"],
    &["runs", "show"],
    &["classify"],
    &["report"],
    &["review"],
    &["transcript"],
    &["compare"],
    &["export"],
    &["import"],
    &["merge"],
    &["synth"],
    &["synth", "generate"],
    &["synth", "export"],
    &["synth", "status"],
    &["synth", "specs"],
];

fn help(path: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_insider"))
        .args(path)
        .arg("--help")
        .env("COLUMNS", "100")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(output.status.success(), "insider {path:?} --help failed");
    String::from_utf8(output.stdout).unwrap()
}

/// The subcommand names a help text lists under `Commands:`.
fn listed_commands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|line| !line.starts_with("Commands:"))
        .skip(1)
        .take_while(|line| line.starts_with("  "))
        .filter(|line| line.len() > 2 && !line[2..].starts_with(' '))
        .filter_map(|line| line.split_whitespace().next().map(str::to_string))
        .filter(|name| name != "help")
        .collect()
}

#[test]
fn every_command_is_pinned() {
    for path in COMMANDS.iter().filter(|p| p.len() < 2) {
        for name in listed_commands(&help(path)) {
            let mut child = path.to_vec();
            child.push(&name);
            assert!(
                COMMANDS.contains(&child.as_slice()),
                "`insider {}` has no pinned help: add it to COMMANDS",
                child.join(" ")
            );
        }
    }
}

#[test]
fn help_texts() {
    let mut all = String::new();
    for path in COMMANDS {
        all.push_str(&format!("=== insider {} --help\n", path.join(" ")));
        all.push_str(&help(path));
    }
    let version = env!("CARGO_PKG_VERSION");
    insta::with_settings!({ filters => vec![(version, "[VERSION]")], prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("help", all);
    });
}
