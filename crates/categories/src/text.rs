//! Turning text into comparable words: lower case, umlauts folded, split on word boundaries.

use unicode_segmentation::UnicodeSegmentation;

/// The words of `text`, lower-cased, with German umlauts and ß folded (`ä`→`a`, `ö`→`o`,
/// `ü`→`u`, `ß`→`ss`, composed or decomposed) and typographic apostrophes made plain (`’`→`'`).
///
/// Keywords and messages both go through here, so "Rückruf", "Ruckruf" and "RÜCKRUF" are the
/// same word. Words are split on Unicode word boundaries (UAX #29): punctuation, emoji, control
/// characters and spaces separate words and are dropped; "don't" stays one word, "call-back"
/// becomes two.
///
/// Public so that other matchers (the voicemail's "talk to a person" phrases) see words
/// exactly as categories do.
pub fn words(text: &str) -> Vec<String> {
    let folded = fold(text);
    folded.unicode_words().map(str::to_string).collect()
}

fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        match c {
            'ä' => out.push('a'),
            'ö' => out.push('o'),
            'ü' => out.push('u'),
            'ß' => out.push_str("ss"),
            // A decomposed umlaut (`u` + combining diaeresis, as macOS writes it) folds too.
            '\u{0308}' => {}
            '\u{2019}' | '\u{2018}' | '\u{02bc}' => out.push('\''),
            _ => out.push(c),
        }
    }
    out
}
