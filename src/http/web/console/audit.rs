//! The audit log for people: filters (who by e-mail, the action from a list in words, what it
//! was about, a range of days), fifty events a page, newest first, each in words
//! (`audit_rows.rs`); and the export of every filtered event as JSON Lines, the format of
//! `berth audit export`, checked offline with `berth audit verify --file F --filtered`.

use askama::Template;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::domain::audit::ACTIONS;
use crate::domain::FieldError;
use crate::http::state::AppState;
use crate::http::web::console::audit_rows::{row, AuditRow};
use crate::http::web::console::sections::CatalogNames;
use crate::http::web::errors::{failure, PageError};
use crate::http::web::extract::Staff;
use crate::http::web::forms::FormState;
use crate::http::web::page::Page;
use crate::http::web::respond::render;
use crate::workflows::audit_view::{self, AuditFilter, Resolved};
use crate::workflows::Error;

const PAGE_SIZE: i64 = 50;

#[derive(Deserialize, Default, Clone)]
pub struct AuditParams {
    pub who: Option<String>,
    pub action: Option<String>,
    pub about: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    /// The page of events older than this seq.
    pub before: Option<i64>,
}

impl AuditParams {
    /// The filter part of the address (no page), for the pager and the export.
    fn query(&self) -> String {
        let pairs = [
            ("who", &self.who),
            ("action", &self.action),
            ("about", &self.about),
            ("from", &self.from),
            ("to", &self.to),
        ];
        let mut q = form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs {
            if let Some(v) = v.as_deref().filter(|v| !v.trim().is_empty()) {
                q.append_pair(k, v.trim());
            }
        }
        q.finish()
    }

    fn filtered(&self) -> bool {
        !self.query().is_empty()
    }
}

#[derive(Template)]
#[template(path = "pages/console_audit.html")]
pub struct AuditPage {
    pub page: Page,
    pub rows: Vec<AuditRow>,
    pub form: FormState,
    /// The filter as an address query (`who=…&action=…`), without the page.
    pub query: String,
    pub filtered: bool,
    pub older: Option<i64>,
    pub first_page: bool,
}

impl AuditPage {
    /// The actions to filter by, in words, sorted as the log's vocabulary is.
    pub fn actions(&self) -> Vec<(&'static str, String)> {
        ACTIONS
            .iter()
            .map(|a| (*a, self.page.t(&format!("audit.action.{a}"))))
            .collect()
    }

    pub fn with_query(&self, path: &str, extra: &str) -> String {
        let q: Vec<&str> = [self.query.as_str(), extra]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect();
        if q.is_empty() {
            path.to_string()
        } else {
            format!("{path}?{}", q.join("&"))
        }
    }
}

/// The filter of `p` with its days turned into times; a day that is not a date is refused at
/// its field.
fn filter_of(page: &Page, p: &AuditParams) -> Result<AuditFilter, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut day = |name: &str, v: &Option<String>, end: bool| -> Option<i64> {
        let v = v.as_deref().map(str::trim).filter(|s| !s.is_empty())?;
        match page.zone.day_bounds(v) {
            Some((start, next)) => Some(if end { next } else { start }),
            None => {
                errors.push(FieldError::new(name, "invalid_date"));
                None
            }
        }
    };
    let from = day("from", &p.from, false);
    let until = day("to", &p.to, true);
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(AuditFilter {
        who: p.who.clone(),
        action: p.action.clone(),
        about: p.about.clone(),
        from,
        until,
    })
}

/// The filter checked and resolved, or the refusal to show in the filter form.
async fn resolved(
    state: &AppState,
    page: &Page,
    operator: &crate::workflows::accounts::AccountView,
    p: &AuditParams,
) -> Result<Resolved, Error> {
    let filter = filter_of(page, p).map_err(Error::Validation)?;
    audit_view::resolve(&state.ctx, operator, &filter).await
}

pub async fn list(
    State(state): State<AppState>,
    Staff { page, operator }: Staff,
    Query(p): Query<AuditParams>,
) -> Result<Response, PageError> {
    let mut form = FormState::default();
    for (k, v) in [
        ("who", &p.who),
        ("action", &p.action),
        ("about", &p.about),
        ("from", &p.from),
        ("to", &p.to),
    ] {
        form.set(k, v.clone().unwrap_or_default());
    }
    let (rows, older, status) = match resolved(&state, &page, &operator, &p).await {
        Ok(filter) => {
            let found = page.or_error_page(
                audit_view::browse(&state.ctx, &filter, p.before, PAGE_SIZE).await,
            )?;
            let catalog = CatalogNames::load(&state.ctx, &page).await?;
            let rows = found
                .events
                .iter()
                .map(|e| row(&page, &catalog, e, &found.names))
                .collect();
            (rows, found.older, StatusCode::OK)
        }
        Err(Error::Validation(fields)) => {
            form.add_errors(page.lang, &fields);
            (Vec::new(), None, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => return Ok(failure(page, e)),
    };
    Ok(render(
        status,
        &AuditPage {
            query: p.query(),
            filtered: p.filtered(),
            first_page: p.before.is_none(),
            page,
            rows,
            form,
            older,
        },
    ))
}

/// Every event of the filter, oldest first, as JSON Lines: the format of `berth audit export`.
pub async fn export(
    State(state): State<AppState>,
    Staff { page, operator }: Staff,
    Query(p): Query<AuditParams>,
) -> Response {
    let filter = match resolved(&state, &page, &operator, &p).await {
        Ok(f) => f,
        Err(e) => return failure(page, e),
    };
    let today = page.zone.date_field(crate::time_util::now_ms());
    let ctx = state.ctx.clone();
    // A batch at a time; a failure ends the file early, which the offline check notices.
    let lines = futures_util::stream::unfold(Some(0i64), move |after| {
        let (ctx, filter) = (ctx.clone(), filter.clone());
        async move {
            let after = after?;
            match audit_view::export_batch(&ctx, &filter, after).await {
                Ok(Some((bytes, last))) => Some((Ok::<_, std::io::Error>(bytes), Some(last))),
                Ok(None) => None,
                Err(e) => {
                    tracing::error!(error = ?e, "audit export failed");
                    Some((Err(std::io::Error::other("audit export failed")), None))
                }
            }
        }
    });
    let mut resp = Body::from_stream(lines).into_response();
    let headers = resp.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-ndjson; charset=utf-8"),
    );
    let name = if p.filtered() {
        format!("attachment; filename=\"audit-filtered-{today}.jsonl\"")
    } else {
        format!("attachment; filename=\"audit-{today}.jsonl\"")
    };
    if let Ok(v) = HeaderValue::from_str(&name) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}
