//! The operators' back office: one queue over every kind, the item with its documents and
//! earlier submissions, decisions (optimistic concurrency on `version`), and the micro-deposit.
//! Every decision is audited and mailed to the account.

use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::accounts::AccountView;
use super::decision::{not_own, require_role_for, require_staff, Verdict};
use super::verification::DocumentView;
use super::{Ctx, Error, Result};
use crate::domain::audit::NewEvent;
use crate::domain::enterprise::DepositStatus;
use crate::domain::move_in::{reasons_from_json, Reason};
use crate::domain::review;
use crate::domain::review::{Decision, DecisionForm, ReviewKind, ReviewStatus};
use crate::i18n::Lang;
use crate::mail::{self, MailKind};
use crate::store;
use crate::store::review::ReviewItemRow;
use crate::time_util::rfc3339;

pub use super::queue::{pending_counts, queue, ItemSummary, QueueQuery, Subject};

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EarlierSubmission {
    pub id: String,
    pub status: String,
    pub submitted_at: String,
    #[serde(skip)]
    pub submitted_ms: i64,
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    pub documents: Vec<DocumentView>,
    pub reasons: Vec<Reason>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ItemDetail {
    #[serde(flatten)]
    pub summary: ItemSummary,
    /// The submission as sent (ID and account numbers masked).
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    pub documents: Vec<DocumentView>,
    pub reasons: Vec<Reason>,
    pub decided_at: Option<String>,
    #[serde(skip)]
    pub decided_ms: Option<i64>,
    pub decided_by: Option<String>,
    /// Earlier submissions about the same subject, newest first.
    pub earlier: Vec<EarlierSubmission>,
    /// Enterprise items: the micro-deposit check (`not_sent`, `sent`, `confirmed`, `frozen`).
    pub micro_deposit: Option<String>,
    /// Settlement changes: the account in force now (masked), to compare with the change.
    #[schema(value_type = Option<Object>)]
    pub in_force: Option<serde_json::Value>,
    /// Product items: the newest "Test the integration" record of the product (`saas`).
    pub integration_test: Option<super::integration_test::TestRecord>,
    /// An appeal's thread: the rejection appealed, the appeal, the reply (empty without one).
    pub thread: Vec<super::appeals::ThreadEntry>,
}

fn reasons_of(row: &ReviewItemRow, lang: Lang) -> Vec<Reason> {
    reasons_from_json(row.reasons.as_deref(), lang.tag())
}

async fn documents_of(ctx: &Ctx, row: &ReviewItemRow) -> Result<Vec<DocumentView>> {
    let ids: Vec<String> = serde_json::from_str(&row.documents).unwrap_or_default();
    Ok(store::documents::documents_by_ids(ctx.db.pool(), &ids)
        .await?
        .iter()
        .map(DocumentView::from)
        .collect())
}

/// The item as a reader of `lang` reads it (library reasons in that language).
pub async fn detail(ctx: &Ctx, id: &str, lang: Lang) -> Result<ItemDetail> {
    let row = store::review::get(ctx.db.pool(), id)
        .await?
        .ok_or(Error::NotFound)?;
    let history = store::review::history(ctx.db.pool(), &row.kind, &row.subject_ref).await?;
    let mut earlier = Vec::new();
    for h in history.iter().filter(|h| {
        h.submitted_at < row.submitted_at || (h.submitted_at == row.submitted_at && h.id < row.id)
    }) {
        earlier.push(EarlierSubmission {
            id: h.id.clone(),
            status: h.status.clone(),
            submitted_at: rfc3339(h.submitted_at),
            submitted_ms: h.submitted_at,
            data: serde_json::from_str(&h.snapshot).unwrap_or(serde_json::Value::Null),
            documents: documents_of(ctx, h).await?,
            reasons: reasons_of(h, lang),
        });
    }
    let micro_deposit = if row.kind == ReviewKind::EnterpriseVerification.as_str() {
        store::enterprise::get(ctx.db.pool(), &row.account_id)
            .await?
            .map(|e| {
                DepositStatus::at(
                    &e.md_status,
                    e.md_frozen_until,
                    e.md_attempts_left,
                    ctx.clock.now_ms(),
                )
                .as_str()
                .to_string()
            })
    } else {
        None
    };
    let in_force = if row.kind == ReviewKind::Reverification.as_str() {
        super::reverification::in_force(ctx, &row.account_id).await?
    } else if row.kind == ReviewKind::SettlementChange.as_str() {
        store::provider::settlement(ctx.db.pool(), &row.account_id).await?.map(|s| {
            json!({
                "account_name": s.account_name, "bank_name": s.bank_name, "branch_name": s.branch_name,
                "branch_code": s.branch_code, "account_number_masked": format!("**** **** {}", s.account_last4),
            })
        })
    } else {
        None
    };
    let integration_test = if row.kind == ReviewKind::Product.as_str() {
        super::integration_test::latest(ctx, &row.subject_ref).await?
    } else {
        None
    };
    let thread = super::appeals::thread_of(ctx, &row, lang.tag())
        .await?
        .thread;
    let data = serde_json::from_str(&row.snapshot).unwrap_or(serde_json::Value::Null);
    let documents = documents_of(ctx, &row).await?;
    let reasons = reasons_of(&row, lang);
    let deadlines = super::deadlines::load(ctx).await?;
    Ok(ItemDetail {
        thread,
        in_force,
        integration_test,
        data,
        documents,
        reasons,
        decided_at: row.decided_at.map(rfc3339),
        decided_ms: row.decided_at,
        decided_by: row.decided_by.clone(),
        earlier,
        micro_deposit,
        summary: super::queue::summary_at(row, ctx.clock.now_ms(), Some(&deadlines)),
    })
}

/// The message that tells the applicant about a decision.
fn decision_mail(kind: ReviewKind, approved: bool) -> MailKind {
    match (kind, approved) {
        (ReviewKind::EnterpriseVerification, true) => MailKind::EnterpriseVerificationApproved,
        (ReviewKind::EnterpriseVerification, false) => MailKind::EnterpriseVerificationRejected,
        (ReviewKind::PartnerApplication, true) => MailKind::PartnerApplicationApproved,
        (ReviewKind::PartnerApplication, false) => MailKind::PartnerApplicationRejected,
        (ReviewKind::SettlementChange, true) => MailKind::SettlementChangeApproved,
        (ReviewKind::SettlementChange, false) => MailKind::SettlementChangeRejected,
        (ReviewKind::Product, true) => MailKind::ProductApproved,
        (ReviewKind::Product, false) => MailKind::ProductRejected,
        (ReviewKind::Reverification, true) => MailKind::ReverificationApproved,
        (ReviewKind::Reverification, false) => MailKind::ReverificationRejected,
    }
}

/// Approves or rejects an item: the common part (the reviewer's right to decide, the version,
/// the audit event, the mail) is here; what a decision does to its subject belongs to the
/// aggregate (`verification`, `application`, `provider_info`, `products`::`apply_decision`).
/// Two deciders racing on one version: exactly one wins, the other gets `stale_version`.
/// Approving a settlement change (a bank account that money will go to) needs a fresh second
/// factor: `fresh_second_factor` says whether the reviewer's session has one.
#[tracing::instrument(name = "review::decide", skip_all, fields(reviewer = %reviewer.id, id = %id))]
pub async fn decide(
    ctx: &Ctx,
    reviewer: &AccountView,
    id: &str,
    form: &DecisionForm,
    fresh_second_factor: bool,
) -> Result<ItemDetail> {
    require_staff(reviewer)?;
    let mut d = review::validate_decision(form).map_err(Error::Validation)?;
    let mut tx = ctx.db.begin_write().await?;
    let item = store::review::get(&mut *tx, id)
        .await?
        .ok_or(Error::NotFound)?;
    not_own(reviewer, &item.account_id)?;
    super::decision::not_closed(&mut tx, &item.account_id).await?;
    let kind = ReviewKind::parse(&item.kind)
        .ok_or_else(|| Error::Internal(format!("unknown kind {}", item.kind)))?;
    require_role_for(reviewer, kind)?;
    super::reasons::resolve(&mut tx, kind, &mut d.reasons).await?;
    if item.appeal && d.reply.is_none() {
        // An appeal is answered in words as well as by the decision.
        return Err(Error::field("reply", "required"));
    }
    let approved = d.decision == Decision::Approve;
    if kind == ReviewKind::SettlementChange && approved && !fresh_second_factor {
        return Err(Error::StepUpRequired);
    }
    super::claims::hold_for_decision(ctx, &mut tx, reviewer, &item, form.take_over == Some(true))
        .await?;
    record_decision(ctx, &mut tx, Decider::Staff(reviewer), &item, kind, &d).await?;
    tx.commit().await?;
    ctx.mail_committed();
    detail(ctx, id, reviewer.lang).await
}

/// A rule that decided an item by itself (`auto_review`), and whether the decision was sampled
/// for a human second look.
pub(super) struct AutoDecision<'a> {
    pub rule: &'a str,
    pub sampled: bool,
}

