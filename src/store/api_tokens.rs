//! API tokens: rows keyed by id, holding the SHA-256 of the token and never the token.

use sqlx::any::AnyRow;
use sqlx::Row;

use super::{Db, Result, Tx};

#[derive(Debug, Clone)]
pub struct TokenRow {
    pub id: String,
    /// Who created it; the token acts for this account.
    pub account_id: String,
    /// A provider's token: the provider (an account id) whose data it reads.
    pub provider_id: Option<String>,
    pub name: String,
    /// JSON array of scope names.
    pub scopes: String,
    pub token_hash: String,
    pub expires_at: Option<i64>,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

const COLUMNS: &str = "id, account_id, provider_id, name, scopes, token_hash, expires_at, \
                       created_at, last_used_at, revoked_at";

fn read(r: &AnyRow) -> Result<TokenRow> {
    Ok(TokenRow {
        id: r.try_get("id")?,
        account_id: r.try_get("account_id")?,
        provider_id: r.try_get("provider_id")?,
        name: r.try_get("name")?,
        scopes: r.try_get("scopes")?,
        token_hash: r.try_get("token_hash")?,
        expires_at: r.try_get("expires_at")?,
        created_at: r.try_get("created_at")?,
        last_used_at: r.try_get("last_used_at")?,
        revoked_at: r.try_get("revoked_at")?,
    })
}

pub async fn insert(tx: &mut Tx, t: &TokenRow) -> Result<()> {
    sqlx::query(&format!(
        "INSERT INTO api_tokens ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    ))
    .bind(&t.id)
    .bind(&t.account_id)
    .bind(&t.provider_id)
    .bind(&t.name)
    .bind(&t.scopes)
    .bind(&t.token_hash)
    .bind(t.expires_at)
    .bind(t.created_at)
    .bind(t.last_used_at)
    .bind(t.revoked_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn get(db: &Db, id: &str) -> Result<Option<TokenRow>> {
    sqlx::query(&format!("SELECT {COLUMNS} FROM api_tokens WHERE id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .as_ref()
        .map(read)
        .transpose()
}

/// An account's tokens, newest first.
pub async fn list_for_account(db: &Db, account_id: &str) -> Result<Vec<TokenRow>> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM api_tokens WHERE account_id = $1 ORDER BY created_at DESC, id DESC"
    ))
    .bind(account_id)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(read)
    .collect()
}

/// Revokes a live token of `account_id`; false when there is none such.
pub async fn revoke(tx: &mut Tx, account_id: &str, id: &str, now: i64) -> Result<bool> {
    let res = sqlx::query(
        "UPDATE api_tokens SET revoked_at = $3 \
         WHERE id = $1 AND account_id = $2 AND revoked_at IS NULL",
    )
    .bind(id)
    .bind(account_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(res.rows_affected() > 0)
}

/// Revokes every live token of `account_id` (a password reset: whoever knew the old password
/// may have made one); how many.
pub async fn revoke_all_of(tx: &mut Tx, account_id: &str, now: i64) -> Result<u64> {
    let res = sqlx::query(
        "UPDATE api_tokens SET revoked_at = $2 WHERE account_id = $1 AND revoked_at IS NULL",
    )
    .bind(account_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(res.rows_affected())
}

/// The statement that records a use (`$1` the time, `$2` the id), for `Db::write_with_event`.
pub const TOUCH_SQL: &str = "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2";

/// Every staff token (marketplace-wide, `provider_id` empty) with its owner's e-mail, newest
/// first: what an admin oversees.
pub async fn list_staff(db: &Db) -> Result<Vec<(TokenRow, String)>> {
    sqlx::query(
        "SELECT t.id, t.account_id, t.provider_id, t.name, t.scopes, t.token_hash, t.expires_at, \
         t.created_at, t.last_used_at, t.revoked_at, a.email FROM api_tokens t \
         JOIN accounts a ON a.id = t.account_id WHERE t.provider_id IS NULL \
         ORDER BY t.created_at DESC, t.id DESC",
    )
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| Ok((read(r)?, r.try_get("email")?)))
    .collect()
}

/// Revokes a live staff token, whoever owns it; its owner, or `None` when there is none such.
pub async fn revoke_staff(tx: &mut Tx, id: &str, now: i64) -> Result<Option<String>> {
    let row = sqlx::query(
        "UPDATE api_tokens SET revoked_at = $2 \
         WHERE id = $1 AND provider_id IS NULL AND revoked_at IS NULL RETURNING account_id",
    )
    .bind(id)
    .bind(now)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|r| r.try_get("account_id")).transpose()?)
}
