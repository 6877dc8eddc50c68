//! Accounts and their one-time codes.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};

use super::{Result, Tx};

#[derive(Debug, Clone)]
pub struct AccountRow {
    pub id: String,
    pub email: String,
    pub password_hash: String,
    pub mobile: Option<String>,
    pub status: String,
    pub roles: String,
    pub lang: String,
    pub created_at: i64,
}

const COLUMNS: &str = "id, email, password_hash, mobile, status, roles, lang, created_at";

fn from_row(r: &AnyRow) -> Result<AccountRow> {
    Ok(AccountRow {
        id: r.try_get("id")?,
        email: r.try_get("email")?,
        password_hash: r.try_get("password_hash")?,
        mobile: r.try_get("mobile")?,
        status: r.try_get("status")?,
        roles: r.try_get("roles")?,
        lang: r.try_get("lang")?,
        created_at: r.try_get("created_at")?,
    })
}

/// Inserts the account; `Ok(false)` when the e-mail address is taken.
pub async fn insert(tx: &mut Tx, a: &AccountRow) -> Result<bool> {
    let res = sqlx::query(
        "INSERT INTO accounts (id, email, password_hash, mobile, status, roles, lang, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (email) DO NOTHING",
    )
    .bind(&a.id)
    .bind(&a.email)
    .bind(&a.password_hash)
    .bind(&a.mobile)
    .bind(&a.status)
    .bind(&a.roles)
    .bind(&a.lang)
    .bind(a.created_at)
    .execute(&mut **tx)
    .await?;
    Ok(res.rows_affected() == 1)
}

pub async fn find_by_email<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    email: &str,
) -> Result<Option<AccountRow>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM accounts WHERE email = $1"))
        .bind(email)
        .fetch_optional(ex)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn find_by_id<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    id: &str,
) -> Result<Option<AccountRow>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM accounts WHERE id = $1"))
        .bind(id)
        .fetch_optional(ex)
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn set_active(tx: &mut Tx, id: &str, now: i64) -> Result<()> {
    sqlx::query("UPDATE accounts SET status = 'active', activated_at = $2 WHERE id = $1")
        .bind(id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn set_password_hash(tx: &mut Tx, id: &str, hash: &str) -> Result<()> {
    sqlx::query("UPDATE accounts SET password_hash = $2 WHERE id = $1")
        .bind(id)
        .bind(hash)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn set_roles(tx: &mut Tx, id: &str, roles: &str) -> Result<()> {
    sqlx::query("UPDATE accounts SET roles = $2 WHERE id = $1")
        .bind(id)
        .bind(roles)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn set_lang(tx: &mut Tx, id: &str, lang: &str) -> Result<()> {
    sqlx::query("UPDATE accounts SET lang = $2 WHERE id = $1")
        .bind(id)
        .bind(lang)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// How many accounts hold the admin role.
pub async fn count_admins<'e, E: Executor<'e, Database = Any>>(ex: E) -> Result<i64> {
    let r = sqlx::query(
        "SELECT COUNT(*) AS n FROM accounts WHERE status = 'active' AND \
         (roles = 'admin' OR roles LIKE 'admin,%' OR roles LIKE '%,admin' OR roles LIKE '%,admin,%')",
    )
    .fetch_one(ex)
    .await?;
    Ok(r.try_get("n")?)
}

#[derive(Debug, Clone)]
pub struct CodeRow {
    pub code_hash: String,
    pub created_at: i64,
    pub expires_at: i64,
    /// A keyed hash of the account and the client that asked for the code.
    pub requester_key: Option<String>,
}

/// Replaces the account's live code for `purpose`.
pub async fn put_code(
    tx: &mut Tx,
    account_id: &str,
    purpose: &str,
    code_hash: &str,
    now: i64,
    expires_at: i64,
    requester_key: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO account_codes (account_id, purpose, code_hash, created_at, expires_at, requester_key) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (account_id, purpose) DO UPDATE SET code_hash = $3, created_at = $4, \
         expires_at = $5, requester_key = $6",
    )
    .bind(account_id)
    .bind(purpose)
    .bind(code_hash)
    .bind(now)
    .bind(expires_at)
    .bind(requester_key)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn get_code<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    account_id: &str,
    purpose: &str,
) -> Result<Option<CodeRow>> {
    let row = sqlx::query(
        "SELECT code_hash, created_at, expires_at, requester_key FROM account_codes \
         WHERE account_id = $1 AND purpose = $2",
    )
    .bind(account_id)
    .bind(purpose)
    .fetch_optional(ex)
    .await?;
    row.map(|r| {
        Ok(CodeRow {
            code_hash: r.try_get("code_hash")?,
            created_at: r.try_get("created_at")?,
            expires_at: r.try_get("expires_at")?,
            requester_key: r.try_get("requester_key")?,
        })
    })
    .transpose()
}

pub async fn delete_code(tx: &mut Tx, account_id: &str, purpose: &str) -> Result<()> {
    sqlx::query("DELETE FROM account_codes WHERE account_id = $1 AND purpose = $2")
        .bind(account_id)
        .bind(purpose)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
