//! The move-in stepper (`/move-in`): each step of the journey, where it stands and where to go
//! next. The provider backend's "not yet" page draws the same rows.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use crate::domain::move_in::{MoveIn, Reason, StepStatus};
use crate::http::state::AppState;
use crate::http::web::errors::PageError;
use crate::http::web::extract::SignedIn;
use crate::http::web::page::Page;
use crate::http::web::respond::{render, see_other};
use crate::workflows::move_in;

/// A step as the stepper draws it.
pub struct StepRow {
    pub key: &'static str,
    pub status: StepStatus,
    pub reasons: Vec<Reason>,
    pub href: &'static str,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "pages/move_in.html")]
pub struct MoveInPage {
    pub page: Page,
    pub steps: Vec<StepRow>,
    pub moved_in: bool,
    pub due: Vec<String>,
}

/// The steps of `m` as the stepper draws them.
pub fn step_rows(page: &Page, m: &MoveIn) -> Vec<StepRow> {
    m.steps
        .iter()
        .map(|s| {
            let key = s.key.as_str();
            let detail = match (&s.checks, s.change_pending) {
                (Some(c), _) if s.status != StepStatus::Done && c.documents == "approved" => {
                    page.t(&format!("move_in.deposit.{}", c.micro_deposit))
                }
                (_, true) => page.t("provider.settlement.pending"),
                _ => String::new(),
            };
            StepRow {
                key,
                status: s.status,
                reasons: s.reasons.clone().unwrap_or_default(),
                href: match key {
                    "enterprise_verification" => "/move-in/enterprise",
                    "partner_application" => "/move-in/application",
                    "customer_service_info" => "/provider/info/customer-service",
                    "settlement_info" => "/provider/info/settlement",
                    _ => "/move-in",
                },
                detail,
            }
        })
        .collect()
}

pub async fn show(
    State(state): State<AppState>,
    SignedIn { page, account }: SignedIn,
) -> Result<Response, PageError> {
    if !page.is_provider() {
        return Ok(see_other("/console"));
    }
    let m = page.or_error_page(move_in::status(&state.ctx, &account.id).await)?;
    let steps = step_rows(&page, &m);
    let due = m.due_keys();
    Ok(render(
        StatusCode::OK,
        &MoveInPage {
            page,
            steps,
            moved_in: m.moved_in(),
            due,
        },
    ))
}
