//! Audit events: append under the head row's lock, read in order.

use sqlx::Row;

use super::{Db, Dialect, Result, Tx};
use crate::audit::{event_hash, AuditEvent};
use crate::time_util::now_ms;

/// Reads the head (locking it on PostgreSQL, which serialises appends; SQLite's writer lock
/// already does) and writes the event; a trigger moves the head.
pub async fn append(
    tx: &mut Tx,
    actor: &str,
    action: &str,
    subject: &str,
    detail: &str,
) -> Result<i64> {
    let lock = match tx.dialect() {
        Dialect::Postgres => " FOR UPDATE",
        Dialect::Sqlite => "",
    };
    let head = sqlx::query(&format!(
        "SELECT seq, hash FROM audit_head WHERE id = 1{lock}"
    ))
    .fetch_one(&mut **tx)
    .await?;
    let seq: i64 = head.try_get::<i64, _>("seq")? + 1;
    let prev_hash: String = head.try_get("hash")?;
    let at = now_ms();
    let hash = event_hash(&prev_hash, seq, at, actor, action, subject, detail);
    sqlx::query(
        "INSERT INTO audit_events (seq, at, actor, action, subject, detail, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(seq)
    .bind(at)
    .bind(actor)
    .bind(action)
    .bind(subject)
    .bind(detail)
    .bind(&prev_hash)
    .bind(&hash)
    .execute(&mut **tx)
    .await?;
    Ok(seq)
}

/// Events with `seq > after`, oldest first.
pub async fn list(db: &Db, after: i64, limit: i64) -> Result<Vec<AuditEvent>> {
    let rows = sqlx::query(
        "SELECT seq, at, actor, action, subject, detail, prev_hash, hash FROM audit_events \
         WHERE seq > $1 ORDER BY seq LIMIT $2",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(AuditEvent {
                seq: r.try_get("seq")?,
                at: r.try_get("at")?,
                actor: r.try_get("actor")?,
                action: r.try_get("action")?,
                subject: r.try_get("subject")?,
                detail: r.try_get("detail")?,
                prev_hash: r.try_get("prev_hash")?,
                hash: r.try_get("hash")?,
            })
        })
        .collect()
}

pub async fn head(db: &Db) -> Result<(i64, String)> {
    let r = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_one(db.pool())
        .await?;
    Ok((r.try_get("seq")?, r.try_get("hash")?))
}
