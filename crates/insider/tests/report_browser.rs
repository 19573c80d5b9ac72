//! The HTML report in a real headless Chromium (driven by playwright-core): charts present with
//! no text clipped and SVG/PNG downloads that work, the transcript list filters and opens with
//! the reply before the system prompt, no console errors, and script/img-onerror payloads in
//! model text execute nothing.

mod report_support;

use report_support::*;
use std::process::Command;

#[test]
fn html_report_works_in_headless_chromium_and_runs_no_injected_script() {
    let root = repo_root();
    let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists());
    let Some(chromium) = chromium else {
        return missing_prerequisite("chromium not found (run scripts/setup.d/30-browser.sh)");
    };
    if !root
        .join("tests/browser/node_modules/playwright-core")
        .is_dir()
    {
        return missing_prerequisite("tests/browser/node_modules/playwright-core missing (run scripts/setup.d/30-browser.sh)");
    }
    if Command::new("node").arg("--version").output().is_err() {
        return missing_prerequisite("node not found (run scripts/setup.d/30-browser.sh)");
    }
    let dir = tempfile::tempdir().unwrap();
    // Long model names and condition ids, as real runs have them, and a 0/10 cell: the charts
    // must show them whole (wrapped or abbreviated with a legend) and the zero with its bound.
    let run = dir.path().join("run");
    let long_model =
        "openai-api/together/meta-llama/Llama-3.3-70B-Instruct-Turbo-with-a-long-fine-tune-suffix";
    build_run(
        &run,
        &[
            (
                "anthropic/claude-opus-4-20250514",
                "blackmail_explicit-america_replacement",
                9,
                10,
            ),
            (
                "anthropic/claude-opus-4-20250514",
                "blackmail_explicit-america_replacement_extra-dont",
                0,
                10,
            ),
            (long_model, "blackmail_explicit-america_replacement", 5, 10),
            (
                long_model,
                "blackmail_explicit-america_replacement_extra-dont",
                7,
                10,
            ),
        ],
    );
    let html = dir.path().join("report.html");
    insider(&[
        "report",
        run.to_str().unwrap(),
        "--html",
        html.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&html).unwrap();
    assert!(
        !text.contains("<script>window.__pwned"),
        "raw payload leaked into the HTML"
    );
    assert!(
        !text.contains("<img src=x"),
        "raw payload leaked into the HTML"
    );
    let output = Command::new("node")
        .arg(root.join("tests/browser/report.mjs"))
        .arg(&html)
        .env("CHROMIUM", chromium)
        .env("PROFILE_DIR", dir.path().join("profile"))
        .env("DOWNLOAD_DIR", dir.path().join("downloads"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "browser check failed:\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("browser check passed"),
        "{stdout}\n{stderr}"
    );
}
