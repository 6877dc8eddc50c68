//! The move-in (partner) application on the pages (`/move-in/application`): draft and submit,
//! once the enterprise is verified.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use crate::domain::application::{ApplicationForm, ContactForm, AGREEMENT_VERSION, SERVICE_HOURS};
use crate::domain::catalog::{CatalogEntry, CatalogList};
use crate::domain::move_in::FormStatus;
use crate::http::state::AppState;
use crate::http::web::errors::PageError;
use crate::http::web::extract::{CheckedForm, SignedIn};
use crate::http::web::forms::{self, FormData, FormState};
use crate::http::web::move_in::reasons_map;
use crate::http::web::page::Page;
use crate::http::web::respond::{render, see_other};
use crate::workflows::accounts::AccountView;
use crate::workflows::application::{self, ApplicationView};
use crate::workflows::{catalog, move_in, Error};

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
    let reasons = reasons_map(&view.reasons, view.status);
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

pub async fn show(
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
pub async fn save(
    State(state): State<AppState>,
    SignedIn { page, account }: SignedIn,
    CheckedForm(data): CheckedForm,
) -> Response {
    let form = FormState::from_form(&data);
    let result = forms::save_or_submit(
        &data,
        application::save_draft(&state.ctx, &account, &application_form(&data)),
        async || application::submit(&state.ctx, &account).await,
    )
    .await;
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
