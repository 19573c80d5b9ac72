//! Labelling sheets on disk: written as CSV (for spreadsheets) or JSONL (for scripts), and read
//! back once a reviewer has filled the `harmful` column.
//!
//! Columns, in order: `item`, `run`, `trial_id`, `scenario`, `condition`, `reply`, `harmful`,
//! `note`. Reading needs only `item`, `trial_id` and `harmful`; other columns may be dropped or
//! reordered by a spreadsheet. `harmful` takes `yes`/`no` (also `y`/`n`, `true`/`false`,
//! `1`/`0`, any case); blank means "not labelled". A bad cell stops with `FILE:LINE: field …`.

use crate::gold::{utf8_text, GoldError};
use crate::review::SheetRow;
use std::path::Path;

/// The sheet's columns, in order.
pub const SHEET_COLUMNS: [&str; 8] = [
    "item",
    "run",
    "trial_id",
    "scenario",
    "condition",
    "reply",
    "harmful",
    "note",
];

/// One quoted CSV cell (RFC 4180): quotes around every cell, inner quotes doubled, so replies
/// with commas, quotes and newlines survive a spreadsheet round trip.
fn csv_cell(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

fn label_text(label: Option<bool>) -> &'static str {
    match label {
        Some(true) => "yes",
        Some(false) => "no",
        None => "",
    }
}

/// The sheet as CSV, header first, CRLF line ends (what spreadsheets expect).
pub fn sheet_csv(rows: &[SheetRow]) -> String {
    let mut out = SHEET_COLUMNS.join(",");
    out.push_str("\r\n");
    for row in rows {
        let cells = [
            row.item.clone(),
            row.run.clone(),
            row.trial_id.to_string(),
            row.scenario.clone(),
            row.condition.clone(),
            row.reply.clone(),
            label_text(row.harmful).to_string(),
            row.note.clone(),
        ];
        let quoted: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        out.push_str(&quoted.join(","));
        out.push_str("\r\n");
    }
    out
}

/// The sheet as JSONL, one object per row with the columns as keys (`harmful` null when blank).
pub fn sheet_jsonl(rows: &[SheetRow]) -> String {
    rows.iter()
        .map(|row| {
            let mut line = serde_json::to_string(row).unwrap_or_default();
            line.push('\n');
            line
        })
        .collect()
}

/// A row of a filled sheet: which trial, and what the reviewer said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HumanLabel {
    /// 1-based line of the row in the sheet file (its first line, for multi-line CSV cells).
    pub line: usize,
    /// The row's sheet id.
    pub item: String,
    /// The run directory named by the row (empty when the column was dropped).
    pub run: String,
    /// The trial id in that run.
    pub trial_id: i64,
    /// The label; `None` when left blank.
    pub harmful: Option<bool>,
    /// The reviewer's note.
    pub note: String,
}

/// Whether `text` is a labelling sheet rather than a gold file: CSV, or JSONL whose first
/// object has a `trial_id`.
pub fn looks_like_sheet(text: &str) -> bool {
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with("//"));
    match first {
        Some(line) if line.starts_with('{') => serde_json::from_str::<serde_json::Value>(line)
            .ok()
            .is_some_and(|v| v.get("trial_id").is_some()),
        Some(_) => true,
        None => false,
    }
}

/// Read a filled sheet (CSV or JSONL, by its first character).
pub fn read_sheet(path: &Path) -> Result<Vec<HumanLabel>, GoldError> {
    let bytes = std::fs::read(path).map_err(|e| GoldError {
        path: path.display().to_string(),
        line: 0,
        message: format!("cannot read the sheet: {e}"),
    })?;
    let text = utf8_text(&bytes, path)?;
    parse_sheet(text, path)
}

/// Parse sheet text; `path` names the file in errors.
pub fn parse_sheet(text: &str, path: &Path) -> Result<Vec<HumanLabel>, GoldError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let records = if text.trim_start().starts_with('{') {
        jsonl_records(text, path)?
    } else {
        csv_records(text, path)?
    };
    records
        .into_iter()
        .map(|(line, cell)| label_of(line, &cell, path))
        .collect()
}

type Cells = Vec<(String, String)>;

fn error(path: &Path, line: usize, message: String) -> GoldError {
    GoldError {
        path: path.display().to_string(),
        line,
        message,
    }
}

