//! Reads kept for a moment: a value computed from the database is reused while this process
//! has committed no write since and it is younger than its time to live. Writes of other
//! processes (a second instance, the CLI) show after the time to live at the latest.
//!
//! One load at a time: when the value runs out under load, the requests that find it stale
//! wait for the one that loads it instead of each running the same queries (with 32 clients
//! on the queue page, every expiry used to run the "what is waiting" aggregate 32 times at
//! once — the page's p99).

use std::future::Future;
use std::sync::{Arc, Mutex};

use super::{Ctx, Result};

pub struct Fresh<T> {
    ttl_ms: i64,
    /// (writes committed when read, read at, the value).
    slot: Mutex<Option<(u64, i64, Arc<T>)>>,
    /// Held while a value is loaded.
    loading: tokio::sync::Mutex<()>,
}

impl<T> Fresh<T> {
    pub fn new(ttl_ms: i64) -> Fresh<T> {
        Fresh {
            ttl_ms,
            slot: Mutex::new(None),
            loading: tokio::sync::Mutex::new(()),
        }
    }

    /// The kept value if it is still good for `writes` at `now`.
    fn kept(&self, writes: u64, now: i64) -> Option<Arc<T>> {
        let slot = self.slot.lock().ok()?;
        let (w, at, value) = slot.as_ref()?;
        (*w == writes && (*at..*at + self.ttl_ms).contains(&now)).then(|| value.clone())
    }

    /// The kept value, or `load`'s (then kept). The count of writes is read before loading,
    /// so a write that commits while loading makes the next call load again. Callers that
    /// find the value stale while another loads it wait for that load and take its value
    /// when it is good for them (no write committed in between).
    pub async fn get<F, Fut>(&self, ctx: &Ctx, load: F) -> Result<Arc<T>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        self.get_with(|| ctx.db.writes_committed(), || ctx.clock.now_ms(), load)
            .await
    }

    /// `get` with the count of committed writes and the time from `writes` and `now`.
    async fn get_with<F, Fut>(
        &self,
        writes: impl Fn() -> u64,
        now: impl Fn() -> i64,
        load: F,
    ) -> Result<Arc<T>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        if let Some(v) = self.kept(writes(), now()) {
            return Ok(v);
        }
        let _loading = self.loading.lock().await;
        let (writes, now) = (writes(), now());
        if let Some(v) = self.kept(writes, now) {
            return Ok(v);
        }
        let value = Arc::new(load().await?);
        if let Ok(mut slot) = self.slot.lock() {
            *slot = Some((writes, now, value.clone()));
        }
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn requests_that_find_it_stale_at_once_load_it_once() {
        let fresh = Arc::new(Fresh::<u64>::new(2_000));
        let loads = Arc::new(AtomicU64::new(0));
        let tasks: Vec<_> = (0..32)
            .map(|_| {
                let (fresh, loads) = (fresh.clone(), loads.clone());
                tokio::spawn(async move {
                    fresh
                        .get_with(
                            || 0,
                            || 1_000,
                            || async {
                                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                                Ok(loads.fetch_add(1, Ordering::SeqCst) + 1)
                            },
                        )
                        .await
                })
            })
            .collect();
        for t in tasks {
            assert_eq!(*t.await.expect("task").expect("value"), 1);
        }
        assert_eq!(loads.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_write_or_the_time_to_live_makes_the_next_call_load_again() {
        let fresh = Fresh::<u64>::new(2_000);
        let loads = AtomicU64::new(0);
        let load = || async { Ok(loads.fetch_add(1, Ordering::SeqCst) + 1) };
        let at = |w: u64, t: i64| fresh.get_with(move || w, move || t, load);
        assert_eq!(*at(0, 1_000).await.expect("first"), 1);
        assert_eq!(*at(0, 2_999).await.expect("kept"), 1);
        assert_eq!(*at(1, 2_999).await.expect("after a write"), 2);
        assert_eq!(*at(1, 4_999).await.expect("at the end of its life"), 3);
    }
}
