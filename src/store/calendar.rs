//! The working-day calendar's holidays, and the queue figures deadlines are computed from: an
//! item's place in line, the pace of decisions, the overdue items per kind.

use sqlx::Row;

use super::{Db, Result, Tx};

#[derive(Debug, Clone)]
pub struct HolidayRow {
    /// `YYYY-MM-DD`.
    pub day: String,
    pub name: String,
}

/// Every holiday, in date order.
pub async fn holidays(db: &Db) -> Result<Vec<HolidayRow>> {
    let rows = sqlx::query("SELECT day, name FROM review_holidays ORDER BY day")
        .fetch_all(db.pool())
        .await?;
    rows.iter()
        .map(|r| {
            Ok(HolidayRow {
                day: r.try_get("day")?,
                name: r.try_get("name")?,
            })
        })
        .collect()
}

/// Adds a holiday, or renames it when the day is one already.
pub async fn put_holiday(tx: &mut Tx, day: &str, name: &str, by: &str, now: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO review_holidays (day, name, created_by, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (day) DO UPDATE SET name = excluded.name",
    )
    .bind(day)
    .bind(name)
    .bind(by)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Removes a holiday; false when the day was none.
pub async fn delete_holiday(tx: &mut Tx, day: &str) -> Result<bool> {
    let res = sqlx::query("DELETE FROM review_holidays WHERE day = $1")
        .bind(day)
        .execute(&mut **tx)
        .await?;
    Ok(res.rows_affected() == 1)
}

/// The place in line of a pending item of `kind` submitted at `(submitted_at, id)`: pending
/// items of its kind submitted before it, plus one.
pub async fn position(db: &Db, kind: &str, submitted_at: i64, id: &str) -> Result<i64> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM review_items WHERE status = 'pending' AND kind = $1 \
         AND (submitted_at < $2 OR (submitted_at = $2 AND id <= $3))",
    )
    .bind(kind)
    .bind(submitted_at)
    .bind(id)
    .fetch_one(db.pool())
    .await?;
    Ok(row.try_get("n")?)
}

/// Decisions on items of `kind` since `since`.
pub async fn decided_since(db: &Db, kind: &str, since: i64) -> Result<i64> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM review_items WHERE kind = $1 AND decided_at >= $2 \
         AND status IN ('approved', 'rejected')",
    )
    .bind(kind)
    .bind(since)
    .fetch_one(db.pool())
    .await?;
    Ok(row.try_get("n")?)
}

/// Pending items of `kind` submitted before `before`.
pub async fn pending_before(db: &Db, kind: &str, before: i64) -> Result<i64> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM review_items WHERE status = 'pending' AND kind = $1 \
         AND submitted_at < $2",
    )
    .bind(kind)
    .bind(before)
    .fetch_one(db.pool())
    .await?;
    Ok(row.try_get("n")?)
}

/// The pending items of an account, oldest first: `(id, kind, submitted_at)`.
pub async fn pending_of_account(db: &Db, account_id: &str) -> Result<Vec<(String, String, i64)>> {
    let rows = sqlx::query(
        "SELECT id, kind, submitted_at FROM review_items WHERE account_id = $1 AND status = 'pending' \
         ORDER BY submitted_at, id",
    )
    .bind(account_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("id")?,
                r.try_get("kind")?,
                r.try_get("submitted_at")?,
            ))
        })
        .collect()
}

/// The pending item about `subject_ref` of `kind` (a product's review), if any.
pub async fn pending_about(
    db: &Db,
    kind: &str,
    subject_ref: &str,
) -> Result<Option<(String, i64)>> {
    let row = sqlx::query(
        "SELECT id, submitted_at FROM review_items WHERE kind = $1 AND subject_ref = $2 \
         AND status = 'pending' ORDER BY submitted_at DESC LIMIT 1",
    )
    .bind(kind)
    .bind(subject_ref)
    .fetch_optional(db.pool())
    .await?;
    row.map(|r| Ok((r.try_get("id")?, r.try_get("submitted_at")?)))
        .transpose()
}
