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

/// Takes `scope` for a request (`request_hash`), unanswered (status 0), before it runs: exactly
/// one of several requests racing with one key gets it (true). A claim left unanswered since
/// before `stale_before` (its server stopped mid-request) is taken over.
pub async fn claim_request(
    db: &Db,
    scope: &str,
    request_hash: &str,
    now: i64,
    stale_before: i64,
) -> Result<bool> {
    let res = sqlx::query(
        "INSERT INTO idempotency_keys (scope, request_hash, status, response, created_at) \
         VALUES ($1, $2, 0, '', $3) ON CONFLICT (scope) DO UPDATE SET request_hash = $2, created_at = $3 \
         WHERE idempotency_keys.status = 0 AND idempotency_keys.created_at < $4",
    )
    .bind(scope)
    .bind(request_hash)
    .bind(now)
    .bind(stale_before)
    .execute(db.pool())
    .await?;
    Ok(res.rows_affected() == 1)
}

/// Keys are kept for a day.
pub async fn purge_older_than(db: &Db, cutoff: i64) -> Result<u64> {
    let res = sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
        .bind(cutoff)
        .execute(db.pool())
        .await?;
    Ok(res.rows_affected())
}

/// A page form's one-time token seen for the first time: its row is taken, unanswered
/// (status 0), by exactly one of several requests racing with it. True for that one.
pub async fn claim(db: &Db, scope: &str, now: i64) -> Result<bool> {
    let res = sqlx::query(
        "INSERT INTO idempotency_keys (scope, request_hash, status, response, created_at) \
         VALUES ($1, 'form', 0, '', $2) ON CONFLICT (scope) DO NOTHING",
    )
    .bind(scope)
    .bind(now)
    .execute(db.pool())
    .await?;
    Ok(res.rows_affected() == 1)
}

/// The answer of a claimed token.
pub async fn answer(db: &Db, scope: &str, status: i64, response: &str) -> Result<()> {
    sqlx::query("UPDATE idempotency_keys SET status = $2, response = $3 WHERE scope = $1")
        .bind(scope)
        .bind(status)
        .bind(response)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Gives a claimed token back unanswered (the form was refused: it may be sent again).
pub async fn release(db: &Db, scope: &str) -> Result<()> {
    sqlx::query("DELETE FROM idempotency_keys WHERE scope = $1 AND status = 0")
        .bind(scope)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Keeps (or replaces) a sealed value under `scope`, answered (status 200): a form's typed
/// values kept for the page that shows them next.
pub async fn keep(db: &Db, scope: &str, sealed: &str, now: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO idempotency_keys (scope, request_hash, status, response, created_at) \
         VALUES ($1, 'typed', 200, $2, $3) ON CONFLICT (scope) DO UPDATE SET response = $2, created_at = $3",
    )
    .bind(scope)
    .bind(sealed)
    .bind(now)
    .execute(db.pool())
    .await?;
    Ok(())
}
