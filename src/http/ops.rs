//! Operational endpoints: liveness, readiness (the database answers), Prometheus metrics (local
//! or with a token only).

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::error::ApiError;
use crate::http::state::AppState;
use crate::workflows::housekeeping;

/// The process is up.
pub async fn healthz() -> impl IntoResponse {
    (StatusCode::OK, Json(json!({"status": "ok"})))
}

/// The process can serve: the database and the file store answer.
pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    match housekeeping::ready(&state.ctx).await {
        Ok(()) => (StatusCode::OK, Json(json!({"status": "ready"}))),
        Err(what) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": what})),
        ),
    }
}

/// Prometheus text exposition, for loopback clients that came through no proxy, or anyone with
/// `Authorization: Bearer <metrics_token>`.
pub async fn metrics(State(state): State<AppState>, req: axum::extract::Request) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    if !metrics_allowed(&state, peer, req.headers()) {
        return ApiError::forbidden().into_response();
    }
    if let Ok(n) = housekeeping::mail_pending(&state.ctx).await {
        state.metrics.outbox_pending.set(n);
    }
    if let Ok(n) = housekeeping::webhook_deliveries_pending(&state.ctx).await {
        state.metrics.webhook_deliveries_pending.set(n);
    }
    if let Ok(counts) = crate::workflows::deadlines::overdue_counts(&state.ctx).await {
        for (kind, n) in counts {
            state
                .metrics
                .review_overdue
                .get_or_create(&crate::http::metrics::KindLabels {
                    kind: kind.to_string(),
                })
                .set(n);
        }
    }
    let shown = &state.ctx.storefront;
    state
        .metrics
        .storefront_products
        .set(i64::try_from(shown.len()).unwrap_or(i64::MAX));
    state.metrics.storefront_generation.set(shown.generation());
    state
        .metrics
        .storefront_index_bytes
        .set(i64::try_from(shown.heap_bytes()).unwrap_or(i64::MAX));
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.encode(),
    )
        .into_response()
}

fn metrics_allowed(state: &AppState, peer: Option<SocketAddr>, headers: &HeaderMap) -> bool {
    if let Some(token) = state.config.metrics_token.as_deref() {
        let sent = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        if crate::crypto::constant_time_eq(sent.as_bytes(), token.as_bytes()) {
            return true;
        }
    }
    // A proxy on the same machine connects from loopback too: what it forwards is not local.
    let forwarded = ["x-forwarded-for", "forwarded", "x-real-ip"]
        .iter()
        .any(|h| headers.contains_key(*h));
    peer.is_some_and(|p| p.ip().to_canonical().is_loopback()) && !forwarded
}
