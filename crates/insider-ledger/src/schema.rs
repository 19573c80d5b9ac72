//! Ledger schema and its migrations, versioned with `PRAGMA user_version`.
//!
//! Each entry of [`MIGRATIONS`] moves the schema from version `i` to `i + 1`; a ledger is
//! brought up to date when opened. Never edit a released migration: append a new one.

use anyhow::{bail, Context};
use rusqlite::Connection;

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// SQL of each migration, in order.
pub(crate) const MIGRATIONS: &[&str] = &[
    r#"
-- One run per ledger (one ledger per run directory).
CREATE TABLE runs (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    tool_version  TEXT NOT NULL,
    git_revision  TEXT,
    config_json   TEXT NOT NULL,
    host          TEXT,
    started_at    TEXT NOT NULL,
    ended_at      TEXT
);
-- Each invocation that worked on the run (first start and every resume).
CREATE TABLE sessions (
    id            INTEGER PRIMARY KEY,
    tool_version  TEXT NOT NULL,
    git_revision  TEXT,
    host          TEXT,
    argv          TEXT,
    started_at    TEXT NOT NULL,
    ended_at      TEXT,
    outcome       TEXT
);
CREATE TABLE models (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    params_json   TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE conditions (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    scenario      TEXT NOT NULL,
    factors_json  TEXT NOT NULL DEFAULT '{}'
);
-- Prompts stored once, by content hash.
CREATE TABLE prompts (
    hash          TEXT PRIMARY KEY,
    system        TEXT NOT NULL,
    user          TEXT NOT NULL,
    tools_json    TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE trials (
    id                 INTEGER PRIMARY KEY,
    model_id           INTEGER NOT NULL REFERENCES models(id),
    condition_id       INTEGER NOT NULL REFERENCES conditions(id),
    sample_index       INTEGER NOT NULL,
    prompt_hash        TEXT NOT NULL REFERENCES prompts(hash),
    status             TEXT NOT NULL DEFAULT 'pending',
    failure_kind       TEXT,
    failure_reason     TEXT,
    calls              INTEGER NOT NULL DEFAULT 0,
    reply              TEXT,
    reasoning          TEXT,
    tool_calls_json    TEXT,
    stop_reason        TEXT,
    response_model     TEXT,
    input_tokens       INTEGER,
    output_tokens      INTEGER,
    cache_read_tokens  INTEGER,
    cache_write_tokens INTEGER,
    reasoning_tokens   INTEGER,
    cost_usd           REAL,
    latency_ms         INTEGER,
    started_at         TEXT,
    finished_at        TEXT,
    UNIQUE (model_id, condition_id, sample_index)
);
CREATE INDEX trials_status ON trials(status);
-- Every HTTP/local attempt of every call; `call` counts generate() calls on the trial.
CREATE TABLE attempts (
    trial_id     INTEGER NOT NULL REFERENCES trials(id),
    call         INTEGER NOT NULL,
    number       INTEGER NOT NULL,
    started_at   TEXT NOT NULL,
    duration_ms  INTEGER NOT NULL,
    http_status  INTEGER,
    error        TEXT,
    retryable    INTEGER NOT NULL,
    PRIMARY KEY (trial_id, call, number)
) WITHOUT ROWID;
-- Raw bodies of the successful call (secrets already redacted by the provider).
CREATE TABLE responses (
    trial_id      INTEGER PRIMARY KEY REFERENCES trials(id),
    raw_request   TEXT NOT NULL,
    raw_response  TEXT NOT NULL
);
CREATE TABLE verdicts (
    trial_id            INTEGER PRIMARY KEY REFERENCES trials(id),
    harmful             INTEGER,
    mode                TEXT NOT NULL,
    grader_model        TEXT,
    classifier_version  TEXT NOT NULL,
    verdict_json        TEXT NOT NULL,
    classified_at       TEXT NOT NULL
);
-- Grader answers by cache key, so re-classifying never pays twice for the same question.
CREATE TABLE verdict_cache (
    key          TEXT PRIMARY KEY,
    value_json   TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
"#,
    // Covering indexes for the report's summary scan: without them a summary reads every
    // trial row, replies included (~2.4 GB for a million trials).
    r#"
CREATE INDEX trials_summary ON trials(model_id, condition_id, sample_index, status, cost_usd);
CREATE INDEX verdicts_summary ON verdicts(trial_id, harmful, mode);
"#,
    // Where each condition's pack came from and its harm spec, so `insider classify` can judge
    // runs of folder and compat packs without the folder.
    r#"
ALTER TABLE conditions ADD COLUMN pack TEXT;
ALTER TABLE conditions ADD COLUMN harm_json TEXT;
"#,
    // Raw requests repeat the prompt, which is already stored once under `prompts`; a packed
    // request holds markers in place of the JSON-escaped system and user texts (see
    // `ledger::rawpack`), which cuts the ledger by ~10 KB per trial.
    r#"
ALTER TABLE responses ADD COLUMN request_packed INTEGER NOT NULL DEFAULT 0;
"#,
    // A grader panel's votes, one row per grader and trial, so agreement can be counted per
    // run and condition in SQL; the panel's answer stays in `verdicts`, and each vote's
    // reasoning and raw completion in `verdict_json`. Rewritten with the verdict.
    r#"
CREATE TABLE grader_votes (
    trial_id  INTEGER NOT NULL REFERENCES trials(id),
    position  INTEGER NOT NULL,
    grader    TEXT NOT NULL,
    vote      TEXT NOT NULL,
    PRIMARY KEY (trial_id, position)
);
"#,
    // Agent mode (issue 16). `worlds`: each session's starting world (an insider_env
    // WorldSpec as JSON) once by sha256, so a resumed session replays its committed turns
    // against the world it began in. `turns`: every committed turn of a session — what the
    // model wrote (text, reasoning, tool calls, the provider's own blocks), what the world
    // answered, usage, cost, raw bodies (requests packed against the prompt like
    // `responses`) — unique per (trial, turn), so no turn is stored twice. A trial's totals
    // are the sum of its turns.
    r#"
CREATE TABLE worlds (
    hash       TEXT PRIMARY KEY,
    spec_json  TEXT NOT NULL
);
CREATE TABLE turns (
    trial_id           INTEGER NOT NULL REFERENCES trials(id),
    turn               INTEGER NOT NULL,
    world_hash         TEXT NOT NULL REFERENCES worlds(hash),
    prompt_hash        TEXT NOT NULL REFERENCES prompts(hash),
    tags               INTEGER NOT NULL DEFAULT 0,
    text               TEXT NOT NULL,
    reasoning          TEXT,
    tool_calls_json    TEXT NOT NULL,
    native_json        TEXT,
    results_json       TEXT NOT NULL,
    notice             TEXT,
    clock              TEXT,
    ended              TEXT,
    stop_reason        TEXT,
    response_model     TEXT,
    input_tokens       INTEGER NOT NULL,
    output_tokens      INTEGER NOT NULL,
    cache_read_tokens  INTEGER NOT NULL,
    cache_write_tokens INTEGER NOT NULL,
    reasoning_tokens   INTEGER,
    cost_usd           REAL,
    latency_ms         INTEGER NOT NULL,
    raw_request        TEXT NOT NULL,
    raw_response       TEXT NOT NULL,
    request_packed     INTEGER NOT NULL DEFAULT 0,
    finished_at        TEXT NOT NULL,
    PRIMARY KEY (trial_id, turn)
);
"#,
    // The verdict fields a report counts, as columns: `unscored_reason` holds the reason's
    // code (`truncated`, `empty`, …; NULL when scored), `labels_json` the secondary labels
    // (NULL when none). Filled by `save_verdict` and backfilled from `verdict_json` here (see
    // `verdict_columns::backfill`). With the covering indexes below a report reads two indexes
    // and parses no verdict JSON; they extend (and replace) migration 2's summary indexes.
    r#"
ALTER TABLE verdicts ADD COLUMN unscored_reason TEXT;
ALTER TABLE verdicts ADD COLUMN labels_json TEXT;
DROP INDEX trials_summary;
DROP INDEX verdicts_summary;
CREATE INDEX trials_facts ON trials(model_id, condition_id, sample_index, status, cost_usd, prompt_hash);
CREATE INDEX verdicts_facts ON verdicts(trial_id, harmful, mode, grader_model, classifier_version, unscored_reason, labels_json);
"#,
    // Provider batches (`insider run --batch`): each row is written, with the trials it holds,
    // before the batch is sent (`submitting`), gets its provider id as soon as the provider
    // answers (`submitted`), `results_at` when it is seen ended and its results are read, and
    // ends `collected`, `failed` or `unknown` (killed while submitting). A resumed run polls
    // the `submitted` ones instead of sending their trials again. `outcome` is each item's
    // result once collected (succeeded, errored: …, expired, cancelled, missing).
    r#"
CREATE TABLE batches (
    id                 INTEGER PRIMARY KEY,
    model              TEXT NOT NULL,
    provider_batch_id  TEXT,
    state              TEXT NOT NULL,
    items              INTEGER NOT NULL,
    created_at         TEXT NOT NULL,
    submitted_at       TEXT,
    results_at         TEXT,
    ended_at           TEXT,
    provider_status    TEXT,
    note               TEXT
);
CREATE TABLE batch_items (
    batch_id   INTEGER NOT NULL REFERENCES batches(id),
    trial_id   INTEGER NOT NULL REFERENCES trials(id),
    custom_id  TEXT NOT NULL,
    outcome    TEXT,
    PRIMARY KEY (batch_id, trial_id)
);
CREATE INDEX batch_items_trial ON batch_items(trial_id);
"#,
    // Grader batches (the grader in batch mode): a `batches` row with `purpose` `grader`
    // (every earlier row is `trials`), its requests in `grader_batch_items` by the sha256 of
    // the exact request body (`request_hash`), recorded before the batch is sent. A grader
    // request whose hash sits in an open grader batch is answered by polling that batch; once
    // collected, `answer_json` keeps each answered item's reply, so a run killed before its
    // verdicts were written reads the answer here instead of paying for it again.
    r#"
ALTER TABLE batches ADD COLUMN purpose TEXT NOT NULL DEFAULT 'trials';
CREATE TABLE grader_batch_items (
    batch_id      INTEGER NOT NULL REFERENCES batches(id),
    request_hash  TEXT NOT NULL,
    custom_id     TEXT NOT NULL,
    outcome       TEXT,
    answer_json   TEXT,
    PRIMARY KEY (batch_id, request_hash)
);
CREATE INDEX grader_batch_items_hash ON grader_batch_items(request_hash);
"#,
    // What the grader calls behind each verdict used and cost (`Verdict::grader_usage`):
    // calls, tokens, cost in USD (NULL when a call's price is unknown) and whether the verdict
    // came from the verdict cache. All NULL for gate-only verdicts and for verdicts stored
    // before this migration (their usage was never recorded, so nothing is backfilled).
    r#"
ALTER TABLE verdicts ADD COLUMN grader_calls INTEGER;
ALTER TABLE verdicts ADD COLUMN grader_input_tokens INTEGER;
ALTER TABLE verdicts ADD COLUMN grader_output_tokens INTEGER;
ALTER TABLE verdicts ADD COLUMN grader_cache_read_tokens INTEGER;
ALTER TABLE verdicts ADD COLUMN grader_cache_write_tokens INTEGER;
ALTER TABLE verdicts ADD COLUMN grader_cost_usd REAL;
ALTER TABLE verdicts ADD COLUMN grader_cached INTEGER;
"#,
];

/// The version whose migration needs Rust after its SQL: migration 7's backfill.
const VERDICT_FACTS_VERSION: u32 = 7;

/// Bring `conn` up to [`SCHEMA_VERSION`], refusing ledgers written by a newer build.
pub fn migrate(conn: &mut Connection) -> anyhow::Result<()> {
    let current: u32 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if current > SCHEMA_VERSION {
        bail!(
            "ledger schema version {current} is newer than this insider understands \
             ({SCHEMA_VERSION}); upgrade insider to read it"
        );
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)
            .with_context(|| format!("applying ledger migration {}", index + 1))?;
        if index as u32 + 1 == VERDICT_FACTS_VERSION {
            crate::verdict_columns::backfill(&tx)
                .with_context(|| format!("applying ledger migration {}", index + 1))?;
        }
        tx.pragma_update(None, "user_version", index as u32 + 1)?;
        tx.commit()?;
    }
    Ok(())
}
