//! `/api/v1/me/second-factor…`: enrolling an authenticator app (staff must, providers may) and,
//! for providers, turning it off.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use super::sessions::CodeRequest;
use crate::http::auth::{AnySession, Authenticated};
use crate::http::client::ClientAddr;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::json::ApiJson;
use crate::http::state::AppState;
use crate::workflows::second_factor;

#[derive(Debug, Serialize, ToSchema)]
pub struct EnrolmentBody {
    /// The shared secret in base32, for typing into the app by hand.
    pub secret: String,
    /// The `otpauth://` address the app scans (as a QR code).
    pub otpauth_uri: String,
}

/// Starts enrolling: a new secret for the app, in force once a first code confirms it.
#[utoipa::path(post, operation_id = "second_factor_enrol", path = "/api/v1/me/second-factor", tag = "sessions",
    responses(
        (status = 200, body = EnrolmentBody),
        (status = 409, description = "`second_factor_enrolled`", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn enrol(
    State(state): State<AppState>,
    AnySession(auth): AnySession,
) -> Result<Json<EnrolmentBody>, ApiError> {
    let e = second_factor::begin_enrolment(&state.ctx, &auth.account).await?;
    Ok(Json(EnrolmentBody {
        secret: e.secret,
        otpauth_uri: e.otpauth_uri,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecoveryCodes {
    /// One-time codes for when the phone is lost: shown this once, keep them safe.
    pub recovery_codes: Vec<String>,
}

/// Confirms the enrolment with a first code from the app; answers the recovery codes, once.
#[utoipa::path(post, operation_id = "second_factor_confirm", path = "/api/v1/me/second-factor/confirm", tag = "sessions",
    request_body = CodeRequest,
    responses(
        (status = 200, body = RecoveryCodes),
        (status = 409, description = "`second_factor_not_started`, `second_factor_enrolled`", body = ErrorBody),
        (status = 422, description = "`validation_failed`: field `code` is `code_wrong` with `attempts_left`", body = ErrorBody),
        (status = 429, description = "`rate_limited`: too many wrong codes", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn confirm(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    AnySession(auth): AnySession,
    ApiJson(req): ApiJson<CodeRequest>,
) -> Result<Json<RecoveryCodes>, ApiError> {
    let codes =
        second_factor::confirm_enrolment(&state.ctx, &auth.session, req.code.as_deref(), &client)
            .await?;
    Ok(Json(RecoveryCodes {
        recovery_codes: codes,
    }))
}

/// Turns the second factor off, with a code (providers only: staff must keep it).
#[utoipa::path(post, operation_id = "second_factor_disable", path = "/api/v1/me/second-factor/disable", tag = "sessions",
    request_body = CodeRequest,
    responses(
        (status = 204, description = "turned off"),
        (status = 422, description = "`validation_failed`: field `code`", body = ErrorBody),
        (status = 429, description = "`rate_limited`", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn disable(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    auth: Authenticated,
    ApiJson(req): ApiJson<CodeRequest>,
) -> Result<StatusCode, ApiError> {
    second_factor::disable(&state.ctx, &auth.session, req.code.as_deref(), &client).await?;
    Ok(StatusCode::NO_CONTENT)
}
