//! The public catalog of categories and service types.

use super::{Ctx, Result};
use crate::store::catalog::{self, CatalogEntry, CatalogList};

pub async fn list(ctx: &Ctx, which: CatalogList) -> Result<Vec<CatalogEntry>> {
    Ok(catalog::list(&ctx.db, which, false).await?)
}
