//! Shaping of the calls one tenant sends to its app (`rateLimit`).
//!
//! GCRA in its virtual-scheduling form (ITU-T I.371 §4.4.2): calls are spaced exactly
//! `1 / requestsPerSecond` apart, with no burst allowance, so no one-second window ever
//! holds more than the limit (plus the one call at its edge). A call whose slot is within
//! `maxWaitMs` waits for it; a later one is refused with the time after which waiting
//! would be within the bound. The state is one number, kept by whoever is the tenant's
//! single point of order (a Durable Object in the Worker).

use crate::proxy::config::RateLimit;

/// What a call may do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Go after waiting this long (0: at once).
    Wait {
        /// Milliseconds to wait before calling the app.
        ms: u64,
    },
    /// Too many calls queued: answer 429 and let the client come back after this long.
    Refuse {
        /// Whole seconds for `Retry-After` (RFC 9110 §10.2.3), at least 1.
        retry_after_s: u64,
    },
}

/// One tenant's schedule.
#[derive(Debug, Clone, Default)]
pub struct Shaper {
    /// The theoretical arrival time of the next call, in microseconds.
    next_us: u64,
}

impl Shaper {
    /// A schedule with every slot free.
    pub fn new() -> Shaper {
        Shaper::default()
    }

    /// Books the next free slot for a call made at `now_ms`, or refuses it.
    ///
    /// ```
    /// use scimmap::proxy::config::RateLimit;
    /// use scimmap::proxy::shaping::{Admission, Shaper};
    /// let limit = RateLimit { per_second: 2, max_wait_ms: 600 };
    /// let mut s = Shaper::new();
    /// assert_eq!(s.admit(1_000, limit), Admission::Wait { ms: 0 });
    /// assert_eq!(s.admit(1_000, limit), Admission::Wait { ms: 500 });
    /// assert_eq!(s.admit(1_000, limit), Admission::Refuse { retry_after_s: 1 });
    /// assert_eq!(s.admit(2_000, limit), Admission::Wait { ms: 0 });
    /// ```
    pub fn admit(&mut self, now_ms: u64, limit: RateLimit) -> Admission {
        let now_us = now_ms.saturating_mul(1000);
        let interval_us = 1_000_000 / u64::from(limit.per_second.max(1));
        let start_us = self.next_us.max(now_us);
        let wait_us = start_us - now_us;
        let bound_us = limit.max_wait_ms.saturating_mul(1000);
        if wait_us > bound_us {
            let over_us = wait_us - bound_us;
            return Admission::Refuse {
                retry_after_s: over_us.div_ceil(1_000_000).max(1),
            };
        }
        self.next_us = start_us + interval_us;
        Admission::Wait {
            ms: wait_us.div_ceil(1000),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_more_than_the_limit_in_any_second() {
        let limit = RateLimit {
            per_second: 10,
            max_wait_ms: 2_000,
        };
        let mut s = Shaper::new();
        let mut sent = Vec::new();
        let mut refused = 0;
        // 500 calls arriving in one burst at t = 0..50 ms.
        for i in 0..500u64 {
            let now = i / 10;
            match s.admit(now, limit) {
                Admission::Wait { ms } => sent.push(now + ms),
                Admission::Refuse { retry_after_s } => {
                    assert!(retry_after_s >= 1);
                    refused += 1;
                }
            }
        }
        assert_eq!(sent.len() + refused, 500);
        assert!(
            sent.len() <= 21,
            "{} admitted within a 2 s bound",
            sent.len()
        );
        for (i, t) in sent.iter().enumerate() {
            let in_window = sent[i..].iter().take_while(|u| **u < t + 1000).count();
            assert!(
                in_window <= 10,
                "{in_window} calls in the second from {t} ms"
            );
        }
    }
}
