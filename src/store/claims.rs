//! Claims on review items: who works on an item, until when. Every change is one conditional
//! UPDATE, so two reviewers claiming at once cannot both win (the row lock on PostgreSQL, the
//! one writer on SQLite).

use super::{Result, Tx};

/// Claims a pending item for `by` until `until` when nobody else holds it at `now` (a lapsed
/// claim counts as none; the holder claiming again extends the claim). False when another
/// holds it or the item is not pending.
pub async fn claim(tx: &mut Tx, id: &str, by: &str, until: i64, now: i64) -> Result<bool> {
    let res = sqlx::query(
        "UPDATE review_items SET claimed_by = $2, claimed_until = $3 \
         WHERE id = $1 AND status = 'pending' \
         AND (claimed_by IS NULL OR claimed_by = $2 OR claimed_until <= $4)",
    )
    .bind(id)
    .bind(by)
    .bind(until)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(res.rows_affected() == 1)
}

/// Gives a pending item to `to` whoever holds it (an admin's assignment, a take-over).
pub async fn assign(tx: &mut Tx, id: &str, to: &str, until: i64) -> Result<bool> {
    let res = sqlx::query(
        "UPDATE review_items SET claimed_by = $2, claimed_until = $3 \
         WHERE id = $1 AND status = 'pending'",
    )
    .bind(id)
    .bind(to)
    .bind(until)
    .execute(&mut **tx)
    .await?;
    Ok(res.rows_affected() == 1)
}

/// Lets go of an item `by` holds (or held: a lapsed claim is cleared too). False when another
/// holds it.
pub async fn release(tx: &mut Tx, id: &str, by: &str, now: i64) -> Result<bool> {
    let res = sqlx::query(
        "UPDATE review_items SET claimed_by = NULL, claimed_until = NULL \
         WHERE id = $1 AND (claimed_by IS NULL OR claimed_by = $2 OR claimed_until <= $3)",
    )
    .bind(id)
    .bind(by)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(res.rows_affected() == 1)
}
