//! The erasure job (`erasure`, daily in `serve`; `berth jobs run erasure` by hand): for every
//! account closed more than `privacy.retention_days` ago, the personal data goes: in one
//! transaction the rows and fields listed in docs/PRIVACY.md, then the stored files of its
//! documents and the `.eml` copies of the mail sent to it; on SQLite the write-ahead log is
//! emptied so the erased pages leave the disk. The audit chain is not touched: its events name
//! accounts by id and carry no personal data, so it still verifies.

use serde_json::json;

use super::{Ctx, Result};
use crate::domain::audit::{NewEvent, SYSTEM};
use crate::domain::events::{Event, EventType};
use crate::store;
use crate::store::privacy as privacy_store;
use crate::time_util::rfc3339;

/// The job's name (`berth jobs run erasure`).
pub const ERASURE_JOB: &str = "erasure";

/// Accounts erased in one run at most; the rest wait for the next run.
const BATCH: i64 = 100;

/// Erases every account whose retention has passed (by `ctx.clock`); how many.
pub async fn run(ctx: &Ctx) -> Result<usize> {
    let now = ctx.clock.now_ms();
    let due = privacy_store::due_closures(&ctx.db, now, BATCH).await?;
    let mut erased = 0;
    for closure in due {
        let Some(account) = store::accounts::find_by_id(ctx.db.pool(), &closure.account_id).await?
        else {
            continue;
        };
        let mut tx = ctx.db.begin_for_account(&account.id).await?;
        let gone = privacy_store::erase(&mut tx, &account.id, &account.email, now).await?;
        store::audit::append(
            &mut tx,
            NewEvent::new(SYSTEM, "account.erased", &account.id).detail(json!({
                "documents": gone.blob_keys.len(),
                "mails": gone.outbox_ids.len(),
            })),
        )
        .await?;
        // After the erasure, which deleted the feed's events about the provider: this one
        // names the account by id only.
        let data = json!({"provider_id": account.id, "closed_at": rfc3339(closure.requested_at)});
        let erased_event = Event::about_provider(EventType::AccountErased, &account.id, data);
        super::events::record(&mut tx, erased_event).await?;
        tx.commit().await?;
        for key in &gone.blob_keys {
            if let Err(e) = ctx.blobs.delete(key).await {
                // The row is gone: the storage sweep removes the orphaned file later.
                tracing::warn!(error = %e, "erasure: a stored file could not be deleted");
            }
        }
        if let Some(dir) = &ctx.mail_dir {
            remove_mail(dir, &gone.outbox_ids).await;
        }
        erased += 1;
    }
    if erased > 0 && !privacy_store::checkpoint(&ctx.db).await? {
        tracing::warn!("erasure: the write-ahead log is in use; it empties at a later checkpoint");
    }
    Ok(erased)
}

/// Removes the `.eml` files of the given outbox rows (named `<time>-<id>.eml`).
async fn remove_mail(dir: &std::path::Path, ids: &[String]) {
    if ids.is_empty() {
        return;
    }
    let Ok(mut entries) = tokio::fs::read_dir(dir).await else {
        return;
    };
    while let Ok(Some(entry)) = entries.next_entry().await {
        let name = entry.file_name().to_string_lossy().into_owned();
        if ids.iter().any(|id| name.contains(&format!("-{id}.eml"))) {
            if let Err(e) = tokio::fs::remove_file(entry.path()).await {
                tracing::warn!(error = %e, "erasure: a mail file could not be removed");
            }
        }
    }
}
