//! Data rights (docs/PRIVACY.md): `GET /api/v1/me/export`, everything held about the account
//! and its company as a zip, streamed; `POST /api/v1/me/closure`, closing the account.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::http::auth::Authenticated;
use crate::http::client::ClientAddr;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::json::ApiJson;
use crate::http::state::AppState;
use crate::time_util::rfc3339;
use crate::workflows::privacy;

/// Downloads everything Berth holds about the signed-in account and its company: a zip of the
/// records (JSON), the documents as uploaded, and the audit events about the account. The
/// account holder only, signed in (an API token is refused); at most `privacy.exports_per_day`
/// downloads a day, each audited (`account.data_exported`). The zip is streamed.
#[utoipa::path(get, operation_id = "me_export", path = "/api/v1/me/export", tag = "sessions",
    responses((status = 200, description = "the zip, as an attachment", content((super::Binary = "application/zip"))),
        (status = 401, body = ErrorBody),
        (status = 403, description = "`insufficient_scope`: an API token cannot download it", body = ErrorBody),
        (status = 429, description = "`rate_limited`: the day's downloads were made", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn export(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<Response, ApiError> {
    let plan = privacy::prepare_export(&state.ctx, &auth.account).await?;
    Ok(crate::http::export::zip_response(
        &state,
        plan,
        &auth.account.id,
    ))
}

/// Closing the account: the password again, and `confirm: true`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClosureForm {
    #[schema(min_length = 1, max_length = 1024)]
    pub password: String,
    /// Must be true: the holder read what closing does.
    pub confirm: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ClosureBody {
    /// `closing` until the personal data is erased, then `erased`.
    pub status: &'static str,
    pub requested_at: String,
    /// When the erasure job removes the personal data (`privacy.retention_days` later).
    pub erase_after: String,
}

/// Closes the signed-in provider account, for good: listed products leave the storefront at
/// once, every session and API token ends, waiting review items are withdrawn, and after
/// `privacy.retention_days` the personal data is erased (docs/PRIVACY.md). Staff accounts are
/// refused (an admin deactivates them).
#[utoipa::path(post, operation_id = "me_close", path = "/api/v1/me/closure", tag = "sessions",
    request_body = ClosureForm,
    responses((status = 202, body = ClosureBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "`forbidden`: staff accounts", body = ErrorBody),
        (status = 409, description = "`already_closed`", body = ErrorBody),
        (status = 422, description = "fields `password` (`required`, `password_wrong`), `confirm` (`required`)", body = ErrorBody),
        (status = 429, description = "`rate_limited`: too many wrong passwords", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn close(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    auth: Authenticated,
    ApiJson(form): ApiJson<ClosureForm>,
) -> Result<(StatusCode, Json<ClosureBody>), ApiError> {
    let c = privacy::close_account(
        &state.ctx,
        &auth.account,
        &form.password,
        form.confirm,
        &client,
    )
    .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(ClosureBody {
            status: if c.erased_at.is_some() {
                "erased"
            } else {
                "closing"
            },
            requested_at: rfc3339(c.requested_at),
            erase_after: rfc3339(c.erase_after),
        }),
    ))
}
