//! Claiming an item from the queue or its review screen, letting go of it, and (admins)
//! assigning it to a named reviewer. A refusal — another holds it, it was decided meanwhile —
//! is told on the review screen.

use axum::extract::{Path, State};
use axum::response::Response;

use crate::http::state::AppState;
use crate::http::web::console::item::{item_page, Extras};
use crate::http::web::extract::{CheckedForm, Staff};
use crate::http::web::forms::{self, FormState};
use crate::http::web::respond::see_other;
use crate::workflows::claims::{self, AssignForm};

/// `action` is `claim`, `release` or `assign` (with `reviewer`, an e-mail address). From the
/// queue (`back=queue`) a claim leads to "mine"; otherwise back to the item.
pub async fn act(
    State(state): State<AppState>,
    Staff { page, operator }: Staff,
    Path((id, action)): Path<(String, String)>,
    CheckedForm(data): CheckedForm,
) -> Response {
    let form = FormState::from_form(&data);
    let done = match action.as_str() {
        "claim" => claims::claim(&state.ctx, &operator, &id)
            .await
            .map(|_| "claimed"),
        "release" => claims::release(&state.ctx, &operator, &id)
            .await
            .map(|_| "released"),
        "assign" => {
            let f = AssignForm {
                reviewer: forms::opt(&data, "reviewer"),
            };
            claims::assign(&state.ctx, &operator, &id, &f)
                .await
                .map(|_| "assigned")
        }
        _ => Err(crate::workflows::Error::NotFound),
    };
    match done {
        Ok("claimed") if forms::first(&data, "back") == Some("queue") => {
            see_other("/console?view=mine#queue")
        }
        Ok(notice) => see_other(&format!("/console/items/{id}?notice={notice}")),
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
    }
}
