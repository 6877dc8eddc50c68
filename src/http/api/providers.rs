//! `/api/v1/review/providers/{account_id}…`: a provider's profile (`providers:read`), suspending
//! and reinstating providers, and
//! `/api/v1/review/catalog/…`: managing categories and service types (operators).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::domain::catalog::CatalogList;
use crate::http::auth::{Authenticated, Reviewer};
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::ApiPath;
use crate::http::json::ApiJson;
use crate::http::scoped::{ProvidersRead, Scoped};
use crate::http::state::AppState;
use crate::workflows::catalog::{self, CatalogForm, CatalogNames};
use crate::workflows::provider_profile::{self, ProviderProfile};
use crate::workflows::providers;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonRequest {
    /// Why; mailed to the provider.
    #[schema(value_type = String, max_length = 500, pattern = r"^[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000](?:[^\x00-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000])?[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$")]
    pub reason: Option<String>,
}

/// A provider's profile: company, move-in, standing, customer service (nothing secret). Operators
/// (session or a token with `providers:read`) read any provider; a provider's own session or
/// token (`providers:read`) reads its own only (others are 404).
#[utoipa::path(get, operation_id = "providers_profile", path = "/api/v1/review/providers/{account_id}", tag = "operators",
    params(("account_id" = String, Path)),
    responses((status = 200, body = ProviderProfile),
        (status = 403, description = "`forbidden`; `insufficient_scope`: a token without `providers:read`", body = ErrorBody),
        (status = 404, description = "`not_found`: no such provider, or not the caller's", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn profile(
    State(state): State<AppState>,
    caller: Scoped<ProvidersRead>,
    ApiPath(account_id): ApiPath<String>,
) -> Result<Json<ProviderProfile>, ApiError> {
    let reach = caller.reach().ok_or_else(ApiError::forbidden)?;
    Ok(Json(
        provider_profile::profile(&state.ctx, &reach, &account_id).await?,
    ))
}

/// Suspends a provider: its products leave the storefront. Audited and mailed.
#[utoipa::path(post, operation_id = "providers_suspend", path = "/api/v1/review/providers/{account_id}/suspend", tag = "operators",
    params(("account_id" = String, Path)), request_body = ReasonRequest,
    responses((status = 204, description = "suspended"), (status = 403, description = "`own_item`: the operator's own account", body = ErrorBody), (status = 409, description = "`already_suspended`; `not_a_provider`; `account_closed`: the provider closed its account", body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn suspend(
    State(state): State<AppState>,
    Reviewer(reviewer): Reviewer,
    ApiPath(account_id): ApiPath<String>,
    ApiJson(req): ApiJson<ReasonRequest>,
) -> Result<StatusCode, ApiError> {
    set_suspended(&state, &reviewer, &account_id, true, req).await
}

/// Reinstates a provider: its listed products come back.
#[utoipa::path(post, operation_id = "providers_reinstate", path = "/api/v1/review/providers/{account_id}/reinstate", tag = "operators",
    params(("account_id" = String, Path)), request_body = ReasonRequest,
    responses((status = 204, description = "reinstated"), (status = 403, description = "`own_item`: the operator's own account", body = ErrorBody), (status = 409, description = "`not_suspended`; `not_a_provider`; `account_closed`: the provider closed its account", body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn reinstate(
    State(state): State<AppState>,
    Reviewer(reviewer): Reviewer,
    ApiPath(account_id): ApiPath<String>,
    ApiJson(req): ApiJson<ReasonRequest>,
) -> Result<StatusCode, ApiError> {
    set_suspended(&state, &reviewer, &account_id, false, req).await
}

/// Suspends or reinstates: the same action, told apart by `suspended`.
async fn set_suspended(
    state: &AppState,
    reviewer: &Authenticated,
    account_id: &str,
    suspended: bool,
    req: ReasonRequest,
) -> Result<StatusCode, ApiError> {
    let reason = req.reason.as_deref();
    providers::set_suspended(&state.ctx, &reviewer.account, account_id, suspended, reason).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn list_of(which: &str) -> Result<CatalogList, ApiError> {
    match which {
        "categories" => Ok(CatalogList::Categories),
        "service-types" => Ok(CatalogList::ServiceTypes),
        _ => Err(ApiError::not_found()),
    }
}

/// Adds a category (`/categories`) or service type (`/service-types`).
#[utoipa::path(post, operation_id = "providers_catalog_add", path = "/api/v1/review/catalog/{list}", tag = "operators",
    params(("list" = String, Path, description = "`categories` or `service-types`")), request_body = CatalogForm,
    responses((status = 201, description = "added"), (status = 409, description = "`slug_taken`", body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn catalog_add(
    State(state): State<AppState>,
    Reviewer(reviewer): Reviewer,
    ApiPath(list): ApiPath<String>,
    ApiJson(form): ApiJson<CatalogForm>,
) -> Result<StatusCode, ApiError> {
    catalog::add(&state.ctx, &reviewer.account, list_of(&list)?, &form).await?;
    Ok(StatusCode::CREATED)
}

/// Renames an entry.
#[utoipa::path(put, operation_id = "providers_catalog_rename", path = "/api/v1/review/catalog/{list}/{slug}", tag = "operators",
    params(("list" = String, Path), ("slug" = String, Path)), request_body = CatalogNames,
    responses((status = 204, description = "renamed"), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn catalog_rename(
    State(state): State<AppState>,
    Reviewer(reviewer): Reviewer,
    ApiPath((list, slug)): ApiPath<(String, String)>,
    ApiJson(names): ApiJson<CatalogNames>,
) -> Result<StatusCode, ApiError> {
    let form = CatalogForm::from(names);
    catalog::rename(&state.ctx, &reviewer.account, list_of(&list)?, &slug, &form).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Retires an entry: it can no longer be chosen; existing products keep it.
#[utoipa::path(post, operation_id = "providers_catalog_retire", path = "/api/v1/review/catalog/{list}/{slug}/retire", tag = "operators",
    params(("list" = String, Path), ("slug" = String, Path)),
    responses((status = 204, description = "retired"), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn catalog_retire(
    State(state): State<AppState>,
    Reviewer(reviewer): Reviewer,
    ApiPath((list, slug)): ApiPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    set_retired(&state, &reviewer, &list, &slug, true).await
}

/// Restores a retired entry.
#[utoipa::path(post, operation_id = "providers_catalog_restore", path = "/api/v1/review/catalog/{list}/{slug}/restore", tag = "operators",
    params(("list" = String, Path), ("slug" = String, Path)),
    responses((status = 204, description = "restored"), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
pub async fn catalog_restore(
    State(state): State<AppState>,
    Reviewer(reviewer): Reviewer,
    ApiPath((list, slug)): ApiPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    set_retired(&state, &reviewer, &list, &slug, false).await
}

/// Retires or restores: the same action, told apart by `retired`.
async fn set_retired(
    state: &AppState,
    reviewer: &Authenticated,
    list: &str,
    slug: &str,
    retired: bool,
) -> Result<StatusCode, ApiError> {
    catalog::set_retired(&state.ctx, &reviewer.account, list_of(list)?, slug, retired).await?;
    Ok(StatusCode::NO_CONTENT)
}
