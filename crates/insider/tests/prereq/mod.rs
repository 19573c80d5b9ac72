//! The one way a CLI test says that something it needs is missing (a Python venv, a browser,
//! a model file): it is skipped with the reason, or, under `INSIDER_REQUIRE_ALL=1` (what CI
//! sets once its setup installed everything), it fails, so nothing is skipped silently there.

#![allow(dead_code)] // each test file uses the part it needs

use std::path::Path;

/// Skip the calling test with `why`, or fail it under `INSIDER_REQUIRE_ALL=1`.
pub fn missing(why: &str) {
    if std::env::var("INSIDER_REQUIRE_ALL").as_deref() == Ok("1") {
        panic!("prerequisite missing (INSIDER_REQUIRE_ALL=1): {why}");
    }
    eprintln!("skipped: {why}");
}

/// Whether `path` exists; if not, [`missing`] with `why` and how to get it (`setup`).
pub fn have(path: &Path, setup: &str) -> bool {
    if path.exists() {
        return true;
    }
    missing(&format!("{} not found ({setup})", path.display()));
    false
}
