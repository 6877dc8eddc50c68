//! The storefront: listed products of providers in good standing, searchable by name and summary
//! and filterable by category; a product page carries the provider's customer-service panel.

use serde::Serialize;
use utoipa::ToSchema;

use super::storefront_index::Query;
use super::{Ctx, Error, Result};
use crate::domain::paging::{cursor, parse_cursor};
use crate::domain::product::{self, ProductData};
use crate::domain::provider::CustomerService;
use crate::domain::FieldError;
use crate::store::products as product_store;
use crate::store::{self};

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Listing {
    pub id: String,
    pub name: String,
    pub summary: String,
    pub category: String,
    /// The lowest plan price.
    pub price_from_fen: Option<i64>,
    pub provider_name: String,
    pub icon_url: Option<String>,
}

pub struct Search<'a> {
    pub q: Option<&'a str>,
    pub category: Option<&'a str>,
    pub cursor: Option<&'a str>,
    pub limit: i64,
}

pub async fn search(ctx: &Ctx, s: &Search<'_>) -> Result<(Vec<Listing>, Option<String>)> {
    let q =
        s.q.map(|q| q.trim().to_lowercase())
            .filter(|q| !q.is_empty());
    if s.q.is_some_and(|q| q.chars().count() > 100) {
        return Err(Error::Validation(vec![
            FieldError::new("q", "too_long").with("max", 100)
        ]));
    }
    super::guarantee::hide_overdue(ctx).await?;
    let after = match s.cursor {
        None => None,
        Some(c) => Some(parse_cursor(c).ok_or_else(|| Error::field("cursor", "invalid_type"))?),
    };
    let limit = usize::try_from(s.limit).unwrap_or(0);
    let mut rows = ctx
        .storefront
        .search(
            &ctx.db,
            &Query {
                text: q.as_deref(),
                category: s.category.map(str::trim).filter(|c| !c.is_empty()),
                after: after.as_ref().map(|(t, id)| (*t, id.as_str())),
                limit: limit + 1,
            },
        )
        .await?;
    let more = rows.len() > limit;
    rows.truncate(limit);
    let next = if more {
        rows.last().map(|r| cursor(r.listed_at, &r.id))
    } else {
        None
    };
    Ok((
        rows.into_iter()
            .map(|r| Listing {
                icon_url: r
                    .has_icon
                    .then(|| format!("/api/v1/storefront/products/{}/icon", r.id)),
                id: r.id,
                name: r.name,
                summary: r.summary,
                category: r.category,
                price_from_fen: r.price_from_fen,
                provider_name: r.company_name.unwrap_or_default(),
            })
            .collect(),
        next,
    ))
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProviderPanel {
    pub name: String,
    /// Shown in the left column of the product page.
    pub customer_service: Option<CustomerService>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StorefrontProduct {
    pub id: String,
    #[serde(flatten)]
    pub data: ProductData,
    /// The description rendered to safe HTML.
    pub description_html: String,
    pub price_from_fen: Option<i64>,
    pub icon_url: Option<String>,
    pub provider: ProviderPanel,
}

/// A listed product; 404 when it is not listed, or its provider is suspended or hidden for a
/// deposit left short past its grace period.
pub async fn product(ctx: &Ctx, id: &str) -> Result<StorefrontProduct> {
    Ok(product_page(ctx, id).await?.0)
}

/// A listed product and its category's names (zh-CN, en), from the same one query.
pub async fn product_page(
    ctx: &Ctx,
    id: &str,
) -> Result<(StorefrontProduct, Option<(String, String)>)> {
    super::guarantee::hide_overdue(ctx).await?;
    let p = product_store::shown(&ctx.db, id)
        .await?
        .ok_or(Error::NotFound)?;
    let category_names = p.category_names.clone();
    let data: ProductData = serde_json::from_str(&p.data).unwrap_or_default();
    let product = StorefrontProduct {
        description_html: product::render_markdown(&data.description),
        price_from_fen: product::price_from(&data.plans),
        icon_url: p
            .icon_document_id
            .as_ref()
            .map(|_| format!("/api/v1/storefront/products/{}/icon", p.id)),
        id: p.id,
        data,
        provider: ProviderPanel {
            name: p.company_name.unwrap_or_default(),
            customer_service: p.customer_service,
        },
    };
    Ok((product, category_names))
}

/// The icon of a listed product (public).
pub async fn icon(ctx: &Ctx, id: &str) -> Result<(String, Vec<u8>)> {
    let p = product_store::get(ctx.db.pool(), id)
        .await?
        .ok_or(Error::NotFound)?;
    let live_id = p
        .live_revision_id
        .clone()
        .filter(|_| p.listed)
        .ok_or(Error::NotFound)?;
    if product_store::is_suspended(ctx.db.pool(), &p.account_id).await?
        || store::guarantee::hidden_at(ctx.db.pool(), &p.account_id)
            .await?
            .is_some()
    {
        return Err(Error::NotFound);
    }
    let rev = product_store::revision(ctx.db.pool(), &live_id)
        .await?
        .ok_or(Error::NotFound)?;
    let doc_id = rev.icon_document_id.ok_or(Error::NotFound)?;
    let doc = store::documents::get_document(ctx.db.pool(), &doc_id)
        .await?
        .ok_or(Error::NotFound)?;
    Ok((
        doc.content_type.clone(),
        ctx.blobs.get(&doc.blob_key).await?,
    ))
}
