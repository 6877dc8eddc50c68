//! Password hashing, bounded. argon2id (m = 19 MiB, t = 2, p = 1) costs 19 MiB and tens of
//! milliseconds of a core per hash, so a flood of log-ins must not run them all at once: at
//! most `hash_concurrency` hashes run, at most `hash_queue` requests wait (each up to
//! `hash_wait_ms`), and the rest are answered `503 busy` with `Retry-After` before any memory is
//! taken. One client may hold at most `hash_per_client` of the running and waiting places, so
//! that a client with a right password, logging in again and again, cannot keep everyone else
//! waiting. Unknown addresses are checked against a dummy hash, so they cost the same.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, SaltString};
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use prometheus_client::metrics::counter::Counter;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::{Error, Result};
use crate::domain::account::Password;
use crate::domain::client::Client;

/// Seconds a `busy` answer asks the client to wait.
const BUSY_RETRY_AFTER_SECS: u64 = 1;

#[derive(Debug)]
pub struct Hasher {
    permits: Arc<Semaphore>,
    waiting: AtomicUsize,
    queue: usize,
    wait: Duration,
    per_client: usize,
    /// Places (hashing or waiting) each client holds now.
    held: Arc<Mutex<HashMap<String, usize>>>,
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
            per_client: usize::MAX,
            held: Arc::default(),
            computed: Counter::default(),
            refused: Counter::default(),
        }
    }

    /// At most `n` (at least one) places, hashing or waiting, per client.
    pub fn with_per_client(mut self, n: usize) -> Hasher {
        self.per_client = n.max(1);
        self
    }

    fn busy(&self) -> Error {
        self.refused.inc();
        Error::Busy {
            retry_after_secs: BUSY_RETRY_AFTER_SECS,
        }
    }

    /// One of the client's places, given back when the hash is done (or never starts).
    fn client_place(&self, client: Option<&Client>) -> Result<Option<ClientPlace>> {
        let Some(client) = client else {
            return Ok(None);
        };
        let key = client.bucket();
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        let n = held.entry(key.clone()).or_insert(0);
        if *n >= self.per_client {
            drop(held);
            return Err(self.busy());
        }
        *n += 1;
        Ok(Some(ClientPlace {
            held: self.held.clone(),
            key,
        }))
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

    /// A permit to hash now for `client`, after a short wait in a short queue; else `busy`.
    async fn permit(&self, client: Option<&Client>) -> Result<Permit> {
        let place = self.client_place(client)?;
        let semaphore = self.semaphore_permit().await?;
        Ok(Permit {
            _semaphore: semaphore,
            _place: place,
        })
    }

    async fn semaphore_permit(&self) -> Result<OwnedSemaphorePermit> {
        if let Ok(p) = self.permits.clone().try_acquire_owned() {
            return Ok(p);
        }
        let busy = || self.busy();
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

    /// The PHC string of a new password, for `client` (none from the command line).
    pub async fn hash(&self, password: Password, client: Option<&Client>) -> Result<String> {
        let permit = self.permit(client).await?;
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
    pub async fn verify(
        &self,
        password: &str,
        stored: Option<String>,
        client: &Client,
    ) -> Result<bool> {
        let permit = self.permit(Some(client)).await?;
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

/// A hashing permit and the client's place, both held until the hash is done.
#[derive(Debug)]
struct Permit {
    _semaphore: OwnedSemaphorePermit,
    _place: Option<ClientPlace>,
}

#[derive(Debug)]
struct ClientPlace {
    held: Arc<Mutex<HashMap<String, usize>>>,
    key: String,
}

impl Drop for ClientPlace {
    fn drop(&mut self) {
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = held.get_mut(&self.key) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                held.remove(&self.key);
            }
        }
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
        let held = h.permit(None).await.expect("first permit");
        let waiter = {
            let h = h.clone();
            tokio::spawn(async move { h.permit(None).await.map(|_| ()) })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        let refused = h.permit(None).await;
        assert!(matches!(refused, Err(Error::Busy { .. })), "{refused:?}");
        drop(held);
        assert!(waiter.await.expect("joined").is_ok());
    }

    #[tokio::test]
    async fn a_waiter_that_goes_away_gives_its_place_back() {
        let h = Arc::new(Hasher::new(1, 2, Duration::from_secs(5)));
        let held = h.permit(None).await.expect("first permit");
        for _ in 0..5 {
            let h2 = h.clone();
            let waiter = tokio::spawn(async move { h2.permit(None).await.map(|_| ()) });
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
        assert!(h.permit(None).await.is_ok());
    }

    #[tokio::test]
    async fn a_waiter_gives_up_after_the_wait() {
        let h = Hasher::new(1, 4, Duration::from_millis(30));
        let _held = h.permit(None).await.expect("first permit");
        assert!(matches!(h.permit(None).await, Err(Error::Busy { .. })));
        assert_eq!(h.waiting.load(Ordering::Acquire), 0);
    }

    #[tokio::test]
    async fn one_client_holds_at_most_its_places() {
        let h = Arc::new(Hasher::new(1, 8, Duration::from_secs(5)).with_per_client(2));
        let greedy = Client::new("203.0.113.5".parse().expect("ip"));
        let other = Client::new("198.51.100.9".parse().expect("ip"));
        let first = h.permit(Some(&greedy)).await.expect("hashing");
        let waiting = {
            let h = h.clone();
            tokio::spawn(async move { h.permit(Some(&greedy)).await.map(|_| ()) })
        };
        tokio::time::sleep(Duration::from_millis(30)).await;
        let third = h.permit(Some(&greedy)).await;
        assert!(matches!(third, Err(Error::Busy { .. })), "a third place");
        let others = {
            let h = h.clone();
            tokio::spawn(async move { h.permit(Some(&other)).await.map(|_| ()) })
        };
        tokio::time::sleep(Duration::from_millis(30)).await;
        drop(first);
        assert!(waiting.await.expect("joined").is_ok());
        assert!(
            others.await.expect("joined").is_ok(),
            "another client waits its turn"
        );
        assert!(
            h.held.lock().expect("lock").is_empty(),
            "every place given back"
        );
    }
}
