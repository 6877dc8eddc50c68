//! The contact-us messages: the list (open or replied), one message, and the reply.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use crate::http::state::AppState;
use crate::http::web::console::words;
use crate::http::web::errors::PageError;
use crate::http::web::extract::{CheckedForm, Staff};
use crate::http::web::forms::{self, FormState};
use crate::http::web::page::Page;
use crate::http::web::respond::{render, see_other};
use crate::workflows::consultations::{self, ConsultationView};

#[derive(Template)]
#[template(path = "pages/console_consultations.html")]
pub struct ConsultationsPage {
    pub page: Page,
    pub items: Vec<ConsultationView>,
    pub status: String,
}

impl ConsultationsPage {
    pub fn time(&self, at: &str) -> String {
        words::rfc3339_time(&self.page, at)
    }
}

#[derive(Deserialize, Default)]
pub struct ConsultationParams {
    pub status: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    Staff { page, .. }: Staff,
    Query(p): Query<ConsultationParams>,
) -> Result<Response, PageError> {
    let status = p.status.unwrap_or_else(|| "open".into());
    let filter = Some(status.as_str()).filter(|s| matches!(*s, "open" | "replied"));
    let (items, _) =
        page.or_error_page(consultations::list(&state.ctx, filter, None, 200).await)?;
    Ok(render(
        StatusCode::OK,
        &ConsultationsPage {
            page,
            items,
            status,
        },
    ))
}

#[derive(Template)]
#[template(path = "pages/console_consultation.html")]
pub struct ConsultationPage {
    pub page: Page,
    pub item: ConsultationView,
    pub form: FormState,
}

impl ConsultationPage {
    pub fn time(&self, at: &str) -> String {
        words::rfc3339_time(&self.page, at)
    }
}

/// One consultation and the reply form, with `form` as typed.
async fn consultation_page(
    state: &AppState,
    page: Page,
    id: &str,
    form: FormState,
) -> Result<ConsultationPage, PageError> {
    let item = page.or_error_page(consultations::get(&state.ctx, id).await)?;
    Ok(ConsultationPage { page, item, form })
}

pub async fn show(
    State(state): State<AppState>,
    Staff { page, .. }: Staff,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let shown = consultation_page(&state, page, &id, FormState::default()).await?;
    Ok(render(StatusCode::OK, &shown))
}

pub async fn reply(
    State(state): State<AppState>,
    Staff { page, operator }: Staff,
    Path(id): Path<String>,
    CheckedForm(data): CheckedForm,
) -> Response {
    let form = FormState::from_form(&data);
    let message = forms::first(&data, "message");
    match consultations::reply(&state.ctx, &operator, &id, message).await {
        Ok(_) => see_other(&format!("/console/consultations/{id}?notice=replied")),
        Err(e) => {
            page.refused(form, e, async |page, form| {
                consultation_page(&state, page, &id, form).await
            })
            .await
        }
    }
}
