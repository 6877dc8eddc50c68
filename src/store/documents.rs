//! Uploaded files' rows: business licences, letters of authorisation and product icons. The
//! bytes are in `blobs`, under `blob_key`, encrypted.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};

use super::{Result, Tx};

#[derive(Debug, Clone)]
pub struct DocumentRow {
    pub id: String,
    pub account_id: String,
    pub kind: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub blob_key: String,
    pub created_at: i64,
}

const DOC_COLUMNS: &str = "id, account_id, kind, content_type, size, sha256, blob_key, created_at";

pub(super) fn doc_from_row(r: &AnyRow) -> Result<DocumentRow> {
    Ok(DocumentRow {
        id: r.try_get("id")?,
        account_id: r.try_get("account_id")?,
        kind: r.try_get("kind")?,
        content_type: r.try_get("content_type")?,
        size: r.try_get("size")?,
        sha256: r.try_get("sha256")?,
        blob_key: r.try_get("blob_key")?,
        created_at: r.try_get("created_at")?,
    })
}

pub async fn insert_document(tx: &mut Tx, d: &DocumentRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO documents (id, account_id, kind, content_type, size, sha256, blob_key, created_at, sealed) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1)",
    )
    .bind(&d.id)
    .bind(&d.account_id)
    .bind(&d.kind)
    .bind(&d.content_type)
    .bind(d.size)
    .bind(&d.sha256)
    .bind(&d.blob_key)
    .bind(d.created_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn get_document<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    id: &str,
) -> Result<Option<DocumentRow>> {
    let row = sqlx::query(&format!(
        "SELECT {DOC_COLUMNS} FROM documents WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(ex)
    .await?;
    row.as_ref().map(doc_from_row).transpose()
}

/// The storage key of every document (and icon).
pub async fn all_blob_keys<'e, E: Executor<'e, Database = Any>>(ex: E) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar("SELECT blob_key FROM documents")
        .fetch_all(ex)
        .await?)
}

/// The storage keys of documents (and icons) whose files an older version stored in plaintext.
pub async fn unsealed_blob_keys<'e, E: Executor<'e, Database = Any>>(ex: E) -> Result<Vec<String>> {
    Ok(
        sqlx::query_scalar("SELECT blob_key FROM documents WHERE sealed = 0 ORDER BY created_at")
            .fetch_all(ex)
            .await?,
    )
}

/// Records that the file under `blob_key` is now encrypted.
pub async fn mark_sealed<'e, E: Executor<'e, Database = Any>>(ex: E, blob_key: &str) -> Result<()> {
    sqlx::query("UPDATE documents SET sealed = 1 WHERE blob_key = $1")
        .bind(blob_key)
        .execute(ex)
        .await?;
    Ok(())
}

pub async fn documents_by_ids<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    ids: &[String],
) -> Result<Vec<DocumentRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT {DOC_COLUMNS} FROM documents WHERE id IN ({}) ORDER BY created_at",
        placeholders.join(", ")
    );
    let mut q = sqlx::query(&sql);
    for id in ids {
        q = q.bind(id);
    }
    q.fetch_all(ex).await?.iter().map(doc_from_row).collect()
}
