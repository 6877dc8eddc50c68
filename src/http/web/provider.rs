//! The provider backend: Information Management → Basic Information, with the Customer Service
//! and Settlement tabs. Before approval it shows what is still due.

use super::see_other;
use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::forms::{self, absorb, FormState};
use super::move_in::{failure, signed_in, step_rows, StepRow};
use super::{checked_form, render, Page};
use crate::domain::provider::{CustomerServiceForm, SettlementForm};
use crate::http::state::AppState;
use crate::workflows::provider_info::{self, SettlementAnswer};
use crate::workflows::{move_in, Error};

#[derive(Template)]
#[template(path = "pages/provider_not_yet.html")]
pub struct NotYetPage {
    pub page: Page,
    pub steps: Vec<StepRow>,
}

#[derive(Template)]
#[template(path = "pages/provider_info.html")]
pub struct InfoPage {
    pub page: Page,
    /// `customer-service` or `settlement`.
    pub tab: &'static str,
    pub form: FormState,
    pub settlement: Option<SettlementAnswer>,
    pub company: String,
}

impl InfoPage {
    pub fn has_current(&self) -> bool {
        self.settlement
            .as_ref()
            .is_some_and(|s| s.current.is_some())
    }
}

/// The gate: the backend opens once verified and approved; otherwise the "not yet" page.
#[allow(clippy::result_large_err)] // an early-return page, not an error value
async fn gate(
    state: &AppState,
    page: &Page,
) -> Result<crate::workflows::accounts::AccountView, Response> {
    let account = signed_in(page)?;
    match move_in::require_provider_access(&state.ctx, &account).await {
        Ok(_) => Ok(account),
        Err(Error::ProviderAccessRequired { .. }) | Err(Error::Forbidden) => {
            let steps = match move_in::status(&state.ctx, &account.id).await {
                Ok(m) => step_rows(page, &m),
                Err(_) => Vec::new(),
            };
            Err(render(
                StatusCode::FORBIDDEN,
                &NotYetPage {
                    page: page.clone(),
                    steps,
                },
            ))
        }
        Err(e) => Err(failure(page.clone(), e)),
    }
}

pub async fn index() -> Response {
    see_other("/provider/info/customer-service").into_response()
}

/// The company's name for the page's heading; a failure to read it is the page's failure.
#[allow(clippy::result_large_err)] // an early-return page, not an error value
async fn company_of(
    state: &AppState,
    page: &Page,
    account: &crate::workflows::accounts::AccountView,
) -> Result<String, Response> {
    provider_info::company_name(&state.ctx, account)
        .await
        .map_err(|e| failure(page.clone(), e))
}

pub async fn customer_service(State(state): State<AppState>, page: Page) -> Response {
    let account = match gate(&state, &page).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let mut form = FormState::default();
    match provider_info::customer_service(&state.ctx, &account).await {
        Ok(Some(cs)) => {
            form.set("phone", cs.phone);
            form.set("email", cs.email);
            form.set("dongdong_group_id", cs.dongdong_group_id);
            form.set("service_hours", cs.service_hours);
        }
        Ok(None) => {}
        Err(e) => return failure(page, e),
    }
    let company = match company_of(&state, &page, &account).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    render(
        StatusCode::OK,
        &InfoPage {
            page,
            tab: "customer-service",
            form,
            settlement: None,
            company,
        },
    )
}

pub async fn customer_service_save(
    State(state): State<AppState>,
    page: Page,
    body: Bytes,
) -> Response {
    let account = match gate(&state, &page).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let data = match checked_form(&page, &body) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let mut form = FormState::from_form(&data);
    let input = CustomerServiceForm {
        phone: forms::opt(&data, "phone"),
        email: forms::opt(&data, "email"),
        dongdong_group_id: forms::opt(&data, "dongdong_group_id"),
        service_hours: forms::opt(&data, "service_hours"),
    };
    match provider_info::save_customer_service(&state.ctx, &account, &input).await {
        Ok(_) => see_other("/provider/info/customer-service?notice=saved").into_response(),
        Err(e) => match absorb(page.lang, &mut form, e) {
            Ok(()) => {
                let company = match company_of(&state, &page, &account).await {
                    Ok(c) => c,
                    Err(r) => return r,
                };
                render(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &InfoPage {
                        page,
                        tab: "customer-service",
                        form,
                        settlement: None,
                        company,
                    },
                )
            }
            Err(e) => failure(page, e),
        },
    }
}

pub async fn settlement(State(state): State<AppState>, page: Page) -> Response {
    let account = match gate(&state, &page).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let answer = match provider_info::settlement(&state.ctx, &account).await {
        Ok(a) => a,
        Err(e) => return failure(page, e),
    };
    let company = match company_of(&state, &page, &account).await {
        Ok(c) => c,
        Err(r) => return r,
    };
    let mut form = FormState::default();
    match &answer.current {
        Some(c) => {
            form.set("account_name", c.account_name.clone());
            form.set("bank_name", c.bank_name.clone());
            form.set("branch_name", c.branch_name.clone());
            form.set("branch_code", c.branch_code.clone());
        }
        None => form.set("account_name", company.clone()),
    }
    render(
        StatusCode::OK,
        &InfoPage {
            page,
            tab: "settlement",
            form,
            settlement: Some(answer),
            company,
        },
    )
}

pub async fn settlement_save(State(state): State<AppState>, page: Page, body: Bytes) -> Response {
    let account = match gate(&state, &page).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let data = match checked_form(&page, &body) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let mut form = FormState::from_form(&data);
    let input = SettlementForm {
        account_name: forms::opt(&data, "account_name"),
        bank_name: forms::opt(&data, "bank_name"),
        branch_name: forms::opt(&data, "branch_name"),
        branch_code: forms::opt(&data, "branch_code"),
        account_number: forms::opt(&data, "account_number"),
    };
    match provider_info::save_settlement(&state.ctx, &account, &input).await {
        Ok(a) => {
            let notice = if a.status == "change_pending" {
                "change_requested"
            } else {
                "saved"
            };
            see_other(&format!("/provider/info/settlement?notice={notice}")).into_response()
        }
        Err(e) => match absorb(page.lang, &mut form, e) {
            Ok(()) => {
                let answer = provider_info::settlement(&state.ctx, &account).await.ok();
                let company = match company_of(&state, &page, &account).await {
                    Ok(c) => c,
                    Err(r) => return r,
                };
                render(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &InfoPage {
                        page,
                        tab: "settlement",
                        form,
                        settlement: answer,
                        company,
                    },
                )
            }
            Err(e) => failure(page, e),
        },
    }
}
