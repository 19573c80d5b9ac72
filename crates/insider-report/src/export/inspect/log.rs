//! One model's log while its samples stream: the file under a temporary name, the zip or JSON
//! writer, thin summaries and counters; finished (summaries, reductions, header) and renamed,
//! or aborted without a trace.

use super::conventions::{clean_filename_component, InspectFormat};
use super::sample;
use super::scores::{reductions, results, Counts};
use crate::source::PromptText;
use anyhow::Context;
use insider_ledger::TrialRecord;
use serde_json::{json, Value};
use std::io::Write;
use std::path::{Path, PathBuf};

const PLAN: &str =
    r#"{"name": "plan", "steps": [{"solver": "generate", "params": {}}], "config": {}}"#;

/// The file under a `.eval` zip. After a failed write, or once aborted, it swallows writes:
/// a dropped, unfinished `ZipWriter` finalises itself and prints a debug dump to stderr when
/// that fails, and a failed export must do neither (its partial file is removed instead).
struct ZipFile {
    file: std::fs::File,
    aborted: std::rc::Rc<std::cell::Cell<bool>>,
}

impl Write for ZipFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.aborted.get() {
            return Ok(buf.len());
        }
        self.file.write(buf).inspect_err(|_| self.aborted.set(true))
    }
    fn flush(&mut self) -> std::io::Result<()> {
        if self.aborted.get() {
            return Ok(());
        }
        self.file.flush().inspect_err(|_| self.aborted.set(true))
    }
}

impl std::io::Seek for ZipFile {
    fn seek(&mut self, position: std::io::SeekFrom) -> std::io::Result<u64> {
        self.file.seek(position)
    }
}

/// Where one log's bytes go while its samples stream.
enum Sink {
    Eval(
        Box<zip::ZipWriter<ZipFile>>,
        std::rc::Rc<std::cell::Cell<bool>>,
    ),
    Json(std::io::BufWriter<std::fs::File>),
}

/// One model's log being written.
pub(super) struct ModelLog {
    pub(super) model: String,
    path: PathBuf,
    pub(super) partial: PathBuf,
    sink: Sink,
    eval: Value,
    config: Value,
    summaries: Vec<Value>,
    counts: Counts,
}

fn partial_of(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    path.with_file_name(name)
}

fn zip_member(zip: &mut zip::ZipWriter<ZipFile>, name: &str, value: &Value) -> anyhow::Result<()> {
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(false);
    zip.start_file(name, options)?;
    serde_json::to_writer(&mut *zip, value)?;
    Ok(())
}

impl ModelLog {
    pub(super) fn start(
        out_dir: &Path,
        format: InspectFormat,
        model: &str,
        eval: Value,
        config: Value,
    ) -> anyhow::Result<ModelLog> {
        let stem = format!(
            "{}_{}_{}",
            clean_filename_component(eval["created"].as_str().unwrap_or_default()),
            clean_filename_component(eval["task"].as_str().unwrap_or_default()),
            eval["task_id"].as_str().unwrap_or_default()
        );
        let extension = if format == InspectFormat::Eval {
            "eval"
        } else {
            "json"
        };
        let path = out_dir.join(format!("{stem}.{extension}"));
        let partial = partial_of(&path);
        let file = std::fs::File::create(&partial)
            .with_context(|| format!("writing {}", partial.display()))?;
        let plan: Value = serde_json::from_str(PLAN).expect("plan JSON");
        let sink = match format {
            InspectFormat::Eval => {
                let aborted = std::rc::Rc::new(std::cell::Cell::new(false));
                let mut zip = zip::ZipWriter::new(ZipFile {
                    file,
                    aborted: aborted.clone(),
                });
                let started = zip_member(
                    &mut zip,
                    "_journal/start.json",
                    &json!({"version": 2, "eval": eval, "plan": plan}),
                );
                if let Err(error) = started {
                    aborted.set(true);
                    drop(zip);
                    let _ = std::fs::remove_file(&partial);
                    return Err(error.context(format!("writing {}", partial.display())));
                }
                Sink::Eval(Box::new(zip), aborted)
            }
            InspectFormat::Json => {
                let mut writer = std::io::BufWriter::new(file);
                write!(writer, "{{\"version\":2,\"status\":\"success\",\"eval\":")?;
                serde_json::to_writer(&mut writer, &eval)?;
                write!(writer, ",\"plan\":{PLAN},\"samples\":[")?;
                Sink::Json(writer)
            }
        };
        Ok(ModelLog {
            model: model.to_string(),
            path,
            partial,
            sink,
            eval,
            config,
            summaries: Vec::new(),
            counts: Counts::default(),
        })
    }

