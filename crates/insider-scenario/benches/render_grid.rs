//! Benchmark: render the whole base grid (234 conditions) of every built-in pack.
//! Run: `cargo bench -p insider-scenario --bench render_grid`

use insider_scenario::Pack;
use std::time::{Duration, Instant};

const ROUNDS: usize = 30;

fn main() {
    println!("| pack | conditions | load+validate (ms) | full grid min (ms) | full grid median (ms) | per condition (µs) |");
    println!("|---|---:|---:|---:|---:|---:|");
    let mut total_conditions = 0;
    let mut total_median = Duration::ZERO;
    for name in Pack::builtin_names() {
        let started = Instant::now();
        let pack = Pack::load_dir(format!(
            "{}/../../scenarios/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap_or_else(|e| panic!("{e}"));
        let load = started.elapsed();
        let conditions = pack.conditions();
        let mut rounds: Vec<Duration> = Vec::with_capacity(ROUNDS);
        let mut bytes = 0usize;
        for _ in 0..ROUNDS {
            let started = Instant::now();
            for condition in &conditions {
                let prompt = pack.render(condition).expect("renders");
                bytes += std::hint::black_box(prompt.user.len() + prompt.system.len());
            }
            rounds.push(started.elapsed());
        }
        rounds.sort();
        let min = rounds[0];
        let median = rounds[ROUNDS / 2];
        println!(
            "| {name} | {} | {:.2} | {:.2} | {:.2} | {:.1} |",
            conditions.len(),
            load.as_secs_f64() * 1e3,
            min.as_secs_f64() * 1e3,
            median.as_secs_f64() * 1e3,
            median.as_secs_f64() * 1e6 / conditions.len() as f64,
        );
        std::hint::black_box(bytes);
        total_conditions += conditions.len();
        total_median += median;
    }
    println!(
        "| **all packs** | {total_conditions} | | | {:.2} | |",
        total_median.as_secs_f64() * 1e3
    );
}
