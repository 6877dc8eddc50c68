//! Background jobs that run once a day across every instance: whichever instance takes the
//! job's lease in the database runs it (`store::jobs`), the others skip it.

use std::future::Future;

use super::{Ctx, Result};
use crate::store;
use crate::time_util::{now_ms, DAY_MS, HOUR_MS};

/// The jobs `serve` runs daily, by name (`berth jobs run NAME` runs one by hand).
pub const STORAGE_SWEEP: &str = "storage_sweep";

/// Runs `job` when no instance holds its lease and it last ran more than `every_ms` ago;
/// whether it ran. The lease lasts an hour, so an instance that dies mid-job does not hold it
/// for good.
pub async fn run_if_due<F, Fut>(ctx: &Ctx, name: &str, every_ms: i64, job: F) -> Result<bool>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<()>>,
{
    let now = now_ms();
    let pool = ctx.db.pool();
    if !store::jobs::claim(
        pool,
        name,
        &ctx.instance,
        now,
        now + HOUR_MS,
        now - every_ms + 1,
    )
    .await?
    {
        return Ok(false);
    }
    let outcome = job().await;
    store::jobs::finish(pool, name, &ctx.instance, now_ms()).await?;
    outcome.map(|()| true)
}

/// The daily jobs, each when it is due.
pub async fn run_daily(ctx: &Ctx) {
    let sweep = run_if_due(ctx, STORAGE_SWEEP, DAY_MS, || async {
        super::storage::sweep_orphans(ctx, super::storage::ORPHAN_GRACE_MS)
            .await
            .map(drop)
    })
    .await;
    if let Err(e) = sweep {
        tracing::warn!(error = %e, job = STORAGE_SWEEP, "daily job failed");
    }
    let days = ctx.events_retention_days;
    let retention = run_if_due(ctx, super::events::RETENTION_JOB, DAY_MS, || async {
        super::events::sweep_retention(ctx, days).await.map(drop)
    })
    .await;
    if let Err(e) = retention {
        tracing::warn!(error = %e, job = super::events::RETENTION_JOB, "daily job failed");
    }
    let erasure = run_if_due(ctx, super::privacy_erasure::ERASURE_JOB, DAY_MS, || async {
        super::privacy_erasure::run(ctx).await.map(drop)
    })
    .await;
    if let Err(e) = erasure {
        tracing::warn!(error = %e, job = super::privacy_erasure::ERASURE_JOB, "daily job failed");
    }
}
