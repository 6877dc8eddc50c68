//! `/api/v1/catalog/…`: the categories and service types providers choose from (public).

use axum::extract::State;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::catalog::CatalogList;
use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::workflows::catalog;

#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogEntryBody {
    pub slug: String,
    pub name_zh: String,
    pub name_en: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogPage {
    pub items: Vec<CatalogEntryBody>,
}

async fn list(state: &AppState, which: CatalogList) -> Result<Json<CatalogPage>, ApiError> {
    let entries = catalog::list(&state.ctx, which).await?;
    Ok(Json(CatalogPage {
        items: entries
            .into_iter()
            .map(|e| CatalogEntryBody {
                slug: e.slug,
                name_zh: e.name_zh,
                name_en: e.name_en,
            })
            .collect(),
    }))
}

/// Product categories.
#[utoipa::path(get, operation_id = "catalog_categories", path = "/api/v1/catalog/categories", tag = "catalog", responses((status = 200, body = CatalogPage)))]
pub async fn categories(State(state): State<AppState>) -> Result<Json<CatalogPage>, ApiError> {
    list(&state, CatalogList::Categories).await
}

/// Service types (delivery).
#[utoipa::path(get, operation_id = "catalog_service_types", path = "/api/v1/catalog/service-types", tag = "catalog", responses((status = 200, body = CatalogPage)))]
pub async fn service_types(State(state): State<AppState>) -> Result<Json<CatalogPage>, ApiError> {
    list(&state, CatalogList::ServiceTypes).await
}
