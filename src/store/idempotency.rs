//! Stored answers of state-changing POSTs sent with an `Idempotency-Key`.

use sqlx::Row;

use super::{Db, Result};

#[derive(Debug, Clone)]
pub struct StoredAnswer {
    pub request_hash: String,
    pub status: i64,
    pub response: String,
}

pub async fn find(db: &Db, scope: &str) -> Result<Option<StoredAnswer>> {
    let row =
        sqlx::query("SELECT request_hash, status, response FROM idempotency_keys WHERE scope = $1")
            .bind(scope)
            .fetch_optional(db.pool())
            .await?;
    row.map(|r| {
        Ok(StoredAnswer {
            request_hash: r.try_get("request_hash")?,
            status: r.try_get("status")?,
            response: r.try_get("response")?,
        })
    })
    .transpose()
}

/// Keeps the first answer; a concurrent duplicate that finished second changes nothing.
pub async fn insert(db: &Db, scope: &str, answer: &StoredAnswer, now: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO idempotency_keys (scope, request_hash, status, response, created_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (scope) DO NOTHING",
    )
    .bind(scope)
    .bind(&answer.request_hash)
    .bind(answer.status)
    .bind(&answer.response)
    .bind(now)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Keys are kept for a day.
pub async fn purge_older_than(db: &Db, cutoff: i64) -> Result<u64> {
    let res = sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
        .bind(cutoff)
        .execute(db.pool())
        .await?;
    Ok(res.rows_affected())
}
