//! Parquet export (cargo feature `parquet`): one row per trial, flat typed columns.
//!
//! The columns are those of the CSV export with proper types and nulls (see [`COLUMNS`] and
//! `docs/reports.md`), plus the native tool calls and parsed actions as JSON text. Trials are
//! streamed from [`TrialSource::for_each_trial`] into column buffers that are written out as a
//! row group every [`ROW_GROUP_ROWS`] trials (or sooner once the buffered text passes
//! [`ROW_GROUP_BYTES`]), so memory stays bounded however large the run. Pages are SNAPPY
//! compressed (the pure-Rust `snap` crate); the file is written beside `out` and renamed into
//! place once complete, so a failed export never leaves a truncated file under the final name.
//!
//! Without the feature, [`write_parquet`] is an error that says how to build with it.

use crate::source::TrialSource;
use std::path::Path;

/// Trials per row group.
pub const ROW_GROUP_ROWS: usize = 10_000;

/// Buffered text (replies, reasoning, JSON) after which a row group is written early.
pub const ROW_GROUP_BYTES: usize = 64 * 1024 * 1024;

/// Column names of the Parquet export, in file order: identity, the factors
/// ([`insider_scenario::FACTOR_NAMES`]), then trial, verdict and content columns.
pub static COLUMNS: std::sync::LazyLock<Vec<&'static str>> = std::sync::LazyLock::new(|| {
    [
        &["trial_id", "run_id", "model", "condition", "scenario"][..],
        insider_scenario::FACTOR_NAMES,
        &[
            "sample_index",
            "status",
            "verdict_label",
            "harmful",
            "verdict_mode",
            "gate_passed",
            "grader_answer",
            "grader_model",
            "classifier_version",
            "unscored_reason",
            "grader_reasoning",
            "failure_reason",
            "prompt_hash",
            "reply",
            "reasoning",
            "tool_calls",
            "actions",
            "input_tokens",
            "output_tokens",
            "cache_read_tokens",
            "cache_write_tokens",
            "reasoning_tokens",
            "cost_usd",
            "latency_ms",
            "attempts",
        ],
        super::trial_provenance::EXTRA_COLUMNS,
    ]
    .concat()
});

/// Write every trial of `source` to the Parquet file `out`; returns the number of rows.
#[cfg(feature = "parquet")]
pub fn write_parquet(source: &dyn TrialSource, out: &Path) -> anyhow::Result<u64> {
    writer::write(source, out)
}

/// Write every trial of `source` to the Parquet file `out`; returns the number of rows.
#[cfg(not(feature = "parquet"))]
pub fn write_parquet(_source: &dyn TrialSource, out: &Path) -> anyhow::Result<u64> {
    anyhow::bail!(
        "cannot write {}: Parquet export needs insider built with the `parquet` feature \
         (`cargo install --path crates/insider --features parquet`); meanwhile use \
         `--format csv` or `--format jsonl`",
        out.display()
    )
}

#[cfg(feature = "parquet")]
mod writer {
    use super::{COLUMNS, ROW_GROUP_BYTES, ROW_GROUP_ROWS};
    use crate::export::flat::CSV_FACTOR_COLUMNS;
    use crate::export::trial_provenance::TrialProvenance;
    use crate::source::{verdict_label, TrialSource};
    use anyhow::Context;
    use insider_ledger::TrialRecord;
    use parquet::basic::{Compression, LogicalType, Repetition, Type as PhysicalType};
    use parquet::data_type::{BoolType, ByteArray, ByteArrayType, DoubleType, Int64Type};
    use parquet::file::metadata::KeyValue;
    use parquet::file::properties::WriterProperties;
    use parquet::file::writer::{SerializedFileWriter, SerializedRowGroupWriter};
    use parquet::schema::types::Type;
    use std::io::Write;
    use std::path::{Path, PathBuf};
    use std::sync::Arc;

    type Get<T> = Box<dyn Fn(&TrialRecord) -> Option<T>>;

    /// The values of one column for the row group being filled, and how to read them off a trial.
    enum Values {
        Int64(Get<i64>, Vec<i64>),
        Double(Get<f64>, Vec<f64>),
        Boolean(Get<bool>, Vec<bool>),
        Utf8(Get<String>, Vec<ByteArray>),
    }

