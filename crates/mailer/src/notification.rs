//! What one notification says, as plain data, and how it reads: the subject
//! line and the plain-text body (pure functions, so they are tested without
//! a mail server).

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

/// One new voicemail message, described for the e-mail. Plain data: the
/// engine fills it from the inbox, the mailer does not know the store.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    /// A stable identifier of the message (e.g. the inbox id). It becomes the
    /// Message-ID, so a notification queued again is recognisably the same
    /// e-mail to mail programs that drop duplicates.
    pub id: String,
    /// The mailbox (called number or name) the message was left in, if there
    /// are several.
    pub mailbox: Option<String>,
    /// The calling number as received; `None` when withheld.
    pub caller_number: Option<String>,
    /// The caller's display name as the network sent it, if any.
    pub caller_name: Option<String>,
    /// The contact the caller was identified as, if any.
    pub contact: Option<ContactInfo>,
    /// When the message was left, in the time zone the user reads it in.
    pub received_at: jiff::Zoned,
    /// Length of the recording.
    pub duration: Duration,
    /// The category the message was sorted into ("general" without a match).
    pub category: String,
    /// The number or extension the voicemail put the caller through to (the caller asked for
    /// a person and someone answered there), if it did.
    pub taken_by: Option<String>,
    /// The transcript, or why there is none.
    pub transcript: Transcript,
    /// The recording (Ogg Opus), attached if the settings say so.
    pub audio: Option<PathBuf>,
    /// Recipients instead of [`crate::MailSettings::to`], e.g. the
    /// category's own address (comma-separated).
    pub to: Option<String>,
}

/// A known contact the caller was matched to.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactInfo {
    /// The contact's name.
    pub name: String,
    /// The contact's company, if recorded.
    pub company: Option<String>,
    /// How sure the match is.
    pub identified: Identified,
}

/// How a contact was matched, so the reader knows how far to trust it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Identified {
    /// The calling number belongs to the contact: certain.
    ByNumber,
    /// Names or addresses in the transcript point to the contact: a guess
    /// with a confidence between 0 and 1.
    FromTranscript {
        /// 0..=1.
        confidence: f32,
    },
}

/// The message's text, or the reason it has none.
#[derive(Debug, Clone, PartialEq)]
pub enum Transcript {
    /// Transcribed on this machine.
    Text {
        /// The words.
        text: String,
        /// The language Whisper detected or was told, e.g. `"de"`.
        language: Option<String>,
    },
    /// No transcript, and why (no model, transcription failed, …).
    Missing {
        /// Shown to the reader as it is.
        reason: String,
    },
}

/// What became of the recording, for the body's last line.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum AudioNote {
    /// Attached under this file name.
    Attached(String),
    /// Not attached because the settings say so.
    NotConfigured,
    /// The message has no recording file.
    NoRecording,
    /// Attaching failed; the e-mail goes out without it.
    Failed(String),
}

impl Notification {
    /// Who called, as short as possible for the subject: the contact's name,
    /// else the number, else the network's display name.
    pub fn caller_label(&self) -> String {
        if let Some(contact) = &self.contact {
            return match contact.identified {
                Identified::ByNumber => contact.name.clone(),
                Identified::FromTranscript { .. } => format!("{}?", contact.name),
            };
        }
        if let Some(number) = non_empty(&self.caller_number) {
            return number.to_string();
        }
        if let Some(name) = non_empty(&self.caller_name) {
            return name.to_string();
        }
        "unknown caller".to_string()
    }

    /// `Voicemail from <caller> — <category>`.
    pub fn subject(&self) -> String {
        format!("Voicemail from {} — {}", self.caller_label(), self.category)
    }

