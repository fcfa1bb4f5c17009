//! Keypad code tables: which key sequences mean "transfer", "back to the
//! caller" or "pick up", per account.
//!
//! Office systems differ: Frontdesk acts on its own codes locally (they never
//! reach the far end), while on an Asterisk/FreePBX system the PBX has its own
//! feature codes, so there the keys must travel to the PBX as DTMF. The table
//! is plain data so an account can also carry a custom set.

use std::fmt;
use std::time::Duration;

/// Keys a telephone keypad has; everything else is refused with [`InvalidKey`].
pub const KEYPAD_KEYS: &str = "0123456789*#ABCD";

/// Whether `key` is one of [`KEYPAD_KEYS`].
pub fn is_keypad_key(key: char) -> bool {
    KEYPAD_KEYS.contains(key)
}

/// A character that is not a keypad key was typed; the message says which keys are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidKey(pub char);

impl fmt::Display for InvalidKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "'{}' is not a keypad key (use 0-9, *, #, A-D)",
            self.0.escape_debug()
        )
    }
}

impl std::error::Error for InvalidKey {}

/// The key sequences of one account, and the timing that ends them.
///
/// Codes that take a number (`attended_transfer`, `blind_transfer`, `pickup`)
/// are prefixes: the number follows and is ended by `number_end` (`#`) or by
/// `digit_timeout`. A `None` code is not recognised, so its keys go to the far
/// end as DTMF like any others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeTable {
    /// Prefix of an announced (attended) transfer during a call: `*` then the number.
    pub attended_transfer: Option<String>,
    /// Ends the consultation and returns to the held caller: `**`.
    pub back_to_caller: Option<String>,
    /// Prefix of a blind transfer during a call: `##` then the number.
    pub blind_transfer: Option<String>,
    /// Prefix of call pickup when not in a call: `*8`, then an extension
    /// (directed pickup) or nothing (any monitored extension that rings).
    pub pickup: Option<String>,
    /// What to dial at the server, followed by the extension, when a ringing
    /// call cannot be taken over with `INVITE`/`Replaces` because the server's
    /// dialog state carries no call-id or tags (Asterisk). `None`: such a call
    /// cannot be picked up.
    pub server_pickup_prefix: Option<String>,
    /// Key that ends a number early (`#`).
    pub number_end: char,
    /// Usual length of an internal extension. A number ended by the digit
    /// timeout must have at least this many digits to count as a transfer
    /// target; shorter ones are sent as DTMF (an IVR menu choice, not a
    /// transfer). A number ended with `#` may be any length.
    pub extension_length: usize,
    /// How long a lone first key of a code (`*`, `#`) waits for the next key
    /// before it is sent as DTMF, so callers can still use `*` and `#` in a
    /// remote IVR.
    pub lone_key_timeout: Duration,
    /// How long a code being typed waits for the next key before the number
    /// is taken as complete (or the keys are sent as DTMF).
    pub digit_timeout: Duration,
}

impl CodeTable {
    /// Frontdesk's own codes, acted on locally: `*`number`#` announced
    /// transfer, `**` back to the caller, `##`number blind transfer, `*8`
    /// pickup. Falls back to dialling `**`extension at the server for pickup
    /// where dialogs carry no ids (the Asterisk/FreePBX default).
    pub fn frontdesk() -> Self {
        Self {
            attended_transfer: Some("*".into()),
            back_to_caller: Some("**".into()),
            blind_transfer: Some("##".into()),
            pickup: Some("*8".into()),
            server_pickup_prefix: Some("**".into()),
            number_end: '#',
            extension_length: 3,
            lone_key_timeout: Duration::from_secs(1),
            digit_timeout: Duration::from_secs(3),
        }
    }

    /// Asterisk/FreePBX: the PBX implements transfers with its own feature
    /// codes (attended `*2`, blind `##`) that must reach it as DTMF, so no
    /// in-call code is acted on locally; pickup is `**`extension, dialled at
    /// the server unless the ringing dialog's ids are known.
    pub fn asterisk() -> Self {
        Self {
            attended_transfer: None,
            back_to_caller: None,
            blind_transfer: None,
            pickup: Some("**".into()),
            server_pickup_prefix: Some("**".into()),
            ..Self::frontdesk()
        }
    }

