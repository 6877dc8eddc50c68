//! Enterprise verification on the pages (`/move-in/enterprise`): one form holds every section
//! and the documents, so choosing a file never loses what was typed. A save keeps whatever is
//! valid (secrets included: shown masked, "leave empty to keep") and names everything wrong or
//! missing at once, at the top and at each field; the language switch saves the draft too.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use crate::domain::enterprise::{
    AuthorizedForm, CorporateAccountForm, DepositStatus, EnterpriseForm, PersonForm, SubjectType,
};
use crate::domain::ids::IdType;
use crate::domain::move_in::{FormStatus, StepKey};
use crate::domain::upload::MAX_DOCUMENT_BYTES;
use crate::domain::validity::TermInput;
use crate::http::state::AppState;
use crate::http::web::errors::PageError;
use crate::http::web::extract::{checked_form_with_files, SentForm, SignedIn};
use crate::http::web::forms::{self, FormData, FormState};
use crate::http::web::language;
use crate::http::web::move_in::stepper::{journey, Journey, NextAction, StepRow};
use crate::http::web::move_in::{reasons_map, refused_draft, saved_lead};
use crate::http::web::page::Page;
use crate::http::web::respond::{render, see_other};
use crate::http::web::typed;
use crate::workflows::accounts::AccountView;
use crate::workflows::move_in;
use crate::workflows::verification::{self, DocumentView, EnterpriseView};
use crate::workflows::verification_form::{self, DOCUMENT_KINDS};

/// The form's fields, top to bottom: the order of the error summary.
pub const FIELDS: &[&str] = &[
    "subject_type",
    "company_name",
    "uscc",
    "registered_address",
    "license_valid_until",
    "documents.business_license",
    "legal_rep.name",
    "legal_rep.id_type",
    "legal_rep.id_number",
    "legal_rep.id_valid_until",
    "authorized_person.same_as_legal_rep",
    "authorized_person.name",
    "authorized_person.id_type",
    "authorized_person.id_number",
    "documents.authorization_letter",
    "corporate_account.bank_name",
    "corporate_account.branch_name",
    "corporate_account.province",
    "corporate_account.city",
    "corporate_account.account_number",
];

/// The text fields the form sends (besides its CSRF token).
const TEXTS: &[&str] = &[
    "action",
    "lang",
    "subject_type",
    "company_name",
    "uscc",
    "uscc_check_override",
    "registered_address",
    "license_valid_until",
    "license_long_term",
    "legal_rep.name",
    "legal_rep.id_type",
    "legal_rep.id_number",
    "legal_rep.id_valid_until",
    "legal_rep.id_long_term",
    "authorized_person.same_as_legal_rep",
    "authorized_person.name",
    "authorized_person.id_type",
    "authorized_person.id_number",
    "corporate_account.bank_name",
    "corporate_account.branch_name",
    "corporate_account.province",
    "corporate_account.city",
    "corporate_account.account_number",
];

const FILES: &[&str] = &[
    "documents.business_license",
    "documents.authorization_letter",
];

/// The secrets' masked forms, as the stored draft has them.
const MASKED: [&str; 3] = [
    "legal_rep.id_number_masked",
    "authorized_person.id_number_masked",
    "corporate_account.account_number_masked",
];

#[derive(Template)]
#[template(path = "pages/enterprise.html")]
pub struct EnterprisePage {
    pub page: Page,
    pub form: FormState,
    pub view: EnterpriseView,
    pub reasons: HashMap<String, String>,
    pub deposit_form: FormState,
    /// The verification as the journey says it (the badge, what it waits for).
    pub step: StepRow,
    /// What to do once verified.
    pub next: Option<NextAction>,
}

impl EnterprisePage {
    pub fn reason(&self, field: &str) -> Option<String> {
        self.reasons.get(field).cloned()
    }

    pub fn editable(&self) -> bool {
        self.view.status.editable()
    }

    pub fn document(&self, kind: &str) -> Option<&DocumentView> {
        self.view.documents.iter().find(|d| d.kind == kind)
    }

    /// The document of `kind` on file: where to download it, and what it is in words.
    pub fn document_shown(&self, kind: &str) -> Option<(String, String)> {
        self.document(kind)
            .map(|d| (d.url.clone(), self.document_line(d)))
    }

    pub fn id_types(&self) -> [&'static str; 4] {
        ["prc_id", "passport", "hk_macao_permit", "taiwan_permit"]
    }