    /// The plain-text body; `audio` says what became of the recording.
    pub(crate) fn body(&self, audio: &AudioNote) -> String {
        let mut b = String::new();
        match non_empty(&self.mailbox) {
            Some(mailbox) => writeln!(b, "New voicemail in mailbox {mailbox}."),
            None => writeln!(b, "New voicemail."),
        }
        .ok();
        b.push('\n');

        let number = non_empty(&self.caller_number).unwrap_or("number withheld");
        match non_empty(&self.caller_name) {
            Some(name) => field(&mut b, "Caller", &format!("{number} ({name})")),
            None => field(&mut b, "Caller", number),
        }
        if let Some(contact) = &self.contact {
            let mut who = contact.name.clone();
            if let Some(company) = non_empty(&contact.company) {
                write!(who, ", {company}").ok();
            }
            let how = match contact.identified {
                Identified::ByNumber => "identified by number".to_string(),
                Identified::FromTranscript { confidence } => format!(
                    "guessed from the transcript, {} % confidence",
                    (confidence.clamp(0.0, 1.0) * 100.0).round()
                ),
            };
            field(&mut b, "Contact", &format!("{who} ({how})"));
        }
        field(
            &mut b,
            "Received",
            &self
                .received_at
                .strftime("%a %Y-%m-%d %H:%M %Z")
                .to_string(),
        );
        field(&mut b, "Duration", &format_duration(self.duration));
        field(&mut b, "Category", &self.category);
        if let Some(target) = non_empty(&self.taken_by) {
            field(
                &mut b,
                "Taken by",
                &format!("{target} (put through by the voicemail)"),
            );
        }
        b.push('\n');

        match &self.transcript {
            Transcript::Text { text, language } => {
                match non_empty(language) {
                    Some(lang) => writeln!(b, "Transcript ({lang}):"),
                    None => writeln!(b, "Transcript:"),
                }
                .ok();
                let text = text.trim();
                if text.is_empty() {
                    b.push_str("(no words recognised)\n");
                } else {
                    b.push_str(text);
                    b.push('\n');
                }
            }
            Transcript::Missing { reason } => {
                writeln!(b, "No transcript: {}", reason.trim()).ok();
            }
        }
        b.push('\n');

        match audio {
            AudioNote::Attached(name) => writeln!(b, "The recording is attached ({name})."),
            AudioNote::NotConfigured => writeln!(
                b,
                "The recording is not attached (attach = \"none\" in [voicemail.email]); \
                 it is in the Frontdesk inbox."
            ),
            AudioNote::NoRecording => writeln!(b, "There is no recording for this message."),
            AudioNote::Failed(why) => writeln!(
                b,
                "The recording could not be attached ({why}); it is in the Frontdesk inbox."
            ),
        }
        .ok();
        b.push_str("\n-- \nSent by Frontdesk.\n");
        b
    }

    /// The attachment's file name: time and caller, nothing that needs quoting.
    pub(crate) fn audio_file_name(&self, extension: &str) -> String {
        let caller: String = self
            .caller_number
            .as_deref()
            .unwrap_or("")
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '+')
            .collect();
        let caller = if caller.is_empty() {
            "unknown".to_string()
        } else {
            caller
        };
        format!(
            "voicemail-{}-{caller}.{extension}",
            self.received_at.strftime("%Y-%m-%d-%H%M")
        )
    }
}

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn field(b: &mut String, name: &str, value: &str) {
    writeln!(b, "{:<10}{value}", format!("{name}:")).ok();
}

