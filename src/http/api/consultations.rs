//! Contact us: `POST /api/v1/consultations` (public, limited per client address) and the
//! operators' consultation queue.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::page_limit;
use crate::http::auth::Reviewer;
use crate::http::client::ClientAddr;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::json::ApiJson;
use crate::http::{request_lang, AppState};
use crate::workflows::consultations::{self, ConsultationForm, ConsultationView};

#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    pub id: String,
    /// Quote it in any follow-up.
    pub reference: String,
}

/// Sends a consultation; the reference is shown and mailed.
#[utoipa::path(post, path = "/api/v1/consultations", tag = "contact", request_body = ConsultationForm,
    responses((status = 201, body = Created), (status = 422, body = ErrorBody), (status = 429, description = "`rate_limited`", body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    ApiJson(form): ApiJson<ConsultationForm>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let view = consultations::create(&state.ctx, &form, request_lang(&headers), &client).await?;
    Ok((
        StatusCode::CREATED,
        Json(Created {
            id: view.id,
            reference: view.reference,
        }),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// `open` or `replied`.
    pub status: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsultationPage {
    pub items: Vec<ConsultationView>,
    pub next_cursor: Option<String>,
}

/// The consultation queue, oldest first.
#[utoipa::path(get, path = "/api/v1/review/consultations", tag = "operators", params(ListParams),
    responses((status = 200, body = ConsultationPage), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    _reviewer: Reviewer,
    params: Result<Query<ListParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<ConsultationPage>, ApiError> {
    let Query(p) = params.map_err(|_| ApiError::field("query", "invalid_type"))?;
    let limit = page_limit(p.limit)?;
    let (items, next_cursor) = consultations::list(
        &state.ctx,
        p.status.as_deref().filter(|s| !s.is_empty()),
        p.cursor.as_deref().filter(|s| !s.is_empty()),
        limit,
    )
    .await?;
    Ok(Json(ConsultationPage { items, next_cursor }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplyRequest {
    pub message: Option<String>,
}

/// Replies to a consultation; the reply is mailed.
#[utoipa::path(post, path = "/api/v1/review/consultations/{id}/reply", tag = "operators", params(("id" = String, Path)),
    request_body = ReplyRequest,
    responses((status = 200, body = ConsultationView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn reply(
    State(state): State<AppState>,
    Reviewer(reviewer): Reviewer,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<ReplyRequest>,
) -> Result<Json<ConsultationView>, ApiError> {
    Ok(Json(
        consultations::reply(&state.ctx, &reviewer.account, &id, req.message.as_deref()).await?,
    ))
}
