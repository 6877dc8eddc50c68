//! `/api/v1/storefront/…`: the public catalogue of listed products.

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::page_limit;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::AppState;
use crate::workflows::storefront::{self, Listing, Search, StorefrontProduct};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    /// Words matched in the name and summary.
    pub q: Option<String>,
    /// A category slug.
    pub category: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ListingPage {
    pub items: Vec<Listing>,
    pub next_cursor: Option<String>,
}

/// Listed products only, newest first.
#[utoipa::path(get, path = "/api/v1/storefront/products", tag = "storefront", params(SearchParams),
    responses((status = 200, body = ListingPage), (status = 422, body = ErrorBody)))]
pub async fn search(
    State(state): State<AppState>,
    params: Result<Query<SearchParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<ListingPage>, ApiError> {
    let Query(p) = params.map_err(|_| ApiError::field("query", "invalid_type"))?;
    let limit = page_limit(p.limit)?;
    let (items, next_cursor) = storefront::search(
        &state.ctx,
        &Search {
            q: p.q.as_deref(),
            category: p.category.as_deref(),
            cursor: p.cursor.as_deref().filter(|c| !c.is_empty()),
            limit,
        },
    )
    .await?;
    Ok(Json(ListingPage { items, next_cursor }))
}

/// A listed product with its provider's customer-service panel.
#[utoipa::path(get, path = "/api/v1/storefront/products/{id}", tag = "storefront", params(("id" = String, Path)),
    responses((status = 200, body = StorefrontProduct), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<StorefrontProduct>, ApiError> {
    Ok(Json(storefront::product(&state.ctx, &id).await?))
}

/// The icon of a listed product.
pub async fn icon(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (mime, bytes) = storefront::icon(&state.ctx, &id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, mime),
            (header::CACHE_CONTROL, "public, max-age=300".to_string()),
        ],
        bytes,
    )
        .into_response())
}
