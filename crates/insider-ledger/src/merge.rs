//! Combining the ledgers of several run directories (the shards of one plan, see
//! `insider merge`) into one new ledger.
//!
//! Every table of the schema is carried, read from the schema itself rather than a list here,
//! so a table a later migration adds is merged too: rows get fresh integer ids where a table
//! has its own (`sessions`, `trials`, `batches`, …), every column that references such a table
//! (declared `REFERENCES`, or named `trial_id`) is mapped to the new id, `models` and
//! `conditions` are shared by name, and rows stored by content (`prompts`, `worlds`,
//! `verdict_cache`) once by their key. `runs` is the merged run's own row. A trial (model,
//! condition, sample) found in two sources is refused, naming both directories.
//!
//! Where the rows came from is kept in `merged_from` (one row per source: directory, shard,
//! run id, host, start, trials and completed trials), a table only merged ledgers have; it is
//! created here with `IF NOT EXISTS`, so a later migration can adopt it unchanged.

use crate::{Ledger, NewRun};
use anyhow::{bail, Context};
use rusqlite::types::Value;
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// SQLite's extended result code of a broken UNIQUE constraint.
const UNIQUE_FAILED: std::os::raw::c_int = 2067;

/// The provenance table of a merged ledger.
const MERGED_FROM: &str = "CREATE TABLE IF NOT EXISTS merged_from (
    position        INTEGER PRIMARY KEY,
    directory       TEXT NOT NULL,
    shard           TEXT NOT NULL,
    run_id          TEXT NOT NULL,
    host            TEXT,
    run_started_at  TEXT NOT NULL,
    run_ended_at    TEXT,
    trials          INTEGER NOT NULL,
    completed       INTEGER NOT NULL,
    merged_at       TEXT NOT NULL
)";

/// One run directory to merge, with the label its provenance gets (e.g. `2/8`).
#[derive(Debug, Clone, PartialEq)]
pub struct MergeSource {
    /// The run directory.
    pub dir: PathBuf,
    /// Which shard it is, as the user would write it (`K/N`).
    pub shard: String,
}

/// What one source contributed, as recorded in `merged_from`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MergedShard {
    /// The source run directory, as given.
    pub dir: PathBuf,
    /// Its shard (`K/N`).
    pub shard: String,
    /// The source run's id.
    pub run_id: String,
    /// The host the source run started on.
    pub host: Option<String>,
    /// Trials it held.
    pub trials: u64,
    /// Of them completed.
    pub completed: u64,
}

/// The outcome of a merge.
#[derive(Debug, Clone, PartialEq)]
pub struct MergeSummary {
    /// Each source, in the order given.
    pub shards: Vec<MergedShard>,
    /// Trials in the merged ledger.
    pub trials: u64,
    /// Of them not completed (pending, running at a crash, abandoned or failed).
    pub not_completed: u64,
}

/// How the rows of one table are carried.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// `runs`: the merged run has its own row.
    Skip,
    /// One row per `name` across sources (`models`, `conditions`).
    SharedByName,
    /// Stored by content key: the first copy is kept.
    Content,
    /// Every row is the source's own; a fresh id if the table has one.
    Owned,
}

/// One table's copy plan.
struct Table {
    name: String,
    columns: Vec<String>,
    kind: Kind,
    /// The position of the table's own integer id (given a fresh value), if it has one.
    fresh_id: Option<usize>,
    /// Columns holding an id of another table: (column position, that table).
    references: Vec<(usize, String)>,
    /// Every table it references (ids or content keys), copied before it.
    depends: Vec<String>,
}

