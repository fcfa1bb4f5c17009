//! One extension's subscription over time, and the pacing of SUBSCRIBEs (sans-IO).
//!
//! [`Lifecycle`] says when to SUBSCRIBE anew or refresh, and what answers and NOTIFYs mean
//! for the subscription; the subscriber task does the sending. [`Pacer`] spreads SUBSCRIBEs
//! so hundreds of extensions do not hit the server in one burst.

use ezk_sip_types::header::typed::{EventReasonValue, SubStateValue, SubscriptionState};
use std::time::Duration;
use tokio::time::Instant;

/// First pause after a failure; doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
/// Longest pause between attempts after failures.
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// Pause after a refusal that needs someone to change the server (403, 404, 489, ...).
const REFUSED_RETRY: Duration = Duration::from_secs(300);
/// Refresh this long before expiry at least (for short lifetimes: at 80 %).
const REFRESH_MARGIN: Duration = Duration::from_secs(30);

/// Which SUBSCRIBE to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// A new subscription (new Call-ID, out of dialog).
    Subscribe,
    /// A refresh within the subscription's dialog.
    Refresh,
}

/// A SUBSCRIBE's outcome, as far as the lifecycle cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// 2xx with the lifetime the server granted.
    Accepted(Duration),
    /// 423 Interval Too Brief with the server's Min-Expires.
    TooBrief(Duration),
    /// 481: the server does not know the subscription (any more).
    Unknown,
    /// Any other final failure.
    Refused {
        /// Status code.
        code: u16,
        /// Reason phrase, for the user.
        reason: String,
        /// The server's Retry-After.
        retry_after: Option<Duration>,
    },
    /// No answer in time, or the transport failed.
    Unreachable(String),
}

/// What an answer or NOTIFY means for the panel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Nothing new.
    None,
    /// The server holds the subscription (new or refreshed): any old problem is gone.
    Established,
    /// The subscription ended; a new one follows. The lamp may keep its state until then.
    Resubscribing,
    /// The subscription failed; the lamp is unknown for this reason until it works again.
    Failed(String),
    /// A refresh got no answer: the server may be down.
    Unreachable(String),
    /// The server forgot the subscription (481 to a refresh): it may have restarted and
    /// forgotten the others too.
    Forgotten,
}

/// Where the subscription stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// A new subscription is wanted from `due` on.
    Wanted { due: Instant },
    /// The initial SUBSCRIBE is out.
    Subscribing,
    /// The server holds it; refresh from `refresh_due` on.
    Active {
        refresh_due: Instant,
        refreshing: bool,
    },
}

/// One extension's subscription schedule.
#[derive(Debug)]
pub struct Lifecycle {
    phase: Phase,
    requested: Duration,
    backoff: Duration,
    generation: u64,
}

impl Lifecycle {
    /// Wants a subscription of `requested` lifetime right away.
    pub fn new(now: Instant, requested: Duration) -> Self {
        Lifecycle {
            phase: Phase::Wanted { due: now },
            requested,
            backoff: FIRST_BACKOFF,
            generation: 0,
        }
    }

    /// Counts subscription attempts: answers and NOTIFYs of an older attempt are stale.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The lifetime to ask for in the next SUBSCRIBE.
    pub fn requested(&self) -> Duration {
        self.requested
    }

    /// Whether the server holds the subscription.
    pub fn is_active(&self) -> bool {
        matches!(self.phase, Phase::Active { .. })
    }

    /// Whether a refresh is being waited for.
    pub fn is_refreshing(&self) -> bool {
        matches!(
            self.phase,
            Phase::Active {
                refreshing: true,
                ..
            }
        )
    }

    /// What to send now, if anything.
    pub fn due_action(&self, now: Instant) -> Option<Action> {
        match self.phase {
            Phase::Wanted { due } if due <= now => Some(Action::Subscribe),
            Phase::Active {
                refresh_due,
                refreshing: false,
            } if refresh_due <= now => Some(Action::Refresh),
            _ => None,
        }
    }

    /// When something becomes due, unless a request is out.
    pub fn next_deadline(&self) -> Option<Instant> {
        match self.phase {
            Phase::Wanted { due } => Some(due),
            Phase::Active {
                refresh_due,
                refreshing: false,
            } => Some(refresh_due),
            _ => None,
        }
    }

