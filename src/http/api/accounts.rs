//! `/api/v1/accounts…` and `/api/v1/password-resets…`: register, activate, resend the code,
//! reset the password.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::StatusBody;
use crate::http::client::ClientAddr;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::json::ApiJson;
use crate::http::language::request_lang;
use crate::http::state::AppState;
use crate::workflows::accounts::{self, Registration};
use crate::workflows::password_reset;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    #[schema(value_type = String, format = Email, max_length = 254)]
    pub email: Option<String>,
    /// 10–128 characters.
    #[schema(value_type = String, min_length = 10, max_length = 128)]
    pub password: Option<String>,
    /// Mainland mobile number (optional): 11 digits starting with 1, optionally after `+86`;
    /// spaces and hyphens are ignored.
    pub mobile: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RegisteredBody {
    pub id: String,
    pub email: String,
    /// Always `pending_activation`.
    pub status: String,
}

/// Registers an account and mails a 6-digit activation code.
#[utoipa::path(post, operation_id = "accounts_register", path = "/api/v1/accounts", tag = "accounts", request_body = RegisterRequest,
    responses(
        (status = 201, body = RegisteredBody),
        (status = 409, description = "`email_taken`", body = ErrorBody),
        (status = 422, description = "`validation_failed`", body = ErrorBody),
        (status = 429, description = "`rate_limited`: too many registrations from this client", body = ErrorBody),
        (status = 503, description = "`busy`: too many passwords being hashed", body = ErrorBody)))]
pub async fn register(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    ApiJson(req): ApiJson<RegisterRequest>,
) -> Result<(StatusCode, Json<RegisteredBody>), ApiError> {
    let account = accounts::register(
        &state.ctx,
        Registration {
            email: req.email.as_deref(),
            password: req.password.as_deref(),
            mobile: req.mobile.as_deref(),
            password_confirm: None,
        },
        request_lang(&headers),
        &client,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(RegisteredBody {
            id: account.id,
            email: account.email,
            status: account.status.as_str().to_string(),
        }),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivateRequest {
    #[schema(value_type = String, format = Email, max_length = 254)]
    pub email: Option<String>,
    /// The 6-digit code from the mail (spaces are ignored).
    #[schema(value_type = String, pattern = r"^\s*([0-9]\s*){6}$")]
    pub code: Option<String>,
}

/// Activates an account with the mailed code (valid 15 minutes). A wrong or expired code, an
/// active account and an unknown address get the same answer; wrong tries are limited per
/// address and client across codes.
#[utoipa::path(post, operation_id = "accounts_activate", path = "/api/v1/accounts/activate", tag = "accounts", request_body = ActivateRequest,
    responses(
        (status = 200, body = StatusBody),
        (status = 422, description = "`validation_failed`: field `code` is `code_wrong` with `attempts_left`", body = ErrorBody),
        (status = 429, description = "`rate_limited`, with `Retry-After`", body = ErrorBody)))]
pub async fn activate(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiJson(req): ApiJson<ActivateRequest>,
) -> Result<Json<StatusBody>, ApiError> {
    let account = accounts::activate(
        &state.ctx,
        req.email.as_deref(),
        req.code.as_deref(),
        &client,
    )
    .await?;
    Ok(Json(StatusBody {
        status: account.status.as_str().to_string(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmailRequest {
    #[schema(value_type = String, format = Email, max_length = 254)]
    pub email: Option<String>,
}

/// Mails a fresh activation code. Answers 202 whether or not the address has an account.
#[utoipa::path(post, operation_id = "accounts_resend_activation_code", path = "/api/v1/accounts/activation-codes", tag = "accounts", request_body = EmailRequest,
    responses((status = 202, description = "accepted"), (status = 422, body = ErrorBody),
        (status = 429, description = "`rate_limited`: too many codes for this address or from this client", body = ErrorBody)))]
pub async fn resend_activation_code(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiJson(req): ApiJson<EmailRequest>,
) -> Result<StatusCode, ApiError> {
    accounts::resend_activation_code(&state.ctx, req.email.as_deref(), &client).await?;
    Ok(StatusCode::ACCEPTED)
}

/// Mails a password-reset code. Answers 202 whether or not the address has an account.
#[utoipa::path(post, operation_id = "accounts_request_password_reset", path = "/api/v1/password-resets", tag = "accounts", request_body = EmailRequest,
    responses((status = 202, description = "accepted"), (status = 422, body = ErrorBody),
        (status = 429, description = "`rate_limited`: too many codes for this address or from this client", body = ErrorBody)))]
pub async fn request_password_reset(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiJson(req): ApiJson<EmailRequest>,
) -> Result<StatusCode, ApiError> {
    password_reset::request_password_reset(&state.ctx, req.email.as_deref(), &client).await?;
    Ok(StatusCode::ACCEPTED)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmResetRequest {
    #[schema(value_type = String, format = Email, max_length = 254)]
    pub email: Option<String>,
    /// The 6-digit code from the mail (spaces are ignored).
    #[schema(value_type = String, pattern = r"^\s*([0-9]\s*){6}$")]
    pub code: Option<String>,
    /// 10–128 characters.
    #[schema(value_type = String, min_length = 10, max_length = 128)]
    pub new_password: Option<String>,
}

/// Sets a new password with the mailed code; every session of the account ends.
#[utoipa::path(post, operation_id = "accounts_confirm_password_reset", path = "/api/v1/password-resets/confirm", tag = "accounts", request_body = ConfirmResetRequest,
    responses((status = 200, body = StatusBody),
        (status = 422, description = "`validation_failed`: field `code` is `code_wrong` with `attempts_left`", body = ErrorBody),
        (status = 429, description = "`rate_limited`: too many wrong codes", body = ErrorBody),
        (status = 503, description = "`busy`: too many passwords being hashed", body = ErrorBody)))]
pub async fn confirm_password_reset(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    ApiJson(req): ApiJson<ConfirmResetRequest>,
) -> Result<Json<StatusBody>, ApiError> {
    password_reset::confirm_password_reset(
        &state.ctx,
        req.email.as_deref(),
        req.code.as_deref(),
        req.new_password.as_deref(),
        None,
        &client,
    )
    .await?;
    Ok(Json(StatusBody {
        status: "password_changed".into(),
    }))
}
