//! `/account/data`, "Your data": download everything held about the account (the same zip as
//! `GET /api/v1/me/export`) and close the account (`POST /api/v1/me/closure`'s workflow), with
//! what happens and when in words; `/account/closed` says it is done.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use crate::http::client::ClientAddr;
use crate::http::state::AppState;
use crate::http::web::errors::PageError;
use crate::http::web::extract::{CheckedForm, SignedIn};
use crate::http::web::forms::{self, FormState};
use crate::http::web::page::Page;
use crate::http::web::respond::{render, see_other};
use crate::workflows::privacy;

#[derive(Template)]
#[template(path = "pages/account_data.html")]
pub struct DataPage {
    pub page: Page,
    pub form: FormState,
    /// `privacy.retention_days`.
    pub retention_days: u32,
    pub exports_per_day: u32,
    /// Staff cannot close their account here.
    pub staff: bool,
}

fn data_page(state: &AppState, page: Page, form: FormState) -> DataPage {
    let staff = page.is_staff();
    DataPage {
        page,
        form,
        retention_days: state.ctx.privacy.retention_days,
        exports_per_day: state.ctx.privacy.exports_per_day,
        staff,
    }
}

/// `GET /account/data`.
pub async fn show(State(state): State<AppState>, SignedIn { page, .. }: SignedIn) -> Response {
    render(
        StatusCode::OK,
        &data_page(&state, page, FormState::default()),
    )
}

/// `GET /account/data/export`: the zip, as a download.
pub async fn export(
    State(state): State<AppState>,
    SignedIn { page, account }: SignedIn,
) -> Result<Response, PageError> {
    let plan = page.or_error_page(privacy::prepare_export(&state.ctx, &account).await)?;
    Ok(crate::http::export::zip_response(&state, plan, &account.id))
}

/// `POST /account/data/close`: `password` and `confirm`.
pub async fn close(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    SignedIn { page, account }: SignedIn,
    CheckedForm(data): CheckedForm,
) -> Response {
    let password = forms::first(&data, "password").unwrap_or("");
    let confirm = forms::first(&data, "confirm") == Some("yes");
    match privacy::close_account(&state.ctx, &account, password, confirm, &client).await {
        Ok(_) => see_other("/account/closed"),
        Err(e) => {
            let form = FormState::from_form(&data);
            page.refused(form, e, async |page, form| {
                Ok::<_, PageError>(data_page(&state, page, form))
            })
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "pages/account_closed.html")]
pub struct ClosedPage {
    pub page: Page,
    pub retention_days: u32,
}

/// `GET /account/closed`: the account is closed; what happens next.
pub async fn closed(State(state): State<AppState>, page: Page) -> Response {
    render(
        StatusCode::OK,
        &ClosedPage {
            page,
            retention_days: state.ctx.privacy.retention_days,
        },
    )
}
