//! In-memory rate limits: at most `max` events per key within a sliding `window`. Per instance;
//! behind a load balancer each instance counts its own share.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct RateLimiter {
    max: usize,
    window: Duration,
    hits: Mutex<HashMap<String, Vec<Instant>>>,
}

impl RateLimiter {
    pub fn new(max: usize, window: Duration) -> RateLimiter {
        RateLimiter {
            max,
            window,
            hits: Mutex::new(HashMap::new()),
        }
    }

    /// Seconds until `key` may act again, or `None` when it may act now (without recording).
    pub fn blocked_for(&self, key: &str) -> Option<u64> {
        let now = Instant::now();
        let mut map = self.hits.lock().unwrap_or_else(|p| p.into_inner());
        let hits = map.get_mut(key)?;
        hits.retain(|t| now.duration_since(*t) < self.window);
        if hits.len() < self.max {
            return None;
        }
        let oldest = hits.first().copied()?;
        let wait = self.window.saturating_sub(now.duration_since(oldest));
        Some(wait.as_secs().max(1))
    }

    /// Records one event for `key`.
    pub fn record(&self, key: &str) {
        let now = Instant::now();
        let mut map = self.hits.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 100_000 {
            // Bounded memory: forget keys whose window has passed.
            let window = self.window;
            map.retain(|_, v| v.last().is_some_and(|t| now.duration_since(*t) < window));
        }
        map.entry(key.to_string()).or_default().push(now);
    }

    /// Checks and records in one step: `Err(retry_after_secs)` when over the limit.
    pub fn hit(&self, key: &str) -> Result<(), u64> {
        if let Some(wait) = self.blocked_for(key) {
            return Err(wait);
        }
        self.record(key);
        Ok(())
    }

    pub fn clear(&self, key: &str) {
        let mut map = self.hits.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_within_the_window() {
        let l = RateLimiter::new(2, Duration::from_secs(60));
        assert!(l.hit("a").is_ok());
        assert!(l.hit("a").is_ok());
        let wait = l.hit("a").expect_err("third is over");
        assert!((1..=60).contains(&wait));
        assert!(l.hit("b").is_ok());
        l.clear("a");
        assert!(l.hit("a").is_ok());
    }
}
