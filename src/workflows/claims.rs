//! Claiming work: a reviewer claims a pending item (others see who holds it), lets go of it,
//! or an admin assigns it to a named reviewer. A claim lapses after `review.claim_minutes`.
//! Deciding an item another holds needs an explicit take-over, audited with the previous holder.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::accounts::AccountView;
use super::decision::{not_own, require_reviewer, require_role_for};
use super::{Ctx, Error, Result};
use crate::domain::account::{AccountStatus, Role};
use crate::domain::audit::NewEvent;
use crate::domain::review::ReviewKind;
use crate::domain::FieldError;
use crate::store;
use crate::store::review::ReviewItemRow;
use crate::time_util::{rfc3339, MINUTE_MS};

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ClaimView {
    /// The e-mail address of the member of staff who holds the item; `null` when nobody does.
    pub claimed_by: Option<String>,
    /// When the claim lapses (RFC 3339); `null` when nobody holds the item.
    pub claimed_until: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignForm {
    /// The e-mail address of the reviewer who is to hold the item.
    #[schema(value_type = String, format = Email, max_length = 254)]
    pub reviewer: Option<String>,
}

fn view(row: &ReviewItemRow, now: i64) -> ClaimView {
    match row.holder_at(now) {
        Some((_, email, until)) => ClaimView {
            claimed_by: Some(email.to_string()),
            claimed_until: Some(rfc3339(until)),
        },
        None => ClaimView {
            claimed_by: None,
            claimed_until: None,
        },
    }
}

fn claim_ms(ctx: &Ctx) -> i64 {
    i64::from(ctx.review.claim_minutes) * MINUTE_MS
}

/// Why a claim did not change: decided meanwhile, or held by another.
fn refusal(row: &ReviewItemRow, now: i64, code: &'static str) -> Error {
    if row.status != "pending" {
        return Error::Conflict("stale_version");
    }
    match row.holder_at(now) {
        Some((_, email, until)) => Error::Claimed {
            code,
            holder: email.to_string(),
            until_ms: until,
        },
        None => Error::Conflict("stale_version"),
    }
}

/// Claims a pending item (or extends one's own claim). Two reviewers at once: one wins, the
/// other is told who holds it (`409 already_claimed`).
pub async fn claim(ctx: &Ctx, reviewer: &AccountView, id: &str) -> Result<ClaimView> {
    require_reviewer(reviewer)?;
    let now = ctx.clock.now_ms();
    let mut tx = ctx.db.begin_write().await?;
    let item = store::review::get(&mut *tx, id)
        .await?
        .ok_or(Error::NotFound)?;
    not_own(reviewer, &item.account_id)?;
    super::decision::not_closed(&mut tx, &item.account_id).await?;
    // Only who may decide the kind claims it: settlement changes finance, the rest reviewers.
    require_role_for(reviewer, kind_of(&item)?)?;
    if !store::claims::claim(&mut tx, id, &reviewer.id, now + claim_ms(ctx), now).await? {
        // Read again: on PostgreSQL the winner committed after this transaction first read.
        let current = store::review::get(&mut *tx, id).await?.unwrap_or(item);
        return Err(refusal(&current, now, "already_claimed"));
    }
    store::audit::append(&mut tx, NewEvent::new(&reviewer.id, "review.claimed", id)).await?;
    let row = store::review::get(&mut *tx, id)
        .await?
        .ok_or(Error::NotFound)?;
    tx.commit().await?;
    Ok(view(&row, now))
}

/// Lets go of an item one holds; admins may release anyone's claim.
pub async fn release(ctx: &Ctx, reviewer: &AccountView, id: &str) -> Result<ClaimView> {
    require_reviewer(reviewer)?;
    let now = ctx.clock.now_ms();
    let mut tx = ctx.db.begin_write().await?;
    let item = store::review::get(&mut *tx, id)
        .await?
        .ok_or(Error::NotFound)?;
    let by = if reviewer.roles.has(Role::Admin) {
        // An admin releases whoever holds it.
        item.claimed_by
            .clone()
            .unwrap_or_else(|| reviewer.id.clone())
    } else {
        reviewer.id.clone()
    };
    if !store::claims::release(&mut tx, id, &by, now).await? {
        let current = store::review::get(&mut *tx, id).await?.unwrap_or(item);
        return Err(refusal(&current, now, "already_claimed"));
    }
    if item.holder_at(now).is_none() {
        // Nobody held it (or the claim had lapsed): nothing was let go, nothing to audit.
        tx.commit().await?;
        return Ok(ClaimView {
            claimed_by: None,
            claimed_until: None,
        });
    }
    let mut event = NewEvent::new(&reviewer.id, "review.released", id);
    if let Some((_, email, _)) = item.holder_at(now).filter(|(h, ..)| *h != reviewer.id) {
        event = event.detail(serde_json::json!({"previous_holder": email}));
    }
    store::audit::append(&mut tx, event).await?;
    tx.commit().await?;
    Ok(ClaimView {
        claimed_by: None,
        claimed_until: None,
    })
}

/// An admin gives a pending item to a named reviewer, whoever held it before (audited with
/// the previous holder).
pub async fn assign(
    ctx: &Ctx,
    admin: &AccountView,
    id: &str,
    form: &AssignForm,
) -> Result<ClaimView> {
    if !admin.roles.has(Role::Admin) {
        return Err(Error::Forbidden);
    }
    let email = form.reviewer.as_deref().map(str::trim).unwrap_or("");
    if email.is_empty() {
        return Err(Error::Validation(vec![FieldError::new(
            "reviewer", "required",
        )]));
    }
    let now = ctx.clock.now_ms();
    let mut tx = ctx.db.begin_write().await?;
    let item = store::review::get(&mut *tx, id)
        .await?
        .ok_or(Error::NotFound)?;
    super::decision::not_closed(&mut tx, &item.account_id).await?;
    let to = store::accounts::find_by_email(&mut *tx, &email.to_lowercase())
        .await?
        .map(|a| AccountView::from_row(&a))
        .ok_or_else(not_a_reviewer)?;
    // A deactivated colleague cannot work on it: the item would sit held by nobody who can act.
    if !to.roles.can_decide(kind_of(&item)?)
        || to.id == item.account_id
        || to.status != AccountStatus::Active
    {
        return Err(not_a_reviewer());
    }
    if !store::claims::assign(&mut tx, id, &to.id, now + claim_ms(ctx)).await? {
        return Err(Error::Conflict("stale_version"));
    }
    store::audit::append(
        &mut tx,
        NewEvent::new(&admin.id, "review.assigned", id).detail(serde_json::json!({
            "to": to.email,
            "previous_holder": item.holder_at(now).map(|(_, e, _)| e.to_string()),
        })),
    )
    .await?;
    let row = store::review::get(&mut *tx, id)
        .await?
        .ok_or(Error::NotFound)?;
    tx.commit().await?;
    Ok(view(&row, now))
}

fn kind_of(item: &ReviewItemRow) -> Result<ReviewKind> {
    ReviewKind::parse(&item.kind)
        .ok_or_else(|| Error::Internal(format!("unknown kind {}", item.kind)))
}

fn not_a_reviewer() -> Error {
    Error::Validation(vec![FieldError::new("reviewer", "not_a_reviewer")])
}

/// Before a decision: the decider takes hold of the item in the decision's transaction. When
/// another holds it, only an explicit take-over does, and the audit log names the previous
/// holder. The same conditional UPDATE as a claim, so a claim racing the decision loses or wins
/// whole.
pub async fn hold_for_decision(
    ctx: &Ctx,
    tx: &mut store::Tx,
    reviewer: &AccountView,
    item: &ReviewItemRow,
    take_over: bool,
) -> Result<()> {
    let now = ctx.clock.now_ms();
    let until = now + claim_ms(ctx);
    if store::claims::claim(tx, &item.id, &reviewer.id, until, now).await? {
        return Ok(());
    }
    let current = store::review::get(&mut **tx, &item.id)
        .await?
        .ok_or(Error::NotFound)?;
    if !take_over {
        return Err(refusal(&current, now, "claimed_by_other"));
    }
    if !store::claims::assign(tx, &item.id, &reviewer.id, until).await? {
        return Err(Error::Conflict("stale_version"));
    }
    store::audit::append(
        tx,
        NewEvent::new(&reviewer.id, "review.taken_over", &item.id).detail(serde_json::json!({
            "previous_holder": current.holder_at(now).map(|(_, e, _)| e.to_string()),
        })),
    )
    .await?;
    Ok(())
}
