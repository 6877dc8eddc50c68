//! The provider backend: Information Management → Basic Information, with the Customer Service
//! and Settlement tabs. Before approval it shows what is still due.

use askama::Template;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::Response;

use crate::domain::move_in::StepStatus;
use crate::domain::provider::{CustomerServiceForm, SettlementForm};
use crate::http::state::AppState;
use crate::http::web::errors::{failure, PageError};
use crate::http::web::extract::{CheckedForm, SignedIn};
use crate::http::web::forms::{self, FormState};
use crate::http::web::move_in::stepper::{step_rows, StepRow};
use crate::http::web::page::Page;
use crate::http::web::respond::{render, see_other};
use crate::workflows::accounts::AccountView;
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
    /// The customer-service tab, with `form` as shown.
    fn customer_service(page: Page, company: String, form: FormState) -> InfoPage {
        InfoPage {
            page,
            tab: "customer-service",
            form,
            settlement: None,
            company,
        }
    }

    /// The settlement tab, with `form` as shown and the accounts, when they could be read.
    fn settlement(
        page: Page,
        company: String,
        form: FormState,
        settlement: Option<SettlementAnswer>,
    ) -> InfoPage {
        InfoPage {
            page,
            tab: "settlement",
            form,
            settlement,
            company,
        }
    }

    pub fn has_current(&self) -> bool {
        self.settlement
            .as_ref()
            .is_some_and(|s| s.current.is_some())
    }
}

/// A provider the backend is open to (`SignedIn`, verified and approved), with the company's
/// name for the heading. Before that: the "not yet" page (403) with the steps still due.
pub struct ProviderBackend {
    pub page: Page,
    pub account: AccountView,
    pub company: String,
}

impl FromRequestParts<AppState> for ProviderBackend {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let SignedIn { page, account } = SignedIn::from_request_parts(parts, state).await?;
        match move_in::require_provider_access(&state.ctx, &account).await {
            Ok(_) => {}
            Err(Error::ProviderAccessRequired { .. }) | Err(Error::Forbidden) => {
                let steps = match move_in::status(&state.ctx, &account.id).await {
                    Ok(m) => step_rows(&page, &m),
                    Err(_) => Vec::new(),
                };
                return Err(render(StatusCode::FORBIDDEN, &NotYetPage { page, steps }));
            }
            Err(e) => return Err(failure(page, e)),
        }
        match provider_info::company_name(&state.ctx, &account).await {
            Ok(company) => Ok(ProviderBackend {
                page,
                account,
                company,
            }),
            Err(e) => Err(failure(page, e)),
        }
    }
}

pub async fn index() -> Response {
    see_other("/provider/info/customer-service")
}

pub async fn customer_service(
    State(state): State<AppState>,
    backend: ProviderBackend,
) -> Result<Response, PageError> {
    let page = backend.page;
    let stored = provider_info::customer_service(&state.ctx, &backend.account).await;
    let mut form = FormState::default();
    if let Some(cs) = page.or_error_page(stored)? {
        form.set("phone", cs.phone);
        form.set("email", cs.email);
        form.set("dongdong_group_id", cs.dongdong_group_id);
        form.set("service_hours", cs.service_hours);
    }
    let shown = InfoPage::customer_service(page, backend.company, form);
    Ok(render(StatusCode::OK, &shown))
}

pub async fn customer_service_save(
    State(state): State<AppState>,
    backend: ProviderBackend,
    CheckedForm(data): CheckedForm,
) -> Response {
    let form = FormState::from_form(&data);
    let input = CustomerServiceForm {
        phone: forms::opt(&data, "phone"),
        email: forms::opt(&data, "email"),
        dongdong_group_id: forms::opt(&data, "dongdong_group_id"),
        service_hours: forms::opt(&data, "service_hours"),
    };
    match provider_info::save_customer_service(&state.ctx, &backend.account, &input).await {
        Ok(_) => see_other("/provider/info/customer-service?notice=saved"),
        Err(e) => {
            let company = backend.company;
            backend
                .page
                .refused(form, e, async |page, form| {
                    Ok(InfoPage::customer_service(page, company, form))
                })
                .await
        }
    }
}

pub async fn settlement(
    State(state): State<AppState>,
    backend: ProviderBackend,
) -> Result<Response, PageError> {
    let page = backend.page;
    let answer =
        page.or_error_page(provider_info::settlement(&state.ctx, &backend.account).await)?;
    let mut form = FormState::default();
    match &answer.current {
        Some(c) => {
            form.set("account_name", c.account_name.clone());
            form.set("bank_name", c.bank_name.clone());
            form.set("branch_name", c.branch_name.clone());
            form.set("branch_code", c.branch_code.clone());
        }
        None => form.set("account_name", backend.company.clone()),
    }
    let shown = InfoPage::settlement(page, backend.company, form, Some(answer));
    Ok(render(StatusCode::OK, &shown))
}

pub async fn settlement_save(
    State(state): State<AppState>,
    backend: ProviderBackend,
    CheckedForm(data): CheckedForm,
) -> Response {
    let form = FormState::from_form(&data);
    let input = SettlementForm {
        account_name: forms::opt(&data, "account_name"),
        bank_name: forms::opt(&data, "bank_name"),
        branch_name: forms::opt(&data, "branch_name"),
        branch_code: forms::opt(&data, "branch_code"),
        account_number: forms::opt(&data, "account_number"),
    };
    let account = &backend.account;
    match provider_info::save_settlement(&state.ctx, account, &input).await {
        Ok(a) => {
            let notice = if a.status == "change_pending" {
                "change_requested"
            } else {
                "saved"
            };
            see_other(&format!("/provider/info/settlement?notice={notice}"))
        }
        Err(e) => {
            let company = backend.company;
            backend
                .page
                .refused(form, e, async |page, form| {
                    let answer = provider_info::settlement(&state.ctx, account).await.ok();
                    Ok(InfoPage::settlement(page, company, form, answer))
                })
                .await
        }
    }
}
