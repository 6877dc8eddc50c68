//! Staff accounts as admins manage them (roles, standing, last sign-in) and the invitations
//! that make new ones. Invitation tokens are stored only as their SHA-256.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};

use super::{Db, Result, Tx};

#[derive(Debug, Clone)]
pub struct InvitationRow {
    pub id: String,
    pub email: String,
    pub roles: String,
    pub token_hash: String,
    pub invited_by: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub accepted_at: Option<i64>,
}

const INVITATION_COLUMNS: &str =
    "id, email, roles, token_hash, invited_by, created_at, expires_at, accepted_at";

fn invitation(r: &AnyRow) -> Result<InvitationRow> {
    Ok(InvitationRow {
        id: r.try_get("id")?,
        email: r.try_get("email")?,
        roles: r.try_get("roles")?,
        token_hash: r.try_get("token_hash")?,
        invited_by: r.try_get("invited_by")?,
        created_at: r.try_get("created_at")?,
        expires_at: r.try_get("expires_at")?,
        accepted_at: r.try_get("accepted_at")?,
    })
}

/// Keeps the token hashes of the open invitations `condition` (on `$1`) picks as withdrawn at
/// `now`, then deletes those invitations; how many.
async fn withdraw_where(tx: &mut Tx, condition: &str, value: &str, now: i64) -> Result<u64> {
    sqlx::query(&format!(
        "INSERT INTO staff_invitations_withdrawn (token_hash, expires_at, withdrawn_at) \
         SELECT token_hash, expires_at, $2 FROM staff_invitations \
         WHERE {condition} AND accepted_at IS NULL \
         ON CONFLICT (token_hash) DO NOTHING"
    ))
    .bind(value)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    let res = sqlx::query(&format!(
        "DELETE FROM staff_invitations WHERE {condition} AND accepted_at IS NULL"
    ))
    .bind(value)
    .execute(&mut **tx)
    .await?;
    Ok(res.rows_affected())
}

/// A new invitation; the open invitations to the same address are withdrawn (only the newest
/// link works).
pub async fn insert_invitation(tx: &mut Tx, i: &InvitationRow) -> Result<()> {
    withdraw_where(tx, "email = $1", &i.email, i.created_at).await?;
    sqlx::query(&format!(
        "INSERT INTO staff_invitations ({INVITATION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    ))
    .bind(&i.id)
    .bind(&i.email)
    .bind(&i.roles)
    .bind(&i.token_hash)
    .bind(&i.invited_by)
    .bind(i.created_at)
    .bind(i.expires_at)
    .bind(i.accepted_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn invitation_by_token<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    token_hash: &str,
) -> Result<Option<InvitationRow>> {
    let row = sqlx::query(&format!(
        "SELECT {INVITATION_COLUMNS} FROM staff_invitations WHERE token_hash = $1"
    ))
    .bind(token_hash)
    .fetch_optional(ex)
    .await?;
    row.as_ref().map(invitation).transpose()
}

/// Withdraws the open invitations `admin` sent; how many.
pub async fn withdraw_invitations_of(tx: &mut Tx, admin: &str, now: i64) -> Result<u64> {
    withdraw_where(tx, "invited_by = $1", admin, now).await
}

/// A withdrawn invitation's link: until when it would have worked, and when it was withdrawn.
pub async fn withdrawn_invitation<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    token_hash: &str,
) -> Result<Option<(i64, i64)>> {
    let row = sqlx::query(
        "SELECT expires_at, withdrawn_at FROM staff_invitations_withdrawn WHERE token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(ex)
    .await?;
    row.map(|r| Ok((r.try_get("expires_at")?, r.try_get("withdrawn_at")?)))
        .transpose()
}

/// Marks the invitation used by `account_id`; false when it was used meanwhile.
pub async fn accept_invitation(tx: &mut Tx, id: &str, account_id: &str, now: i64) -> Result<bool> {
    let res = sqlx::query(
        "UPDATE staff_invitations SET accepted_at = $2, account_id = $3 \
         WHERE id = $1 AND accepted_at IS NULL",
    )
    .bind(id)
    .bind(now)
    .bind(account_id)
    .execute(&mut **tx)
    .await?;
    Ok(res.rows_affected() == 1)
}

/// Invitations not yet accepted and not expired, newest first.
pub async fn open_invitations(db: &Db, now: i64) -> Result<Vec<InvitationRow>> {
    let rows = sqlx::query(&format!(
        "SELECT {INVITATION_COLUMNS} FROM staff_invitations \
         WHERE accepted_at IS NULL AND expires_at > $1 ORDER BY created_at DESC LIMIT 200"
    ))
    .bind(now)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(invitation).collect()
}

#[derive(Debug, Clone)]
pub struct StaffRow {
    pub id: String,
    pub email: String,
    pub roles: String,
    pub status: String,
    pub last_sign_in_at: Option<i64>,
    pub created_at: i64,
}

/// Every account holding a staff role (active or not), by address.
pub async fn list(db: &Db) -> Result<Vec<StaffRow>> {
    let rows = sqlx::query(
        "SELECT id, email, roles, status, last_sign_in_at, created_at FROM accounts \
         WHERE roles LIKE '%reviewer%' OR roles LIKE '%finance%' OR roles LIKE '%admin%' \
         ORDER BY email LIMIT 1000",
    )
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(StaffRow {
                id: r.try_get("id")?,
                email: r.try_get("email")?,
                roles: r.try_get("roles")?,
                status: r.try_get("status")?,
                last_sign_in_at: r.try_get("last_sign_in_at")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect()
}

pub async fn last_sign_in<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    id: &str,
) -> Result<Option<i64>> {
    let row = sqlx::query("SELECT last_sign_in_at FROM accounts WHERE id = $1")
        .bind(id)
        .fetch_optional(ex)
        .await?;
    Ok(match row {
        Some(r) => r.try_get("last_sign_in_at")?,
        None => None,
    })
}

pub async fn set_status(tx: &mut Tx, id: &str, status: &str) -> Result<()> {
    sqlx::query("UPDATE accounts SET status = $2 WHERE id = $1")
        .bind(id)
        .bind(status)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn set_last_sign_in(tx: &mut Tx, id: &str, at: i64) -> Result<()> {
    sqlx::query("UPDATE accounts SET last_sign_in_at = $2 WHERE id = $1")
        .bind(id)
        .bind(at)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