/// Merge the ledgers of `sources` into a new ledger in `out` (which must not hold one), with
/// `run` as its run row; all or nothing, since the ledger is created in one transaction.
pub fn merge_ledgers(
    sources: &[MergeSource],
    out: &Path,
    run: &NewRun,
    argv: &str,
) -> anyhow::Result<MergeSummary> {
    let opened = sources
        .iter()
        .map(|source| Ledger::open_read_only(&source.dir))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut shards = Vec::new();
    let ledger = Ledger::create_with(out, run, |dst| {
        dst.conn.execute_batch(MERGED_FROM)?;
        let tables = copy_plan(&dst.conn)?;
        let mut origin: HashMap<i64, usize> = HashMap::new();
        for (position, (source, ledger)) in sources.iter().zip(&opened).enumerate() {
            let mut maps: HashMap<String, HashMap<i64, i64>> = HashMap::new();
            for table in &tables {
                copy_table(&ledger.conn, &dst.conn, table, &mut maps)
                    .with_context(|| {
                        format!("merging table `{}` of {}", table.name, source.dir.display())
                    })
                    .map_err(|error| duplicate_trial(error, sources, position, &origin, ledger))?;
            }
            for new_id in maps.get("trials").into_iter().flat_map(|map| map.values()) {
                origin.insert(*new_id, position);
            }
            shards.push(record_source(&dst.conn, position, source, ledger)?);
        }
        close_run(&dst.conn, &opened)?;
        let session = dst.start_session(argv)?;
        dst.end_session(session, "merged")?;
        Ok(())
    })?;
    let counts = ledger.status_counts()?;
    Ok(MergeSummary {
        shards,
        trials: counts.total(),
        not_completed: counts.total() - counts.completed,
    })
}

/// A trial insert that broke the UNIQUE (model, condition, sample) of `trials`, told as the
/// two directories holding that trial; any other error as it is.
fn duplicate_trial(
    error: anyhow::Error,
    sources: &[MergeSource],
    position: usize,
    origin: &HashMap<i64, usize>,
    ledger: &Ledger,
) -> anyhow::Error {
    let Some(Duplicate { trial, key }) = error.downcast_ref::<Duplicate>() else {
        return error;
    };
    let (model, condition, sample): (String, String, i64) = match ledger.conn.query_row(
        "SELECT m.name, c.name, t.sample_index FROM trials t JOIN models m ON m.id = t.model_id
         JOIN conditions c ON c.id = t.condition_id WHERE t.id = ?1",
        [key],
        |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
    ) {
        Ok(found) => found,
        Err(_) => return error,
    };
    let first = origin
        .get(trial)
        .map_or("an earlier source".to_string(), |i| {
            sources[*i].dir.display().to_string()
        });
    anyhow::anyhow!(
        "trial {model} × {condition} × sample {sample} is in both {first} and {}: the same \
         trial twice (the same shard given twice?); merge each shard once",
        sources[position].dir.display()
    )
}

/// A source trial whose (model, condition, sample) the merged ledger already holds.
#[derive(Debug)]
struct Duplicate {
    /// The merged ledger's trial id.
    trial: i64,
    /// The source's trial id.
    key: i64,
}

impl std::fmt::Display for Duplicate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "trial {} of the source is already merged (as {})",
            self.key, self.trial
        )
    }
}

impl std::error::Error for Duplicate {}

/// Every table of the schema in an order where a table comes after those it references.
fn copy_plan(conn: &Connection) -> anyhow::Result<Vec<Table>> {
    let names: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
             AND name != 'merged_from' ORDER BY rowid",
        )?
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut tables = Vec::new();
    for name in &names {
        tables.push(describe(conn, name)?);
    }
    let with_ids: BTreeSet<String> = tables
        .iter()
        .filter(|t| t.fresh_id.is_some() || t.kind == Kind::SharedByName)
        .map(|t| t.name.clone())
        .collect();
    for table in &mut tables {
        table
            .references
            .retain(|(_, target)| with_ids.contains(target));
    }
    let mut ordered: Vec<Table> = Vec::new();
    while !tables.is_empty() {
        let done: BTreeSet<String> = ordered.iter().map(|t| t.name.clone()).collect();
        let ready = tables.iter().position(|t| {
            t.depends
                .iter()
                .all(|target| target == &t.name || done.contains(target))
        });
        let Some(ready) = ready else {
            bail!("the ledger's tables reference each other in a cycle; merge cannot order them");
        };
        ordered.push(tables.remove(ready));
    }
    Ok(ordered)
}

