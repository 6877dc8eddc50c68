//! `/api/v1/review/report`: the admins' report over a period, as the console's report page
//! shows it.

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::http::auth::Reviewer;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::ApiQuery;
use crate::http::state::AppState;
use crate::workflows::report::{self, Report};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReportParams {
    /// The first day (`2026-12-01`, the marketplace's time zone); by default 29 days before `to`.
    #[param(format = Date)]
    pub from: Option<String>,
    /// The last day, included; by default today. At most 366 days after `from`.
    #[param(format = Date)]
    pub to: Option<String>,
}

/// Admins: decisions per day and kind, median and 90th-percentile hours to decision against
/// each kind's target (working days), rejection rates and the most frequent library reasons
/// (their text in the account's language).
#[utoipa::path(get, operation_id = "review_report", path = "/api/v1/review/report", tag = "operators",
    params(ReportParams),
    responses((status = 200, body = Report), (status = 401, body = ErrorBody),
        (status = 403, description = "admins only", body = ErrorBody),
        (status = 422, description = "`from` / `to`: `invalid_date`, `before_from`, `out_of_range`", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn show(
    State(state): State<AppState>,
    Reviewer(staff): Reviewer,
    ApiQuery(p): ApiQuery<ReportParams>,
) -> Result<Json<Report>, ApiError> {
    let lang = staff.account.lang;
    let r = report::report(
        &state.ctx,
        &staff.account,
        p.from.as_deref(),
        p.to.as_deref(),
        lang,
    )
    .await?;
    Ok(Json(r))
}
