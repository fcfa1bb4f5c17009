//! `[voicemail.human]` inside the engine: the forwarding rules built from the config, and the
//! month's forwarded minutes kept in the store (with the once-a-month 90 % warning).

use super::weekday;
use crate::history::History;
use frontdesk_api::Event;
use frontdesk_config::HumanConfig;
use frontdesk_voicemail::human::{month_key, HoursWindow, HumanForwarding, HumanSettings};
use jiff::civil::{DateTime, Time};

/// The rules for forwarding callers who ask for a person; `None` while switched off. An error
/// says what to fix (the config loader already refuses most mistakes).
pub(crate) fn forwarding(config: &HumanConfig) -> Result<Option<HumanForwarding>, String> {
    if !config.enabled {
        return Ok(None);
    }
    let time = |t: frontdesk_config::TimeOfDay| Time::constant(t.hour as i8, t.minute as i8, 0, 0);
    HumanForwarding::new(HumanSettings {
        target: config.target.clone(),
        phrases: config.phrases.clone(),
        categories: config.categories.clone(),
        windows: config
            .windows
            .iter()
            .map(|w| HoursWindow {
                days: w.days.iter().map(|d| weekday(*d)).collect(),
                from: time(w.from),
                to: time(w.to),
            })
            .collect(),
        monthly_minutes: config.monthly_minutes,
    })
    .map(Some)
    .map_err(|e| format!("{e}; callers are not forwarded until it is fixed"))
}

/// Seconds forwarded in the month of `at` (local time). A store failure counts as the limit
/// reached: better no forward than one the user did not pay for.
pub(crate) async fn used_seconds(history: &History, at: DateTime) -> u64 {
    let month = month_key(at);
    history
        .run(move |s| s.forwarded_usage(&month))
        .await
        .map(|usage| usage.seconds)
        .unwrap_or_else(|e| {
            tracing::error!("voicemail: cannot read this month's forwarded minutes: {e}");
            u64::MAX
        })
}

/// Books `seconds` of forwarding in the month of `at` (local time, when the forward ended).
/// Returns the warning for the front ends (a desktop notification) when this pushed the
/// month past 90 % of `limit_seconds`; it comes once per month.
pub(crate) async fn book(
    history: &History,
    at: DateTime,
    seconds: u64,
    limit_seconds: u64,
) -> Option<Event> {
    let month = month_key(at);
    let warned = history
        .run(move |s| {
            s.add_forwarded_seconds(&month, seconds)?;
            s.take_forward_warning(&month, limit_seconds)
        })
        .await
        .map_err(|e| tracing::error!("voicemail: cannot book forwarded minutes: {e}"))
        .ok()??;
    let (used_minutes, limit_minutes) = (warned.seconds / 60, limit_seconds / 60);
    let message = format!(
        "Forwarding callers to a person has used {used_minutes} of {limit_minutes} minutes this \
         month ({} %); at the limit callers are no longer forwarded, but they can still leave a \
         message. Raise [voicemail.human] monthly_minutes to allow more.",
        warned.percent_of(limit_seconds).min(100),
    );
    Some(Event::ForwardingMinutes {
        used_minutes,
        limit_minutes,
        message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use frontdesk_config::{TimeOfDay, TimeWindowConfig, Weekday};
    use frontdesk_voicemail::human::NotAllowed;
    use jiff::civil::date;

    #[test]
    fn the_config_becomes_the_rules() {
        assert!(forwarding(&HumanConfig::default()).unwrap().is_none());
        let config = HumanConfig {
            enabled: true,
            target: "200".into(),
            windows: vec![TimeWindowConfig {
                days: vec![Weekday::Mon],
                from: TimeOfDay { hour: 8, minute: 0 },
                to: TimeOfDay {
                    hour: 12,
                    minute: 30,
                },
            }],
            monthly_minutes: 2,
            ..HumanConfig::default()
        };
        let rules = forwarding(&config).unwrap().unwrap();
        assert_eq!(rules.target(), "200");
        assert_eq!(rules.limit_seconds(), 120);
        let monday = |h, m| date(2026, 11, 23).at(h, m, 0, 0);
        assert!(rules.allowed_now(monday(12, 29), 0).is_ok());
        assert_eq!(
            rules.allowed_now(monday(12, 30), 0),
            Err(NotAllowed::OutsideHours)
        );
        let broken = HumanConfig {
            phrases: vec!["fr:bonjour".into()],
            ..config
        };
        let err = forwarding(&broken).unwrap_err();
        assert!(err.contains("fr") && err.contains("not forwarded"), "{err}");
    }

    #[tokio::test]
    async fn minutes_are_booked_per_month_and_warned_about_once() {
        let dir = tempfile::tempdir().unwrap();
        let history = History::open(&dir.path().join("frontdesk.db"))
            .await
            .unwrap();
        let november = date(2026, 11, 23).at(10, 0, 0, 0);
        let limit = 600;
        assert_eq!(used_seconds(&history, november).await, 0);
        assert_eq!(book(&history, november, 500, limit).await, None);
        let Some(Event::ForwardingMinutes {
            used_minutes,
            limit_minutes,
            message,
        }) = book(&history, november, 45, limit).await
        else {
            panic!("the 90 % warning is due");
        };
        assert_eq!((used_minutes, limit_minutes), (9, 10));
        assert!(
            message.contains("9 of 10 minutes this month (90 %)"),
            "{message}"
        );
        assert_eq!(book(&history, november, 100, limit).await, None);
        assert_eq!(used_seconds(&history, november).await, 645);
        let december = date(2026, 12, 1).at(0, 0, 0, 0);
        assert_eq!(used_seconds(&history, december).await, 0);
        assert!(book(&history, december, 700, limit).await.is_some());
    }
}
