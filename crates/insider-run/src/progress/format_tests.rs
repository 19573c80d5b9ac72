use super::*;

fn stats(model: &str, total: u64, done: u64) -> ProgressStats {
    ProgressStats {
        model: model.into(),
        total,
        done,
        ..ProgressStats::default()
    }
}

/// The column where `needle` starts in `line`, counted in characters.
fn column(line: &str, needle: &str) -> usize {
    let byte = line
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} in {line}"));
    line[..byte].chars().count()
}

#[test]
fn rows_align_bars_and_labels_across_models() {
    let mut long = stats("anthropic/claude-opus-4-20250514", 900, 450);
    long.failed = 12;
    long.errors = 1_234;
    long.input_tokens = 1_234_567;
    long.output_tokens = 98_765;
    long.cost_usd = 12.5;
    long.rate_per_sec = Some(2.5);
    long.eta = Some(Duration::from_secs(3 * 60 + 7));
    let short = stats("openai/gpt-4.1", 9, 3);
    let rows = format_rows(&[long, short]);
    assert_eq!(rows.len(), 2);
    for needle in ["[", "]", "eta", "in/out tokens", "failed", "errors"] {
        assert_eq!(
            column(&rows[0], needle),
            column(&rows[1], needle),
            "`{needle}` is not aligned:\n{}\n{}",
            rows[0],
            rows[1]
        );
    }
    // Values end in the same column: right-aligned under their label.
    assert_eq!(rows[0].chars().count(), rows[1].chars().count(), "{rows:?}");
    assert!(rows[0].contains("462/900"), "{}", rows[0]);
    assert!(rows[0].contains("in/out tokens 1.23M/98.8k"), "{}", rows[0]);
    assert!(rows[0].contains("failed 12"), "{}", rows[0]);
    assert!(rows[0].contains("errors 1234"), "{}", rows[0]);
    assert!(rows[0].contains("eta 3m07s"), "{}", rows[0]);
    assert!(rows[0].contains("$12.5000"), "{}", rows[0]);
    assert!(rows[1].starts_with("openai/gpt-4.1: "), "{}", rows[1]);
    assert!(rows[1].contains("eta     -"), "{}", rows[1]);
}

#[test]
fn bars_fill_in_proportion() {
    assert_eq!(bar(0, 10), format!("[{}]", " ".repeat(BAR_WIDTH)));
    assert_eq!(bar(10, 10), format!("[{}]", "=".repeat(BAR_WIDTH)));
    let half = bar(5, 10);
    assert_eq!(half.chars().count(), BAR_WIDTH + 2);
    assert_eq!(half.matches('=').count(), BAR_WIDTH / 2, "{half}");
    assert!(half.contains("=>"), "{half}");
    assert_eq!(bar(3, 0), bar(1, 1), "nothing to do is a full bar");
}

#[test]
fn harmful_and_graded_appear_once_verdicts_exist() {
    let before = format_rows(&[stats("m", 10, 2)]);
    assert!(!before[0].contains("harmful"), "{}", before[0]);
    assert!(!before[0].contains("graded"), "{}", before[0]);

    let mut a = stats("a/model", 10, 4);
    a.classified = 4;
    a.harmful = 3;
    a.graded = 2;
    let b = stats("b/m", 10, 0);
    let rows = format_rows(&[a, b]);
    assert!(rows[0].contains("harmful 3/4"), "{}", rows[0]);
    assert!(rows[0].contains("graded 2"), "{}", rows[0]);
    assert!(
        !rows[1].contains("harmful") && !rows[1].contains("graded"),
        "no verdict yet: the cell stays blank: {}",
        rows[1]
    );
    assert_eq!(column(&rows[0], "errors"), column(&rows[1], "errors"));
}

#[test]
fn compact_numbers_and_durations() {
    assert_eq!(compact(950), "950");
    assert_eq!(compact(12_345), "12.3k");
    assert_eq!(compact(4_560_000), "4.56M");
    assert_eq!(format_duration(Duration::from_secs(12)), "12s");
    assert_eq!(format_duration(Duration::from_secs(187)), "3m07s");
    assert_eq!(format_duration(Duration::from_secs(3_900)), "1h05m");
}

/// Feed `smoother` one finish every `every` seconds from `*now`, `count` times; the last ETA.
fn steady(
    smoother: &mut EtaSmoother,
    now: &mut f64,
    finished: &mut u64,
    count: u64,
    every: f64,
) -> Duration {
    let mut eta = None;
    for _ in 0..count {
        *now += every;
        *finished += 1;
        eta = smoother.update(*finished, 200, *now).1;
    }
    eta.unwrap()
}

#[test]
fn one_slow_call_does_not_make_the_eta_jump() {
    let mut smoother = EtaSmoother::new();
    let (mut now, mut finished) = (0.0, 0);
    let before = steady(&mut smoother, &mut now, &mut finished, 50, 1.0);
    // 150 left at 1 s each.
    assert!((before.as_secs_f64() - 150.0).abs() < 1.0, "{before:?}");
    // One call takes 60 s instead of 1 s.
    now += 60.0;
    finished += 1;
    let after = smoother.update(finished, 200, now).1.unwrap();
    let change = after.as_secs_f64() / before.as_secs_f64();
    assert!(
        (0.9..1.2).contains(&change),
        "one slow call moved the ETA from {before:?} to {after:?}"
    );
    // Back to 1 s per trial: it settles back.
    let settled = steady(&mut smoother, &mut now, &mut finished, 60, 1.0);
    assert!((settled.as_secs_f64() - 89.0).abs() < 6.0, "{settled:?}");
}

#[test]
fn the_eta_follows_a_real_slowdown_and_counts_down_between_finishes() {
    let mut smoother = EtaSmoother::new();
    let (mut now, mut finished) = (0.0, 0);
    steady(&mut smoother, &mut now, &mut finished, 20, 1.0);
    // The model slows to 10 s per trial for good.
    let slow = steady(&mut smoother, &mut now, &mut finished, 80, 10.0);
    let left = (200 - finished) as f64;
    assert!(
        (slow.as_secs_f64() / (left * 10.0) - 1.0).abs() < 0.15,
        "{slow:?} for {left} trials at 10 s"
    );
    // No finish for 4 s: it counts down by those 4 s, not more than one trial's time.
    let (_, later) = smoother.update(finished, 200, now + 4.0);
    let later = later.unwrap();
    assert!(
        (slow.as_secs_f64() - later.as_secs_f64() - 4.0).abs() < 0.5,
        "{slow:?} → {later:?}"
    );
    let (_, stalled) = smoother.update(finished, 200, now + 1_000.0);
    assert!(
        stalled.unwrap() >= slow - Duration::from_secs(11),
        "{stalled:?}"
    );
}

#[test]
fn no_rate_before_the_first_finish_and_no_eta_after_the_last() {
    let mut smoother = EtaSmoother::new();
    assert_eq!(smoother.update(0, 10, 5.0), (None, None));
    let (rate, eta) = smoother.update(10, 10, 20.0);
    assert_eq!(eta, None);
    assert!((rate.unwrap() - 0.5).abs() < 1e-9, "{rate:?}");
}
