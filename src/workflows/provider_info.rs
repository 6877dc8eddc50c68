//! Provider backend, Information Management → Basic Information: customer service and
//! settlement. A change to a live provider's settlement account is reviewed first and announced
//! by mail to the account and the contact person; the old account stays in force meanwhile.

use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::accounts::AccountView;
use super::decision::{DecisionEffects, Verdict};
use super::move_in::{
    require_provider_access, require_provider_access_for_write, require_provider_status,
};
use super::{Ctx, Error, Result};
use crate::domain::audit::NewEvent;
use crate::domain::events::{Event, EventType};
use crate::domain::provider::{
    self, CustomerService, CustomerServiceForm, Settlement, SettlementError, SettlementForm,
};
use crate::domain::review::ReviewKind;
use crate::mail;
use crate::store::accounts::AccountRow;
use crate::store::provider::{self as provider_store, SettlementRow};
use crate::store::review::ReviewItemRow;
use crate::store::{self};
use crate::time_util::rfc3339;

/// The verified company's name, as the provider backend heads its pages.
pub async fn company_name(ctx: &Ctx, account: &AccountView) -> Result<String> {
    Ok(store::enterprise::get(ctx.db.pool(), &account.id)
        .await?
        .and_then(|e| e.company_name)
        .unwrap_or_default())
}

pub async fn customer_service(ctx: &Ctx, account: &AccountView) -> Result<Option<CustomerService>> {
    require_provider_access(ctx, account).await?;
    Ok(provider_store::customer_service(ctx.db.pool(), &account.id).await?)
}