    /// The built-in table called `name` (`"frontdesk"` or `"asterisk"`,
    /// case-insensitive), so configuration can name a profile.
    pub fn builtin(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "frontdesk" => Some(Self::frontdesk()),
            "asterisk" | "freepbx" => Some(Self::asterisk()),
            _ => None,
        }
    }

    /// Names accepted by [`CodeTable::builtin`], for error messages and UIs.
    pub const BUILTIN_NAMES: [&'static str; 2] = ["frontdesk", "asterisk"];

    /// Whether any code is acted on during a call; when none is, every key
    /// goes to the far end at once.
    pub fn has_in_call_codes(&self) -> bool {
        self.attended_transfer.is_some()
            || self.back_to_caller.is_some()
            || self.blind_transfer.is_some()
    }

    /// Checks a (custom) table for sequences that could never be typed or
    /// would shadow each other, so configuration errors surface at load time.
    /// The decoder never panics on a bad table; it just resolves clashes in a
    /// fixed order (back to caller, attended, blind).
    pub fn check(&self) -> Result<(), CodeTableError> {
        let named = self.named_codes();
        for (name, code) in &named {
            if code.is_empty() {
                return Err(CodeTableError::Empty { code: name });
            }
            if let Some(bad) = code.chars().find(|c| !is_keypad_key(*c)) {
                return Err(CodeTableError::NotAKey {
                    code: name,
                    key: bad,
                });
            }
        }
        if !is_keypad_key(self.number_end) || self.number_end.is_ascii_digit() {
            return Err(CodeTableError::BadNumberEnd(self.number_end));
        }
        if self.extension_length == 0 {
            return Err(CodeTableError::ZeroExtensionLength);
        }
        if self.lone_key_timeout.is_zero() || self.digit_timeout.is_zero() {
            return Err(CodeTableError::ZeroTimeout);
        }
        // In-call codes share one key stream; a code that reads as another
        // code's prefix followed by digits makes one of them unreachable.
        let in_call: Vec<(&'static str, &str)> = named
            .iter()
            .copied()
            .filter(|(name, _)| *name != "pickup" && *name != "server_pickup_prefix")
            .collect();
        for &(prefix_name, prefix) in in_call.iter().filter(|(n, _)| is_numbered(n)) {
            for &(other_name, other) in &in_call {
                if other_name == prefix_name {
                    continue;
                }
                if let Some(rest) = other.strip_prefix(prefix) {
                    if rest.chars().all(|c| c.is_ascii_digit()) {
                        return Err(CodeTableError::Clash {
                            code: other_name,
                            shadowed_by: prefix_name,
                        });
                    }
                }
            }
        }
        Ok(())
    }

    /// Interprets a whole dial string typed when not in a call: the pickup
    /// code (with an optional extension and optional trailing `#`) means
    /// pickup, anything else is a number or address to call.
    pub fn interpret_dialed(&self, dialed: &str) -> Dialed {
        let trimmed = dialed.trim();
        if let Some(code) = self.pickup.as_deref().filter(|c| !c.is_empty()) {
            if let Some(rest) = trimmed.strip_prefix(code) {
                let rest = rest.strip_suffix(self.number_end).unwrap_or(rest);
                if rest.chars().all(|c| c.is_ascii_digit()) {
                    let extension = (!rest.is_empty()).then(|| rest.to_string());
                    return Dialed::Pickup(extension);
                }
            }
        }
        Dialed::Number(trimmed.to_string())
    }

    fn named_codes(&self) -> Vec<(&'static str, &str)> {
        [
            ("back_to_caller", &self.back_to_caller),
            ("attended_transfer", &self.attended_transfer),
            ("blind_transfer", &self.blind_transfer),
            ("pickup", &self.pickup),
            ("server_pickup_prefix", &self.server_pickup_prefix),
        ]
        .into_iter()
        .filter_map(|(name, code)| code.as_deref().map(|c| (name, c)))
        .collect()
    }
}

fn is_numbered(name: &str) -> bool {
    matches!(name, "attended_transfer" | "blind_transfer")
}

impl Default for CodeTable {
    /// The Frontdesk profile.
    fn default() -> Self {
        Self::frontdesk()
    }
}

/// What a dial string typed outside a call asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dialed {
    /// Call this number or address as usual.
    Number(String),
    /// Pick up the call ringing at this extension, or (`None`) any ringing
    /// monitored extension's oldest call. Resolve with [`crate::pickup::plan_pickup`].
    Pickup(Option<String>),
}

/// A custom code table that cannot work; the message names the field to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeTableError {
    /// A code is the empty string (use `None` to switch a code off).
    Empty {
        /// Field name in [`CodeTable`].
        code: &'static str,
    },
    /// A code contains a character no keypad has.
    NotAKey {
        /// Field name in [`CodeTable`].
        code: &'static str,
        /// The offending character.
        key: char,
    },
    /// The number terminator must be a non-digit keypad key.
    BadNumberEnd(char),
    /// `extension_length` must be at least 1.
    ZeroExtensionLength,
    /// Both timeouts must be longer than zero.
    ZeroTimeout,
    /// One code reads as another code's prefix plus digits.
    Clash {
        /// The code that can never be typed as such.
        code: &'static str,
        /// The numbered code whose prefix swallows it.
        shadowed_by: &'static str,
    },
}