    /// "Saved, ending 4444 — leave empty to keep" for a secret the draft holds.
    pub fn kept_secret(&self, field: &str) -> Option<String> {
        let masked = self.form.value(&format!("{field}_masked"));
        let last4: String = masked
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<Vec<_>>()
            .iter()
            .rev()
            .take(4)
            .rev()
            .collect();
        // Locked (in review, verified), there is nothing to leave empty.
        let key = if self.editable() {
            "enterprise.secret_kept"
        } else {
            "enterprise.secret_on_file"
        };
        (!last4.is_empty()).then(|| self.page.tf(key, "last4", &last4))
    }

    /// A document as people read it: "PDF 文件 · 32.5 KB · 2026年12月2日 02:15 上传".
    pub fn document_line(&self, d: &DocumentView) -> String {
        let kind = match d.content_type.as_str() {
            "application/pdf" => "file_type.pdf",
            "image/png" => "file_type.png",
            "image/jpeg" => "file_type.jpeg",
            _ => "file_type.other",
        };
        self.page.tf3(
            "doc.meta",
            &[
                ("type", &self.page.t(kind)),
                ("size", &crate::display::file_size(d.size)),
                ("at", &self.page.time(&d.uploaded_at_ms)),
            ],
        )
    }

    /// The credit-code box "this is the code on the licence" is for a code that fails its
    /// check character, and only for that (or once ticked).
    pub fn offer_override(&self) -> bool {
        self.form.has_error_code("uscc", "checksum") || self.form.is("uscc_check_override", "true")
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
    set(&mut f, "license_valid_until", &d.license_valid_until);
    if d.license_long_term {
        f.set("license_long_term", "true");
    }
    set(&mut f, "legal_rep.name", &d.legal_rep.name);
    set(
        &mut f,
        "legal_rep.id_valid_until",
        &d.legal_rep.id_valid_until,
    );
    if d.legal_rep.id_long_term {
        f.set("legal_rep.id_long_term", "true");
    }
    f.set(
        "legal_rep.id_type",
        d.legal_rep.id_type.map(|t| t.as_str()).unwrap_or("prc_id"),
    );
    set(&mut f, MASKED[0], &d.legal_rep.id_number_masked);
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
    set(&mut f, MASKED[1], &d.authorized_person.id_number_masked);
    let acct = &d.corporate_account;
    set(&mut f, "corporate_account.bank_name", &acct.bank_name);
    set(&mut f, "corporate_account.province", &acct.province);
    set(&mut f, "corporate_account.city", &acct.city);
    set(&mut f, "corporate_account.branch_name", &acct.branch_name);
    set(&mut f, MASKED[2], &acct.account_number_masked);
    f
}

fn id_type(form: &FormData, name: &str) -> Option<IdType> {
    forms::first(form, name).and_then(|s| IdType::parse(s).ok())
}

/// A term as the form sends it: the long-term box, else the day (empty: not given).
fn term(data: &FormData, day: &str, long_term: &str) -> TermInput {
    if forms::first(data, long_term) == Some("true") {
        return TermInput::LongTerm;
    }
    forms::opt(data, day).map_or(TermInput::Absent, TermInput::Day)
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
        license_valid_until: term(data, "license_valid_until", "license_long_term"),
        legal_rep: Some(PersonForm {
            name: forms::opt(data, "legal_rep.name"),
            id_type: id_type(data, "legal_rep.id_type"),
            id_number: forms::opt(data, "legal_rep.id_number"),
            id_valid_until: term(data, "legal_rep.id_valid_until", "legal_rep.id_long_term"),
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

/// The page of `account`, with `form` as typed (else as stored).
pub async fn enterprise_page(
    state: &AppState,
    page: Page,
    account: &AccountView,
    form: Option<FormState>,
) -> Result<EnterprisePage, PageError> {
    let view = page.or_error_page(verification::view(&state.ctx, account).await)?;
    let m = page.or_error_page(move_in::status(&state.ctx, &account.id).await)?;
    let journey = journey(&page, &m);
    Ok(page_of(page, view, &journey, form))
}

/// The page of `view`, with `form` as typed (else as stored); the masked secrets always come
/// from the stored draft.
fn page_of(
    mut page: Page,
    view: EnterpriseView,
    journey: &Journey,
    form: Option<FormState>,
) -> EnterprisePage {
    let stored = enterprise_state(&view);
    let mut form = form.unwrap_or_else(|| stored.clone());
    for k in MASKED {
        form.set(k, stored.value(k));
    }
    if view.status.editable() {
        page.draft_form = Some("enterprise-form");
    }
    let step = journey
        .step(StepKey::EnterpriseVerification)
        .cloned()
        .unwrap_or_else(|| journey.steps[0].clone());
    EnterprisePage {
        reasons: reasons_map(&view.reasons, view.status),
        page,
        form: form.ordered(FIELDS),
        view,
        deposit_form: FormState::default(),
        step,
        next: journey.next.clone(),
    }
}

#[derive(Deserialize, Default)]
pub struct ShowParams {
    /// Values kept across a language switch (`web::typed`).
    pub typed: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    SignedIn { page, account }: SignedIn,
    Query(params): Query<ShowParams>,
) -> Result<Response, PageError> {
    let view = page.or_error_page(verification::view(&state.ctx, &account).await)?;
    let m = page.or_error_page(move_in::status(&state.ctx, &account.id).await)?;
    let journey = journey(&page, &m);
    let kept = typed::recall(&state, &page, params.typed.as_deref()).await;
    let form = kept.map(|kept| {
        // What the draft could not take, shown again with why.
        let mut form = enterprise_state(&view);
        form.values.extend(kept.values);
        let today = state.ctx.today().unwrap_or_default();
        let (_, refused) =
            crate::domain::enterprise::check_draft(&enterprise_form(&forms::as_data(&form)), today);
        form.add_errors(page.lang, &refused);
        form
    });
    Ok(render(StatusCode::OK, &page_of(page, view, &journey, form)))
}

/// The form (multipart): saves what is valid and the documents chosen, and with
/// `action=submit` submits; the language switch (`lang`) saves and goes back to the page.
pub async fn save(
    State(state): State<AppState>,
    SignedIn { page, account }: SignedIn,
    sent: SentForm,
) -> Result<Response, PageError> {
    let sent = checked_form_with_files(&page, sent, TEXTS, FILES, MAX_DOCUMENT_BYTES).await?;
    let switch = language::asked_for(&sent.fields);
    let mut typed_form = FormState::from_form(&sent.fields);
    for k in ["lang", "action"] {
        typed_form.values.remove(k);
        typed_form.multi.remove(k);
    }
    if let Some(refusal) = sent.refusal {
        // The body could not be read whole: nothing is saved from half a form.
        return Ok(page
            .refused(typed_form, refusal, async |page, form| {
                enterprise_page(&state, page, &account, Some(form)).await
            })
            .await);
    }
    let then_submit = switch.is_none() && forms::first(&sent.fields, "action") == Some("submit");
    let files = sent
        .files
        .into_iter()
        .filter_map(|(name, bytes)| {
            let kind = name.strip_prefix("documents.")?;
            DOCUMENT_KINDS
                .contains(&kind)
                .then(|| (kind.to_string(), bytes))
        })
        .collect();
    let saved = verification_form::save_form(
        &state.ctx,
        &account,
        &enterprise_form(&sent.fields),
        files,
        then_submit,
    )
    .await;
    let mut refused = match saved {
        Ok(outcome) => {
            if let (Some(lang), true) = (switch, outcome.refused.is_empty()) {
                let back = see_other("/move-in/enterprise");
                return Ok(language::switch_to(&state, &page, lang, back).await);
            }
            if outcome.refused.is_empty() && sent.file_refusals.is_empty() {
                let notice = if outcome.submitted {
                    "submitted"
                } else {
                    "saved"
                };
                return Ok(see_other(&format!("/move-in/enterprise?notice={notice}")));
            }
            outcome.refused
        }
        Err(e) => {
            let lead = saved_lead(&page, then_submit, &e);
            let mut form = typed_form;
            form.lead = lead;
            return Ok(page
                .refused(form, e, async |page, form| {
                    enterprise_page(&state, page, &account, Some(form)).await
                })
                .await);
        }
    };
    refused.extend(
        sent.file_refusals
            .iter()
            .map(|(field, code)| crate::domain::FieldError::new(field.as_str(), code)),
    );
    if let Some(lang) = switch {
        // What the draft could not take comes back with the page, in the new language.
        let back = typed::keep(&state, &page, "/move-in/enterprise", &typed_form).await;
        return Ok(language::switch_to(&state, &page, lang, see_other(&back)).await);
    }
    let form = refused_draft(&page, typed_form, &refused, then_submit);
    let shown = enterprise_page(&state, page, &account, Some(form)).await?;
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &shown))
}
