//! Enterprise verification drafts, the documents attached to them, the micro-deposit, and claimed
//! credit codes. The documents table itself is `documents.rs`.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};

use super::documents::{doc_from_row, DocumentRow};
use super::{Result, Tx};

#[derive(Debug, Clone, Default)]
pub struct EnterpriseRow {
    pub account_id: String,
    pub status: String,
    pub data: String,
    pub legal_rep_id_enc: Option<String>,
    pub authorized_id_enc: Option<String>,
    pub account_number_enc: Option<String>,
    pub company_name: Option<String>,
    pub uscc: Option<String>,
    pub reasons: Option<String>,
    pub md_status: String,
    pub md_amount_hash: Option<String>,
    pub md_attempts_left: i64,
    pub md_frozen_until: Option<i64>,
    /// Micro-deposits paid for this verification so far.
    pub md_deposits_sent: i64,
    pub updated_at: i64,
    /// The dated terms of the data, mirrored for the expiry job (`YYYY-MM-DD`).
    pub license_valid_until: Option<String>,
    pub id_valid_until: Option<String>,
}

const COLUMNS: &str = "account_id, status, data, legal_rep_id_enc, authorized_id_enc, account_number_enc, \
    company_name, uscc, reasons, md_status, md_amount_hash, md_attempts_left, md_frozen_until, md_deposits_sent, updated_at, license_valid_until, id_valid_until";

fn from_row(r: &AnyRow) -> Result<EnterpriseRow> {
    Ok(EnterpriseRow {
        account_id: r.try_get("account_id")?,
        status: r.try_get("status")?,
        data: r.try_get("data")?,
        legal_rep_id_enc: r.try_get("legal_rep_id_enc")?,
        authorized_id_enc: r.try_get("authorized_id_enc")?,
        account_number_enc: r.try_get("account_number_enc")?,
        company_name: r.try_get("company_name")?,
        uscc: r.try_get("uscc")?,
        reasons: r.try_get("reasons")?,
        md_status: r.try_get("md_status")?,
        md_amount_hash: r.try_get("md_amount_hash")?,
        md_attempts_left: r.try_get("md_attempts_left")?,
        md_frozen_until: r.try_get("md_frozen_until")?,
        md_deposits_sent: r.try_get("md_deposits_sent")?,
        updated_at: r.try_get("updated_at")?,
        license_valid_until: r.try_get("license_valid_until")?,
        id_valid_until: r.try_get("id_valid_until")?,
    })
}

pub async fn get<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    account_id: &str,
) -> Result<Option<EnterpriseRow>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM enterprise_verifications WHERE account_id = $1"
    ))
    .bind(account_id)
    .fetch_optional(ex)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Writes the whole row (insert or replace).
pub async fn put(tx: &mut Tx, r: &EnterpriseRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO enterprise_verifications (account_id, status, data, legal_rep_id_enc, authorized_id_enc, \
         account_number_enc, company_name, uscc, reasons, md_status, md_amount_hash, md_attempts_left, \
         md_frozen_until, updated_at, md_deposits_sent, license_valid_until, id_valid_until) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) \
         ON CONFLICT (account_id) DO UPDATE SET status = $2, data = $3, legal_rep_id_enc = $4, \
         authorized_id_enc = $5, account_number_enc = $6, company_name = $7, uscc = $8, reasons = $9, \
         md_status = $10, md_amount_hash = $11, md_attempts_left = $12, md_frozen_until = $13, \
         updated_at = $14, md_deposits_sent = $15, license_valid_until = $16, id_valid_until = $17",
    )
    .bind(&r.account_id)
    .bind(&r.status)
    .bind(&r.data)
    .bind(&r.legal_rep_id_enc)
    .bind(&r.authorized_id_enc)
    .bind(&r.account_number_enc)
    .bind(&r.company_name)
    .bind(&r.uscc)
    .bind(&r.reasons)
    .bind(&r.md_status)
    .bind(&r.md_amount_hash)
    .bind(r.md_attempts_left)
    .bind(r.md_frozen_until)
    .bind(r.updated_at)
    .bind(r.md_deposits_sent)
    .bind(&r.license_valid_until)
    .bind(&r.id_valid_until)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The account that verified `uscc`, if any.
pub async fn credit_code_owner<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    uscc: &str,
) -> Result<Option<String>> {
    let row = sqlx::query("SELECT account_id FROM verified_credit_codes WHERE uscc = $1")
        .bind(uscc)
        .fetch_optional(ex)
        .await?;
    Ok(row.map(|r| r.try_get("account_id")).transpose()?)
}

/// Claims `uscc` for `account_id`; false when another account holds it.
pub async fn claim_credit_code(
    tx: &mut Tx,
    uscc: &str,
    account_id: &str,
    now: i64,
) -> Result<bool> {
    if let Some(owner) = credit_code_owner(&mut **tx, uscc).await? {
        return Ok(owner == account_id);
    }
    // A previous claim by this account under another code is replaced.
    sqlx::query("DELETE FROM verified_credit_codes WHERE account_id = $1")
        .bind(account_id)
        .execute(&mut **tx)
        .await?;
    let res = sqlx::query(
        "INSERT INTO verified_credit_codes (uscc, account_id, claimed_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    )
    .bind(uscc)
    .bind(account_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(res.rows_affected() == 1)
}

/// Makes `document_id` the draft's current document of its kind.
pub async fn attach_document(
    tx: &mut Tx,
    account_id: &str,
    kind: &str,
    document_id: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO enterprise_documents (account_id, kind, document_id) VALUES ($1, $2, $3) \
         ON CONFLICT (account_id, kind) DO UPDATE SET document_id = $3",
    )
    .bind(account_id)
    .bind(kind)
    .bind(document_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The draft's current documents.
pub async fn current_documents<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    account_id: &str,
) -> Result<Vec<DocumentRow>> {
    let rows = sqlx::query(
        "SELECT d.id, d.account_id, d.kind, d.content_type, d.size, d.sha256, d.blob_key, d.created_at \
         FROM enterprise_documents e JOIN documents d ON d.id = e.document_id WHERE e.account_id = $1 ORDER BY d.kind",
    )
    .bind(account_id)
    .fetch_all(ex)
    .await?;
    rows.iter().map(doc_from_row).collect()
}

/// The deposit that is out, for the staff who pay it: its sealed amount and when it was paid.
/// Kept apart from `EnterpriseRow`, which the company's own pages read.
pub async fn deposit_paid<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    account_id: &str,
) -> Result<Option<(String, Option<i64>)>> {
    let row = sqlx::query(
        "SELECT md_amount_enc, md_sent_at FROM enterprise_verifications WHERE account_id = $1",
    )
    .bind(account_id)
    .fetch_optional(ex)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let sealed: Option<String> = row.try_get("md_amount_enc")?;
    let at: Option<i64> = row.try_get("md_sent_at")?;
    Ok(sealed.map(|s| (s, at)))
}

/// Records the sealed amount of the deposit just paid, or forgets it (`None`) once the deposit
/// is closed.
pub async fn set_deposit_paid(
    tx: &mut Tx,
    account_id: &str,
    paid: Option<(&str, i64)>,
) -> Result<()> {
    sqlx::query(
        "UPDATE enterprise_verifications SET md_amount_enc = $2, md_sent_at = $3 WHERE account_id = $1",
    )
    .bind(account_id)
    .bind(paid.map(|(s, _)| s.to_string()))
    .bind(paid.map(|(_, at)| at))
    .execute(&mut **tx)
    .await?;
    Ok(())
}
