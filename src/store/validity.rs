//! Document validity: the verified enterprises whose terms end soon, and the expiry reminders
//! already mailed (one row each, so a repeat run or a second instance never mails twice).

use sqlx::{Any, Executor, Row};

use super::{Result, Tx};

/// A verified enterprise with a dated term on or before the horizon.
#[derive(Debug, Clone)]
pub struct Expiring {
    pub account_id: String,
    pub email: String,
    pub lang: String,
    pub company_name: Option<String>,
    /// The verification's data (JSON): the terms.
    pub data: String,
}

/// Approved verifications (of active accounts) with a licence or ID term ending on or before
/// `horizon` (`YYYY-MM-DD`; days sort as text).
pub async fn expiring<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    horizon: &str,
) -> Result<Vec<Expiring>> {
    let rows = sqlx::query(
        "SELECT e.account_id, a.email, a.lang, e.company_name, e.data \
         FROM enterprise_verifications e JOIN accounts a ON a.id = e.account_id \
         WHERE e.status = 'approved' AND a.status = 'active' \
         AND (e.license_valid_until <= $1 OR e.id_valid_until <= $1) \
         ORDER BY e.account_id",
    )
    .bind(horizon)
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Expiring {
                account_id: r.try_get("account_id")?,
                email: r.try_get("email")?,
                lang: r.try_get("lang")?,
                company_name: r.try_get("company_name")?,
                data: r.try_get("data")?,
            })
        })
        .collect()
}

/// Records that the `stage` reminder for `document` valid until `valid_until` goes out now;
/// false when it was recorded before (by an earlier run or another instance). On PostgreSQL a
/// second instance inserting the same row waits for the first to commit, then finds it.
pub async fn record_reminder(
    tx: &mut Tx,
    account_id: &str,
    document: &str,
    valid_until: &str,
    stage: &str,
    now: i64,
) -> Result<bool> {
    let res = sqlx::query(
        "INSERT INTO expiry_reminders (account_id, document, valid_until, stage, sent_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
    )
    .bind(account_id)
    .bind(document)
    .bind(valid_until)
    .bind(stage)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(res.rows_affected() == 1)
}
