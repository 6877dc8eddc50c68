//! Reads kept for a moment: a value computed from the database is reused while this process
//! has committed no write since and it is younger than its time to live. Writes of other
//! processes (a second instance, the CLI) show after the time to live at the latest.

use std::future::Future;
use std::sync::{Arc, Mutex};

use super::{Ctx, Result};

pub struct Fresh<T> {
    ttl_ms: i64,
    /// (writes committed when read, read at, the value).
    slot: Mutex<Option<(u64, i64, Arc<T>)>>,
}

impl<T> Fresh<T> {
    pub const fn new(ttl_ms: i64) -> Fresh<T> {
        Fresh {
            ttl_ms,
            slot: Mutex::new(None),
        }
    }

    /// The kept value, or `load`'s (then kept). The count of writes is read before loading,
    /// so a write that commits while loading makes the next call load again.
    pub async fn get<F, Fut>(&self, ctx: &Ctx, load: F) -> Result<Arc<T>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let writes = ctx.db.writes_committed();
        let now = ctx.clock.now_ms();
        if let Ok(slot) = self.slot.lock() {
            if let Some((w, at, value)) = slot.as_ref() {
                if *w == writes && (*at..*at + self.ttl_ms).contains(&now) {
                    return Ok(value.clone());
                }
            }
        }
        let value = Arc::new(load().await?);
        if let Ok(mut slot) = self.slot.lock() {
            *slot = Some((writes, now, value.clone()));
        }
        Ok(value)
    }
}
