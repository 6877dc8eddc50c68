//! Server-side sessions, keyed by the SHA-256 of their token.

use sqlx::Row;

use super::{Db, Result, Tx};

/// A live session and the account behind it, read with one indexed query.
#[derive(Debug, Clone)]
pub struct SessionAccount {
    pub token_hash: String,
    pub account_id: String,
    pub email: String,
    pub status: String,
    pub roles: String,
    pub lang: String,
    /// When this session last passed a second factor.
    pub second_factor_at: Option<i64>,
    /// Whether the account has a confirmed second factor.
    pub enrolled: bool,
}

/// A new session; `second_factor_at` when it passed a second factor to begin with.
pub async fn insert(
    tx: &mut Tx,
    token_hash: &str,
    account_id: &str,
    now: i64,
    expires_at: i64,
    second_factor_at: Option<i64>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, account_id, created_at, expires_at, second_factor_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash)
    .bind(account_id)
    .bind(now)
    .bind(expires_at)
    .bind(second_factor_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Records that the session passed a second factor at `at`.
pub async fn mark_second_factor(tx: &mut Tx, token_hash: &str, at: i64) -> Result<()> {
    sqlx::query("UPDATE sessions SET second_factor_at = $2 WHERE token_hash = $1")
        .bind(token_hash)
        .bind(at)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn find(db: &Db, token_hash: &str, now: i64) -> Result<Option<SessionAccount>> {
    let row = sqlx::query(
        "SELECT s.token_hash, s.second_factor_at, a.id, a.email, a.status, a.roles, a.lang, \
         CAST(CASE WHEN f.confirmed_at IS NULL THEN 0 ELSE 1 END AS BIGINT) AS enrolled \
         FROM sessions s JOIN accounts a ON a.id = s.account_id \
         LEFT JOIN second_factors f ON f.account_id = a.id \
         WHERE s.token_hash = $1 AND s.expires_at > $2",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(db.pool())
    .await?;
    row.map(|r| {
        Ok(SessionAccount {
            token_hash: r.try_get("token_hash")?,
            account_id: r.try_get("id")?,
            email: r.try_get("email")?,
            status: r.try_get("status")?,
            roles: r.try_get("roles")?,
            lang: r.try_get("lang")?,
            second_factor_at: r.try_get("second_factor_at")?,
            enrolled: r.try_get::<i64, _>("enrolled")? == 1,
        })
    })
    .transpose()
}

/// Deletes one session; true when it existed.
pub async fn delete(tx: &mut Tx, token_hash: &str) -> Result<bool> {
    let res = sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(&mut **tx)
        .await?;
    Ok(res.rows_affected() > 0)
}

pub async fn delete_for_account(tx: &mut Tx, account_id: &str) -> Result<u64> {
    let res = sqlx::query("DELETE FROM sessions WHERE account_id = $1")
        .bind(account_id)
        .execute(&mut **tx)
        .await?;
    Ok(res.rows_affected())
}

pub async fn purge_expired(db: &Db, now: i64) -> Result<u64> {
    let res = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(now)
        .execute(db.pool())
        .await?;
    Ok(res.rows_affected())
}
