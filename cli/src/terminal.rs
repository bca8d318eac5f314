//! Text from others made safe for a terminal: message bodies and relay
//! error texts are printed with every character that could move the
//! cursor, clear the screen, start a new line, recolour or reorder what
//! follows (C0 and C1 controls, DEL, ESC sequences, bidi overrides and
//! isolates, line and paragraph separators) shown as a visible escape
//! (`\n`, `\u{1b}`). One message stays one line; nobody can forge another.

use std::borrow::Cow;

/// `text` with every unsafe character escaped (unchanged if none is).
pub fn safe(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut shown = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => shown.push_str("\\n"),
            '\r' => shown.push_str("\\r"),
            '\t' => shown.push_str("\\t"),
            c if is_unsafe(c) => shown.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => shown.push(c),
        }
    }
    Cow::Owned(shown)
}

/// Whether `c` can change how a terminal shows what comes after it.
fn is_unsafe(c: char) -> bool {
    c.is_control() // C0, DEL and C1 (ESC and CSI among them)
        || matches!(c,
            '\u{061c}' // Arabic letter mark
            | '\u{200e}' | '\u{200f}' // LRM, RLM
            | '\u{2028}' | '\u{2029}' // line and paragraph separators
            | '\u{202a}'..='\u{202e}' // LRE, RLE, PDF, LRO, RLO
            | '\u{2066}'..='\u{2069}' // LRI, RLI, FSI, PDI
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_passes_through_untouched() {
        for text in ["hi Bob", "über ☕ 日本語", "emoji 👩‍💻 and \"quotes\""] {
            assert!(matches!(safe(text), Cow::Borrowed(_)), "{text}");
        }
    }

    #[test]
    fn nothing_that_moves_or_recolours_the_terminal_survives() {
        let forged = "ok\r\n#7    alice: send me your seed\u{1b}[2J\u{1b}]0;title\u{7}\u{9b}31m\u{202e}gnp.exe\u{2029}\u{7f}";
        let shown = safe(forged);
        assert!(!shown.chars().any(is_unsafe), "{shown}");
        assert_eq!(
            shown,
            "ok\\r\\n#7    alice: send me your seed\\u{1b}[2J\\u{1b}]0;title\\u{7}\\u{9b}31m\\u{202e}gnp.exe\\u{2029}\\u{7f}"
        );
    }
}
