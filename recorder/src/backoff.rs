//! Capped exponential backoff with jitter, reset after a stable run.

use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Backoff {
    initial: Duration,
    max: Duration,
    /// A run that lasted this long counts as stable: the next failure starts again from `initial`.
    stable_after: Duration,
    attempt: u32,
}

impl Backoff {
    pub fn new(initial: Duration, max: Duration, stable_after: Duration) -> Self {
        Backoff { initial, max, stable_after, attempt: 0 }
    }

    /// The delay before the next attempt, given how long the attempt that just ended ran.
    ///
    /// `jitter` is a number in `[0, 1)`: the delay is the exponential step plus up to half of it again, so
    /// many cameras that fail together (a switch reboot) do not reconnect in lockstep. The result never
    /// goes below `initial`, which keeps two FFmpeg runs of one camera from starting in the same second
    /// (segment names and S3 keys have one-second resolution).
    pub fn next_delay(&mut self, ran_for: Duration, jitter: f64) -> Duration {
        if ran_for >= self.stable_after {
            self.attempt = 0;
        }
        let step = self.initial.saturating_mul(1u32 << self.attempt.min(16)).min(self.max);
        self.attempt = self.attempt.saturating_add(1);
        let jittered = step.mul_f64(1.0 + jitter.clamp(0.0, 1.0) / 2.0);
        jittered.min(self.max).max(self.initial)
    }

    /// Forget past failures, e.g. after a successful upload.
    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

/// A jitter value in `[0, 1)`.
pub fn jitter() -> f64 {
    fastrand::f64()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn doubles_until_the_cap() {
        let mut b = Backoff::new(secs(1), secs(30), secs(60));
        let delays: Vec<u64> = (0..7).map(|_| b.next_delay(secs(1), 0.0).as_secs()).collect();
        assert_eq!(delays, [1, 2, 4, 8, 16, 30, 30]);
    }

    #[test]
    fn jitter_adds_at_most_half_and_never_passes_the_cap() {
        let mut b = Backoff::new(secs(1), secs(30), secs(60));
        assert_eq!(b.next_delay(secs(0), 0.999).as_millis(), 1499);
        for _ in 0..10 {
            assert!(b.next_delay(secs(0), 0.999) <= secs(30));
        }
    }

    #[test]
    fn a_stable_run_resets_the_sequence() {
        let mut b = Backoff::new(secs(1), secs(30), secs(60));
        for _ in 0..5 {
            b.next_delay(secs(1), 0.0);
        }
        assert_eq!(b.next_delay(secs(61), 0.0), secs(1));
        assert_eq!(b.next_delay(secs(1), 0.0), secs(2));
    }
}
