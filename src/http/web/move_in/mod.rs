//! The move-in area: the stepper, the enterprise verification form (with documents and the
//! micro-deposit), and the move-in application; and what the two forms share.

pub mod application;
pub mod enterprise;
pub mod stepper;

use std::collections::HashMap;

use crate::domain::move_in::FormStatus;
use crate::domain::move_in::Reason;

/// The reasons of a returned submission by field, for the form to show beside each field; none
/// unless it was returned (`rejected`).
fn reasons_map(reasons: &[Reason], status: FormStatus) -> HashMap<String, String> {
    if status != FormStatus::Rejected {
        return HashMap::new();
    }
    reasons
        .iter()
        .map(|r| (r.field.clone(), r.message.clone()))
        .collect()
}
