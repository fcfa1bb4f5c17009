//! Listing and searching the inbox: filters, full-text search, paging.
//!
//! Search text comes straight from users (the UI search box, `ctl inbox
//! --search`), so it is never handed to FTS5 as query syntax: every word
//! becomes a quoted prefix term ([`fts_query`]), and words are AND-ed. Quotes,
//! `*`, `OR`, `NEAR(`, `-` and the like are just text.

use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection, Row};
use serde::{Deserialize, Serialize};

use crate::inbox::contact_from_row;
use crate::{
    ContactMatch, EmailState, Message, MessageId, MessageKind, Store, StoreError, Timestamp,
    TranscriptionState,
};

/// How many entries [`InboxQuery::default`] asks for: one screen of the list.
pub const DEFAULT_INBOX_LIMIT: usize = 50;

/// How many characters of the transcript [`MessageSummary::preview`] carries.
pub const PREVIEW_CHARS: usize = 160;

/// Words of a search beyond this many are ignored: a longer search is pasted
/// text, and every word makes the query slower.
pub const MAX_SEARCH_WORDS: usize = 16;

/// A search typed as a phone number needs this many digits before it also
/// matches inside numbers (fewer would match nearly every caller).
const MIN_NUMBER_DIGITS: usize = 3;

/// Which inbox entries to list. Every filter that is set must match; the
/// default lists the newest [`DEFAULT_INBOX_LIMIT`] entries of all kinds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct InboxQuery {
    /// Words to find in the transcript, caller number, caller or contact name
    /// and category. Each word matches as a prefix ("invoi" finds "invoice"),
    /// accents are ignored ("ruckruf" finds "Rückruf"). A search that looks
    /// like a phone number (digits and `+ - / ( ) .` only) also matches inside
    /// calling numbers. Text without any letter or digit searches for nothing
    /// and is ignored, like an empty search.
    pub search: Option<String>,
    /// Only entries received at or after this time.
    pub received_from: Option<Timestamp>,
    /// Only entries received before this time (exclusive).
    pub received_before: Option<Timestamp>,
    /// Only this mailbox.
    pub mailbox: Option<String>,
    /// Only this category (exact name).
    pub category: Option<String>,
    /// Only messages attributed to this contact.
    pub contact_id: Option<i64>,
    /// `Some(false)` for unread entries only, `Some(true)` for read ones.
    pub read: Option<bool>,
    /// Only messages, or only call attempts.
    pub kind: Option<MessageKind>,
    /// At most this many entries (0 returns none).
    pub limit: usize,
    /// Skip this many entries first, for paging.
    pub offset: usize,
}

impl Default for InboxQuery {
    fn default() -> Self {
        InboxQuery {
            search: None,
            received_from: None,
            received_before: None,
            mailbox: None,
            category: None,
            contact_id: None,
            read: None,
            kind: None,
            limit: DEFAULT_INBOX_LIMIT,
            offset: 0,
        }
    }
}

/// One line of the inbox list: enough to show and filter it without the full text.
///
/// Field names are part of the API: do not rename them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageSummary {
    /// Row id, for `ctl inbox show ID` and friends.
    pub id: MessageId,
    /// `"message"` or `"attempt"`.
    pub kind: MessageKind,
    /// The mailbox that took the call.
    pub mailbox: String,
    /// The calling number as received.
    pub caller_number: String,
    /// The calling number in E.164, if known.
    pub caller_e164: Option<String>,
    /// The caller's display name from the signalling.
    pub caller_name: Option<String>,
    /// The identified contact, if any.
    pub contact: Option<ContactMatch>,
    /// When the call reached voicemail.
    pub received_at: Timestamp,
    /// Length of the recording in milliseconds.
    pub duration_ms: i64,
    /// The category.
    pub category: String,
    /// Whether the user has seen it.
    pub read: bool,
    /// Whether there is a recording to play.
    pub has_audio: bool,
    /// Where the transcription is.
    pub transcription_state: TranscriptionState,
    /// The start of the transcript ([`PREVIEW_CHARS`] characters, then "…").
    pub preview: Option<String>,
    /// The transcript's language.
    pub language: Option<String>,
    /// Where the notification e-mail is (so failures show in the list).
    pub email_state: EmailState,
    /// Who the voicemail connected the caller to, if anyone answered there.
    pub connected_to: Option<String>,
}

