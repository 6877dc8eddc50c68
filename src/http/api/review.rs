//! `/api/v1/review/…`: the operators' back office.

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::page_limit;
use crate::domain::review::DecisionForm;
use crate::http::auth::Reviewer;
use crate::http::client::ClientAddr;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{ApiPath, ApiQuery};
use crate::http::json::ApiJson;
use crate::http::state::AppState;
use crate::workflows::micro_deposit;
use crate::workflows::review::{self, ItemDetail, ItemSummary, QueueQuery};
use crate::workflows::second_factor;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct QueueParams {
    /// `enterprise_verification`, `partner_application`, `settlement_change` or `product`.
    #[param(value_type = Option<QueueKind>, inline)]
    pub kind: Option<String>,
    /// `pending` (the usual), `approved`, `rejected` or `superseded`.
    #[param(value_type = Option<QueueStatus>, inline)]
    pub status: Option<String>,
    /// `mine` (items the caller holds), `unclaimed` (pending, nobody holds them or the claim
    /// lapsed) or `overdue` (pending, past the kind's target in working days).
    #[param(value_type = Option<QueueView>, inline)]
    pub view: Option<String>,
    /// Only items waiting at least this many hours.
    #[param(minimum = 0, maximum = 87600)]
    pub min_age_hours: Option<i64>,
    /// `true`: only items back in the queue because the applicant appealed; `false`: none of them.
    pub appeal: Option<bool>,
    /// `true`: only automatic approvals sampled for a human second look (docs/STAFF.md);
    /// `false`: none of them.
    pub second_look: Option<bool>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^[0-9]{1,15}_[0-9A-Za-z-]{1,64}$")]
    pub cursor: Option<String>,
}

/// The kinds of review item.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum QueueKind {
    EnterpriseVerification,
    PartnerApplication,
    SettlementChange,
    Product,
}

/// The queue's views.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum QueueView {
    Mine,
    Unclaimed,
    Overdue,
}

/// The statuses the queue filters by.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum QueueStatus {
    Pending,
    Approved,
    Rejected,
    Superseded,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QueuePage {
    pub items: Vec<ItemSummary>,
    pub next_cursor: Option<String>,
}

/// The review queue over every kind, oldest first.
#[utoipa::path(get, operation_id = "review_queue", path = "/api/v1/review/items", tag = "operators", params(QueueParams),
    responses((status = 200, body = QueuePage), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn queue(
    State(state): State<AppState>,
    Reviewer(reviewer): Reviewer,
    ApiQuery(p): ApiQuery<QueueParams>,
) -> Result<Json<QueuePage>, ApiError> {
    let limit = page_limit(p.limit)?;
    let (items, next_cursor) = review::queue(
        &state.ctx,
        &QueueQuery {
            kind: p.kind.as_deref(),
            status: p.status.as_deref(),
            min_age_hours: p.min_age_hours,
            max_age_hours: None,
            appeal: p.appeal,
            second_look: p.second_look,
            view: p.view.as_deref(),
            viewer: &reviewer.account.id,
            cursor: p.cursor.as_deref(),
            limit,
        },
    )
    .await?;
    Ok(Json(QueuePage { items, next_cursor }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KindCount {
    pub kind: String,
    pub pending: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QueueSummary {
    pub items: Vec<KindCount>,
}

/// Pending items per kind.
#[utoipa::path(get, operation_id = "review_summary", path = "/api/v1/review/summary", tag = "operators",
    responses((status = 200, body = QueueSummary), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn summary(
    State(state): State<AppState>,
    _reviewer: Reviewer,
) -> Result<Json<QueueSummary>, ApiError> {
    let counts = review::pending_counts(&state.ctx).await?;
    Ok(Json(QueueSummary {
        items: counts
            .into_iter()
            .map(|(kind, pending)| KindCount {
                kind: kind.to_string(),
                pending,
            })
            .collect(),
    }))
}

/// One item in full: the submission, its documents (as links) and the earlier submissions.
#[utoipa::path(get, operation_id = "review_show", path = "/api/v1/review/items/{id}", tag = "operators",
    params(("id" = String, Path)),
    responses((status = 200, body = ItemDetail), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn show(
    State(state): State<AppState>,
    Reviewer(reviewer): Reviewer,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ItemDetail>, ApiError> {
    Ok(Json(
        review::detail(&state.ctx, &id, reviewer.account.lang).await?,
    ))
}

/// Approves, or rejects with a reason per field. `409 stale_version` if decided or changed meanwhile.
#[utoipa::path(post, operation_id = "review_decide", path = "/api/v1/review/items/{id}/decision", tag = "operators",
    params(("id" = String, Path)), request_body = DecisionForm,
    responses(
        (status = 200, body = ItemDetail),
        (status = 404, body = ErrorBody),
        (status = 403, description = "`step_up_required`: approving a settlement change needs a fresh second factor (`second_factor_code`, or `POST /api/v1/sessions/current/step-up`); `own_item`: the item is about the reviewer's own account", body = ErrorBody),
        (status = 409, description = "`stale_version`, `uscc_taken`; `account_closed`: the provider closed its account; `claimed_by_other`: another reviewer holds the item (`claimed_by`, `claimed_until`), decide with `take_over: true`", body = ErrorBody),
        (status = 422, body = ErrorBody),
        (status = 429, description = "`rate_limited`: too many wrong second-factor codes", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn decide(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    Reviewer(reviewer): Reviewer,
    ApiPath(id): ApiPath<String>,
    ApiJson(form): ApiJson<DecisionForm>,
) -> Result<Json<ItemDetail>, ApiError> {
    let fresh = second_factor::fresh_or_step_up(
        &state.ctx,
        &reviewer.session,
        form.second_factor_code.as_deref(),
        &client,
    )
    .await?;
    Ok(Json(
        review::decide(&state.ctx, &reviewer.account, &id, &form, fresh).await?,
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DepositSent {
    /// Pay exactly this many fen to the corporate account.
    pub amount_fen: i64,
    pub status: &'static str,
}

/// Enterprise items: records that the micro-deposit was paid; the amount is chosen here.
#[utoipa::path(post, operation_id = "review_micro_deposit", path = "/api/v1/review/items/{id}/micro-deposit", tag = "operators",
    params(("id" = String, Path)),
    responses((status = 200, body = DepositSent), (status = 403, description = "`own_item`: the reviewer's own account", body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn micro_deposit(
    State(state): State<AppState>,
    Reviewer(reviewer): Reviewer,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<DepositSent>, ApiError> {
    let amount_fen = micro_deposit::record_deposit(&state.ctx, &reviewer.account, &id).await?;
    Ok(Json(DepositSent {
        amount_fen,
        status: "sent",
    }))
}
