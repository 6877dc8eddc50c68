//! What every review decision shares, apart from the queue: who may decide (staff, never about
//! their own account), and the verdict each aggregate's `apply_decision` takes with what it
//! adds to the common part. Kept apart from `review.rs`, which dispatches to the aggregates,
//! so that they need not import it back.

use super::accounts::AccountView;
use super::{Error, Result};

/// What a decision says, as each aggregate's `apply_decision` takes it.
pub struct Verdict<'a> {
    pub approved: bool,
    /// The reasons as stored with the item (JSON), when there are any.
    pub reasons_json: Option<String>,
    /// Why a reviewer accepts a credit code that fails its check.
    pub override_reason: Option<&'a str>,
    pub now: i64,
}

/// What applying a decision adds to the common part: who is told (the account, unless said
/// otherwise) and a fact for the audit event.
#[derive(Default)]
pub struct DecisionEffects {
    pub recipients: Option<Vec<String>>,
    pub audit_detail: Option<(&'static str, serde_json::Value)>,
}

/// Staff who also hold a provider account (`berth user add` grants a role to an existing
/// account) never decide about it: its reviews, its deposit, its standing.
pub fn not_own(staff: &AccountView, account_id: &str) -> Result<()> {
    if staff.id == account_id {
        return Err(Error::OwnItem);
    }
    Ok(())
}

/// Staff only.
pub fn require_reviewer(account: &AccountView) -> Result<()> {
    if account.roles.can_review() {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}
