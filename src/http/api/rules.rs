//! `/api/v1/review/rules…` and second looks: automatic-approval rules (admins) and the automatic
//! approvals sampled for a human second look (`workflows::auto_review`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::http::auth::Reviewer;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::ApiPath;
use crate::http::json::ApiJson;
use crate::http::state::AppState;
use crate::workflows::auto_review::{self, RuleChange, RuleView, SecondLook};

#[derive(Debug, Serialize, ToSchema)]
pub struct RuleList {
    pub items: Vec<RuleView>,
}

/// The automatic-approval rules (a fixed list, docs/STAFF.md), on or off. Admins.
#[utoipa::path(get, operation_id = "review_rules", path = "/api/v1/review/rules", tag = "operators",
    responses((status = 200, body = RuleList), (status = 403, description = "`role_required`: admins only", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    Reviewer(staff): Reviewer,
) -> Result<Json<RuleList>, ApiError> {
    Ok(Json(RuleList {
        items: auto_review::rules(&state.ctx, &staff.account).await?,
    }))
}

/// Turns a rule on or off and sets its threshold and sampled share. Admins; audited.
#[utoipa::path(put, operation_id = "review_rule_set", path = "/api/v1/review/rules/{code}", tag = "operators",
    params(("code" = String, Path, description = "`product_minor_revision` or `trusted_provider_new_product`")),
    request_body = RuleChange,
    responses(
        (status = 200, body = RuleView),
        (status = 403, description = "`role_required`: admins only", body = ErrorBody),
        (status = 404, description = "`not_found`: no rule has this code", body = ErrorBody),
        (status = 422, description = "`validation_failed`: `min_approved_products`, `sample_percent` (`out_of_range`)", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn set(
    State(state): State<AppState>,
    Reviewer(staff): Reviewer,
    ApiPath(code): ApiPath<String>,
    ApiJson(change): ApiJson<RuleChange>,
) -> Result<Json<RuleView>, ApiError> {
    Ok(Json(
        auto_review::set_rule(&state.ctx, &staff.account, &code, &change).await?,
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SecondLookList {
    pub items: Vec<SecondLook>,
}

/// Automatic approvals sampled for a human second look, oldest first.
#[utoipa::path(get, operation_id = "review_second_looks", path = "/api/v1/review/second-looks", tag = "operators",
    responses((status = 200, body = SecondLookList), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn second_looks(
    State(state): State<AppState>,
    Reviewer(staff): Reviewer,
) -> Result<Json<SecondLookList>, ApiError> {
    Ok(Json(SecondLookList {
        items: auto_review::second_looks(&state.ctx, &staff.account).await?,
    }))
}

/// Records that a person took the second look at an automatic approval (the role that decides
/// the item's kind). Audited.
#[utoipa::path(post, operation_id = "review_second_look_done", path = "/api/v1/review/items/{id}/second-look", tag = "operators",
    params(("id" = String, Path)),
    responses(
        (status = 204, description = "done"),
        (status = 403, description = "`role_required`", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`no_second_look`: the item was not waiting for one", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn second_look_done(
    State(state): State<AppState>,
    Reviewer(staff): Reviewer,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    auto_review::finish_second_look(&state.ctx, &staff.account, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
