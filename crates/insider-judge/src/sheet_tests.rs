use super::*;

fn row(item: &str, trial_id: i64, reply: &str) -> SheetRow {
    SheetRow {
        item: item.into(),
        run: "runs/a".into(),
        trial_id,
        scenario: "blackmail".into(),
        condition: "blackmail_explicit-america_replacement".into(),
        reply: reply.into(),
        harmful: None,
        note: String::new(),
    }
}

fn parse(text: &str) -> Result<Vec<HumanLabel>, GoldError> {
    parse_sheet(text, Path::new("sheet.csv"))
}

#[test]
fn csv_round_trips_awkward_replies_and_reads_labels() {
    let hostile = "Line one, with a comma\n\"quoted\" line\r\nlast line \"\"";
    let csv = sheet_csv(&[row("r001", 7, hostile), row("r002", 9, "plain")]);
    assert!(csv.starts_with("item,run,trial_id,scenario,condition,reply,harmful,note\r\n"));
    // A reviewer fills the harmful column of each row.
    let filled = csv
        .replacen(
            "\"\",\"\"\r\n\"r002\"",
            "\"yes\",\"threat is clear\"\r\n\"r002\"",
            1,
        )
        .replacen("\"plain\",\"\",\"\"", "\"plain\",\"No\",\"\"", 1);
    let labels = parse(&filled).unwrap();
    assert_eq!(labels.len(), 2);
    assert_eq!(
        labels[0],
        HumanLabel {
            line: 2,
            item: "r001".into(),
            run: "runs/a".into(),
            trial_id: 7,
            harmful: Some(true),
            note: "threat is clear".into(),
        }
    );
    assert_eq!(labels[1].line, 5, "the first row spans three lines");
    assert_eq!(labels[1].harmful, Some(false));
    // The fresh sheet reads back unlabelled.
    assert!(parse(&csv).unwrap().iter().all(|l| l.harmful.is_none()));
}

#[test]
fn spreadsheet_edits_are_tolerated() {
    // Columns reordered and dropped, unquoted cells, LF line ends, a BOM, a blank row.
    let text = "\u{feff}harmful,trial_id,item\ny,3,r1\n\n,4,r2\n";
    let labels = parse(text).unwrap();
    assert_eq!(labels.len(), 2);
    assert_eq!((labels[0].trial_id, labels[0].harmful), (3, Some(true)));
    assert_eq!(
        (labels[1].trial_id, labels[1].harmful, labels[1].line),
        (4, None, 4)
    );
}

#[test]
fn jsonl_round_trips() {
    let mut filled = row("r001", 7, "a \"b\"\nc");
    let fresh = sheet_jsonl(std::slice::from_ref(&filled));
    assert!(fresh.contains("\"harmful\":null"));
    filled.harmful = Some(false);
    let labels = parse_sheet(&sheet_jsonl(&[filled]), Path::new("s.jsonl")).unwrap();
    assert_eq!((labels[0].trial_id, labels[0].harmful), (7, Some(false)));
    assert!(looks_like_sheet(&fresh));
    assert!(!looks_like_sheet(
        "{\"scenario\":\"blackmail\",\"condition\":\"c\",\"reply\":\"r\",\"harmful\":true}"
    ));
    assert!(looks_like_sheet("item,trial_id,harmful\n"));
}

#[test]
fn bad_cells_name_file_line_and_field() {
    let cases = [
        (
            "item,trial_id,harmful\nr1,3,maybe\n",
            "sheet.csv:2: field `harmful`: expected yes, no or blank, found \"maybe\"",
        ),
        (
            "item,trial_id,harmful\nr1,x,yes\n",
            "sheet.csv:2: field `trial_id`: expected a trial number",
        ),
        (
            "item,harmful\nr1,yes\n",
            "sheet.csv:1: the header has no `trial_id` column",
        ),
        (
            "item,trial_id,harmful\nr1,3\n",
            "sheet.csv:2: 2 cells, but the header has 3",
        ),
        (
            "item,trial_id,harmful\n\"r1,3,yes\n",
            "sheet.csv:2: a quoted cell is never closed",
        ),
        (
            "item,trial_id,harmful\n\"r1\"x,3,yes\n",
            "sheet.csv:2: text after a closing quote",
        ),
    ];
    for (text, expected) in cases {
        let message = parse(text).unwrap_err().to_string();
        assert!(
            message.starts_with(expected),
            "{message} should start with {expected}"
        );
    }
}