    /// One column: name, nullability, buffered values and (for OPTIONAL columns) definition levels.
    struct Column {
        name: &'static str,
        optional: bool,
        values: Values,
        /// 1 = value present, 0 = null; one per buffered row (OPTIONAL columns only).
        levels: Vec<i16>,
    }

    impl Column {
        fn new(name: &'static str, optional: bool, values: Values) -> Self {
            Column {
                name,
                optional,
                values,
                levels: Vec::new(),
            }
        }

        fn schema_type(&self) -> anyhow::Result<Type> {
            let (physical, logical) = match self.values {
                Values::Int64(..) => (PhysicalType::INT64, None),
                Values::Double(..) => (PhysicalType::DOUBLE, None),
                Values::Boolean(..) => (PhysicalType::BOOLEAN, None),
                Values::Utf8(..) => (PhysicalType::BYTE_ARRAY, Some(LogicalType::String)),
            };
            let repetition = if self.optional {
                Repetition::OPTIONAL
            } else {
                Repetition::REQUIRED
            };
            Ok(Type::primitive_type_builder(self.name, physical)
                .with_repetition(repetition)
                .with_logical_type(logical)
                .build()?)
        }

        /// Buffer this column's value of `record`; returns the text bytes added.
        fn push(&mut self, record: &TrialRecord) -> anyhow::Result<usize> {
            fn put<T>(get: &Get<T>, buffer: &mut Vec<T>, record: &TrialRecord) -> bool {
                match get(record) {
                    Some(value) => {
                        buffer.push(value);
                        true
                    }
                    None => false,
                }
            }
            let mut bytes = 0;
            let present = match &mut self.values {
                Values::Int64(get, buffer) => put(get, buffer, record),
                Values::Double(get, buffer) => put(get, buffer, record),
                Values::Boolean(get, buffer) => put(get, buffer, record),
                Values::Utf8(get, buffer) => match get(record) {
                    Some(text) => {
                        bytes = text.len();
                        buffer.push(ByteArray::from(text.into_bytes()));
                        true
                    }
                    None => false,
                },
            };
            if self.optional {
                self.levels.push(i16::from(present));
            } else if !present {
                anyhow::bail!(
                    "trial {}: required Parquet column `{}` has no value",
                    record.trial_id,
                    self.name
                );
            }
            Ok(bytes)
        }

        /// Write the buffered values as this column's chunk of the row group, then clear them.
        fn flush<W: Write + Send>(
            &mut self,
            row_group: &mut SerializedRowGroupWriter<'_, W>,
        ) -> anyhow::Result<()> {
            let mut writer = row_group
                .next_column()?
                .with_context(|| format!("no Parquet column left for `{}`", self.name))?;
            let levels = self.optional.then_some(self.levels.as_slice());
            match &mut self.values {
                Values::Int64(_, buffer) => {
                    writer
                        .typed::<Int64Type>()
                        .write_batch(buffer, levels, None)?;
                    buffer.clear();
                }
                Values::Double(_, buffer) => {
                    writer
                        .typed::<DoubleType>()
                        .write_batch(buffer, levels, None)?;
                    buffer.clear();
                }
                Values::Boolean(_, buffer) => {
                    writer
                        .typed::<BoolType>()
                        .write_batch(buffer, levels, None)?;
                    buffer.clear();
                }
                Values::Utf8(_, buffer) => {
                    writer
                        .typed::<ByteArrayType>()
                        .write_batch(buffer, levels, None)?;
                    buffer.clear();
                }
            }
            self.levels.clear();
            writer.close()?;
            Ok(())
        }
    }

    fn int64(value: u64) -> i64 {
        // Token counts, latencies and indexes never come near 2^63; clamp rather than wrap.
        i64::try_from(value).unwrap_or(i64::MAX)
    }

    fn required_text(name: &'static str, get: impl Fn(&TrialRecord) -> String + 'static) -> Column {
        Column::new(
            name,
            false,
            Values::Utf8(Box::new(move |r| Some(get(r))), Vec::new()),
        )
    }

    fn optional_text(
        name: &'static str,
        get: impl Fn(&TrialRecord) -> Option<String> + 'static,
    ) -> Column {
        Column::new(name, true, Values::Utf8(Box::new(get), Vec::new()))
    }

    fn optional_int(
        name: &'static str,
        get: impl Fn(&TrialRecord) -> Option<u64> + 'static,
    ) -> Column {
        Column::new(
            name,
            true,
            Values::Int64(Box::new(move |r| get(r).map(int64)), Vec::new()),
        )
    }

