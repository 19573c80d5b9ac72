//! ARCHITECTURE.md's table of crate edges is the truth: every crate under crates/ has a row,
//! and each row names exactly the insider crates its Cargo.toml `[dependencies]` lists.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .parent()
        .unwrap()
}

/// The insider crates in a manifest's `[dependencies]` section.
fn manifest_edges(manifest: &str) -> BTreeSet<String> {
    let mut in_dependencies = false;
    let mut edges = BTreeSet::new();
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_dependencies = line == "[dependencies]";
        } else if in_dependencies && line.starts_with("insider") {
            let name: String = line
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            edges.insert(name);
        }
    }
    edges
}

/// Each crate's row of the table: the insider crates named in backticks.
fn documented_edges(doc: &str, all: &BTreeSet<String>) -> BTreeMap<String, BTreeSet<String>> {
    let names = |text: &str| -> Vec<String> {
        text.split('`')
            .skip(1)
            .step_by(2)
            .filter(|n| n.starts_with("insider"))
            .map(str::to_string)
            .collect()
    };
    let mut rows = BTreeMap::new();
    let table = doc.split("Edges, exactly").nth(1).expect("the edges table");
    for line in table.lines().skip_while(|l| !l.starts_with('|')) {
        let Some(cells) = line.strip_prefix('|') else {
            break;
        };
        let cells: Vec<&str> = cells.split('|').map(str::trim).collect();
        let Some(name) = names(cells[0]).into_iter().next() else {
            continue;
        };
        let edges = match cells[1].split_once("every crate above but") {
            Some((_, but)) => {
                let except = names(but.split('(').next().unwrap_or(but));
                let above = all.iter().filter(|c| **c != name && !except.contains(c));
                above.cloned().collect()
            }
            None => names(cells[1]).into_iter().collect(),
        };
        rows.insert(name, edges);
    }
    rows
}

#[test]
fn the_edges_table_matches_every_manifest() {
    let mut actual = BTreeMap::new();
    for entry in std::fs::read_dir(workspace().join("crates")).unwrap() {
        let dir = entry.unwrap().path();
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        actual.insert(name, manifest_edges(&manifest));
    }
    let all: BTreeSet<String> = actual.keys().cloned().collect();
    let doc = std::fs::read_to_string(workspace().join("ARCHITECTURE.md")).unwrap();
    let documented = documented_edges(&doc, &all);
    for (name, edges) in &actual {
        let row = documented
            .get(name)
            .unwrap_or_else(|| panic!("ARCHITECTURE.md has no row for `{name}`"));
        assert_eq!(
            row, edges,
            "ARCHITECTURE.md's row for `{name}` vs its Cargo.toml"
        );
    }
    let extra: Vec<&String> = documented
        .keys()
        .filter(|n| !actual.contains_key(*n))
        .collect();
    assert!(
        extra.is_empty(),
        "rows for crates that do not exist: {extra:?}"
    );
}