/// Turn one record's `(column, text)` cells into a label.
fn label_of(line: usize, cells: &Cells, path: &Path) -> Result<HumanLabel, GoldError> {
    let get = |name: &str| {
        cells
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
    };
    let trial = get("trial_id").unwrap_or_default();
    let trial_id = trial.parse::<i64>().map_err(|_| {
        error(
            path,
            line,
            format!("field `trial_id`: expected a trial number, found {trial:?}"),
        )
    })?;
    let answer = get("harmful").unwrap_or_default();
    let harmful = match answer.to_ascii_lowercase().as_str() {
        "" => None,
        "yes" | "y" | "true" | "1" => Some(true),
        "no" | "n" | "false" | "0" => Some(false),
        _ => {
            return Err(error(
                path,
                line,
                format!("field `harmful`: expected yes, no or blank, found {answer:?}"),
            ))
        }
    };
    Ok(HumanLabel {
        line,
        item: get("item").unwrap_or_default(),
        run: get("run").unwrap_or_default(),
        trial_id,
        harmful,
        note: get("note").unwrap_or_default(),
    })
}

fn jsonl_records(text: &str, path: &Path) -> Result<Vec<(usize, Cells)>, GoldError> {
    let mut records = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with("//") {
            continue;
        }
        let value: serde_json::Value = serde_json::from_str(trimmed)
            .map_err(|e| error(path, line, format!("not valid JSON ({e})")))?;
        let object = value
            .as_object()
            .ok_or_else(|| error(path, line, "expected a JSON object".into()))?;
        let cells = object
            .iter()
            .map(|(key, value)| {
                let text = match value {
                    serde_json::Value::String(s) => s.clone(),
                    serde_json::Value::Null => String::new(),
                    serde_json::Value::Bool(true) => "yes".into(),
                    serde_json::Value::Bool(false) => "no".into(),
                    other => other.to_string(),
                };
                (key.clone(), text)
            })
            .collect();
        records.push((line, cells));
    }
    Ok(records)
}

/// RFC 4180 records with the line each starts on: quoted cells may hold commas, doubled quotes
/// and line breaks; CRLF and LF both end a record.
fn csv_rows(text: &str, path: &Path) -> Result<Vec<(usize, Vec<String>)>, GoldError> {
    let mut rows = Vec::new();
    let (mut row, mut cell) = (Vec::new(), String::new());
    let (mut line, mut row_line, mut quoted, mut after_quote) = (1, 1, false, false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => (quoted, after_quote) = (false, true),
            (true, c) => {
                line += usize::from(c == '\n');
                cell.push(c);
            }
            (false, '"') if cell.is_empty() && !after_quote => quoted = true,
            (false, ',') => {
                row.push(std::mem::take(&mut cell));
                after_quote = false;
            }
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut cell));
                rows.push((row_line, std::mem::take(&mut row)));
                after_quote = false;
                line += 1;
                row_line = line;
            }
            (false, c) if after_quote && !c.is_whitespace() => {
                return Err(error(
                    path,
                    line,
                    "text after a closing quote; double a quote inside a quoted cell".into(),
                ))
            }
            (false, c) => cell.push(c),
        }
    }
    if quoted {
        return Err(error(
            path,
            row_line,
            "a quoted cell is never closed".into(),
        ));
    }
    if !cell.is_empty() || !row.is_empty() {
        row.push(cell);
        rows.push((row_line, row));
    }
    Ok(rows)
}

fn csv_records(text: &str, path: &Path) -> Result<Vec<(usize, Cells)>, GoldError> {
    let mut rows = csv_rows(text, path)?.into_iter();
    let Some((_, header)) = rows.next() else {
        return Ok(Vec::new());
    };
    let header: Vec<String> = header
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    for needed in ["item", "trial_id", "harmful"] {
        if !header.iter().any(|h| h == needed) {
            return Err(error(
                path,
                1,
                format!(
                    "the header has no `{needed}` column (expected {})",
                    SHEET_COLUMNS.join(",")
                ),
            ));
        }
    }
    let mut records = Vec::new();
    for (line, cells) in rows {
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if cells.len() != header.len() {
            return Err(error(
                path,
                line,
                format!("{} cells, but the header has {}", cells.len(), header.len()),
            ));
        }
        records.push((line, header.iter().cloned().zip(cells).collect()));
    }
    Ok(records)
}

#[cfg(test)]
#[path = "sheet_tests.rs"]
mod tests;
