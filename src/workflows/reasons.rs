//! The reason library: staff read it, admins keep it (add, edit the texts, retire and restore),
//! and a decision's coded reasons are checked against it and stored with their texts.

use serde_json::json;

use super::accounts::AccountView;
use super::decision::{require_action, require_staff};
use super::{Ctx, Error, Result};
use crate::domain::account::StaffAction;
use crate::domain::audit::NewEvent;
use crate::domain::reason_library::{
    validate_change, validate_new, LibraryReason, NewReasonForm, ReasonChangeForm,
};
use crate::domain::reasons::Reason;
use crate::domain::review::ReviewKind;
use crate::domain::FieldError;
use crate::store;

/// The library is the admins' to keep (`StaffAction::ManageReasons`).
pub fn require_keeper(account: &AccountView) -> Result<()> {
    require_action(account, StaffAction::ManageReasons)
}

/// The library for staff: every kind (or one), retired reasons too when asked.
pub async fn list(
    ctx: &Ctx,
    staff: &AccountView,
    kind: Option<&str>,
    include_retired: bool,
) -> Result<Vec<LibraryReason>> {
    require_staff(staff)?;
    if kind.is_some_and(|k| ReviewKind::parse(k).is_none()) {
        return Err(Error::field("kind", "not_allowed"));
    }
    Ok(store::reasons::list(ctx.db.pool(), kind, include_retired).await?)
}

#[tracing::instrument(name = "reasons::add", skip_all, fields(admin = %admin.id))]
pub async fn add(ctx: &Ctx, admin: &AccountView, f: &NewReasonForm) -> Result<LibraryReason> {
    require_keeper(admin)?;
    let reason = validate_new(f).map_err(Error::Validation)?;
    let mut tx = ctx.db.begin_write().await?;
    if !store::reasons::insert(&mut tx, &reason, ctx.clock.now_ms()).await? {
        return Err(Error::Conflict("code_taken"));
    }
    store::audit::append(
        &mut tx,
        NewEvent::new(&admin.id, "reason.added", &reason.code).detail(json!({
            "kind": reason.kind, "field": reason.field, "text": reason.text,
        })),
    )
    .await?;
    tx.commit().await?;
    Ok(reason)
}

#[tracing::instrument(name = "reasons::change", skip_all, fields(admin = %admin.id))]
pub async fn change(
    ctx: &Ctx,
    admin: &AccountView,
    code: &str,
    f: &ReasonChangeForm,
) -> Result<LibraryReason> {
    require_keeper(admin)?;
    let mut tx = ctx.db.begin_write().await?;
    let current = store::reasons::get(&mut *tx, code)
        .await?
        .ok_or(Error::NotFound)?;
    let next = validate_change(&current, f).map_err(Error::Validation)?;
    store::reasons::update(&mut tx, &next, ctx.clock.now_ms()).await?;
    let action = match (current.retired, next.retired) {
        (false, true) => "reason.retired",
        (true, false) => "reason.restored",
        _ => "reason.changed",
    };
    store::audit::append(
        &mut tx,
        NewEvent::new(&admin.id, action, code).detail(json!({
            "field": next.field, "text": next.text,
        })),
    )
    .await?;
    tx.commit().await?;
    Ok(next)
}

/// Fills in the coded reasons of a decision on an item of `kind`: each code must be in the
/// library, for that kind, and not retired (else `reasons[i].code` is named); the reason takes
/// the library's texts, and its field when the decision names none.
pub async fn resolve(tx: &mut store::Tx, kind: ReviewKind, reasons: &mut [Reason]) -> Result<()> {
    let mut errors = Vec::new();
    for (i, r) in reasons.iter_mut().enumerate() {
        let Some(code) = r.code.clone() else { continue };
        let field = format!("reasons[{i}].code");
        match store::reasons::get(&mut **tx, &code).await? {
            None => errors.push(FieldError::new(field, "unknown_reason")),
            Some(l) if l.retired => errors.push(FieldError::new(field, "retired_reason")),
            Some(l) if l.kind != kind.as_str() => {
                errors.push(FieldError::new(field, "reason_of_other_kind").with("kind", &l.kind))
            }
            Some(l) => {
                if r.field.is_empty() {
                    r.field = l.field.clone().unwrap_or_default();
                }
                r.texts = Some(l.text);
                // Stored as Chinese text; every reader gets it in their own language.
                *r = r.localized("zh-CN");
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Validation(errors))
    }
}