/// `0:42`, `3:05`, `1:02:03`.
fn format_duration(d: Duration) -> String {
    let secs = d.as_secs() + u64::from(d.subsec_millis() >= 500);
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn sample() -> Notification {
        let tz = jiff::tz::TimeZone::get("Europe/Berlin").unwrap();
        Notification {
            id: "42".into(),
            mailbox: None,
            caller_number: Some("+49301234567".into()),
            caller_name: Some("Anna".into()),
            contact: Some(ContactInfo {
                name: "Anna Schmidt".into(),
                company: Some("Acme GmbH".into()),
                identified: Identified::ByNumber,
            }),
            received_at: jiff::Timestamp::from_second(1_772_546_700)
                .unwrap()
                .to_zoned(tz),
            duration: Duration::from_millis(42_600),
            category: "callback".into(),
            taken_by: None,
            transcript: Transcript::Text {
                text: " Please call me back about the invoice. ".into(),
                language: Some("en".into()),
            },
            audio: None,
            to: None,
        }
    }

    #[test]
    fn subject_names_the_contact_or_the_number() {
        let mut n = sample();
        assert_eq!(n.subject(), "Voicemail from Anna Schmidt — callback");
        n.contact.as_mut().unwrap().identified = Identified::FromTranscript { confidence: 0.7 };
        assert_eq!(n.subject(), "Voicemail from Anna Schmidt? — callback");
        n.contact = None;
        assert_eq!(n.subject(), "Voicemail from +49301234567 — callback");
        n.caller_number = Some("  ".into());
        assert_eq!(n.subject(), "Voicemail from Anna — callback");
        n.caller_name = None;
        n.category = "general".into();
        assert_eq!(n.subject(), "Voicemail from unknown caller — general");
    }

    #[test]
    fn body_lists_the_facts_in_local_time() {
        let body = sample().body(&AudioNote::Attached("v.ogg".into()));
        let expected = "New voicemail.\n\
            \n\
            Caller:   +49301234567 (Anna)\n\
            Contact:  Anna Schmidt, Acme GmbH (identified by number)\n\
            Received: Tue 2026-03-03 15:05 CET\n\
            Duration: 0:43\n\
            Category: callback\n\
            \n\
            Transcript (en):\n\
            Please call me back about the invoice.\n\
            \n\
            The recording is attached (v.ogg).\n\
            \n\
            -- \n\
            Sent by Frontdesk.\n";
        assert_eq!(body, expected);
    }

    #[test]
    fn body_says_who_took_a_caller_the_voicemail_put_through() {
        let mut n = sample();
        n.taken_by = Some("203".into());
        let body = n.body(&AudioNote::NotConfigured);
        assert!(
            body.contains("Category: callback\nTaken by: 203 (put through by the voicemail)\n\n"),
            "{body}"
        );
    }

    #[test]
    fn body_explains_guesses_missing_transcripts_and_audio() {
        let mut n = sample();
        n.mailbox = Some("200".into());
        n.caller_number = None;
        n.caller_name = None;
        n.contact.as_mut().unwrap().company = None;
        n.contact.as_mut().unwrap().identified = Identified::FromTranscript { confidence: 0.724 };
        n.transcript = Transcript::Missing {
            reason: "no Whisper model is installed".into(),
        };
        let body = n.body(&AudioNote::Failed("file not found".into()));
        assert!(
            body.starts_with("New voicemail in mailbox 200.\n"),
            "{body}"
        );
        assert!(body.contains("Caller:   number withheld\n"), "{body}");
        assert!(
            body.contains(
                "Contact:  Anna Schmidt (guessed from the transcript, 72 % confidence)\n"
            ),
            "{body}"
        );
        assert!(
            body.contains("No transcript: no Whisper model is installed\n"),
            "{body}"
        );
        assert!(
            body.contains("could not be attached (file not found)"),
            "{body}"
        );
        assert!(n
            .body(&AudioNote::NotConfigured)
            .contains("attach = \"none\""));
    }

    #[test]
    fn durations_read_like_a_clock() {
        assert_eq!(format_duration(Duration::from_secs(0)), "0:00");
        assert_eq!(format_duration(Duration::from_millis(1_499)), "0:01");
        assert_eq!(format_duration(Duration::from_secs(185)), "3:05");
        assert_eq!(format_duration(Duration::from_secs(3723)), "1:02:03");
    }

    #[test]
    fn file_names_need_no_quoting() {
        let mut n = sample();
        assert_eq!(
            n.audio_file_name("ogg"),
            "voicemail-2026-03-03-1505-+49301234567.ogg"
        );
        n.caller_number = Some("sip:\"evil\"/../x@y".into());
        assert_eq!(
            n.audio_file_name("wav"),
            "voicemail-2026-03-03-1505-sipevilxy.wav"
        );
        n.caller_number = None;
        assert_eq!(
            n.audio_file_name("ogg"),
            "voicemail-2026-03-03-1505-unknown.ogg"
        );
    }
}
