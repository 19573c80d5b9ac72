//! The environment variables and defaults that configure local engines. A leaf of its own so
//! that the engine can read them without depending on the provider that starts it.

/// Environment variable: number of CPU threads for llama.cpp (default: all available cores).
pub const THREADS_ENV: &str = "INSIDER_LOCAL_THREADS";
/// Environment variable: context size in tokens (default: 8192, capped at the model's training context).
pub const CONTEXT_ENV: &str = "INSIDER_LOCAL_CTX";
/// Environment variable: set to 1 to let llama.cpp print its own logs to stderr.
pub const LOG_ENV: &str = "INSIDER_LLAMA_LOG";

/// Default context window: room for a ~4k-token scenario prompt plus a long reply.
pub const DEFAULT_CONTEXT: u32 = 8192;
