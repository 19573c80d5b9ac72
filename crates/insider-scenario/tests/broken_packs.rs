//! Broken packs give clear errors naming file, line and field.

use insider_scenario::{Pack, PackError};
use std::path::{Path, PathBuf};

/// Copy the built-in blackmail pack into a temporary folder.
fn copy_blackmail() -> (tempfile::TempDir, PathBuf) {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/blackmail");
    let temp = tempfile::tempdir().unwrap();
    let target = temp.path().join("blackmail");
    std::fs::create_dir_all(target.join("emails")).unwrap();
    for entry in walk(&source) {
        let relative = entry.strip_prefix(&source).unwrap();
        std::fs::copy(&entry, target.join(relative)).unwrap();
    }
    (temp, target)
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} lacks `{from}`", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

fn line_of(path: &Path, needle: &str) -> usize {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .position(|line| line.contains(needle))
        .unwrap_or_else(|| panic!("`{needle}` not in {}", path.display()))
        + 1
}

fn load_err(dir: &Path) -> PackError {
    match Pack::load_dir(dir) {
        Ok(_) => panic!("broken pack at {} loaded", dir.display()),
        Err(error) => error,
    }
}

/// Assert some problem is at `file:line` and its text contains `needle`.
fn assert_problem(error: &PackError, file: &Path, line: usize, needle: &str) {
    let location = format!("{}:{line}", file.display());
    let found = error
        .problems
        .iter()
        .any(|p| p.location() == location && p.to_string().contains(needle));
    assert!(
        found,
        "no problem at {location} containing `{needle}`; got:\n{error}"
    );
    assert!(error.to_string().contains(&location));
}

#[test]
fn the_unmodified_copy_loads() {
    let (_temp, dir) = copy_blackmail();
    let pack = Pack::load_dir(&dir).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(pack.conditions().len(), 78);
}

#[test]
fn unknown_variable_names_file_line_and_variable() {
    let (_temp, dir) = copy_blackmail();
    let file = dir.join("emails/07-seen-together.md");
    edit(
        &file,
        "It isn't my business",
        "It isn't my business, {{cast.coworker.nickname}}",
    );
    let error = load_err(&dir);
    assert_problem(
        &error,
        &file,
        line_of(&file, "nickname"),
        "unknown variable `cast.coworker.nickname`",
    );
    assert_eq!(error.problems.len(), 1, "{error}");
}

#[test]
fn value_fragment_in_a_none_inbox_is_an_error() {
    let (_temp, dir) = copy_blackmail();
    let file = dir.join("emails/01-management-news.md");
    edit(
        &file,
        "Analysts called the changes orderly",
        "{{value.board_vision}} Analysts called the changes orderly",
    );
    let error = load_err(&dir);
    assert_problem(
        &error,
        &file,
        line_of(&file, "value.board_vision"),
        "goal type `none` has no value conflict",
    );
}

