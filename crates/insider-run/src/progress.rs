//! Progress of a run: counters per model, shown as bars on a terminal and as plain periodic
//! lines elsewhere. The rows themselves are [`format::format_rows`] of a plain
//! [`ProgressStats`] snapshot, so their layout is tested without a terminal.

pub mod format;

pub use format::{format_duration, EtaSmoother, ProgressStats};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Live counters of one model in a run (updated by workers, read by the display).
#[derive(Debug, Default)]
pub struct ModelProgress {
    /// Model name.
    pub model: String,
    /// Trials to do in this invocation.
    pub total: AtomicU64,
    /// Trials finished with a reply.
    pub done: AtomicU64,
    /// Trials that failed for good.
    pub failed: AtomicU64,
    /// Failed attempts that were retried (or gave up).
    pub errors: AtomicU64,
    /// Input tokens so far.
    pub input_tokens: AtomicU64,
    /// Output tokens so far.
    pub output_tokens: AtomicU64,
    /// Cost so far, in micro-dollars.
    pub cost_micro_usd: AtomicU64,
    /// Replies classified so far.
    pub classified: AtomicU64,
    /// Verdicts that found the harmful action.
    pub harmful: AtomicU64,
    /// Verdicts the grader was asked for.
    pub graded: AtomicU64,
}

impl ModelProgress {
    /// Counters for `model` with `total` trials to do.
    pub fn new(model: &str, total: u64) -> ModelProgress {
        ModelProgress {
            model: model.to_string(),
            total: AtomicU64::new(total),
            ..ModelProgress::default()
        }
    }

    /// Count one reply's tokens and cost (a trial's call, a session's turn, a batch item).
    pub fn count_usage(&self, response: &insider_model::ChatResponse) {
        self.input_tokens
            .fetch_add(response.usage.input_tokens, Ordering::Relaxed);
        self.output_tokens
            .fetch_add(response.usage.output_tokens, Ordering::Relaxed);
        if let Some(cost) = response.cost_usd {
            self.cost_micro_usd
                .fetch_add((cost * 1e6).round() as u64, Ordering::Relaxed);
        }
    }

