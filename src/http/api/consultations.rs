//! Contact us: `POST /api/v1/consultations` (public, limited per client address) and the
//! operators' consultation queue.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::page_limit;
use crate::http::auth::Reviewer;
use crate::http::client::ClientAddr;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{ApiPath, ApiQuery};
use crate::http::json::ApiJson;
use crate::http::language::request_lang;
use crate::http::state::AppState;
use crate::workflows::consultations::{self, ConsultationForm, ConsultationView};

#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    pub id: String,
    /// Quote it in any follow-up.
    pub reference: String,
}

/// Sends a consultation; the reference is shown and mailed.
#[utoipa::path(post, operation_id = "consultations_create", path = "/api/v1/consultations", tag = "contact", request_body = ConsultationForm,
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
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// `open` or `replied`.
    #[param(value_type = Option<ConsultationStatus>, inline)]
    pub status: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^[0-9]{1,15}_[0-9A-Za-z-]{1,64}$")]
    pub cursor: Option<String>,
}

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum ConsultationStatus {
    Open,
    Replied,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsultationPage {
    pub items: Vec<ConsultationView>,
    pub next_cursor: Option<String>,
}

/// The consultation queue, oldest first.
#[utoipa::path(get, operation_id = "consultations_list", path = "/api/v1/review/consultations", tag = "operators", params(ListParams),
    responses((status = 200, body = ConsultationPage), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    _reviewer: Reviewer,
    ApiQuery(p): ApiQuery<ListParams>,
) -> Result<Json<ConsultationPage>, ApiError> {
    let limit = page_limit(p.limit)?;
    let (items, next_cursor) =
        consultations::list(&state.ctx, p.status.as_deref(), p.cursor.as_deref(), limit).await?;
    Ok(Json(ConsultationPage { items, next_cursor }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplyRequest {
    #[schema(value_type = String, max_length = 5000, pattern = r"^[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000](?:[^\x00-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000])?[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$")]
    pub message: Option<String>,
}

/// Replies to a consultation; the reply is mailed.
#[utoipa::path(post, operation_id = "consultations_reply", path = "/api/v1/review/consultations/{id}/reply", tag = "operators", params(("id" = String, Path)),
    request_body = ReplyRequest,
    responses((status = 200, body = ConsultationView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn reply(
    State(state): State<AppState>,
    Reviewer(reviewer): Reviewer,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<ReplyRequest>,
) -> Result<Json<ConsultationView>, ApiError> {
    Ok(Json(
        consultations::reply(&state.ctx, &reviewer.account, &id, req.message.as_deref()).await?,
    ))
}
