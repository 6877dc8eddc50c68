//! `/api/v1/me/application…`: the move-in (partner) application.

use axum::extract::State;
use axum::Json;

use crate::domain::application::ApplicationForm;
use crate::http::auth::Authenticated;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::json::ApiJson;
use crate::http::state::AppState;
use crate::workflows::application::{self, ApplicationView};

/// The application: data, status, reasons, submissions.
#[utoipa::path(get, operation_id = "application_show", path = "/api/v1/me/application", tag = "application",
    responses((status = 200, body = ApplicationView), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn show(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<Json<ApplicationView>, ApiError> {
    Ok(Json(application::view(&state.ctx, &auth.account).await?))
}

/// Saves the draft; `409 enterprise_verification_required` (with `due`) until verified.
#[utoipa::path(put, operation_id = "application_save", path = "/api/v1/me/application", tag = "application", request_body = ApplicationForm,
    responses(
        (status = 200, body = ApplicationView),
        (status = 409, description = "`enterprise_verification_required`, `already_submitted`", body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn save(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(form): ApiJson<ApplicationForm>,
) -> Result<Json<ApplicationView>, ApiError> {
    Ok(Json(
        application::save_draft(&state.ctx, &auth.account, &form).await?,
    ))
}

/// Submits the application for review.
#[utoipa::path(post, operation_id = "application_submit", path = "/api/v1/me/application/submit", tag = "application",
    responses(
        (status = 200, body = ApplicationView),
        (status = 409, body = ErrorBody),
        (status = 422, description = "every missing field", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn submit(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<Json<ApplicationView>, ApiError> {
    Ok(Json(application::submit(&state.ctx, &auth.account).await?))
}
