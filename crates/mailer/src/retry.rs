//! When to try a failed notification again (sans-IO: the worker asks, then
//! records the answer with the store's `email_failed(id, error, retry_at)`).

use std::time::Duration;

use crate::FailureKind;

/// Growing pauses between attempts, then giving up. Permanent failures give
/// up at once: retrying a wrong password only locks the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    delays: Vec<Duration>,
}

impl Default for RetryPolicy {
    /// 1 min, 5 min, 30 min, 2 h: five attempts over about two and a half
    /// hours, enough to ride out a provider's outage or a laptop's train ride.
    fn default() -> Self {
        RetryPolicy::new(vec![
            Duration::from_secs(60),
            Duration::from_secs(5 * 60),
            Duration::from_secs(30 * 60),
            Duration::from_secs(2 * 60 * 60),
        ])
    }
}

impl RetryPolicy {
    /// A policy waiting `delays[0]` after the first failed attempt,
    /// `delays[1]` after the second, …, and giving up after `delays.len() + 1`
    /// attempts.
    pub fn new(delays: Vec<Duration>) -> Self {
        RetryPolicy { delays }
    }

    /// How long to wait before the next attempt after `attempts` attempts
    /// (counting the one that just failed, as the store's attempt count does)
    /// failed with `kind`; `None` to give up.
    pub fn next_attempt(&self, attempts: u32, kind: FailureKind) -> Option<Duration> {
        if kind == FailureKind::Permanent {
            return None;
        }
        let index = usize::try_from(attempts.max(1) - 1).ok()?;
        self.delays.get(index).copied()
    }

    /// How many attempts at most, the first included.
    pub fn max_attempts(&self) -> usize {
        self.delays.len() + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: Duration = Duration::from_secs(60);

    #[test]
    fn temporary_failures_back_off_then_give_up() {
        let p = RetryPolicy::default();
        let t = FailureKind::Temporary;
        assert_eq!(p.next_attempt(1, t), Some(MIN));
        assert_eq!(p.next_attempt(2, t), Some(5 * MIN));
        assert_eq!(p.next_attempt(3, t), Some(30 * MIN));
        assert_eq!(p.next_attempt(4, t), Some(120 * MIN));
        assert_eq!(p.next_attempt(5, t), None);
        assert_eq!(p.next_attempt(u32::MAX, t), None);
        assert_eq!(p.max_attempts(), 5);
    }

    #[test]
    fn permanent_failures_give_up_at_once() {
        let p = RetryPolicy::default();
        for attempts in [0, 1, 2, 4] {
            assert_eq!(p.next_attempt(attempts, FailureKind::Permanent), None);
        }
    }

    #[test]
    fn zero_attempts_counts_as_the_first() {
        // A worker that counts before incrementing must not skip the first pause.
        let p = RetryPolicy::default();
        assert_eq!(p.next_attempt(0, FailureKind::Temporary), Some(MIN));
    }

    #[test]
    fn custom_and_empty_policies() {
        let p = RetryPolicy::new(vec![Duration::from_secs(1)]);
        assert_eq!(
            p.next_attempt(1, FailureKind::Temporary),
            Some(Duration::from_secs(1))
        );
        assert_eq!(p.next_attempt(2, FailureKind::Temporary), None);
        let never = RetryPolicy::new(Vec::new());
        assert_eq!(never.next_attempt(1, FailureKind::Temporary), None);
        assert_eq!(never.max_attempts(), 1);
    }
}