/// Who decides: a member of staff, or a rule of the automatic-approval list.
pub(super) enum Decider<'a> {
    Staff(&'a AccountView),
    Rule(AutoDecision<'a>),
}

/// Records a decision in `tx`: the item's status, what it does to its subject, the event, the
/// report's ledger, the audit event and the mail. A rule decides as `system`, names itself in
/// the audit event and on the item; nothing with bank details or identity, and no appeal, is
/// ever recorded as automatic.
pub(super) async fn record_decision(
    ctx: &Ctx,
    tx: &mut store::Tx,
    decider: Decider<'_>,
    item: &ReviewItemRow,
    kind: ReviewKind,
    d: &review::ValidDecision,
) -> Result<()> {
    let decider_id = match &decider {
        Decider::Staff(a) => a.id.as_str(),
        Decider::Rule(_) => crate::domain::audit::SYSTEM,
    };
    if matches!(decider, Decider::Rule(_))
        && (item.appeal || !crate::domain::auto_rules::may_be_automatic(kind))
    {
        return Err(Error::Forbidden);
    }
    let approved = d.decision == Decision::Approve;
    let status = if approved {
        ReviewStatus::Approved
    } else {
        ReviewStatus::Rejected
    };
    let verdict = Verdict {
        approved,
        reasons_json: (!d.reasons.is_empty())
            .then(|| serde_json::to_string(&d.reasons).unwrap_or_default()),
        override_reason: d.override_reason.as_deref(),
        now: ctx.clock.now_ms(),
    };
    if !store::review::decide(
        tx,
        &item.id,
        d.version,
        status.as_str(),
        verdict.reasons_json.as_deref(),
        decider_id,
        verdict.now,
    )
    .await?
    {
        return Err(Error::Conflict("stale_version"));
    }
    let owner = store::accounts::find_by_id(&mut **tx, &item.account_id)
        .await?
        .ok_or(Error::NotFound)?;
    let effects = match kind {
        ReviewKind::EnterpriseVerification => {
            super::verification::apply_decision(tx, item, &verdict).await?
        }
        ReviewKind::PartnerApplication => {
            super::application::apply_decision(tx, item, &verdict).await?
        }
        ReviewKind::SettlementChange => {
            super::provider_info::apply_decision(ctx, tx, item, &owner, &verdict).await?
        }
        ReviewKind::Product => super::products::apply_decision(tx, item, &verdict).await?,
        ReviewKind::Reverification => {
            super::reverification::apply_decision(tx, item, &verdict).await?
        }
    };
    super::events::decided(ctx, tx, kind, approved, item, &d.reasons).await?;
    // The report's clock (which tests move); the wait began at the submission, or the appeal.
    let ledger_at = ctx.clock.now_ms();
    let started = match (&decider, item.appeal) {
        (Decider::Staff(reviewer), true) => {
            let reply = d.reply.as_deref();
            super::appeals::answer(tx, item, reviewer, reply, status.as_str(), ledger_at).await?
        }
        _ => item.submitted_at,
    };
    store::reasons::record_decision(
        tx,
        &item.id,
        &item.kind,
        status.as_str(),
        verdict.reasons_json.as_deref(),
        started,
        ledger_at,
        decider_id,
        item.appeal,
    )
    .await?;
    let mut facts = json!({"kind": item.kind, "account": item.account_id, "reasons": d.reasons});
    if item.appeal {
        facts["appeal_reply"] = json!(d.reply);
    }
    if let Decider::Rule(rule) = &decider {
        // A rule's decision names the rule, and whether it went for a second look.
        facts["rule"] = json!(rule.rule);
        facts["second_look"] = json!(rule.sampled);
    }
    if let Some((name, value)) = effects.audit_detail {
        facts[name] = value;
    }
    let action = if approved {
        "review.approved"
    } else {
        "review.rejected"
    };
    store::audit::append(
        tx,
        NewEvent::new(decider_id, action, &item.id).detail(facts),
    )
    .await?;
    let lang = Lang::from_tag(&owner.lang).unwrap_or_default();
    let reasons_text = format_reasons(lang, &d.reasons);
    // A product's mail names the product.
    let product_name = serde_json::from_str::<serde_json::Value>(&item.snapshot)
        .ok()
        .and_then(|s| s["name"].as_str().map(str::to_string))
        .unwrap_or_default();
    let recipients = effects
        .recipients
        .unwrap_or_else(|| vec![owner.email.clone()]);
    for to in recipients {
        let outcome_key = format!("email.appeal_outcome.{}", status.as_str());
        let outcome = crate::i18n::t(lang, &outcome_key);
        let mail_kind = if item.appeal {
            MailKind::AppealAnswered
        } else {
            decision_mail(kind, approved)
        };
        mail::enqueue(
            tx,
            &ctx.key,
            mail_kind,
            &to,
            lang,
            &[
                ("reasons", &reasons_text),
                ("company", &item.company_name),
                ("product", &product_name),
                ("reply", d.reply.as_deref().unwrap_or_default()),
                ("outcome", outcome),
            ],
        )
        .await?;
    }
    if let Decider::Rule(rule) = &decider {
        store::auto_rules::mark_automatic(tx, &item.id, rule.rule, rule.sampled).await?;
    }
    Ok(())
}

/// The reasons of a decision as a mail lists them: each field by the name the form gives it, in
/// the mail's language (never its key).
fn format_reasons(lang: Lang, reasons: &[Reason]) -> String {
    reasons
        .iter()
        .map(|r| r.localized(lang.tag()))
        .map(|r| match crate::i18n::field_name(lang, &r.field) {
            Some(name) => format!("- {name}: {}", r.message),
            None => format!("- {}", r.message),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mailed_reasons_name_fields_in_words() {
        let reasons = [
            Reason::free("registered_address", "与执照不符"),
            Reason::free("branch_code", "wrong"),
        ];
        let zh = format_reasons(Lang::ZhCn, &reasons);
        assert!(zh.contains("- 注册地址: 与执照不符"), "{zh}");
        assert!(
            !zh.contains("registered_address") && !zh.contains("branch_code"),
            "{zh}"
        );
        let en = format_reasons(Lang::En, &reasons);
        assert!(
            en.contains("Registered address") || en.contains("address"),
            "{en}"
        );
    }
}
