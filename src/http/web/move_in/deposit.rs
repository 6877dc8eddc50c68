//! The micro-deposit on the enterprise page: the amount typed in yuan, and a new deposit asked
//! for once one is void.

use axum::extract::State;
use axum::response::Response;

use crate::domain::money::Fen;
use crate::http::state::AppState;
use crate::http::web::errors::failure;
use crate::http::web::extract::{CheckedForm, SignedIn};
use crate::http::web::forms::{self, FormState};
use crate::http::web::move_in::enterprise::{enterprise_page, EnterprisePage};
use crate::http::web::respond::see_other;
use crate::workflows::{micro_deposit, Error};

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
                Ok(EnterprisePage {
                    deposit_form,
                    ..enterprise_page(&state, page, &account, None).await?
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
