//! `Idempotency-Key` on state-changing POSTs: a repeat with the same key and body returns the
//! first (successful) answer and changes nothing; the same key with another body is refused;
//! a repeat sent while the first is still at work is `409 idempotency_key_in_progress` (the key
//! is taken before the request runs). A refused request frees its key.
//!
//! Who asks is settled first: a request with credentials that do not authenticate (a session
//! that ended, a bad token, a cookie without its CSRF token) goes on to its handler untouched and
//! is refused there, so a logged-out session never gets a replay, and nothing of an
//! unauthenticated body is held beyond the JSON limit. Answers are scoped to the account (or,
//! anonymously, to the client) and the path, and kept for a day.

use axum::body::{to_bytes, Body};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::auth::{presented_token, Authenticated};
use super::client::client_of;
use super::error::ApiError;
use crate::crypto::sha256_hex;
use crate::http::state::AppState;
use crate::http::upload::UPLOAD_BODY_LIMIT;
use crate::workflows::idempotency::{self, Recall};

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
    let (mut parts, body) = req.into_parts();
    let has_credentials = presented_token(&parts.headers, state.cookies())
        .ok()
        .flatten()
        .is_some()
        || parts.headers.contains_key(header::AUTHORIZATION);
    let (principal, limit) = if has_credentials {
        match Authenticated::from_request_parts(&mut parts, &state).await {
            Ok(auth) => (
                format!("account:{}", auth.account.id),
                body_limit(&parts, &state),
            ),
            Err(_) => return next.run(Request::from_parts(parts, body)).await,
        }
    } else {
        let client = client_of(&parts, &state);
        (
            format!("client:{}", client.bucket()),
            state.config.max_body_bytes,
        )
    };
    let scope = sha256_hex(format!("{principal}\n{}\n{key}", parts.uri.path()).as_bytes());
    let bytes = match to_bytes(body, limit).await {
        Ok(b) => b,
        Err(_) => {
            let mut resp =
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large").into_response();
            resp.headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            return resp;
        }
    };
    let request_hash = sha256_hex(&bytes);
    match idempotency::recall(&state.ctx, &scope, &request_hash).await {
        Ok(Recall::Replay { status, body }) => {
            let mut resp = Response::new(Body::from(body));
            *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            resp.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            resp.headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            return resp;
        }
        Ok(Recall::Reused) => {
            return ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused")
                .into_response();
        }
        Ok(Recall::InProgress) => {
            let mut resp =
                ApiError::new(StatusCode::CONFLICT, "idempotency_key_in_progress").into_response();
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            return resp;
        }
        Ok(Recall::New) => {}
        Err(e) => return ApiError::from(e).into_response(),
    }
    let resp = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    if !resp.status().is_success() {
        forget(&state, &scope).await;
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_STORED_RESPONSE).await else {
        forget(&state, &scope).await;
        return ApiError::internal().into_response();
    };
    if let Err(e) = idempotency::remember(&state.ctx, &scope, parts.status.as_u16(), &bytes).await {
        tracing::warn!(error = %e, "idempotency: could not store the answer");
        forget(&state, &scope).await;
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Frees the key of a request that was refused (a database hiccup here leaves the claim to
/// lapse after a minute).
async fn forget(state: &AppState, scope: &str) {
    if let Err(e) = idempotency::forget(&state.ctx, scope).await {
        tracing::warn!(error = %e, "idempotency: could not free the key");
    }
}

/// Uploads (multipart) of a signed-in account may be as large as an upload; everything else is
/// held to the JSON limit.
fn body_limit(parts: &axum::http::request::Parts, state: &AppState) -> usize {
    let multipart = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().starts_with("multipart/form-data"));
    if multipart {
        UPLOAD_BODY_LIMIT
    } else {
        state.config.max_body_bytes
    }
}
