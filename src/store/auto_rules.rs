//! Automatic-approval rules as admins set them, the facts the rules look at, and the items a
//! rule approved that wait for a human second look (`review_items.second_look`: 0 none,
//! 1 waiting, 2 done).

use sqlx::{Any, Executor, Row};

use super::{Db, Result, Tx};

#[derive(Debug, Clone)]
pub struct RuleRow {
    pub code: String,
    pub enabled: bool,
    pub params: String,
    pub updated_by: Option<String>,
    pub updated_at: Option<i64>,
}

pub async fn list<'e, E: Executor<'e, Database = Any>>(ex: E) -> Result<Vec<RuleRow>> {
    let rows = sqlx::query(
        "SELECT code, enabled, params, updated_by, updated_at FROM review_rules ORDER BY code",
    )
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| {
            let enabled: i64 = r.try_get("enabled")?;
            Ok(RuleRow {
                code: r.try_get("code")?,
                enabled: enabled == 1,
                params: r.try_get("params")?,
                updated_by: r.try_get("updated_by")?,
                updated_at: r.try_get("updated_at")?,
            })
        })
        .collect()
}

pub async fn put(tx: &mut Tx, r: &RuleRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO review_rules (code, enabled, params, updated_by, updated_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (code) DO UPDATE SET enabled = $2, \
         params = $3, updated_by = $4, updated_at = $5",
    )
    .bind(&r.code)
    .bind(i64::from(r.enabled))
    .bind(&r.params)
    .bind(&r.updated_by)
    .bind(r.updated_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Names the rule on an item it decided; `sampled`: it waits for a human second look.
pub async fn mark_automatic(tx: &mut Tx, item_id: &str, rule: &str, sampled: bool) -> Result<()> {
    sqlx::query("UPDATE review_items SET auto_rule = $2, second_look = $3 WHERE id = $1")
        .bind(item_id)
        .bind(rule)
        .bind(i64::from(sampled))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Marks a second look done; false when the item was not waiting for one.
pub async fn finish_second_look(tx: &mut Tx, item_id: &str) -> Result<bool> {
    let res =
        sqlx::query("UPDATE review_items SET second_look = 2 WHERE id = $1 AND second_look = 1")
            .bind(item_id)
            .execute(&mut **tx)
            .await?;
    Ok(res.rows_affected() == 1)
}

/// The rule that decided an item and its second look (0, 1, 2), when a rule did.
pub async fn automatic_of(db: &Db, item_id: &str) -> Result<Option<(String, i64)>> {
    let row = sqlx::query(
        "SELECT auto_rule, second_look FROM review_items WHERE id = $1 AND auto_rule IS NOT NULL",
    )
    .bind(item_id)
    .fetch_optional(db.pool())
    .await?;
    row.map(|r| Ok((r.try_get("auto_rule")?, r.try_get("second_look")?)))
        .transpose()
}

/// Items waiting for a second look, oldest decision first: (id, rule).
pub async fn waiting_second_look(db: &Db, limit: i64) -> Result<Vec<(String, String)>> {
    let rows = sqlx::query(
        "SELECT id, auto_rule FROM review_items WHERE second_look = 1 \
         ORDER BY decided_at, id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("auto_rule")?)))
        .collect()
}

/// How the provider stands: approved product reviews, and whether any of its items was rejected
/// since `since`.
pub async fn provider_record<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    account_id: &str,
    since: i64,
) -> Result<(i64, bool)> {
    let r = sqlx::query(
        "SELECT \
         CAST(COALESCE(SUM(CASE WHEN kind = 'product' AND status = 'approved' THEN 1 ELSE 0 END), 0) AS BIGINT) AS approved, \
         CAST(COALESCE(SUM(CASE WHEN status = 'rejected' AND decided_at >= $2 THEN 1 ELSE 0 END), 0) AS BIGINT) AS rejected \
         FROM review_items WHERE account_id = $1",
    )
    .bind(account_id)
    .bind(since)
    .fetch_one(ex)
    .await?;
    let approved: i64 = r.try_get("approved")?;
    let rejected: i64 = r.try_get("rejected")?;
    Ok((approved, rejected > 0))
}

/// The data (JSON) of the provider's live product revisions, for "same category and type".
pub async fn live_revisions<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    account_id: &str,
) -> Result<Vec<String>> {
    let rows = sqlx::query(
        "SELECT r.data FROM products p JOIN product_revisions r ON r.id = p.live_revision_id \
         WHERE p.account_id = $1",
    )
    .bind(account_id)
    .fetch_all(ex)
    .await?;
    rows.iter().map(|r| Ok(r.try_get("data")?)).collect()
}
