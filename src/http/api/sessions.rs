//! `/api/v1/sessions`: log in (a token, and the same session as a cookie), the second factor's
//! step, a step-up before a sensitive action, and log out.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{AppendHeaders, IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::AccountBody;
use crate::http::auth::{self, AnySession, Authenticated};
use crate::http::client::ClientAddr;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::json::ApiJson;
use crate::http::state::AppState;
use crate::time_util::rfc3339;
use crate::workflows::login::{self, LoginOutcome};
use crate::workflows::second_factor;
use crate::workflows::sessions::{self, NewSession};

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
    /// `signed_in`.
    pub status: &'static str,
    /// Send as `Authorization: Bearer <token>`. Shown once; only its hash is stored.
    pub token: String,
    /// For cookie clients: send as `X-CSRF-Token` on state-changing requests.
    pub csrf_token: String,
    pub account: AccountBody,
    /// `enrolled`, `not_enrolled` (providers may enrol), or `enrolment_required` (staff: this
    /// session can only enrol, `POST /api/v1/me/second-factor`).
    pub second_factor: &'static str,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChallengeBody {
    /// `second_factor_required`: no usable token yet.
    pub status: &'static str,
    /// Send with a code to `POST /api/v1/sessions/second-factor`, within five minutes.
    pub challenge: String,
    pub expires_at: String,
}

/// A log-in's answer: a session, or the challenge of a second factor.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum LoginAnswer {
    SignedIn(SessionBody),
    SecondFactorRequired(ChallengeBody),
}

/// The answer that carries a new session: its body, and the same session as a cookie.
fn signed_in(
    state: &AppState,
    session: NewSession,
    enrolled: bool,
) -> (StatusCode, [(header::HeaderName, String); 1], SessionBody) {
    let token_hash = crate::crypto::sha256_hex(session.token.as_bytes());
    let cookie = state.cookies().session_cookie(
        &session.token,
        i64::from(state.config.session_ttl_hours) * 3600,
    );
    let second_factor = if enrolled {
        "enrolled"
    } else if session.enrolment_required {
        "enrolment_required"
    } else {
        "not_enrolled"
    };
    (
        StatusCode::CREATED,
        [(header::SET_COOKIE, cookie)],
        SessionBody {
            status: "signed_in",
            csrf_token: auth::csrf_token(&state.ctx.key, &token_hash),
            token: session.token,
            account: AccountBody::from(&session.account),
            second_factor,
        },
    )
}

/// Logs in. A new token on every log-in, and the session cookie; an account with a second
/// factor gets a challenge instead, to answer with a code.
#[utoipa::path(post, operation_id = "sessions_create", path = "/api/v1/sessions", tag = "sessions", request_body = LoginRequest,
    responses(
        (status = 201, description = "`signed_in` with a token, or `second_factor_required` with a challenge", body = LoginAnswer),
        (status = 401, description = "`invalid_credentials`", body = ErrorBody),
        (status = 403, description = "`account_not_activated`; `account_disabled`: the right password of a closed or deactivated account", body = ErrorBody),
        (status = 429, description = "`rate_limited` after repeated wrong passwords", body = ErrorBody),
        (status = 503, description = "`busy`: too many passwords being hashed", body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Response, ApiError> {
    let replaces = auth::presented_token_hash(&headers, state.cookies());
    let outcome = login::login(
        &state.ctx,
        req.email.as_deref(),
        req.password.as_deref(),
        replaces.as_deref(),
        &client,
    )
    .await?;
    Ok(match outcome {
        LoginOutcome::SignedIn(session) => {
            let (status, cookie, body) = signed_in(&state, session, false);
            (
                status,
                AppendHeaders(cookie),
                Json(LoginAnswer::SignedIn(body)),
            )
                .into_response()
        }
        LoginOutcome::SecondFactorRequired {
            challenge,
            expires_at,
        } => (
            StatusCode::CREATED,
            Json(LoginAnswer::SecondFactorRequired(ChallengeBody {
                status: "second_factor_required",
                challenge,
                expires_at: rfc3339(expires_at),
            })),
        )
            .into_response(),
    })
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecondFactorRequest {
    /// The `challenge` of the log-in.
    #[schema(value_type = String, min_length = 1)]
    pub challenge: Option<String>,
    /// Six digits from the authenticator app, or a recovery code (`abcde-fghjk`).
    #[schema(value_type = String)]
    pub code: Option<String>,
}

/// The second step of a log-in: the challenge and a code.
#[utoipa::path(post, operation_id = "sessions_second_factor", path = "/api/v1/sessions/second-factor", tag = "sessions",
    request_body = SecondFactorRequest,
    responses(
        (status = 201, body = SessionBody),
        (status = 422, description = "`validation_failed`: field `code` is `code_wrong` with `attempts_left`, or field `challenge` is `challenge_expired`", body = ErrorBody),
        (status = 429, description = "`rate_limited`: too many wrong codes", body = ErrorBody)))]
pub async fn second_factor(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiJson(req): ApiJson<SecondFactorRequest>,
) -> Result<Response, ApiError> {
    let session = second_factor::complete_login(
        &state.ctx,
        req.challenge.as_deref(),
        req.code.as_deref(),
        &client,
    )
    .await?;
    let (status, cookie, body) = signed_in(&state, session, true);
    Ok((status, AppendHeaders(cookie), Json(body)).into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    /// Six digits from the authenticator app, or a recovery code.
    #[schema(value_type = String)]
    pub code: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StepUpBody {
    /// When the session passed its second factor; sensitive actions accept it for five minutes.
    pub second_factor_at: String,
}

/// A fresh second-factor check of this session, before a sensitive action (approving a
/// settlement change).
#[utoipa::path(post, operation_id = "sessions_step_up", path = "/api/v1/sessions/current/step-up", tag = "sessions",
    request_body = CodeRequest,
    responses(
        (status = 200, body = StepUpBody),
        (status = 422, description = "`validation_failed`: field `code` is `code_wrong` with `attempts_left`", body = ErrorBody),
        (status = 429, description = "`rate_limited`: too many wrong codes", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn step_up(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    auth: Authenticated,
    ApiJson(req): ApiJson<CodeRequest>,
) -> Result<Json<StepUpBody>, ApiError> {
    let at =
        second_factor::step_up(&state.ctx, &auth.session, req.code.as_deref(), &client).await?;
    Ok(Json(StepUpBody {
        second_factor_at: rfc3339(at),
    }))
}

/// Logs out: the session is deleted and the cookie cleared.
#[utoipa::path(delete, operation_id = "sessions_delete_current", path = "/api/v1/sessions/current", tag = "sessions",
    responses((status = 204, description = "logged out"), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete_current(
    State(state): State<AppState>,
    AnySession(auth): AnySession,
) -> Result<impl IntoResponse, ApiError> {
    sessions::logout(&state.ctx, &auth.token_hash, &auth.account.id).await?;
    Ok((
        StatusCode::NO_CONTENT,
        AppendHeaders([(header::SET_COOKIE, state.cookies().clear_session_cookie())]),
    ))
}
