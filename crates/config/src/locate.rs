//! Mapping key paths such as `account[1].transport` to lines of the source text.

use std::fmt;
use std::ops::Range;
use std::path::Path;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use crate::error::Location;

/// One step of a key path: a table key or an array index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seg {
    Key(String),
    Index(usize),
}

/// A dotted key path, displayed like `account[1].transport`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct KeyPath(pub Vec<Seg>);

impl KeyPath {
    /// Builds a path from literal segments, e.g. `KeyPath::of(&["sip", "listen"])`.
    pub fn of(keys: &[&str]) -> KeyPath {
        KeyPath(keys.iter().map(|k| Seg::Key((*k).to_string())).collect())
    }

    /// `account[index]`.
    pub fn account(index: usize) -> KeyPath {
        KeyPath(vec![Seg::Key("account".into()), Seg::Index(index)])
    }

    /// This path extended by one key.
    pub fn key(&self, key: &str) -> KeyPath {
        let mut segs = self.0.clone();
        segs.push(Seg::Key(key.to_string()));
        KeyPath(segs)
    }

    /// This path extended by an array index, e.g. `internal[1]`.
    pub fn index(&self, index: usize) -> KeyPath {
        let mut segs = self.0.clone();
        segs.push(Seg::Index(index));
        KeyPath(segs)
    }

    /// The last key of the path, if it ends in one.
    pub fn last_key(&self) -> Option<&str> {
        match self.0.last() {
            Some(Seg::Key(k)) => Some(k),
            _ => None,
        }
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Key(k) if i == 0 => f.write_str(k)?,
                Seg::Key(k) => write!(f, ".{k}")?,
                Seg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// The parsed document plus what is needed to turn spans into locations.
pub(crate) struct Source<'a> {
    pub text: &'a str,
    pub file: Option<&'a Path>,
    pub doc: Spanned<DeTable<'a>>,
}

impl<'a> Source<'a> {
    /// The value at `path`, if present in the text.
    pub fn value(&self, path: &KeyPath) -> Option<&Spanned<DeValue<'a>>> {
        let mut table = self.doc.get_ref();
        let mut current: Option<&Spanned<DeValue<'a>>> = None;
        for seg in &path.0 {
            current = match (seg, current.map(|v| v.get_ref())) {
                (Seg::Key(k), None) => Some(entry(table, k)?.1),
                (Seg::Key(k), Some(DeValue::Table(t))) => Some(entry(t, k)?.1),
                (Seg::Index(n), Some(DeValue::Array(a))) => Some(a.get(*n)?),
                _ => return None,
            };
            if let Some(DeValue::Table(t)) = current.map(|v| v.get_ref()) {
                table = t;
            }
        }
        current
    }

    /// True if `path` is written in the text (as opposed to defaulted).
    pub fn is_set(&self, path: &KeyPath) -> bool {
        self.value(path).is_some()
    }

    /// The best span for `path`: the key itself if present (so the line is the
    /// one the user wrote), else the nearest enclosing value that exists.
    pub fn span_of(&self, path: &KeyPath) -> Option<Range<usize>> {
        for len in (1..=path.0.len()).rev() {
            let prefix = KeyPath(path.0[..len].to_vec());
            if let Some(span) = self.key_span(&prefix) {
                return Some(span);
            }
            if let Some(v) = self.value(&prefix) {
                return Some(v.span());
            }
        }
        None
    }

    /// Span of the key token itself when `path` ends in a present key.
    fn key_span(&self, path: &KeyPath) -> Option<Range<usize>> {
        let (last, parent) = path.0.split_last()?;
        let Seg::Key(last) = last else { return None };
        let table = if parent.is_empty() {
            self.doc.get_ref()
        } else {
            match self.value(&KeyPath(parent.to_vec()))?.get_ref() {
                DeValue::Table(t) => t,
                _ => return None,
            }
        };
        Some(entry(table, last)?.0.span())
    }

    /// Line and column of a byte offset.
    pub fn location_at(&self, offset: usize) -> Location {
        location_at(self.text, self.file, offset)
    }

    /// Location of `path` (see [`Source::span_of`]).
    pub fn locate(&self, path: &KeyPath) -> Option<Location> {
        self.span_of(path).map(|s| self.location_at(s.start))
    }
}

/// Line and column of byte `offset` in `text` (1-based, columns in characters).
pub(crate) fn location_at(text: &str, file: Option<&Path>, offset: usize) -> Location {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    Location {
        file: file.map(Path::to_path_buf),
        line,
        column,
    }
}

fn entry<'t, 'a>(
    table: &'t DeTable<'a>,
    key: &str,
) -> Option<(
    &'t Spanned<toml::de::DeString<'a>>,
    &'t Spanned<DeValue<'a>>,
)> {
    table.iter().find(|(k, _)| k.get_ref().as_ref() == key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_keys_in_arrays_of_tables() {
        let text = "[sip]\nlisten = \"0.0.0.0:1\"\n\n[[account]]\nname = \"a\"\n\n[[account]]\nname = \"b\"\nuser = \"1\"\n";
        let src = Source {
            text,
            file: None,
            doc: DeTable::parse(text).unwrap(),
        };
        let loc = |p: &KeyPath| src.locate(p).map(|l| (l.line, l.column));
        assert_eq!(loc(&KeyPath::of(&["sip", "listen"])), Some((2, 1)));
        assert_eq!(loc(&KeyPath::account(1).key("user")), Some((9, 1)));
        assert_eq!(loc(&KeyPath::account(0).key("name")), Some((5, 1)));
        assert!(src.is_set(&KeyPath::account(1).key("name")));
        assert!(!src.is_set(&KeyPath::account(0).key("user")));
        assert_eq!(
            KeyPath::account(1).key("user").to_string(),
            "account[1].user"
        );
    }
}
