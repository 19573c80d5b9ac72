//! `insider export` (JSONL, CSV, Parquet, Inspect `.eval`/`.json`, original layout) and
//! `insider import` (the original layout into a new ledger).

use insider_cli::export::{ExportArgs, ImportArgs};
use insider_ledger::Ledger;
use insider_report::export::import::import_original_with;
use insider_report::export::import_harm::ImportPacks;
use std::path::PathBuf;
use std::process::ExitCode;

/// Run `insider export`.
pub fn run_export(args: ExportArgs) -> anyhow::Result<ExitCode> {
    let ledger = Ledger::open_read_only(&args.run_dir)?;
    let out = args
        .out
        .unwrap_or_else(|| args.format.default_path(&args.run_dir));
    let summary = insider_report::export(&ledger, args.format, &out)?;
    for path in &summary.paths {
        println!("{}", path.display());
    }
    eprintln!("exported {} trial record(s)", summary.records);
    Ok(ExitCode::SUCCESS)
}

/// Run `insider import`.
pub fn run_import(args: ImportArgs) -> anyhow::Result<ExitCode> {
    let out = args.out.unwrap_or_else(|| {
        let name = args
            .dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "results".into());
        PathBuf::from("insider-runs").join(format!("import-{name}"))
    });
    let packs = ImportPacks::load(&args.packs)?;
    // Built aside and moved into place whole: a failed import leaves no run directory.
    let summary = insider_ledger::build_run_dir(&out, |staging| {
        import_original_with(&args.dir, staging, &packs)
    })?;
    for note in &summary.harm_notes {
        eprintln!("{note}");
    }
    for condition in &summary.unparsed_conditions {
        eprintln!("warning: condition id `{condition}` is not in insider's format; imported without factor values");
    }
    eprintln!(
        "imported {} completed trial(s) ({} classified) and {} failed into {}",
        summary.completed,
        summary.classified,
        summary.failed,
        out.display()
    );
    println!("{}", out.display());
    Ok(ExitCode::SUCCESS)
}
