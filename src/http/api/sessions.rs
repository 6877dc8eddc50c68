//! `/api/v1/sessions`: log in (a token, and the same session as a cookie) and log out.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{AppendHeaders, IntoResponse};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::AccountBody;
use crate::http::auth::{self, Authenticated};
use crate::http::client::ClientAddr;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::json::ApiJson;
use crate::http::AppState;
use crate::workflows::accounts;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[schema(value_type = String, format = Email, max_length = 254)]
    pub email: Option<String>,
    #[schema(value_type = String, min_length = 1)]
    pub password: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionBody {
    /// Send as `Authorization: Bearer <token>`. Shown once; only its hash is stored.
    pub token: String,
    /// For cookie clients: send as `X-CSRF-Token` on state-changing requests.
    pub csrf_token: String,
    pub account: AccountBody,
}

/// Logs in. A new token on every log-in; the session cookie is set too.
#[utoipa::path(post, operation_id = "sessions_create", path = "/api/v1/sessions", tag = "sessions", request_body = LoginRequest,
    responses(
        (status = 201, body = SessionBody),
        (status = 401, description = "`invalid_credentials`", body = ErrorBody),
        (status = 403, description = "`account_not_activated`", body = ErrorBody),
        (status = 429, description = "`rate_limited` after repeated wrong passwords", body = ErrorBody),
        (status = 503, description = "`busy`: too many passwords being hashed", body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let replaces = auth::presented_token_hash(&headers, state.cookies());
    let session = accounts::login(
        &state.ctx,
        req.email.as_deref(),
        req.password.as_deref(),
        replaces.as_deref(),
        &client,
    )
    .await?;
    let token_hash = crate::crypto::sha256_hex(session.token.as_bytes());
    let cookie = state.cookies().session_cookie(
        &session.token,
        i64::from(state.config.session_ttl_hours) * 3600,
    );
    Ok((
        StatusCode::CREATED,
        AppendHeaders([(header::SET_COOKIE, cookie)]),
        Json(SessionBody {
            csrf_token: auth::csrf_token(&state.ctx.key, &token_hash),
            token: session.token,
            account: AccountBody::from(&session.account),
        }),
    ))
}

/// Logs out: the session is deleted and the cookie cleared.
#[utoipa::path(delete, operation_id = "sessions_delete_current", path = "/api/v1/sessions/current", tag = "sessions",
    responses((status = 204, description = "logged out"), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete_current(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<impl IntoResponse, ApiError> {
    accounts::logout(&state.ctx, &auth.token_hash, &auth.account.id).await?;
    Ok((
        StatusCode::NO_CONTENT,
        AppendHeaders([(header::SET_COOKIE, state.cookies().clear_session_cookie())]),
    ))
}
