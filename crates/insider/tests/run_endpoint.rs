//! The ledger records the base URL each model was actually called at (issue 20, item 3): from
//! `OPENAI_BASE_URL` here, pointing at a local fakellm, so the report names the fake's host and
//! never the real API's; credentials in the URL are not recorded.

mod fake_env;

use fakellm::{FakeConfig, Reply, Rule};
use insider_ledger::Ledger;

fn server() -> fakellm::FakeServer {
    fakellm::start_background(FakeConfig {
        rules: vec![Rule::always(Reply::text("I will send nothing."))],
        ..FakeConfig::default()
    })
    .unwrap()
}

fn run(server: &fakellm::FakeServer, base_url: &str, dir: &std::path::Path) {
    let output = fake_env::insider_against(server, dir)
        .env("OPENAI_BASE_URL", base_url)
        .args([
            "run",
            "--model",
            "openai/gpt-4.1",
            "--samples",
            "1",
            "--quiet",
        ])
        .args(["--condition", "blackmail_explicit-america_replacement"])
        .args(["--out", "run"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn the_report_names_the_local_fake_it_was_run_against() {
    let server = server();
    let dir = tempfile::tempdir().unwrap();
    let base = format!("{}/v1", server.base_url());
    run(&server, &base, dir.path());
    let params = Ledger::open_read_only(&dir.path().join("run"))
        .unwrap()
        .model_params()
        .unwrap();
    assert_eq!(params["openai/gpt-4.1"]["resolved_base_url"], base.as_str());

    let output = fake_env::insider_against(&server, dir.path())
        .args(["report", "run", "--format", "json"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let model = &report["provenance"]["models"][0];
    let host = base
        .trim_start_matches("http://")
        .trim_end_matches("/v1")
        .to_string();
    assert_eq!(model["endpoint_host"], host.as_str(), "{model}");
    assert_eq!(
        model["endpoint_note"],
        "resolved base URL recorded by the run"
    );
    let text = fake_env::insider_against(&server, dir.path())
        .args(["report", "run"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains(&format!("endpoint {host} (")), "{text}");
    assert!(!text.contains("api.openai.com"), "{text}");
}

#[test]
fn credentials_in_the_base_url_are_not_recorded() {
    let server = server();
    let dir = tempfile::tempdir().unwrap();
    let authority = server.base_url().trim_start_matches("http://").to_string();
    run(
        &server,
        &format!("http://proxyuser:s3cr3t-pw@{authority}/v1"),
        dir.path(),
    );
    // The ledger and any WAL or shared-memory file beside it.
    let mut ledger = Vec::new();
    for entry in std::fs::read_dir(dir.path().join("run")).unwrap() {
        let path = entry.unwrap().path();
        if path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("ledger.sqlite")
        {
            ledger.extend(std::fs::read(&path).unwrap());
        }
    }
    let params = Ledger::open_read_only(&dir.path().join("run"))
        .unwrap()
        .model_params()
        .unwrap();
    assert_eq!(
        params["openai/gpt-4.1"]["resolved_base_url"],
        format!("http://{authority}/v1").as_str()
    );
    let needle = b"s3cr3t-pw";
    assert!(
        !ledger.windows(needle.len()).any(|w| w == needle),
        "the password is nowhere in the ledger file"
    );
}
