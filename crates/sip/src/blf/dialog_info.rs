//! `application/dialog-info+xml` (RFC 4235): the body of a dialog event NOTIFY.
//!
//! [`parse`] turns a body into a typed [`DialogInfo`] with a streaming quick-xml reader: no
//! DTDs, no entities beyond XML's five and character references, bounded size, depth and
//! dialog count, so a hostile or broken body costs little and ends in a [`DialogInfoError`],
//! never a panic. [`ExtensionState::summarize`] reduces an extension's dialogs to what a
//! busy lamp shows, keeping what directed pickup needs from a ringing dialog.
//!
//! Servers differ: Kamailio writes `Trying` with a capital T and sends `call-id`,
//! `local-tag` and `remote-tag` (the tags only while the dialog is `early`); Asterisk sends
//! neither call-id nor tags. Both are accepted; element names are matched without their
//! namespace prefix and unknown elements (extensions) are skipped.

use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

/// Largest body we look at; real documents are a few hundred bytes per dialog.
pub const MAX_BODY_BYTES: usize = 256 * 1024;
/// Most dialogs one document may list (a phone has a handful of calls at most).
pub const MAX_DIALOGS: usize = 256;
/// Deepest element nesting accepted (RFC 4235 documents need 4 levels, extensions a few more).
const MAX_DEPTH: usize = 32;
/// Longest text or attribute value kept (URIs, tags, display names).
const MAX_VALUE_CHARS: usize = 2048;

/// A parsed dialog-info document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialogInfo {
    /// Increments by one per document within a subscription; orders NOTIFYs.
    pub version: u64,
    /// Whether this document lists all dialogs or only changed ones.
    pub state: DocumentState,
    /// The watched address (`sip:102@pbx`), when sent.
    pub entity: Option<String>,
    /// The dialogs, in document order.
    pub dialogs: Vec<DialogEntry>,
}

/// `state` attribute of `<dialog-info>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentState {
    /// Every dialog of the entity is listed; anything not listed has ended.
    Full,
    /// Only the dialogs that changed since the previous version are listed.
    Partial,
}

/// One `<dialog>` element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialogEntry {
    /// The dialog's id within the document (merges partial updates).
    pub id: String,
    /// SIP Call-ID of the dialog (Kamailio sends it; Asterisk does not).
    pub call_id: Option<String>,
    /// The watched extension's tag of the dialog.
    pub local_tag: Option<String>,
    /// The other party's tag of the dialog.
    pub remote_tag: Option<String>,
    /// Whether the extension placed (initiator) or received (recipient) the call.
    pub direction: Option<Direction>,
    /// Where the dialog stands.
    pub state: DialogState,
    /// The `event` attribute of `<state>` (`cancelled`, `rejected`, `replaced`, ...).
    pub state_event: Option<String>,
    /// The watched extension's side.
    pub local: Participant,
    /// The other party: for a ringing extension, the caller.
    pub remote: Participant,
}

/// `direction` attribute of `<dialog>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// The watched extension sent the INVITE.
    Initiator,
    /// The watched extension received the INVITE.
    Recipient,
}

/// Text of `<state>`; matched case-insensitively (Kamailio writes `Trying`). Ordered as a
/// dialog moves through them (RFC 4235 section 3.7.1), never backwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DialogState {
    /// INVITE sent or received, nothing back yet.
    Trying,
    /// A provisional response without a To tag.
    Proceeding,
    /// Ringing: a provisional response with a To tag.
    Early,
    /// Answered.
    Confirmed,
    /// Over (or never established).
    Terminated,
}

/// `<local>` or `<remote>`: who is on that side of the dialog.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Participant {
    /// `<identity>`: the party's address of record.
    pub identity: Option<String>,
    /// `display` attribute of `<identity>`.
    pub display: Option<String>,
    /// `uri` attribute of `<target>`: the party's device (Contact).
    pub target: Option<String>,
}

/// Why a body is not a usable dialog-info document. The NOTIFY is then ignored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DialogInfoError {
    /// The body exceeds [`MAX_BODY_BYTES`].
    #[error("dialog-info body of {0} bytes is larger than the {MAX_BODY_BYTES} accepted")]
    TooLarge(usize),
    /// The body is not UTF-8 (RFC 4235 documents are).
    #[error("dialog-info body is not UTF-8")]
    NotUtf8,
    /// The XML itself is broken.
    #[error("dialog-info body is not well-formed XML: {0}")]
    Xml(String),
    /// A DOCTYPE: never needed by dialog-info, and the door to entity expansion attacks.
    #[error("dialog-info body contains a DOCTYPE, which is refused")]
    Doctype,
    /// The root element is something else.
    #[error("body is not a dialog-info document (root element <{0}>)")]
    WrongRoot(String),
    /// A required element or attribute is missing.
    #[error("dialog-info document lacks {0}")]
    Missing(&'static str),
    /// An attribute or element has a value RFC 4235 does not allow.
    #[error("dialog-info {what} has the invalid value {value:?}")]
    Invalid {
        /// Which attribute or element.
        what: &'static str,
        /// The offending value (shortened).
        value: String,
    },
    /// Too many dialogs, too deep or too long values.
    #[error("dialog-info document exceeds a limit: {0}")]
    Limit(&'static str),
}

/// Parses an `application/dialog-info+xml` body.
pub fn parse(body: &[u8]) -> Result<DialogInfo, DialogInfoError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(DialogInfoError::TooLarge(body.len()));
    }
    let text = std::str::from_utf8(body).map_err(|_| DialogInfoError::NotUtf8)?;
    Parser::default().run(text)
}

