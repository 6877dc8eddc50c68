//! `/api/v1/provider/products…`: product release by moved-in providers.

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Binary;

use crate::domain::product::{ProductForm, MAX_ICON_BYTES};
use crate::http::auth::Authenticated;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{ApiPath, ApiQuery};
use crate::http::json::ApiJson;
use crate::http::state::AppState;
use crate::http::upload::Upload;
use crate::workflows::products::{self, ProductView};

#[derive(Debug, Serialize, ToSchema)]
pub struct ProductList {
    pub items: Vec<ProductView>,
    pub next_cursor: Option<String>,
}

/// The provider's products.
#[utoipa::path(get, operation_id = "products_list", path = "/api/v1/provider/products", tag = "products",
    responses((status = 200, body = ProductList), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<Json<ProductList>, ApiError> {
    Ok(Json(ProductList {
        items: products::list(&state.ctx, &auth.account).await?,
        next_cursor: None,
    }))
}

/// Creates a draft. `403 provider_access_required` until moved in; `422` if the category was not
/// declared in the application.
#[utoipa::path(post, operation_id = "products_create", path = "/api/v1/provider/products", tag = "products", request_body = ProductForm,
    responses((status = 201, body = ProductView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(form): ApiJson<ProductForm>,
) -> Result<(StatusCode, Json<ProductView>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(products::create(&state.ctx, &auth.account, &form).await?),
    ))
}

/// One product: the live revision and the one being worked on.
#[utoipa::path(get, operation_id = "products_show", path = "/api/v1/provider/products/{id}", tag = "products", params(("id" = String, Path)),
    responses((status = 200, body = ProductView), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn show(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ProductView>, ApiError> {
    Ok(Json(products::get(&state.ctx, &auth.account, &id).await?))
}

/// Edits the draft; for a listed product this makes a new revision (the listed one stays live).
#[utoipa::path(put, operation_id = "products_update", path = "/api/v1/provider/products/{id}", tag = "products", params(("id" = String, Path)),
    request_body = ProductForm,
    responses((status = 200, body = ProductView), (status = 409, description = "`already_submitted`", body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn update(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiPath(id): ApiPath<String>,
    ApiJson(form): ApiJson<ProductForm>,
) -> Result<Json<ProductView>, ApiError> {
    Ok(Json(
        products::update(&state.ctx, &auth.account, &id, &form).await?,
    ))
}

/// Submits the draft for review.
#[utoipa::path(post, operation_id = "products_submit", path = "/api/v1/provider/products/{id}/submit", tag = "products", params(("id" = String, Path)),
    responses((status = 200, body = ProductView), (status = 409, body = ErrorBody)), security(("bearer" = [])))]
pub async fn submit(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ProductView>, ApiError> {
    Ok(Json(
        crate::workflows::auto_review::submit_product(&state.ctx, &auth.account, &id).await?,
    ))
}

/// Takes a listed product off the storefront.
#[utoipa::path(post, operation_id = "products_unlist", path = "/api/v1/provider/products/{id}/unlist", tag = "products", params(("id" = String, Path)),
    responses((status = 200, body = ProductView), (status = 409, body = ErrorBody)), security(("bearer" = [])))]
pub async fn unlist(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ProductView>, ApiError> {
    Ok(Json(
        products::set_listed(&state.ctx, &auth.account, &id, false).await?,
    ))
}

/// Puts an unlisted product back on the storefront.
#[utoipa::path(post, operation_id = "products_relist", path = "/api/v1/provider/products/{id}/relist", tag = "products", params(("id" = String, Path)),
    responses((status = 200, body = ProductView), (status = 409, body = ErrorBody)), security(("bearer" = [])))]
pub async fn relist(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ProductView>, ApiError> {
    Ok(Json(
        products::set_listed(&state.ctx, &auth.account, &id, true).await?,
    ))
}

/// multipart/form-data: `file`, a PNG or JPEG (by content) of at most 1 MiB.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct IconUpload {
    #[schema(format = Binary, value_type = String)]
    file: Vec<u8>,
}

/// Uploads the icon of the revision being worked on.
#[utoipa::path(post, operation_id = "products_upload_icon", path = "/api/v1/provider/products/{id}/icon", tag = "products", params(("id" = String, Path)),
    request_body(content = IconUpload, content_type = "multipart/form-data"),
    responses((status = 200, body = ProductView), (status = 409, description = "`already_submitted`", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn upload_icon(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiPath(id): ApiPath<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Json<ProductView>, ApiError> {
    let multipart = multipart.map_err(|_| ApiError::malformed())?;
    let (_, file) = Upload::read(multipart, &[], MAX_ICON_BYTES)
        .await
        .into_file(&[])?;
    Ok(Json(
        products::upload_icon(&state.ctx, &auth.account, &id, file).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct IconQuery {
    /// The icon's document id (the `icon_url` of a revision names it).
    pub document: String,
}

/// An icon of one of the provider's revisions (PNG or JPEG).
#[utoipa::path(get, operation_id = "products_icon", path = "/api/v1/provider/products/{id}/icon", tag = "products",
    params(("id" = String, Path), IconQuery),
    responses((status = 200, description = "the image", content((Binary = "image/png"), (Binary = "image/jpeg")))),
    security(("bearer" = [])))]
pub async fn icon(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<IconQuery>,
) -> Result<Response, ApiError> {
    let (mime, bytes) = products::icon(&state.ctx, &auth.account, &id, &q.document).await?;
    Ok(([(header::CONTENT_TYPE, mime)], bytes).into_response())
}
