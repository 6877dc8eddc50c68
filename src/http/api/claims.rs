//! `/api/v1/review/items/{id}/claim`, `/release`, `/assign`: who works on an item.

use axum::extract::State;
use axum::Json;

use crate::http::auth::Reviewer;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::ApiPath;
use crate::http::json::ApiJson;
use crate::http::state::AppState;
use crate::workflows::claims::{self, AssignForm, ClaimView};

/// Claims a pending item for `review.claim_minutes` (claiming it again extends the claim).
/// `409 already_claimed` names the holder (`claimed_by`, `claimed_until`).
#[utoipa::path(post, operation_id = "review_claim", path = "/api/v1/review/items/{id}/claim", tag = "operators",
    params(("id" = String, Path)),
    responses((status = 200, body = ClaimView),
        (status = 403, description = "`forbidden`; `own_item`: the reviewer's own account", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`already_claimed`: another holds it (`claimed_by`, `claimed_until`); `stale_version`: decided meanwhile; `account_closed`: the provider closed its account", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn claim(
    State(state): State<AppState>,
    Reviewer(reviewer): Reviewer,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ClaimView>, ApiError> {
    Ok(Json(
        claims::claim(&state.ctx, &reviewer.account, &id).await?,
    ))
}

/// Lets go of an item the reviewer holds (an admin: whoever holds it).
#[utoipa::path(post, operation_id = "review_release", path = "/api/v1/review/items/{id}/release", tag = "operators",
    params(("id" = String, Path)),
    responses((status = 200, body = ClaimView),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`already_claimed`: another holds it", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn release(
    State(state): State<AppState>,
    Reviewer(reviewer): Reviewer,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ClaimView>, ApiError> {
    Ok(Json(
        claims::release(&state.ctx, &reviewer.account, &id).await?,
    ))
}

/// Admins: gives a pending item to a named reviewer, whoever held it (audited).
#[utoipa::path(post, operation_id = "review_assign", path = "/api/v1/review/items/{id}/assign", tag = "operators",
    params(("id" = String, Path)), request_body = AssignForm,
    responses((status = 200, body = ClaimView),
        (status = 403, description = "`forbidden`: admins only", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`stale_version`: decided meanwhile; `account_closed`: the provider closed its account", body = ErrorBody),
        (status = 422, description = "field `reviewer`: `required`, `not_a_reviewer`", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn assign(
    State(state): State<AppState>,
    Reviewer(admin): Reviewer,
    ApiPath(id): ApiPath<String>,
    ApiJson(form): ApiJson<AssignForm>,
) -> Result<Json<ClaimView>, ApiError> {
    Ok(Json(
        claims::assign(&state.ctx, &admin.account, &id, &form).await?,
    ))
}
