//! The provider backend: Information Management → Basic Information, with the Customer Service
//! and Settlement tabs. Before approval it shows what is still due.

use askama::Template;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::Response;

use crate::domain::provider::{CustomerServiceForm, SettlementForm};
use crate::http::state::AppState;
use crate::http::web::errors::{error_page, failure, PageError};
use crate::http::web::extract::{CheckedForm, SignedIn};
use crate::http::web::forms::{self, FormState};
use crate::http::web::move_in::stepper::{journey, Journey, StepRow};
use crate::http::web::page::Page;
use crate::http::web::respond::{render, see_other};
use crate::workflows::accounts::AccountView;
use crate::workflows::provider_info::{self, ChangeDecision, SettlementAnswer};
use crate::workflows::{move_in, Error};

/// The provider backend (or product release) before it is open: what is still due, in the
/// journey's words.
#[derive(Template)]
#[template(path = "pages/provider_not_yet.html")]
pub struct NotYetPage {
    pub page: Page,
    pub journey: Journey,
    /// `backend` (the provider backend opens after the approval) or `products` (releasing
    /// needs every move-in step done).
    pub what: &'static str,
}

impl NotYetPage {
    /// What is still due for `what`: the backend opens with the verification and the
    /// application; releasing products needs every step.
    pub fn due(&self) -> Vec<&StepRow> {
        self.journey
            .due()
            .into_iter()
            .filter(|s| {
                self.what != "backend"
                    || matches!(s.key, "enterprise_verification" | "partner_application")
            })
            .collect()
    }
}

/// The "not yet" page (403) of `account`, for `what`.
pub async fn not_yet(
    state: &AppState,
    page: Page,
    account: &AccountView,
    what: &'static str,
) -> Response {
    match move_in::status(&state.ctx, &account.id).await {
        Ok(m) => {
            let journey = journey(&page, &m);
            render(
                StatusCode::FORBIDDEN,
                &NotYetPage {
                    page,
                    journey,
                    what,
                },
            )
        }
        Err(e) => failure(page, e),
    }
}

#[derive(Template)]
#[template(path = "pages/provider_info.html")]
pub struct InfoPage {
    pub page: Page,
    /// `customer-service` or `settlement`.
    pub tab: &'static str,
    pub form: FormState,
    pub settlement: Option<SettlementAnswer>,
    /// The newest settlement change, when it was rejected: shown beside the form with why.
    pub rejected_change: Option<ChangeDecision>,
    pub company: String,
}

/// The customer-service form's fields, top to bottom, and the labels they show.
const CS_FIELDS: &[&str] = &["phone", "email", "dongdong_group_id", "service_hours"];
const CS_LABELS: &[(&str, &str)] = &[
    ("phone", "label.cs_phone"),
    ("email", "label.cs_email"),
    ("dongdong_group_id", "label.dongdong_group_id"),
    ("service_hours", "label.cs_hours"),
];
const SETTLEMENT_FIELDS: &[&str] = &[
    "account_name",
    "bank_name",
    "branch_name",
    "branch_code",
    "account_number",
];
const SETTLEMENT_LABELS: &[(&str, &str)] = &[
    ("account_name", "label.account_name"),
    ("bank_name", "label.bank_name"),
    ("branch_name", "label.branch_name"),
    ("branch_code", "label.branch_code"),
    ("account_number", "label.account_number"),
];

impl InfoPage {
    /// The customer-service tab, with `form` as shown.
    fn customer_service(page: Page, company: String, form: FormState) -> InfoPage {
        InfoPage {
            page,
            tab: "customer-service",
            form: form.labelled(CS_LABELS).ordered(CS_FIELDS),
            settlement: None,
            rejected_change: None,
            company,
        }
    }

    /// The settlement tab, with `form` as shown and the accounts, when they could be read.
    fn settlement(
        page: Page,
        company: String,
        form: FormState,
        settlement: Option<SettlementAnswer>,
        last_change: Option<ChangeDecision>,
    ) -> InfoPage {
        InfoPage {
            page,
            tab: "settlement",
            form: form.labelled(SETTLEMENT_LABELS).ordered(SETTLEMENT_FIELDS),
            settlement,
            rejected_change: last_change.filter(|c| c.status == "rejected"),
            company,
        }
    }

    pub fn has_current(&self) -> bool {
        self.settlement
            .as_ref()
            .is_some_and(|s| s.current.is_some())
    }

    /// "招商银行 · **** **** 4444 · 提交于 …" of the change waiting for review.
    pub fn pending_line(&self) -> String {
        let Some(p) = self
            .settlement
            .as_ref()
            .and_then(|s| s.pending_change.as_ref())
        else {
            return String::new();
        };
        self.page.tf3(
            "provider.settlement.pending_line",
            &[
                ("bank", &p.bank_name),
                ("account", &p.account_number_masked),
                ("at", &self.page.time(&p.updated_at_ms)),
            ],
        )
    }

    /// "您于 … 申请的变更（**** 4444）未通过" of the rejected change.
    pub fn rejected_line(&self) -> String {
        let Some(c) = &self.rejected_change else {
            return String::new();
        };
        self.page.tf3(
            "provider.settlement.rejected_line",
            &[
                ("account", &c.account_number_masked),
                ("at", &self.page.time(&c.submitted_at)),
            ],
        )
    }

    /// The rejected change's reason about `field`, to show beside it.
    pub fn change_reason(&self, field: &str) -> Option<String> {
        let c = self.rejected_change.as_ref()?;
        c.reasons
            .iter()
            .find(|r| r.field == field || r.field == format!("{field}_masked"))
            .map(|r| r.message.clone())
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
        let SignedIn { mut page, account } = SignedIn::from_request_parts(parts, state).await?;
        match move_in::require_provider_status(&state.ctx, &account).await {
            Ok(m) => {
                page.set_validity_banner(&m);
                crate::http::web::deposits::set_banner(state, &mut page, &m, &account).await;
                page.agreement_due = m.agreement;
            }
            Err(Error::ProviderAccessRequired { .. }) => {
                return Err(not_yet(state, page, &account, "backend").await);
            }
            Err(Error::Forbidden) => {
                return Err(error_page(page, StatusCode::FORBIDDEN, "forbidden"));
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
    let last =
        page.or_error_page(provider_info::last_change(&state.ctx, &backend.account).await)?;
    let mut form = FormState::default();
    match (
        &answer.current,
        last.as_ref().filter(|c| c.status == "rejected"),
    ) {
        // A change was rejected: the form holds it (but its number), to correct what was refused.
        (_, Some(c)) => {
            form.set("account_name", c.account_name.clone());
            form.set("bank_name", c.bank_name.clone());
            form.set("branch_name", c.branch_name.clone());
            form.set("branch_code", c.branch_code.clone());
        }
        (Some(c), None) => {
            form.set("account_name", c.account_name.clone());
            form.set("bank_name", c.bank_name.clone());
            form.set("branch_name", c.branch_name.clone());
            form.set("branch_code", c.branch_code.clone());
        }
        (None, None) => form.set("account_name", backend.company.clone()),
    }
    let shown = InfoPage::settlement(page, backend.company, form, Some(answer), last);
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
                    let last = provider_info::last_change(&state.ctx, account)
                        .await
                        .ok()
                        .flatten();
                    Ok(InfoPage::settlement(page, company, form, answer, last))
                })
                .await
        }
    }
}
