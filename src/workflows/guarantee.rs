//! Category deposits (保证金): what a provider owes (the largest deposit among its declared
//! categories, once its application is approved), the ledger finance keeps — payments with their
//! bank reference, deductions with their reason and optional evidence — and the hold that hides
//! a provider's listings when a deduction left the balance short past the grace period.
//!
//! The balance is the ledger's sum, computed on every read. A deduction that leaves it below the
//! required amount opens a shortfall with its deadline (the end of the configured number of
//! working days, `deposits.top_up_working_days`); once the deadline passes, the first look —
//! any storefront read, a provider's or finance's deposit page, the hourly housekeeping, on any
//! instance — puts the hold in place (audited, mailed), and every instance's storefront index
//! drops the listings. A payment that brings the balance back closes the shortfall and lifts
//! the hold in the same transaction.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use serde_json::json;

use super::accounts::AccountView;
pub use super::guarantee_ledger::{company_of, deposit_due, GuaranteeView, LedgerEntry};
use super::guarantee_ledger::{entry_view, standing_in, view};
use super::{Ctx, Error, Result};
use crate::domain::account::StaffAction;
use crate::domain::audit::{NewEvent, SYSTEM};
use crate::domain::calendar::{self, Calendar};
use crate::domain::events::{Event, EventType};
use crate::domain::guarantee::{self, EntryKind, GuaranteeStatus, Standing};
use crate::domain::money::Fen;
use crate::domain::text::multiline_text;
use crate::domain::upload::{self, FileType};
use crate::domain::{FieldError, FieldErrors};
use crate::i18n::{self, Lang};
use crate::mail::{self, MailKind};
use crate::store::documents::DocumentRow;
use crate::store::guarantee::{self as g_store, EntryRow};
use crate::store::{self, Tx};
use crate::time_util::{rfc3339, MINUTE_MS};

/// The deposit settings and this instance's memory of when there can next be a hold to put.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Working days a provider has to top up after a deduction left the balance short.
    pub top_up_working_days: u32,
    /// No grace period ends before this (as of the last look); looks are skipped until then.
    next_look: Arc<AtomicI64>,
}

impl Settings {
    pub fn new(top_up_working_days: u32) -> Settings {
        Settings {
            top_up_working_days,
            next_look: Arc::new(AtomicI64::new(i64::MIN)),
        }
    }
}

/// How long a look is trusted at most: a shortfall opened on another instance ends at least a
/// working day later, so a minute's delay is never late.
const LOOK_TTL_MS: i64 = MINUTE_MS;

/// Records a deposit event about `account_id` in `tx`: the provider, amounts in fen and `data`
/// (never a reason's or evidence's contents, nor a bank reference).
pub(super) async fn record_event(
    tx: &mut Tx,
    kind: EventType,
    account_id: &str,
    mut data: serde_json::Value,
) -> Result<()> {
    data["provider_id"] = json!(account_id);
    super::events::record(tx, Event::about_provider(kind, account_id, data)).await
}

/// The signed-in provider's own deposit.
pub async fn own(ctx: &Ctx, account: &AccountView) -> Result<GuaranteeView> {
    super::move_in::require_provider_role(account)?;
    hide_overdue(ctx).await?;
    view(ctx, &account.id).await
}

/// A provider's deposit as staff read it (any staff; recording is finance's).
pub async fn of_provider(
    ctx: &Ctx,
    staff: &AccountView,
    account_id: &str,
) -> Result<GuaranteeView> {
    super::decision::require_staff(staff)?;
    hide_overdue(ctx).await?;
    view(ctx, account_id).await
}

/// The last day of the grace period for a deduction at `now`, and the moment it ends (the start
/// of the next day in the marketplace's zone).
pub(super) async fn deadline(ctx: &Ctx, now: i64) -> Result<(jiff::civil::Date, i64)> {
    let holidays = store::calendar::holidays(&ctx.db).await?;
    let cal = Calendar::new(holidays.iter().filter_map(|h| calendar::parse_day(&h.day)));
    let out_of_range = || Error::Internal("the clock is out of range".into());
    let today = ctx.zone.day_of(now).ok_or_else(out_of_range)?;
    let last = cal.working_days_after(today, ctx.guarantee.top_up_working_days);
    let after = last.tomorrow().map_err(|_| out_of_range())?;
    Ok((last, ctx.zone.start_of(after).ok_or_else(out_of_range)?))
}

