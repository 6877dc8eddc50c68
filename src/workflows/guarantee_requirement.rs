//! A category's deposit changed (an admin, `set_category_deposit`, from the catalog): what it
//! does to each provider that declares the category, in the same transaction.
//!
//! - A raise that leaves a *live* provider (its deposit step done) below the new amount opens
//!   the grace period — `deposits.top_up_working_days` working days, as after a deduction —
//!   instead of hiding anything at once: mailed, audited (`deposit.top_up_requested`), event
//!   `deposit.short`. A provider that never paid in full keeps its deposit step due.
//! - A cut that makes the balance cover the requirement closes the grace period; listings held
//!   for it come back at once (mailed, audited `deposit.listings_restored`, event
//!   `provider.listings_restored`).

use serde_json::json;

use super::accounts::AccountView;
use super::guarantee::{deadline, look_by, provider_in, record_event, restore};
use super::guarantee_ledger::standing_in;
use super::{Ctx, Error, Result};
use crate::domain::audit::NewEvent;
use crate::domain::events::EventType;
use crate::domain::guarantee::Standing;
use crate::domain::money::Fen;
use crate::i18n;
use crate::mail::{self, MailKind};
use crate::store::guarantee as g_store;
use crate::store::{self, Tx};
use crate::time_util::rfc3339;

/// An admin sets a category's deposit (fen; 0 = none), audited. The providers that declare it
/// owe the new amount at once: a raise leaves a provider that never paid in full with its
/// deposit step due, and gives a live one now short the grace period to top up (as a deduction
/// does); a cut that makes the balance cover the requirement closes the grace period and brings
/// hidden listings back (`changed`).
#[tracing::instrument(name = "guarantee::set_category_deposit", skip_all, fields(operator = %operator.id))]
pub async fn set_category_deposit(
    ctx: &Ctx,
    tx: &mut Tx,
    operator: &AccountView,
    slug: &str,
    deposit_fen: i64,
) -> Result<()> {
    let concerned = g_store::approved_mentioning(tx, slug).await?;
    let mut before = Vec::with_capacity(concerned.len());
    for account_id in &concerned {
        before.push(standing_in(tx, account_id).await?.0);
    }
    let was = g_store::set_category_deposit(tx, slug, deposit_fen)
        .await?
        .ok_or(Error::NotFound)?;
    if was == deposit_fen {
        return Ok(());
    }
    store::audit::append(
        tx,
        NewEvent::new(&operator.id, "catalog.category_deposit_set", slug)
            .detail(json!({"deposit_fen": deposit_fen, "before_fen": was})),
    )
    .await?;
    for (account_id, before) in concerned.iter().zip(before) {
        let (after, _) = standing_in(tx, account_id).await?;
        changed(ctx, tx, operator, account_id, &before, &after).await?;
        // A deposit cut (or removed) may complete a move-in that waited for it.
        super::events::note_moved_in(ctx, tx, account_id).await?;
    }
    Ok(())
}

/// What the change from `before` to `after` does to `account_id`'s deposit.
pub(super) async fn changed(
    ctx: &Ctx,
    tx: &mut Tx,
    operator: &AccountView,
    account_id: &str,
    before: &Standing,
    after: &Standing,
) -> Result<()> {
    let open = g_store::shortfall(&mut **tx, account_id).await?.is_some();
    if !after.below() {
        if open {
            let (balance, required) = (after.totals.balance_fen, after.required_fen);
            restore(ctx, tx, &operator.id, account_id, balance, required).await?;
        }
        return Ok(());
    }
    if open || !before.status.step_done() {
        // Already in its grace period (the deadline stays), or never paid in full (the step).
        return Ok(());
    }
    let now = ctx.clock.now_ms();
    let (last_day, top_up_by) = deadline(ctx, now).await?;
    g_store::open_shortfall(tx, account_id, now, top_up_by).await?;
    let (balance, required) = (after.totals.balance_fen, after.required_fen);
    store::audit::append(
        tx,
        NewEvent::new(&operator.id, "deposit.top_up_requested", account_id).detail(json!({
            "required_fen": required, "before_fen": before.required_fen,
            "balance_fen": balance, "top_up_by_ms": top_up_by,
        })),
    )
    .await?;
    record_event(
        tx,
        EventType::DepositShort,
        account_id,
        json!({"balance_fen": balance, "required_fen": required,
               "top_up_by": rfc3339(top_up_by)}),
    )
    .await?;
    let (email, lang) = provider_in(tx, account_id).await?;
    let required_words = Fen(required).to_string();
    let date = crate::display::Zone::long_day(last_day, lang);
    let what_next = i18n::tf(
        lang,
        "email.guarantee_deducted.top_up",
        &[("required", &required_words), ("date", &date)],
    );
    mail::enqueue(
        tx,
        &ctx.key,
        MailKind::GuaranteeRaised,
        &email,
        lang,
        &[
            ("required", &required_words),
            ("balance", &Fen(balance).to_string()),
            ("what_next", &what_next),
        ],
    )
    .await?;
    look_by(ctx, top_up_by);
    Ok(())
}
