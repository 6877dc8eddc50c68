//! What a provider may release: the categories and service types its approved application
//! declared (and the catalog still has) — the product form's choices and its check.

use super::accounts::AccountView;
use super::{Ctx, Error, Result};
use crate::domain::application::ApplicationData;
use crate::domain::catalog::{CatalogEntry, CatalogList};
use crate::domain::product::{self, ProductData, ProductForm};
use crate::store;
use crate::store::catalog as catalog_store;

/// What the approved application declared: its categories and its service types.
pub(super) struct Declared {
    pub categories: Vec<String>,
    pub service_types: Vec<String>,
}

pub(super) async fn declared(ctx: &Ctx, account_id: &str) -> Result<Declared> {
    let app = store::application::get(ctx.db.pool(), account_id).await?;
    let data: ApplicationData = app
        .map(|a| serde_json::from_str(&a.data).unwrap_or_default())
        .unwrap_or_default();
    Ok(Declared {
        categories: data.categories,
        service_types: data.service_types,
    })
}

/// What the product form offers: the categories and the service types declared in the
/// application (and still in the catalog).
pub async fn release_choices(
    ctx: &Ctx,
    account: &AccountView,
) -> Result<(Vec<CatalogEntry>, Vec<CatalogEntry>)> {
    let declared = declared(ctx, &account.id).await?;
    let categories = super::catalog::list(ctx, CatalogList::Categories)
        .await?
        .into_iter()
        .filter(|c| declared.categories.contains(&c.slug))
        .collect();
    let service_types = super::catalog::list(ctx, CatalogList::ServiceTypes)
        .await?
        .into_iter()
        .filter(|s| declared.service_types.contains(&s.slug))
        .collect();
    Ok((categories, service_types))
}

pub(super) async fn validate(
    ctx: &Ctx,
    account: &AccountView,
    form: &ProductForm,
) -> Result<ProductData> {
    let declared = declared(ctx, &account.id).await?;
    let service_types = catalog_store::active_slugs(&ctx.db, CatalogList::ServiceTypes).await?;
    product::validate(
        form,
        &declared.categories,
        &declared.service_types,
        &service_types,
    )
    .map_err(Error::Validation)
}
