//! Staff management rules: what an invitation's state is, and which changes to a colleague's
//! roles or standing an admin may make (never leaving the marketplace without an active admin).

use super::account::{Role, Roles};

/// An invitation link as the invitee presents it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationState {
    Open,
    Expired,
    Used,
}

impl InvitationState {
    pub fn at(expires_at: i64, accepted_at: Option<i64>, now: i64) -> InvitationState {
        if accepted_at.is_some() {
            InvitationState::Used
        } else if now >= expires_at {
            InvitationState::Expired
        } else {
            InvitationState::Open
        }
    }
}

/// Why a change to a staff account is refused (stable codes, `409` in the API).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffChangeRefused {
    /// The change would leave no active admin (the actor's own admin role or account included).
    LastAdmin,
    /// Staff keep at least one staff role; to take all away, deactivate the account.
    NoRoles,
}

impl StaffChangeRefused {
    pub fn code(self) -> &'static str {
        match self {
            StaffChangeRefused::LastAdmin => "last_admin",
            StaffChangeRefused::NoRoles => "no_roles",
        }
    }
}

/// A staff account as the rule sees it, before and after a change.
#[derive(Debug, Clone)]
pub struct StaffStanding {
    pub roles: Roles,
    pub active: bool,
}

impl StaffStanding {
    fn active_admin(&self) -> bool {
        self.active && self.roles.has(Role::Admin)
    }
}

/// Whether `before` may become `after`, given how many active admins there are now (the target
/// included). An admin may remove their own admin role or deactivate themselves only while
/// another active admin remains — the same rule as for anyone else.
pub fn check_change(
    before: &StaffStanding,
    after: &StaffStanding,
    active_admins: i64,
) -> Result<(), StaffChangeRefused> {
    if after.active && !after.roles.is_staff() {
        return Err(StaffChangeRefused::NoRoles);
    }
    if before.active_admin() && !after.active_admin() && active_admins <= 1 {
        return Err(StaffChangeRefused::LastAdmin);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn standing(roles: &[Role], active: bool) -> StaffStanding {
        StaffStanding {
            roles: Roles::of(roles),
            active,
        }
    }

    #[test]
    fn the_last_admin_stays() {
        let admin = standing(&[Role::Admin], true);
        let demoted = standing(&[Role::Reviewer], true);
        let gone = standing(&[Role::Admin], false);
        assert_eq!(
            check_change(&admin, &demoted, 1),
            Err(StaffChangeRefused::LastAdmin)
        );
        assert_eq!(
            check_change(&admin, &gone, 1),
            Err(StaffChangeRefused::LastAdmin)
        );
        assert_eq!(check_change(&admin, &demoted, 2), Ok(()));
        assert_eq!(check_change(&admin, &gone, 2), Ok(()));
        // Not an admin: the count does not matter.
        let reviewer = standing(&[Role::Reviewer], true);
        assert_eq!(
            check_change(&reviewer, &standing(&[Role::Reviewer], false), 1),
            Ok(())
        );
    }

    #[test]
    fn staff_keep_a_role() {
        let reviewer = standing(&[Role::Reviewer], true);
        assert_eq!(
            check_change(&reviewer, &standing(&[], true), 3),
            Err(StaffChangeRefused::NoRoles)
        );
        assert_eq!(
            check_change(&reviewer, &standing(&[Role::Provider], true), 3),
            Err(StaffChangeRefused::NoRoles)
        );
    }

    #[test]
    fn invitations_expire_and_are_used_once() {
        assert_eq!(InvitationState::at(100, None, 99), InvitationState::Open);
        assert_eq!(
            InvitationState::at(100, None, 100),
            InvitationState::Expired
        );
        assert_eq!(
            InvitationState::at(100, Some(50), 60),
            InvitationState::Used
        );
    }
}
