//! Re-verification in the provider backend (`/provider/reverification`): the terms on file in
//! words, a re-verification waiting or returned, and the form for renewed documents (each term
//! a day or long-term, and the licence scan). Errors name the field; what was typed stays.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use crate::domain::move_in::Reason;
use crate::domain::upload::MAX_DOCUMENT_BYTES;
use crate::domain::validity::{self, TermInput};
use crate::http::state::AppState;
use crate::http::web::errors::PageError;
use crate::http::web::extract::{checked_form_with_files, SentForm};
use crate::http::web::forms::{self, FormData, FormState};
use crate::http::web::page::Page;
use crate::http::web::provider::ProviderBackend;
use crate::http::web::respond::{render, see_other};
use crate::workflows::reverification::{self, ReverificationView, TermsForm};
use crate::workflows::Error;

const FIELDS: &[&str] = &[
    "license_valid_until",
    "legal_rep.id_valid_until",
    "documents.business_license",
];
const TEXTS: &[&str] = &[
    "license_valid_until",
    "license_long_term",
    "legal_rep.id_valid_until",
    "legal_rep.id_long_term",
];
const FILE: &str = "documents.business_license";

#[derive(Template)]
#[template(path = "pages/reverification.html")]
pub struct ReverificationPage {
    pub page: Page,
    pub company: String,
    pub form: FormState,
    pub view: ReverificationView,
}

impl ReverificationPage {
    /// A term on file in words: the day, "long-term" or "not recorded".
    fn term_words(&self, day: Option<&str>, long_term: bool) -> String {
        match day.and_then(validity::parse_day) {
            Some(d) => crate::display::Zone::long_day(d, self.page.lang),
            None if long_term => self.page.t("term.long_term"),
            None => self.page.t("term.unknown"),
        }
    }

    pub fn license_words(&self) -> String {
        self.term_words(
            self.view.license_valid_until.as_deref(),
            self.view.license_long_term,
        )
    }

    pub fn id_words(&self) -> String {
        self.term_words(self.view.id_valid_until.as_deref(), self.view.id_long_term)
    }

    /// "Submitted on …: waiting for review", for the newest submission still waiting.
    pub fn pending_line(&self) -> Option<String> {
        let s = self.view.submissions.first()?;
        (s.decision == "pending").then(|| {
            self.page.tf(
                "reverification.pending",
                "at",
                &self.page.time(&s.submitted_at_ms),
            )
        })
    }

    /// The reasons of the newest submission, when it was returned.
    pub fn rejected(&self) -> Option<&Vec<Reason>> {
        let s = self.view.submissions.first()?;
        (s.decision == "rejected").then_some(&s.reasons)
    }
}

/// A term as the form sends it: the long-term box, else the day (empty: not given).
fn term(data: &FormData, day: &str, long_term: &str) -> TermInput {
    if forms::first(data, long_term) == Some("true") {
        return TermInput::LongTerm;
    }
    forms::opt(data, day).map_or(TermInput::Absent, TermInput::Day)
}

async fn page_of(
    state: &AppState,
    page: Page,
    account: &crate::workflows::accounts::AccountView,
    company: String,
    form: FormState,
) -> Result<ReverificationPage, PageError> {
    let view = page.or_error_page(reverification::view(&state.ctx, account).await)?;
    Ok(ReverificationPage {
        page,
        company,
        form: form.ordered(FIELDS),
        view,
    })
}

pub async fn show(
    State(state): State<AppState>,
    backend: ProviderBackend,
) -> Result<Response, PageError> {
    let shown = page_of(
        &state,
        backend.page,
        &backend.account,
        backend.company,
        FormState::default(),
    )
    .await?;
    Ok(render(StatusCode::OK, &shown))
}

pub async fn submit(
    State(state): State<AppState>,
    backend: ProviderBackend,
    sent: SentForm,
) -> Result<Response, PageError> {
    let sent =
        checked_form_with_files(&backend.page, sent, TEXTS, &[FILE], MAX_DOCUMENT_BYTES).await?;
    let mut form = FormState::from_form(&sent.fields);
    form.values.remove("csrf_token");
    let account = backend.account;
    let company = backend.company;
    let outcome = match sent.refusal {
        Some(refusal) => Err(refusal),
        None => {
            let input = TermsForm {
                license_valid_until: term(&sent.fields, TEXTS[0], TEXTS[1]),
                id_valid_until: term(&sent.fields, TEXTS[2], TEXTS[3]),
            };
            let file = sent
                .files
                .into_iter()
                .find(|(name, _)| name == FILE)
                .map(|(_, bytes)| bytes);
            let too_large = sent.file_refusals.iter().find(|(name, _)| name == FILE);
            match too_large {
                Some((_, code)) => {
                    Err(Error::Validation(vec![crate::domain::FieldError::new(FILE, code)]).into())
                }
                None => reverification::submit(&state.ctx, &account, &input, file, FILE)
                    .await
                    .map_err(Into::into),
            }
        }
    };
    match outcome {
        Ok(_) => Ok(see_other(
            "/provider/reverification?notice=reverification_submitted",
        )),
        Err(e) => Ok(backend
            .page
            .refused(form, e, async |page, form| {
                page_of(&state, page, &account, company, form).await
            })
            .await),
    }
}
