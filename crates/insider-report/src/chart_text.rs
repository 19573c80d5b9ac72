//! Text layout for SVG charts without a font engine: width estimates, wrapping long model
//! names and condition ids at their separators, and abbreviations with a legend when a label
//! would still not fit. Charts are sized from these estimates so no label is clipped; the
//! estimates lean wide (they are tuned on DejaVu Sans, the usual fallback sans-serif font, which
//! is wider than most), and the page script widens a chart further if a browser's font is wider
//! still.

/// Estimated width in pixels of `text` at `size` px (bold text is ~10% wider).
pub fn text_width(text: &str, size: f64, bold: bool) -> f64 {
    let em: f64 = text
        .chars()
        .map(|c| match c {
            'i' | 'l' | 'j' | '.' | ',' | ':' | ';' | '\'' | '|' | '!' | ' ' | 'f' | 't' | 'r'
            | '(' | ')' | '[' | ']' | '-' | '/' => 0.40,
            'm' | 'w' | 'M' | 'W' | '%' | '@' => 1.0,
            'A'..='Z' | '≤' | '−' | '×' => 0.76,
            _ => 0.64,
        })
        .sum();
    em * size * if bold { 1.1 } else { 1.0 }
}

/// Split `text` into lines of at most `max_chars` characters, breaking after `_`, `-`, `/`,
/// `.`, `:` or a space where possible and inside a word only when a piece is longer than a line.
pub fn wrap(text: &str, max_chars: usize) -> Vec<String> {
    let max_chars = max_chars.max(4);
    // Pieces end just after a separator, so joining the lines gives the text back.
    let mut pieces: Vec<String> = Vec::new();
    let mut current = String::new();
    for c in text.chars() {
        current.push(c);
        if matches!(c, '_' | '-' | '/' | '.' | ':' | ' ') {
            pieces.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        pieces.push(current);
    }
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for piece in pieces {
        let mut piece = piece;
        while piece.chars().count() > max_chars {
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            let head: String = piece.chars().take(max_chars).collect();
            piece = piece.chars().skip(max_chars).collect();
            lines.push(head);
        }
        if line.chars().count() + piece.chars().count() > max_chars && !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        line.push_str(&piece);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// How axis labels are drawn: wrapped in place, or abbreviated with a legend.
#[derive(Debug, Clone, PartialEq)]
pub struct AxisLabels {
    /// The lines drawn under each item.
    pub lines: Vec<Vec<String>>,
    /// `(abbreviation, full label)` pairs to print under the chart; empty when wrapped.
    pub legend: Vec<(String, String)>,
}

/// Lay out item labels for slots `slot_px` wide at `size` px: wrap each into at most
/// `max_lines` lines, or, if any would need more, number them (`prefix1`, `prefix2`, …) and
/// return a legend.
pub fn axis_labels(
    labels: &[String],
    slot_px: f64,
    size: f64,
    max_lines: usize,
    prefix: &str,
) -> AxisLabels {
    let per_char = text_width("m", size, false).max(text_width("0", size, false));
    // Use the wide-letter width so a line of any letters fits its slot.
    let max_chars = ((slot_px - 6.0) / (per_char * 0.72)).floor().max(4.0) as usize;
    let wrapped: Vec<Vec<String>> = labels.iter().map(|l| wrap(l, max_chars)).collect();
    let fits = wrapped.iter().all(|lines| {
        lines.len() <= max_lines
            && lines
                .iter()
                .all(|l| text_width(l, size, false) <= slot_px - 4.0)
    });
    if fits {
        return AxisLabels {
            lines: wrapped,
            legend: Vec::new(),
        };
    }
    let legend: Vec<(String, String)> = labels
        .iter()
        .enumerate()
        .map(|(i, l)| (format!("{prefix}{}", i + 1), l.clone()))
        .collect();
    AxisLabels {
        lines: legend.iter().map(|(a, _)| vec![a.clone()]).collect(),
        legend,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_breaks_at_separators_and_keeps_every_character() {
        let id = "blackmail_explicit-america_replacement_extra-dont";
        let lines = wrap(id, 20);
        assert!(lines.iter().all(|l| l.chars().count() <= 20), "{lines:?}");
        assert_eq!(lines.concat(), id);
        assert_eq!(lines[0], "blackmail_explicit-");
        // A piece longer than a line is cut inside.
        let lines = wrap("abcdefghijklmnop", 6);
        assert_eq!(lines, ["abcdef", "ghijkl", "mnop"]);
        assert_eq!(wrap("", 10), [""]);
    }

    #[test]
    fn labels_that_do_not_fit_become_numbered_with_a_legend() {
        let short = vec!["gpt-4.1".to_string(), "o3".to_string()];
        let laid = axis_labels(&short, 84.0, 11.0, 3, "M");
        assert!(laid.legend.is_empty());
        assert_eq!(laid.lines[0], ["gpt-4.1"]);
        let long = vec![
            "claude-opus-4-20250514-with-a-very-long-fine-tune-suffix-name".to_string(),
            "o3".to_string(),
        ];
        let laid = axis_labels(&long, 84.0, 11.0, 3, "M");
        assert_eq!(laid.lines, [vec!["M1".to_string()], vec!["M2".to_string()]]);
        assert_eq!(laid.legend[0].1, long[0]);
    }

    #[test]
    fn widths_grow_with_length_and_weight() {
        assert!(text_width("mmmm", 11.0, false) > text_width("iiii", 11.0, false));
        assert!(text_width("abc", 11.0, true) > text_width("abc", 11.0, false));
    }
}
