//! Frontdesk's dial plan: what a dialled string means for one account.
//!
//! People type numbers the way they would on any phone in their country (`030 123456`,
//! `+44 20 7946 0958`, `102`, `*97`), paste `tel:`/`sip:` links, and PBXs present caller ids in
//! many shapes (`004930…`, `030…`, `+49…`, `0030…` with the outside-line digit, `102`). A
//! [`DialPlan`] turns all of these into one model:
//!
//! - [`DialPlan::classify`] tells an extension from an outside number, a feature code or a SIP
//!   address, and refuses junk with an error the user can act on;
//! - [`Dialed::user_part`] is what goes into the Request-URI for the server (the outside-line
//!   prefix added, `+49 30 …` turned into `030 …` for a PBX, or E.164 for a trunk that wants it);
//! - [`DialPlan::caller`] normalises an incoming caller id, so history and contacts can be
//!   matched on one key ([`Caller::match_key`], E.164 for numbers) and shown in a familiar form
//!   ([`Caller::display`]: national format at home, international otherwise).
//!
//! Everything here is pure computation on strings, with the numbering data of the
//! [`phonenumber`] crate (libphonenumber's metadata); nothing touches the network.

mod input;
mod number;
mod pattern;
mod plan;
mod settings;
#[cfg(test)]
mod tests;

pub use number::Number;
pub use pattern::InternalPattern;
pub use plan::{Caller, DialError, DialPlan, Dialed};
pub use settings::{
    DialFormat, DialPlanSettings, SettingError, DEFAULT_EXTENSION_LENGTH,
    DEFAULT_INTERNATIONAL_PREFIX,
};
