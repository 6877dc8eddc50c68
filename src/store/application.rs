//! Partner applications.

use sqlx::{Any, Executor, Row};

use super::{Result, Tx};

#[derive(Debug, Clone)]
pub struct ApplicationRow {
    pub account_id: String,
    pub status: String,
    pub data: String,
    pub reasons: Option<String>,
    pub updated_at: i64,
}

pub async fn get<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    account_id: &str,
) -> Result<Option<ApplicationRow>> {
    let row = sqlx::query(
        "SELECT account_id, status, data, reasons, updated_at FROM partner_applications WHERE account_id = $1",
    )
    .bind(account_id)
    .fetch_optional(ex)
    .await?;
    row.map(|r| {
        Ok(ApplicationRow {
            account_id: r.try_get("account_id")?,
            status: r.try_get("status")?,
            data: r.try_get("data")?,
            reasons: r.try_get("reasons")?,
            updated_at: r.try_get("updated_at")?,
        })
    })
    .transpose()
}

pub async fn put(tx: &mut Tx, r: &ApplicationRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO partner_applications (account_id, status, data, reasons, updated_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (account_id) DO UPDATE SET status = $2, data = $3, reasons = $4, updated_at = $5",
    )
    .bind(&r.account_id)
    .bind(&r.status)
    .bind(&r.data)
    .bind(&r.reasons)
    .bind(r.updated_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
