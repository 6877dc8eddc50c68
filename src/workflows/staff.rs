//! Staff management by admins: invitations (mailed one-time links that expire), accepting one
//! (a new staff account; its second factor is enrolled at the first sign-in), the staff list with
//! roles and last sign-in, role changes and deactivation. Granting roles and deactivating need a
//! fresh second factor; every change is audited. An invitation never touches an existing
//! account: an address that has one is refused when inviting and again when accepting.

use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::accounts::{parse_password, AccountView};
use super::decision::require_action;
use super::{limits, Ctx, Error, Result};
use crate::crypto::{random_token, sha256_hex};
use crate::domain::account::{AccountStatus, Email, Role, Roles, StaffAction};
use crate::domain::audit::NewEvent;
use crate::domain::client::Client;
use crate::domain::staff::{check_change, InvitationState, StaffStanding};
use crate::domain::{FieldError, FieldErrors};
use crate::i18n::{self, Lang};
use crate::mail::{self, MailKind};
use crate::store;
use crate::store::accounts::{self as account_store, AccountRow};
use crate::store::staff::{self as staff_store, InvitationRow, StaffRow};
use crate::time_util::{rfc3339, HOUR_MS};

/// A staff account as the staff list shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StaffMember {
    pub id: String,
    pub email: String,
    /// `reviewer`, `finance`, `admin`.
    pub roles: Vec<String>,
    /// false once deactivated (its sessions ended, its API tokens refused).
    pub active: bool,
    /// When the account last signed in (RFC 3339), or null.
    pub last_sign_in_at: Option<String>,
    #[serde(skip)]
    pub last_sign_in_ms: Option<i64>,
}

impl From<&StaffRow> for StaffMember {
    fn from(r: &StaffRow) -> StaffMember {
        let roles = Roles::parse_stored(&r.roles);
        StaffMember {
            id: r.id.clone(),
            email: r.email.clone(),
            roles: roles
                .iter()
                .filter(|r| *r != Role::Provider)
                .map(|r| r.as_str().to_string())
                .collect(),
            active: r.status == AccountStatus::Active.as_str(),
            last_sign_in_at: r.last_sign_in_at.map(rfc3339),
            last_sign_in_ms: r.last_sign_in_at,
        }
    }
}

/// An invitation not yet accepted, for the staff page.
#[derive(Debug, Clone)]
pub struct OpenInvitation {
    pub email: String,
    pub roles: Roles,
    pub expires_at: i64,
}

/// The staff roles named in a form or request: `reviewer`, `finance`, `admin`, at least one.
pub fn parse_roles(e: &mut FieldErrors, names: Option<&[String]>) -> Option<Roles> {
    let names = names.unwrap_or_default();
    let mut roles = Roles::default();
    for name in names {
        match Role::parse(name) {
            Some(r) if r != Role::Provider => {
                roles.grant(r);
            }
            _ => {
                e.push(FieldError::new("roles", "not_allowed"));
                return None;
            }
        }
    }
    if roles.is_empty() {
        e.push(FieldError::new("roles", "required"));
        return None;
    }
    Some(roles)
}