    pub(super) fn add(
        &mut self,
        record: &TrialRecord,
        prompt: Option<&PromptText>,
        raw: Option<&crate::source::RawBodies>,
        fallback: &str,
        (turns, turn_raw): (
            &[insider_ledger::TurnRecord],
            &[(u32, crate::source::RawBodies)],
        ),
    ) -> anyhow::Result<()> {
        let (mut full, mut summary) = sample::sample(record, prompt, raw, &self.config, fallback);
        if !turns.is_empty() {
            let raw_of = |turn: u32| {
                turn_raw
                    .iter()
                    .find(|(number, _)| *number == turn)
                    .map(|(_, bodies)| bodies.clone())
            };
            let config = self.config.clone();
            super::agent::apply(
                &mut full,
                &mut summary,
                record,
                prompt,
                turns,
                &raw_of,
                &config,
            );
        }
        self.counts.add(record, &full);
        match &mut self.sink {
            Sink::Eval(zip, _) => {
                let name = format!(
                    "samples/{}_epoch_{}.json",
                    record.condition,
                    record.sample_index + 1
                );
                zip_member(zip, &name, &full)?;
            }
            Sink::Json(writer) => {
                if self.counts.samples > 1 {
                    writer.write_all(b",")?;
                }
                serde_json::to_writer(&mut *writer, &full)?;
            }
        }
        self.summaries.push(summary);
        Ok(())
    }

    /// Drop the log without finishing it (its partial file is removed by the caller).
    pub(super) fn abort(self) {
        if let Sink::Eval(_, aborted) = &self.sink {
            aborted.set(true);
        }
    }

    pub(super) fn finish(self) -> anyhow::Result<PathBuf> {
        let ModelLog {
            path,
            partial,
            sink,
            eval,
            summaries,
            counts,
            ..
        } = self;
        let plan: Value = serde_json::from_str(PLAN).expect("plan JSON");
        let created = eval["created"].clone();
        let stats = json!({
            "started_at": counts.started.clone().map(Value::from).unwrap_or(created.clone()),
            "completed_at": counts.completed.clone().map(Value::from).unwrap_or(created),
            "model_usage": counts.usage,
            "role_usage": {},
        });
        let header = json!({
            "version": 2, "status": "success", "eval": eval, "plan": plan,
            "results": results(&counts), "stats": stats, "invalidated": false, "tags": [], "metadata": {},
        });
        let written = (|| -> anyhow::Result<()> {
            match sink {
                Sink::Eval(mut zip, aborted) => {
                    let members = (|| -> anyhow::Result<()> {
                        zip_member(&mut zip, "summaries.json", &json!(summaries))?;
                        zip_member(&mut zip, "reductions.json", &reductions(&counts))?;
                        zip_member(&mut zip, "header.json", &header)
                    })();
                    if members.is_err() {
                        aborted.set(true);
                    }
                    members?;
                    zip.finish()?.file.sync_all()?;
                }
                Sink::Json(mut writer) => {
                    // The samples array is open; close it and add what comes after.
                    write!(writer, "],\"reductions\":")?;
                    serde_json::to_writer(&mut writer, &reductions(&counts))?;
                    for key in ["results", "stats", "invalidated", "tags", "metadata"] {
                        write!(writer, ",\"{key}\":")?;
                        serde_json::to_writer(&mut writer, &header[key])?;
                    }
                    writer.write_all(b"}")?;
                    writer.flush()?;
                }
            }
            Ok(())
        })();
        if let Err(error) = written {
            let _ = std::fs::remove_file(&partial);
            return Err(error.context(format!("writing {}", partial.display())));
        }
        std::fs::rename(&partial, &path)
            .with_context(|| format!("renaming {} to {}", partial.display(), path.display()))?;
        Ok(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_zip_file_that_failed_once_swallows_the_rest() {
        // /dev/full fails every write with ENOSPC, like a full disk.
        let Ok(file) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
            return eprintln!("skipped: no /dev/full");
        };
        let aborted = std::rc::Rc::new(std::cell::Cell::new(false));
        let mut sink = ZipFile {
            file,
            aborted: aborted.clone(),
        };
        assert!(sink.write_all(&[0u8; 64 * 1024]).is_err());
        assert!(aborted.get());
        // What a dropped ZipWriter would write while finalising now succeeds silently.
        assert!(sink.write_all(b"central directory").is_ok());
        assert!(sink.flush().is_ok());
    }
}
