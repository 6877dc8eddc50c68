//! The audit log, a hundred events a page, oldest first.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use crate::domain::audit::AuditEvent;
use crate::http::state::AppState;
use crate::http::web::errors::PageError;
use crate::http::web::extract::Staff;
use crate::http::web::page::Page;
use crate::http::web::respond::render;
use crate::time_util::rfc3339;
use crate::workflows::audit_log;

#[derive(Deserialize, Default)]
pub struct AuditParams {
    pub after: Option<i64>,
}

pub struct AuditRow {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "pages/console_audit.html")]
pub struct AuditPage {
    pub page: Page,
    pub rows: Vec<AuditRow>,
    pub next_after: Option<i64>,
    pub after: i64,
}

pub async fn list(
    State(state): State<AppState>,
    Staff { page, .. }: Staff,
    Query(p): Query<AuditParams>,
) -> Result<Response, PageError> {
    let after = p.after.unwrap_or(0).max(0);
    let events: Vec<AuditEvent> =
        page.or_error_page(audit_log::list_events(&state.ctx, after, 100).await)?;
    let next_after = (events.len() == 100)
        .then(|| events.last().map(|e| e.seq))
        .flatten();
    let rows = events
        .into_iter()
        .map(|e| AuditRow {
            seq: e.seq,
            at: rfc3339(e.at),
            actor: e.actor,
            action: e.action,
            subject: e.subject,
            detail: e.detail,
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &AuditPage {
            page,
            rows,
            next_after,
            after,
        },
    ))
}
