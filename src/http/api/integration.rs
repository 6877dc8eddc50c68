//! The SaaS integration (docs/INTEGRATION.md): the provider's integration key, and the
//! integration tests of a product's callback URL.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::http::auth::Authenticated;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::ApiPath;
use crate::http::state::AppState;
use crate::workflows::integration_key::{self, KeyView, NewKey};
use crate::workflows::integration_test::{self, TestRecord};

/// `{"key": null}` before the first key is made.
#[derive(Debug, Serialize, ToSchema)]
pub struct KeyAnswer {
    pub key: Option<KeyView>,
}

/// The integration key as shown after it was made: when, and its last four characters.
#[utoipa::path(get, operation_id = "integration_key_show", path = "/api/v1/provider/integration-key", tag = "provider",
    responses((status = 200, body = KeyAnswer), (status = 403, description = "`provider_access_required`", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn show(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<Json<KeyAnswer>, ApiError> {
    Ok(Json(KeyAnswer {
        key: integration_key::show(&state.ctx, &auth.account).await?,
    }))
}

/// Makes the integration key, or a new one in place of the current (which keeps signing beside
/// it for 24 hours). The key is in this answer only. Earlier integration tests stop counting.
#[utoipa::path(post, operation_id = "integration_key_rotate", path = "/api/v1/provider/integration-key", tag = "provider",
    responses((status = 201, body = NewKey), (status = 403, description = "`provider_access_required`", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn rotate(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<(StatusCode, Json<NewKey>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(integration_key::rotate(&state.ctx, &auth.account).await?),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TestList {
    pub items: Vec<TestRecord>,
    pub next_cursor: Option<String>,
}

/// Runs "Test the integration": signed test calls (`createInstance`, the same again,
/// `renewInstance`, `expiredInstance`, each with `test: true`) to the product's callback URL.
/// The answer is the record, passed or failed; a failing receiver is not an error here.
#[utoipa::path(post, operation_id = "integration_tests_run", path = "/api/v1/provider/products/{id}/integration-tests", tag = "products",
    params(("id" = String, Path)),
    responses((status = 201, body = TestRecord),
        (status = 403, description = "`provider_access_required`", body = ErrorBody),
        (status = 409, description = "`not_saas`, `callback_url_required`, `integration_key_required`", body = ErrorBody),
        (status = 422, description = "`validation_failed`: the callback URL may no longer be called (field `callback_url`)", body = ErrorBody),
        (status = 429, description = "`rate_limited`: the provider ran the test `limits.integration_tests_per_provider` times (default 20 an hour); `Retry-After` says when it may run again", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn run(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiPath(id): ApiPath<String>,
) -> Result<(StatusCode, Json<TestRecord>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(integration_test::run(&state.ctx, &auth.account, &id).await?),
    ))
}

/// The product's integration test records, newest first (at most 20).
#[utoipa::path(get, operation_id = "integration_tests_list", path = "/api/v1/provider/products/{id}/integration-tests", tag = "products",
    params(("id" = String, Path)),
    responses((status = 200, body = TestList), (status = 403, description = "`provider_access_required`", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<TestList>, ApiError> {
    Ok(Json(TestList {
        items: integration_test::list(&state.ctx, &auth.account, &id).await?,
        next_cursor: None,
    }))
}
