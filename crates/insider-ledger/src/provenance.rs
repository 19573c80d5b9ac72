//! Where a run came from: tool version, git revision of the build, host.

/// Version of insider that wrote a ledger.
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Git revision of the build (12 hex digits), if it was built from a git checkout.
pub fn git_revision() -> Option<&'static str> {
    option_env!("INSIDER_GIT_REVISION")
}

/// This machine's host name, if it can be read.
pub fn host_name() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|name| name.trim().to_string())
        .filter(|name| !name.is_empty())
}
