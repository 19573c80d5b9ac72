//! Provider benchmarks (written below).
fn main() {}
