//! Where an account stands, and the gates that follow from it (one source of truth:
//! `domain::move_in::MoveIn`).

use super::{Ctx, Error, Result};
use crate::domain::account::Role;
use crate::domain::agreement::{Standing, VersionFact};
use crate::domain::enterprise::{DepositStatus, EnterpriseData, VerificationStatus};
use crate::domain::move_in::{
    grants_provider_access, reasons_from_json, Facts, MoveIn, Reason, StepKey, ValidityFacts,
};
use crate::domain::review::ReviewKind;
use crate::store;
use crate::workflows::accounts::AccountView;

pub async fn status(ctx: &Ctx, account_id: &str) -> Result<MoveIn> {
    let row = store::move_in::facts(ctx.db.pool(), account_id)
        .await?
        .ok_or(Error::NotFound)?;
    let mut conn = ctx.db.pool().acquire().await?;
    let now = ctx.clock.now_ms();
    let agreement = standing(&mut conn, account_id, now).await?;
    let guarantee = super::guarantee_ledger::standing_of(&mut conn, account_id, &row).await?;
    Ok(evaluate(
        &row,
        agreement,
        guarantee,
        ctx.zone.day_of(now),
        now,
    ))
}

/// Where the account stands, with what the applicant is told about each step in review: the
/// date a decision can be expected and the place in line (`deadlines`).
pub async fn status_with_waits(ctx: &Ctx, account_id: &str) -> Result<MoveIn> {
    let mut m = status(ctx, account_id).await?;
    for w in super::deadlines::waits_of_account(ctx, account_id).await? {
        let key = match w.kind {
            ReviewKind::EnterpriseVerification => StepKey::EnterpriseVerification,
            ReviewKind::PartnerApplication => StepKey::PartnerApplication,
            ReviewKind::SettlementChange => StepKey::SettlementInfo,
            ReviewKind::Reverification => StepKey::Reverification,
            ReviewKind::Product => continue,
        };
        if let Some(step) = m.steps.iter_mut().find(|s| s.key == key) {
            step.expected_by = Some(w.expected_by.to_string());
            step.queue_position = Some(w.queue_position);
        }
    }
    Ok(m)
}

/// Where the account stands as `tx` sees it (its own writes included), by `ctx.clock`.
/// Without the marketplace's day it leaves the documents' terms out: they never change
/// whether the account has moved in (`MoveIn::moved_in`), which is what it is asked for.
pub async fn status_in(ctx: &Ctx, tx: &mut store::Tx, account_id: &str) -> Result<MoveIn> {
    let row = store::move_in::facts(&mut **tx, account_id)
        .await?
        .ok_or(Error::NotFound)?;
    let now = ctx.clock.now_ms();
    let agreement = standing(tx, account_id, now).await?;
    let guarantee = super::guarantee_ledger::standing_of(tx, account_id, &row).await?;
    Ok(evaluate(&row, agreement, guarantee, None, now))
}

fn fact(row: store::agreements::StandingRow) -> VersionFact {
    let (version, effective_on, effective_from_ms, summary, accepted) = row;
    VersionFact {
        version,
        effective_on,
        effective_from_ms,
        summary,
        accepted,
    }
}

/// The provider agreement versions in force and upcoming at `now`, as `account_id` stands with
/// them (accepted or not).
pub async fn standing(
    conn: &mut sqlx::AnyConnection,
    account_id: &str,
    now: i64,
) -> Result<Standing> {
    let (in_force, upcoming) = store::agreements::standing(conn, account_id, now).await?;
    Ok(Standing {
        in_force: in_force.map(fact),
        upcoming: upcoming.map(fact),
    })
}

fn evaluate(
    row: &store::move_in::FactsRow,
    agreement: Standing,
    guarantee: Option<crate::domain::guarantee::Standing>,
    today: Option<jiff::civil::Date>,
    now: i64,
) -> MoveIn {
    // Library reasons read in the account's own language.
    let lang = row.account_lang.as_str();
    let reasons = |json: Option<&str>| -> Vec<Reason> { reasons_from_json(json, lang) };
    let facts = Facts {
        account_active: row.account_status == "active",
        enterprise: row
            .enterprise_status
            .as_deref()
            .and_then(VerificationStatus::parse),
        enterprise_reasons: reasons(row.enterprise_reasons.as_deref()),
        deposit: DepositStatus::of_joined(
            row.md_status.as_deref(),
            row.md_frozen_until,
            row.md_attempts_left,
            now,
        ),
        application: row
            .application_status
            .as_deref()
            .and_then(VerificationStatus::parse),
        application_reasons: reasons(row.application_reasons.as_deref()),
        has_customer_service: row.has_customer_service,
        has_settlement: row.has_settlement,
        settlement_change_pending: row.settlement_pending,
        settlement_change_rejected: (row.last_change_status.as_deref() == Some("rejected"))
            .then(|| reasons(row.last_change_reasons.as_deref())),
        agreement,
        validity: today.map(|today| {
            let data: EnterpriseData = row
                .enterprise_data
                .as_deref()
                .and_then(|d| serde_json::from_str(d).ok())
                .unwrap_or_default();
            let last = row.last_reverification_status.as_deref();
            ValidityFacts {
                terms: data.validity(),
                today,
                pending: last == Some("pending"),
                rejected: (last == Some("rejected"))
                    .then(|| reasons(row.last_reverification_reasons.as_deref())),
            }
        }),
        guarantee,
    };
    MoveIn::evaluate(&facts)
}

