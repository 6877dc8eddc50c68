//! The decision on the review screen: approve (with a fresh second factor for settlement
//! changes, a recorded reason for a credit code that fails its check), or return with reasons,
//! one row per field in question. Rows are added and removed by the form's own buttons, so no
//! script is needed; a row left empty is no reason.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::domain::review::{Decision, DecisionForm, ReasonForm};
use crate::http::client::ClientAddr;
use crate::http::state::AppState;
use crate::http::web::console::item::{item_page, Extras, ReasonRow};
use crate::http::web::extract::{CheckedForm, Staff};
use crate::http::web::forms::{self, FormData, FormState};
use crate::http::web::page::Page;
use crate::http::web::respond::{render, see_other};
use crate::workflows::accounts::AccountView;
use crate::workflows::{review, second_factor};

/// At most this many reason rows on one form.
const MAX_ROWS: usize = 30;

/// The rows as typed: `reason_field` and `reason_message`, pairwise.
fn rows_of(data: &FormData) -> Vec<ReasonRow> {
    let fields = forms::all(data, "reason_field");
    let messages = forms::all(data, "reason_message");
    (0..fields.len().max(messages.len()))
        .map(|i| ReasonRow {
            field: fields.get(i).cloned().unwrap_or_default(),
            message: messages.get(i).cloned().unwrap_or_default(),
            error: None,
        })
        .take(MAX_ROWS)
        .collect()
}

/// The page again, as typed, with `status`.
async fn again(
    state: &AppState,
    page: Page,
    operator: &AccountView,
    id: &str,
    form: FormState,
    (reasons, chosen): (Vec<ReasonRow>, Vec<(String, String)>),
    status: StatusCode,
) -> Response {
    let extras = Extras {
        form,
        reasons,
        chosen,
        deposit_error: None,
    };
    match item_page(state, page, operator, id, extras).await {
        Ok(shown) => render(status, &shown),
        Err(failed) => failed.into_response(),
    }
}

/// The library codes ticked (`reason_code`), each with its note (`note_<code>`).
fn chosen_of(data: &FormData) -> Vec<(String, String)> {
    forms::all(data, "reason_code")
        .into_iter()
        .take(MAX_ROWS)
        .map(|code| {
            let note = forms::first(data, &format!("note_{code}"))
                .unwrap_or("")
                .to_string();
            (code, note)
        })
        .collect()
}

/// What the form asks for: a decision with its reasons, or the page again (its rows changed,
/// or a refusal shown in the form).
enum Asked {
    Decision(Decision, Vec<ReasonForm>),
    Again(StatusCode),
}

fn asked(
    page: &Page,
    data: &FormData,
    form: &mut FormState,
    rows: &mut Vec<ReasonRow>,
    chosen: &[(String, String)],
) -> Asked {
    let decision = match forms::first(data, "decision").unwrap_or("") {
        "approve" => return Asked::Decision(Decision::Approve, Vec::new()),
        "reject" => Decision::Reject,
        "add_reason" => {
            rows.retain(|r| !r.is_blank());
            if rows.len() < MAX_ROWS {
                rows.push(ReasonRow::default());
            }
            return Asked::Again(StatusCode::OK);
        }
        other => {
            let remove = other.strip_prefix("remove_reason:");
            if let Some(n) = remove.and_then(|n| n.parse::<usize>().ok()) {
                if n < rows.len() {
                    rows.remove(n);
                }
                return Asked::Again(StatusCode::OK);
            }
            form.add_error("decision", page.t("console.choose_decision"));
            return Asked::Again(StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let mut reasons: Vec<ReasonForm> = chosen
        .iter()
        .map(|(code, note)| ReasonForm {
            field: None,
            code: Some(code.clone()),
            message: Some(note.clone()).filter(|n| !n.trim().is_empty()),
        })
        .collect();
    let mut incomplete = false;
    for row in rows.iter_mut().filter(|r| !r.is_blank()) {
        row.error = if row.field.trim().is_empty() {
            Some(page.t("console.reason_needs_field"))
        } else if row.message.trim().is_empty() {
            Some(page.t("console.reason_needs_message"))
        } else {
            reasons.push(ReasonForm {
                field: Some(row.field.clone()),
                message: Some(row.message.clone()),
                code: None,
            });
            None
        };
        incomplete |= row.error.is_some();
    }
    if incomplete {
        form.add_error("reasons", page.t("console.reason_rows_incomplete"));
        return Asked::Again(StatusCode::UNPROCESSABLE_ENTITY);
    }
    Asked::Decision(decision, reasons)
}

/// The decision form: `decision` (`approve`, `reject`, or `add_reason` / `remove_reason:N` to
/// change the rows), `version`, the rows `reason_field` / `reason_message`, `override_reason`,
/// `second_factor_code`.
pub async fn decide(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    Staff { page, operator }: Staff,
    Path(id): Path<String>,
    CheckedForm(data): CheckedForm,
) -> Response {
    let mut form = FormState::from_form(&data);
    let mut rows = rows_of(&data);
    let chosen = chosen_of(&data);
    let (decision, reasons) = match asked(&page, &data, &mut form, &mut rows, &chosen) {
        Asked::Decision(d, reasons) => (d, reasons),
        Asked::Again(status) => {
            return again(&state, page, &operator, &id, form, (rows, chosen), status).await;
        }
    };
    let input = DecisionForm {
        decision: Some(decision),
        reasons: Some(reasons),
        version: forms::first(&data, "version").and_then(|v| v.parse().ok()),
        override_reason: forms::opt(&data, "override_reason"),
        second_factor_code: forms::opt(&data, "second_factor_code"),
        reply: forms::opt(&data, "reply"),
        take_over: Some(forms::first(&data, "take_over") == Some("yes")),
    };
    let fresh = match page.session.as_ref() {
        Some(session) => {
            second_factor::fresh_or_step_up(
                &state.ctx,
                session,
                input.second_factor_code.as_deref(),
                &client,
            )
            .await
        }
        None => Ok(false),
    };
    let decided = match fresh {
        Ok(fresh) => review::decide(&state.ctx, &operator, &id, &input, fresh).await,
        Err(e) => Err(e),
    };
    match decided {
        Ok(_) => see_other(&format!("/console/items/{id}?notice=decided")),
        Err(e) => {
            let operator = operator.clone();
            page.refused(form, e, async |page, form| {
                let extras = Extras {
                    form,
                    reasons: rows,
                    chosen,
                    deposit_error: None,
                };
                item_page(&state, page, &operator, &id, extras).await
            })
            .await
        }
    }
}
