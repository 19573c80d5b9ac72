//! Reports: rates with honest intervals, comparisons, the HTML report and every export format.
//!
//! Statistics, tables, HTML and exports are pure functions over the plain trial types of
//! `insider-ledger`, read through the [`TrialSource`] seam; the ledger implements it.
//!
//! Entry points for other commands: [`write_html`] (the run directory's `report.html`) and
//! [`summary_table`] (the table printed at the end of `insider run`).

pub mod chart_text;
pub mod commands;
pub mod compare;
pub mod csv;
pub mod design;
pub mod excerpt;
pub mod export;
mod factors;
mod grid;
pub mod html;
pub mod label_table;
pub mod ledger_source;
pub mod pooled;
pub mod power;
pub mod provenance;
pub mod render;
pub mod review;
pub mod source;
pub mod stats;
pub mod svg;
pub mod table;

pub use export::{export, ExportFormat, ExportSummary};
pub use html::{write_html_report, HtmlOptions, HtmlSummary};
pub use ledger_source::{summary_table, write_html, RUN_REPORT_FILE};
pub use render::{render_report, render_table, TextFormat};
pub use source::{MemorySource, PromptText, RawBodies, RunMeta, TrialSource};
pub use table::{tabulate, tabulate_source, Table, Tally};
