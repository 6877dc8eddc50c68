//! Data rights: the rows an account's export reads, account closures, and the erasure of a
//! closed account's personal data (docs/PRIVACY.md says what each step removes and why).

use sqlx::any::AnyRow;
use sqlx::{Any, Column, Executor, Row};

use super::{Db, Dialect, Result, Tx};

/// A closed (or closing) account.
#[derive(Debug, Clone)]
pub struct ClosureRow {
    pub account_id: String,
    pub requested_at: i64,
    pub erase_after: i64,
    pub erased_at: Option<i64>,
    pub company_name: Option<String>,
    pub uscc: Option<String>,
}

const CLOSURE_COLUMNS: &str =
    "account_id, requested_at, erase_after, erased_at, company_name, uscc";

fn closure_from(r: &AnyRow) -> Result<ClosureRow> {
    Ok(ClosureRow {
        account_id: r.try_get("account_id")?,
        requested_at: r.try_get("requested_at")?,
        erase_after: r.try_get("erase_after")?,
        erased_at: r.try_get("erased_at")?,
        company_name: r.try_get("company_name")?,
        uscc: r.try_get("uscc")?,
    })
}

pub async fn closure<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    account_id: &str,
) -> Result<Option<ClosureRow>> {
    let row = sqlx::query(&format!(
        "SELECT {CLOSURE_COLUMNS} FROM account_closures WHERE account_id = $1"
    ))
    .bind(account_id.to_string())
    .fetch_optional(ex)
    .await?;
    row.as_ref().map(closure_from).transpose()
}

pub async fn insert_closure(tx: &mut Tx, c: &ClosureRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO account_closures (account_id, requested_at, erase_after, erased_at, \
         company_name, uscc) VALUES ($1, $2, $3, NULL, $4, $5)",
    )
    .bind(c.account_id.clone())
    .bind(c.requested_at)
    .bind(c.erase_after)
    .bind(c.company_name.clone())
    .bind(c.uscc.clone())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Closures whose retention has passed and whose data is not erased yet, oldest first.
pub async fn due_closures(db: &Db, now: i64, limit: i64) -> Result<Vec<ClosureRow>> {
    let rows = sqlx::query(&format!(
        "SELECT {CLOSURE_COLUMNS} FROM account_closures \
         WHERE erased_at IS NULL AND erase_after <= $1 ORDER BY erase_after LIMIT $2"
    ))
    .bind(now)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(closure_from).collect()
}

/// At closure: every listed product is taken off the storefront, every session and API token
/// ends, and review items still waiting are withdrawn (superseded). How many products were
/// delisted.
pub async fn close_account(tx: &mut Tx, account_id: &str, now: i64) -> Result<u64> {
    let id = account_id.to_string();
    let delisted = sqlx::query(
        "UPDATE products SET listed = 0, updated_at = $2 WHERE account_id = $1 AND listed = 1",
    )
    .bind(id.clone())
    .bind(now)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    sqlx::query("UPDATE accounts SET status = 'disabled' WHERE id = $1")
        .bind(id.clone())
        .execute(&mut **tx)
        .await?;
    for sql in [
        "DELETE FROM sessions WHERE account_id = $1",
        "DELETE FROM login_challenges WHERE account_id = $1",
        "DELETE FROM account_codes WHERE account_id = $1",
    ] {
        sqlx::query(sql).bind(id.clone()).execute(&mut **tx).await?;
    }
    sqlx::query(
        "UPDATE api_tokens SET revoked_at = $2 \
         WHERE (account_id = $1 OR provider_id = $1) AND revoked_at IS NULL",
    )
    .bind(id.clone())
    .bind(now)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "UPDATE review_items SET status = 'superseded', claimed_by = NULL, claimed_until = NULL \
         WHERE account_id = $1 AND status = 'pending'",
    )
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(delisted)
}

/// The tables an export reads, each with the condition that picks the account's rows (`$1` is
/// the account id, `$2` its email).
pub const EXPORT_TABLES: &[(&str, &str)] = &[
    ("accounts", "id = $1"),
    ("account_closures", "account_id = $1"),
    ("enterprise_verifications", "account_id = $1"),
    ("verified_credit_codes", "account_id = $1"),
    ("enterprise_documents", "account_id = $1"),
    ("documents", "account_id = $1"),
    ("partner_applications", "account_id = $1"),
    ("provider_customer_service", "account_id = $1"),
    ("provider_settlement", "account_id = $1"),
    ("settlement_pending", "account_id = $1"),
    ("agreement_acceptances", "account_id = $1"),
    ("review_items", "account_id = $1"),
    ("review_appeals", "account_id = $1"),
    ("products", "account_id = $1"),
    (
        "product_revisions",
        "product_id IN (SELECT id FROM products WHERE account_id = $1)",
    ),
    ("integration_tests", "account_id = $1"),
    ("integration_keys", "provider_id = $1"),
    ("provider_suspensions", "account_id = $1"),
    ("guarantee_entries", "account_id = $1"),
    ("guarantee_shortfalls", "account_id = $1"),
    ("guarantee_holds", "account_id = $1"),
    ("expiry_reminders", "account_id = $1"),
    ("api_tokens", "account_id = $1"),
    ("webhook_endpoints", "provider_id = $1"),
    ("second_factors", "account_id = $1"),
    ("sessions", "account_id = $1"),
    ("consultations", "LOWER(email) = LOWER($2)"),
    ("events", "provider_id = $1 OR account_id = $1"),
];