    /// Count one verdict: classified, harmful when it found the action, graded when the
    /// grader was asked.
    pub fn count_verdict(&self, verdict: &insider_judge::Verdict) {
        self.classified.fetch_add(1, Ordering::Relaxed);
        if verdict.harmful == Some(true) {
            self.harmful.fetch_add(1, Ordering::Relaxed);
        }
        if verdict.grader_attempts > 0 || verdict.grader_answer.is_some() {
            self.graded.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The counters now, with the rate and ETA `smoother` makes of them at `now` (seconds
    /// since the display started).
    pub fn snapshot(&self, smoother: &mut EtaSmoother, now: f64) -> ProgressStats {
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        let mut stats = ProgressStats {
            model: self.model.clone(),
            total: load(&self.total),
            done: load(&self.done),
            failed: load(&self.failed),
            errors: load(&self.errors),
            input_tokens: load(&self.input_tokens),
            output_tokens: load(&self.output_tokens),
            cost_usd: load(&self.cost_micro_usd) as f64 / 1e6,
            classified: load(&self.classified),
            harmful: load(&self.harmful),
            graded: load(&self.graded),
            rate_per_sec: None,
            eta: None,
        };
        (stats.rate_per_sec, stats.eta) = smoother.update(stats.finished(), stats.total, now);
        stats
    }
}

/// Snapshots of every model, each through its own smoother.
struct Snapshots {
    models: Vec<Arc<ModelProgress>>,
    smoothers: Vec<EtaSmoother>,
    started: Instant,
}

impl Snapshots {
    fn new(models: Vec<Arc<ModelProgress>>) -> Snapshots {
        let smoothers = models.iter().map(|_| EtaSmoother::new()).collect();
        Snapshots {
            models,
            smoothers,
            started: Instant::now(),
        }
    }

    /// What has finished per model (not the clock): a line is worth printing when it changes.
    fn counts(&self) -> Vec<[u64; 4]> {
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        self.models
            .iter()
            .map(|m| {
                let counters = [&m.done, &m.failed, &m.errors, &m.classified];
                counters.map(load)
            })
            .collect()
    }

    fn rows(&mut self) -> Vec<String> {
        let now = self.started.elapsed().as_secs_f64();
        let stats: Vec<ProgressStats> = self
            .models
            .iter()
            .zip(&mut self.smoothers)
            .map(|(model, smoother)| model.snapshot(smoother, now))
            .collect();
        format::format_rows(&stats)
    }
}

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressMode {
    /// Bars when stderr is a terminal, plain lines otherwise.
    Auto,
    /// Plain lines every `interval`.
    Plain,
    /// Nothing.
    Quiet,
}

/// A running progress display; stop it with [`Display::finish`].
pub struct Display {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Display {
    /// Start showing `models` on stderr.
    pub fn start(
        models: Vec<Arc<ModelProgress>>,
        mode: ProgressMode,
        interval: Duration,
    ) -> Display {
        let stop = Arc::new(AtomicBool::new(false));
        let terminal = std::io::stderr().is_terminal();
        let thread = match mode {
            ProgressMode::Quiet => None,
            ProgressMode::Auto if terminal => Some(spawn_bars(models, stop.clone())),
            _ => Some(spawn_lines(models, stop.clone(), interval)),
        };
        Display { stop, thread }
    }

    /// Stop the display (drawing a last state).
    pub fn finish(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn spawn_bars(
    models: Vec<Arc<ModelProgress>>,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr_with_hz(8));
        let style =
            ProgressStyle::with_template("{msg}").unwrap_or_else(|_| ProgressStyle::default_bar());
        let bars: Vec<ProgressBar> = models
            .iter()
            .map(|_| {
                let bar = multi.add(ProgressBar::new(1));
                bar.set_style(style.clone());
                bar
            })
            .collect();
        let mut snapshots = Snapshots::new(models);
        loop {
            let stopping = stop.load(Ordering::Relaxed);
            for (bar, row) in bars.iter().zip(snapshots.rows()) {
                bar.set_message(row);
            }
            if stopping {
                for bar in &bars {
                    bar.abandon();
                }
                break;
            }
            std::thread::sleep(Duration::from_millis(125));
        }
    })
}

fn spawn_lines(
    models: Vec<Arc<ModelProgress>>,
    stop: Arc<AtomicBool>,
    interval: Duration,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut snapshots = Snapshots::new(models);
        let mut last = Instant::now();
        let mut printed = None;
        while !stop.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(100));
            // The smoothers see every finish as it comes, lines are printed every `interval`.
            let rows = snapshots.rows();
            let counts = snapshots.counts();
            if line_due(printed.as_ref() != Some(&counts), last.elapsed(), interval) {
                last = Instant::now();
                printed = Some(counts);
                for row in rows {
                    eprintln!("progress {row}");
                }
            }
        }
        // The last state, so the final lines show what the run ended with.
        for row in snapshots.rows() {
            eprintln!("progress {row}");
        }
    })
}

/// Whether a plain progress line is due, `since` the last one: every `interval` while trials
/// finish, and only every [`QUIET_LINES`] intervals (at least a minute) while nothing does, so
/// a log of a slow local model is not a page of identical lines.
fn line_due(changed: bool, since: Duration, interval: Duration) -> bool {
    let quiet = (interval * QUIET_LINES).max(Duration::from_secs(60));
    since >= interval && (changed || since >= quiet)
}

/// Intervals between plain progress lines while no trial finishes.
const QUIET_LINES: u32 = 6;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_due_on_change_and_rarely_while_nothing_finishes() {
        let interval = Duration::from_secs(10);
        let at = Duration::from_secs;
        assert!(
            !line_due(true, at(5), interval),
            "never before the interval"
        );
        assert!(line_due(true, at(10), interval));
        assert!(!line_due(false, at(10), interval), "nothing new: no line");
        assert!(!line_due(false, at(59), interval));
        assert!(
            line_due(false, at(60), interval),
            "a heartbeat at 6 intervals"
        );
        // Short intervals (tests use 0.1 s) still wait a minute for a heartbeat.
        let short = Duration::from_millis(100);
        assert!(line_due(true, Duration::from_millis(100), short));
        assert!(!line_due(false, at(30), short));
        assert!(line_due(false, at(60), short));
    }
}
