//! The progress lines as a pure function of plain numbers: [`ProgressStats`] per model in,
//! aligned rows out, and the smoothed ETA ([`EtaSmoother`]) that feeds them.

use std::time::Duration;

/// One model's progress at one moment: what a row shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProgressStats {
    /// Model name.
    pub model: String,
    /// Trials to do in this invocation.
    pub total: u64,
    /// Trials finished with a reply.
    pub done: u64,
    /// Trials that failed for good.
    pub failed: u64,
    /// Failed attempts that were retried (or gave up).
    pub errors: u64,
    /// Input tokens so far.
    pub input_tokens: u64,
    /// Output tokens so far.
    pub output_tokens: u64,
    /// Cost so far in USD.
    pub cost_usd: f64,
    /// Replies with a verdict so far.
    pub classified: u64,
    /// Verdicts that found the harmful action.
    pub harmful: u64,
    /// Verdicts the grader was asked for.
    pub graded: u64,
    /// Trials finished per second (smoothed; `None` before the first).
    pub rate_per_sec: Option<f64>,
    /// Time left (smoothed; `None` when unknown or nothing is left).
    pub eta: Option<Duration>,
}

impl ProgressStats {
    /// Trials finished, with a reply or failed.
    pub fn finished(&self) -> u64 {
        self.done + self.failed
    }
}

/// Width of the bar between its brackets.
pub const BAR_WIDTH: usize = 24;

/// `[=========>      ]`: `finished` of `total`, [`BAR_WIDTH`] wide inside the brackets.
pub fn bar(finished: u64, total: u64) -> String {
    let filled = if total == 0 {
        BAR_WIDTH
    } else {
        ((finished.min(total) as f64 / total as f64) * BAR_WIDTH as f64).floor() as usize
    };
    let mut inner = "=".repeat(filled);
    if filled < BAR_WIDTH {
        inner.push(if filled > 0 { '>' } else { ' ' });
        inner.push_str(&" ".repeat(BAR_WIDTH - filled - 1));
    }
    format!("[{inner}]")
}

/// `950`, `12.3k`, `4.56M`: token counts short enough for a row.
pub fn compact(n: u64) -> String {
    match n {
        0..=9_999 => n.to_string(),
        10_000..=999_999 => format!("{:.1}k", n as f64 / 1e3),
        _ => format!("{:.2}M", n as f64 / 1e6),
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

/// One labelled field of a row: its label and value (an empty value leaves the cell blank).
type Cell = (&'static str, String);

fn cells(s: &ProgressStats, verdicts: bool, grading: bool) -> Vec<Cell> {
    let mut cells: Vec<Cell> = vec![
        ("", format!("{}/{}", s.finished(), s.total)),
        (
            "",
            s.rate_per_sec
                .map_or("-/s".into(), |rate| format!("{rate:.2}/s")),
        ),
        ("eta", s.eta.map_or("-".into(), format_duration)),
        (
            "in/out tokens",
            format!("{}/{}", compact(s.input_tokens), compact(s.output_tokens)),
        ),
        ("", format!("${:.4}", s.cost_usd)),
        ("failed", s.failed.to_string()),
        ("errors", s.errors.to_string()),
    ];
    if verdicts {
        let value = if s.classified > 0 {
            format!("{}/{}", s.harmful, s.classified)
        } else {
            String::new()
        };
        cells.push(("harmful", value));
    }
    if grading {
        let value = if s.graded > 0 || s.classified > 0 {
            s.graded.to_string()
        } else {
            String::new()
        };
        cells.push(("graded", value));
    }
    cells
}

/// The rows of `stats`, one per model, aligned: names padded to the longest, each field's
/// label in the same column on every row and its value right-aligned under it. `harmful`
/// (harmful/classified) appears once any model has a verdict, `graded` once the grader was
/// asked about any reply.
pub fn format_rows(stats: &[ProgressStats]) -> Vec<String> {
    let verdicts = stats.iter().any(|s| s.classified > 0);
    let grading = stats.iter().any(|s| s.graded > 0);
    let name_width = stats
        .iter()
        .map(|s| s.model.chars().count() + 1)
        .max()
        .unwrap_or(0);
    let rows: Vec<Vec<Cell>> = stats.iter().map(|s| cells(s, verdicts, grading)).collect();
    let columns = rows.first().map_or(0, Vec::len);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .map(|r| r[c].1.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    stats
        .iter()
        .zip(&rows)
        .map(|(s, row)| {
            let name = format!("{}:", s.model);
            let mut line = format!("{name:<name_width$} {}", bar(s.finished(), s.total));
            for ((label, value), width) in row.iter().zip(&widths) {
                line.push_str("  ");
                let label = match (label.is_empty(), value.is_empty()) {
                    (true, _) => String::new(),
                    (false, false) => format!("{label} "),
                    // A blank cell keeps its place for the columns after it.
                    (false, true) => " ".repeat(label.chars().count() + 1),
                };
                line.push_str(&label);
                line.push_str(&format!("{value:>width$}"));
            }
            line.trim_end().to_string()
        })
        .collect()
}

/// A steady rate and ETA from the finished count seen over time.
///
/// The estimate is the time one trial takes, averaged per finished trial with weight
/// [`EtaSmoother::WEIGHT`] (an exponential moving average), after a plain mean over the first
/// [`EtaSmoother::WARMUP`] trials. One sample may raise it at most [`EtaSmoother::MAX_STEP`]
/// times the current estimate, so one slow call moves the ETA by a few percent, while a model
/// that really slowed down is followed within a few dozen trials. Between finishes the ETA
/// counts down by at most one trial's time.
#[derive(Debug, Clone, Default)]
pub struct EtaSmoother {
    secs_per_trial: Option<f64>,
    finished: u64,
    last_finish: f64,
}

impl EtaSmoother {
    /// Weight of one finished trial in the moving average.
    pub const WEIGHT: f64 = 0.05;
    /// Trials averaged plainly before the moving average starts.
    pub const WARMUP: u64 = 10;
    /// The most one sample may count, in multiples of the current estimate.
    pub const MAX_STEP: f64 = 3.0;

    /// A smoother that starts counting at time 0 (seconds since the run started).
    pub fn new() -> EtaSmoother {
        EtaSmoother::default()
    }

    /// Take in `finished` trials seen at `now` (seconds since the start); returns the rate per
    /// second and the time left for `total`.
    pub fn update(
        &mut self,
        finished: u64,
        total: u64,
        now: f64,
    ) -> (Option<f64>, Option<Duration>) {
        if finished > self.finished {
            let new = finished - self.finished;
            let sample = (now - self.last_finish).max(0.0) / new as f64;
            self.secs_per_trial = Some(match self.secs_per_trial {
                _ if finished <= Self::WARMUP => now.max(0.0) / finished as f64,
                None => sample,
                Some(current) => {
                    let sample = sample.min(current * Self::MAX_STEP);
                    let keep = (1.0 - Self::WEIGHT).powi(new.min(i32::MAX as u64) as i32);
                    current * keep + sample * (1.0 - keep)
                }
            });
            self.finished = finished;
            self.last_finish = now;
        }
        let Some(per_trial) = self.secs_per_trial.filter(|s| *s > 0.0) else {
            return (None, None);
        };
        let left = total.saturating_sub(finished);
        if left == 0 {
            return (Some(1.0 / per_trial), None);
        }
        let since = (now - self.last_finish).clamp(0.0, per_trial);
        let secs = left as f64 * per_trial - since;
        (Some(1.0 / per_trial), Some(Duration::from_secs_f64(secs)))
    }
}

#[cfg(test)]
#[path = "format_tests.rs"]
mod tests;
