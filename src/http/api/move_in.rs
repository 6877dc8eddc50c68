//! `GET /api/v1/me/move-in`: where the signed-in account stands.

use axum::extract::State;
use axum::Json;

use crate::domain::move_in::MoveIn;
use crate::http::auth::Authenticated;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::state::AppState;
use crate::workflows::move_in;

/// The five steps with their statuses and reasons, what is due, and `state: moved_in` when all
/// are done. A step in review carries `expected_by` (the date a decision can be expected: its
/// due date by the kind's target in working days, later when the line ahead is longer than
/// the reviewers' recent pace) and `queue_position`.
#[utoipa::path(get, operation_id = "move_in_show", path = "/api/v1/me/move-in", tag = "move-in",
    responses((status = 200, body = MoveIn), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn show(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<Json<MoveIn>, ApiError> {
    move_in::require_provider_role(&auth.account)?;
    Ok(Json(
        move_in::status_with_waits(&state.ctx, &auth.account.id).await?,
    ))
}
