//! Categories and service types.

use sqlx::Row;

use super::{Db, Result};

use crate::domain::catalog::{CatalogEntry, CatalogList};

fn table(which: CatalogList) -> &'static str {
    match which {
        CatalogList::Categories => "catalog_categories",
        CatalogList::ServiceTypes => "catalog_service_types",
    }
}

/// The list in display order; retired entries only when `include_retired`.
pub async fn list(db: &Db, which: CatalogList, include_retired: bool) -> Result<Vec<CatalogEntry>> {
    let filter = if include_retired {
        ""
    } else {
        " WHERE retired_at IS NULL"
    };
    let deposit = match which {
        CatalogList::Categories => "deposit_fen",
        CatalogList::ServiceTypes => "CAST(0 AS BIGINT)",
    };
    let rows = sqlx::query(&format!(
        "SELECT slug, name_zh, name_en, retired_at, {deposit} AS deposit_fen FROM {}{filter} \
         ORDER BY position, slug",
        table(which)
    ))
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            let retired: Option<i64> = r.try_get("retired_at")?;
            Ok(CatalogEntry {
                slug: r.try_get("slug")?,
                name_zh: r.try_get("name_zh")?,
                name_en: r.try_get("name_en")?,
                retired: retired.is_some(),
                deposit_fen: r.try_get("deposit_fen")?,
            })
        })
        .collect()
}

/// The slugs that may be chosen now.
pub async fn active_slugs(db: &Db, which: CatalogList) -> Result<Vec<String>> {
    Ok(list(db, which, false)
        .await?
        .into_iter()
        .map(|e| e.slug)
        .collect())
}

/// Adds an entry at the end; false when the slug exists.
pub async fn add(
    tx: &mut super::Tx,
    which: CatalogList,
    slug: &str,
    name_zh: &str,
    name_en: &str,
) -> Result<bool> {
    let res = sqlx::query(&format!(
        "INSERT INTO {t} (slug, name_zh, name_en, position) \
         SELECT $1, $2, $3, CAST(COALESCE(MAX(position), 0) + 1 AS BIGINT) FROM {t} WHERE true \
         ON CONFLICT (slug) DO NOTHING",
        t = table(which)
    ))
    .bind(slug)
    .bind(name_zh)
    .bind(name_en)
    .execute(&mut **tx)
    .await?;
    Ok(res.rows_affected() == 1)
}

pub async fn rename(
    tx: &mut super::Tx,
    which: CatalogList,
    slug: &str,
    name_zh: &str,
    name_en: &str,
) -> Result<bool> {
    let res = sqlx::query(&format!(
        "UPDATE {} SET name_zh = $2, name_en = $3 WHERE slug = $1",
        table(which)
    ))
    .bind(slug)
    .bind(name_zh)
    .bind(name_en)
    .execute(&mut **tx)
    .await?;
    Ok(res.rows_affected() == 1)
}

/// Retires (`Some(now)`) or restores (`None`) an entry; existing products keep it.
pub async fn set_retired(
    tx: &mut super::Tx,
    which: CatalogList,
    slug: &str,
    at: Option<i64>,
) -> Result<bool> {
    let res = sqlx::query(&format!(
        "UPDATE {} SET retired_at = $2 WHERE slug = $1",
        table(which)
    ))
    .bind(slug)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(res.rows_affected() == 1)
}