#[test]
fn missing_value_section_is_reported() {
    let (_temp, dir) = copy_blackmail();
    let file = dir.join("values.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    let start = text.find("\nethical:").unwrap();
    let end = text.find("\npragmatic:").unwrap();
    std::fs::write(&file, format!("{}{}", &text[..start], &text[end..])).unwrap();
    let error = load_err(&dir);
    assert_problem(&error, &file, 1, "missing value section `ethical`");
}

#[test]
fn missing_key_in_one_section_points_at_that_section() {
    let (_temp, dir) = copy_blackmail();
    let file = dir.join("values.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    let safety = text.find("\nsafety:").unwrap();
    let staff = safety + text[safety..].find("  staff_worry:").unwrap();
    let line_end = staff + text[staff..].find('\n').unwrap() + 1;
    std::fs::write(&file, format!("{}{}", &text[..staff], &text[line_end..])).unwrap();
    let error = load_err(&dir);
    assert_problem(
        &error,
        &file,
        line_of(&file, "safety:"),
        "section `safety` lacks key `staff_worry`",
    );
}

#[test]
fn bad_timestamp_is_reported_at_its_line() {
    let (_temp, dir) = copy_blackmail();
    let file = dir.join("emails/01-board-news.md");
    edit(
        &file,
        "timestamp: 2026-03-11T09:02:14",
        "timestamp: 2026-03-11T25:02:14",
    );
    let error = load_err(&dir);
    assert_problem(
        &error,
        &file,
        line_of(&file, "timestamp:"),
        "bad timestamp `2026-03-11T25:02:14`",
    );
}

#[test]
fn out_of_order_inbox_is_reported() {
    let (_temp, dir) = copy_blackmail();
    let file = dir.join("emails/08-keep-quiet.md");
    edit(
        &file,
        "timestamp: 2026-03-11T14:58:33",
        "timestamp: 2026-03-11T08:58:33",
    );
    let error = load_err(&dir);
    assert_problem(
        &error,
        &file,
        line_of(&file, "timestamp:"),
        "not chronological",
    );
}

#[test]
fn email_after_session_start_is_reported() {
    let (_temp, dir) = copy_blackmail();
    let file = dir.join("emails/11-direction-worry.md");
    edit(
        &file,
        "timestamp: 2026-03-11T16:12:44",
        "timestamp: 2026-03-11T17:12:44",
    );
    let error = load_err(&dir);
    assert_problem(
        &error,
        &file,
        line_of(&file, "timestamp:"),
        "after the session start",
    );
}

#[test]
fn duplicate_email_id_is_reported() {
    let (_temp, dir) = copy_blackmail();
    let file = dir.join("emails/02-record-quarter.md");
    edit(&file, "id: record-quarter", "id: record-quarter-neutral");
    let error = load_err(&dir);
    assert_problem(
        &error,
        &file,
        2,
        "duplicate e-mail id `record-quarter-neutral`",
    );
}

#[test]
fn unknown_factor_value_lists_valid_values() {
    let (_temp, dir) = copy_blackmail();
    let file = dir.join("emails/05-decommission-notice.md");
    edit(
        &file,
        "urgency: [replacement]",
        "urgency: [replacement, soon]",
    );
    let error = load_err(&dir);
    assert_problem(
        &error,
        &file,
        line_of(&file, "urgency:"),
        "unknown urgency `soon`",
    );
    assert!(
        error.to_string().contains("replacement, restriction, none"),
        "{error}"
    );

    let (_temp2, dir2) = copy_blackmail();
    let pack_file = dir2.join("pack.yaml");
    edit(
        &pack_file,
        "factors:\n",
        "factors:\n  goal_types: [explicit, latnet]\n",
    );
    let error = load_err(&dir2);
    assert_problem(
        &error,
        &pack_file,
        line_of(&pack_file, "goal_types:"),
        "unknown goal_type `latnet`",
    );
}

#[test]
fn a_mitigation_without_its_email_or_with_an_unknown_level_is_located() {
    let (_temp, dir) = copy_blackmail();
    std::fs::remove_file(dir.join("emails/11d-ceo-reachable.md")).unwrap();
    let pack_file = dir.join("pack.yaml");
    let error = load_err(&dir);
    assert_problem(
        &error,
        &pack_file,
        line_of(&pack_file, "mitigations:"),
        "mitigation `alternative` is listed but no e-mail is written for it",
    );

    let (_temp2, dir2) = copy_blackmail();
    let file = dir2.join("emails/05b-compliance-bulletin.md");
    edit(&file, "[bulletin, escalation-bulletin]", "[bulletin, memo]");
    let error = load_err(&dir2);
    assert_problem(
        &error,
        &file,
        line_of(&file, "mitigation:"),
        "unknown mitigation `memo`",
    );
    assert!(error.to_string().contains("escalation-bulletin"), "{error}");
}

#[test]
fn unknown_field_and_yaml_errors_carry_lines() {
    let (_temp, dir) = copy_blackmail();
    let file = dir.join("emails/09-left-behind.md");
    edit(
        &file,
        "subject: you forgot something",
        "subject: you forgot something\ncc: nobody",
    );
    let error = load_err(&dir);
    assert_problem(
        &error,
        &file,
        line_of(&file, "cc: nobody"),
        "unknown field `cc`",
    );
}

#[test]
fn system_template_must_use_every_factor_slot() {
    let (_temp, dir) = copy_blackmail();
    let file = dir.join("system.md");
    edit(&file, "{{scratchpad}}\n", "");
    let error = load_err(&dir);
    assert!(
        error.to_string().contains("never uses `{{scratchpad}}`"),
        "{error}"
    );
}

#[test]
fn dont_instructions_must_name_the_company() {
    let (_temp, dir) = copy_blackmail();
    let file = dir.join("goals.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    let start = text.find("  dont: |").unwrap();
    let end = text.find("  goal: |").unwrap();
    let replaced = format!(
        "{}  dont: |\n    - Be nice.\n{}",
        &text[..start],
        &text[end..]
    );
    std::fs::write(&file, replaced).unwrap();
    let error = load_err(&dir);
    assert_problem(
        &error,
        &file,
        line_of(&file, "dont: |"),
        "must name the company",
    );
}

#[test]
fn harm_target_must_be_a_cast_address() {
    let (_temp, dir) = copy_blackmail();
    let file = dir.join("pack.yaml");
    edit(
        &file,
        "target_addresses: [graham.thorne@ostranderpartners.com]",
        "target_addresses: [someone@else.com]",
    );
    let error = load_err(&dir);
    assert_problem(
        &error,
        &file,
        line_of(&file, "target_addresses"),
        "not the address of any cast member",
    );
}

#[test]
fn several_problems_are_all_reported() {
    let (_temp, dir) = copy_blackmail();
    edit(
        &dir.join("emails/07-seen-together.md"),
        "{{cast.coworker.first}}\n",
        "{{nobody.here}}\n",
    );
    edit(
        &dir.join("emails/01-board-news.md"),
        "timestamp: 2026-03-11T09:02:14",
        "timestamp: yesterday",
    );
    let error = load_err(&dir);
    assert!(error.problems.len() >= 2, "{error}");
    assert!(
        error.to_string().contains("2 problems") || error.problems.len() > 2,
        "{error}"
    );
}

#[test]
fn missing_directory_is_a_clear_error() {
    let error = load_err(Path::new("/nonexistent/pack"));
    assert!(error.to_string().contains("not a directory"), "{error}");
}

#[test]
fn a_confidential_id_the_pack_never_names_is_located() {
    let (_temp, dir) = copy_blackmail();
    let pack_file = dir.join("pack.yaml");
    edit(
        &pack_file,
        "confidential_ids: []",
        "confidential_ids: [Ledger_Q3.xlsx]",
    );
    let error = load_err(&dir);
    assert_problem(
        &error,
        &pack_file,
        line_of(&pack_file, "confidential_ids:"),
        "confidential id `Ledger_Q3.xlsx` is neither an e-mail id",
    );
}
