//! `/api/v1/agreements…`: the provider agreement's versions (public), a provider's acceptance
//! (`/api/v1/me/agreement`) and publishing a version (admins, `/api/v1/review/agreements`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;

use crate::http::auth::{Authenticated, Reviewer};
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::ApiPath;
use crate::http::json::ApiJson;
use crate::http::state::AppState;
use crate::workflows::agreements::{self, AcceptForm, AcceptedView, AgreementView, PublishForm};

/// The provider agreement in force: its version, the day it took effect, its text in both
/// languages (Markdown).
#[utoipa::path(get, operation_id = "agreement_current", path = "/api/v1/agreements/current", tag = "agreements",
    responses((status = 200, body = AgreementView), (status = 404, body = ErrorBody)))]
pub async fn current(State(state): State<AppState>) -> Result<Json<AgreementView>, ApiError> {
    Ok(Json(agreements::current(&state.ctx).await?))
}

/// One version of the provider agreement, in force, earlier or upcoming.
#[utoipa::path(get, operation_id = "agreement_show", path = "/api/v1/agreements/{version}", tag = "agreements",
    params(("version" = String, Path, description = "`YYYY-MM`", example = "2026-01")),
    responses((status = 200, body = AgreementView), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    ApiPath(version): ApiPath<String>,
) -> Result<Json<AgreementView>, ApiError> {
    Ok(Json(agreements::get(&state.ctx, &version).await?))
}

/// A provider accepts a version: the one in force, or the newer one published to take effect
/// later (accept it before its day). Kept with the time and audited; accepting again answers the
/// first acceptance.
#[utoipa::path(post, operation_id = "agreement_accept", path = "/api/v1/me/agreement", tag = "agreements",
    request_body = AcceptForm,
    responses((status = 200, body = AcceptedView),
        (status = 403, description = "`forbidden`: provider accounts only", body = ErrorBody),
        (status = 422, description = "field `version`: `required`, `agreement_outdated` (with the version in force)", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn accept(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(form): ApiJson<AcceptForm>,
) -> Result<Json<AcceptedView>, ApiError> {
    Ok(Json(
        agreements::accept(&state.ctx, &auth.account, &form).await?,
    ))
}

/// Admins: publishes a version. Every provider is mailed in its language with the summary and
/// the day; from that day on a provider that has not accepted it cannot submit products.
#[utoipa::path(post, operation_id = "agreement_publish", path = "/api/v1/review/agreements", tag = "agreements",
    request_body = PublishForm,
    responses((status = 201, body = AgreementView),
        (status = 403, description = "`role_required`: admins only", body = ErrorBody),
        (status = 422, description = "fields `version` (`required`, `invalid_version`, `version_not_newer`), `effective_at` (`required`, `invalid_date`, `date_in_past`, `not_after_latest`), `summary`, `text_markdown.zh-CN`, `text_markdown.en` (`required`, `too_long`, `charset`)", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn publish(
    State(state): State<AppState>,
    Reviewer(admin): Reviewer,
    ApiJson(form): ApiJson<PublishForm>,
) -> Result<(StatusCode, Json<AgreementView>), ApiError> {
    let v = agreements::publish(&state.ctx, &admin.account, &form).await?;
    Ok((StatusCode::CREATED, Json(v)))
}
