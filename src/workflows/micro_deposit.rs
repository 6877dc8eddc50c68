//! The corporate-account micro-deposit: once the documents are approved, an operator pays a
//! random small amount and records it (`record_deposit`; the amount stays readable to staff,
//! sealed, until the deposit closes: `paid_deposit`), the holder types the amount in
//! (`confirm_deposit`), and a deposit spent on wrong amounts is void until the holder asks for a
//! new one (`request_new_deposit`).

use rand::Rng;
use serde_json::json;

use super::accounts::AccountView;
use super::decision::{not_own, require_action, require_staff};
use super::move_in::require_provider_role;
use super::notify;
use super::verification::DepositView;
use super::{limits, Ctx, Error, Result};
use crate::domain::account::StaffAction;
use crate::domain::audit::NewEvent;
use crate::domain::enterprise::{
    DepositStatus, VerificationStatus, DEPOSIT_MAX_FEN, DEPOSIT_MIN_FEN,
};
use crate::domain::events::{Event, EventType};
use crate::domain::money::Fen;
use crate::domain::review::ReviewKind;
use crate::domain::FieldError;
use crate::i18n::Lang;
use crate::mail;
use crate::store;
use crate::store::enterprise as ent_store;
use crate::time_util::MINUTE_MS;

/// Records that the micro-deposit was paid to the corporate account; the system picks the amount
/// (1–99 fen) and tells the operator, who pays exactly that. Only once the documents are
/// approved (money goes out for a verified company only), only when no deposit is out (never a
/// silent second amount beside one the operator may already have paid), and at most
/// `limits.deposits_per_verification` in all.
#[tracing::instrument(name = "micro_deposit::record_deposit", skip_all, fields(reviewer = %reviewer.id, id = %id))]
pub async fn record_deposit(ctx: &Ctx, reviewer: &AccountView, id: &str) -> Result<i64> {
    require_action(reviewer, StaffAction::PayMicroDeposit)?;
    let owner_id = store::review::get(ctx.db.pool(), id)
        .await?
        .ok_or(Error::NotFound)?
        .account_id;
    let mut tx = ctx.db.begin_for_account(&owner_id).await?;
    let item = store::review::get(&mut *tx, id)
        .await?
        .ok_or(Error::NotFound)?;
    // Whoever pays the deposit knows its amount: never the account's own staff.
    not_own(reviewer, &item.account_id)?;
    super::decision::not_closed(&mut tx, &item.account_id).await?;
    if item.kind != ReviewKind::EnterpriseVerification.as_str() {
        return Err(Error::Conflict("not_an_enterprise_item"));
    }
    let mut ent = store::enterprise::get(&mut *tx, &item.account_id)
        .await?
        .ok_or(Error::NotFound)?;
    let status = DepositStatus::at(
        &ent.md_status,
        ent.md_frozen_until,
        ent.md_attempts_left,
        ctx.clock.now_ms(),
    );
    if status == DepositStatus::Confirmed {
        return Err(Error::Conflict("already_confirmed"));
    }
    if ent.md_deposits_sent >= i64::from(ctx.limits.deposits_per_verification) {
        return Err(Error::Conflict("deposit_limit_reached"));
    }
    match status {
        DepositStatus::Sent | DepositStatus::Frozen => {
            return Err(Error::Conflict("deposit_already_sent"))
        }
        DepositStatus::Void => return Err(Error::Conflict("deposit_void")),
        _ => {}
    }
    if VerificationStatus::parse(&ent.status) != Some(VerificationStatus::Approved) {
        return Err(Error::Conflict("documents_not_approved"));
    }
    let amount = rand::rngs::OsRng.gen_range(DEPOSIT_MIN_FEN..=DEPOSIT_MAX_FEN);
    ent.md_amount_hash = Some(ctx.key.keyed_hash(
        "micro-deposit",
        deposit_material(&item.account_id, amount).as_bytes(),
    ));
    ent.md_status = DepositStatus::Sent.as_str().into();
    ent.md_attempts_left = i64::from(ctx.limits.deposit_wrong_amounts);
    ent.md_frozen_until = None;
    ent.md_deposits_sent += 1;
    ent.updated_at = ctx.clock.now_ms();
    store::enterprise::put(&mut tx, &ent).await?;
    let sealed = ctx.key.encrypt(
        &amount_context(&item.account_id),
        amount.to_string().as_bytes(),
    );
    ent_store::set_deposit_paid(&mut tx, &item.account_id, Some((&sealed, ent.updated_at))).await?;
    store::review::touch(&mut tx, id).await?;
    store::audit::append(
        &mut tx,
        NewEvent::new(&reviewer.id, "review.micro_deposit_sent", &item.id)
            .detail(json!({"account": item.account_id, "deposit": ent.md_deposits_sent})),
    )
    .await?;
    let owner = store::accounts::find_by_id(&mut *tx, &item.account_id)
        .await?
        .ok_or(Error::NotFound)?;
    let data: crate::domain::enterprise::EnterpriseData =
        serde_json::from_str(&ent.data).unwrap_or_default();
    let masked = data
        .corporate_account
        .account_number_masked
        .unwrap_or_default();
    mail::enqueue(
        &mut tx,
        &ctx.key,
        mail::MailKind::MicroDepositSent,
        &owner.email,
        Lang::from_tag(&owner.lang).unwrap_or_default(),
        &[("account", &masked)],
    )
    .await?;
    tx.commit().await?;
    ctx.mail_committed();
    Ok(amount)
}

