//! `/api/v1/review/reasons`: the reason library. Staff read it; admins add, edit and retire.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::review::QueueKind;
use crate::domain::reason_library::{LibraryReason, NewReasonForm, ReasonChangeForm};
use crate::http::auth::Reviewer;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{ApiPath, ApiQuery};
use crate::http::json::ApiJson;
use crate::http::state::AppState;
use crate::workflows::reasons;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReasonParams {
    /// Only the reasons for items of this kind.
    #[param(value_type = Option<QueueKind>, inline)]
    pub kind: Option<String>,
    /// Retired reasons too (they are not offered on decisions any more).
    pub include_retired: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReasonList {
    pub items: Vec<LibraryReason>,
}

/// The reason library, by kind and code.
#[utoipa::path(get, operation_id = "review_reasons", path = "/api/v1/review/reasons", tag = "operators",
    params(ReasonParams),
    responses((status = 200, body = ReasonList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    Reviewer(staff): Reviewer,
    ApiQuery(p): ApiQuery<ReasonParams>,
) -> Result<Json<ReasonList>, ApiError> {
    let items = reasons::list(
        &state.ctx,
        &staff.account,
        p.kind.as_deref(),
        p.include_retired.unwrap_or(false),
    )
    .await?;
    Ok(Json(ReasonList { items }))
}

/// Admins: adds a reason. `409 code_taken` when the code exists (retired codes too: a code keeps
/// its meaning on old decisions).
#[utoipa::path(post, operation_id = "review_reason_add", path = "/api/v1/review/reasons", tag = "operators",
    request_body = NewReasonForm,
    responses((status = 201, body = LibraryReason), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, description = "admins only", body = ErrorBody),
        (status = 409, description = "`code_taken`", body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn add(
    State(state): State<AppState>,
    Reviewer(staff): Reviewer,
    ApiJson(form): ApiJson<NewReasonForm>,
) -> Result<(StatusCode, Json<LibraryReason>), ApiError> {
    let added = reasons::add(&state.ctx, &staff.account, &form).await?;
    Ok((StatusCode::CREATED, Json(added)))
}

/// Admins: edits a reason's texts or field, retires it (`retired: true`) or restores it.
#[utoipa::path(patch, operation_id = "review_reason_change", path = "/api/v1/review/reasons/{code}", tag = "operators",
    params(("code" = String, Path)), request_body = ReasonChangeForm,
    responses((status = 200, body = LibraryReason), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, description = "admins only", body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn change(
    State(state): State<AppState>,
    Reviewer(staff): Reviewer,
    ApiPath(code): ApiPath<String>,
    ApiJson(form): ApiJson<ReasonChangeForm>,
) -> Result<Json<LibraryReason>, ApiError> {
    Ok(Json(
        reasons::change(&state.ctx, &staff.account, &code, &form).await?,
    ))
}
