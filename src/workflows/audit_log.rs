//! Reading the audit log (operators and admins).

use super::Result;
use crate::audit::AuditEvent;
use crate::store::{self};

use super::Ctx;

/// Events after `after`, oldest first; at most `limit`.
pub async fn list_events(ctx: &Ctx, after: i64, limit: i64) -> Result<Vec<AuditEvent>> {
    Ok(store::audit::list(&ctx.db, after, limit).await?)
}
