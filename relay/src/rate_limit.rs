//! Token-bucket rate limits: each key (an identity, an IP address) may make
//! `rate` requests per second on average and `burst` at once. A refused
//! request learns how long to wait. Memory stays bounded: when too many keys
//! are tracked, the buckets that have refilled completely (idle keys, which
//! a fresh bucket would treat the same) are dropped.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How many keys are tracked before idle ones are dropped.
const PRUNE_ABOVE: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// Token buckets per key.
#[derive(Debug)]
pub struct RateLimiter<K> {
    rate: f64,
    burst: f64,
    buckets: Mutex<HashMap<K, Bucket>>,
}

impl<K: Eq + Hash + Clone> RateLimiter<K> {
    /// `rate` requests per second sustained, `burst` at once (both > 0,
    /// as the relay's configuration validates).
    pub fn new(rate: f64, burst: f64) -> Self {
        Self {
            rate,
            burst: burst.max(1.0),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token of `key`'s bucket at `now`, or says how long until
    /// one is available.
    pub fn check(&self, key: &K, now: Instant) -> Result<(), Duration> {
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        if buckets.len() >= PRUNE_ABOVE && !buckets.contains_key(key) {
            let (rate, burst) = (self.rate, self.burst);
            buckets.retain(|_, bucket| refilled(bucket, now, rate, burst) < burst);
        }
        let bucket = buckets.entry(key.clone()).or_insert(Bucket {
            tokens: self.burst,
            updated: now,
        });
        bucket.tokens = refilled(bucket, now, self.rate, self.burst);
        bucket.updated = now.max(bucket.updated);
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / self.rate))
        }
    }
}

fn refilled(bucket: &Bucket, now: Instant, rate: f64, burst: f64) -> f64 {
    let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
    (bucket.tokens + elapsed * rate).min(burst)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_passes_then_the_rate_applies() {
        let limiter = RateLimiter::new(2.0, 3.0);
        let start = Instant::now();
        for _ in 0..3 {
            limiter.check(&"alice", start).unwrap();
        }
        let wait = limiter.check(&"alice", start).unwrap_err();
        assert_eq!(wait, Duration::from_millis(500));
        // Other keys have their own buckets.
        limiter.check(&"bob", start).unwrap();
        // Half a second later one token is back, and only one.
        let later = start + Duration::from_millis(500);
        limiter.check(&"alice", later).unwrap();
        assert!(limiter.check(&"alice", later).is_err());
    }

    #[test]
    fn a_bucket_never_holds_more_than_the_burst() {
        let limiter = RateLimiter::new(100.0, 2.0);
        let start = Instant::now();
        limiter.check(&1, start).unwrap();
        let much_later = start + Duration::from_secs(3600);
        limiter.check(&1, much_later).unwrap();
        limiter.check(&1, much_later).unwrap();
        assert!(limiter.check(&1, much_later).is_err());
    }

    #[test]
    fn idle_keys_are_dropped_when_too_many_are_tracked() {
        let limiter = RateLimiter::new(1.0, 1.0);
        let start = Instant::now();
        for key in 0..PRUNE_ABOVE {
            limiter.check(&key, start).unwrap();
        }
        // One second later every bucket has refilled: a new key prunes them.
        let later = start + Duration::from_secs(1);
        limiter.check(&usize::MAX, later).unwrap();
        let tracked = limiter.buckets.lock().unwrap().len();
        assert_eq!(tracked, 1);
    }
}