/// What an element means to us; everything else is skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Element {
    DialogInfo,
    Dialog,
    State,
    Local,
    Remote,
    Identity,
    Target,
    Other,
}

/// The streaming parser's state: the open elements and the dialog being read.
#[derive(Default)]
struct Parser {
    open: Vec<Element>,
    root: Option<(u64, DocumentState, Option<String>)>,
    dialogs: Vec<DialogEntry>,
    current: Option<PartialDialog>,
    text: String,
}

/// A `<dialog>` while its children are read.
struct PartialDialog {
    entry: DialogEntry,
    state_text: Option<String>,
}

impl Parser {
    fn run(mut self, text: &str) -> Result<DialogInfo, DialogInfoError> {
        let mut reader = Reader::from_str(text);
        reader.config_mut().check_end_names = true;
        loop {
            match reader.read_event().map_err(xml_error)? {
                Event::Start(start) => self.start(&start, false)?,
                Event::Empty(start) => self.start(&start, true)?,
                Event::End(_) => self.end()?,
                Event::Text(t) => self.push_text(&t.xml10_content())?,
                Event::CData(c) => self.push_text(&c.xml10_content())?,
                Event::GeneralRef(r) => {
                    let resolved = match r.resolve_char_ref().map_err(xml_error)? {
                        Some(c) => c,
                        None => predefined_entity(&r).ok_or_else(|| {
                            DialogInfoError::Xml(format!("unknown entity &{};", short(&r)))
                        })?,
                    };
                    self.push_text(resolved.encode_utf8(&mut [0; 4]))?
                }
                Event::DocType(_) => return Err(DialogInfoError::Doctype),
                Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
                Event::Eof => break,
            }
        }
        if !self.open.is_empty() {
            return Err(DialogInfoError::Xml(
                "the document ends inside an element".into(),
            ));
        }
        let (version, state, entity) =
            self.root.ok_or(DialogInfoError::Missing("<dialog-info>"))?;
        Ok(DialogInfo {
            version,
            state,
            entity,
            dialogs: self.dialogs,
        })
    }

    fn start(&mut self, start: &BytesStart<'_>, empty: bool) -> Result<(), DialogInfoError> {
        if self.open.len() >= MAX_DEPTH {
            return Err(DialogInfoError::Limit("elements nested too deeply"));
        }
        let name = start.local_name().into_inner();
        let parent = self.open.last().copied();
        let element = match (parent, name) {
            (None, "dialog-info") if self.root.is_none() => {
                self.root = Some(root_attributes(start)?);
                Element::DialogInfo
            }
            (None, other) => return Err(DialogInfoError::WrongRoot(short(other))),
            (Some(Element::DialogInfo), "dialog") => {
                if self.dialogs.len() >= MAX_DIALOGS {
                    return Err(DialogInfoError::Limit("too many dialogs"));
                }
                self.current = Some(PartialDialog {
                    entry: dialog_attributes(start)?,
                    state_text: None,
                });
                Element::Dialog
            }
            (Some(Element::Dialog), "state") => {
                if let Some(dialog) = &mut self.current {
                    dialog.entry.state_event = attribute(start, "event")?;
                }
                Element::State
            }
            (Some(Element::Dialog), "local") => Element::Local,
            (Some(Element::Dialog), "remote") => Element::Remote,
            (Some(Element::Local | Element::Remote), "identity") => {
                let display = attribute(start, "display")?;
                if let Some(side) = self.participant(parent) {
                    side.display = display;
                }
                Element::Identity
            }
            (Some(Element::Local | Element::Remote), "target") => {
                let uri = attribute(start, "uri")?;
                if let Some(side) = self.participant(parent) {
                    side.target = uri;
                }
                Element::Target
            }
            _ => Element::Other,
        };
        self.text.clear();
        self.open.push(element);
        if empty {
            self.end()?;
        }
        Ok(())
    }

