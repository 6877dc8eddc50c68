//! The provider agreement's versions in the console; admins publish a new one (both languages,
//! the day it takes effect, a summary of the changes). Other staff read the list.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use crate::domain::account::StaffAction;
use crate::http::state::AppState;
use crate::http::web::errors::PageError;
use crate::http::web::extract::{CheckedForm, Staff};
use crate::http::web::forms::{self, FormState};
use crate::http::web::page::Page;
use crate::http::web::respond::{render, see_other};
use crate::workflows::agreements::{
    self, AgreementView, PublishForm, SummaryForm, SummaryTexts, TextsForm,
};
use crate::workflows::Error;

/// The fields of the form, in order (the error summary follows it).
const FIELDS: &[&str] = &[
    "version",
    "effective_at",
    "summary",
    "summary.en",
    "text_markdown.zh-CN",
    "text_markdown.en",
];

#[derive(Template)]
#[template(path = "pages/console_agreements.html")]
pub struct AgreementsPage {
    pub page: Page,
    pub versions: Vec<AgreementView>,
    pub form: FormState,
    pub admin: bool,
}

impl AgreementsPage {
    pub fn day(&self, a: &AgreementView) -> String {
        crate::http::web::agreements::effective_words(&self.page, a)
    }

    pub fn standing(&self, a: &AgreementView) -> String {
        self.page.t(&format!("agreement.{}", a.status))
    }
}

async fn agreements_page(
    state: &AppState,
    page: Page,
    form: FormState,
) -> Result<AgreementsPage, PageError> {
    let versions = page.or_error_page(agreements::list(&state.ctx).await)?;
    let admin = page
        .session
        .as_ref()
        .is_some_and(|s| s.account.roles.may(StaffAction::PublishAgreements));
    Ok(AgreementsPage {
        page,
        versions,
        form: form.ordered(FIELDS),
        admin,
    })
}

pub async fn show(
    State(state): State<AppState>,
    Staff { page, .. }: Staff,
) -> Result<Response, PageError> {
    let shown = agreements_page(&state, page, FormState::default()).await?;
    Ok(render(StatusCode::OK, &shown))
}

/// Publishes the version typed; on a refusal the form comes back with what was typed and why.
pub async fn publish(
    State(state): State<AppState>,
    Staff { page, operator }: Staff,
    CheckedForm(data): CheckedForm,
) -> Response {
    let form = FormState::from_form(&data);
    let typed = PublishForm {
        version: forms::opt(&data, "version"),
        effective_at: forms::opt(&data, "effective_at"),
        // The summary's English is optional: without it, one text for every provider.
        summary: match forms::opt(&data, "summary.en") {
            Some(en) => Some(SummaryForm::Both(SummaryTexts {
                zh_cn: forms::opt(&data, "summary"),
                en: Some(en),
            })),
            None => forms::opt(&data, "summary").map(SummaryForm::One),
        },
        text_markdown: Some(TextsForm {
            zh_cn: forms::opt(&data, "text_markdown.zh-CN"),
            en: forms::opt(&data, "text_markdown.en"),
        }),
    };
    match agreements::publish(&state.ctx, &operator, &typed).await {
        Ok(_) => see_other("/console/agreements?notice=agreement_published"),
        Err(mut e) => {
            // The Chinese summary is the form's `summary` field.
            if let Error::Validation(fields) = &mut e {
                for f in fields.iter_mut().filter(|f| f.field == "summary.zh-CN") {
                    f.field = "summary".into();
                }
            }
            page.refused(form, e, async |page, form| {
                agreements_page(&state, page, form).await
            })
            .await
        }
    }
}
