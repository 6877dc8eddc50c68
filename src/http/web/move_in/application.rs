//! The move-in (partner) application on the pages (`/move-in/application`): draft and submit,
//! once the enterprise is verified.

use std::collections::HashMap;

use askama::Template;
use std::str::FromStr;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use crate::domain::application::{ApplicationForm, ContactForm, SERVICE_HOURS};
use crate::domain::catalog::{CatalogEntry, CatalogList};
use crate::domain::move_in::{FormStatus, StepKey};
use crate::http::state::AppState;
use crate::http::web::errors::PageError;
use crate::http::web::extract::{CheckedForm, SignedIn};
use crate::http::web::forms::{self, FormData, FormState};
use crate::http::web::language;
use crate::http::web::move_in::stepper::{journey, NextAction, StepRow};
use crate::http::web::move_in::{reasons_map, refused_draft};
use crate::http::web::page::Page;
use crate::http::web::respond::{render, see_other};
use crate::http::web::typed;
use crate::workflows::accounts::AccountView;
use crate::workflows::application::{self, ApplicationView};
use crate::workflows::{agreements, catalog, move_in, Error};

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
    /// The application as the journey says it.
    pub step: StepRow,
    /// What to do once approved.
    pub next: Option<NextAction>,
}

/// The form's fields, top to bottom: the order of the error summary.
const FIELDS: &[&str] = &[
    "contact.name",
    "contact.title",
    "contact.mobile",
    "contact.email",
    "business_brief",
    "categories",
    "service_types",
    "service_hours",
    "years_in_industry",
    "agreement_version",
];

impl ApplicationPage {
    pub fn hours(&self) -> &'static [&'static str] {
        SERVICE_HOURS
    }

    pub fn agreement_version(&self) -> &str {
        self.view
            .as_ref()
            .map(|v| v.current_agreement_version.as_str())
            .unwrap_or_default()
    }

    /// When the agreement was accepted, in words.
    pub fn accepted_at(&self) -> Option<String> {
        let at = self.view.as_ref()?.data.agreement_accepted_at.as_deref()?;
        let ms = jiff::Timestamp::from_str(at).ok()?.as_millisecond();
        Some(self.page.time(&ms))
    }

    pub fn editable(&self) -> bool {
        self.status().editable()
    }

    /// The application's status (before the page has one: not started).
    pub fn status(&self) -> FormStatus {
        self.view
            .as_ref()
            .map_or(FormStatus::NotStarted, |v| v.status)
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
    if d.agreement_version.as_deref() == Some(view.current_agreement_version.as_str()) {
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
    let m = page.or_error_page(move_in::status(&state.ctx, &account.id).await)?;
    let verified = m.verified();
    let journey = journey(&page, &m);
    let categories =
        page.or_error_page(catalog::list(&state.ctx, CatalogList::Categories).await)?;
    let service_types =
        page.or_error_page(catalog::list(&state.ctx, CatalogList::ServiceTypes).await)?;
    let view = page.or_error_page(application::view(&state.ctx, account).await)?;
    let form = form
        .unwrap_or_else(|| application_state(&view))
        .ordered(FIELDS);
    let reasons = reasons_map(&view.reasons, view.status);
    let mut page = page;
    if verified && view.status.editable() {
        page.draft_form = Some("application-form");
    }
    let step = journey
        .step(StepKey::PartnerApplication)
        .cloned()
        .unwrap_or_else(|| journey.steps[0].clone());
    Ok(ApplicationPage {
        step,
        next: journey.next.clone(),
        page,
        needs_verification: !verified,
        view: Some(view),
        form,
        categories,
        service_types,
        reasons,
    })
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
    let form = match typed::recall(&state, &page, params.typed.as_deref()).await {
        Some(kept) => {
            // What the draft could not take, shown again with why.
            let categories =
                page.or_error_page(catalog::list(&state.ctx, CatalogList::Categories).await)?;
            let service_types =
                page.or_error_page(catalog::list(&state.ctx, CatalogList::ServiceTypes).await)?;
            let slugs = |l: &[CatalogEntry]| l.iter().map(|c| c.slug.clone()).collect::<Vec<_>>();
            let agreement = page.or_error_page(agreements::current_version(&state.ctx).await)?;
            let (_, refused) = crate::domain::application::check_draft(
                &application_form(&forms::as_data(&kept), &agreement),
                &slugs(&categories),
                &slugs(&service_types),
                None,
                &agreement,
                "",
            );
            let mut form = kept;
            form.add_errors(page.lang, &refused);
            Some(form)
        }
        None => None,
    };
    let shown = application_page(&state, page, &account, form).await?;
    Ok(render(StatusCode::OK, &shown))
}

/// The form as typed; the ticked agreement box accepts `agreement` (the version in force).
fn application_form(data: &FormData, agreement: &str) -> ApplicationForm {
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
            .then(|| agreement.to_string()),
    }
}

/// Saves what is valid (`action=save`), or saves and submits (`action=submit`), naming every
/// field refused or lacking at once; the language switch (`lang`) saves and goes back.
pub async fn save(
    State(state): State<AppState>,
    SignedIn { page, account }: SignedIn,
    CheckedForm(data): CheckedForm,
) -> Result<Response, PageError> {
    let switch = language::asked_for(&data);
    let mut form = FormState::from_form(&data);
    for k in ["lang", "action"] {
        form.values.remove(k);
        form.multi.remove(k);
    }
    let then_submit = switch.is_none() && forms::first(&data, "action") == Some("submit");
    let agreement = page.or_error_page(agreements::current_version(&state.ctx).await)?;
    let typed = application_form(&data, &agreement);
    let saved = application::save_form(&state.ctx, &account, &typed, then_submit).await;
    let outcome = match saved {
        Ok(outcome) => outcome,
        Err(Error::VerificationRequired { .. }) => return Ok(see_other("/move-in/application")),
        Err(e) => {
            return Ok(page
                .refused(form, e, async |page, form| {
                    application_page(&state, page, &account, Some(form)).await
                })
                .await)
        }
    };
    if let Some(lang) = switch {
        let back = if outcome.refused.is_empty() {
            "/move-in/application".to_string()
        } else {
            typed::keep(&state, &page, "/move-in/application", &form).await
        };
        return Ok(language::switch_to(&state, &page, lang, see_other(&back)).await);
    }
    if outcome.refused.is_empty() {
        let notice = if outcome.submitted {
            "submitted"
        } else {
            "saved"
        };
        return Ok(see_other(&format!("/move-in/application?notice={notice}")));
    }
    let form = refused_draft(&page, form, &outcome.refused, then_submit);
    let shown = application_page(&state, page, &account, Some(form)).await?;
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &shown))
}