/// The micro-deposit of an enterprise verification as the staff who pay it see it.
#[derive(Debug, Clone)]
pub struct PaidDeposit {
    pub status: DepositStatus,
    /// The documents are approved: a deposit may be paid (when none is out).
    pub documents_approved: bool,
    /// The amount of the deposit that is out (sent, frozen or void): never for the account's own
    /// staff, who must not know it.
    pub amount: Option<Fen>,
    pub paid_at: Option<i64>,
    /// Wrong amounts the company may still type.
    pub attempts_left: i64,
    pub frozen_until: Option<i64>,
    pub deposits_sent: i64,
    pub deposits_allowed: i64,
    /// Where it is paid: the submission's bank and branch, the account number masked.
    pub bank: String,
    pub account_masked: String,
}

/// The deposit of `account_id`'s verification for a reviewer, with its amount while it is out.
pub async fn paid_deposit(
    ctx: &Ctx,
    reviewer: &AccountView,
    account_id: &str,
) -> Result<Option<PaidDeposit>> {
    require_staff(reviewer)?;
    // Only finance, who pay it, learn the amount.
    let pays = reviewer.roles.may(StaffAction::PayMicroDeposit);
    let Some(ent) = ent_store::get(ctx.db.pool(), account_id).await? else {
        return Ok(None);
    };
    let now = ctx.clock.now_ms();
    let status = DepositStatus::at(
        &ent.md_status,
        ent.md_frozen_until,
        ent.md_attempts_left,
        now,
    );
    let paid = ent_store::deposit_paid(ctx.db.pool(), account_id).await?;
    let (amount, paid_at) = match paid {
        Some((sealed, at)) if pays && reviewer.id != account_id => {
            let fen = ctx
                .key
                .decrypt_string(&amount_context(account_id), &sealed)
                .map_err(|_| Error::Internal("the deposit amount does not open".into()))?
                .parse::<i64>()
                .map_err(|_| Error::Internal("the deposit amount is not a number".into()))?;
            (Some(Fen(fen)), at)
        }
        Some((_, at)) => (None, at),
        None => (None, None),
    };
    let data: crate::domain::enterprise::EnterpriseData =
        serde_json::from_str(&ent.data).unwrap_or_default();
    let account = data.corporate_account;
    let bank = [account.bank_name, account.branch_name]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    Ok(Some(PaidDeposit {
        status,
        documents_approved: ent.status == VerificationStatus::Approved.as_str(),
        amount,
        paid_at,
        attempts_left: DepositView::of(ctx, Some(&ent), now).attempts_left,
        frozen_until: ent
            .md_frozen_until
            .filter(|_| status == DepositStatus::Frozen),
        deposits_sent: ent.md_deposits_sent,
        deposits_allowed: i64::from(ctx.limits.deposits_per_verification),
        bank,
        account_masked: account.account_number_masked.unwrap_or_default(),
    }))
}

