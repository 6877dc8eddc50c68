//! The SaaS integration: providers' integration keys (sealed), the callback URL of a product and
//! the records of "Test the integration".

use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};

use super::{Result, Tx};

#[derive(Debug, Clone)]
pub struct KeyRow {
    pub provider_id: String,
    pub version: i64,
    /// Sealed under the master key (`integration_keys.key:<provider>:<version>`).
    pub key_enc: String,
    pub last4: String,
    pub previous_version: Option<i64>,
    pub previous_key_enc: Option<String>,
    pub previous_expires_at: Option<i64>,
    pub created_at: i64,
}

pub async fn key<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    provider_id: &str,
) -> Result<Option<KeyRow>> {
    let row = sqlx::query(
        "SELECT provider_id, version, key_enc, last4, previous_version, previous_key_enc, \
         previous_expires_at, created_at FROM integration_keys WHERE provider_id = $1",
    )
    .bind(provider_id)
    .fetch_optional(ex)
    .await?;
    row.map(|r| {
        Ok(KeyRow {
            provider_id: r.try_get("provider_id")?,
            version: r.try_get("version")?,
            key_enc: r.try_get("key_enc")?,
            last4: r.try_get("last4")?,
            previous_version: r.try_get("previous_version")?,
            previous_key_enc: r.try_get("previous_key_enc")?,
            previous_expires_at: r.try_get("previous_expires_at")?,
            created_at: r.try_get("created_at")?,
        })
    })
    .transpose()
}

/// Stores the provider's key (a first one, or a rotation replacing the row).
pub async fn put_key(tx: &mut Tx, k: &KeyRow) -> Result<()> {
    sqlx::query("DELETE FROM integration_keys WHERE provider_id = $1")
        .bind(&k.provider_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "INSERT INTO integration_keys (provider_id, version, key_enc, last4, previous_version, \
         previous_key_enc, previous_expires_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&k.provider_id)
    .bind(k.version)
    .bind(&k.key_enc)
    .bind(&k.last4)
    .bind(k.previous_version)
    .bind(&k.previous_key_enc)
    .bind(k.previous_expires_at)
    .bind(k.created_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The callback URL a product's test calls and its submission needs: the one of the revision
/// being worked on, else the one in force (`None`: none declared). A change to it waits for
/// review with its revision; `products.callback_url` holds the approved one.
pub async fn callback_url<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    product_id: &str,
) -> Result<Option<String>> {
    let row = sqlx::query(
        "SELECT CASE WHEN p.working_revision_id IS NULL THEN p.callback_url \
         ELSE (SELECT r.callback_url FROM product_revisions r WHERE r.id = p.working_revision_id) END \
         AS callback_url FROM products p WHERE p.id = $1",
    )
    .bind(product_id)
    .fetch_optional(ex)
    .await?;
    Ok(match row {
        Some(r) => r.try_get("callback_url")?,
        None => None,
    })
}

#[derive(Debug, Clone)]
pub struct TestRow {
    pub id: String,
    pub product_id: String,
    pub account_id: String,
    pub callback_url: String,
    pub key_version: i64,
    /// `passed` or `failed`.
    pub verdict: String,
    /// JSON: the steps.
    pub steps: String,
    pub started_at: i64,
    pub finished_at: i64,
}

const TEST_COLUMNS: &str =
    "id, product_id, account_id, callback_url, key_version, verdict, steps, started_at, finished_at";

fn read_test(r: &AnyRow) -> Result<TestRow> {
    Ok(TestRow {
        id: r.try_get("id")?,
        product_id: r.try_get("product_id")?,
        account_id: r.try_get("account_id")?,
        callback_url: r.try_get("callback_url")?,
        key_version: r.try_get("key_version")?,
        verdict: r.try_get("verdict")?,
        steps: r.try_get("steps")?,
        started_at: r.try_get("started_at")?,
        finished_at: r.try_get("finished_at")?,
    })
}

pub async fn insert_test(tx: &mut Tx, t: &TestRow) -> Result<()> {
    sqlx::query(&format!(
        "INSERT INTO integration_tests ({TEST_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    ))
    .bind(&t.id)
    .bind(&t.product_id)
    .bind(&t.account_id)
    .bind(&t.callback_url)
    .bind(t.key_version)
    .bind(&t.verdict)
    .bind(&t.steps)
    .bind(t.started_at)
    .bind(t.finished_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A product's test records, newest first, at most `limit`.
pub async fn tests_of<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    product_id: &str,
    limit: i64,
) -> Result<Vec<TestRow>> {
    sqlx::query(&format!(
        "SELECT {TEST_COLUMNS} FROM integration_tests WHERE product_id = $1 \
         ORDER BY started_at DESC, id DESC LIMIT $2"
    ))
    .bind(product_id)
    .bind(limit)
    .fetch_all(ex)
    .await?
    .iter()
    .map(read_test)
    .collect()
}

/// Whether a test of `url` with key `version` passed.
pub async fn has_pass<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    product_id: &str,
    url: &str,
    version: i64,
) -> Result<bool> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM integration_tests \
         WHERE product_id = $1 AND callback_url = $2 AND key_version = $3 AND verdict = 'passed'",
    )
    .bind(product_id)
    .bind(url)
    .bind(version)
    .fetch_one(ex)
    .await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}
