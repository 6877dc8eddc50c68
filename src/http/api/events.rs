//! `/api/v1/events`: the event feed, oldest first, by `seq` cursor. Staff read every event, a
//! provider its own (docs/EVENTS.md). A session, or an API token with `events:read`.

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::page_limit;
use crate::domain::events;
use crate::domain::FieldError;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::ApiQuery;
use crate::http::scoped::{EventsRead, Scoped};
use crate::http::state::AppState;
use crate::time_util::rfc3339;
use crate::workflows::events::{self as event_log, EventRow};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EventsQuery {
    /// Only events with a greater `seq` (0 or absent: from the oldest kept).
    #[param(minimum = 0)]
    pub after: Option<i64>,
    /// Only these types, comma-separated (`product.listed,provider.moved_in`).
    pub types: Option<String>,
    /// 1–200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// Same as `after` (the `next_cursor` of the previous page).
    #[param(pattern = "^[0-9]{1,18}$")]
    pub cursor: Option<String>,
}

/// One event (docs/EVENTS.md lists every type and its `data`).
#[derive(Debug, Serialize, ToSchema)]
pub struct EventBody {
    /// Unique: a receiver drops an event whose id it has seen (delivery is at least once).
    pub id: String,
    /// Rises in commit order.
    pub seq: i64,
    #[serde(rename = "type")]
    pub kind: String,
    pub at: String,
    /// The provider the event is about, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider_id: Option<String>,
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

impl From<EventRow> for EventBody {
    fn from(e: EventRow) -> EventBody {
        EventBody {
            id: e.id,
            seq: e.seq,
            kind: e.kind,
            at: rfc3339(e.at),
            provider_id: e.provider_id,
            data: serde_json::from_str(&e.data).unwrap_or(serde_json::Value::Null),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventPage {
    pub items: Vec<EventBody>,
    /// The `after` of the next page; `null` when this page reached the newest event (poll again
    /// later with the last `seq` seen).
    pub next_cursor: Option<String>,
}

/// The event feed, oldest first.
#[utoipa::path(get, operation_id = "events_list", path = "/api/v1/events", tag = "events", params(EventsQuery),
    responses((status = 200, body = EventPage), (status = 401, body = ErrorBody),
        (status = 403, description = "`forbidden`: neither staff nor a provider; `insufficient_scope`: a token without `events:read`", body = ErrorBody),
        (status = 422, description = "a bad `after`, `types`, `limit` or `cursor`", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    caller: Scoped<EventsRead>,
    ApiQuery(q): ApiQuery<EventsQuery>,
) -> Result<Json<EventPage>, ApiError> {
    let limit = page_limit(q.limit)?;
    if q.after.is_some_and(|a| a < 0) {
        return Err(ApiError::validation(vec![FieldError::new(
            "after",
            "not_negative",
        )]));
    }
    let after = match (&q.cursor, q.after) {
        (Some(c), _) => Some(c)
            .filter(|c| !c.is_empty() && c.len() <= 18 && c.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|c| c.parse::<i64>().ok())
            .ok_or_else(|| ApiError::field("cursor", "invalid_type"))?,
        (None, Some(a)) if a < 0 => {
            return Err(ApiError::validation(vec![FieldError::new(
                "after",
                "not_negative",
            )]))
        }
        (None, Some(a)) => a,
        (None, None) => 0,
    };
    let types = match q.types.as_deref() {
        None => Vec::new(),
        Some(list) if list.trim().is_empty() => Vec::new(),
        Some(list) => events::parse_types("types", list.split(','), false)
            .map_err(|e| ApiError::validation(vec![e]))?,
    };
    let mut rows = event_log::feed(&state.ctx, caller.account(), after, types, limit + 1).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = if more {
        rows.last().map(|e| e.seq.to_string())
    } else {
        None
    };
    Ok(Json(EventPage {
        items: rows.into_iter().map(EventBody::from).collect(),
        next_cursor,
    }))
}