/// The copy plan of table `name`, from its columns and foreign keys.
fn describe(conn: &Connection, name: &str) -> anyhow::Result<Table> {
    // (name, declared type, position in the primary key)
    let columns: Vec<(String, String, i64)> = conn
        .prepare(&format!("PRAGMA table_info(\"{name}\")"))?
        .query_map([], |row| Ok((row.get(1)?, row.get(2)?, row.get(5)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let foreign: Vec<(String, String)> = conn
        .prepare(&format!("PRAGMA foreign_key_list(\"{name}\")"))?
        .query_map([], |row| Ok((row.get(3)?, row.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut references = Vec::new();
    for (index, (column, _, _)) in columns.iter().enumerate() {
        match foreign.iter().find(|(from, _)| from == column) {
            Some((_, target)) => references.push((index, target.clone())),
            None if column == "trial_id" => references.push((index, "trials".to_string())),
            None => {}
        }
    }
    let key: Vec<usize> = (0..columns.len()).filter(|i| columns[*i].2 > 0).collect();
    let rowid_alias = match key.as_slice() {
        [only] if columns[*only].1.eq_ignore_ascii_case("INTEGER") => Some(*only),
        _ => None,
    };
    // An integer key that is itself a reference (`responses.trial_id`) is mapped, not fresh.
    let fresh_id = rowid_alias.filter(|i| !references.iter().any(|(r, _)| r == i));
    let kind = match name {
        "runs" => Kind::Skip,
        "models" | "conditions" => Kind::SharedByName,
        _ if fresh_id.is_none() && references.is_empty() => Kind::Content,
        _ => Kind::Owned,
    };
    Ok(Table {
        name: name.to_string(),
        columns: columns.into_iter().map(|c| c.0).collect(),
        kind,
        fresh_id,
        depends: references.iter().map(|(_, t)| t.clone()).collect(),
        references,
    })
}

/// Copy the rows of `table` from `src` into `dst`, mapping references through `maps` and
/// recording the new ids of the table's own rows there.
fn copy_table(
    src: &Connection,
    dst: &Connection,
    table: &Table,
    maps: &mut HashMap<String, HashMap<i64, i64>>,
) -> anyhow::Result<()> {
    if table.kind == Kind::Skip || !has_table(src, &table.name)? {
        return Ok(());
    }
    let list = |skip: Option<usize>| {
        table
            .columns
            .iter()
            .enumerate()
            .filter(|(i, _)| Some(*i) != skip)
            .map(|(_, c)| format!("\"{c}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let id_column = match table.kind {
        Kind::SharedByName => table.columns.iter().position(|c| c == "id"),
        _ => table.fresh_id,
    };
    let inserted = list(id_column);
    let marks = vec!["?"; table.columns.len() - usize::from(id_column.is_some())].join(", ");
    let verb = if table.kind == Kind::Content {
        "INSERT OR IGNORE"
    } else {
        "INSERT"
    };
    // Only a table with its own id has a new id to read back (and WITHOUT ROWID ones none).
    let returning = if id_column.is_some() {
        " RETURNING rowid"
    } else {
        ""
    };
    let insert = format!(
        "{verb} INTO \"{}\" ({inserted}) VALUES ({marks}){returning}",
        table.name
    );
    let mut select = src.prepare(&format!("SELECT {} FROM \"{}\"", list(None), table.name))?;
    let mut rows = select.query([])?;
    let mut own: HashMap<i64, i64> = HashMap::new();
    while let Some(row) = rows.next()? {
        let mut values: Vec<Value> = (0..table.columns.len())
            .map(|i| row.get::<_, Value>(i))
            .collect::<rusqlite::Result<_>>()?;
        for (index, target) in &table.references {
            let Value::Integer(old) = values[*index] else {
                continue;
            };
            let mapped = maps.get(target).and_then(|map| map.get(&old)).copied();
            values[*index] = Value::Integer(mapped.with_context(|| {
                format!(
                    "{}.{} = {old} names no {target} row",
                    table.name, table.columns[*index]
                )
            })?);
        }
        let old_id = id_column.and_then(|i| match values[i] {
            Value::Integer(id) => Some(id),
            _ => None,
        });
        if table.kind == Kind::SharedByName {
            let name = &values[table.columns.iter().position(|c| c == "name").unwrap_or(0)];
            let existing: Option<i64> = dst
                .prepare_cached(&format!(
                    "SELECT id FROM \"{}\" WHERE name = ?1",
                    table.name
                ))?
                .query_row([name], |r| r.get(0))
                .optional()?;
            if let (Some(existing), Some(old)) = (existing, old_id) {
                own.insert(old, existing);
                continue;
            }
        }
        if let Some(i) = id_column {
            values.remove(i);
        }
        let mut statement = dst.prepare_cached(&insert)?;
        let params = rusqlite::params_from_iter(&values);
        let written = match id_column {
            Some(_) => statement.query_row(params, |r| r.get(0)).optional(),
            None => statement.execute(params).map(|_| None),
        };
        let new_id: Option<i64> = match written {
            Ok(id) => id,
            Err(rusqlite::Error::SqliteFailure(failure, _))
                if table.name == "trials" && failure.extended_code == UNIQUE_FAILED =>
            {
                return Err(existing_trial(dst, table, &values, old_id)?.into());
            }
            Err(error) => return Err(error.into()),
        };
        if let (Some(old), Some(new)) = (old_id, new_id) {
            own.insert(old, new);
        }
    }
    if id_column.is_some() {
        maps.insert(table.name.clone(), own);
    }
    Ok(())
}

/// The merged trial a source trial (its values as inserted) collides with.
fn existing_trial(
    dst: &Connection,
    table: &Table,
    values: &[Value],
    old_id: Option<i64>,
) -> anyhow::Result<Duplicate> {
    let inserted: Vec<&String> = table
        .columns
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != table.fresh_id)
        .map(|(_, c)| c)
        .collect();
    let value = |name: &str| inserted.iter().position(|c| *c == name).map(|i| &values[i]);
    let (Some(model), Some(condition), Some(sample)) = (
        value("model_id"),
        value("condition_id"),
        value("sample_index"),
    ) else {
        bail!("a trial of the source is already in the merged ledger");
    };
    let trial: i64 = dst.query_row(
        "SELECT id FROM trials WHERE model_id = ?1 AND condition_id = ?2 AND sample_index = ?3",
        params![model, condition, sample],
        |row| row.get(0),
    )?;
    Ok(Duplicate {
        trial,
        key: old_id.unwrap_or_default(),
    })
}

fn has_table(conn: &Connection, name: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
        [name],
        |row| row.get::<_, i64>(0),
    )
    .map(|n| n > 0)
}

/// Write source `position`'s `merged_from` row; returns what it recorded.
fn record_source(
    dst: &Connection,
    position: usize,
    source: &MergeSource,
    ledger: &Ledger,
) -> anyhow::Result<MergedShard> {
    let info = ledger.run_info()?;
    let counts = ledger.status_counts()?;
    dst.execute(
        "INSERT INTO merged_from (position, directory, shard, run_id, host, run_started_at,
             run_ended_at, trials, completed, merged_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            position as i64 + 1,
            source.dir.display().to_string(),
            source.shard,
            info.run_id,
            info.host,
            info.started_at,
            info.ended_at,
            counts.total() as i64,
            counts.completed as i64,
            crate::now_rfc3339()
        ],
    )?;
    Ok(MergedShard {
        dir: source.dir.clone(),
        shard: source.shard.clone(),
        run_id: info.run_id,
        host: info.host,
        trials: counts.total(),
        completed: counts.completed,
    })
}

/// The merged run began when its first source began, and ended when its last one did (if
/// every source ended).
fn close_run(dst: &Connection, sources: &[Ledger]) -> anyhow::Result<()> {
    let infos = sources
        .iter()
        .map(Ledger::run_info)
        .collect::<anyhow::Result<Vec<_>>>()?;
    if let Some(first) = infos.iter().map(|i| &i.started_at).min() {
        dst.execute("UPDATE runs SET started_at = ?1", [first])?;
    }
    let ended: Option<Vec<&String>> = infos.iter().map(|i| i.ended_at.as_ref()).collect();
    if let Some(last) = ended.and_then(|e| e.into_iter().max()) {
        dst.execute("UPDATE runs SET ended_at = ?1", [last])?;
    }
    Ok(())
}

impl Ledger {
    /// The sources a merged ledger was made from (`insider merge`), in order; empty for a run
    /// that was not merged.
    pub fn merged_from(&self) -> anyhow::Result<Vec<MergedShard>> {
        if !has_table(&self.conn, "merged_from")? {
            return Ok(Vec::new());
        }
        let mut statement = self.conn.prepare(
            "SELECT directory, shard, run_id, host, trials, completed FROM merged_from
             ORDER BY position",
        )?;
        let rows = statement.query_map([], |row| {
            Ok(MergedShard {
                dir: PathBuf::from(row.get::<_, String>(0)?),
                shard: row.get(1)?,
                run_id: row.get(2)?,
                host: row.get(3)?,
                trials: row.get::<_, i64>(4)? as u64,
                completed: row.get::<_, i64>(5)? as u64,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