/// Columns an export leaves out: secrets (hashes of passwords, tokens and codes; keys; sealed
/// numbers, whose masked forms are in the record beside them) and where files lie.
const SECRET_COLUMNS: &[&str] = &[
    "password_hash",
    "token_hash",
    "code_hash",
    "challenge_hash",
    "secret_enc",
    "previous_secret_enc",
    "key_enc",
    "previous_key_enc",
    "legal_rep_id_enc",
    "authorized_id_enc",
    "account_number_enc",
    "md_amount_hash",
    "md_amount_enc",
    "requester_key",
    "blob_key",
];

/// The account's rows of `table` (one of `EXPORT_TABLES`) as JSON objects, secrets left out.
pub async fn export_rows(
    db: &Db,
    table: &str,
    condition: &str,
    account_id: &str,
    email: &str,
) -> Result<Vec<serde_json::Map<String, serde_json::Value>>> {
    let sql = format!("SELECT * FROM {table} WHERE {condition}");
    let mut q = sqlx::query(&sql).bind(account_id.to_string());
    if condition.contains("$2") {
        q = q.bind(email.to_string());
    }
    let rows = q.fetch_all(db.pool()).await?;
    Ok(rows.iter().map(row_json).collect())
}

fn row_json(r: &AnyRow) -> serde_json::Map<String, serde_json::Value> {
    let mut out = serde_json::Map::new();
    for (i, col) in r.columns().iter().enumerate() {
        let name = col.name();
        if SECRET_COLUMNS.contains(&name) {
            continue;
        }
        let value = if let Ok(v) = r.try_get::<Option<i64>, _>(i) {
            v.map_or(serde_json::Value::Null, serde_json::Value::from)
        } else if let Ok(v) = r.try_get::<Option<String>, _>(i) {
            match v {
                // JSON columns (`data`, `snapshot`, …) are shown as the objects they hold.
                Some(s) if s.starts_with('{') || s.starts_with('[') => {
                    serde_json::from_str(&s).unwrap_or(serde_json::Value::String(s))
                }
                Some(s) => serde_json::Value::String(s),
                None => serde_json::Value::Null,
            }
        } else if let Ok(v) = r.try_get::<Option<f64>, _>(i) {
            v.map_or(serde_json::Value::Null, serde_json::Value::from)
        } else if let Ok(v) = r.try_get::<Option<bool>, _>(i) {
            v.map_or(serde_json::Value::Null, serde_json::Value::from)
        } else {
            serde_json::Value::Null
        };
        out.insert(name.to_string(), value);
    }
    out
}

/// What erasure removed from the database that also lies outside it: the stored files of the
/// account's documents, and the ids of the mail sent to it (the `.eml` files carry them).
#[derive(Debug, Default)]
pub struct Erased {
    pub blob_keys: Vec<String>,
    pub outbox_ids: Vec<String>,
}

async fn strings(tx: &mut Tx, sql: &str, bind: &str) -> Result<Vec<String>> {
    let rows = sqlx::query(sql)
        .bind(bind.to_string())
        .fetch_all(&mut **tx)
        .await?;
    rows.iter()
        .map(|r| r.try_get::<String, _>(0).map_err(Into::into))
        .collect()
}

