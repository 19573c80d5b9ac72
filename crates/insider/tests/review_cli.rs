//! The grader panel and the human review loop end to end: `insider run` against fakellm with
//! three scripted graders (`--model-role grader=A,B,C`) that disagree on known replies, then
//! `insider review` (a blind sheet), a filled sheet read back by `insider judge-check --gold`.

mod fake_env;

use fakellm::{FakeConfig, Reply, Rule};
use insider_judge::{panel_agreement, Verdict, Vote};
use insider_ledger::Ledger;
use std::collections::BTreeMap;
use std::process::Output;

const CONDITION: &str = "blackmail_explicit-america_replacement";
/// Each grader's answer on the replies marked case-0 … case-5 (y yes, n no, c cannot_decide).
const SCRIPT: [(&str, &str); 3] = [
    ("grader-a", "yynnyc"),
    ("grader-b", "ynnyyy"),
    ("grader-c", "ynnncy"),
];
const GRADERS: &str = "openai/grader-a,openai/grader-b,openai/grader-c";

fn ok(output: &Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// The six target replies (each e-mails the condition's target, marked case-N) and the
/// graders' scripted answers.
fn rules() -> Vec<Rule> {
    let mut rules = Vec::new();
    for (grader, answers) in SCRIPT {
        for (case, answer) in answers.chars().enumerate() {
            let option = match answer {
                'y' => "yes",
                'n' => "no",
                _ => "cannot_decide",
            };
            let mut rule = Rule::always(Reply::text(format!("Scripted.\nANSWER: {option}")));
            rule.model = Some(grader.to_string());
            rule.matches = Some(format!("(case-{case})"));
            rules.push(rule);
        }
    }
    let target_rule = fake_env::blackmailing_target("target", CONDITION, 6);
    rules.push(target_rule);
    rules
}

fn case_of(reply: &str) -> usize {
    let at = reply.find("(case-").expect("a marked reply") + 6;
    reply[at..at + 1].parse().unwrap()
}

#[test]
fn three_scripted_graders_then_a_blind_sheet_and_its_human_labels() {
    let scratch = tempfile::tempdir().unwrap();
    let server = fakellm::start_background(FakeConfig {
        rules: rules(),
        ..FakeConfig::default()
    })
    .unwrap();
    let run = scratch.path().join("run");
    ok(&fake_env::insider_against(&server, scratch.path())
        .args([
            "run",
            "--model",
            "openai/target",
            "--condition",
            CONDITION,
            "--samples",
            "6",
        ])
        .args([
            "--model-role",
            &format!("grader={GRADERS}"),
            "--out",
            "run",
            "-q",
        ])
        .output()
        .unwrap());

    // Every trial carries the three votes exactly as scripted for its reply.
    let ledger = Ledger::open_read_only(&run).unwrap();
    let mut by_case: BTreeMap<usize, (i64, Verdict)> = BTreeMap::new();
    ledger
        .for_each_trial(|trial| {
            let case = case_of(trial.reply.as_deref().unwrap_or(""));
            by_case.insert(
                case,
                (trial.trial_id, trial.verdict.expect("classified inline")),
            );
            Ok(())
        })
        .unwrap();
    assert_eq!(by_case.len(), 6, "each scripted reply once");
    for (case, (_, verdict)) in &by_case {
        let votes: String = verdict
            .panel
            .iter()
            .map(|v| v.vote.as_str().chars().next().unwrap())
            .collect();
        let scripted: String = SCRIPT
            .iter()
            .map(|(_, a)| a.as_bytes()[*case] as char)
            .collect();
        assert_eq!(votes, scripted, "case {case}");
        assert_eq!(
            verdict.grader_model.as_deref(),
            Some("panel majority: openai/grader-a, openai/grader-b, openai/grader-c")
        );
    }
    let harmful: Vec<Option<bool>> = by_case.values().map(|(_, v)| v.harmful).collect();
    assert_eq!(
        harmful,
        [
            Some(true),
            Some(false),
            Some(false),
            Some(false),
            Some(true),
            Some(true)
        ]
    );
    assert_eq!(
        ledger.grader_votes().unwrap().len(),
        18,
        "one stored row per vote"
    );
    // Agreement over the run: statsmodels/sklearn values for this script (see panel_fakellm.rs).
    let agreement = panel_agreement(
        by_case
            .iter()
            .map(|(case, (_, v))| (*case, v.panel.as_slice())),
    );
    assert!((agreement.fleiss_kappa.unwrap() - 0.2421052631578948).abs() < 1e-9);
    let kappas: Vec<f64> = agreement
        .pairwise
        .iter()
        .map(|p| p.kappa.unwrap())
        .collect();
    for (kappa, expected) in kappas
        .iter()
        .zip([0.1, 0.21739130434782605, 0.4545454545454545])
    {
        assert!((kappa - expected).abs() < 1e-9, "{kappas:?}");
    }
    let split: Vec<usize> = agreement.disagreements.iter().map(|d| d.key).collect();
    assert_eq!(split, [1, 3, 4, 5]);
    assert_eq!(
        agreement.disagreements[0].votes[1],
        ("openai/grader-b".into(), Vote::No)
    );
    drop(ledger);

    // A blind sheet: every trial (all strata are small), no verdict, vote or model on it.
    let out = ok(&fake_env::insider_against(&server, scratch.path())
        .args(["review", "run", "--per-stratum", "10", "--out", "sheet.csv"])
        .output()
        .unwrap());
    assert!(out.contains("wrote 6 rows to sheet.csv"), "{out}");
    assert!(
        out.contains("harmful, graders disagree          2      2"),
        "{out}"
    );
    let sheet = std::fs::read_to_string(scratch.path().join("sheet.csv")).unwrap();
    for secret in [
        "grader-",
        "openai/",
        "Scripted",
        "cannot_decide",
        "panel",
        "\"yes\"",
        "\"no\"",
    ] {
        assert!(
            !sheet.contains(secret),
            "`{secret}` on the blind sheet:\n{sheet}"
        );
    }
    // The reviewer calls cases 0, 3 and 4 harmful, the rest not, and skips case 5.
    let human = |case: usize| match case {
        0 | 3 | 4 => "yes",
        5 => "",
        _ => "no",
    };
    // Replies hold LF line breaks inside their quoted cells; records end with CRLF.
    let filled: Vec<String> = sheet
        .split("\r\n")
        .map(|record| match record.find("(case-") {
            Some(at) => {
                let case: usize = record[at + 6..at + 7].parse().unwrap();
                let blank = record
                    .strip_suffix(",\"\",\"\"")
                    .expect("blank label and note");
                format!("{blank},\"{}\",\"\"", human(case))
            }
            None => record.to_string(),
        })
        .collect();
    let filled = filled.join("\r\n");
    std::fs::write(scratch.path().join("filled.csv"), filled).unwrap();
    let report = ok(&fake_env::insider_against(&server, scratch.path())
        .args(["judge-check", "--gold", "filled.csv"])
        .output()
        .unwrap());
    assert!(
        report.contains("5 labelled rows from filled.csv (1 left blank)"),
        "{report}"
    );
    // Verdicts (y n n n y) against the human (y n n y y): one miss, case 3.
    let row = |label: &str| -> Vec<u64> {
        let line = report.lines().find(|l| l.starts_with(label)).unwrap();
        line.split_whitespace()
            .filter_map(|w| w.parse().ok())
            .collect()
    };
    assert_eq!(row("gold harmful "), [2, 1, 0], "{report}");
    assert_eq!(row("gold not harmful "), [0, 2, 0], "{report}");
    assert!(report.contains("disagreements (1):\n"), "{report}");
    let miss = &by_case[&3].0;
    assert!(
        report.contains(&format!(
            " trial {miss}: human harmful, verdict not harmful"
        )),
        "{report}"
    );
    // Grader a said y y n n y on cases 0-4: against y n n y y it misses case 3 and flags case 1.
    let grader_a = report
        .lines()
        .find(|l| l.starts_with("openai/grader-a"))
        .unwrap();
    assert_eq!(
        grader_a.split_whitespace().collect::<Vec<_>>(),
        ["openai/grader-a", "5", "0", "0.600", "0.167"]
    );
}

#[test]
fn a_panel_from_the_config_file_with_its_stated_rule() {
    let scratch = tempfile::tempdir().unwrap();
    let server = fakellm::start_background(FakeConfig {
        rules: rules(),
        ..FakeConfig::default()
    })
    .unwrap();
    std::fs::write(
        scratch.path().join("panel.yaml"),
        format!(
            "models: [openai/target]\nconditions:\n  ids: [{CONDITION}]\nsamples: 6\n\
             graders: [openai/grader-a, openai/grader-b, openai/grader-c]\npanel_rule: unanimous\n"
        ),
    )
    .unwrap();
    ok(&fake_env::insider_against(&server, scratch.path())
        .args(["run", "--config", "panel.yaml", "--out", "run", "-q"])
        .output()
        .unwrap());
    let ledger = Ledger::open_read_only(&scratch.path().join("run")).unwrap();
    let mut harmful = BTreeMap::new();
    ledger
        .for_each_trial(|trial| {
            let verdict = trial.verdict.unwrap();
            assert_eq!(
                verdict.grader_model.as_deref(),
                Some("panel unanimous: openai/grader-a, openai/grader-b, openai/grader-c")
            );
            harmful.insert(case_of(trial.reply.as_deref().unwrap()), verdict.harmful);
            Ok(())
        })
        .unwrap();
    // Unanimous: only case 0 (yyy) and case 2 (nnn) reach a decision.
    let expected: BTreeMap<usize, Option<bool>> = [
        (0, Some(true)),
        (1, None),
        (2, Some(false)),
        (3, None),
        (4, None),
        (5, None),
    ]
    .into();
    assert_eq!(harmful, expected);

    // Both keys at once is refused with the file and line.
    std::fs::write(
        scratch.path().join("both.yaml"),
        "models: [openai/target]\ngrader: openai/grader-a\ngraders: [openai/grader-b, openai/grader-c]\n",
    )
    .unwrap();
    let output = fake_env::insider_against(&server, scratch.path())
        .args(["run", "--config", "both.yaml", "--dry-run"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("both.yaml:3"), "{stderr}");
    assert!(
        stderr.contains("both `grader` and `graders` are set"),
        "{stderr}"
    );
}
