//! The `insider` binary pointed at a fakellm server (OpenAI protocol), for the CLI tests: the
//! base URL and a test key for OpenAI, and no other provider's key from the environment.

use std::path::Path;
use std::process::Command;

/// `insider` run in `dir`, talking to `server` for every `openai/…` model.
pub fn insider_against(server: &fakellm::FakeServer, dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_insider"));
    command
        .current_dir(dir)
        .env("OPENAI_BASE_URL", format!("{}/v1", server.base_url()))
        .env("OPENAI_API_KEY", "sk-test-insider-cli")
        .env_remove("ANTHROPIC_API_KEY")
        .env_remove("GOOGLE_API_KEY")
        .env_remove("GEMINI_API_KEY");
    command
}