impl fmt::Display for CodeTableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty { code } => write!(
                f,
                "keypad code `{code}` is empty; leave it out to switch it off"
            ),
            Self::NotAKey { code, key } => write!(
                f,
                "keypad code `{code}` contains '{}', which is not a keypad key (use 0-9, *, #, A-D)",
                key.escape_debug()
            ),
            Self::BadNumberEnd(key) => write!(
                f,
                "the number end key '{}' must be *, #, or A-D",
                key.escape_debug()
            ),
            Self::ZeroExtensionLength => write!(f, "the extension length must be at least 1"),
            Self::ZeroTimeout => write!(f, "keypad timeouts must be longer than zero"),
            Self::Clash { code, shadowed_by } => write!(
                f,
                "keypad code `{code}` starts with the `{shadowed_by}` code followed by digits, \
                 so it would be read as a number; choose a different sequence"
            ),
        }
    }
}

impl std::error::Error for CodeTableError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_tables_pass_their_own_check() {
        for name in CodeTable::BUILTIN_NAMES {
            let table = CodeTable::builtin(name).expect(name);
            assert_eq!(table.check(), Ok(()), "{name}");
        }
        assert_eq!(CodeTable::builtin("FreePBX"), Some(CodeTable::asterisk()));
        assert_eq!(CodeTable::builtin("cisco"), None);
        assert_eq!(CodeTable::default(), CodeTable::frontdesk());
    }

    #[test]
    fn asterisk_acts_on_no_in_call_code() {
        assert!(!CodeTable::asterisk().has_in_call_codes());
        assert!(CodeTable::frontdesk().has_in_call_codes());
    }

    #[test]
    fn check_names_the_broken_field() {
        let mut table = CodeTable::frontdesk();
        table.blind_transfer = Some(String::new());
        assert_eq!(
            table.check(),
            Err(CodeTableError::Empty {
                code: "blind_transfer"
            })
        );

        let mut table = CodeTable::frontdesk();
        table.pickup = Some("*x".into());
        let err = table.check().unwrap_err();
        assert_eq!(
            err,
            CodeTableError::NotAKey {
                code: "pickup",
                key: 'x'
            }
        );
        assert!(err.to_string().contains("pickup"), "{err}");

        let mut table = CodeTable::frontdesk();
        table.number_end = '5';
        assert_eq!(table.check(), Err(CodeTableError::BadNumberEnd('5')));

        let mut table = CodeTable::frontdesk();
        table.extension_length = 0;
        assert_eq!(table.check(), Err(CodeTableError::ZeroExtensionLength));

        let mut table = CodeTable::frontdesk();
        table.lone_key_timeout = Duration::ZERO;
        assert_eq!(table.check(), Err(CodeTableError::ZeroTimeout));
    }

    #[test]
    fn check_finds_codes_swallowed_by_a_number_prefix() {
        // `*0` would be read as "announced transfer to 0...".
        let mut table = CodeTable::frontdesk();
        table.back_to_caller = Some("*0".into());
        assert_eq!(
            table.check(),
            Err(CodeTableError::Clash {
                code: "back_to_caller",
                shadowed_by: "attended_transfer"
            })
        );
        // Identical prefixes clash too.
        let mut table = CodeTable::frontdesk();
        table.blind_transfer = Some("*".into());
        assert!(matches!(table.check(), Err(CodeTableError::Clash { .. })));
        // The pickup code lives outside calls, so `*8` beside `*` is fine.
        assert_eq!(CodeTable::frontdesk().check(), Ok(()));
    }

    #[test]
    fn dial_strings_with_the_pickup_code_are_pickups() {
        let table = CodeTable::frontdesk();
        assert_eq!(
            table.interpret_dialed("*8101"),
            Dialed::Pickup(Some("101".into()))
        );
        assert_eq!(
            table.interpret_dialed(" *8101# "),
            Dialed::Pickup(Some("101".into()))
        );
        assert_eq!(table.interpret_dialed("*8"), Dialed::Pickup(None));
        assert_eq!(table.interpret_dialed("*8#"), Dialed::Pickup(None));
        assert_eq!(table.interpret_dialed("101"), Dialed::Number("101".into()));
        assert_eq!(
            table.interpret_dialed("*8x1"),
            Dialed::Number("*8x1".into())
        );
        assert_eq!(
            table.interpret_dialed("sip:101@10.0.0.1"),
            Dialed::Number("sip:101@10.0.0.1".into())
        );

        let asterisk = CodeTable::asterisk();
        assert_eq!(
            asterisk.interpret_dialed("**101"),
            Dialed::Pickup(Some("101".into()))
        );
        assert_eq!(
            asterisk.interpret_dialed("*8101"),
            Dialed::Number("*8101".into())
        );

        let mut none = CodeTable::frontdesk();
        none.pickup = None;
        assert_eq!(
            none.interpret_dialed("*8101"),
            Dialed::Number("*8101".into())
        );
    }

    #[test]
    fn invalid_key_says_which_keys_exist() {
        let msg = InvalidKey('x').to_string();
        assert!(msg.contains("'x'") && msg.contains("0-9"), "{msg}");
        assert!(is_keypad_key('D') && !is_keypad_key('E') && !is_keypad_key('d'));
    }
}
