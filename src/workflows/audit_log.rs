//! Reading and checking the audit log (operators and admins; `berth audit verify`).

use super::{Ctx, Result};
use crate::domain::audit::{AuditEvent, ChainCheck, Verification};
use crate::store::{self, Db};

/// Events after `after`, oldest first; at most `limit`.
pub async fn list_events(ctx: &Ctx, after: i64, limit: i64) -> Result<Vec<AuditEvent>> {
    Ok(store::audit::list(&ctx.db, after, limit).await?)
}

/// Re-computes the whole chain, oldest first, and names the first event that does not fit.
pub async fn verify(db: &Db) -> Result<Verification> {
    let mut check = ChainCheck::default();
    let mut after = 0;
    loop {
        let batch = store::audit::list(db, after, 1000).await?;
        let Some(last) = batch.last() else { break };
        after = last.seq;
        for e in &batch {
            if let Err(broken) = check.next(e) {
                return Ok(broken);
            }
        }
    }
    let (head_seq, head_hash) = store::audit::head(db).await?;
    Ok(check.finish(head_seq, &head_hash))
}
