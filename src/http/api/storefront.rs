//! `/api/v1/storefront/…`: the public catalogue of listed products.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{page_limit, Binary};
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{ApiPath, ApiQuery};
use crate::http::state::AppState;
use crate::workflows::storefront::{self, Listing, Search, StorefrontProduct};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    /// Words matched in the name and summary (at most 100 characters).
    #[param(max_length = 100)]
    pub q: Option<String>,
    /// A category slug.
    pub category: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^[0-9]{1,15}_[0-9A-Za-z-]{1,64}$")]
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ListingPage {
    pub items: Vec<Listing>,
    pub next_cursor: Option<String>,
}

/// Listed products only, newest first.
#[utoipa::path(get, operation_id = "storefront_search", path = "/api/v1/storefront/products", tag = "storefront", params(SearchParams),
    responses((status = 200, body = ListingPage), (status = 422, body = ErrorBody)))]
pub async fn search(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<SearchParams>,
) -> Result<Json<ListingPage>, ApiError> {
    let limit = page_limit(p.limit)?;
    let (items, next_cursor) = storefront::search(
        &state.ctx,
        &Search {
            q: p.q.as_deref(),
            category: p.category.as_deref(),
            cursor: p.cursor.as_deref(),
            limit,
        },
    )
    .await?;
    Ok(Json(ListingPage { items, next_cursor }))
}

/// A listed product with its provider's customer-service panel.
#[utoipa::path(get, operation_id = "storefront_show", path = "/api/v1/storefront/products/{id}", tag = "storefront", params(("id" = String, Path)),
    responses((status = 200, body = StorefrontProduct), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<StorefrontProduct>, ApiError> {
    Ok(Json(storefront::product(&state.ctx, &id).await?))
}

/// The icon of a listed product (PNG or JPEG).
#[utoipa::path(get, operation_id = "storefront_icon", path = "/api/v1/storefront/products/{id}/icon", tag = "storefront",
    params(("id" = String, Path)),
    responses((status = 200, description = "the image", content((Binary = "image/png"), (Binary = "image/jpeg")))))]
pub async fn icon(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
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