/// The provider behind `account_id` (its application approved, its account not closed) and its
/// language, in `tx`.
pub(super) async fn provider_in(tx: &mut Tx, account_id: &str) -> Result<(String, Lang)> {
    super::decision::not_closed(tx, account_id).await?;
    let owner = store::accounts::find_by_id(&mut **tx, account_id)
        .await?
        .ok_or(Error::NotFound)?;
    let approved = store::application::get(&mut **tx, account_id)
        .await?
        .is_some_and(|a| a.status == "approved");
    if !approved {
        return Err(Error::Conflict("deposit_not_due"));
    }
    Ok((owner.email, Lang::from_tag(&owner.lang).unwrap_or_default()))
}

/// Finance records a payment of `amount_fen` with its bank reference. When the balance covers
/// the required amount again, the shortfall closes and hidden listings come back (mailed).
#[tracing::instrument(name = "guarantee::record_payment", skip_all, fields(operator = %operator.id, account_id = %account_id))]
pub async fn record_payment(
    ctx: &Ctx,
    operator: &AccountView,
    account_id: &str,
    amount_fen: Option<i64>,
    reference: Option<&str>,
) -> Result<LedgerEntry> {
    super::decision::require_action(operator, StaffAction::RecordDeposit)?;
    super::decision::not_own(operator, account_id)?;
    let mut e = FieldErrors::default();
    let amount = guarantee::amount(&mut e, "amount_fen", amount_fen, false);
    let reference = guarantee::reference(&mut e, reference);
    e.into_result().map_err(Error::Validation)?;
    let now = ctx.clock.now_ms();
    let mut tx = ctx.db.begin_for_account(account_id).await?;
    provider_in(&mut tx, account_id).await?;
    let (before, _) = standing_in(&mut tx, account_id).await?;
    let row = EntryRow {
        id: uuid::Uuid::now_v7().to_string(),
        account_id: account_id.to_string(),
        kind: EntryKind::Payment.as_str().into(),
        amount_fen: amount,
        reference: Some(reference.clone()),
        reason: None,
        evidence_document_id: None,
        recorded_by: operator.id.clone(),
        recorded_at: now,
    };
    g_store::insert_entry(&mut tx, &row).await?;
    let balance = before.totals.balance_fen + amount;
    store::audit::append(
        &mut tx,
        NewEvent::new(&operator.id, "deposit.payment_recorded", account_id).detail(json!({
            "entry": row.id, "amount_fen": amount, "reference": reference,
            "balance_fen": balance, "required_fen": before.required_fen,
        })),
    )
    .await?;
    record_event(
        &mut tx,
        EventType::DepositPaymentRecorded,
        account_id,
        json!({"entry_id": row.id, "amount_fen": amount, "balance_fen": balance,
               "required_fen": before.required_fen}),
    )
    .await?;
    if balance >= before.required_fen {
        let required = before.required_fen;
        restore(ctx, &mut tx, &operator.id, account_id, balance, required).await?;
    }
    // The payment may be the last step of the move-in.
    super::events::note_moved_in(ctx, &mut tx, account_id).await?;
    tx.commit().await?;
    ctx.mail_committed();
    Ok(entry_view(&row, balance))
}

