//! `/api/v1/webhooks…`: endpoints that receive events (operators: marketplace-wide; a provider:
//! its own), their secrets, their delivery log, a test event and a replay (docs/EVENTS.md). A
//! session, or an API token with `webhooks:write`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::page_limit;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{ApiPath, ApiQuery};
use crate::http::json::ApiJson;
use crate::http::scoped::{Scoped, WebhooksWrite};
use crate::http::state::AppState;
use crate::workflows::webhooks::{
    self, DeliveryView, TestQueued, WebhookForm, WebhookView, WebhookWithSecret,
};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// 1–200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    #[param(max_length = 64)]
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DeliveryQuery {
    /// 1–200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^[0-9]{1,18}$")]
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookList {
    pub items: Vec<WebhookView>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryList {
    /// Newest first.
    pub items: Vec<DeliveryView>,
    pub next_cursor: Option<String>,
}

/// Registers an endpoint. The answer holds its signing secret, shown this once.
#[utoipa::path(post, operation_id = "webhooks_create", path = "/api/v1/webhooks", tag = "events", request_body = WebhookForm,
    responses((status = 201, body = WebhookWithSecret),
        (status = 403, description = "`provider_access_required` (or not staff); `insufficient_scope`: a token without `webhooks:write`", body = ErrorBody),
        (status = 422, description = "field `url` for a refused address, `event_types` for an unknown type", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    caller: Scoped<WebhooksWrite>,
    ApiJson(form): ApiJson<WebhookForm>,
) -> Result<(StatusCode, Json<WebhookWithSecret>), ApiError> {
    let created = webhooks::create(&state.ctx, caller.account(), &form).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// The endpoints the caller owns.
#[utoipa::path(get, operation_id = "webhooks_list", path = "/api/v1/webhooks", tag = "events", params(PageQuery),
    responses((status = 200, body = WebhookList), (status = 403, description = "`insufficient_scope`: a token without `webhooks:write`", body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    caller: Scoped<WebhooksWrite>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<WebhookList>, ApiError> {
    let limit = page_limit(q.limit)?;
    let after = q.cursor.unwrap_or_default();
    if after.chars().count() > 64 {
        return Err(ApiError::field("cursor", "too_long"));
    }
    let mut items = webhooks::list(&state.ctx, caller.account(), &after, limit + 1).await?;
    let more = items.len() as i64 > limit;
    items.truncate(limit as usize);
    let next_cursor = more.then(|| items.last().map(|w| w.id.clone())).flatten();
    Ok(Json(WebhookList { items, next_cursor }))
}

/// One endpoint (someone else's is not found).
#[utoipa::path(get, operation_id = "webhooks_show", path = "/api/v1/webhooks/{id}", tag = "events", params(("id" = String, Path)),
    responses((status = 200, body = WebhookView), (status = 403, description = "`insufficient_scope`: a token without `webhooks:write`", body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn show(
    State(state): State<AppState>,
    caller: Scoped<WebhooksWrite>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<WebhookView>, ApiError> {
    Ok(Json(
        webhooks::get(&state.ctx, caller.account(), &id).await?,
    ))
}

/// Changes the address, the event types, or switches the endpoint on or off.
#[utoipa::path(patch, operation_id = "webhooks_update", path = "/api/v1/webhooks/{id}", tag = "events", params(("id" = String, Path)),
    request_body = WebhookForm,
    responses((status = 200, body = WebhookView), (status = 403, description = "`insufficient_scope`: a token without `webhooks:write`", body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn update(
    State(state): State<AppState>,
    caller: Scoped<WebhooksWrite>,
    ApiPath(id): ApiPath<String>,
    ApiJson(form): ApiJson<WebhookForm>,
) -> Result<Json<WebhookView>, ApiError> {
    Ok(Json(
        webhooks::update(&state.ctx, caller.account(), &id, &form).await?,
    ))
}

/// Deletes the endpoint and its delivery log.
#[utoipa::path(delete, operation_id = "webhooks_delete", path = "/api/v1/webhooks/{id}", tag = "events", params(("id" = String, Path)),
    responses((status = 204, description = "deleted"), (status = 403, description = "`insufficient_scope`: a token without `webhooks:write`", body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Scoped<WebhooksWrite>,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    webhooks::delete(&state.ctx, caller.account(), &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A new signing secret, shown once; the old one keeps signing beside it for 24 hours.
#[utoipa::path(post, operation_id = "webhooks_rotate_secret", path = "/api/v1/webhooks/{id}/rotate-secret", tag = "events", params(("id" = String, Path)),
    responses((status = 200, body = WebhookWithSecret), (status = 403, description = "`insufficient_scope`: a token without `webhooks:write`", body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn rotate_secret(
    State(state): State<AppState>,
    caller: Scoped<WebhooksWrite>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<WebhookWithSecret>, ApiError> {
    Ok(Json(
        webhooks::rotate_secret(&state.ctx, caller.account(), &id).await?,
    ))
}

/// The delivery log, newest first: status, attempts, the receiver's answer and latency.
#[utoipa::path(get, operation_id = "webhooks_deliveries", path = "/api/v1/webhooks/{id}/deliveries", tag = "events",
    params(("id" = String, Path), DeliveryQuery),
    responses((status = 200, body = DeliveryList), (status = 403, description = "`insufficient_scope`: a token without `webhooks:write`", body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn deliveries(
    State(state): State<AppState>,
    caller: Scoped<WebhooksWrite>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<DeliveryQuery>,
) -> Result<Json<DeliveryList>, ApiError> {
    let limit = page_limit(q.limit)?;
    let before = match q.cursor.as_deref() {
        None => i64::MAX,
        Some(c) => Some(c)
            .filter(|c| !c.is_empty() && c.len() <= 18 && c.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|c| c.parse::<i64>().ok())
            .ok_or_else(|| ApiError::field("cursor", "invalid_type"))?,
    };
    let mut items =
        webhooks::deliveries(&state.ctx, caller.account(), &id, before, limit + 1).await?;
    let more = items.len() as i64 > limit;
    items.truncate(limit as usize);
    let next_cursor = more
        .then(|| items.last().map(|d| d.seq.to_string()))
        .flatten();
    Ok(Json(DeliveryList { items, next_cursor }))
}

/// Sends a `webhook.test` event to this endpoint only (also while it is switched off).
#[utoipa::path(post, operation_id = "webhooks_test", path = "/api/v1/webhooks/{id}/test", tag = "events", params(("id" = String, Path)),
    responses((status = 202, body = TestQueued), (status = 403, description = "`insufficient_scope`: a token without `webhooks:write`", body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn test(
    State(state): State<AppState>,
    caller: Scoped<WebhooksWrite>,
    ApiPath(id): ApiPath<String>,
) -> Result<(StatusCode, Json<TestQueued>), ApiError> {
    let queued = webhooks::send_test(&state.ctx, caller.account(), &id).await?;
    Ok((StatusCode::ACCEPTED, Json(queued)))
}

/// Sends a delivered or given-up event again (a new attempt on the same delivery).
#[utoipa::path(post, operation_id = "webhooks_replay", path = "/api/v1/webhooks/{id}/deliveries/{delivery_id}/replay", tag = "events",
    params(("id" = String, Path), ("delivery_id" = String, Path)),
    responses((status = 200, body = DeliveryView), (status = 403, description = "`insufficient_scope`: a token without `webhooks:write`", body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "`delivery_pending` (still being sent), `event_expired` (past retention)", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn replay(
    State(state): State<AppState>,
    caller: Scoped<WebhooksWrite>,
    ApiPath((id, delivery_id)): ApiPath<(String, String)>,
) -> Result<Json<DeliveryView>, ApiError> {
    Ok(Json(
        webhooks::replay(&state.ctx, caller.account(), &id, &delivery_id).await?,
    ))
}