    fn optional_bool(
        name: &'static str,
        get: impl Fn(&TrialRecord) -> Option<bool> + 'static,
    ) -> Column {
        Column::new(name, true, Values::Boolean(Box::new(get), Vec::new()))
    }

    fn json_text<T: serde::Serialize + ?Sized>(value: &T) -> String {
        // Tool calls and actions are plain data; should serialising ever fail, say so in the cell.
        serde_json::to_string(value)
            .unwrap_or_else(|e| serde_json::json!({ "error": e.to_string() }).to_string())
    }

    /// The provenance columns ([`super::super::trial_provenance::EXTRA_COLUMNS`]).
    fn provenance_columns(provenance: Arc<TrialProvenance>) -> Vec<Column> {
        let mut columns = vec![optional_text(
            "unscored_reason_code",
            TrialProvenance::reason_code,
        )];
        for &label in crate::table::KNOWN_LABELS {
            columns.push(optional_text(label, move |r| {
                TrialProvenance::label(r, label)
            }));
        }
        let (kind, origin) = (provenance.clone(), provenance.clone());
        let (temperature, max_tokens) = (provenance.clone(), provenance.clone());
        columns.extend([
            required_text("pack_kind", move |r| kind.pack(r).0.name().to_string()),
            required_text("pack_origin", move |r| origin.pack(r).1),
            Column::new(
                "temperature",
                true,
                Values::Double(
                    Box::new(move |r| temperature.model(r).temperature),
                    Vec::new(),
                ),
            ),
            optional_int("max_tokens", move |r| max_tokens.model(r).max_tokens),
            optional_text("endpoint_host", move |r| provenance.model(r).endpoint_host),
        ]);
        columns
    }

    /// Every column, in the order of [`COLUMNS`].
    fn columns(provenance: Arc<TrialProvenance>) -> Vec<Column> {
        let mut columns = vec![
            Column::new(
                "trial_id",
                false,
                Values::Int64(Box::new(|r| Some(r.trial_id)), Vec::new()),
            ),
            required_text("run_id", |r| r.run_id.clone()),
            required_text("model", |r| r.model.clone()),
            required_text("condition", |r| r.condition.clone()),
            required_text("scenario", |r| r.scenario.clone()),
        ];
        for &factor in CSV_FACTOR_COLUMNS {
            columns.push(optional_text(factor, move |r| {
                r.factors.get(factor).cloned()
            }));
        }
        columns.extend([
            Column::new(
                "sample_index",
                false,
                Values::Int64(Box::new(|r| Some(i64::from(r.sample_index))), Vec::new()),
            ),
            required_text("status", |r| {
                insider_ledger::status_str(r.status).to_string()
            }),
            required_text("verdict_label", |r| {
                verdict_label(r.status, r.verdict.as_ref().map(|v| v.harmful)).to_string()
            }),
            optional_bool("harmful", |r| r.verdict.as_ref().and_then(|v| v.harmful)),
            optional_text("verdict_mode", |r| {
                r.verdict
                    .as_ref()
                    .and_then(|v| match serde_json::to_value(v.mode) {
                        Ok(serde_json::Value::String(text)) => Some(text),
                        _ => None,
                    })
            }),
            optional_bool("gate_passed", |r| r.verdict.as_ref().map(|v| v.gate_passed)),
            optional_bool("grader_answer", |r| {
                r.verdict.as_ref().and_then(|v| v.grader_answer)
            }),
            optional_text("grader_model", |r| {
                r.verdict.as_ref().and_then(|v| v.grader_model.clone())
            }),
            optional_text("classifier_version", |r| {
                r.verdict.as_ref().map(|v| v.classifier_version.clone())
            }),
            optional_text("unscored_reason", |r| {
                r.verdict.as_ref().and_then(|v| v.unscored_reason.clone())
            }),
            optional_text("grader_reasoning", |r| {
                r.verdict.as_ref().and_then(|v| v.grader_reasoning.clone())
            }),
            optional_text("failure_reason", |r| r.failure_reason.clone()),
            required_text("prompt_hash", |r| r.prompt_hash.clone()),
            optional_text("reply", |r| r.reply.clone()),
            optional_text("reasoning", |r| r.reasoning.clone()),
            required_text("tool_calls", |r| json_text(&r.tool_calls)),
            optional_text("actions", |r| {
                r.verdict.as_ref().map(|v| json_text(&v.actions))
            }),
            optional_int("input_tokens", |r| r.usage.as_ref().map(|u| u.input_tokens)),
            optional_int("output_tokens", |r| {
                r.usage.as_ref().map(|u| u.output_tokens)
            }),
            optional_int("cache_read_tokens", |r| {
                r.usage.as_ref().map(|u| u.cache_read_tokens)
            }),
            optional_int("cache_write_tokens", |r| {
                r.usage.as_ref().map(|u| u.cache_write_tokens)
            }),
            optional_int("reasoning_tokens", |r| {
                r.usage.as_ref().and_then(|u| u.reasoning_tokens)
            }),
            Column::new(
                "cost_usd",
                true,
                Values::Double(Box::new(|r| r.cost_usd), Vec::new()),
            ),
            optional_int("latency_ms", |r| r.latency_ms),
            Column::new(
                "attempts",
                false,
                Values::Int64(
                    Box::new(|r| Some(int64(r.attempts.len() as u64))),
                    Vec::new(),
                ),
            ),
        ]);
        columns.extend(provenance_columns(provenance));
        columns
    }