impl MessageSummary {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<MessageSummary> {
        let preview: Option<String> = row.get("preview")?;
        Ok(MessageSummary {
            id: MessageId(row.get("id")?),
            kind: row.get("kind")?,
            mailbox: row.get("mailbox")?,
            caller_number: row.get("caller_number")?,
            caller_e164: row.get("caller_e164")?,
            caller_name: row.get("caller_name")?,
            contact: contact_from_row(row)?,
            received_at: row.get("received_at")?,
            duration_ms: row.get("duration_ms")?,
            category: row.get("category")?,
            read: row.get("read")?,
            has_audio: row.get("has_audio")?,
            transcription_state: row.get("transcription_state")?,
            preview: preview.map(shorten),
            language: row.get("language")?,
            email_state: row.get("email_state")?,
            connected_to: row.get("connected_to")?,
        })
    }
}

/// A full message as its list row, exactly as [`crate::Store::inbox`] would read it (for
/// front ends told about one message).
impl From<Message> for MessageSummary {
    fn from(message: Message) -> Self {
        MessageSummary {
            id: message.id,
            kind: message.kind,
            mailbox: message.mailbox,
            caller_number: message.caller_number,
            caller_e164: message.caller_e164,
            caller_name: message.caller_name,
            contact: message.contact,
            received_at: message.received_at,
            duration_ms: message.duration_ms,
            category: message.category,
            read: message.read,
            has_audio: message.audio_path.is_some(),
            transcription_state: message.transcription_state,
            preview: message.transcript.map(shorten),
            language: message.language,
            email_state: message.email_state,
            connected_to: message.connected_to,
        }
    }
}

/// Cuts a preview fetched with one character too many down to
/// [`PREVIEW_CHARS`] and marks the cut.
fn shorten(text: String) -> String {
    match text.char_indices().nth(PREVIEW_CHARS) {
        Some((cut, _)) => format!("{}…", text[..cut].trim_end()),
        None => text,
    }
}

/// Turns text typed by a user into an FTS5 query that cannot be a syntax
/// error: each whitespace-separated word is double-quoted (inner quotes
/// doubled) and marked as a prefix, and the words are AND-ed. Words without
/// any letter or digit are dropped (they would match nothing), as are repeats
/// and words after the first [`MAX_SEARCH_WORDS`]; `None` means nothing is
/// left to search for.
pub fn fts_query(text: &str) -> Option<String> {
    let mut words: Vec<&str> = Vec::new();
    // Control characters (NUL included: FTS5 reads the query as a C string)
    // separate words like spaces do.
    for word in text.split(|c: char| c.is_whitespace() || c.is_control()) {
        if word.chars().any(char::is_alphanumeric) && !words.contains(&word) {
            words.push(word);
        }
    }
    words.truncate(MAX_SEARCH_WORDS);
    let terms: Vec<String> = words
        .iter()
        .map(|word| format!("\"{}\"*", word.replace('"', "\"\"")))
        .collect();
    if terms.is_empty() {
        None
    } else {
        Some(terms.join(" "))
    }
}

/// The digits of a search that looks like a phone number, e.g. "+49 (30) 123"
/// gives "4930123"; `None` for anything else.
fn number_needle(text: &str) -> Option<String> {
    let text = text.trim();
    let is_number_like = text
        .chars()
        .all(|c| c.is_ascii_digit() || " +-/().".contains(c));
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    (is_number_like && digits.len() >= MIN_NUMBER_DIGITS).then_some(digits)
}

/// The entries a search can match, as a subquery of row ids: the words in
/// the text index, plus (for number-like searches) the digits in the trigram
/// index of calling numbers. `None` when there is nothing to search for.
fn search_candidates(search: &str, values: &mut Vec<Value>) -> Option<String> {
    let words = fts_query(search).map(|q| {
        let p = bind(values, Value::Text(q));
        format!("SELECT rowid FROM messages_fts WHERE messages_fts MATCH {p}")
    });
    // Digits only, so quoting them makes a valid trigram query.
    let digits = number_needle(search).map(|digits| {
        let p = bind(values, Value::Text(format!("\"{digits}\"")));
        format!("SELECT rowid FROM messages_numbers WHERE messages_numbers MATCH {p}")
    });
    match (words, digits) {
        (Some(words), Some(digits)) => Some(format!("{words} UNION {digits}")),
        (one, None) | (None, one) => one,
    }
}