/// The roles in words, in `lang` ("Reviewer, Finance").
pub fn roles_in_words(lang: Lang, roles: &Roles) -> String {
    roles
        .iter()
        .filter(|r| *r != Role::Provider)
        .map(|r| i18n::t(lang, &format!("audit.role.{}", r.as_str())).to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Invites a colleague: mails a one-time link (valid `limits.staff_invitation_hours`) that sets
/// the password of a new staff account with `roles`. Admins only, with a fresh second factor;
/// `limits.staff_invitations_per_admin`. `409 email_taken` when the address has an account.
#[tracing::instrument(name = "staff::invite", skip_all, fields(admin = %admin.id))]
pub async fn invite(
    ctx: &Ctx,
    admin: &AccountView,
    fresh_second_factor: bool,
    email: Option<&str>,
    roles: Option<&[String]>,
) -> Result<()> {
    require_action(admin, StaffAction::ManageStaff)?;
    let mut e = FieldErrors::default();
    let email = e.require("email", email, Email::parse);
    let roles = parse_roles(&mut e, roles);
    e.into_result().map_err(Error::Validation)?;
    let (Some(email), Some(roles)) = (email, roles) else {
        return Err(Error::Internal("validated fields missing".into()));
    };
    if !fresh_second_factor {
        return Err(Error::StepUpRequired);
    }
    let now = ctx.clock.now_ms();
    let hours = ctx.limits.staff_invitation_hours.max(1);
    let token = random_token();
    let row = InvitationRow {
        id: uuid::Uuid::now_v7().to_string(),
        email: email.as_str().to_string(),
        roles: roles.to_stored(),
        token_hash: sha256_hex(token.as_bytes()),
        invited_by: admin.id.clone(),
        created_at: now,
        expires_at: now + i64::from(hours) * HOUR_MS,
        accepted_at: None,
    };
    let mut tx = ctx.db.begin_write().await?;
    if account_store::find_by_email(&mut *tx, email.as_str())
        .await?
        .is_some()
    {
        return Err(Error::Conflict("email_taken"));
    }
    let bucket = ctx.bucket(
        ctx.limits.staff_invitations_per_admin,
        "staff/invite",
        &admin.id,
    );
    limits::take_in(&mut tx, &[&bucket]).await?;
    staff_store::insert_invitation(&mut tx, &row).await?;
    store::audit::append(
        &mut tx,
        NewEvent::new(&admin.id, "staff.invited", &row.id)
            .detail(json!({"email": row.email, "roles": roles.names()})),
    )
    .await?;
    let link = format!("{}/staff/invitation?token={token}", ctx.public_url);
    let lang = admin.lang;
    mail::enqueue(
        &mut tx,
        &ctx.key,
        MailKind::StaffInvitation,
        email.as_str(),
        lang,
        &[
            ("inviter", admin.email.as_str()),
            ("roles", &roles_in_words(lang, &roles)),
            ("hours", &hours.to_string()),
            ("link", &link),
        ],
    )
    .await?;
    tx.commit().await?;
    ctx.mail_committed();
    Ok(())
}

/// What the invitation page shows before the password is set.
#[derive(Debug, Clone)]
pub struct InvitationView {
    pub email: String,
    pub roles: Roles,
    pub state: InvitationState,
}

/// Why no invitation has the token `hash`: `409 invitation_withdrawn` for a link that was
/// withdrawn while it still worked (a newer invitation to the address replaced it, or its
/// sender stopped being an admin), `409 invitation_expired` for one withdrawn after it had
/// expired; `NotFound` for a token that never was one. Nothing about the address or who
/// withdrew it is told.
async fn no_invitation(ctx: &Ctx, hash: &str) -> Result<Error> {
    Ok(
        match staff_store::withdrawn_invitation(ctx.db.pool(), hash).await? {
            Some((expires_at, withdrawn_at)) if withdrawn_at >= expires_at => {
                Error::Conflict("invitation_expired")
            }
            Some(_) => Error::Conflict("invitation_withdrawn"),
            None => Error::NotFound,
        },
    )
}

/// The invitation a mailed token stands for; `NotFound` for an unknown token, `Conflict` for a
/// withdrawn one (`no_invitation`).
pub async fn invitation(ctx: &Ctx, token: &str) -> Result<InvitationView> {
    let hash = sha256_hex(token.trim().as_bytes());
    let Some(row) = staff_store::invitation_by_token(ctx.db.pool(), &hash).await? else {
        return Err(no_invitation(ctx, &hash).await?);
    };
    Ok(InvitationView {
        email: row.email,
        roles: Roles::parse_stored(&row.roles),
        state: InvitationState::at(row.expires_at, row.accepted_at, ctx.clock.now_ms()),
    })
}

/// Accepts an invitation: a new, active staff account with the invitation's address and roles
/// and this password. `409 invitation_expired` / `invitation_used` / `invitation_withdrawn`;
/// `404` for an unknown token;
/// `409 email_taken` when the address got an account meanwhile (it is never taken over).
#[tracing::instrument(name = "staff::accept", skip_all)]
pub async fn accept(
    ctx: &Ctx,
    token: Option<&str>,
    password: Option<&str>,
    lang: Lang,
    client: &Client,
) -> Result<AccountView> {
    let mut e = FieldErrors::default();
    let token = token.map(str::trim).unwrap_or("");
    if token.is_empty() {
        e.push(FieldError::new("token", "required"));
    }
    let password = parse_password(&mut e, "password", password);
    e.into_result().map_err(Error::Validation)?;
    let Some(password) = password else {
        return Err(Error::Internal("validated fields missing".into()));
    };
    let hash = sha256_hex(token.as_bytes());
    let Some(inv) = staff_store::invitation_by_token(ctx.db.pool(), &hash).await? else {
        return Err(no_invitation(ctx, &hash).await?);
    };
    match InvitationState::at(inv.expires_at, inv.accepted_at, ctx.clock.now_ms()) {
        InvitationState::Open => {}
        InvitationState::Expired => return Err(Error::Conflict("invitation_expired")),
        InvitationState::Used => return Err(Error::Conflict("invitation_used")),
    }
    ctx.hasher.ensure_room()?;
    let password_hash = ctx.hasher.hash(password, Some(client)).await?;
    let now = ctx.clock.now_ms();
    let roles = Roles::parse_stored(&inv.roles);
    let row = AccountRow {
        id: uuid::Uuid::now_v7().to_string(),
        email: inv.email.clone(),
        password_hash,
        mobile: None,
        status: AccountStatus::Active.as_str().to_string(),
        roles: roles.to_stored(),
        lang: lang.tag().to_string(),
        created_at: now,
    };
    let mut tx = ctx.db.begin_write().await?;
    if !staff_store::accept_invitation(&mut tx, &inv.id, &row.id, now).await? {
        return Err(Error::Conflict("invitation_used"));
    }
    if !account_store::insert(&mut tx, &row).await? {
        return Err(Error::Conflict("email_taken"));
    }
    account_store::set_active(&mut tx, &row.id, now).await?;
    store::audit::append(
        &mut tx,
        NewEvent::new(&row.id, "staff.invitation_accepted", &row.id).detail(
            json!({"email": row.email, "roles": roles.names(), "invitation": inv.id, "invited_by": inv.invited_by}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(AccountView::from_row(&row))
}

/// The staff list, by address. Admins only.
pub async fn list(ctx: &Ctx, admin: &AccountView) -> Result<Vec<StaffMember>> {
    require_action(admin, StaffAction::ManageStaff)?;
    Ok(staff_store::list(&ctx.db)
        .await?
        .iter()
        .filter(|r| Roles::parse_stored(&r.roles).is_staff())
        .map(StaffMember::from)
        .collect())
}

/// The invitations not yet accepted nor expired. Admins only.
pub async fn open_invitations(ctx: &Ctx, admin: &AccountView) -> Result<Vec<OpenInvitation>> {
    require_action(admin, StaffAction::ManageStaff)?;
    Ok(staff_store::open_invitations(&ctx.db, ctx.clock.now_ms())
        .await?
        .into_iter()
        .map(|r| OpenInvitation {
            email: r.email,
            roles: Roles::parse_stored(&r.roles),
            expires_at: r.expires_at,
        })
        .collect())
}

/// A change an admin asks for: new staff roles, and/or active or not.
pub struct StaffChange<'a> {
    pub roles: Option<&'a [String]>,
    pub active: Option<bool>,
}

/// Changes a colleague's roles and/or standing. Admins only, with a fresh second factor.
/// Deactivating ends the account's sessions at once (its API tokens are refused from then on,
/// as an inactive owner's); an admin deactivated or demoted takes back the invitations they sent
/// that are still open. `409 last_admin`: the change would leave no active admin (an admin
/// removing their own admin role or deactivating themselves included); `409 no_roles`.
#[tracing::instrument(name = "staff::update", skip_all, fields(admin = %admin.id, id = %id))]
pub async fn update(
    ctx: &Ctx,
    admin: &AccountView,
    fresh_second_factor: bool,
    id: &str,
    change: &StaffChange<'_>,
) -> Result<StaffMember> {
    require_action(admin, StaffAction::ManageStaff)?;
    let mut e = FieldErrors::default();
    let new_roles = match change.roles {
        Some(names) => parse_roles(&mut e, Some(names)),
        None => None,
    };
    e.into_result().map_err(Error::Validation)?;
    if !fresh_second_factor {
        return Err(Error::StepUpRequired);
    }
    let mut tx = ctx.db.begin_write().await?;
    let row = account_store::find_by_id(&mut *tx, id)
        .await?
        .ok_or(Error::NotFound)?;
    let roles = Roles::parse_stored(&row.roles);
    if !roles.is_staff() {
        return Err(Error::NotFound);
    }
    let was_active = row.status == AccountStatus::Active.as_str();
    let before = StaffStanding {
        roles: roles.clone(),
        active: was_active,
    };
    let after = StaffStanding {
        roles: new_roles
            .as_ref()
            .map_or_else(|| roles.clone(), |n| roles.with_staff(n)),
        active: change.active.unwrap_or(was_active),
    };
    let admins = account_store::count_admins(&mut *tx).await?;
    check_change(&before, &after, admins).map_err(|r| Error::Conflict(r.code()))?;
    if after.roles != before.roles {
        account_store::set_roles(&mut tx, id, &after.roles.to_stored()).await?;
        store::audit::append(
            &mut tx,
            NewEvent::new(&admin.id, "staff.roles_changed", id).detail(json!({
                "email": row.email,
                "before": before.roles.names(),
                "after": after.roles.names(),
            })),
        )
        .await?;
    }
    if after.active != before.active {
        let (status, action) = if after.active {
            (AccountStatus::Active, "staff.reactivated")
        } else {
            (AccountStatus::Disabled, "staff.deactivated")
        };
        staff_store::set_status(&mut tx, id, status.as_str()).await?;
        let ended = if after.active {
            0
        } else {
            store::sessions::delete_for_account(&mut tx, id).await?
        };
        store::audit::append(
            &mut tx,
            NewEvent::new(&admin.id, action, id)
                .detail(json!({"email": row.email, "sessions_ended": ended})),
        )
        .await?;
    }
    // An admin who is deactivated or loses the admin role takes back the invitations they sent
    // and nobody accepted yet: a link must not outlive its sender's authority (a leaving admin
    // could otherwise come back as the admin they invited).
    let was_admin = before.roles.has(Role::Admin) && before.active;
    let is_admin = after.roles.has(Role::Admin) && after.active;
    if was_admin && !is_admin {
        let withdrawn =
            staff_store::withdraw_invitations_of(&mut tx, id, ctx.clock.now_ms()).await?;
        if withdrawn > 0 {
            store::audit::append(
                &mut tx,
                NewEvent::new(&admin.id, "staff.invitations_withdrawn", id)
                    .detail(json!({"email": row.email, "invitations": withdrawn})),
            )
            .await?;
        }
    }
    let last = staff_store::last_sign_in(&mut *tx, id).await?;
    tx.commit().await?;
    Ok(StaffMember::from(&StaffRow {
        id: row.id,
        email: row.email,
        roles: after.roles.to_stored(),
        status: if after.active {
            AccountStatus::Active
        } else {
            AccountStatus::Disabled
        }
        .as_str()
        .to_string(),
        last_sign_in_at: last,
        created_at: row.created_at,
    }))
}
