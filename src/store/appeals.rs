//! Appeals: an applicant's answer to a rejection (one per rejected item), the item reopened for
//! it, and the reviewer's reply.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};

use super::{Result, Tx};

#[derive(Debug, Clone)]
pub struct AppealRow {
    pub id: String,
    pub item_id: String,
    pub account_id: String,
    pub message: String,
    pub document_id: Option<String>,
    /// The rejection answered, as it was (reasons JSON, when, by whom).
    pub rejected_reasons: Option<String>,
    pub rejected_at: i64,
    pub rejected_by: Option<String>,
    pub created_at: i64,
    pub reply: Option<String>,
    pub replied_by: Option<String>,
    pub replied_at: Option<i64>,
    /// `approved` or `rejected`, once answered.
    pub outcome: Option<String>,
}

const COLUMNS: &str =
    "id, item_id, account_id, message, document_id, rejected_reasons, rejected_at, \
    rejected_by, created_at, reply, replied_by, replied_at, outcome";

fn from_row(r: &AnyRow) -> Result<AppealRow> {
    Ok(AppealRow {
        id: r.try_get("id")?,
        item_id: r.try_get("item_id")?,
        account_id: r.try_get("account_id")?,
        message: r.try_get("message")?,
        document_id: r.try_get("document_id")?,
        rejected_reasons: r.try_get("rejected_reasons")?,
        rejected_at: r.try_get("rejected_at")?,
        rejected_by: r.try_get("rejected_by")?,
        created_at: r.try_get("created_at")?,
        reply: r.try_get("reply")?,
        replied_by: r.try_get("replied_by")?,
        replied_at: r.try_get("replied_at")?,
        outcome: r.try_get("outcome")?,
    })
}

/// The appeal against item `item_id`, if one was made.
pub async fn of_item<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    item_id: &str,
) -> Result<Option<AppealRow>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM review_appeals WHERE item_id = $1"
    ))
    .bind(item_id)
    .fetch_optional(ex)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Records an appeal; false when the item was appealed already (the unique key decides, so two
/// appeals sent at once cannot both be taken).
pub async fn insert(tx: &mut Tx, a: &AppealRow) -> Result<bool> {
    let res = sqlx::query(
        "INSERT INTO review_appeals (id, item_id, account_id, message, document_id, rejected_reasons, \
         rejected_at, rejected_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (item_id) DO NOTHING",
    )
    .bind(&a.id)
    .bind(&a.item_id)
    .bind(&a.account_id)
    .bind(&a.message)
    .bind(a.document_id.as_deref())
    .bind(a.rejected_reasons.as_deref())
    .bind(a.rejected_at)
    .bind(a.rejected_by.as_deref())
    .bind(a.created_at)
    .execute(&mut **tx)
    .await?;
    Ok(res.rows_affected() == 1)
}

/// Puts a rejected item back in the queue as an appeal (pending again, at a new version).
pub async fn reopen(tx: &mut Tx, item_id: &str, version: i64) -> Result<bool> {
    let res = sqlx::query(
        "UPDATE review_items SET status = 'pending', appeal = 1, reasons = NULL, decided_at = NULL, \
         decided_by = NULL, version = version + 1 WHERE id = $1 AND version = $2 AND status = 'rejected'",
    )
    .bind(item_id)
    .bind(version)
    .execute(&mut **tx)
    .await?;
    Ok(res.rows_affected() == 1)
}

/// The reviewer's reply, with the outcome of the decision it came with.
pub async fn answer(
    tx: &mut Tx,
    item_id: &str,
    reply: &str,
    by: &str,
    outcome: &str,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE review_appeals SET reply = $2, replied_by = $3, outcome = $4, replied_at = $5 \
         WHERE item_id = $1",
    )
    .bind(item_id)
    .bind(reply)
    .bind(by)
    .bind(outcome)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