    /// The action was sent.
    pub fn sent(&mut self, action: Action) {
        match action {
            Action::Subscribe => {
                self.generation += 1;
                self.phase = Phase::Subscribing;
            }
            Action::Refresh => {
                if let Phase::Active { refreshing, .. } = &mut self.phase {
                    *refreshing = true;
                }
            }
        }
    }

    /// Takes the final answer to `action` of the current generation.
    pub fn answered(&mut self, now: Instant, action: Action, answer: Answer) -> Effect {
        let expected = match action {
            Action::Subscribe => self.phase == Phase::Subscribing,
            Action::Refresh => self.is_refreshing(),
        };
        if !expected {
            return Effect::None;
        }
        match answer {
            Answer::Accepted(granted) => {
                self.backoff = FIRST_BACKOFF;
                self.phase = Phase::Active {
                    refresh_due: now + refresh_after(granted),
                    refreshing: false,
                };
                Effect::Established
            }
            Answer::TooBrief(min) => {
                self.requested = min.max(self.requested);
                self.phase = Phase::Wanted { due: now };
                Effect::Resubscribing
            }
            Answer::Unknown if action == Action::Refresh => {
                self.phase = Phase::Wanted { due: now };
                Effect::Forgotten
            }
            Answer::Unreachable(why) if action == Action::Refresh => {
                // Try a fresh subscription once the server is back.
                self.retry_later(now, None);
                Effect::Unreachable(why)
            }
            Answer::Unreachable(why) => {
                self.retry_later(now, None);
                Effect::Failed(format!("no answer from the server: {why}"))
            }
            Answer::Unknown => {
                self.retry_later(now, None);
                Effect::Failed("the server answered 481 to a new SUBSCRIBE".into())
            }
            Answer::Refused {
                code,
                reason,
                retry_after,
            } => {
                let why = refusal(code, &reason);
                let wait = retry_after
                    .or(matches!(code, 403 | 404 | 405 | 489 | 501 | 603).then_some(REFUSED_RETRY));
                self.retry_later(now, wait);
                Effect::Failed(why)
            }
        }
    }

    /// Takes a NOTIFY's `Subscription-State` (RFC 6665 4.1.3).
    pub fn notified(&mut self, now: Instant, state: &SubscriptionState) -> Effect {
        match state.state {
            SubStateValue::Active | SubStateValue::Pending => {
                // The server may shorten the lifetime; refresh in time for it.
                if let (Some(expires), Phase::Active { refresh_due, .. }) =
                    (state.expires, &mut self.phase)
                {
                    let by_server = now + refresh_after(Duration::from_secs(expires.into()));
                    if by_server < *refresh_due {
                        *refresh_due = by_server;
                    }
                }
                Effect::None
            }
            SubStateValue::Terminated => {
                let retry_after = state.retry_after.map(|s| Duration::from_secs(s.into()));
                match &state.reason {
                    // The server wants us back (or forgot us): subscribe anew at once.
                    None
                    | Some(EventReasonValue::Deactivated)
                    | Some(EventReasonValue::Timeout) => {
                        self.phase = Phase::Wanted {
                            due: now + retry_after.unwrap_or_default(),
                        };
                        Effect::Resubscribing
                    }
                    Some(EventReasonValue::Probation) | Some(EventReasonValue::GiveUp) => {
                        self.retry_later(now, retry_after);
                        Effect::Resubscribing
                    }
                    Some(reason) => {
                        self.retry_later(now, retry_after.or(Some(REFUSED_RETRY)));
                        Effect::Failed(format!("the server ended the subscription ({reason})"))
                    }
                }
            }
        }
    }

    /// Refreshes an active subscription now: proves the server still knows it, and asks
    /// for full state. False when there is nothing to refresh.
    pub fn refresh_now(&mut self, now: Instant) -> bool {
        match &mut self.phase {
            Phase::Active {
                refresh_due,
                refreshing: false,
            } => {
                *refresh_due = now;
                true
            }
            _ => false,
        }
    }

    /// Starts over with a new subscription now (the old one is gone or unwanted).
    pub fn restart(&mut self, now: Instant) {
        self.generation += 1;
        self.backoff = FIRST_BACKOFF;
        self.phase = Phase::Wanted { due: now };
    }

