//! `/api/v1/review/calendar`: the working-day calendar review deadlines count in (holidays
//! entered by admins) and the target of each kind.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;

use crate::http::auth::Reviewer;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::ApiPath;
use crate::http::json::ApiJson;
use crate::http::state::AppState;
use crate::workflows::deadlines::{self, CalendarView, Holiday, HolidayForm};

/// The holidays (weekdays that are not working days) and the targets in working days.
#[utoipa::path(get, operation_id = "review_calendar", path = "/api/v1/review/calendar", tag = "operators",
    responses((status = 200, body = CalendarView), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn show(
    State(state): State<AppState>,
    _staff: Reviewer,
) -> Result<Json<CalendarView>, ApiError> {
    Ok(Json(deadlines::calendar_view(&state.ctx).await?))
}

/// Admins: enters a holiday (`day` again renames it). Deadlines stop counting the day.
#[utoipa::path(post, operation_id = "review_calendar_add", path = "/api/v1/review/calendar/holidays", tag = "operators",
    request_body = HolidayForm,
    responses((status = 201, body = Holiday),
        (status = 403, description = "`forbidden`: admins only", body = ErrorBody),
        (status = 422, description = "fields `day` (`required`, `invalid_date`), `name`", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn add(
    State(state): State<AppState>,
    Reviewer(admin): Reviewer,
    ApiJson(form): ApiJson<HolidayForm>,
) -> Result<(StatusCode, Json<Holiday>), ApiError> {
    let h = deadlines::add_holiday(&state.ctx, &admin.account, &form).await?;
    Ok((StatusCode::CREATED, Json(h)))
}

/// Admins: removes a holiday.
#[utoipa::path(delete, operation_id = "review_calendar_remove", path = "/api/v1/review/calendar/holidays/{day}", tag = "operators",
    params(("day" = String, Path, format = Date)),
    responses((status = 204),
        (status = 403, description = "`forbidden`: admins only", body = ErrorBody),
        (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn remove(
    State(state): State<AppState>,
    Reviewer(admin): Reviewer,
    ApiPath(day): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    deadlines::remove_holiday(&state.ctx, &admin.account, &day).await?;
    Ok(StatusCode::NO_CONTENT)
}