/// The holder types the deposited amount. A deposit allows `limits.deposit_wrong_amounts` wrong
/// amounts in all (never more, however long one waits): the last freezes the check for
/// `limits.deposit_freeze_minutes`, after which the deposit is void and the holder asks for a
/// new one, which an operator pays.
#[tracing::instrument(name = "micro_deposit::confirm_deposit", skip_all, fields(account = %account.id))]
pub async fn confirm_deposit(
    ctx: &Ctx,
    account: &AccountView,
    amount_fen: Option<i64>,
) -> Result<DepositView> {
    require_provider_role(account)?;
    let amount = match amount_fen {
        None => return Err(Error::field("amount_fen", "required")),
        Some(a) if !(DEPOSIT_MIN_FEN..=DEPOSIT_MAX_FEN).contains(&a) => {
            return Err(Error::Validation(vec![FieldError::new(
                "amount_fen",
                "out_of_range",
            )
            .with("min", DEPOSIT_MIN_FEN)
            .with("max", DEPOSIT_MAX_FEN)]))
        }
        Some(a) => a,
    };
    let mut tx = ctx.db.begin_for_account(&account.id).await?;
    let Some(mut row) = ent_store::get(&mut *tx, &account.id).await? else {
        return Err(Error::Conflict("deposit_not_sent"));
    };
    let now = ctx.clock.now_ms();
    match DepositStatus::at(
        &row.md_status,
        row.md_frozen_until,
        row.md_attempts_left,
        now,
    ) {
        DepositStatus::NotSent | DepositStatus::Requested => {
            return Err(Error::Conflict("deposit_not_sent"))
        }
        DepositStatus::Confirmed => return Err(Error::Conflict("already_confirmed")),
        DepositStatus::Void => return Err(Error::Conflict("deposit_void")),
        DepositStatus::Frozen => {
            let until = row.md_frozen_until.unwrap_or(now);
            return Err(Error::Frozen {
                retry_after_secs: limits::retry_after_secs(until - now),
            });
        }
        DepositStatus::Sent => {}
    }
    let hash = row.md_amount_hash.clone().unwrap_or_default();
    let material = deposit_material(&account.id, amount);
    if ctx
        .key
        .keyed_hash_matches("micro-deposit", material.as_bytes(), &hash)
    {
        close_deposit(&mut tx, &mut row, DepositStatus::Confirmed, now).await?;
        store::audit::append(
            &mut tx,
            NewEvent::new(
                &account.id,
                "enterprise.micro_deposit_confirmed",
                &account.id,
            ),
        )
        .await?;
        let confirmed = json!({"provider_id": account.id, "verification_status": row.status});
        let event = Event::about_provider(EventType::MicroDepositConfirmed, &account.id, confirmed);
        super::events::record(&mut tx, event).await?;
        super::events::note_moved_in(ctx, &mut tx, &account.id).await?;
        if row.status == VerificationStatus::Approved.as_str() {
            notify::mail_account(
                ctx,
                &mut tx,
                mail::MailKind::EnterpriseVerified,
                account,
                &[],
            )
            .await?;
        }
        tx.commit().await?;
        ctx.mail_committed();
        return Ok(DepositView::of(ctx, Some(&row), now));
    }
    let left = (row.md_attempts_left - 1).max(0);
    let freeze_ms = i64::from(ctx.limits.deposit_freeze_minutes) * MINUTE_MS;
    row.md_attempts_left = left;
    if left == 0 {
        row.md_frozen_until = Some(now + freeze_ms);
    }
    row.updated_at = now;
    ent_store::put(&mut tx, &row).await?;
    store::audit::append(
        &mut tx,
        NewEvent::new(
            &account.id,
            "enterprise.micro_deposit_wrong_amount",
            &account.id,
        )
        .detail(json!({"attempts_left": left, "frozen": left == 0})),
    )
    .await?;
    tx.commit().await?;
    if left == 0 {
        Err(Error::Frozen {
            retry_after_secs: limits::retry_after_secs(freeze_ms),
        })
    } else {
        Err(Error::WrongAmount {
            attempts_left: left,
        })
    }
}

/// The holder of a void deposit asks for a new one; an operator pays it (a new amount).
#[tracing::instrument(name = "micro_deposit::request_new_deposit", skip_all, fields(account = %account.id))]
pub async fn request_new_deposit(ctx: &Ctx, account: &AccountView) -> Result<DepositView> {
    require_provider_role(account)?;
    let mut tx = ctx.db.begin_for_account(&account.id).await?;
    let Some(mut row) = ent_store::get(&mut *tx, &account.id).await? else {
        return Err(Error::Conflict("deposit_not_void"));
    };
    let now = ctx.clock.now_ms();
    let st = DepositStatus::at(
        &row.md_status,
        row.md_frozen_until,
        row.md_attempts_left,
        now,
    );
    if st != DepositStatus::Void {
        return Err(Error::Conflict(match st {
            DepositStatus::Frozen => "verification_frozen",
            DepositStatus::Requested => "deposit_requested",
            _ => "deposit_not_void",
        }));
    }
    if row.md_deposits_sent >= i64::from(ctx.limits.deposits_per_verification) {
        return Err(Error::Conflict("deposit_limit_reached"));
    }
    close_deposit(&mut tx, &mut row, DepositStatus::Requested, now).await?;
    store::audit::append(
        &mut tx,
        NewEvent::new(
            &account.id,
            "enterprise.micro_deposit_requested",
            &account.id,
        )
        .detail(json!({"deposits_sent": row.md_deposits_sent})),
    )
    .await?;
    tx.commit().await?;
    Ok(DepositView::of(ctx, Some(&row), now))
}

/// Ends the deposit that was out (`Confirmed`, or `Requested` anew): its amount and freeze are
/// forgotten.
async fn close_deposit(
    tx: &mut store::Tx,
    row: &mut ent_store::EnterpriseRow,
    status: DepositStatus,
    now: i64,
) -> Result<()> {
    row.md_status = status.as_str().into();
    row.md_amount_hash = None;
    row.md_frozen_until = None;
    row.updated_at = now;
    ent_store::put(tx, row).await?;
    Ok(ent_store::set_deposit_paid(tx, &row.account_id, None).await?)
}

fn amount_context(account_id: &str) -> String {
    format!("enterprise_verifications.md_amount_enc:{account_id}")
}

pub fn deposit_material(account_id: &str, amount_fen: i64) -> String {
    format!("{account_id}:{amount_fen}")
}
