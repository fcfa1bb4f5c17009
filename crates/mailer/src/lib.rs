//! E-mail notifications of new voicemail: one message per voicemail, sent
//! over SMTP with TLS (implicit on 465, STARTTLS on 587, plain only to a
//! server on this machine), with caller, contact, time, duration, category
//! and transcript, and the recording attached if configured.
//!
//! The mailer sends; it does not queue. The inbox's e-mail outbox
//! (`frontdesk_store::email_outbox`) decides what to send and guarantees
//! "never twice"; a worker claims due e-mails, calls [`Mailer::send`], and
//! records the outcome, asking [`RetryPolicy::next_attempt`] when to retry:
//!
//! ```no_run
//! # async fn demo(notification: frontdesk_mailer::Notification) -> Result<(), frontdesk_mailer::MailError> {
//! use frontdesk_mailer::{MailSettings, Mailer, RetryPolicy, TlsMode};
//!
//! let mut settings = MailSettings::new("smtp.example.com", "frontdesk@example.com", "me@example.com");
//! settings.tls = TlsMode::StartTls;
//! settings.username = Some("frontdesk@example.com".into());
//! let mailer = Mailer::new(settings, Some("password from the keyring".into()))?;
//!
//! let attempts = 1; // as counted by the store when the e-mail was claimed
//! match mailer.send(&notification).await {
//!     Ok(()) => { /* store.email_sent(id, now) */ }
//!     Err(e) => {
//!         let retry_in = RetryPolicy::default().next_attempt(attempts, e.kind());
//!         // store.email_failed(id, &e.to_string(), retry_in.map(|d| now + d))
//!     }
//! }
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

mod error;
mod mailer;
mod notification;
mod retry;
mod settings;

pub use error::{FailureKind, MailError};
pub use mailer::Mailer;
pub use notification::{ContactInfo, Identified, Notification, Transcript};
pub use retry::RetryPolicy;
pub use settings::{AttachAudio, MailSettings, TlsMode};