    /// Makes a waiting retry happen now (the server is back).
    pub fn retry_now(&mut self, now: Instant) {
        if let Phase::Wanted { due } = &mut self.phase {
            *due = now;
            self.backoff = FIRST_BACKOFF;
        }
    }

    fn retry_later(&mut self, now: Instant, wait: Option<Duration>) {
        let wait = wait.unwrap_or(self.backoff);
        self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
        self.phase = Phase::Wanted { due: now + wait };
    }
}

/// When to refresh a subscription granted for `granted`.
fn refresh_after(granted: Duration) -> Duration {
    let early = granted.saturating_sub(REFRESH_MARGIN);
    early.max(granted.mul_f32(0.8)).max(Duration::from_secs(1))
}

/// A refusal in words a user can act on.
fn refusal(code: u16, reason: &str) -> String {
    let hint = match code {
        403 => ": the server does not allow this account to watch the extension",
        404 | 604 => ": the extension does not exist on the server",
        405 | 489 | 501 => ": the server does not offer busy lamps (dialog event package)",
        _ => "",
    };
    format!("the server refused the subscription ({code} {reason}){hint}")
}

/// A token bucket: `rate` SUBSCRIBEs per second, up to `burst` at once.
#[derive(Debug)]
pub struct Pacer {
    interval: Duration,
    burst: u32,
    tokens: u32,
    refilled: Instant,
}

impl Pacer {
    /// A full bucket.
    pub fn new(now: Instant, rate: u32, burst: u32) -> Self {
        let rate = rate.max(1);
        Pacer {
            interval: Duration::from_secs(1) / rate,
            burst: burst.max(1),
            tokens: burst.max(1),
            refilled: now,
        }
    }

    /// Takes a token if one is there.
    pub fn take(&mut self, now: Instant) -> bool {
        self.refill(now);
        if self.tokens == 0 {
            return false;
        }
        self.tokens -= 1;
        true
    }

    /// When the next token will be there.
    pub fn next_token(&self, now: Instant) -> Instant {
        if self.tokens > 0 {
            now
        } else {
            self.refilled + self.interval
        }
    }

