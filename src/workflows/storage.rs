//! The file store against the documents table: objects no row refers to (an upload whose
//! process died between writing the file and its row) are removed after a grace period, and
//! `berth storage check` reports rows whose object is missing.

use std::collections::HashSet;

use super::{Ctx, Result};
use crate::store;
use crate::time_util::{now_ms, HOUR_MS};

/// An object younger than this may belong to an upload whose row is not committed yet.
pub const ORPHAN_GRACE_MS: i64 = 24 * HOUR_MS;

/// What `check` found.
#[derive(Debug, Default)]
pub struct StorageReport {
    /// Rows in the documents table.
    pub rows: usize,
    /// Storage keys of rows whose object is missing.
    pub missing: Vec<String>,
    /// Objects no row refers to (start-up probes aside).
    pub unreferenced: Vec<String>,
}

/// Compares the store with the documents table.
pub async fn check(ctx: &Ctx) -> Result<StorageReport> {
    let keys = store::documents::all_blob_keys(ctx.db.pool()).await?;
    let stored: HashSet<String> = ctx
        .blobs
        .list()
        .await?
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    let known: HashSet<&str> = keys.iter().map(String::as_str).collect();
    let mut report = StorageReport {
        rows: keys.len(),
        ..StorageReport::default()
    };
    for key in &keys {
        if !stored.contains(key) {
            report.missing.push(key.clone());
        }
    }
    let mut unreferenced: Vec<String> = stored
        .into_iter()
        .filter(|k| !known.contains(k.as_str()) && !k.starts_with(".berth-probe"))
        .collect();
    unreferenced.sort();
    report.unreferenced = unreferenced;
    Ok(report)
}

/// Removes objects that no row refers to and that are older than `grace_ms` (left-over start-up
/// probes too); how many. The documents are listed after the objects, so a row committed
/// meanwhile is seen.
#[tracing::instrument(name = "storage::sweep_orphans", skip_all)]
pub async fn sweep_orphans(ctx: &Ctx, grace_ms: i64) -> Result<usize> {
    let before = now_ms() - grace_ms;
    let objects = ctx.blobs.list().await?;
    let keys = store::documents::all_blob_keys(ctx.db.pool()).await?;
    let known: HashSet<&str> = keys.iter().map(String::as_str).collect();
    let mut removed = 0;
    for (key, written) in objects {
        if written < before && !known.contains(key.as_str()) {
            ctx.blobs.delete(&key).await?;
            removed += 1;
        }
    }
    if removed > 0 {
        tracing::info!(removed, "unreferenced stored files removed");
    }
    Ok(removed)
}
