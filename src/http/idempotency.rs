//! `Idempotency-Key` on state-changing POSTs: a repeat with the same key and body returns the
//! first (successful) answer and changes nothing; the same key with another body is refused.
//! Answers are stored encrypted (a log-in answer carries a token) and kept for a day.

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::auth::{cookie, SESSION_COOKIE};
use super::error::ApiError;
use super::AppState;
use crate::crypto::sha256_hex;
use crate::store::idempotency::{self, StoredAnswer};
use crate::time_util::now_ms;

const HEADER: &str = "idempotency-key";
const MAX_STORED_RESPONSE: usize = 1024 * 1024;

pub async fn replay(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let Some(key) = req.headers().get(HEADER) else {
        return next.run(req).await;
    };
    let key = match key.to_str() {
        Ok(k) if !k.is_empty() && k.len() <= 255 => k.to_string(),
        _ => return ApiError::field("Idempotency-Key", "length").into_response(),
    };
    // The key is scoped to the caller's credentials and the path.
    let principal = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| cookie(req.headers(), SESSION_COOKIE).map(str::to_string))
        .unwrap_or_default();
    let scope = sha256_hex(format!("{principal}\n{}\n{key}", req.uri().path()).as_bytes());
    let (parts, body) = req.into_parts();
    let bytes = match to_bytes(body, state.config.max_body_bytes.max(11 * 1024 * 1024)).await {
        Ok(b) => b,
        Err(_) => return ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large").into_response(),
    };
    let request_hash = sha256_hex(&bytes);
    let context = format!("idempotency_keys.response:{scope}");
    match idempotency::find(&state.ctx.db, &scope).await {
        Ok(Some(stored)) if stored.request_hash == request_hash => {
            let Ok(body) = state.ctx.key.decrypt(&context, &stored.response) else {
                return ApiError::internal().into_response();
            };
            let status = StatusCode::from_u16(stored.status as u16).unwrap_or(StatusCode::OK);
            let mut resp = Response::new(Body::from(body.to_vec()));
            *resp.status_mut() = status;
            resp.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            resp.headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            return resp;
        }
        Ok(Some(_)) => {
            return ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused")
                .into_response();
        }
        Ok(None) => {}
        Err(e) => return ApiError::from(e).into_response(),
    }
    let resp = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    if !resp.status().is_success() {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_STORED_RESPONSE).await else {
        return ApiError::internal().into_response();
    };
    let answer = StoredAnswer {
        request_hash,
        status: i64::from(parts.status.as_u16()),
        response: state.ctx.key.encrypt(&context, &bytes),
    };
    if let Err(e) = idempotency::insert(&state.ctx.db, &scope, &answer, now_ms()).await {
        tracing::warn!(error = %e, "idempotency: could not store the answer");
    }
    Response::from_parts(parts, Body::from(bytes))
}
