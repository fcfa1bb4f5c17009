//! Frontdesk's own voicemail inside the engine: when it takes a call ([`takeover`]), the
//! conversation with the caller on a real call ([`conversation`]), and the greetings it plays.

mod conversation;
mod email;
mod filing;
mod forward;
mod human;
mod listening;
mod live;
mod recording;
mod sorting;
mod speech_models;
mod takeover;
mod transcription;

use frontdesk_config::{VoicemailConfig, Weekday as ConfigWeekday};
use frontdesk_voicemail::greeting::{beep_clip, default_clip, load_clip, ringback_clip};
use frontdesk_voicemail::{Clip, GreetingSchedule, GreetingWindow, Settings};
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

pub(crate) use email::spawn as spawn_email;
pub(crate) use filing::recover_unfinished;
pub(crate) use takeover::watch_ringing;
pub(crate) use transcription::spawn as spawn_transcription;

/// The voicemail's configuration turned into what calls need, greetings decoded once.
pub(crate) struct Voicemail {
    pub(crate) config: VoicemailConfig,
    settings: Settings,
    schedule: GreetingSchedule,
    clips: HashMap<PathBuf, Clip>,
    default_greeting: Clip,
    beep: Clip,
    ringback: Clip,
    /// Problems found while loading (broken greeting files), told to front ends once.
    pub(crate) problems: Vec<String>,
    /// Greeting files that could not be read, with why: told again whenever one would play.
    broken: HashMap<PathBuf, String>,
    pub(crate) worker: transcription::TranscriptionWorker,
    /// Speech model installs started from the front ends.
    pub(crate) models: speech_models::ModelInstalls,
    pub(crate) sorting: sorting::Sorting,
    /// `[voicemail.human]`: when a caller who asks for a person is forwarded; `None` when off.
    pub(crate) human: Option<frontdesk_voicemail::human::HumanForwarding>,
    /// Wakes the e-mail worker when a message is queued.
    pub(crate) email_wake: std::sync::Arc<tokio::sync::Notify>,
    /// The calls the voicemail talks on (callers and forward targets): the user's own calls
    /// never hold them, and they do not make the user busy.
    calls: std::sync::Mutex<std::collections::HashSet<u64>>,
}

impl Voicemail {
    /// Reads the greetings, contacts and categories; a broken file is reported and replaced
    /// by the shipped greeting (no contacts, the built-in categories), so the voicemail always
    /// answers.
    pub(crate) fn load(whole: &frontdesk_config::Config) -> Voicemail {
        let config = &whole.voicemail;
        let plan = whole
            .accounts
            .first()
            .and_then(|a| a.effective_dial_plan().ok());
        let schedule = GreetingSchedule {
            windows: config
                .greetings
                .iter()
                .map(|w| GreetingWindow {
                    days: w.days.iter().map(|d| weekday(*d)).collect(),
                    from: jiff::civil::Time::constant(w.from.hour as i8, w.from.minute as i8, 0, 0),
                    to: jiff::civil::Time::constant(w.to.hour as i8, w.to.minute as i8, 0, 0),
                    file: w.file.clone(),
                })
                .collect(),
            default: config.greeting.clone(),
        };
        let mut clips = HashMap::new();
        let mut broken = HashMap::new();
        let mut problems = Vec::new();
        let files = schedule
            .windows
            .iter()
            .map(|w| w.file.clone())
            .chain(schedule.default.clone());
        for file in files {
            if clips.contains_key(&file) {
                continue;
            }
            match load_clip(&file) {
                Ok(clip) => {
                    clips.insert(file, clip);
                }
                Err(e) => {
                    tracing::warn!("{e}");
                    problems.push(e.to_string());
                    broken.insert(file, e.to_string());
                }
            }
        }
        let model = transcription::model_lookup(whole);
        let (sorting, sorting_problems) = sorting::Sorting::load(config, plan);
        for problem in &sorting_problems {
            tracing::warn!("{problem}");
        }
        problems.extend(sorting_problems);
        let human = human::forwarding(&config.human).unwrap_or_else(|problem| {
            tracing::warn!("{problem}");
            problems.push(problem);
            None
        });
        Voicemail {
            human,
            broken,
            email_wake: Default::default(),
            sorting,
            worker: transcription::TranscriptionWorker::new(model),
            models: Default::default(),
            settings: settings(config),
            config: config.clone(),
            schedule,
            clips,
            default_greeting: default_clip(),
            beep: beep_clip(),
            ringback: ringback_clip(),
            problems,
            calls: Default::default(),
        }
    }

