//! A provider's standing from the review screen of one of its items: suspend (its products
//! leave the storefront) or reinstate, with a reason that is mailed and audited. Only for
//! companies that are providers; never for one's own account.

use axum::extract::{Path, State};
use axum::response::Response;

use crate::http::state::AppState;
use crate::http::web::console::item::{item_page, Extras};
use crate::http::web::errors::PageError;
use crate::http::web::extract::{CheckedForm, Staff};
use crate::http::web::forms::{self, FormState};
use crate::http::web::respond::see_other;
use crate::workflows::{providers, review};

/// `action` = `suspend` / `reinstate`, with `reason`.
pub async fn change(
    State(state): State<AppState>,
    Staff { page, operator }: Staff,
    Path(id): Path<String>,
    CheckedForm(data): CheckedForm,
) -> Result<Response, PageError> {
    let item = page.or_error_page(review::detail(&state.ctx, &id, page.lang).await)?;
    let suspend = forms::first(&data, "action") == Some("suspend");
    let form = FormState::from_form(&data);
    let account_id = &item.summary.subject.account_id;
    let reason = forms::first(&data, "reason");
    Ok(
        match providers::set_suspended(&state.ctx, &operator, account_id, suspend, reason).await {
            Ok(()) => see_other(&format!(
                "/console/items/{id}?notice={}",
                if suspend { "suspended" } else { "reinstated" }
            )),
            Err(e) => {
                page.refused(form, e, async |page, form| {
                    let extras = Extras {
                        form,
                        ..Extras::default()
                    };
                    item_page(&state, page, &operator, &id, extras).await
                })
                .await
            }
        },
    )
}
