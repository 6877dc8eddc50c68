//! What ids stand for, read in bulk for the console's lists (the audit log above all): the
//! e-mail and company of accounts, the kind and company of review items, the name of products,
//! the reference of consultations, the name of API tokens, the address of webhooks, the invited
//! address of staff invitations, the text of review reasons. Reads only.

use sqlx::any::AnyRow;
use sqlx::Row;

use super::{Db, Result};

/// The rows of `sql` whose `{ids}` is replaced by one placeholder per id, the ids bound.
async fn rows_for(db: &Db, sql: &str, ids: &[String]) -> Result<Vec<AnyRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let sql = sql.replace("{ids}", &placeholders.join(", "));
    let mut q = sqlx::query(&sql);
    for id in ids {
        q = q.bind(id);
    }
    Ok(q.fetch_all(db.pool()).await?)
}

/// `(id, e-mail, company name)` of the accounts among `ids`.
pub async fn accounts(db: &Db, ids: &[String]) -> Result<Vec<(String, String, Option<String>)>> {
    let sql = "SELECT a.id, a.email, e.company_name FROM accounts a \
         LEFT JOIN enterprise_verifications e ON e.account_id = a.id WHERE a.id IN ({ids})";
    rows_for(db, sql, ids)
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.try_get("id")?,
                r.try_get("email")?,
                r.try_get("company_name")?,
            ))
        })
        .collect()
}

/// `(id, kind, company name)` of the review items among `ids`.
pub async fn review_items(db: &Db, ids: &[String]) -> Result<Vec<(String, String, String)>> {
    let sql = "SELECT id, kind, company_name FROM review_items WHERE id IN ({ids})";
    rows_for(db, sql, ids)
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.try_get("id")?,
                r.try_get("kind")?,
                r.try_get("company_name")?,
            ))
        })
        .collect()
}

/// `(id, name of its newest revision, company name)` of the products among `ids`.
pub async fn products(db: &Db, ids: &[String]) -> Result<Vec<(String, String, Option<String>)>> {
    let sql = "SELECT p.id, r.data, e.company_name FROM products p \
         LEFT JOIN product_revisions r ON r.id = COALESCE(p.working_revision_id, p.live_revision_id) \
         LEFT JOIN enterprise_verifications e ON e.account_id = p.account_id \
         WHERE p.id IN ({ids})";
    rows_for(db, sql, ids)
        .await?
        .iter()
        .map(|r| {
            let data: Option<String> = r.try_get("data")?;
            let name = data
                .and_then(|d| serde_json::from_str::<serde_json::Value>(&d).ok())
                .and_then(|v| v.get("name").and_then(|n| n.as_str()).map(str::to_string))
                .unwrap_or_default();
            Ok((r.try_get("id")?, name, r.try_get("company_name")?))
        })
        .collect()
}

/// `(id, reference)` of the consultations among `ids`.
pub async fn consultations(db: &Db, ids: &[String]) -> Result<Vec<(String, String)>> {
    let sql = "SELECT id, reference FROM consultations WHERE id IN ({ids})";
    rows_for(db, sql, ids)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("reference")?)))
        .collect()
}

/// The id of the consultation with `reference`.
pub async fn consultation_by_reference(db: &Db, reference: &str) -> Result<Option<String>> {
    let row = sqlx::query("SELECT id FROM consultations WHERE reference = $1")
        .bind(reference)
        .fetch_optional(db.pool())
        .await?;
    Ok(row.map(|r| r.try_get("id")).transpose()?)
}

/// `(id, name, owner's e-mail)` of the API tokens among `ids`.
pub async fn tokens(db: &Db, ids: &[String]) -> Result<Vec<(String, String, Option<String>)>> {
    let sql = "SELECT t.id, t.name, a.email FROM api_tokens t \
         LEFT JOIN accounts a ON a.id = t.account_id WHERE t.id IN ({ids})";
    rows_for(db, sql, ids)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("name")?, r.try_get("email")?)))
        .collect()
}

/// `(id, url)` of the webhook endpoints among `ids`.
pub async fn webhooks(db: &Db, ids: &[String]) -> Result<Vec<(String, String)>> {
    let sql = "SELECT id, url FROM webhook_endpoints WHERE id IN ({ids})";
    rows_for(db, sql, ids)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("url")?)))
        .collect()
}

/// `(id, invited address)` of the staff invitations among `ids`.
pub async fn invitations(db: &Db, ids: &[String]) -> Result<Vec<(String, String)>> {
    let sql = "SELECT id, email FROM staff_invitations WHERE id IN ({ids})";
    rows_for(db, sql, ids)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("email")?)))
        .collect()
}

/// `(code, Chinese text, English text)` of the review reasons among `codes`.
pub async fn reasons(db: &Db, codes: &[String]) -> Result<Vec<(String, String, String)>> {
    let sql = "SELECT code, text_zh, text_en FROM review_reasons WHERE code IN ({ids})";
    rows_for(db, sql, codes)
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.try_get("code")?,
                r.try_get("text_zh")?,
                r.try_get("text_en")?,
            ))
        })
        .collect()
}
