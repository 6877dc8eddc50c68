//! `/api/v1/me`: the signed-in account.

use axum::extract::State;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use super::AccountBody;
use crate::http::auth::AnySession;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::state::AppState;
use crate::workflows::sessions::SessionStanding;

#[derive(Debug, Serialize, ToSchema)]
pub struct MeBody {
    #[serde(flatten)]
    pub account: AccountBody,
    /// Send as `X-CSRF-Token` when authenticating with the cookie.
    pub csrf_token: String,
    /// `enrolled`, `not_enrolled`, or `enrolment_required` (a staff session that can only enrol).
    pub second_factor: &'static str,
}

/// The signed-in account.
#[utoipa::path(get, operation_id = "me_show", path = "/api/v1/me", tag = "sessions",
    responses((status = 200, body = MeBody), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn show(
    State(state): State<AppState>,
    AnySession(auth): AnySession,
) -> Result<Json<MeBody>, ApiError> {
    let second_factor = match auth.session.standing() {
        SessionStanding::EnrolmentOnly => "enrolment_required",
        _ if auth.session.enrolled => "enrolled",
        _ => "not_enrolled",
    };
    Ok(Json(MeBody {
        account: AccountBody::from(&auth.account),
        csrf_token: auth.csrf_token(&state.ctx.key),
        second_factor,
    }))
}
