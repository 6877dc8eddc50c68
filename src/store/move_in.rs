//! The facts behind an account's move-in status, read with one query; and the few of them the
//! provider-backend gate rests on, read with a narrower one.

use sqlx::{Any, Executor, Row};

use super::Result;

#[derive(Debug, Clone, Default)]
pub struct FactsRow {
    pub account_status: String,
    /// The account's language: reasons are read in it.
    pub account_lang: String,
    pub enterprise_status: Option<String>,
    pub enterprise_reasons: Option<String>,
    pub md_status: Option<String>,
    pub md_frozen_until: Option<i64>,
    pub md_attempts_left: Option<i64>,
    pub application_status: Option<String>,
    pub application_reasons: Option<String>,
    /// The application as saved (JSON): its declared categories decide the deposit owed.
    pub application_data: Option<String>,
    pub has_customer_service: bool,
    pub has_settlement: bool,
    pub settlement_pending: bool,
    /// The status and reasons of the newest settlement change asked for.
    pub last_change_status: Option<String>,
    pub last_change_reasons: Option<String>,
    /// The verification's data (JSON): the documents' terms.
    pub enterprise_data: Option<String>,
    /// The status and reasons of the newest re-verification.
    pub last_reverification_status: Option<String>,
    pub last_reverification_reasons: Option<String>,
}

/// Reads through `ex`: the pool, or a transaction that must see its own writes.
pub async fn facts<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    account_id: &str,
) -> Result<Option<FactsRow>> {
    let row = sqlx::query(
        "SELECT a.status AS account_status, a.lang AS account_lang, e.status AS enterprise_status, e.reasons AS enterprise_reasons, \
         e.md_status, e.md_frozen_until, e.md_attempts_left, p.status AS application_status, p.reasons AS application_reasons, \
         p.data AS application_data, \
         CAST(CASE WHEN cs.account_id IS NULL THEN 0 ELSE 1 END AS BIGINT) AS has_cs, \
         CAST(CASE WHEN s.account_id IS NULL THEN 0 ELSE 1 END AS BIGINT) AS has_settlement, \
         CAST(CASE WHEN sp.account_id IS NULL THEN 0 ELSE 1 END AS BIGINT) AS has_pending, \
         lc.status AS last_change_status, lc.reasons AS last_change_reasons, \
         e.data AS enterprise_data, lr.status AS last_reverification_status, lr.reasons AS last_reverification_reasons \
         FROM accounts a \
         LEFT JOIN enterprise_verifications e ON e.account_id = a.id \
         LEFT JOIN partner_applications p ON p.account_id = a.id \
         LEFT JOIN provider_customer_service cs ON cs.account_id = a.id \
         LEFT JOIN provider_settlement s ON s.account_id = a.id \
         LEFT JOIN settlement_pending sp ON sp.account_id = a.id \
         LEFT JOIN review_items lc ON lc.id = (SELECT id FROM review_items \
             WHERE kind = 'settlement_change' AND account_id = a.id \
             ORDER BY submitted_at DESC, id DESC LIMIT 1) \
         LEFT JOIN review_items lr ON lr.id = (SELECT id FROM review_items \
             WHERE kind = 'reverification' AND account_id = a.id \
             ORDER BY submitted_at DESC, id DESC LIMIT 1) \
         WHERE a.id = $1",
    )
    .bind(account_id)
    .fetch_optional(ex)
    .await?;
    row.map(|r| {
        let has_cs: i64 = r.try_get("has_cs")?;
        let has_settlement: i64 = r.try_get("has_settlement")?;
        let has_pending: i64 = r.try_get("has_pending")?;
        Ok(FactsRow {
            account_status: r.try_get("account_status")?,
            account_lang: r.try_get("account_lang")?,
            enterprise_status: r.try_get("enterprise_status")?,
            enterprise_reasons: r.try_get("enterprise_reasons")?,
            md_status: r.try_get("md_status")?,
            md_frozen_until: r.try_get("md_frozen_until")?,
            md_attempts_left: r.try_get("md_attempts_left")?,
            application_status: r.try_get("application_status")?,
            application_reasons: r.try_get("application_reasons")?,
            application_data: r.try_get("application_data")?,
            has_customer_service: has_cs == 1,
            has_settlement: has_settlement == 1,
            settlement_pending: has_pending == 1,
            last_change_status: r.try_get("last_change_status")?,
            last_change_reasons: r.try_get("last_change_reasons")?,
            enterprise_data: r.try_get("enterprise_data")?,
            last_reverification_status: r.try_get("last_reverification_status")?,
            last_reverification_reasons: r.try_get("last_reverification_reasons")?,
        })
    })
    .transpose()
}

/// What the provider-backend gate rests on (`domain::move_in::grants_provider_access`), and
/// whether the account's move-in has been recorded (`event_once`, `moved_in:<account id>`).
#[derive(Debug, Clone, Default)]
pub struct AccessRow {
    pub enterprise_status: Option<String>,
    pub md_status: Option<String>,
    pub md_frozen_until: Option<i64>,
    pub md_attempts_left: Option<i64>,
    pub application_status: Option<String>,
    pub moved_in_recorded: bool,
}

/// Two keyed reads joined on the account, without the JSON `facts` carries: every request to
/// the provider backend passes this gate, so it is kept small. `None`: no verification begun.
pub async fn access<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    account_id: &str,
) -> Result<Option<AccessRow>> {
    let row = sqlx::query(
        "SELECT e.status AS enterprise_status, e.md_status, e.md_frozen_until, e.md_attempts_left, \
         p.status AS application_status, \
         CAST(CASE WHEN o.key IS NULL THEN 0 ELSE 1 END AS BIGINT) AS recorded \
         FROM enterprise_verifications e \
         LEFT JOIN partner_applications p ON p.account_id = e.account_id \
         LEFT JOIN event_once o ON o.key = $2 \
         WHERE e.account_id = $1",
    )
    .bind(account_id)
    .bind(super::events::moved_in_key(account_id))
    .fetch_optional(ex)
    .await?;
    row.map(|r| {
        let recorded: i64 = r.try_get("recorded")?;
        Ok(AccessRow {
            enterprise_status: r.try_get("enterprise_status")?,
            md_status: r.try_get("md_status")?,
            md_frozen_until: r.try_get("md_frozen_until")?,
            md_attempts_left: r.try_get("md_attempts_left")?,
            application_status: r.try_get("application_status")?,
            moved_in_recorded: recorded == 1,
        })
    })
    .transpose()
}
