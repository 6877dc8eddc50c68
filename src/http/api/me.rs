//! `/api/v1/me`: the signed-in account.

use axum::extract::State;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use super::AccountBody;
use crate::http::auth::Authenticated;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct MeBody {
    #[serde(flatten)]
    pub account: AccountBody,
    /// Send as `X-CSRF-Token` when authenticating with the cookie.
    pub csrf_token: String,
}

/// The signed-in account.
#[utoipa::path(get, operation_id = "me_show", path = "/api/v1/me", tag = "sessions",
    responses((status = 200, body = MeBody), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn show(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<Json<MeBody>, ApiError> {
    Ok(Json(MeBody {
        account: AccountBody::from(&auth.account),
        csrf_token: auth.csrf_token(&state.ctx.key),
    }))
}