    fn refill(&mut self, now: Instant) {
        if self.tokens >= self.burst {
            self.refilled = now;
            return;
        }
        let elapsed = now.saturating_duration_since(self.refilled);
        let new = (elapsed.as_nanos() / self.interval.as_nanos().max(1)) as u32;
        if new > 0 {
            self.tokens = (self.tokens + new).min(self.burst);
            self.refilled += self.interval * new;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    fn terminated(reason: Option<EventReasonValue>) -> SubscriptionState {
        let mut state = SubscriptionState::new(SubStateValue::Terminated);
        state.reason = reason;
        state
    }

    #[test]
    fn subscribes_then_refreshes_before_expiry() {
        let t0 = Instant::now();
        let mut life = Lifecycle::new(t0, secs(600));
        assert_eq!(life.due_action(t0), Some(Action::Subscribe));
        life.sent(Action::Subscribe);
        assert_eq!(life.due_action(t0), None);
        assert_eq!(
            life.answered(t0, Action::Subscribe, Answer::Accepted(secs(600))),
            Effect::Established
        );
        assert_eq!(life.next_deadline(), Some(t0 + secs(570)));
        assert_eq!(life.due_action(t0 + secs(569)), None);
        assert_eq!(life.due_action(t0 + secs(570)), Some(Action::Refresh));
        life.sent(Action::Refresh);
        assert_eq!(life.next_deadline(), None, "nothing due while refreshing");
        let t1 = t0 + secs(571);
        assert_eq!(
            life.answered(t1, Action::Refresh, Answer::Accepted(secs(60))),
            Effect::Established
        );
        assert_eq!(
            life.next_deadline(),
            Some(t1 + secs(48)),
            "80 % of a short lifetime"
        );
        // The server shortens the lifetime in a NOTIFY.
        let mut active = SubscriptionState::new(SubStateValue::Active);
        active.expires = Some(10);
        life.notified(t1, &active);
        assert_eq!(life.next_deadline(), Some(t1 + secs(8)));
    }

    #[test]
    fn failures_back_off_and_refusals_wait_long() {
        let t0 = Instant::now();
        let mut life = Lifecycle::new(t0, secs(600));
        let mut waits = Vec::new();
        for _ in 0..8 {
            let now = life.next_deadline().unwrap();
            life.sent(Action::Subscribe);
            let effect = life.answered(now, Action::Subscribe, Answer::Unreachable("x".into()));
            assert!(matches!(effect, Effect::Failed(_)));
            waits.push((life.next_deadline().unwrap() - now).as_secs());
        }
        assert_eq!(waits, vec![1, 2, 4, 8, 16, 32, 60, 60]);

        let now = life.next_deadline().unwrap();
        life.sent(Action::Subscribe);
        let effect = life.answered(
            now,
            Action::Subscribe,
            Answer::Refused {
                code: 404,
                reason: "Not Found".into(),
                retry_after: None,
            },
        );
        let Effect::Failed(why) = effect else {
            panic!("{effect:?}")
        };
        assert!(why.contains("does not exist"), "{why}");
        assert_eq!(life.next_deadline(), Some(now + REFUSED_RETRY));

        // Success resets the back-off.
        life.retry_now(now);
        life.sent(Action::Subscribe);
        life.answered(now, Action::Subscribe, Answer::Accepted(secs(600)));
        life.refresh_now(now);
        life.sent(Action::Refresh);
        life.answered(now, Action::Refresh, Answer::Unreachable("x".into()));
        assert_eq!(life.next_deadline(), Some(now + secs(1)));
    }

    #[test]
    fn termination_and_481_resubscribe_and_stale_answers_are_ignored() {
        let t0 = Instant::now();
        let mut life = Lifecycle::new(t0, secs(600));
        life.sent(Action::Subscribe);
        let first = life.generation();
        life.answered(t0, Action::Subscribe, Answer::Accepted(secs(600)));
        assert_eq!(
            life.notified(t0, &terminated(Some(EventReasonValue::Deactivated))),
            Effect::Resubscribing
        );
        assert_eq!(life.due_action(t0), Some(Action::Subscribe));
        // A late answer for the old refresh changes nothing.
        assert_eq!(
            life.answered(t0, Action::Refresh, Answer::Accepted(secs(600))),
            Effect::None
        );
        life.sent(Action::Subscribe);
        assert!(life.generation() > first);
        life.answered(t0, Action::Subscribe, Answer::Accepted(secs(600)));
        assert!(life.refresh_now(t0));
        life.sent(Action::Refresh);
        assert_eq!(
            life.answered(t0, Action::Refresh, Answer::Unknown),
            Effect::Forgotten
        );
        assert_eq!(life.due_action(t0), Some(Action::Subscribe));

        life.sent(Action::Subscribe);
        life.answered(t0, Action::Subscribe, Answer::Accepted(secs(600)));
        let effect = life.notified(t0, &terminated(Some(EventReasonValue::Rejected)));
        assert!(matches!(effect, Effect::Failed(_)), "{effect:?}");
        assert_eq!(life.next_deadline(), Some(t0 + REFUSED_RETRY));
    }

    #[test]
    fn interval_too_brief_asks_again_with_the_minimum() {
        let t0 = Instant::now();
        let mut life = Lifecycle::new(t0, secs(60));
        life.sent(Action::Subscribe);
        life.answered(t0, Action::Subscribe, Answer::TooBrief(secs(1800)));
        assert_eq!(life.requested(), secs(1800));
        assert_eq!(life.due_action(t0), Some(Action::Subscribe));
    }

    #[test]
    fn the_pacer_spreads_a_burst() {
        let t0 = Instant::now();
        let mut pacer = Pacer::new(t0, 100, 5);
        let sent = (0..20).filter(|_| pacer.take(t0)).count();
        assert_eq!(sent, 5, "the burst");
        assert_eq!(pacer.next_token(t0), t0 + Duration::from_millis(10));
        let t1 = t0 + Duration::from_millis(35);
        let sent = (0..20).filter(|_| pacer.take(t1)).count();
        assert_eq!(sent, 3);
        let t2 = t0 + secs(10);
        let sent = (0..20).filter(|_| pacer.take(t2)).count();
        assert_eq!(sent, 5, "never more than the burst");
    }
}