    /// The voicemail talks on call `number` from now on.
    pub(crate) fn own(&self, number: u64) {
        self.calls.lock().expect("voicemail calls").insert(number);
    }

    /// The voicemail is done with call `number`.
    pub(crate) fn release(&self, number: u64) {
        self.calls.lock().expect("voicemail calls").remove(&number);
    }

    /// Whether the voicemail talks on call `number` (the user does not).
    pub(crate) fn owns(&self, number: u64) -> bool {
        self.calls
            .lock()
            .expect("voicemail calls")
            .contains(&number)
    }

    /// The greeting for local time `at`, and why the configured one could not be played when
    /// the shipped greeting stands in for it.
    pub(crate) fn greeting_at(&self, at: jiff::civil::DateTime) -> (Clip, Option<String>) {
        match self.schedule.pick(at) {
            None => (self.default_greeting.clone(), None),
            Some(file) => match self.clips.get(file) {
                Some(clip) => (clip.clone(), None),
                None => (
                    self.default_greeting.clone(),
                    self.broken.get(file).cloned(),
                ),
            },
        }
    }

    pub(crate) fn beep(&self) -> Clip {
        self.beep.clone()
    }

    /// The Whisper model for listening to messages as they are recorded: the very copy the
    /// transcription worker uses.
    pub(crate) async fn live_model(
        &self,
    ) -> Result<std::sync::Arc<frontdesk_transcribe::Transcriber>, String> {
        let path = self
            .worker
            .source
            .find()
            .ok_or("no speech model is installed (`frontdesk model install`)")?;
        self.worker.model.at(&path).await
    }

    /// The transcription language of `mailbox`'s messages (`"auto"`: Whisper detects it).
    pub(crate) fn language_of(&self, mailbox: &str) -> String {
        self.config.language_for(mailbox).to_string()
    }

    /// One cadence of the ringing a forwarded caller hears.
    pub(crate) fn ringback(&self) -> Clip {
        self.ringback.clone()
    }

    pub(crate) fn settings(&self) -> Settings {
        self.settings.clone()
    }

    /// Whether messages can be transcribed here (a speech model is there now: one installed
    /// while the engine runs counts).
    pub(crate) fn can_transcribe(&self) -> bool {
        self.worker.source.find().is_some()
    }

    /// Why there will be no transcript, in words the inbox shows.
    pub(crate) fn no_transcriber_reason(&self) -> String {
        match &self.config.model {
            Some(path) => format!(
                "no transcript: the speech model {} is missing; fix [voicemail] model",
                path.display()
            ),
            None => "no transcript: no speech model is installed; install one with `frontdesk \
                     model install` (the message is transcribed then), or set [voicemail] model \
                     to a Whisper ggml file"
                .into(),
        }
    }

    /// Tells the transcription worker a message is waiting.
    pub(crate) fn wake_worker(&self) {
        self.worker.wake.notify_one();
    }
}

fn settings(config: &VoicemailConfig) -> Settings {
    Settings {
        menu: config
            .menu
            .iter()
            .filter_map(|(key, target)| Some((key.chars().next()?, target.clone())))
            .collect(),
        extension_length: config.extension_length as usize,
        max_recording: Duration::from_secs(config.max_seconds.into()),
        silence_limit: Duration::from_secs(config.silence_seconds.into()),
        min_message: Duration::from_secs(config.min_seconds.into()),
        ..Settings::default()
    }
}

fn weekday(day: ConfigWeekday) -> jiff::civil::Weekday {
    use jiff::civil::Weekday as W;
    match day {
        ConfigWeekday::Mon => W::Monday,
        ConfigWeekday::Tue => W::Tuesday,
        ConfigWeekday::Wed => W::Wednesday,
        ConfigWeekday::Thu => W::Thursday,
        ConfigWeekday::Fri => W::Friday,
        ConfigWeekday::Sat => W::Saturday,
        ConfigWeekday::Sun => W::Sunday,
    }
}
