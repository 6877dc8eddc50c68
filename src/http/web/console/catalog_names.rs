//! The catalog's names for the console's pages (categories and service types by name, never by
//! slug), retired entries included.

use crate::domain::catalog::{CatalogEntry, CatalogList};
use crate::http::web::errors::PageError;
use crate::http::web::page::Page;
use crate::workflows::{catalog, Ctx};

/// The catalog's names, to show categories and service types by name rather than by slug.
pub struct CatalogNames {
    pub categories: Vec<CatalogEntry>,
    pub service_types: Vec<CatalogEntry>,
}

impl CatalogNames {
    /// Both lists, retired entries included (older submissions may name them).
    pub async fn load(ctx: &Ctx, page: &Page) -> Result<CatalogNames, PageError> {
        Ok(CatalogNames {
            categories: page
                .or_error_page(catalog::list_all(ctx, CatalogList::Categories).await)?,
            service_types: page
                .or_error_page(catalog::list_all(ctx, CatalogList::ServiceTypes).await)?,
        })
    }
}