/// Above this many search hits the inbox walks the time index newest first
/// and stops after one page; below it, it fetches the hits by id and sorts
/// them. SQLite cannot know how many rows an FTS match returns, so it would
/// always pick the second way, which takes tens of milliseconds for a word
/// in a quarter of 100,000 messages.
const SPARSE_SEARCH_HITS: i64 = 1_000;

/// The filters of a query as SQL conditions (joined by AND) and their parameters.
struct Filter {
    /// Conditions other than the search.
    conditions: Vec<String>,
    /// The search's candidate subquery, if there is one.
    candidates: Option<String>,
    /// Parameters for both, numbered from 1; the search's come first.
    values: Vec<Value>,
    /// How many of `values` belong to the search.
    search_values: usize,
}

impl Filter {
    fn new(query: &InboxQuery) -> Filter {
        let mut values = Vec::new();
        let candidates = query
            .search
            .as_deref()
            .and_then(|search| search_candidates(search, &mut values));
        let search_values = values.len();
        let mut conditions = Vec::new();
        if let Some(from) = query.received_from {
            let p = bind(&mut values, Value::Integer(from.0));
            conditions.push(format!("m.received_at >= {p}"));
        }
        if let Some(before) = query.received_before {
            let p = bind(&mut values, Value::Integer(before.0));
            conditions.push(format!("m.received_at < {p}"));
        }
        if let Some(mailbox) = &query.mailbox {
            let p = bind(&mut values, Value::Text(mailbox.clone()));
            conditions.push(format!("m.mailbox = {p}"));
        }
        if let Some(category) = &query.category {
            let p = bind(&mut values, Value::Text(category.clone()));
            conditions.push(format!("m.category = {p}"));
        }
        if let Some(contact) = query.contact_id {
            let p = bind(&mut values, Value::Integer(contact));
            conditions.push(format!("m.contact_id = {p}"));
        }
        if let Some(read) = query.read {
            let p = bind(&mut values, Value::Integer(read.into()));
            conditions.push(format!("m.read = {p}"));
        }
        if let Some(kind) = query.kind {
            let p = bind(&mut values, Value::Text(kind.as_str().into()));
            conditions.push(format!("m.kind = {p}"));
        }
        Filter {
            conditions,
            candidates,
            values,
            search_values,
        }
    }

    /// How many entries the search alone matches (`None` without a search).
    fn search_hits(&self, conn: &Connection) -> rusqlite::Result<Option<i64>> {
        let Some(candidates) = &self.candidates else {
            return Ok(None);
        };
        let mut stmt = conn.prepare_cached(&format!("SELECT count(*) FROM ({candidates})"))?;
        let values = &self.values[..self.search_values];
        stmt.query_row(params_from_iter(values), |r| r.get(0))
            .map(Some)
    }

    /// The WHERE clause. `by_time` keeps SQLite from looking the search hits
    /// up by id (the unary `+` hides the id from the planner), so it walks
    /// the time index instead; see [`SPARSE_SEARCH_HITS`].
    fn sql(&self, by_time: bool) -> String {
        let mut all = Vec::with_capacity(self.conditions.len() + 1);
        if let Some(candidates) = &self.candidates {
            let id = if by_time { "+m.id" } else { "m.id" };
            all.push(format!("{id} IN ({candidates})"));
        }
        all.extend(self.conditions.iter().cloned());
        if all.is_empty() {
            "1".to_string()
        } else {
            all.join(" AND ")
        }
    }
}

/// Adds a parameter and returns its placeholder (`?N`).
fn bind(values: &mut Vec<Value>, value: Value) -> String {
    values.push(value);
    format!("?{}", values.len())
}

