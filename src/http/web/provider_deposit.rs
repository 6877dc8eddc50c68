//! `/provider/deposit` and `/provider/deposit.csv`: the provider's own deposit, its ledger, and
//! the ledger for a spreadsheet (the words are `deposits`').

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use crate::http::state::AppState;
use crate::http::web::deposits::{csv, csv_response, words, DepositWords};
use crate::http::web::errors::PageError;
use crate::http::web::page::Page;
use crate::http::web::provider::ProviderBackend;
use crate::http::web::respond::render;
use crate::workflows::guarantee;

#[derive(Template)]
#[template(path = "pages/provider_deposit.html")]
pub struct ProviderDepositPage {
    pub page: Page,
    pub company: String,
    pub deposit: DepositWords,
}

/// `/provider/deposit`: the provider's own deposit and ledger.
pub async fn show(
    State(state): State<AppState>,
    backend: ProviderBackend,
) -> Result<Response, PageError> {
    let page = backend.page;
    let v = page.or_error_page(guarantee::own(&state.ctx, &backend.account).await)?;
    let deposit = words(&page, &v, |id| format!("/api/v1/documents/{id}"));
    Ok(render(
        StatusCode::OK,
        &ProviderDepositPage {
            page,
            company: backend.company,
            deposit,
        },
    ))
}

/// `/provider/deposit.csv`: the ledger for a spreadsheet.
pub async fn download(
    State(state): State<AppState>,
    backend: ProviderBackend,
) -> Result<Response, PageError> {
    let page = backend.page;
    let v = page.or_error_page(guarantee::own(&state.ctx, &backend.account).await)?;
    Ok(csv_response(csv(&page, &v), "deposit.csv"))
}
