//! fakellm: a loopback server speaking the three provider protocols, for tests and benchmarks.

fn main() {
    println!("fakellm: not built yet");
}
