//! The provider agreement as pages: the version in force (`/agreement`), every version
//! (`/agreements`), one version (`/agreements/{version}`) with, for a provider that has still to
//! accept it, the button that does (`POST /agreements/{version}/accept`).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use crate::http::state::AppState;
use crate::http::web::errors::PageError;
use crate::http::web::extract::{CheckedForm, SignedIn};
use crate::http::web::page::Page;
use crate::http::web::respond::{render, see_other};
use crate::i18n::Lang;
use crate::workflows::agreements::{self, AcceptForm, AgreementView, Mine};

#[derive(Template)]
#[template(path = "pages/agreement.html")]
pub struct AgreementPage {
    pub page: Page,
    /// The text shown is English (else Chinese): either, whatever the page's language.
    pub en: bool,
    pub html: String,
    pub agreement: AgreementView,
    pub mine: Mine,
    /// The address of this page (`/agreement` or `/agreements/{version}`).
    pub here: String,
}

/// The day a version takes effect, in words (`2026年1月1日`, `1 Jan 2026`).
pub fn effective_words(page: &Page, a: &AgreementView) -> String {
    a.effective_from
        .parse::<jiff::Timestamp>()
        .map(|t| page.date(&t.as_millisecond()))
        .unwrap_or_else(|_| a.effective_at.clone())
}

impl AgreementPage {
    /// "Version 2026-01, in force since 1 January 2026" (or upcoming, or earlier).
    pub fn version_line(&self) -> String {
        let a = &self.agreement;
        let date = effective_words(&self.page, a);
        let key = match a.status {
            "in_force" => "agreement.version_line",
            "upcoming" => "agreement.version_line_upcoming",
            _ => "agreement.version_line_earlier",
        };
        self.page
            .tf3(key, &[("version", a.version.as_str()), ("date", &date)])
    }

    /// When the signed-in provider accepted this version, in words.
    pub fn accepted_line(&self) -> Option<String> {
        let at = self.mine.accepted_at?;
        Some(
            self.page
                .tf("agreement.accepted_on", "time", &self.page.time(&at)),
        )
    }
}

#[derive(Deserialize, Default)]
pub struct AgreementQuery {
    /// `en` or `zh-CN`: the text's language, when not the page's.
    pub text: Option<String>,
}

async fn agreement_page(
    state: &AppState,
    page: Page,
    q: AgreementQuery,
    found: AgreementView,
    here: String,
) -> Result<Response, PageError> {
    let en = match q.text.as_deref() {
        Some("en") => true,
        Some("zh-CN") => false,
        _ => page.is_en(),
    };
    let mine = match &page.account {
        Some(account) => {
            page.or_error_page(agreements::mine(&state.ctx, account, &found.version).await)?
        }
        None => Mine::default(),
    };
    let html = found.html(if en { Lang::En } else { Lang::ZhCn });
    Ok(render(
        StatusCode::OK,
        &AgreementPage {
            page,
            en,
            html,
            agreement: found,
            mine,
            here,
        },
    ))
}

/// `GET /agreement`: the provider agreement in force, in both languages.
pub async fn current(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<AgreementQuery>,
) -> Result<Response, PageError> {
    let found = page.or_error_page(agreements::current(&state.ctx).await)?;
    agreement_page(&state, page, q, found, "/agreement".into()).await
}

/// `GET /agreements/{version}`: one version, in force, earlier or upcoming.
pub async fn show(
    State(state): State<AppState>,
    page: Page,
    Path(version): Path<String>,
    Query(q): Query<AgreementQuery>,
) -> Result<Response, PageError> {
    let found = page.or_error_page(agreements::get(&state.ctx, &version).await)?;
    let here = format!("/agreements/{}", found.version);
    agreement_page(&state, page, q, found, here).await
}

#[derive(Template)]
#[template(path = "pages/agreements.html")]
pub struct ListPage {
    pub page: Page,
    pub versions: Vec<AgreementView>,
}

impl ListPage {
    pub fn day(&self, a: &AgreementView) -> String {
        effective_words(&self.page, a)
    }

    /// `in force`, `upcoming` or `earlier`, in words.
    pub fn standing(&self, a: &AgreementView) -> String {
        self.page.t(&format!("agreement.{}", a.status))
    }
}

/// `GET /agreements`: every version, newest first.
pub async fn list(State(state): State<AppState>, page: Page) -> Result<Response, PageError> {
    let versions = page.or_error_page(agreements::list(&state.ctx).await)?;
    Ok(render(StatusCode::OK, &ListPage { page, versions }))
}

/// `POST /agreements/{version}/accept`: the signed-in provider accepts the version.
pub async fn accept(
    State(state): State<AppState>,
    SignedIn { page, account }: SignedIn,
    Path(version): Path<String>,
    CheckedForm(_): CheckedForm,
) -> Result<Response, PageError> {
    let form = AcceptForm {
        version: Some(version),
    };
    let done = match agreements::accept(&state.ctx, &account, &form).await {
        Ok(done) => done,
        // Not the version in force (a page left open while a newer one took effect): to the
        // one in force, saying why, instead of a bare "some fields are wrong".
        Err(crate::workflows::Error::Validation(fields))
            if fields.iter().any(|f| f.field == "version") =>
        {
            let current = page.or_error_page(agreements::current_version(&state.ctx).await)?;
            return Ok(see_other(&format!(
                "/agreements/{current}?notice=agreement_outdated"
            )));
        }
        Err(e) => return Err(PageError::from_error(&page, e)),
    };
    Ok(see_other(&format!(
        "/agreements/{}?notice=agreement_accepted",
        done.version
    )))
}