    fn end(&mut self) -> Result<(), DialogInfoError> {
        let element = self
            .open
            .pop()
            .ok_or_else(|| DialogInfoError::Xml("end tag without start tag".into()))?;
        let text = std::mem::take(&mut self.text);
        let text = text.trim();
        match element {
            Element::State => {
                if let Some(dialog) = &mut self.current {
                    dialog.state_text = Some(text.to_string());
                }
            }
            Element::Identity => {
                let side = self.open.last().copied();
                if let Some(side) = self.participant(side) {
                    side.identity = (!text.is_empty()).then(|| text.to_string());
                }
            }
            Element::Dialog => {
                let dialog = self.current.take().expect("a <dialog> is open");
                let state_text = dialog
                    .state_text
                    .ok_or(DialogInfoError::Missing("a <state> in a <dialog>"))?;
                let mut entry = dialog.entry;
                entry.state = dialog_state(&state_text)?;
                self.dialogs.push(entry);
            }
            _ => {}
        }
        Ok(())
    }

    fn push_text(&mut self, text: &str) -> Result<(), DialogInfoError> {
        if matches!(
            self.open.last(),
            Some(Element::State) | Some(Element::Identity)
        ) {
            if self.text.len() + text.len() > MAX_VALUE_CHARS {
                return Err(DialogInfoError::Limit("text longer than 2048 bytes"));
            }
            self.text.push_str(text);
        }
        Ok(())
    }

    /// The participant a `<local>`/`<remote>` element stands for, in the open dialog.
    fn participant(&mut self, element: Option<Element>) -> Option<&mut Participant> {
        let dialog = self.current.as_mut()?;
        match element {
            Some(Element::Local) => Some(&mut dialog.entry.local),
            Some(Element::Remote) => Some(&mut dialog.entry.remote),
            _ => None,
        }
    }
}

fn root_attributes(
    start: &BytesStart<'_>,
) -> Result<(u64, DocumentState, Option<String>), DialogInfoError> {
    let version_text =
        attribute(start, "version")?.ok_or(DialogInfoError::Missing("the version attribute"))?;
    let version = version_text
        .trim()
        .parse::<u64>()
        .map_err(|_| DialogInfoError::Invalid {
            what: "version",
            value: short(&version_text),
        })?;
    let state_text =
        attribute(start, "state")?.ok_or(DialogInfoError::Missing("the state attribute"))?;
    let state = match state_text.trim() {
        "full" => DocumentState::Full,
        "partial" => DocumentState::Partial,
        other => {
            return Err(DialogInfoError::Invalid {
                what: "document state",
                value: short(other),
            })
        }
    };
    Ok((version, state, attribute(start, "entity")?))
}

fn dialog_attributes(start: &BytesStart<'_>) -> Result<DialogEntry, DialogInfoError> {
    let id = attribute(start, "id")?.ok_or(DialogInfoError::Missing("a dialog id"))?;
    let direction = match attribute(start, "direction")?.as_deref().map(str::trim) {
        None => None,
        Some(d) if d.eq_ignore_ascii_case("initiator") => Some(Direction::Initiator),
        Some(d) if d.eq_ignore_ascii_case("recipient") => Some(Direction::Recipient),
        Some(other) => {
            return Err(DialogInfoError::Invalid {
                what: "dialog direction",
                value: short(other),
            })
        }
    };
    Ok(DialogEntry {
        id,
        call_id: attribute(start, "call-id")?,
        local_tag: attribute(start, "local-tag")?,
        remote_tag: attribute(start, "remote-tag")?,
        direction,
        // Replaced when </dialog> is read; a dialog without <state> is an error.
        state: DialogState::Terminated,
        state_event: None,
        local: Participant::default(),
        remote: Participant::default(),
    })
}

fn dialog_state(text: &str) -> Result<DialogState, DialogInfoError> {
    let states = [
        ("trying", DialogState::Trying),
        ("proceeding", DialogState::Proceeding),
        ("early", DialogState::Early),
        ("confirmed", DialogState::Confirmed),
        ("terminated", DialogState::Terminated),
    ];
    states
        .iter()
        .find(|(name, _)| text.eq_ignore_ascii_case(name))
        .map(|(_, state)| *state)
        .ok_or_else(|| DialogInfoError::Invalid {
            what: "dialog state",
            value: short(text),
        })
}

/// The value of the attribute whose local name is `name` (entities resolved), if present.
fn attribute(start: &BytesStart<'_>, name: &str) -> Result<Option<String>, DialogInfoError> {
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|e| DialogInfoError::Xml(e.to_string()))?;
        if attribute.key.local_name().into_inner() != name {
            continue;
        }
        let value = attribute
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(xml_error)?;
        if value.len() > MAX_VALUE_CHARS {
            return Err(DialogInfoError::Limit("attribute longer than 2048 bytes"));
        }
        return Ok(Some(value.into_owned()));
    }
    Ok(None)
}

