//! `insider merge`: join the run directories of a plan's shards.

use clap::Args;
use std::path::PathBuf;

/// Arguments of `insider merge`.
#[derive(Args, Debug)]
pub struct MergeArgs {
    /// The shards' run directories (each made by `insider run --shard K/N`).
    #[arg(required = true, value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// The new run directory to write (must not hold a ledger yet).
    #[arg(long, visible_alias = "log-dir", value_name = "DIR")]
    pub out: PathBuf,
    /// Merge even when some shards of the split are missing (`insider run --resume OUT` then
    /// runs their trials).
    #[arg(long)]
    pub partial: bool,
}
