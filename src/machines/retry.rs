//! Retry bookkeeping shared by the client machines: how many times in a row a request failed,
//! how many answers in a row brought no progress, how long to wait before the next attempt,
//! and how many times a lost session restarted the upload.
//!
//! Each counter counts failures *in a row*: an answer that moves the upload forward resets it,
//! so a long upload over a flaky link is not failed by failures spread over hours, while a
//! server that keeps failing (or keeps answering without progress) ends the upload after a
//! bounded number of exchanges. Only the restart count is never reset: each restart sends the
//! whole file again, so it bounds the work, not the time.

use core::time::Duration;

/// Answers in a row that bring no progress before a client gives up. A server that resends
/// the same offset or ranges (or keeps answering 416) could otherwise hold a client forever;
/// 16 is far more than the two or three resynchronisations a real server needs.
pub(crate) const MAX_STALLS: u32 = 16;

/// Consecutive failures of one request, against a maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Attempts {
    failed: u32,
}

impl Attempts {
    /// Count one more failure; `true` if that was more than `max`.
    pub(crate) fn fail(&mut self, max: u32) -> bool {
        self.failed = self.failed.saturating_add(1);
        self.failed > max
    }

    /// The request got through: the next failure is the first again.
    pub(crate) fn reset(&mut self) {
        self.failed = 0;
    }

    /// Failures in a row so far.
    // Only the Graph client backs off by the count.
    #[cfg_attr(not(feature = "graph"), allow(dead_code))]
    pub(crate) fn count(self) -> u32 {
        self.failed
    }
}

/// Answers in a row that moved nothing forward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Stalls {
    count: u32,
}

impl Stalls {
    /// The answer moved the upload forward.
    pub(crate) fn progressed(&mut self) {
        self.count = 0;
    }

    /// One more answer without progress; `true` if that was one too many ([`MAX_STALLS`]).
    pub(crate) fn stalled(&mut self) -> bool {
        self.count = self.count.saturating_add(1);
        self.count > MAX_STALLS
    }
}

/// Times a lost session started the upload again, against a maximum (never reset).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Restarts {
    count: u32,
}

impl Restarts {
    /// Count one more restart; `true` if that was more than `max`.
    pub(crate) fn restart(&mut self, max: u32) -> bool {
        self.count = self.count.saturating_add(1);
        self.count > max
    }
}

/// Exponential back-off: `base` after the first failure, doubling with each failure in a row,
/// never above `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
// Only the Graph client waits: a BITS server has no way to ask for a pause.
#[cfg_attr(not(feature = "graph"), allow(dead_code))]
pub(crate) struct Backoff {
    pub(crate) base: Duration,
    pub(crate) max: Duration,
}

#[cfg_attr(not(feature = "graph"), allow(dead_code))]
impl Backoff {
    /// The delay before the next attempt: the server's `Retry-After` in seconds if it gave
    /// one (RFC 9110 §10.2.3), else the back-off for the `failures`-th failure in a row
    /// (1 for the first). A `Retry-After` date needs a clock the machines do not have, so it
    /// counts as absent.
    pub(crate) fn delay(self, retry_after_secs: Option<u64>, failures: u32) -> Duration {
        match retry_after_secs {
            Some(s) => Duration::from_secs(s),
            None => {
                let doubling = 1u32 << failures.saturating_sub(1).min(16);
                self.base.saturating_mul(doubling).min(self.max)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_base_to_max_and_retry_after_wins() {
        let b = Backoff { base: Duration::from_secs(1), max: Duration::from_secs(32) };
        let delays: Vec<u64> = (1..=8).map(|n| b.delay(None, n).as_secs()).collect();
        assert_eq!(delays, [1, 2, 4, 8, 16, 32, 32, 32]);
        assert_eq!(b.delay(Some(120), 3), Duration::from_secs(120));
        assert_eq!(b.delay(None, u32::MAX), Duration::from_secs(32));
    }

    #[test]
    fn attempts_fail_after_max_in_a_row() {
        let mut a = Attempts::default();
        assert!(!a.fail(2) && !a.fail(2));
        assert!(a.fail(2));
        a.reset();
        assert!(!a.fail(2));
        assert_eq!(a.count(), 1);
    }

    #[test]
    fn the_seventeenth_stall_in_a_row_is_one_too_many() {
        let mut s = Stalls::default();
        assert!((0..MAX_STALLS).all(|_| !s.stalled()));
        s.progressed();
        assert!((0..MAX_STALLS).all(|_| !s.stalled()));
        assert!(s.stalled());
    }
}
