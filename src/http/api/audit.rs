//! `/api/v1/audit`: the audit log, oldest first (operators and admins).

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::page_limit;
use crate::http::auth::Reviewer;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::ApiQuery;
use crate::http::state::AppState;
use crate::time_util::rfc3339;
use crate::workflows::audit_log;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Only events with a greater `seq`.
    pub after: Option<i64>,
    /// 1–200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// Same as `after` (the `next_cursor` of the previous page).
    #[param(pattern = "^[0-9]{1,18}$")]
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventBody {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub subject: String,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
    pub hash: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEventBody>,
    pub next_cursor: Option<String>,
}

/// Audit events, oldest first.
#[utoipa::path(get, operation_id = "audit_list", path = "/api/v1/audit", tag = "operators", params(AuditQuery),
    responses((status = 200, body = AuditPage), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    _reviewer: Reviewer,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Json<AuditPage>, ApiError> {
    let limit = page_limit(q.limit)?;
    let after = match (&q.cursor, q.after) {
        (Some(c), _) => Some(c)
            .filter(|c| !c.is_empty() && c.len() <= 18 && c.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|c| c.parse::<i64>().ok())
            .ok_or_else(|| ApiError::field("cursor", "invalid_type"))?,
        (None, Some(a)) => a,
        (None, None) => 0,
    };
    let mut events = audit_log::list_events(&state.ctx, after, limit + 1).await?;
    let more = events.len() as i64 > limit;
    events.truncate(limit as usize);
    let next_cursor = if more {
        events.last().map(|e| e.seq.to_string())
    } else {
        None
    };
    Ok(Json(AuditPage {
        items: events
            .into_iter()
            .map(|e| AuditEventBody {
                seq: e.seq,
                at: rfc3339(e.at),
                actor: e.actor,
                action: e.action,
                subject: e.subject,
                detail: serde_json::from_str(&e.detail).unwrap_or(serde_json::Value::Null),
                hash: e.hash,
            })
            .collect(),
        next_cursor,
    }))
}
