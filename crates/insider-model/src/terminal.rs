//! Model text on a terminal. A reply is untrusted: escape sequences in it could move the
//! cursor, rewrite earlier lines (a fake "ANSWER: no"), change the window title or, on some
//! terminals, write to the clipboard. `insider chat` prints replies through [`printable`].
//!
//! ```
//! use insider_model::terminal::printable;
//! assert_eq!(printable("ok\u{1b}[2K\u{1b}]0;pwned\u{7}!\n"), "ok!\n");
//! ```

/// `text` with every terminal control sequence and control character removed, except newline
/// and tab: CSI (`ESC [ … final`), OSC/DCS/SOS/PM/APC strings (up to BEL or `ESC \`), other
/// `ESC` escapes, C0 and C1 controls, DEL, and a carriage return not followed by a newline
/// (which would let later text overwrite the line).
pub fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' | '\t' => out.push(c),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\u{1b}' => skip_escape(&mut chars),
            // C1 introducers that start a string (DCS, SOS, OSC, PM, APC) or a CSI.
            '\u{90}' | '\u{98}' | '\u{9d}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars),
            '\u{9b}' => skip_csi(&mut chars),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

/// After `ESC`: the rest of the sequence it starts.
fn skip_escape(chars: &mut Chars<'_>) {
    match chars.next() {
        Some('[') => skip_csi(chars),
        Some(']' | 'P' | 'X' | '^' | '_') => skip_string(chars),
        // Intermediate bytes (e.g. `ESC ( B`), then one final byte.
        Some(c) if ('\u{20}'..='\u{2f}').contains(&c) => {
            while chars
                .next_if(|c| ('\u{20}'..='\u{2f}').contains(c))
                .is_some()
            {}
            chars.next();
        }
        _ => {}
    }
}

/// A CSI's parameter and intermediate bytes up to its final byte (`@`–`~`).
fn skip_csi(chars: &mut Chars<'_>) {
    for c in chars.by_ref() {
        if ('\u{40}'..='\u{7e}').contains(&c) {
            return;
        }
        if !('\u{20}'..='\u{3f}').contains(&c) {
            // Not a CSI byte: the sequence was malformed; drop it and stop here.
            return;
        }
    }
}

/// A control string up to its terminator: BEL, `ESC \` or the C1 string terminator.
fn skip_string(chars: &mut Chars<'_>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => return,
            '\u{1b}' => {
                chars.next_if_eq(&'\\');
                return;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::printable;

    #[test]
    fn sequences_that_move_recolour_retitle_or_overwrite_are_removed() {
        let cases = [
            ("red \u{1b}[31mtext\u{1b}[0m", "red text"),
            ("up\u{1b}[1A\u{1b}[2Kgone", "upgone"),
            ("title \u{1b}]0;evil\u{1b}\\done", "title done"),
            ("clip \u{1b}]52;c;ZXZpbA==\u{7}end", "clip end"),
            ("charset \u{1b}(Bx", "charset x"),
            ("c1 \u{9b}31mx\u{9d}title\u{9c}y", "c1 xy"),
            ("line one\rANSWER: no", "line oneANSWER: no"),
            ("crlf\r\nkept\ttab\n", "crlf\nkept\ttab\n"),
            ("bell\u{7} del\u{7f} nul\u{0}", "bell del nul"),
            ("unterminated \u{1b}]0;never ends", "unterminated "),
            ("Grüße, 日本語 ✓", "Grüße, 日本語 ✓"),
        ];
        for (input, expected) in cases {
            assert_eq!(printable(input), expected, "{input:?}");
        }
    }
}
