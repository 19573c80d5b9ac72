//! Minimal RFC 4180 CSV writing (quote a field only when it needs it).

/// Quote a field if it contains a comma, quote, CR or LF; double any quotes inside.
pub fn csv_field(value: &str) -> std::borrow::Cow<'_, str> {
    if value.contains([',', '"', '\n', '\r']) {
        std::borrow::Cow::Owned(format!("\"{}\"", value.replace('"', "\"\"")))
    } else {
        std::borrow::Cow::Borrowed(value)
    }
}

/// One CSV record terminated by `\n`.
pub fn csv_line<S: AsRef<str>>(cells: &[S]) -> String {
    let mut line = String::new();
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        line.push_str(&csv_field(cell.as_ref()));
    }
    line.push('\n');
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_when_needed() {
        assert_eq!(
            csv_line(&["a", "b c", "x,y", "say \"hi\"", "two\nlines"]),
            "a,b c,\"x,y\",\"say \"\"hi\"\"\",\"two\nlines\"\n"
        );
    }
}
