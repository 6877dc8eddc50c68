//! Products, their revisions, and the storefront's queries.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};

use super::{Db, Result, Tx};
use crate::domain::provider::CustomerService;

#[derive(Debug, Clone)]
pub struct ProductRow {
    pub id: String,
    pub account_id: String,
    pub live_revision_id: Option<String>,
    pub working_revision_id: Option<String>,
    pub listed: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

fn product_from(r: &AnyRow) -> Result<ProductRow> {
    let listed: i64 = r.try_get("listed")?;
    Ok(ProductRow {
        id: r.try_get("id")?,
        account_id: r.try_get("account_id")?,
        live_revision_id: r.try_get("live_revision_id")?,
        working_revision_id: r.try_get("working_revision_id")?,
        listed: listed == 1,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

const PRODUCT_COLUMNS: &str =
    "id, account_id, live_revision_id, working_revision_id, listed, created_at, updated_at";

pub async fn insert(tx: &mut Tx, p: &ProductRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO products (id, account_id, live_revision_id, working_revision_id, listed, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&p.id)
    .bind(&p.account_id)
    .bind(&p.live_revision_id)
    .bind(&p.working_revision_id)
    .bind(i64::from(p.listed))
    .bind(p.created_at)
    .bind(p.updated_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn get<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    id: &str,
) -> Result<Option<ProductRow>> {
    let row = sqlx::query(&format!(
        "SELECT {PRODUCT_COLUMNS} FROM products WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(ex)
    .await?;
    row.as_ref().map(product_from).transpose()
}

pub async fn list_for_account<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    account_id: &str,
) -> Result<Vec<ProductRow>> {
    let rows = sqlx::query(&format!(
        "SELECT {PRODUCT_COLUMNS} FROM products WHERE account_id = $1 ORDER BY created_at DESC, id DESC"
    ))
    .bind(account_id)
    .fetch_all(ex)
    .await?;
    rows.iter().map(product_from).collect()
}

pub async fn set_working(tx: &mut Tx, id: &str, working: Option<&str>, now: i64) -> Result<()> {
    sqlx::query("UPDATE products SET working_revision_id = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(working)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Makes `revision` the live one and copies its searchable fields; its callback URL comes into
/// force.
#[allow(clippy::too_many_arguments)]
pub async fn go_live(
    tx: &mut Tx,
    id: &str,
    revision: &str,
    name: &str,
    summary: &str,
    category: &str,
    price_from_fen: Option<i64>,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE products SET live_revision_id = $2, working_revision_id = NULL, listed = 1, name = $3, \
         summary = $4, category = $5, price_from_fen = $6, updated_at = $7, listed_at = $7, \
         callback_url = (SELECT callback_url FROM product_revisions WHERE id = $2) WHERE id = $1",
    )
    .bind(id)
    .bind(revision)
    .bind(name)
    .bind(summary)
    .bind(category)
    .bind(price_from_fen)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Unlists or relists; a relisted product keeps its place in the storefront's order (when its
/// live revision went live), so unlisting and relisting cannot lift it to the top.
pub async fn set_listed(tx: &mut Tx, id: &str, listed: bool, now: i64) -> Result<()> {
    sqlx::query("UPDATE products SET listed = $2, updated_at = $3, listed_at = COALESCE(listed_at, $3) WHERE id = $1")
        .bind(id)
        .bind(i64::from(listed))
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

#[derive(Debug, Clone)]
pub struct RevisionRow {
    pub id: String,
    pub product_id: String,
    pub number: i64,
    pub status: String,
    pub data: String,
    pub icon_document_id: Option<String>,
    pub reasons: Option<String>,
    /// A `saas` product's callback URL in this revision; it comes into force with the revision.
    pub callback_url: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const REVISION_COLUMNS: &str =
    "id, product_id, number, status, data, icon_document_id, reasons, callback_url, created_at, updated_at";

fn revision_from(r: &AnyRow) -> Result<RevisionRow> {
    Ok(RevisionRow {
        id: r.try_get("id")?,
        product_id: r.try_get("product_id")?,
        number: r.try_get("number")?,
        status: r.try_get("status")?,
        data: r.try_get("data")?,
        icon_document_id: r.try_get("icon_document_id")?,
        reasons: r.try_get("reasons")?,
        callback_url: r.try_get("callback_url")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

pub async fn put_revision(tx: &mut Tx, r: &RevisionRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO product_revisions (id, product_id, number, status, data, icon_document_id, reasons, callback_url, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $10, $8, $9) ON CONFLICT (id) DO UPDATE SET status = $4, data = $5, \
         icon_document_id = $6, reasons = $7, callback_url = $10, updated_at = $9",
    )
    .bind(&r.id)
    .bind(&r.product_id)
    .bind(r.number)
    .bind(&r.status)
    .bind(&r.data)
    .bind(&r.icon_document_id)
    .bind(&r.reasons)
    .bind(r.created_at)
    .bind(r.updated_at)
    .bind(&r.callback_url)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn revision<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    id: &str,
) -> Result<Option<RevisionRow>> {
    let row = sqlx::query(&format!(
        "SELECT {REVISION_COLUMNS} FROM product_revisions WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(ex)
    .await?;
    row.as_ref().map(revision_from).transpose()
}

pub async fn next_revision_number<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    product_id: &str,
) -> Result<i64> {
    let r = sqlx::query("SELECT CAST(COALESCE(MAX(number), 0) AS BIGINT) AS n FROM product_revisions WHERE product_id = $1")
        .bind(product_id)
        .fetch_one(ex)
        .await?;
    Ok(r.try_get::<i64, _>("n")? + 1)
}

/// A listed product as the storefront shows it in a list.
#[derive(Debug, Clone)]
pub struct ListingRow {
    pub id: String,
    pub company_name: Option<String>,
    pub icon_document_id: Option<String>,
    pub account_id: String,
    pub live_revision_id: String,
    pub name: String,
    pub summary: String,
    pub category: String,
    pub price_from_fen: Option<i64>,
    /// When the live revision went live: the storefront's order, newest first.
    pub listed_at: i64,
}

/// How many times the storefront has changed: triggers add one in the same transaction as any
/// change a listing shows (migration 0006), so a reader that sees a generation sees its rows.
pub async fn storefront_generation(db: &Db) -> Result<i64> {
    let row = sqlx::query("SELECT generation FROM storefront_state WHERE id = 1")
        .fetch_one(db.pool())
        .await?;
    Ok(row.try_get("generation")?)
}

const LISTING_SELECT: &str = "SELECT p.id, p.account_id, p.live_revision_id, p.name, p.summary, \
    p.category, p.price_from_fen, COALESCE(p.listed_at, p.updated_at) AS listed_at, \
    e.company_name, r.icon_document_id FROM products p \
    LEFT JOIN enterprise_verifications e ON e.account_id = p.account_id \
    LEFT JOIN product_revisions r ON r.id = p.live_revision_id \
    WHERE p.listed = 1 AND p.live_revision_id IS NOT NULL \
    AND NOT EXISTS (SELECT 1 FROM provider_suspensions s WHERE s.account_id = p.account_id) \
    AND NOT EXISTS (SELECT 1 FROM guarantee_holds h WHERE h.account_id = p.account_id)";

fn listing_from(r: &AnyRow) -> Result<ListingRow> {
    Ok(ListingRow {
        id: r.try_get("id")?,
        company_name: r.try_get("company_name")?,
        icon_document_id: r.try_get("icon_document_id")?,
        account_id: r.try_get("account_id")?,
        live_revision_id: r.try_get("live_revision_id")?,
        name: r.try_get("name")?,
        summary: r.try_get("summary")?,
        category: r.try_get("category")?,
        price_from_fen: r.try_get("price_from_fen")?,
        listed_at: r.try_get("listed_at")?,
    })
}

/// Every listed product of a provider that is neither suspended nor hidden for a deposit left
/// short (in no particular order), with the generation read just before them: the rows are at
/// least as new as the generation.
pub async fn storefront_listings(db: &Db) -> Result<(i64, Vec<ListingRow>)> {
    let generation = storefront_generation(db).await?;
    let rows = sqlx::query(LISTING_SELECT).fetch_all(db.pool()).await?;
    let rows = rows.iter().map(listing_from).collect::<Result<Vec<_>>>()?;
    Ok((generation, rows))
}

/// The listings (as `storefront_listings` shows them) among the products `ids` and the products
/// of the providers `accounts`.
pub async fn storefront_listings_of(
    db: &Db,
    ids: &[String],
    accounts: &[String],
) -> Result<Vec<ListingRow>> {
    let mut out = Vec::new();
    // In chunks, so that no statement carries more than a few hundred parameters.
    for (column, values) in [("p.id", ids), ("p.account_id", accounts)] {
        for chunk in values.chunks(500) {
            let marks: Vec<String> = (1..=chunk.len()).map(|n| format!("${n}")).collect();
            let sql = format!("{LISTING_SELECT} AND {column} IN ({})", marks.join(", "));
            let mut q = sqlx::query(&sql);
            for v in chunk {
                q = q.bind(v);
            }
            for r in q.fetch_all(db.pool()).await? {
                out.push(listing_from(&r)?);
            }
        }
    }
    Ok(out)
}

/// One recorded change of the storefront: the generation it made, and the product or the
/// provider it concerns.
#[derive(Debug, Clone)]
pub struct StorefrontChange {
    pub generation: i64,
    pub product_id: Option<String>,
    pub account_id: Option<String>,
}

/// The changes after generation `after`, in order.
pub async fn storefront_changes_since(db: &Db, after: i64) -> Result<Vec<StorefrontChange>> {
    let rows = sqlx::query(
        "SELECT generation, product_id, account_id FROM storefront_changes \
         WHERE generation > $1 ORDER BY generation",
    )
    .bind(after)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(StorefrontChange {
                generation: r.try_get("generation")?,
                product_id: r.try_get("product_id")?,
                account_id: r.try_get("account_id")?,
            })
        })
        .collect()
}

/// Forgets the changes older than the last `keep`: an index further behind loads everything.
pub async fn prune_storefront_changes(db: &Db, keep: i64) -> Result<u64> {
    let generation = storefront_generation(db).await?;
    let done = sqlx::query("DELETE FROM storefront_changes WHERE generation <= $1")
        .bind(generation - keep)
        .execute(db.pool())
        .await?;
    Ok(done.rows_affected())
}

/// A listed product of a provider in good standing, as its page shows it.
#[derive(Debug, Clone)]
pub struct ShownProduct {
    pub id: String,
    /// The live revision's `ProductData` (JSON).
    pub data: String,
    pub icon_document_id: Option<String>,
    pub company_name: Option<String>,
    pub customer_service: Option<CustomerService>,
    /// The category's names (zh-CN, en), when it is in the catalog.
    pub category_names: Option<(String, String)>,
}

/// One query for a product page: the product if it is listed and its provider neither suspended
/// nor hidden for a deposit left short, with its live revision, the company name and the
/// customer-service panel.
pub async fn shown(db: &Db, id: &str) -> Result<Option<ShownProduct>> {
    let row = sqlx::query(
        "SELECT p.id, r.data, r.icon_document_id, e.company_name, c.phone, c.email, \
         c.dongdong_group_id, c.service_hours, k.name_zh, k.name_en FROM products p \
         JOIN product_revisions r ON r.id = p.live_revision_id \
         LEFT JOIN catalog_categories k ON k.slug = p.category \
         LEFT JOIN enterprise_verifications e ON e.account_id = p.account_id \
         LEFT JOIN provider_customer_service c ON c.account_id = p.account_id \
         WHERE p.id = $1 AND p.listed = 1 \
         AND NOT EXISTS (SELECT 1 FROM provider_suspensions s WHERE s.account_id = p.account_id) \
         AND NOT EXISTS (SELECT 1 FROM guarantee_holds h WHERE h.account_id = p.account_id)",
    )
    .bind(id)
    .fetch_optional(db.pool())
    .await?;
    let Some(r) = row else { return Ok(None) };
    let phone: Option<String> = r.try_get("phone")?;
    let customer_service = match phone {
        None => None,
        Some(phone) => Some(CustomerService {
            phone,
            email: r.try_get("email")?,
            dongdong_group_id: r.try_get("dongdong_group_id")?,
            service_hours: r.try_get("service_hours")?,
        }),
    };
    Ok(Some(ShownProduct {
        id: r.try_get("id")?,
        data: r.try_get("data")?,
        icon_document_id: r.try_get("icon_document_id")?,
        company_name: r.try_get("company_name")?,
        customer_service,
        category_names: match (r.try_get("name_zh")?, r.try_get("name_en")?) {
            (Some(zh), Some(en)) => Some((zh, en)),
            _ => None,
        },
    }))
}

pub async fn is_suspended<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    account_id: &str,
) -> Result<bool> {
    let row = sqlx::query("SELECT account_id FROM provider_suspensions WHERE account_id = $1")
        .bind(account_id)
        .fetch_optional(ex)
        .await?;
    Ok(row.is_some())
}

pub async fn suspend(
    tx: &mut Tx,
    account_id: &str,
    reason: &str,
    by: &str,
    now: i64,
) -> Result<bool> {
    let res = sqlx::query(
        "INSERT INTO provider_suspensions (account_id, reason, suspended_by, suspended_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (account_id) DO NOTHING",
    )
    .bind(account_id)
    .bind(reason)
    .bind(by)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(res.rows_affected() == 1)
}

pub async fn reinstate(tx: &mut Tx, account_id: &str) -> Result<bool> {
    let res = sqlx::query("DELETE FROM provider_suspensions WHERE account_id = $1")
        .bind(account_id)
        .execute(&mut **tx)
        .await?;
    Ok(res.rows_affected() == 1)
}