#[tracing::instrument(name = "provider_info::save_customer_service", skip_all, fields(account = %account.id))]
pub async fn save_customer_service(
    ctx: &Ctx,
    account: &AccountView,
    form: &CustomerServiceForm,
) -> Result<CustomerService> {
    let (access, held) = require_provider_access_for_write(ctx, account).await?;
    let cs = provider::validate_customer_service(form).map_err(Error::Validation)?;
    // The phone and address may be a person's: the chain keeps which contact changed, not the
    // values (docs/PRIVACY.md).
    let audit = NewEvent::new(&account.id, "provider.customer_service_saved", &account.id)
        .detail(json!({"dongdong_group_id": cs.dongdong_group_id}));
    let outgoing = Event::about_provider(
        EventType::ProviderCustomerServiceUpdated,
        &account.id,
        json!({"provider_id": account.id, "phone": cs.phone, "email": cs.email,
               "dongdong_group_id": cs.dongdong_group_id, "service_hours": cs.service_hours}),
    );
    let now = ctx.clock.now_ms();
    if access.moved_in_recorded {
        // The usual case, and the one measured: one blind write.
        provider_store::save_customer_service(
            &ctx.db,
            held,
            &account.id,
            &cs,
            now,
            &audit,
            &outgoing,
        )
        .await?;
        ctx.events_committed();
        return Ok(cs);
    }
    // This may be the step that completes the move-in.
    drop(held);
    let mut tx = ctx.db.begin_for_account_relaxed(&account.id).await?;
    provider_store::put_customer_service(&mut tx, &account.id, &cs, now).await?;
    store::audit::append(&mut tx, audit).await?;
    super::events::record(&mut tx, outgoing).await?;
    super::events::note_moved_in(ctx, &mut tx, &account.id).await?;
    tx.commit().await?;
    ctx.events_committed();
    Ok(cs)
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SettlementView {
    pub account_name: String,
    pub bank_name: String,
    pub branch_name: String,
    pub branch_code: String,
    /// Only the last four digits.
    pub account_number_masked: String,
    pub updated_at: String,
    /// `updated_at` for pages, which show it in words.
    #[serde(skip)]
    pub updated_at_ms: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SettlementAnswer {
    /// `not_set`, `active`, or `change_pending` (the account in force stays until the change is approved).
    pub status: &'static str,
    /// The account in force.
    pub current: Option<SettlementView>,
    /// A change waiting for review.
    pub pending_change: Option<SettlementView>,
    /// The account in force (or, before there is one, nothing).
    #[serde(flatten)]
    pub shown: Option<SettlementView>,
}

fn settlement_view(r: &SettlementRow) -> SettlementView {
    SettlementView {
        account_name: r.account_name.clone(),
        bank_name: r.bank_name.clone(),
        branch_name: r.branch_name.clone(),
        branch_code: r.branch_code.clone(),
        account_number_masked: format!("**** **** {}", r.account_last4),
        updated_at: rfc3339(r.at),
        updated_at_ms: r.at,
    }
}

/// A settlement change as its provider sees it afterwards: what was asked for (masked), when,
/// and how it was decided, with the reasons of a rejection.
#[derive(Debug, Clone)]
pub struct ChangeDecision {
    /// `pending`, `approved`, `rejected` or `superseded`.
    pub status: String,
    pub account_name: String,
    pub bank_name: String,
    pub branch_name: String,
    pub branch_code: String,
    pub account_number_masked: String,
    pub submitted_at: i64,
    pub decided_at: Option<i64>,
    pub reasons: Vec<crate::domain::move_in::Reason>,
}

/// The newest settlement change asked for, if any: the page shows a rejection beside the form.
pub async fn last_change(ctx: &Ctx, account: &AccountView) -> Result<Option<ChangeDecision>> {
    require_provider_access(ctx, account).await?;
    let history = store::review::history(
        ctx.db.pool(),
        ReviewKind::SettlementChange.as_str(),
        &account.id,
    )
    .await?;
    Ok(history.first().map(|item| {
        let snapshot: serde_json::Value = serde_json::from_str(&item.snapshot).unwrap_or_default();
        let text = |k: &str| snapshot[k].as_str().unwrap_or_default().to_string();
        ChangeDecision {
            status: item.status.clone(),
            account_name: text("account_name"),
            bank_name: text("bank_name"),
            branch_name: text("branch_name"),
            branch_code: text("branch_code"),
            account_number_masked: text("account_number_masked"),
            submitted_at: item.submitted_at,
            decided_at: item.decided_at,
            reasons: crate::domain::move_in::reasons_from_json(
                item.reasons.as_deref(),
                account.lang.tag(),
            ),
        }
    }))
}

pub async fn settlement(ctx: &Ctx, account: &AccountView) -> Result<SettlementAnswer> {
    require_provider_access(ctx, account).await?;
    answer(ctx, &account.id).await
}

async fn answer(ctx: &Ctx, account_id: &str) -> Result<SettlementAnswer> {
    let current = provider_store::settlement(ctx.db.pool(), account_id)
        .await?
        .map(|r| settlement_view(&r));
    let pending = provider_store::pending_settlement(ctx.db.pool(), account_id)
        .await?
        .map(|r| settlement_view(&r));
    Ok(SettlementAnswer {
        status: match (&current, &pending) {
            (_, Some(_)) => "change_pending",
            (Some(_), None) => "active",
            (None, None) => "not_set",
        },
        shown: current.clone().or_else(|| pending.clone()),
        current,
        pending_change: pending,
    })
}

/// A validated settlement account as `table` stores it: the number encrypted for that table.
fn settlement_row(
    ctx: &Ctx,
    account_id: &str,
    s: &Settlement,
    table: &str,
    review_item_id: Option<&str>,
    now: i64,
) -> SettlementRow {
    SettlementRow {
        account_name: s.account_name.clone(),
        bank_name: s.bank_name.clone(),
        branch_name: s.branch_name.clone(),
        branch_code: s.branch_code.as_str().to_string(),
        account_number_enc: ctx.key.encrypt(
            &format!("{table}.account_number:{account_id}"),
            s.account_number.as_str().as_bytes(),
        ),
        account_last4: s.account_number.last4().to_string(),
        review_item_id: review_item_id.map(str::to_string),
        at: now,
    }
}

/// Saves the settlement account. Before the provider is live it takes effect at once; after,
/// it becomes a `settlement_change` review item and mail goes to the account and the contact.
#[tracing::instrument(name = "provider_info::save_settlement", skip_all, fields(account = %account.id))]
pub async fn save_settlement(
    ctx: &Ctx,
    account: &AccountView,
    form: &SettlementForm,
) -> Result<SettlementAnswer> {
    let status = require_provider_status(ctx, account).await?;
    let company = company_name(ctx, account).await?;
    let s = provider::validate_settlement(form, &company).map_err(|e| match e {
        SettlementError::NameMismatch => Error::AccountNameMismatch,
        SettlementError::Invalid(fields) => Error::Validation(fields),
    })?;
    let now = ctx.clock.now_ms();
    let live = status.moved_in();
    let mut tx = ctx.db.begin_for_account(&account.id).await?;
    let has_current = provider_store::settlement(&mut *tx, &account.id)
        .await?
        .is_some();
    if live && has_current {
        let snapshot = json!({
            "account_name": s.account_name, "bank_name": s.bank_name, "branch_name": s.branch_name,
            "branch_code": s.branch_code.as_str(), "account_number_masked": s.account_number.masked(),
        });
        let item = ReviewItemRow::submission(
            ReviewKind::SettlementChange.as_str(),
            &account.id,
            company.clone(),
            &account.id,
            snapshot.to_string(),
            &[],
            now,
        );
        let item_id = item.id.clone();
        let row = settlement_row(
            ctx,
            &account.id,
            &s,
            "settlement_pending",
            Some(&item_id),
            now,
        );
        // A newer change replaces one still waiting.
        if let Some(old) = provider_store::pending_settlement(&mut *tx, &account.id).await? {
            if let Some(old_id) = old.review_item_id {
                let version = current_version(&mut tx, &old_id).await?;
                store::review::decide(
                    &mut tx,
                    &old_id,
                    version,
                    "superseded",
                    None,
                    &account.id,
                    now,
                )
                .await?;
            }
        }
        provider_store::put_pending_settlement(&mut tx, &account.id, &row).await?;
        store::review::insert(&mut tx, &item).await?;
        store::audit::append(
            &mut tx,
            NewEvent::new(
                &account.id,
                "provider.settlement_change_requested",
                &account.id,
            )
            .detail(json!({"review_item": item_id, "account_last4": row.account_last4})),
        )
        .await?;
        let requested = json!({"provider_id": account.id, "review_item_id": item_id,
                               "company_name": company, "bank_name": s.bank_name});
        let requested =
            Event::about_provider(EventType::SettlementChangeRequested, &account.id, requested);
        super::events::record(&mut tx, requested).await?;
        let last4 = row.account_last4.clone();
        for to in notice_recipients(&mut tx, &account.id, &account.email).await? {
            mail::enqueue(
                &mut tx,
                &ctx.key,
                mail::MailKind::SettlementChangeRequested,
                &to,
                account.lang,
                &[("last4", &last4)],
            )
            .await?;
        }
    } else {
        let row = settlement_row(ctx, &account.id, &s, "provider_settlement", None, now);
        provider_store::put_settlement(&mut tx, &account.id, &row).await?;
        store::audit::append(
            &mut tx,
            NewEvent::new(&account.id, "provider.settlement_saved", &account.id)
                .detail(json!({"account_last4": row.account_last4})),
        )
        .await?;
        super::events::note_moved_in(ctx, &mut tx, &account.id).await?;
    }
    tx.commit().await?;
    ctx.mail_committed();
    answer(ctx, &account.id).await
}

async fn current_version(tx: &mut store::Tx, item_id: &str) -> Result<i64> {
    Ok(store::review::get(&mut **tx, item_id)
        .await?
        .map(|i| i.version)
        .unwrap_or(0))
}

/// The account's own address and the application's contact person (when different).
pub async fn notice_recipients(
    tx: &mut store::Tx,
    account_id: &str,
    email: &str,
) -> Result<Vec<String>> {
    let mut to = vec![email.to_string()];
    if let Some(app) = store::application::get(&mut **tx, account_id).await? {
        let data: crate::domain::application::ApplicationData =
            serde_json::from_str(&app.data).unwrap_or_default();
        if let Some(contact) = data.contact.email {
            if !to.contains(&contact) {
                to.push(contact);
            }
        }
    }
    Ok(to)
}

/// An operator's decision on a settlement change: approval puts the pending account in force
/// (re-encrypted under the live table's context); either way the pending change is gone, and
/// both the account and the contact person are told (bank-detail fraud is the classic attack).
pub(super) async fn apply_decision(
    ctx: &Ctx,
    tx: &mut store::Tx,
    item: &ReviewItemRow,
    owner: &AccountRow,
    verdict: &Verdict<'_>,
) -> Result<DecisionEffects> {
    let account_id = &item.account_id;
    let pending = provider_store::pending_settlement(&mut **tx, account_id).await?;
    if let Some(p) = pending.filter(|p| p.review_item_id.as_deref() == Some(item.id.as_str())) {
        if verdict.approved {
            let number = ctx
                .key
                .decrypt(
                    &format!("settlement_pending.account_number:{account_id}"),
                    &p.account_number_enc,
                )
                .map_err(|e| Error::Internal(e.to_string()))?;
            let mut live = p.clone();
            live.account_number_enc = ctx.key.encrypt(
                &format!("provider_settlement.account_number:{account_id}"),
                &number,
            );
            live.at = verdict.now;
            provider_store::put_settlement(tx, account_id, &live).await?;
        }
        provider_store::delete_pending_settlement(tx, account_id).await?;
    }
    Ok(DecisionEffects {
        recipients: Some(notice_recipients(tx, &owner.id, &owner.email).await?),
        audit_detail: None,
    })
}