fn to_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Store {
    /// The inbox entries matching `query`, newest first (by time received,
    /// then id), paged by `limit` and `offset`.
    pub fn inbox(&self, query: &InboxQuery) -> Result<Vec<MessageSummary>, StoreError> {
        let conn = self.conn();
        let filter = Filter::new(query);
        let by_time = match filter.search_hits(&conn)? {
            Some(0) => return Ok(Vec::new()),
            Some(hits) => hits > SPARSE_SEARCH_HITS,
            None => true,
        };
        let mut values = filter.values.clone();
        let limit = bind(&mut values, Value::Integer(to_i64(query.limit)));
        let offset = bind(&mut values, Value::Integer(to_i64(query.offset)));
        let sql = format!(
            "SELECT m.id, m.kind, m.mailbox, m.caller_number, m.caller_e164, m.caller_name,
                    m.contact_id, m.contact_name, m.contact_confidence, m.received_at,
                    m.duration_ms, m.category, m.read, m.audio_path IS NOT NULL AS has_audio,
                    m.transcription_state, substr(m.transcript, 1, {}) AS preview,
                    m.language, m.email_state, m.connected_to
             FROM messages AS m
             WHERE {}
             ORDER BY m.received_at DESC, m.id DESC
             LIMIT {limit} OFFSET {offset}",
            PREVIEW_CHARS + 1,
            filter.sql(by_time),
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params_from_iter(values), MessageSummary::from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// How many entries match `query` in all (its `limit` and `offset` are
    /// ignored), so a list can say "51–100 of 312".
    pub fn inbox_count(&self, query: &InboxQuery) -> Result<u64, StoreError> {
        let conn = self.conn();
        let filter = Filter::new(query);
        let count = match filter.search_hits(&conn)? {
            // The search alone decides: its hits are the answer.
            Some(hits) if filter.conditions.is_empty() || hits == 0 => hits,
            _ => {
                let sql = format!(
                    "SELECT count(*) FROM messages AS m WHERE {}",
                    filter.sql(false)
                );
                let mut stmt = conn.prepare_cached(&sql)?;
                stmt.query_row(params_from_iter(&filter.values), |r| r.get(0))?
            }
        };
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// Every mailbox that has at least one inbox entry, sorted by name, for
    /// the dashboard's per-mailbox view and the mailbox filter.
    pub fn mailboxes(&self) -> Result<Vec<String>, StoreError> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare_cached("SELECT DISTINCT mailbox FROM messages ORDER BY mailbox")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_become_quoted_prefix_terms() {
        assert_eq!(fts_query("invoi").as_deref(), Some("\"invoi\"*"));
        assert_eq!(
            fts_query("  call  back ").as_deref(),
            Some("\"call\"* \"back\"*")
        );
        assert_eq!(
            fts_query("say \"hi\"").as_deref(),
            Some("\"say\"* \"\"\"hi\"\"\"*")
        );
        assert_eq!(
            fts_query("a OR b").as_deref(),
            Some("\"a\"* \"OR\"* \"b\"*")
        );
        assert_eq!(fts_query("x\0y").as_deref(), Some("\"x\"* \"y\"*"));
        assert_eq!(fts_query("a a a").as_deref(), Some("\"a\"*"));
        let many: String = (0..40).map(|i| format!("w{i} ")).collect();
        assert_eq!(
            fts_query(&many).unwrap().matches('*').count(),
            MAX_SEARCH_WORDS
        );
    }

    #[test]
    fn text_without_letters_or_digits_searches_nothing() {
        for empty in ["", "   ", "\"", "* - ( )", "'\"'", "😀"] {
            assert_eq!(fts_query(empty), None, "{empty:?}");
        }
    }

    #[test]
    fn number_like_searches_give_their_digits() {
        assert_eq!(
            number_needle("+49 (30) 123-45").as_deref(),
            Some("493012345")
        );
        assert_eq!(number_needle("0170"), Some("0170".into()));
        assert_eq!(number_needle("12"), None, "too short");
        assert_eq!(number_needle("invoice 12345"), None);
        assert_eq!(number_needle(""), None);
    }

    #[test]
    fn previews_are_cut_on_a_character_boundary() {
        let long = "ü".repeat(PREVIEW_CHARS + 1);
        let cut = shorten(long);
        assert_eq!(cut.chars().count(), PREVIEW_CHARS + 1);
        assert!(cut.ends_with('…'));
        assert_eq!(shorten("short".into()), "short");
        let exact = "a".repeat(PREVIEW_CHARS);
        assert_eq!(shorten(exact.clone()), exact);
    }
}