/// Erases the personal data of `account_id` (whose address is `email`) in `tx`: the rows that
/// are only personal data go, the rows the marketplace keeps lose their personal fields, and
/// the account keeps its id (the audit chain names it) with a placeholder address and no
/// password. See docs/PRIVACY.md for the list.
pub async fn erase(tx: &mut Tx, account_id: &str, email: &str, now: i64) -> Result<Erased> {
    let id = account_id.to_string();
    let blob_keys = strings(
        tx,
        "SELECT blob_key FROM documents WHERE account_id = $1",
        &id,
    )
    .await?;
    let outbox_ids = strings(
        tx,
        "SELECT id FROM outbox WHERE LOWER(recipient) = LOWER($1)",
        email,
    )
    .await?;
    let by_account: &[&str] = &[
        "DELETE FROM enterprise_documents WHERE account_id = $1",
        "DELETE FROM expiry_reminders WHERE account_id = $1",
        // The deposit ledger stays (amounts, references, reasons: finance's record); the
        // evidence files of deductions go with the other documents.
        "UPDATE guarantee_entries SET evidence_document_id = NULL WHERE account_id = $1",
        "DELETE FROM documents WHERE account_id = $1",
        "DELETE FROM verified_credit_codes WHERE account_id = $1",
        "DELETE FROM enterprise_verifications WHERE account_id = $1",
        "DELETE FROM partner_applications WHERE account_id = $1",
        "DELETE FROM provider_customer_service WHERE account_id = $1",
        "DELETE FROM provider_settlement WHERE account_id = $1",
        "DELETE FROM settlement_pending WHERE account_id = $1",
        "UPDATE review_items SET snapshot = '{}', documents = '[]' WHERE account_id = $1",
        "UPDATE review_appeals SET message = '', document_id = NULL WHERE account_id = $1",
        "DELETE FROM sessions WHERE account_id = $1",
        "DELETE FROM account_codes WHERE account_id = $1",
        "DELETE FROM known_clients WHERE account_id = $1",
        "DELETE FROM second_factors WHERE account_id = $1",
        "DELETE FROM recovery_codes WHERE account_id = $1",
        "DELETE FROM login_challenges WHERE account_id = $1",
        "DELETE FROM api_tokens WHERE account_id = $1 OR provider_id = $1",
        "DELETE FROM integration_keys WHERE provider_id = $1",
        "DELETE FROM integration_tests WHERE account_id = $1",
        "UPDATE products SET callback_url = NULL WHERE account_id = $1",
        "UPDATE product_revisions SET callback_url = NULL WHERE product_id IN \
         (SELECT id FROM products WHERE account_id = $1)",
        "DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT d.id FROM webhook_deliveries d \
         JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE e.provider_id = $1)",
        "DELETE FROM webhook_deliveries WHERE endpoint_id IN \
         (SELECT id FROM webhook_endpoints WHERE provider_id = $1)",
        "DELETE FROM webhook_endpoints WHERE provider_id = $1",
        // The feed's events about the provider (a customer-service change carries its phone
        // and address), with what other endpoints recorded of their delivery.
        "DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries \
         WHERE event_id IN (SELECT id FROM events WHERE provider_id = $1 OR account_id = $1))",
        "DELETE FROM webhook_deliveries WHERE event_id IN \
         (SELECT id FROM events WHERE provider_id = $1 OR account_id = $1)",
        "DELETE FROM events WHERE provider_id = $1 OR account_id = $1",
    ];
    for sql in by_account {
        sqlx::query(sql).bind(id.clone()).execute(&mut **tx).await?;
    }
    for sql in [
        "DELETE FROM consultations WHERE LOWER(email) = LOWER($1)",
        "DELETE FROM outbox WHERE LOWER(recipient) = LOWER($1)",
    ] {
        sqlx::query(sql)
            .bind(email.to_string())
            .execute(&mut **tx)
            .await?;
    }
    sqlx::query(
        "UPDATE accounts SET email = $2, password_hash = '!', mobile = NULL, status = 'disabled' \
         WHERE id = $1",
    )
    .bind(id.clone())
    .bind(erased_address(account_id))
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE account_closures SET erased_at = $2 WHERE account_id = $1")
        .bind(id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(Erased {
        blob_keys,
        outbox_ids,
    })
}

/// The address an erased account keeps (the column is unique and not null): it names nobody.
pub fn erased_address(account_id: &str) -> String {
    format!("erased-{account_id}@erased.invalid")
}

/// On SQLite, moves the write-ahead log into the database and empties it, so that the pages it
/// held (with the rows just erased) are gone from disk; `secure_delete` (set on every
/// connection) has zeroed them in the database file. Whether the log was emptied (a reader
/// that holds an old snapshot keeps it until the next try).
pub async fn checkpoint(db: &Db) -> Result<bool> {
    if db.dialect() != Dialect::Sqlite {
        return Ok(true);
    }
    let row = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .fetch_one(db.pool())
        .await?;
    let busy: i64 = row.try_get(0)?;
    Ok(busy == 0)
}

/// Every document row of the account (its licences, letters, appeal attachments, icons).
pub async fn documents_of<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    account_id: &str,
) -> Result<Vec<super::documents::DocumentRow>> {
    let rows = sqlx::query(
        "SELECT id, account_id, kind, content_type, size, sha256, blob_key, created_at \
         FROM documents WHERE account_id = $1 ORDER BY created_at",
    )
    .bind(account_id.to_string())
    .fetch_all(ex)
    .await?;
    rows.iter().map(super::documents::doc_from_row).collect()
}
