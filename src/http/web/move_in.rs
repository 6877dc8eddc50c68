//! The move-in area: the stepper, the enterprise verification form (with documents and the
//! micro-deposit), and the move-in application.

use std::collections::HashMap;

use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::Response;

use crate::domain::application::{ApplicationForm, ContactForm, AGREEMENT_VERSION, SERVICE_HOURS};
use crate::domain::catalog::{CatalogEntry, CatalogList};
use crate::domain::enterprise::{
    AuthorizedForm, CorporateAccountForm, EnterpriseForm, PersonForm, SubjectType,
};
use crate::domain::ids::IdType;
use crate::domain::money::Fen;
use crate::domain::move_in::{MoveIn, Reason, StepStatus};
use crate::domain::upload::MAX_DOCUMENT_BYTES;
use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::http::web::errors::{failure, PageError};
use crate::http::web::extract::{checked_upload, CheckedForm, SignedIn};
use crate::http::web::forms::{self, FormData, FormState};
use crate::http::web::page::Page;
use crate::http::web::respond::{render, see_other};
use crate::workflows::accounts::AccountView;
use crate::workflows::application::{self, ApplicationView};
use crate::workflows::verification::{self, EnterpriseView};
use crate::workflows::{catalog, move_in, Error};

/// A step as the stepper draws it.
pub struct StepRow {
    pub key: &'static str,
    pub status: &'static str,
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

pub fn step_rows(page: &Page, m: &MoveIn) -> Vec<StepRow> {
    m.steps
        .iter()
        .map(|s| {
            let key = s.key.as_str();
            let status = match s.status {
                StepStatus::NotStarted => "not_started",
                StepStatus::Draft => "draft",
                StepStatus::InReview => "in_review",
                StepStatus::Rejected => "rejected",
                StepStatus::Done => "done",
            };
            let detail = match (&s.checks, s.change_pending) {
                (Some(c), _) if s.status != StepStatus::Done && c.documents == "approved" => {
                    page.t(&format!("move_in.deposit.{}", c.micro_deposit))
                }
                (_, true) => page.t("provider.settlement.pending"),
                _ => String::new(),
            };
            StepRow {
                key,
                status,
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

pub async fn overview(
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

#[derive(Template)]
#[template(path = "pages/enterprise.html")]
pub struct EnterprisePage {
    pub page: Page,
    pub form: FormState,
    pub view: EnterpriseView,
    pub reasons: HashMap<String, String>,
    pub deposit_form: FormState,
    pub upload_form: FormState,
}

impl EnterprisePage {
    pub fn reason(&self, field: &str) -> Option<String> {
        self.reasons.get(field).cloned()
    }

    pub fn editable(&self) -> bool {
        matches!(
            self.view.status.as_str(),
            "not_started" | "draft" | "rejected"
        )
    }

    pub fn document(&self, kind: &str) -> Option<&crate::workflows::verification::DocumentView> {
        self.view.documents.iter().find(|d| d.kind == kind)
    }

    pub fn id_types(&self) -> [&'static str; 4] {
        ["prc_id", "passport", "hk_macao_permit", "taiwan_permit"]
    }
}

fn enterprise_state(view: &EnterpriseView) -> FormState {
    let d = &view.data;
    let mut f = FormState::default();
    let set =
        |f: &mut FormState, k: &str, v: &Option<String>| f.set(k, v.clone().unwrap_or_default());
    f.set(
        "subject_type",
        match d.subject_type {
            Some(SubjectType::SoleProprietor) => "sole_proprietor",
            _ => "enterprise",
        },
    );
    set(&mut f, "company_name", &d.company_name);
    set(&mut f, "uscc", &d.uscc);
    if d.uscc_check_failed {
        f.set("uscc_check_override", "true");
    }
    set(&mut f, "registered_address", &d.registered_address);
    set(&mut f, "legal_rep.name", &d.legal_rep.name);
    f.set(
        "legal_rep.id_type",
        d.legal_rep.id_type.map(|t| t.as_str()).unwrap_or("prc_id"),
    );
    set(
        &mut f,
        "legal_rep.id_number_masked",
        &d.legal_rep.id_number_masked,
    );
    f.set(
        "authorized_person.same_as_legal_rep",
        if d.authorized_person.same_as_legal_rep == Some(false) {
            "false"
        } else {
            "true"
        },
    );
    set(&mut f, "authorized_person.name", &d.authorized_person.name);
    f.set(
        "authorized_person.id_type",
        d.authorized_person
            .id_type
            .map(|t| t.as_str())
            .unwrap_or("prc_id"),
    );
    set(
        &mut f,
        "authorized_person.id_number_masked",
        &d.authorized_person.id_number_masked,
    );
    set(
        &mut f,
        "corporate_account.bank_name",
        &d.corporate_account.bank_name,
    );
    set(
        &mut f,
        "corporate_account.province",
        &d.corporate_account.province,
    );
    set(&mut f, "corporate_account.city", &d.corporate_account.city);
    set(
        &mut f,
        "corporate_account.branch_name",
        &d.corporate_account.branch_name,
    );
    set(
        &mut f,
        "corporate_account.account_number_masked",
        &d.corporate_account.account_number_masked,
    );
    f
}

fn id_type(form: &FormData, name: &str) -> Option<IdType> {
    forms::first(form, name).and_then(|s| IdType::parse(s).ok())
}

fn enterprise_form(data: &FormData) -> EnterpriseForm {
    let same = forms::first(data, "authorized_person.same_as_legal_rep") != Some("false");
    EnterpriseForm {
        subject_type: match forms::first(data, "subject_type") {
            Some("sole_proprietor") => Some(SubjectType::SoleProprietor),
            Some("enterprise") => Some(SubjectType::Enterprise),
            _ => None,
        },
        company_name: forms::opt(data, "company_name"),
        uscc: forms::opt(data, "uscc"),
        uscc_check_override: Some(forms::first(data, "uscc_check_override") == Some("true")),
        registered_address: forms::opt(data, "registered_address"),
        legal_rep: Some(PersonForm {
            name: forms::opt(data, "legal_rep.name"),
            id_type: id_type(data, "legal_rep.id_type"),
            id_number: forms::opt(data, "legal_rep.id_number"),
        }),
        authorized_person: Some(AuthorizedForm {
            same_as_legal_rep: Some(same),
            name: forms::opt(data, "authorized_person.name"),
            id_type: id_type(data, "authorized_person.id_type"),
            id_number: forms::opt(data, "authorized_person.id_number"),
        }),
        corporate_account: Some(CorporateAccountForm {
            bank_name: forms::opt(data, "corporate_account.bank_name"),
            province: forms::opt(data, "corporate_account.province"),
            city: forms::opt(data, "corporate_account.city"),
            branch_name: forms::opt(data, "corporate_account.branch_name"),
            account_number: forms::opt(data, "corporate_account.account_number"),
        }),
    }
}

fn reasons_map(reasons: &[Reason], status: &str) -> HashMap<String, String> {
    if status != "rejected" {
        return HashMap::new();
    }
    reasons
        .iter()
        .map(|r| (r.field.clone(), r.message.clone()))
        .collect()
}

fn enterprise_page(page: Page, view: EnterpriseView, form: Option<FormState>) -> EnterprisePage {
    let form = form.unwrap_or_else(|| enterprise_state(&view));
    EnterprisePage {
        reasons: reasons_map(&view.reasons, &view.status),
        page,
        form,
        view,
        deposit_form: FormState::default(),
        upload_form: FormState::default(),
    }
}

pub async fn enterprise(
    State(state): State<AppState>,
    SignedIn { page, account }: SignedIn,
) -> Result<Response, PageError> {
    let view = page.or_error_page(verification::view(&state.ctx, &account).await)?;
    Ok(render(StatusCode::OK, &enterprise_page(page, view, None)))
}

/// Saves the draft (`action=save`) or saves and submits (`action=submit`).
pub async fn enterprise_save(
    State(state): State<AppState>,
    SignedIn { page, account }: SignedIn,
    CheckedForm(data): CheckedForm,
) -> Response {
    let form = FormState::from_form(&data);
    let submit = forms::first(&data, "action") == Some("submit");
    let saved = verification::save_draft(&state.ctx, &account, &enterprise_form(&data)).await;
    let result = match saved {
        Ok(_) if submit => verification::submit(&state.ctx, &account)
            .await
            .map(|_| "submitted"),
        Ok(_) => Ok("saved"),
        Err(e) => Err(e),
    };
    match result {
        Ok(notice) => see_other(&format!("/move-in/enterprise?notice={notice}")),
        Err(e) => {
            page.refused(form, e, async |page, mut form| {
                let view = page.or_error_page(verification::view(&state.ctx, &account).await)?;
                // Keep what was typed; the masked numbers come from the stored draft.
                let stored = enterprise_state(&view);
                for k in [
                    "legal_rep.id_number_masked",
                    "authorized_person.id_number_masked",
                    "corporate_account.account_number_masked",
                ] {
                    form.set(k, stored.value(k));
                }
                Ok(enterprise_page(page, view, Some(form)))
            })
            .await
        }
    }
}

/// The document upload form (multipart: `csrf_token`, `kind`, `file`).
pub async fn enterprise_upload(
    State(state): State<AppState>,
    SignedIn { page, account }: SignedIn,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, PageError> {
    let upload = checked_upload(&page, multipart, &["kind"], MAX_DOCUMENT_BYTES).await?;
    let upload_form = FormState::from_form(&upload.fields);
    let uploaded = match upload.into_file(&["kind"]) {
        Ok((fields, file)) => {
            let kind = forms::first(&fields, "kind").unwrap_or("").trim();
            verification::upload_document(&state.ctx, &account, kind, file)
                .await
                .map(|_| ())
                .map_err(ApiError::from)
        }
        Err(refusal) => Err(refusal),
    };
    Ok(match uploaded {
        Ok(()) => see_other("/move-in/enterprise?notice=uploaded#documents"),
        Err(e) => {
            page.refused(upload_form, e, async |page, upload_form| {
                let view = page.or_error_page(verification::view(&state.ctx, &account).await)?;
                Ok(EnterprisePage {
                    upload_form,
                    ..enterprise_page(page, view, None)
                })
            })
            .await
        }
    })
}

/// The amount of the micro-deposit, typed in yuan (0.01–0.99) or fen.
pub async fn enterprise_deposit(
    State(state): State<AppState>,
    SignedIn { page, account }: SignedIn,
    CheckedForm(data): CheckedForm,
) -> Response {
    let mut deposit_form = FormState::from_form(&data);
    let amount = forms::first(&data, "amount").and_then(Fen::parse_yuan);
    let result = match amount {
        Some(fen) => verification::confirm_deposit(&state.ctx, &account, Some(fen.0))
            .await
            .map(|_| ()),
        None => {
            deposit_form.add_error("amount_fen", page.t("field.amount_yuan"));
            Err(Error::Validation(Vec::new()))
        }
    };
    match result {
        Ok(()) => see_other("/move-in/enterprise?notice=deposit_confirmed"),
        Err(e) => {
            page.refused(deposit_form, e, async |page, deposit_form| {
                let view = page.or_error_page(verification::view(&state.ctx, &account).await)?;
                Ok(EnterprisePage {
                    deposit_form,
                    ..enterprise_page(page, view, None)
                })
            })
            .await
        }
    }
}

/// `POST /move-in/enterprise/deposit/request`: the holder of a void deposit asks for a new one.
pub async fn enterprise_deposit_request(
    State(state): State<AppState>,
    SignedIn { page, account }: SignedIn,
    CheckedForm(_): CheckedForm,
) -> Response {
    match verification::request_new_deposit(&state.ctx, &account).await {
        Ok(_) => see_other("/move-in/enterprise?notice=deposit_requested"),
        Err(Error::Conflict(_)) => see_other("/move-in/enterprise"),
        Err(e) => failure(page, e),
    }
}

#[derive(Template)]
#[template(path = "pages/application.html")]
pub struct ApplicationPage {
    pub page: Page,
    /// Not verified yet: the page shows the notice instead of the form.
    pub needs_verification: bool,
    pub view: Option<ApplicationView>,
    pub form: FormState,
    pub categories: Vec<CatalogEntry>,
    pub service_types: Vec<CatalogEntry>,
    pub reasons: HashMap<String, String>,
}

impl ApplicationPage {
    pub fn hours(&self) -> &'static [&'static str] {
        SERVICE_HOURS
    }

    pub fn agreement_version(&self) -> &'static str {
        AGREEMENT_VERSION
    }

    pub fn editable(&self) -> bool {
        self.view
            .as_ref()
            .is_none_or(|v| matches!(v.status.as_str(), "not_started" | "draft" | "rejected"))
    }

    pub fn status(&self) -> String {
        self.view
            .as_ref()
            .map(|v| v.status.clone())
            .unwrap_or_else(|| "not_started".into())
    }

    pub fn reason(&self, field: &str) -> Option<String> {
        self.reasons.get(field).cloned()
    }
}

fn application_state(view: &ApplicationView) -> FormState {
    let d = &view.data;
    let mut f = FormState::default();
    f.set("contact.name", d.contact.name.clone().unwrap_or_default());
    f.set("contact.title", d.contact.title.clone().unwrap_or_default());
    f.set(
        "contact.mobile",
        d.contact.mobile.clone().unwrap_or_default(),
    );
    f.set("contact.email", d.contact.email.clone().unwrap_or_default());
    f.set(
        "business_brief",
        d.business_brief.clone().unwrap_or_default(),
    );
    f.set_multi("categories", d.categories.clone());
    f.set_multi("service_types", d.service_types.clone());
    f.set(
        "service_hours",
        d.service_hours.clone().unwrap_or_else(|| "5x8".into()),
    );
    f.set(
        "years_in_industry",
        d.years_in_industry
            .map(|y| y.to_string())
            .unwrap_or_default(),
    );
    if d.agreement_version.as_deref() == Some(AGREEMENT_VERSION) {
        f.set("agreement", "accepted");
    }
    f
}

/// The application page of `account`, with `form` as typed (or as stored).
async fn application_page(
    state: &AppState,
    page: Page,
    account: &AccountView,
    form: Option<FormState>,
) -> Result<ApplicationPage, PageError> {
    let verified = page
        .or_error_page(move_in::status(&state.ctx, &account.id).await)?
        .verified();
    let categories =
        page.or_error_page(catalog::list(&state.ctx, CatalogList::Categories).await)?;
    let service_types =
        page.or_error_page(catalog::list(&state.ctx, CatalogList::ServiceTypes).await)?;
    let view = page.or_error_page(application::view(&state.ctx, account).await)?;
    let form = form.unwrap_or_else(|| application_state(&view));
    let reasons = reasons_map(&view.reasons, &view.status);
    Ok(ApplicationPage {
        page,
        needs_verification: !verified,
        view: Some(view),
        form,
        categories,
        service_types,
        reasons,
    })
}

pub async fn application(
    State(state): State<AppState>,
    SignedIn { page, account }: SignedIn,
) -> Result<Response, PageError> {
    let shown = application_page(&state, page, &account, None).await?;
    Ok(render(StatusCode::OK, &shown))
}

fn application_form(data: &FormData) -> ApplicationForm {
    ApplicationForm {
        contact: Some(ContactForm {
            name: forms::opt(data, "contact.name"),
            title: forms::opt(data, "contact.title"),
            mobile: forms::opt(data, "contact.mobile"),
            email: forms::opt(data, "contact.email"),
        }),
        business_brief: forms::opt(data, "business_brief"),
        categories: Some(forms::all(data, "categories")),
        service_types: Some(forms::all(data, "service_types")),
        service_hours: forms::opt(data, "service_hours"),
        years_in_industry: forms::opt(data, "years_in_industry")
            .and_then(|y| y.parse().ok().or(Some(-1))),
        agreement_version: (forms::first(data, "agreement") == Some("accepted"))
            .then(|| AGREEMENT_VERSION.to_string()),
    }
}

/// Saves the draft (`action=save`) or saves and submits (`action=submit`).
pub async fn application_save(
    State(state): State<AppState>,
    SignedIn { page, account }: SignedIn,
    CheckedForm(data): CheckedForm,
) -> Response {
    let form = FormState::from_form(&data);
    let submit = forms::first(&data, "action") == Some("submit");
    let result = match application::save_draft(&state.ctx, &account, &application_form(&data)).await
    {
        Ok(_) if submit => application::submit(&state.ctx, &account)
            .await
            .map(|_| "submitted"),
        Ok(_) => Ok("saved"),
        Err(e) => Err(e),
    };
    match result {
        Ok(notice) => see_other(&format!("/move-in/application?notice={notice}")),
        Err(Error::VerificationRequired { .. }) => see_other("/move-in/application"),
        Err(e) => {
            page.refused(form, e, async |page, form| {
                application_page(&state, page, &account, Some(form)).await
            })
            .await
        }
    }
}
