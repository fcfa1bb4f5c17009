//! Turning Whisper's raw output into the text a person reads in the inbox.
//!
//! Whisper writes what it hears besides speech as tags: `[BLANK_AUDIO]` for silence, `(beep)`,
//! `[Music]`, `(phone ringing)`, `*coughs*`, `♪ ... ♪`. None of that belongs in a transcript,
//! in a search index or in keyword matching, so it is removed here.

/// Strips every `[...]` and `(...)` tag, `*...*` annotation and `♪...♪` passage, collapses
/// whitespace, drops spaces left before punctuation and trims. Text without a single letter or
/// digit left (e.g. `"[BLANK_AUDIO] ."`) becomes empty, so silence reads as "no message text".
/// An opening bracket without its closing one is kept as text: losing words is worse than
/// showing a stray bracket.
pub fn clean_transcript(raw: &str) -> String {
    let stripped = strip_tags(raw);
    let mut text = String::with_capacity(stripped.len());
    for word in stripped.split_whitespace() {
        let glued_punctuation = word
            .chars()
            .all(|c| matches!(c, '.' | ',' | '!' | '?' | ';' | ':'));
        if !text.is_empty() && !glued_punctuation {
            text.push(' ');
        }
        text.push_str(word);
    }
    let text = text.trim_start_matches(['.', ',', ';', ':', ' ']);
    if text.chars().any(char::is_alphanumeric) {
        text.to_string()
    } else {
        String::new()
    }
}

/// Replaces each tag with a space (so the words around it stay apart).
fn strip_tags(raw: &str) -> String {
    let chars: Vec<char> = raw.chars().collect();
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let end = match c {
            '[' => matching_bracket(&chars, i, '[', ']'),
            '(' => matching_bracket(&chars, i, '(', ')'),
            // A lone `*` or `♪` is an annotation marker, never speech: drop just the marker.
            '*' | '♪' => Some(next_of(&chars, i, c).unwrap_or(i)),
            _ => None,
        };
        match end {
            Some(end) => {
                out.push(' ');
                i = end + 1;
            }
            None => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// Index of the bracket closing the one at `start`, counting nested pairs of the same kind.
fn matching_bracket(chars: &[char], start: usize, open: char, close: char) -> Option<usize> {
    let mut depth = 0usize;
    for (offset, &c) in chars[start..].iter().enumerate() {
        if c == open {
            depth += 1;
        } else if c == close {
            depth -= 1;
            if depth == 0 {
                return Some(start + offset);
            }
        }
    }
    None
}

/// Index of the next `marker` after `start`.
fn next_of(chars: &[char], start: usize, marker: char) -> Option<usize> {
    chars[start + 1..]
        .iter()
        .position(|&c| c == marker)
        .map(|offset| start + 1 + offset)
}

#[cfg(test)]
mod tests {
    use super::clean_transcript;

    #[test]
    fn strips_whispers_non_speech_tags() {
        assert_eq!(clean_transcript(" [BLANK_AUDIO]"), "");
        assert_eq!(clean_transcript("(beep)"), "");
        assert_eq!(clean_transcript("[Music] (silence)"), "");
        assert_eq!(
            clean_transcript(" (beep) Hello, this is Anna. [BLANK_AUDIO]"),
            "Hello, this is Anna."
        );
        assert_eq!(
            clean_transcript("[Music] Please call me back. (phone ringing) Thanks!"),
            "Please call me back. Thanks!"
        );
    }

    #[test]
    fn strips_any_bracketed_tag_and_star_or_music_annotations() {
        assert_eq!(
            clean_transcript("(door slams) Hi *coughs* there"),
            "Hi there"
        );
        assert_eq!(clean_transcript("[SOUND] call (me) back"), "call back");
        assert_eq!(clean_transcript("♪ la la la ♪ Hello"), "Hello");
        assert_eq!(clean_transcript("a ((nested) tag) b"), "a b");
        assert_eq!(clean_transcript("press * then hash"), "press then hash");
    }

    #[test]
    fn collapses_whitespace_and_fixes_punctuation_left_behind() {
        assert_eq!(
            clean_transcript("  Hello \n\t world  [BLANK_AUDIO] .  "),
            "Hello world."
        );
        assert_eq!(clean_transcript("Yes (pause) , sure"), "Yes, sure");
        assert_eq!(clean_transcript("[Music]. Hello"), "Hello");
    }

    #[test]
    fn text_without_letters_or_digits_is_empty() {
        assert_eq!(clean_transcript(""), "");
        assert_eq!(clean_transcript("   "), "");
        assert_eq!(clean_transcript("[BLANK_AUDIO] ."), "");
        assert_eq!(clean_transcript("..."), "");
        assert_eq!(clean_transcript("Call 0301234."), "Call 0301234.");
    }

    #[test]
    fn unbalanced_brackets_keep_the_words() {
        assert_eq!(clean_transcript("call me (tomorrow"), "call me (tomorrow");
        assert_eq!(clean_transcript("call me [tomorrow"), "call me [tomorrow");
        assert_eq!(clean_transcript("fine) thanks"), "fine) thanks");
    }

    #[test]
    fn keeps_non_ascii_speech() {
        assert_eq!(
            clean_transcript("[Musik] Bitte rufen Sie zurück, Grüße"),
            "Bitte rufen Sie zurück, Grüße"
        );
    }
}
