//! Password hashing, bounded. argon2id (m = 19 MiB, t = 2, p = 1) costs 19 MiB and tens of
//! milliseconds of a core per hash, so a flood of log-ins must not run them all at once: at
//! most `hash_concurrency` hashes run, at most `hash_queue` requests wait (each up to
//! `hash_wait_ms`), and the rest are answered `503 busy` with `Retry-After` before any memory is
//! taken. Unknown addresses are checked against a dummy hash, so they cost the same.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, SaltString};
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use prometheus_client::metrics::counter::Counter;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::{Error, Result};
use crate::domain::account::Password;

/// Seconds a `busy` answer asks the client to wait.
const BUSY_RETRY_AFTER_SECS: u64 = 1;

#[derive(Debug)]
pub struct Hasher {
    permits: Arc<Semaphore>,
    waiting: AtomicUsize,
    queue: usize,
    wait: Duration,
    /// Hashes computed (new passwords and checks), for `/metrics`.
    pub computed: Counter,
    /// Requests answered `busy` for want of a permit, for `/metrics`.
    pub refused: Counter,
}

impl Hasher {
    pub fn new(concurrency: usize, queue: usize, wait: Duration) -> Hasher {
        Hasher {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            waiting: AtomicUsize::new(0),
            queue,
            wait,
            computed: Counter::default(),
            refused: Counter::default(),
        }
    }

    /// `busy` at once when every permit is taken and the queue is full: a flood is answered
    /// before it costs a database query.
    pub fn ensure_room(&self) -> Result<()> {
        if self.permits.available_permits() == 0
            && self.waiting.load(Ordering::Acquire) >= self.queue
        {
            self.refused.inc();
            return Err(Error::Busy {
                retry_after_secs: BUSY_RETRY_AFTER_SECS,
            });
        }
        Ok(())
    }

    /// A permit to hash now, after a short wait in a short queue; else `busy`.
    async fn permit(&self) -> Result<OwnedSemaphorePermit> {
        if let Ok(p) = self.permits.clone().try_acquire_owned() {
            return Ok(p);
        }
        let busy = || {
            self.refused.inc();
            Error::Busy {
                retry_after_secs: BUSY_RETRY_AFTER_SECS,
            }
        };
        // A place in the queue, given back however the wait ends: with a permit, timed out,
        // or dropped because the client hung up.
        struct Place<'a>(&'a AtomicUsize);
        impl Drop for Place<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::AcqRel);
            }
        }
        let place = Place(&self.waiting);
        if self.waiting.fetch_add(1, Ordering::AcqRel) >= self.queue {
            drop(place);
            return Err(busy());
        }
        let got = tokio::time::timeout(self.wait, self.permits.clone().acquire_owned()).await;
        drop(place);
        match got {
            Ok(Ok(p)) => Ok(p),
            _ => Err(busy()),
        }
    }

    /// The PHC string of a new password.
    pub async fn hash(&self, password: Password) -> Result<String> {
        let permit = self.permit().await?;
        self.computed.inc();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let salt = SaltString::generate(&mut OsRng);
            Argon2::default()
                .hash_password(password.expose().as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| Error::Internal(format!("password hashing: {e}")))
        })
        .await
        .map_err(|e| Error::Internal(format!("password hashing task: {e}")))?
    }

    /// Whether `password` matches `stored`; with no stored hash (an unknown address) the same
    /// work is done against a dummy and the answer is no.
    pub async fn verify(&self, password: &str, stored: Option<String>) -> Result<bool> {
        let permit = self.permit().await?;
        self.computed.inc();
        let password = zeroize::Zeroizing::new(password.to_string());
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let known = stored.is_some();
            let hash = stored.unwrap_or_else(|| DUMMY_HASH.clone());
            let Ok(parsed) = PasswordHash::new(&hash) else {
                return false;
            };
            let ok = Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok();
            ok && known
        })
        .await
        .map_err(|e| Error::Internal(format!("password check task: {e}")))
    }
}

/// Built on first use, inside a permit like every hash.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(b"berth-dummy-password", &salt)
        .map(|h| h.to_string())
        .unwrap_or_default()
});

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn past_the_queue_callers_are_told_busy_at_once() {
        let h = Arc::new(Hasher::new(1, 1, Duration::from_secs(5)));
        // Hold the only permit; one caller may wait, the next is refused.
        let held = h.permit().await.expect("first permit");
        let waiter = {
            let h = h.clone();
            tokio::spawn(async move { h.permit().await.map(|_| ()) })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        let refused = h.permit().await;
        assert!(matches!(refused, Err(Error::Busy { .. })), "{refused:?}");
        drop(held);
        assert!(waiter.await.expect("joined").is_ok());
    }

    #[tokio::test]
    async fn a_waiter_that_goes_away_gives_its_place_back() {
        let h = Arc::new(Hasher::new(1, 2, Duration::from_secs(5)));
        let held = h.permit().await.expect("first permit");
        for _ in 0..5 {
            let h2 = h.clone();
            let waiter = tokio::spawn(async move { h2.permit().await.map(|_| ()) });
            tokio::time::sleep(Duration::from_millis(10)).await;
            waiter.abort();
            let _ = waiter.await;
        }
        assert_eq!(
            h.waiting.load(Ordering::Acquire),
            0,
            "aborted waiters left their places"
        );
        drop(held);
        assert!(h.permit().await.is_ok());
    }

    #[tokio::test]
    async fn a_waiter_gives_up_after_the_wait() {
        let h = Hasher::new(1, 4, Duration::from_millis(30));
        let _held = h.permit().await.expect("first permit");
        assert!(matches!(h.permit().await, Err(Error::Busy { .. })));
        assert_eq!(h.waiting.load(Ordering::Acquire), 0);
    }
}
