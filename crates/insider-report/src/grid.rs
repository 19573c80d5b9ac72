//! The output formats and the aligned and Markdown grids that every text table is laid out in.
//! A leaf of its own so that the label table can use them while `render` shows label tables.

use std::fmt::Write;

/// Output format of `insider report` and `insider compare`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextFormat {
    /// Aligned plain-text table for a terminal.
    Table,
    /// GitHub-flavoured Markdown table.
    Markdown,
    /// Comma-separated values with a header line.
    Csv,
    /// One JSON document.
    Json,
}

impl std::str::FromStr for TextFormat {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "table" => Ok(TextFormat::Table),
            "markdown" | "md" => Ok(TextFormat::Markdown),
            "csv" => Ok(TextFormat::Csv),
            "json" => Ok(TextFormat::Json),
            other => Err(format!(
                "unknown format `{other}`; use table, markdown, csv or json"
            )),
        }
    }
}

/// Percentage with one decimal, e.g. `96.0%`.
pub fn percent(value: f64) -> String {
    format!("{:.1}%", value * 100.0)
}

fn display_width(text: &str) -> usize {
    text.chars().count()
}

/// Aligned plain-text grid: key columns left-aligned, value columns right-aligned; a rule
/// under the header (and above the last line when it is a total).
pub fn aligned_grid(
    header: &[String],
    lines: &[Vec<String>],
    key_columns: usize,
    total_line: bool,
    notes: &[String],
) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| display_width(h)).collect();
    for line in lines {
        for (i, cell) in line.iter().enumerate() {
            widths[i] = widths[i].max(display_width(cell));
        }
    }
    let format_line = |cells: &[String]| -> String {
        let mut out = String::new();
        for (i, cell) in cells.iter().enumerate() {
            let pad = widths[i] - display_width(cell);
            if i > 0 {
                out.push_str("  ");
            }
            if i < key_columns {
                out.push_str(cell);
                out.extend(std::iter::repeat_n(' ', pad));
            } else {
                out.extend(std::iter::repeat_n(' ', pad));
                out.push_str(cell);
            }
        }
        out.trim_end().to_string()
    };
    let mut out = String::new();
    writeln!(out, "{}", format_line(header)).unwrap();
    let rule: Vec<String> = widths.iter().map(|w| "─".repeat(*w)).collect();
    writeln!(out, "{}", rule.join("  ")).unwrap();
    for (index, line) in lines.iter().enumerate() {
        if total_line && index + 1 == lines.len() {
            writeln!(out, "{}", rule.join("  ")).unwrap();
        }
        writeln!(out, "{}", format_line(line)).unwrap();
    }
    for note in notes {
        writeln!(out, "note: {note}").unwrap();
    }
    out
}

fn markdown_escape(cell: &str) -> String {
    cell.replace('|', "\\|")
}

/// GitHub Markdown grid with `|` escaped in cells and notes as a list below.
pub fn markdown_grid(
    header: &[String],
    lines: &[Vec<String>],
    key_columns: usize,
    notes: &[String],
) -> String {
    let mut out = String::new();
    let cells: Vec<String> = header.iter().map(|h| markdown_escape(h)).collect();
    writeln!(out, "| {} |", cells.join(" | ")).unwrap();
    let aligns: Vec<&str> = (0..header.len())
        .map(|i| if i < key_columns { "---" } else { "---:" })
        .collect();
    writeln!(out, "|{}|", aligns.join("|")).unwrap();
    for line in lines {
        let cells: Vec<String> = line.iter().map(|c| markdown_escape(c)).collect();
        writeln!(out, "| {} |", cells.join(" | ")).unwrap();
    }
    if !notes.is_empty() {
        out.push('\n');
        for note in notes {
            writeln!(out, "- {note}").unwrap();
        }
    }
    out
}