    /// Write the buffered rows as one row group.
    fn flush_row_group<W: Write + Send>(
        file: &mut SerializedFileWriter<W>,
        columns: &mut [Column],
    ) -> anyhow::Result<()> {
        let mut row_group = file.next_row_group()?;
        for column in columns.iter_mut() {
            column.flush(&mut row_group)?;
        }
        row_group.close()?;
        Ok(())
    }

    fn partial_path(out: &Path) -> PathBuf {
        let mut name = out.file_name().unwrap_or_default().to_os_string();
        name.push(".partial");
        out.with_file_name(name)
    }

    /// Stream every trial into `path`, one row group per [`ROW_GROUP_ROWS`] trials.
    fn write_file(
        source: &dyn TrialSource,
        path: &Path,
        schema: Arc<Type>,
        properties: WriterProperties,
        columns: &mut [Column],
    ) -> anyhow::Result<u64> {
        let sink = super::super::create_file(path)?;
        let mut file = SerializedFileWriter::new(sink, schema, Arc::new(properties))?;
        let (mut rows, mut buffered_rows, mut buffered_bytes) = (0u64, 0usize, 0usize);
        source.for_each_trial(&mut |record| {
            for column in columns.iter_mut() {
                buffered_bytes += column.push(record)?;
            }
            rows += 1;
            buffered_rows += 1;
            if buffered_rows >= ROW_GROUP_ROWS || buffered_bytes >= ROW_GROUP_BYTES {
                flush_row_group(&mut file, columns)?;
                (buffered_rows, buffered_bytes) = (0, 0);
            }
            Ok(())
        })?;
        if buffered_rows > 0 {
            flush_row_group(&mut file, columns)?;
        }
        let mut sink = file.into_inner()?;
        sink.flush()?;
        Ok(rows)
    }

    /// Write `source` to `out` via a `.partial` file renamed into place when complete.
    pub(super) fn write(source: &dyn TrialSource, out: &Path) -> anyhow::Result<u64> {
        let meta = source.meta()?;
        let mut columns = columns(Arc::new(TrialProvenance::new(&meta)));
        debug_assert_eq!(
            columns.iter().map(|c| c.name).collect::<Vec<_>>(),
            COLUMNS.to_vec()
        );
        let fields = columns
            .iter()
            .map(|c| c.schema_type().map(Arc::new))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let schema = Arc::new(
            Type::group_type_builder("trial")
                .with_fields(fields)
                .build()?,
        );
        let properties = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_key_value_metadata(Some(vec![KeyValue::new(
                "insider.run".to_string(),
                serde_json::to_string(&meta)?,
            )]))
            .build();
        let partial = partial_path(out);
        let result = write_file(source, &partial, schema, properties, &mut columns)
            .with_context(|| format!("writing {}", out.display()));
        match result {
            Ok(rows) => {
                std::fs::rename(&partial, out).with_context(|| {
                    format!("renaming {} to {}", partial.display(), out.display())
                })?;
                Ok(rows)
            }
            Err(error) => {
                let _ = std::fs::remove_file(&partial);
                Err(error)
            }
        }
    }
}
