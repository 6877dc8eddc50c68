//! `/api/v1/provider/…`: Information Management → Basic Information.

use axum::extract::State;
use axum::Json;

use crate::domain::provider::{CustomerService, CustomerServiceForm, SettlementForm};
use crate::http::auth::Authenticated;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::json::ApiJson;
use crate::http::state::AppState;
use crate::workflows::provider_info::{self, SettlementAnswer};

/// The customer-service info (404 until saved).
#[utoipa::path(get, operation_id = "provider_customer_service", path = "/api/v1/provider/customer-service", tag = "provider",
    responses(
        (status = 200, body = CustomerService),
        (status = 403, description = "`provider_access_required` with `due`", body = ErrorBody),
        (status = 404, description = "not saved yet", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn customer_service(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<Json<CustomerService>, ApiError> {
    provider_info::customer_service(&state.ctx, &auth.account)
        .await?
        .map(Json)
        .ok_or_else(ApiError::not_found)
}

/// Saves the customer-service info shown on the left of every product page.
#[utoipa::path(put, operation_id = "provider_save_customer_service", path = "/api/v1/provider/customer-service", tag = "provider", request_body = CustomerServiceForm,
    responses(
        (status = 200, body = CustomerService),
        (status = 403, description = "`provider_access_required` with `due`", body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn save_customer_service(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(form): ApiJson<CustomerServiceForm>,
) -> Result<Json<CustomerService>, ApiError> {
    Ok(Json(
        provider_info::save_customer_service(&state.ctx, &auth.account, &form).await?,
    ))
}

/// The settlement account (masked) and any change waiting for review.
#[utoipa::path(get, operation_id = "provider_settlement", path = "/api/v1/provider/settlement", tag = "provider",
    responses((status = 200, body = SettlementAnswer), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn settlement(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<Json<SettlementAnswer>, ApiError> {
    Ok(Json(
        provider_info::settlement(&state.ctx, &auth.account).await?,
    ))
}

/// Saves the settlement account; for a live provider the change is reviewed first.
#[utoipa::path(put, operation_id = "provider_save_settlement", path = "/api/v1/provider/settlement", tag = "provider", request_body = SettlementForm,
    responses(
        (status = 200, body = SettlementAnswer),
        (status = 403, description = "`provider_access_required`", body = ErrorBody),
        (status = 422, description = "`account_name_mismatch`, `validation_failed`", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn save_settlement(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(form): ApiJson<SettlementForm>,
) -> Result<Json<SettlementAnswer>, ApiError> {
    Ok(Json(
        provider_info::save_settlement(&state.ctx, &auth.account, &form).await?,
    ))
}