/// Finance records a deduction: an amount (never more than the balance holds: `409
/// insufficient_deposit`), a reason and optional evidence (PDF, JPEG or PNG). Mailed to the
/// provider; a balance left below the required amount opens the grace period.
#[tracing::instrument(name = "guarantee::record_deduction", skip_all, fields(operator = %operator.id, account_id = %account_id))]
pub async fn record_deduction(
    ctx: &Ctx,
    operator: &AccountView,
    account_id: &str,
    amount_fen: Option<i64>,
    reason: Option<&String>,
    evidence: Option<Vec<u8>>,
) -> Result<LedgerEntry> {
    super::decision::require_action(operator, StaffAction::RecordDeposit)?;
    super::decision::not_own(operator, account_id)?;
    let mut e = FieldErrors::default();
    let amount = guarantee::amount(&mut e, "amount_fen", amount_fen, false);
    let reason = multiline_text(&mut e, "reason", reason, guarantee::MAX_REASON_CHARS);
    if reason.is_none() {
        e.push(FieldError::new("reason", "required"));
    }
    e.into_result().map_err(Error::Validation)?;
    let reason = reason.unwrap_or_default();
    let file_type = match &evidence {
        Some(bytes) => Some(
            upload::check(
                bytes,
                upload::MAX_DOCUMENT_BYTES,
                &[FileType::Pdf, FileType::Jpeg, FileType::Png],
            )
            .map_err(|e| Error::Upload(e.code()))?,
        ),
        None => None,
    };
    let now = ctx.clock.now_ms();
    let (last_day, top_up_by) = deadline(ctx, now).await?;
    // The file is stored before its row (a crash leaves an unreferenced file, swept later). It
    // belongs to the provider, who may download it like its own documents.
    let doc = match (evidence, file_type) {
        (Some(bytes), Some(t)) => {
            let id = uuid::Uuid::now_v7().to_string();
            let doc = DocumentRow {
                id: id.clone(),
                account_id: account_id.to_string(),
                kind: "deposit_evidence".into(),
                content_type: t.content_type().to_string(),
                size: bytes.len() as i64,
                sha256: crate::crypto::sha256_hex(&bytes),
                blob_key: format!("documents/{account_id}/{id}.{}", t.extension()),
                created_at: now,
            };
            ctx.blobs.put(&doc.blob_key, bytes).await?;
            Some(doc)
        }
        _ => None,
    };
    let keys: Vec<&str> = doc.iter().map(|d| d.blob_key.as_str()).collect();
    let written = async {
        let mut tx = ctx.db.begin_for_account(account_id).await?;
        let (email, lang) = provider_in(&mut tx, account_id).await?;
        let (before, _) = standing_in(&mut tx, account_id).await?;
        if amount > before.totals.balance_fen {
            return Err(Error::Conflict("insufficient_deposit"));
        }
        if let Some(d) = &doc {
            store::documents::insert_document(&mut tx, d).await?;
        }
        let row = EntryRow {
            id: uuid::Uuid::now_v7().to_string(),
            account_id: account_id.to_string(),
            kind: EntryKind::Deduction.as_str().into(),
            amount_fen: amount,
            reference: None,
            reason: Some(reason.clone()),
            evidence_document_id: doc.as_ref().map(|d| d.id.clone()),
            recorded_by: operator.id.clone(),
            recorded_at: now,
        };
        g_store::insert_entry(&mut tx, &row).await?;
        let after = before.totals.after(EntryKind::Deduction, amount);
        let balance = after.balance_fen;
        let short = Standing::of(true, before.required_fen, after).status == GuaranteeStatus::Short
            && before.status != GuaranteeStatus::NotDue;
        let opened = short && g_store::open_shortfall(&mut tx, account_id, now, top_up_by).await?;
        let deadline = if short {
            g_store::shortfall(&mut *tx, account_id)
                .await?
                .map(|(_, by)| by)
        } else {
            None
        };
        store::audit::append(
            &mut tx,
            NewEvent::new(&operator.id, "deposit.deduction_recorded", account_id).detail(json!({
                "entry": row.id, "amount_fen": amount, "reason": reason,
                "document": row.evidence_document_id, "balance_fen": balance,
                "required_fen": before.required_fen, "top_up_by_ms": deadline,
                "grace_started": opened,
            })),
        )
        .await?;
        record_event(
            &mut tx,
            EventType::DepositDeducted,
            account_id,
            json!({"entry_id": row.id, "amount_fen": amount, "balance_fen": balance,
                   "required_fen": before.required_fen,
                   "evidence": row.evidence_document_id.is_some()}),
        )
        .await?;
        if opened {
            record_event(
                &mut tx,
                EventType::DepositShort,
                account_id,
                json!({"balance_fen": balance, "required_fen": before.required_fen,
                       "top_up_by": deadline.map(rfc3339)}),
            )
            .await?;
        }
        let amount_words = Fen(amount).to_string();
        let balance_words = Fen(balance).to_string();
        let required_words = Fen(before.required_fen).to_string();
        let what_next = match deadline {
            Some(by) => {
                let day = ctx.zone.day_of(by - 1).unwrap_or(last_day);
                let date = crate::display::Zone::long_day(day, lang);
                i18n::tf(
                    lang,
                    "email.guarantee_deducted.top_up",
                    &[("required", &required_words), ("date", &date)],
                )
            }
            None => i18n::t(lang, "email.guarantee_deducted.covered").to_string(),
        };
        mail::enqueue(
            &mut tx,
            &ctx.key,
            MailKind::GuaranteeDeducted,
            &email,
            lang,
            &[
                ("amount", &amount_words),
                ("reason", &reason),
                ("balance", &balance_words),
                ("what_next", &what_next),
            ],
        )
        .await?;
        tx.commit().await?;
        ctx.mail_committed();
        if opened {
            // This instance looks again when the new grace period ends, at the latest.
            look_by(ctx, top_up_by);
        }
        Ok::<_, Error>(entry_view(&row, balance))
    }
    .await;
    ctx.unless_written(&keys, written).await
}

