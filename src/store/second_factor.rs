//! Second factors (TOTP secrets, encrypted), recovery codes and pending log-in challenges.

use sqlx::{Any, Executor, Row};

use super::{Result, Tx};

#[derive(Debug, Clone)]
pub struct FactorRow {
    pub account_id: String,
    pub secret_enc: String,
    pub confirmed_at: Option<i64>,
    pub last_step: i64,
}

pub async fn get<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    account_id: &str,
) -> Result<Option<FactorRow>> {
    let row = sqlx::query(
        "SELECT account_id, secret_enc, confirmed_at, last_step FROM second_factors WHERE account_id = $1",
    )
    .bind(account_id)
    .fetch_optional(ex)
    .await?;
    row.map(|r| {
        Ok(FactorRow {
            account_id: r.try_get("account_id")?,
            secret_enc: r.try_get("secret_enc")?,
            confirmed_at: r.try_get("confirmed_at")?,
            last_step: r.try_get("last_step")?,
        })
    })
    .transpose()
}

/// A new, unconfirmed secret (replacing an unconfirmed one).
pub async fn put_pending(tx: &mut Tx, account_id: &str, secret_enc: &str, now: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO second_factors (account_id, secret_enc, confirmed_at, last_step, created_at) \
         VALUES ($1, $2, NULL, 0, $3) \
         ON CONFLICT (account_id) DO UPDATE SET secret_enc = $2, confirmed_at = NULL, last_step = 0, \
         created_at = $3",
    )
    .bind(account_id)
    .bind(secret_enc)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn confirm(tx: &mut Tx, account_id: &str, step: i64, now: i64) -> Result<()> {
    sqlx::query(
        "UPDATE second_factors SET confirmed_at = $2, last_step = $3 WHERE account_id = $1",
    )
    .bind(account_id)
    .bind(now)
    .bind(step)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Moves the last accepted step forward; false when a concurrent request used this step (or a
/// later one) first.
pub async fn advance_step(tx: &mut Tx, account_id: &str, step: i64) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE second_factors SET last_step = $2 WHERE account_id = $1 AND last_step < $2",
    )
    .bind(account_id)
    .bind(step)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Removes the factor and the recovery codes.
pub async fn delete(tx: &mut Tx, account_id: &str) -> Result<bool> {
    sqlx::query("DELETE FROM recovery_codes WHERE account_id = $1")
        .bind(account_id)
        .execute(&mut **tx)
        .await?;
    let done = sqlx::query("DELETE FROM second_factors WHERE account_id = $1")
        .bind(account_id)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn replace_recovery_codes(
    tx: &mut Tx,
    account_id: &str,
    hashes: &[String],
) -> Result<()> {
    sqlx::query("DELETE FROM recovery_codes WHERE account_id = $1")
        .bind(account_id)
        .execute(&mut **tx)
        .await?;
    for h in hashes {
        sqlx::query(
            "INSERT INTO recovery_codes (account_id, code_hash, used_at) VALUES ($1, $2, NULL)",
        )
        .bind(account_id)
        .bind(h)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Uses a recovery code; false when it is not one of the account's unused codes.
pub async fn use_recovery_code(
    tx: &mut Tx,
    account_id: &str,
    hash: &str,
    now: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE recovery_codes SET used_at = $3 WHERE account_id = $1 AND code_hash = $2 AND used_at IS NULL",
    )
    .bind(account_id)
    .bind(hash)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn unused_recovery_codes<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    account_id: &str,
) -> Result<i64> {
    let r = sqlx::query(
        "SELECT COUNT(*) AS n FROM recovery_codes WHERE account_id = $1 AND used_at IS NULL",
    )
    .bind(account_id)
    .fetch_one(ex)
    .await?;
    Ok(r.try_get("n")?)
}

#[derive(Debug, Clone)]
pub struct ChallengeRow {
    pub account_id: String,
    pub replaces: Option<String>,
    pub expires_at: i64,
}

pub async fn put_challenge(
    tx: &mut Tx,
    hash: &str,
    account_id: &str,
    replaces: Option<&str>,
    now: i64,
    expires_at: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO login_challenges (challenge_hash, account_id, replaces, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(hash)
    .bind(account_id)
    .bind(replaces)
    .bind(now)
    .bind(expires_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn get_challenge<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    hash: &str,
) -> Result<Option<ChallengeRow>> {
    let row = sqlx::query(
        "SELECT account_id, replaces, expires_at FROM login_challenges WHERE challenge_hash = $1",
    )
    .bind(hash)
    .fetch_optional(ex)
    .await?;
    row.map(|r| {
        Ok(ChallengeRow {
            account_id: r.try_get("account_id")?,
            replaces: r.try_get("replaces")?,
            expires_at: r.try_get("expires_at")?,
        })
    })
    .transpose()
}

/// Uses a challenge up; false when it was used (or never was).
pub async fn take_challenge(tx: &mut Tx, hash: &str) -> Result<bool> {
    let done = sqlx::query("DELETE FROM login_challenges WHERE challenge_hash = $1")
        .bind(hash)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn purge_challenges<'e, E: Executor<'e, Database = Any>>(ex: E, now: i64) -> Result<u64> {
    let done = sqlx::query("DELETE FROM login_challenges WHERE expires_at <= $1")
        .bind(now)
        .execute(ex)
        .await?;
    Ok(done.rows_affected())
}
