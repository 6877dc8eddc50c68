//! Claiming rows with a lease, for the workers that drain a queue (the mail outbox, webhook
//! deliveries): safe with several instances, and a claim whose worker died lapses.

use sqlx::any::AnyRow;
use sqlx::Row;

use super::{Db, Result};

/// Claims up to `limit` rows for `lease_ms`. `candidates` selects the `id`s that are due (`$1`
/// the time, `$2` the limit); `claim` takes one of them (`$1` its id, `$2` the lease's end, `$3`
/// the time) only if it is still free — a conditional update, so that one instance wins — and
/// returns its columns. Each claimed row, in the candidates' order.
pub async fn claim(
    db: &Db,
    candidates: &str,
    claim: &str,
    now: i64,
    lease_ms: i64,
    limit: i64,
) -> Result<Vec<AnyRow>> {
    let due = sqlx::query(candidates)
        .bind(now)
        .bind(limit)
        .fetch_all(db.pool())
        .await?;
    let mut claimed = Vec::with_capacity(due.len());
    for c in due {
        let id: String = c.try_get("id")?;
        let row = sqlx::query(claim)
            .bind(id)
            .bind(now + lease_ms)
            .bind(now)
            .fetch_optional(db.pool())
            .await?;
        claimed.extend(row);
    }
    Ok(claimed)
}
