//! Paying the micro-deposit of an enterprise verification from its review screen. The amount is
//! drawn by the workflow and stays on the screen (sealed in the database) until the company
//! confirms it; a refusal — a deposit already out, documents not yet approved — is told in
//! words on the deposit card, and nothing is drawn.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::http::web::console::item::{item_page, Extras};
use crate::http::web::errors::{failure, PageError};
use crate::http::web::extract::{CheckedForm, Staff};
use crate::http::web::respond::{render, see_other};
use crate::i18n;
use crate::workflows::micro_deposit;

pub async fn pay(
    State(state): State<AppState>,
    Staff { page, operator }: Staff,
    Path(id): Path<String>,
    CheckedForm(_): CheckedForm,
) -> Result<Response, PageError> {
    match micro_deposit::record_deposit(&state.ctx, &operator, &id).await {
        Ok(_) => Ok(see_other(&format!(
            "/console/items/{id}?notice=deposit_recorded"
        ))),
        Err(e) => {
            let err = ApiError::from(e);
            if err.status != StatusCode::CONFLICT && err.status != StatusCode::FORBIDDEN {
                return Ok(failure(page, err));
            }
            let extras = Extras {
                deposit_error: Some(i18n::t(page.lang, &format!("error.{}", err.code)).to_string()),
                ..Extras::default()
            };
            let shown = item_page(&state, page, &operator, &id, extras).await?;
            Ok(render(err.status, &shown))
        }
    }
}
