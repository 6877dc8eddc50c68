//! The outbox: messages written in the transaction that causes them, drained by the worker.

use sqlx::Row;

use super::{lease, Db, Result, Tx};

#[derive(Debug, Clone)]
pub struct OutboxRow {
    pub id: String,
    pub kind: String,
    pub recipient: String,
    pub payload: String,
    pub attempts: i64,
}

pub async fn insert(
    tx: &mut Tx,
    id: &str,
    kind: &str,
    recipient: &str,
    payload: &str,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO outbox (id, kind, recipient, payload, created_at, next_attempt_at) \
         VALUES ($1, $2, $3, $4, $5, $5)",
    )
    .bind(id)
    .bind(kind)
    .bind(recipient)
    .bind(payload)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Claims up to `limit` due messages for `lease_ms`; a message whose claim lapsed (the worker
/// died) is due again. Safe with several instances: the conditional update lets one win.
pub async fn claim_due(db: &Db, now: i64, lease_ms: i64, limit: i64) -> Result<Vec<OutboxRow>> {
    let rows = lease::claim(
        db,
        "SELECT id FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $1 \
         AND (claimed_until IS NULL OR claimed_until < $1) ORDER BY next_attempt_at LIMIT $2",
        "UPDATE outbox SET claimed_until = $2, attempts = attempts + 1 \
         WHERE id = $1 AND sent_at IS NULL AND (claimed_until IS NULL OR claimed_until < $3) \
         RETURNING id, kind, recipient, payload, attempts",
        now,
        lease_ms,
        limit,
    )
    .await?;
    rows.iter()
        .map(|r| {
            Ok(OutboxRow {
                id: r.try_get("id")?,
                kind: r.try_get("kind")?,
                recipient: r.try_get("recipient")?,
                payload: r.try_get("payload")?,
                attempts: r.try_get("attempts")?,
            })
        })
        .collect()
}

/// Marks a message delivered and drops its body: it may carry a one-time code.
pub async fn mark_sent(db: &Db, id: &str, now: i64) -> Result<()> {
    sqlx::query("UPDATE outbox SET sent_at = $2, claimed_until = NULL, payload = '', last_error = NULL WHERE id = $1")
        .bind(id)
        .bind(now)
        .execute(db.pool())
        .await?;
    Ok(())
}

pub async fn mark_retry(db: &Db, id: &str, next_attempt_at: i64, error: &str) -> Result<()> {
    sqlx::query("UPDATE outbox SET next_attempt_at = $2, claimed_until = NULL, last_error = $3 WHERE id = $1")
        .bind(id)
        .bind(next_attempt_at)
        .bind(error)
        .execute(db.pool())
        .await?;
    Ok(())
}

pub async fn mark_failed(db: &Db, id: &str, now: i64, error: &str) -> Result<()> {
    sqlx::query("UPDATE outbox SET failed_at = $2, claimed_until = NULL, payload = '', last_error = $3 WHERE id = $1")
        .bind(id)
        .bind(now)
        .bind(error)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Messages not yet delivered (for `/metrics` and `/readyz` detail).
pub async fn pending_count(db: &Db) -> Result<i64> {
    let r =
        sqlx::query("SELECT COUNT(*) AS n FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL")
            .fetch_one(db.pool())
            .await?;
    Ok(r.try_get("n")?)
}
