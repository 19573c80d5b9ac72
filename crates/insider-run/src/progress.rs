//! Progress of a run: counters per model, shown as bars on a terminal and as plain periodic
//! lines elsewhere.

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

    fn line(&self, elapsed: Duration) -> String {
        let done = self.done.load(Ordering::Relaxed);
        let failed = self.failed.load(Ordering::Relaxed);
        let total = self.total.load(Ordering::Relaxed);
        let finished = done + failed;
        let rate = finished as f64 / elapsed.as_secs_f64().max(0.001);
        let eta = if rate > 0.0 && total > finished {
            format_duration(Duration::from_secs_f64((total - finished) as f64 / rate))
        } else {
            "-".to_string()
        };
        format!(
            "{}: {finished}/{total} ({failed} failed) {rate:.1}/s eta {eta} | tokens {} in / {} out | ${:.4} | {} errors",
            self.model,
            self.input_tokens.load(Ordering::Relaxed),
            self.output_tokens.load(Ordering::Relaxed),
            self.cost_micro_usd.load(Ordering::Relaxed) as f64 / 1e6,
            self.errors.load(Ordering::Relaxed),
        )
    }
}

/// `1h05m`, `3m07s` or `12s`.
pub fn format_duration(duration: Duration) -> String {
    let secs = duration.as_secs();
    if secs >= 3600 {
        format!("{}h{:02}m", secs / 3600, (secs % 3600) / 60)
    } else if secs >= 60 {
        format!("{}m{:02}s", secs / 60, secs % 60)
    } else {
        format!("{secs}s")
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
        let style = ProgressStyle::with_template(
            "{prefix:>24.bold} [{bar:30.cyan/blue}] {pos}/{len} {per_sec} eta {eta} {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        let bars: Vec<ProgressBar> = models
            .iter()
            .map(|model| {
                let bar = multi.add(ProgressBar::new(model.total.load(Ordering::Relaxed)));
                bar.set_style(style.clone());
                bar.set_prefix(model.model.clone());
                bar
            })
            .collect();
        loop {
            let stopping = stop.load(Ordering::Relaxed);
            for (bar, model) in bars.iter().zip(&models) {
                let done = model.done.load(Ordering::Relaxed);
                let failed = model.failed.load(Ordering::Relaxed);
                bar.set_length(model.total.load(Ordering::Relaxed));
                bar.set_position(done + failed);
                bar.set_message(format!(
                    "tok {}/{} ${:.4} fail {} err {}",
                    model.input_tokens.load(Ordering::Relaxed),
                    model.output_tokens.load(Ordering::Relaxed),
                    model.cost_micro_usd.load(Ordering::Relaxed) as f64 / 1e6,
                    failed,
                    model.errors.load(Ordering::Relaxed)
                ));
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
        let started = Instant::now();
        let mut last = Instant::now();
        while !stop.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(100));
            if last.elapsed() >= interval {
                last = Instant::now();
                for model in &models {
                    eprintln!("progress {}", model.line(started.elapsed()));
                }
            }
        }
    })
}
