//! The review queue: every kind of submission, filtered by kind, status and age, with the
//! pending count of each kind.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use crate::http::state::AppState;
use crate::http::web::errors::{failure, PageError};
use crate::http::web::extract::Staff;
use crate::http::web::page::Page;
use crate::http::web::respond::render;
use crate::workflows::review::{self, ItemSummary, QueueQuery};
use crate::workflows::Error;

#[derive(Deserialize, Default)]
pub struct QueueParams {
    pub kind: Option<String>,
    pub status: Option<String>,
    pub min_age_hours: Option<String>,
    pub cursor: Option<String>,
}

#[derive(Template)]
#[template(path = "pages/console_queue.html")]
pub struct QueuePage {
    pub page: Page,
    pub items: Vec<ItemSummary>,
    pub counts: Vec<(&'static str, i64)>,
    pub kind: String,
    pub status: String,
    pub min_age_hours: String,
    pub next_cursor: Option<String>,
    pub error: Option<String>,
}

impl QueuePage {
    pub fn is_kind(&self, k: &str) -> bool {
        self.kind == k
    }

    pub fn is_status(&self, s: &str) -> bool {
        self.status == s
    }

    pub fn next_href(&self) -> String {
        format!(
            "/console?kind={}&status={}&min_age_hours={}&cursor={}",
            self.kind,
            self.status,
            self.min_age_hours,
            self.next_cursor.clone().unwrap_or_default()
        )
    }
}

pub async fn show(
    State(state): State<AppState>,
    Staff { page, .. }: Staff,
    Query(p): Query<QueueParams>,
) -> Result<Response, PageError> {
    let kind = p.kind.unwrap_or_default();
    let status = p.status.unwrap_or_else(|| "pending".into());
    let min_age = p.min_age_hours.unwrap_or_default();
    let min_age_hours = min_age.trim().parse::<i64>().ok();
    let q = QueueQuery {
        kind: Some(kind.as_str()).filter(|k| !k.is_empty()),
        status: Some(status.as_str()).filter(|s| !s.is_empty()),
        min_age_hours,
        cursor: p.cursor.as_deref().filter(|c| !c.is_empty()),
        limit: 50,
    };
    let counts = review::pending_counts(&state.ctx).await.unwrap_or_default();
    let (items, next_cursor, error) = match review::queue(&state.ctx, &q).await {
        Ok((items, next)) => (items, next, None),
        Err(Error::Validation(_)) => (Vec::new(), None, Some(page.t("console.bad_filter"))),
        Err(e) => return Ok(failure(page, e)),
    };
    Ok(render(
        StatusCode::OK,
        &QueuePage {
            page,
            items,
            counts,
            kind,
            status,
            min_age_hours: min_age,
            next_cursor,
            error,
        },
    ))
}
