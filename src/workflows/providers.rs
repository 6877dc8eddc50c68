//! Operators suspend and reinstate providers (with a reason, audited and mailed). A suspended
//! provider's products disappear from the storefront; reinstatement brings the listed ones back.

use serde_json::json;

use super::accounts::AccountView;
use super::{Ctx, Error, Result};
use crate::domain::audit::NewEvent;
use crate::domain::enterprise::VerificationStatus;
use crate::domain::events::{Event, EventType};
use crate::domain::text::text;
use crate::domain::{FieldError, FieldErrors};
use crate::i18n::Lang;
use crate::mail;
use crate::store::{self};

fn reason(value: Option<&str>) -> Result<String> {
    let mut e = FieldErrors::default();
    let r = text(&mut e, "reason", value.map(str::to_string).as_ref(), 500);
    if r.is_none() && e.is_empty() {
        e.push(FieldError::new("reason", "required"));
    }
    e.into_result().map_err(Error::Validation)?;
    Ok(r.unwrap_or_default())
}

#[tracing::instrument(name = "providers::set_suspended", skip_all, fields(operator = %operator.id, account_id = %account_id))]
pub async fn set_suspended(
    ctx: &Ctx,
    operator: &AccountView,
    account_id: &str,
    suspend: bool,
    why: Option<&str>,
) -> Result<()> {
    super::decision::require_action(
        operator,
        crate::domain::account::StaffAction::ProviderStanding,
    )?;
    super::decision::not_own(operator, account_id)?;
    let why = reason(why)?;
    let now = ctx.clock.now_ms();
    let mut tx = ctx.db.begin_write().await?;
    let owner = store::accounts::find_by_id(&mut *tx, account_id)
        .await?
        .ok_or(Error::NotFound)?;
    if !is_provider(&mut tx, account_id).await? {
        return Err(Error::Conflict("not_a_provider"));
    }
    super::decision::not_closed(&mut tx, account_id).await?;
    let changed = if suspend {
        store::products::suspend(&mut tx, account_id, &why, &operator.id, now).await?
    } else {
        store::products::reinstate(&mut tx, account_id).await?
    };
    if !changed {
        return Err(Error::Conflict(if suspend {
            "already_suspended"
        } else {
            "not_suspended"
        }));
    }
    let action = if suspend {
        "provider.suspended"
    } else {
        "provider.reinstated"
    };
    store::audit::append(
        &mut tx,
        NewEvent::new(&operator.id, action, account_id).detail(json!({"reason": why})),
    )
    .await?;
    let kind = [EventType::ProviderReinstated, EventType::ProviderSuspended][usize::from(suspend)];
    let data = json!({"provider_id": account_id, "reason": why});
    super::events::record(&mut tx, Event::about_provider(kind, account_id, data)).await?;
    let kind = if suspend {
        mail::MailKind::ProviderSuspended
    } else {
        mail::MailKind::ProviderReinstated
    };
    let lang = Lang::from_tag(&owner.lang).unwrap_or_default();
    mail::enqueue(
        &mut tx,
        &ctx.key,
        kind,
        &owner.email,
        lang,
        &[("reason", &why)],
    )
    .await?;
    tx.commit().await?;
    ctx.mail_committed();
    Ok(())
}

/// Whether `account_id` is a provider: its move-in application was approved.
async fn is_provider(tx: &mut store::Tx, account_id: &str) -> Result<bool> {
    Ok(store::application::get(&mut **tx, account_id)
        .await?
        .is_some_and(|a| a.status == VerificationStatus::Approved.as_str()))
}

/// A provider's standing as the console shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// Not a provider (yet): its application is not approved.
    NotProvider,
    Active,
    Suspended,
    /// Its holder closed the account: nothing of it is listed and no staff action applies.
    Closed,
}

/// Where the company behind `account_id` stands as a provider.
pub async fn standing(ctx: &Ctx, account_id: &str) -> Result<Standing> {
    let approved = store::application::get(ctx.db.pool(), account_id)
        .await?
        .is_some_and(|a| a.status == VerificationStatus::Approved.as_str());
    if !approved {
        return Ok(Standing::NotProvider);
    }
    if store::privacy::closure(ctx.db.pool(), account_id)
        .await?
        .is_some()
    {
        return Ok(Standing::Closed);
    }
    Ok(
        if store::products::is_suspended(ctx.db.pool(), account_id).await? {
            Standing::Suspended
        } else {
            Standing::Active
        },
    )
}
