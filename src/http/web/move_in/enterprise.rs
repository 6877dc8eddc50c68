//! Enterprise verification on the pages (`/move-in/enterprise`): the form (draft and submit),
//! the documents, and the micro-deposit (its amount, or a new one when it is void).

use std::collections::HashMap;

use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::Response;

use crate::domain::enterprise::{
    AuthorizedForm, CorporateAccountForm, DepositStatus, EnterpriseForm, PersonForm, SubjectType,
};
use crate::domain::ids::IdType;
use crate::domain::money::Fen;
use crate::domain::move_in::FormStatus;
use crate::domain::upload::MAX_DOCUMENT_BYTES;
use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::http::web::errors::{failure, PageError};
use crate::http::web::extract::{checked_upload, CheckedForm, SignedIn};
use crate::http::web::forms::{self, FormData, FormState};
use crate::http::web::move_in::reasons_map;
use crate::http::web::page::Page;
use crate::http::web::respond::{render, see_other};
use crate::workflows::micro_deposit;
use crate::workflows::verification::{self, EnterpriseView};
use crate::workflows::Error;

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
        self.view.status.editable()
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

fn enterprise_page(page: Page, view: EnterpriseView, form: Option<FormState>) -> EnterprisePage {
    let form = form.unwrap_or_else(|| enterprise_state(&view));
    EnterprisePage {
        reasons: reasons_map(&view.reasons, view.status),
        page,
        form,
        view,
        deposit_form: FormState::default(),
        upload_form: FormState::default(),
    }
}

pub async fn show(
    State(state): State<AppState>,
    SignedIn { page, account }: SignedIn,
) -> Result<Response, PageError> {
    let view = page.or_error_page(verification::view(&state.ctx, &account).await)?;
    Ok(render(StatusCode::OK, &enterprise_page(page, view, None)))
}

/// Saves the draft (`action=save`) or saves and submits (`action=submit`).
pub async fn save(
    State(state): State<AppState>,
    SignedIn { page, account }: SignedIn,
    CheckedForm(data): CheckedForm,
) -> Response {
    let form = FormState::from_form(&data);
    let result = forms::save_or_submit(
        &data,
        verification::save_draft(&state.ctx, &account, &enterprise_form(&data)),
        async || verification::submit(&state.ctx, &account).await,
    )
    .await;
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
pub async fn upload(
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
pub async fn confirm_deposit(
    State(state): State<AppState>,
    SignedIn { page, account }: SignedIn,
    CheckedForm(data): CheckedForm,
) -> Response {
    let mut deposit_form = FormState::from_form(&data);
    let amount = forms::first(&data, "amount").and_then(Fen::parse_yuan);
    let result = match amount {
        Some(fen) => micro_deposit::confirm_deposit(&state.ctx, &account, Some(fen.0))
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
pub async fn request_deposit(
    State(state): State<AppState>,
    SignedIn { page, account }: SignedIn,
    CheckedForm(_): CheckedForm,
) -> Response {
    match micro_deposit::request_new_deposit(&state.ctx, &account).await {
        Ok(_) => see_other("/move-in/enterprise?notice=deposit_requested"),
        Err(Error::Conflict(_)) => see_other("/move-in/enterprise"),
        Err(e) => failure(page, e),
    }
}
