//! What every review decision shares, apart from the queue: who may decide (staff, never about
//! their own account), and the verdict each aggregate's `apply_decision` takes with what it
//! adds to the common part. Kept apart from `review.rs`, which dispatches to the aggregates,
//! so that they need not import it back.

use super::accounts::AccountView;
use super::{Error, Result};
use crate::domain::account::{Role, StaffAction};
use crate::domain::review::ReviewKind;

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

/// A closed account takes no more staff action (money, standing, decisions): its holder left,
/// and nothing may be recorded against it or mailed to it. Checked inside the action's
/// transaction, after the account's row lock.
pub async fn not_closed(tx: &mut crate::store::Tx, account_id: &str) -> Result<()> {
    if crate::store::privacy::closure(&mut **tx, account_id)
        .await?
        .is_some()
    {
        return Err(Error::Conflict("account_closed"));
    }
    Ok(())
}

/// Any staff (reviewer, finance, admin): reading the queue, an item, the audit log. Deciding
/// needs `require_role_for`, other staff actions `require_action`.
pub fn require_staff(account: &AccountView) -> Result<()> {
    if account.roles.is_staff() {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

/// The name this check had before roles were split; it means any staff.
pub fn require_reviewer(account: &AccountView) -> Result<()> {
    require_staff(account)
}

/// The role that decides items of `kind` (`Roles::can_decide`): settlement changes finance,
/// the rest reviewers. Refused `403 role_required` naming the role.
pub fn require_role_for(account: &AccountView, kind: ReviewKind) -> Result<()> {
    if account.roles.can_decide(kind) {
        Ok(())
    } else {
        Err(Error::RoleRequired(Role::for_kind(kind)))
    }
}

/// The role that holds `action` (`StaffAction::role`).
pub fn require_action(account: &AccountView, action: StaffAction) -> Result<()> {
    if account.roles.may(action) {
        Ok(())
    } else {
        Err(Error::RoleRequired(action.role()))
    }
}
