//! What `serve` cleans up every hour, and what the operational endpoints read.

use super::{Ctx, Result};
use crate::store;
use crate::time_util::{now_ms, DAY_MS};

/// Drops expired sessions and log-in challenges, day-old idempotency answers, limit buckets that
/// have refilled and clients not seen for `known_client_days`. Each step is tried even when an
/// earlier one failed; the failures are logged with their step.
pub async fn sweep(ctx: &Ctx) {
    let db = &ctx.db;
    let now = now_ms();
    let known_since = now - i64::from(ctx.limits.known_client_days) * DAY_MS;
    let steps: [(&str, store::Result<()>); 6] = [
        (
            "rate limits",
            store::limits::purge_passed(db.pool(), now).await.map(drop),
        ),
        (
            "log-in challenges",
            store::second_factor::purge_challenges(db.pool(), now)
                .await
                .map(drop),
        ),
        (
            "known clients",
            store::limits::purge_clients_before(db.pool(), known_since)
                .await
                .map(drop),
        ),
        (
            "sessions",
            store::sessions::purge_expired(db, now).await.map(drop),
        ),
        (
            "storefront changes",
            store::products::prune_storefront_changes(db, 1_000)
                .await
                .map(drop),
        ),
        (
            "idempotency keys",
            store::idempotency::purge_older_than(db, now - DAY_MS)
                .await
                .map(drop),
        ),
    ];
    for (step, outcome) in steps {
        if let Err(e) = outcome {
            tracing::warn!(error = %e, step, "housekeeping failed");
        }
    }
    // Deposits left short past their grace period: hide the listings (and mail) even when no
    // one reads the storefront.
    if let Err(e) = super::guarantee::hide_overdue(ctx).await {
        tracing::warn!(error = %e, step = "deposit holds", "housekeeping failed");
    }
}

/// Whether the database and the file store answer (`/readyz`); else which does not.
pub async fn ready(ctx: &Ctx) -> std::result::Result<(), &'static str> {
    if ctx.draining.load(std::sync::atomic::Ordering::SeqCst) {
        return Err("shutting down");
    }
    if let Err(e) = ctx.db.ping().await {
        tracing::warn!(error = %e, "readiness check: the database does not answer");
        return Err("database unavailable");
    }
    if !ctx
        .storefront
        .wait_loaded(std::time::Duration::from_secs(2))
        .await
    {
        return Err("warming up: loading the storefront");
    }
    if let Err(e) = ctx.blobs.ping().await {
        tracing::warn!(error = %e, "readiness check: the file store does not answer");
        return Err("file storage unavailable");
    }
    Ok(())
}

/// Mail queued and not yet delivered (`/metrics`).
pub async fn mail_pending(ctx: &Ctx) -> Result<i64> {
    Ok(store::outbox::pending_count(&ctx.db).await?)
}

/// Webhook deliveries still pending (`/metrics`).
pub async fn webhook_deliveries_pending(ctx: &Ctx) -> Result<i64> {
    Ok(store::webhooks::pending_count(&ctx.db).await?)
}