/// The move-in area is for provider accounts (staff accounts have nothing to move in).
pub fn require_provider_role(account: &AccountView) -> Result<()> {
    if account.roles.has(Role::Provider) {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

/// Every move-in step done: product release (and its SaaS integration) is for these only.
pub async fn require_moved_in(ctx: &Ctx, account: &AccountView) -> Result<MoveIn> {
    require_provider_role(account)?;
    let m = status(ctx, &account.id).await?;
    if !m.moved_in() {
        return Err(Error::ProviderAccessRequired { due: m.due_keys() });
    }
    Ok(m)
}

/// Moved in, no document of the verification expired without an approved re-verification,
/// and the provider agreement in force accepted: a product is submitted for review only then
/// (`409 reverification_due`, `409 agreement_not_accepted`).
pub async fn require_agreement_accepted(ctx: &Ctx, account: &AccountView) -> Result<()> {
    let m = require_moved_in(ctx, account).await?;
    if m.reverification_due() {
        return Err(Error::Conflict("reverification_due"));
    }
    if m.agreement_overdue() {
        return Err(Error::Conflict("agreement_not_accepted"));
    }
    Ok(())
}

/// An account the provider backend's gate let through.
#[derive(Debug, Clone, Copy)]
pub struct ProviderAccess {
    /// The account's move-in has been recorded (`provider.moved_in`): no write can complete
    /// it any more.
    pub moved_in_recorded: bool,
}

/// The provider backend: verified enterprise and approved application. Every request to the
/// backend passes here, so the gate reads only the three facts it rests on and whether the
/// move-in was recorded (`store::move_in::access`, one keyed statement); an account it stops
/// is evaluated in full, for the steps the refusal names.
pub async fn require_provider_access(ctx: &Ctx, account: &AccountView) -> Result<ProviderAccess> {
    require_provider_role(account)?;
    match narrow_gate(ctx, ctx.db.pool(), account).await? {
        Some(access) => Ok(access),
        None => gate_in_full(ctx, account).await,
    }
}

/// `require_provider_access` for a write that follows at once: the connection the gate read
/// on is handed on for the write (one checkout of the pool instead of two), or `None` when
/// the gate had to look further.
pub async fn require_provider_access_for_write(
    ctx: &Ctx,
    account: &AccountView,
) -> Result<(ProviderAccess, Option<store::Conn>)> {
    require_provider_role(account)?;
    let mut conn = ctx.db.checkout().await?;
    if let Some(access) = narrow_gate(ctx, &mut *conn, account).await? {
        return Ok((access, Some(conn)));
    }
    // The full evaluation takes connections of its own.
    drop(conn);
    Ok((gate_in_full(ctx, account).await?, None))
}

/// The account through the gate, read through `ex`; `None` when the narrow read does not let
/// it through.
async fn narrow_gate<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    ctx: &Ctx,
    ex: E,
    account: &AccountView,
) -> Result<Option<ProviderAccess>> {
    let Some(row) = store::move_in::access(ex, &account.id).await? else {
        return Ok(None);
    };
    let deposit = DepositStatus::of_joined(
        row.md_status.as_deref(),
        row.md_frozen_until,
        row.md_attempts_left,
        ctx.clock.now_ms(),
    );
    let reviewed = |s: Option<&str>| s.and_then(VerificationStatus::parse);
    let through = grants_provider_access(
        reviewed(row.enterprise_status.as_deref()),
        deposit,
        reviewed(row.application_status.as_deref()),
    );
    Ok(through.then_some(ProviderAccess {
        moved_in_recorded: row.moved_in_recorded,
    }))
}

/// The refusal with the steps still due, or — when a decision came between the two reads —
/// the account through.
async fn gate_in_full(ctx: &Ctx, account: &AccountView) -> Result<ProviderAccess> {
    require_provider_status(ctx, account).await?;
    Ok(ProviderAccess {
        moved_in_recorded: false,
    })
}

/// The provider backend's gate, with where the account stands: for pages that show it and
/// writes whose effect depends on it.
pub async fn require_provider_status(ctx: &Ctx, account: &AccountView) -> Result<MoveIn> {
    require_provider_role(account)?;
    let m = status(ctx, &account.id).await?;
    if !m.provider_access() {
        return Err(Error::ProviderAccessRequired { due: m.due_keys() });
    }
    Ok(m)
}

/// The application may be started only by a verified enterprise.
pub async fn require_verified(ctx: &Ctx, account: &AccountView) -> Result<MoveIn> {
    require_provider_role(account)?;
    let m = status(ctx, &account.id).await?;
    if !m.verified() {
        return Err(Error::VerificationRequired { due: m.due_keys() });
    }
    Ok(m)
}