fn predefined_entity(name: &str) -> Option<char> {
    Some(match name {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "apos" => '\'',
        "quot" => '"',
        _ => return None,
    })
}

fn xml_error(e: impl std::fmt::Display) -> DialogInfoError {
    DialogInfoError::Xml(short(&e.to_string()))
}

/// A value cut to a length fit for a log line.
fn short(text: &str) -> String {
    const MAX: usize = 80;
    match text.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

/// What a busy lamp shows for one extension.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ExtensionState {
    /// Not known: no NOTIFY yet, the subscription failed, or the server is unreachable.
    #[default]
    Unknown,
    /// No call.
    Idle,
    /// A call is ringing at the extension (it may be in another call as well); what a
    /// pickup needs is kept.
    Ringing(RingingCall),
    /// In a call, or placing one.
    Busy,
}

/// An incoming call ringing at a watched extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RingingCall {
    /// Who is calling (the dialog's remote identity, else its remote target).
    pub caller: Option<Caller>,
    /// The dialog's id within the dialog-info document.
    pub dialog_id: String,
    /// Call-ID of the ringing dialog (Kamailio sends it, Asterisk does not).
    pub call_id: Option<String>,
    /// The ringing extension's tag (the To tag of the INVITE it received).
    pub local_tag: Option<String>,
    /// The caller's tag (the From tag of that INVITE).
    pub remote_tag: Option<String>,
    /// Always `Recipient` or unknown: only calls the extension receives ring there.
    pub direction: Option<Direction>,
}

/// The calling party of a ringing call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The caller's SIP URI.
    pub uri: String,
    /// The caller's display name, when the server sent one.
    pub display_name: Option<String>,
}

impl Caller {
    /// The number to show for the caller: the user part of a `sip:`/`sips:` URI or the number
    /// of a `tel:` URI, else the URI as it is.
    pub fn number(&self) -> &str {
        let uri = self.uri.trim();
        let Some((_, rest)) = uri.split_once(':') else {
            return uri;
        };
        let end = rest.find(['@', ';', '?']).unwrap_or(rest.len());
        if end == 0 {
            uri
        } else {
            &rest[..end]
        }
    }
}

impl RingingCall {
    /// Call-ID and both tags, when the server sent all three: what an INVITE with
    /// `Replaces` (directed pickup) needs.
    pub fn replaces_ids(&self) -> Option<(&str, &str, &str)> {
        Some((
            self.call_id.as_deref()?,
            self.local_tag.as_deref()?,
            self.remote_tag.as_deref()?,
        ))
    }
}

impl ExtensionState {
    /// Reduces an extension's current dialogs to the lamp: ringing wins over busy (a call
    /// waiting to be picked up is the news), busy over idle; no live dialog is idle.
    /// Calls the extension places count as busy, also while they ring elsewhere.
    pub fn summarize<'a>(dialogs: impl IntoIterator<Item = &'a DialogEntry>) -> ExtensionState {
        let mut busy = false;
        for dialog in dialogs {
            if dialog.state == DialogState::Terminated {
                continue;
            }
            if is_ringing_here(dialog) {
                return ExtensionState::Ringing(ringing_call(dialog));
            }
            busy = true;
        }
        if busy {
            ExtensionState::Busy
        } else {
            ExtensionState::Idle
        }
    }

    /// Short lower-case name for logs and events: `unknown`, `idle`, `ringing`, `busy`.
    pub fn as_str(&self) -> &'static str {
        match self {
            ExtensionState::Unknown => "unknown",
            ExtensionState::Idle => "idle",
            ExtensionState::Ringing(_) => "ringing",
            ExtensionState::Busy => "busy",
        }
    }
}

/// An incoming dialog before answer rings at the extension. Without a direction only
/// `early` counts (Asterisk marks ringing that way).
fn is_ringing_here(dialog: &DialogEntry) -> bool {
    match dialog.direction {
        Some(Direction::Initiator) => false,
        Some(Direction::Recipient) => matches!(
            dialog.state,
            DialogState::Trying | DialogState::Proceeding | DialogState::Early
        ),
        None => dialog.state == DialogState::Early,
    }
}

fn ringing_call(dialog: &DialogEntry) -> RingingCall {
    let caller = dialog
        .remote
        .identity
        .clone()
        .or_else(|| dialog.remote.target.clone())
        .map(|uri| Caller {
            uri,
            display_name: dialog.remote.display.clone().filter(|d| !d.is_empty()),
        });
    RingingCall {
        caller,
        dialog_id: dialog.id.clone(),
        call_id: dialog.call_id.clone(),
        local_tag: dialog.local_tag.clone(),
        remote_tag: dialog.remote_tag.clone(),
        direction: dialog.direction,
    }
}

#[cfg(test)]
#[path = "dialog_info_tests.rs"]
mod tests;
