//! Category deposits: each category's deposit, the ledger of payments and deductions, the
//! shortfalls waiting for a top-up and the holds that hide a provider's listings. The balance is
//! summed from the ledger by the caller; it is stored nowhere.

use sqlx::{Any, AnyConnection, Executor, Row};

use super::{Result, Tx};

/// One ledger entry as stored.
#[derive(Debug, Clone)]
pub struct EntryRow {
    pub id: String,
    pub account_id: String,
    /// `payment` or `deduction`.
    pub kind: String,
    pub amount_fen: i64,
    pub reference: Option<String>,
    pub reason: Option<String>,
    pub evidence_document_id: Option<String>,
    pub recorded_by: String,
    pub recorded_at: i64,
}

/// The categories that carry a deposit (slug, fen).
pub async fn category_deposits(conn: &mut AnyConnection) -> Result<Vec<(String, i64)>> {
    let rows =
        sqlx::query("SELECT slug, deposit_fen FROM catalog_categories WHERE deposit_fen > 0")
            .fetch_all(conn)
            .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("slug")?, r.try_get("deposit_fen")?)))
        .collect()
}

/// Sets a category's deposit; its previous deposit, `None` when there is no such category.
pub async fn set_category_deposit(tx: &mut Tx, slug: &str, fen: i64) -> Result<Option<i64>> {
    let row = sqlx::query("SELECT deposit_fen FROM catalog_categories WHERE slug = $1")
        .bind(slug)
        .fetch_optional(&mut **tx)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let before: i64 = row.try_get("deposit_fen")?;
    sqlx::query("UPDATE catalog_categories SET deposit_fen = $2 WHERE slug = $1")
        .bind(slug)
        .bind(fen)
        .execute(&mut **tx)
        .await?;
    Ok(Some(before))
}

/// The accounts whose approved application may declare category `slug` (its name appears in
/// the application's JSON; the caller reads the declared categories to be sure), in id order,
/// each locked on PostgreSQL as `Db::begin_for_account` locks one — so that a change of the
/// category's deposit and a ledger entry of one of them do not cross.
pub async fn approved_mentioning(tx: &mut Tx, slug: &str) -> Result<Vec<String>> {
    let rows = sqlx::query(
        "SELECT account_id FROM partner_applications WHERE status = 'approved' \
         AND data LIKE $1 ORDER BY account_id",
    )
    .bind(format!("%\"{slug}\"%"))
    .fetch_all(&mut **tx)
    .await?;
    let ids = rows
        .iter()
        .map(|r| r.try_get::<String, _>("account_id"))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    if tx.dialect() == super::Dialect::Postgres {
        for id in &ids {
            sqlx::query("SELECT id FROM accounts WHERE id = $1 FOR UPDATE")
                .bind(id)
                .fetch_optional(&mut **tx)
                .await?;
        }
    }
    Ok(ids)
}

/// The ledger of `account_id`, oldest first.
pub async fn entries<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    account_id: &str,
) -> Result<Vec<EntryRow>> {
    let rows = sqlx::query(
        "SELECT id, account_id, kind, amount_fen, reference, reason, evidence_document_id, \
         recorded_by, recorded_at FROM guarantee_entries WHERE account_id = $1 \
         ORDER BY recorded_at, id",
    )
    .bind(account_id)
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(EntryRow {
                id: r.try_get("id")?,
                account_id: r.try_get("account_id")?,
                kind: r.try_get("kind")?,
                amount_fen: r.try_get("amount_fen")?,
                reference: r.try_get("reference")?,
                reason: r.try_get("reason")?,
                evidence_document_id: r.try_get("evidence_document_id")?,
                recorded_by: r.try_get("recorded_by")?,
                recorded_at: r.try_get("recorded_at")?,
            })
        })
        .collect()
}

pub async fn insert_entry(tx: &mut Tx, e: &EntryRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO guarantee_entries (id, account_id, kind, amount_fen, reference, reason, \
         evidence_document_id, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&e.id)
    .bind(&e.account_id)
    .bind(&e.kind)
    .bind(e.amount_fen)
    .bind(&e.reference)
    .bind(&e.reason)
    .bind(&e.evidence_document_id)
    .bind(&e.recorded_by)
    .bind(e.recorded_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The open shortfall of `account_id`: (since, top up by).
pub async fn shortfall<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    account_id: &str,
) -> Result<Option<(i64, i64)>> {
    let row =
        sqlx::query("SELECT since, top_up_by FROM guarantee_shortfalls WHERE account_id = $1")
            .bind(account_id)
            .fetch_optional(ex)
            .await?;
    row.map(|r| Ok((r.try_get("since")?, r.try_get("top_up_by")?)))
        .transpose()
}

/// Opens a shortfall unless one is open (a second deduction does not move the deadline);
/// whether it opened one.
pub async fn open_shortfall(tx: &mut Tx, account_id: &str, since: i64, by: i64) -> Result<bool> {
    let res = sqlx::query(
        "INSERT INTO guarantee_shortfalls (account_id, since, top_up_by) VALUES ($1, $2, $3) \
         ON CONFLICT (account_id) DO NOTHING",
    )
    .bind(account_id)
    .bind(since)
    .bind(by)
    .execute(&mut **tx)
    .await?;
    Ok(res.rows_affected() == 1)
}

/// Closes the shortfall and lifts the hold; whether a hold was lifted.
pub async fn close_shortfall(tx: &mut Tx, account_id: &str) -> Result<bool> {
    sqlx::query("DELETE FROM guarantee_shortfalls WHERE account_id = $1")
        .bind(account_id)
        .execute(&mut **tx)
        .await?;
    let res = sqlx::query("DELETE FROM guarantee_holds WHERE account_id = $1")
        .bind(account_id)
        .execute(&mut **tx)
        .await?;
    Ok(res.rows_affected() == 1)
}

/// When the listings of `account_id` were hidden, if they are.
pub async fn hidden_at<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    account_id: &str,
) -> Result<Option<i64>> {
    let row = sqlx::query("SELECT hidden_at FROM guarantee_holds WHERE account_id = $1")
        .bind(account_id)
        .fetch_optional(ex)
        .await?;
    row.map(|r| Ok(r.try_get("hidden_at")?)).transpose()
}

/// Hides the listings of `account_id`; whether they were shown until now.
pub async fn hold(tx: &mut Tx, account_id: &str, now: i64) -> Result<bool> {
    let res = sqlx::query(
        "INSERT INTO guarantee_holds (account_id, hidden_at) VALUES ($1, $2) \
         ON CONFLICT (account_id) DO NOTHING",
    )
    .bind(account_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(res.rows_affected() == 1)
}

/// The providers whose grace period ended by `now` and whose listings are still shown, and the
/// earliest deadline still ahead (the next time there can be anything to hide).
pub async fn overdue(conn: &mut AnyConnection, now: i64) -> Result<(Vec<String>, Option<i64>)> {
    let rows = sqlx::query(
        "SELECT s.account_id, s.top_up_by FROM guarantee_shortfalls s \
         WHERE NOT EXISTS (SELECT 1 FROM guarantee_holds h WHERE h.account_id = s.account_id) \
         ORDER BY s.top_up_by",
    )
    .fetch_all(conn)
    .await?;
    let mut due = Vec::new();
    let mut next = None;
    for r in rows {
        let by: i64 = r.try_get("top_up_by")?;
        if by <= now {
            due.push(r.try_get("account_id")?);
        } else {
            next = Some(by);
            break;
        }
    }
    Ok((due, next))
}
