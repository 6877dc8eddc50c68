//! The move-in area: the stepper, the enterprise verification form (with documents and the
//! micro-deposit), and the move-in application; and what the two forms share.

pub mod application;
pub mod deposit;
pub mod enterprise;
pub mod reviews;
pub mod stepper;

use std::collections::HashMap;

use crate::domain::move_in::FormStatus;
use crate::domain::move_in::Reason;
use crate::http::web::forms::FormState;
use crate::http::web::page::Page;
use crate::workflows::Error;

/// A draft form saved as far as it was valid, drawn again: the `refused` fields at their
/// fields, and the summary saying the rest was saved (and, asked to submit, not submitted).
fn refused_draft(
    page: &Page,
    mut form: FormState,
    refused: &[crate::domain::FieldError],
    then_submit: bool,
) -> FormState {
    form.add_errors(page.lang, refused);
    form.lead = Some(page.t(if then_submit {
        "form.saved_not_submitted"
    } else {
        "form.saved_not_all"
    }));
    form
}

/// What the error summary says first when a draft form's save was refused after the draft was
/// saved: a submission refused for a reason not about a field (the credit code is taken).
fn saved_lead(page: &Page, then_submit: bool, e: &Error) -> Option<String> {
    match e {
        Error::Conflict("uscc_taken") if then_submit => Some(page.t("form.saved_not_submitted")),
        _ => None,
    }
}

/// The reasons of a returned submission by field, for the form to show beside each field; none
/// unless it was returned (`rejected`).
fn reasons_map(reasons: &[Reason], status: FormStatus) -> HashMap<String, String> {
    if status != FormStatus::Rejected {
        return HashMap::new();
    }
    // Several reasons about one field (library reasons and the reviewer's own) are read together.
    let mut by_field: HashMap<String, String> = HashMap::new();
    for r in reasons {
        by_field
            .entry(r.field.clone())
            .and_modify(|m| {
                m.push(' ');
                m.push_str(&r.message);
            })
            .or_insert_with(|| r.message.clone());
    }
    by_field
}