/// This instance looks for holds to put no later than `at` (a grace period that ends then).
pub(super) fn look_by(ctx: &Ctx, at: i64) {
    ctx.guarantee.next_look.fetch_min(at, Ordering::Relaxed);
}

/// Puts the hold on every provider whose grace period ended without a top-up (audited,
/// mailed); how many. Cheap when there is nothing to do: this instance remembers when the next
/// grace period ends and looks again only then (or after a minute, for shortfalls opened on
/// other instances).
pub async fn hide_overdue(ctx: &Ctx) -> Result<usize> {
    let now = ctx.clock.now_ms();
    if now < ctx.guarantee.next_look.load(Ordering::Relaxed) {
        return Ok(0);
    }
    let mut conn = ctx.db.pool().acquire().await?;
    let (due, next) = g_store::overdue(&mut conn, now).await?;
    drop(conn);
    let mut hidden = 0;
    for account_id in &due {
        if hide(ctx, account_id, now).await? {
            hidden += 1;
        }
    }
    let look = next.map_or(now + LOOK_TTL_MS, |n| n.min(now + LOOK_TTL_MS));
    ctx.guarantee.next_look.store(look, Ordering::Relaxed);
    Ok(hidden)
}

/// Hides the listings of one provider whose grace period ended, unless the balance is back or
/// another instance did it first; whether this call did.
async fn hide(ctx: &Ctx, account_id: &str, now: i64) -> Result<bool> {
    let mut tx = ctx.db.begin_for_account(account_id).await?;
    let Some((_, by)) = g_store::shortfall(&mut *tx, account_id).await? else {
        return Ok(false);
    };
    let (standing, _) = standing_in(&mut tx, account_id).await?;
    if by > now || !standing.below() {
        return Ok(false);
    }
    if !g_store::hold(&mut tx, account_id, now).await? {
        return Ok(false);
    }
    store::audit::append(
        &mut tx,
        NewEvent::new(SYSTEM, "deposit.listings_hidden", account_id).detail(json!({
            "balance_fen": standing.totals.balance_fen,
            "required_fen": standing.required_fen, "top_up_by_ms": by,
        })),
    )
    .await?;
    record_event(
        &mut tx,
        EventType::ProviderListingsHeld,
        account_id,
        json!({"balance_fen": standing.totals.balance_fen,
               "required_fen": standing.required_fen, "top_up_by": rfc3339(by)}),
    )
    .await?;
    let owner = store::accounts::find_by_id(&mut *tx, account_id)
        .await?
        .ok_or(Error::NotFound)?;
    let lang = Lang::from_tag(&owner.lang).unwrap_or_default();
    let balance = Fen(standing.totals.balance_fen).to_string();
    let required = Fen(standing.required_fen).to_string();
    mail::enqueue(
        &mut tx,
        &ctx.key,
        MailKind::GuaranteeHidden,
        &owner.email,
        lang,
        &[("balance", &balance), ("required", &required)],
    )
    .await?;
    tx.commit().await?;
    ctx.mail_committed();
    Ok(true)
}

/// The balance (`balance` of `required`) covers the requirement again: the grace period
/// closes, and held listings return (audited as `actor`'s, an event, mailed); whether they did.
pub(super) async fn restore(
    ctx: &Ctx,
    tx: &mut Tx,
    actor: &str,
    account_id: &str,
    balance: i64,
    required: i64,
) -> Result<bool> {
    if !g_store::close_shortfall(tx, account_id).await? {
        return Ok(false);
    }
    store::audit::append(
        tx,
        NewEvent::new(actor, "deposit.listings_restored", account_id)
            .detail(json!({"balance_fen": balance, "required_fen": required})),
    )
    .await?;
    record_event(
        tx,
        EventType::ProviderListingsRestored,
        account_id,
        json!({"balance_fen": balance, "required_fen": required}),
    )
    .await?;
    let (email, lang) = provider_in(tx, account_id).await?;
    let balance_words = Fen(balance).to_string();
    mail::enqueue(
        tx,
        &ctx.key,
        MailKind::GuaranteeRestored,
        &email,
        lang,
        &[("balance", &balance_words)],
    )
    .await?;
    Ok(true)
}
