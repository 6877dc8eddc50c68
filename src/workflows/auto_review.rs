//! Automatic approval, narrowly (docs/STAFF.md): admins turn rules of the fixed list on and off
//! (`domain::auto_rules`); a product submission that an enabled rule approves is decided by the
//! rule — named in the decision's audit event and on the item — and a share of those decisions
//! is sampled for a human second look. Settlement changes, enterprise verifications and
//! applications are never decided here (the domain refuses, and so does `record_decision`).

use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::accounts::AccountView;
use super::decision::{require_action, require_role_for};
use super::products::{self, ProductView};
use super::review::{record_decision, AutoDecision, Decider};
use super::{Ctx, Error, Result};
use crate::domain::account::StaffAction;
use crate::domain::audit::NewEvent;
use crate::domain::auto_rules::{
    first_approving, may_be_automatic, sampled, AutoRule, ProductFacts, RuleParams,
    NO_REJECTION_DAYS,
};
use crate::domain::product::ProductData;
use crate::domain::review::{Decision, ReviewKind, ValidDecision};
use crate::domain::{FieldError, FieldErrors};
use crate::store;
use crate::store::auto_rules::{self as rule_store, RuleRow};
use crate::time_util::{rfc3339, DAY_MS};

/// A rule as the rules page and API show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RuleView {
    /// `product_minor_revision` or `trusted_provider_new_product`.
    pub code: String,
    pub enabled: bool,
    /// Approved products the provider needs (each product counted once).
    pub min_approved_products: i64,
    /// The share of its approvals sampled for a human second look, in percent.
    pub sample_percent: i64,
    pub updated_at: Option<String>,
}

/// A change to one rule; absent fields keep their value.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleChange {
    pub enabled: Option<bool>,
    #[schema(minimum = 1, maximum = 1000)]
    pub min_approved_products: Option<i64>,
    #[schema(minimum = 0, maximum = 100)]
    pub sample_percent: Option<i64>,
}

/// Every rule of the list with its settings (off, with defaults, until an admin sets it).
async fn stored(ctx: &Ctx) -> Result<Vec<(AutoRule, bool, RuleParams, Option<i64>)>> {
    let rows = rule_store::list(ctx.db.pool()).await?;
    Ok(AutoRule::ALL
        .into_iter()
        .map(|rule| match rows.iter().find(|r| r.code == rule.code()) {
            Some(r) => (
                rule,
                r.enabled,
                serde_json::from_str(&r.params).unwrap_or_default(),
                r.updated_at,
            ),
            None => (rule, false, RuleParams::default(), None),
        })
        .collect())
}

fn view(rule: AutoRule, enabled: bool, p: RuleParams, at: Option<i64>) -> RuleView {
    RuleView {
        code: rule.code().to_string(),
        enabled,
        min_approved_products: p.min_approved_products,
        sample_percent: p.sample_percent,
        updated_at: at.map(rfc3339),
    }
}

/// The rules. Admins only.
pub async fn rules(ctx: &Ctx, admin: &AccountView) -> Result<Vec<RuleView>> {
    require_action(admin, StaffAction::ManageRules)?;
    Ok(stored(ctx)
        .await?
        .into_iter()
        .map(|(r, on, p, at)| view(r, on, p, at))
        .collect())
}

/// Sets one rule (`404` for a code not on the list). Admins only; audited.
#[tracing::instrument(name = "auto_review::set_rule", skip_all, fields(admin = %admin.id, code = %code))]
pub async fn set_rule(
    ctx: &Ctx,
    admin: &AccountView,
    code: &str,
    change: &RuleChange,
) -> Result<RuleView> {
    require_action(admin, StaffAction::ManageRules)?;
    let rule = AutoRule::parse(code).ok_or(Error::NotFound)?;
    let (_, was_on, was, _) = stored(ctx)
        .await?
        .into_iter()
        .find(|(r, ..)| *r == rule)
        .ok_or(Error::NotFound)?;
    let params = RuleParams {
        min_approved_products: change
            .min_approved_products
            .unwrap_or(was.min_approved_products),
        sample_percent: change.sample_percent.unwrap_or(was.sample_percent),
    };
    let mut e = FieldErrors::default();
    for (field, min, max) in params.problems() {
        e.push(
            FieldError::new(field, "out_of_range")
                .with("min", min)
                .with("max", max),
        );
    }
    e.into_result().map_err(Error::Validation)?;
    let enabled = change.enabled.unwrap_or(was_on);
    let now = ctx.clock.now_ms();
    let mut tx = ctx.db.begin_write().await?;
    rule_store::put(
        &mut tx,
        &RuleRow {
            code: rule.code().to_string(),
            enabled,
            params: serde_json::to_string(&params).map_err(|e| Error::Internal(e.to_string()))?,
            updated_by: Some(admin.id.clone()),
            updated_at: Some(now),
        },
    )
    .await?;
    store::audit::append(
        &mut tx,
        NewEvent::new(&admin.id, "review.rule_changed", rule.code()).detail(json!({
            "enabled": enabled,
            "min_approved_products": params.min_approved_products,
            "sample_percent": params.sample_percent,
        })),
    )
    .await?;
    tx.commit().await?;
    Ok(view(rule, enabled, params, Some(now)))
}

/// Submits a product for review (`products::submit`); an enabled rule may then decide it at once
/// (`consider`). If the rules fail, the submission stands and waits for a person.
pub async fn submit_product(ctx: &Ctx, account: &AccountView, id: &str) -> Result<ProductView> {
    let view = products::submit(ctx, account, id).await?;
    let item = store::review::latest(ctx.db.pool(), ReviewKind::Product.as_str(), id).await?;
    let Some(item) = item.filter(|i| i.status == "pending") else {
        return Ok(view);
    };
    match consider(ctx, &item.id).await {
        Ok(Some(_)) => products::get(ctx, account, id).await,
        Ok(None) => Ok(view),
        Err(e) => {
            tracing::warn!(error = %e, item = %item.id, "automatic review failed; left to a person");
            Ok(view)
        }
    }
}

/// Looks at a product item that just entered the queue: when an enabled rule approves it, the
/// rule decides it (as `system`, naming itself), and a share is sampled for a second look.
/// Returns the rule that decided, if any. A failure leaves the item to a person.
pub async fn consider(ctx: &Ctx, item_id: &str) -> Result<Option<AutoRule>> {
    let Some(item) = store::review::get(ctx.db.pool(), item_id).await? else {
        return Ok(None);
    };
    let Some(kind) = ReviewKind::parse(&item.kind) else {
        return Ok(None);
    };
    // Appeals are a person's to answer.
    if !may_be_automatic(kind) || item.status != "pending" || item.appeal {
        return Ok(None);
    }
    let enabled: Vec<(AutoRule, RuleParams)> = stored(ctx)
        .await?
        .into_iter()
        .filter(|(_, on, ..)| *on)
        .map(|(r, _, p, _)| (r, p))
        .collect();
    if enabled.is_empty() {
        return Ok(None);
    }
    let facts = product_facts(ctx, &item.account_id, &item.subject_ref).await?;
    let Some((rule, params)) = first_approving(kind, &enabled, &facts) else {
        return Ok(None);
    };
    let roll: u8 = rand::rngs::OsRng.gen_range(0..100);
    let second_look = sampled(&params, roll);
    let decision = ValidDecision {
        decision: Decision::Approve,
        reasons: Vec::new(),
        version: item.version,
        override_reason: None,
        reply: None,
    };
    let mut tx = ctx.db.begin_write().await?;
    let auto = AutoDecision {
        rule: rule.code(),
        sampled: second_look,
    };
    match record_decision(ctx, &mut tx, Decider::Rule(auto), &item, kind, &decision).await {
        Ok(()) => {}
        // A person decided it meanwhile, or the product changed: nothing to do.
        Err(Error::Conflict(_)) => return Ok(None),
        Err(e) => return Err(e),
    }
    tx.commit().await?;
    ctx.mail_committed();
    Ok(Some(rule))
}

/// What the rules look at: the submitted revision against the live one, and the provider's
/// record.
async fn product_facts(ctx: &Ctx, account_id: &str, product_id: &str) -> Result<ProductFacts> {
    let pool = ctx.db.pool();
    let product = store::products::get(pool, product_id)
        .await?
        .ok_or(Error::NotFound)?;
    let revision = |id: Option<String>| async move {
        match id {
            Some(id) => store::products::revision(pool, &id).await,
            None => Ok(None),
        }
    };
    let new = revision(product.working_revision_id.clone())
        .await?
        .ok_or(Error::NotFound)?;
    let live = revision(product.live_revision_id.clone()).await?;
    let data = |json: &str| serde_json::from_str::<ProductData>(json).unwrap_or_default();
    let new_data = data(&new.data);
    let since = ctx.clock.now_ms() - NO_REJECTION_DAYS * DAY_MS;
    let (approved_products, recent_rejection) =
        rule_store::provider_record(pool, account_id, since).await?;
    let has_same_category_and_type = rule_store::live_revisions(pool, account_id)
        .await?
        .iter()
        .map(|j| data(j))
        .any(|d| d.category == new_data.category && d.service_type == new_data.service_type);
    Ok(ProductFacts {
        new: new_data,
        callback_changed: live
            .as_ref()
            .is_some_and(|l| l.callback_url != new.callback_url),
        new_icon: new.icon_document_id,
        live: live.map(|l| (data(&l.data), l.icon_document_id)),
        approved_products,
        recent_rejection,
        has_same_category_and_type,
        suspended: store::products::is_suspended(pool, account_id).await?,
    })
}

/// An automatic approval waiting for a second look.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SecondLook {
    /// The review item.
    pub id: String,
    /// The rule that approved it.
    pub rule: String,
}

/// Automatic approvals waiting for a second look, oldest first. Staff.
pub async fn second_looks(ctx: &Ctx, staff: &AccountView) -> Result<Vec<SecondLook>> {
    super::decision::require_staff(staff)?;
    Ok(rule_store::waiting_second_look(&ctx.db, 200)
        .await?
        .into_iter()
        .map(|(id, rule)| SecondLook { id, rule })
        .collect())
}

/// A person has taken the second look at an automatic approval (the role that decides its kind).
/// `409 no_second_look` when the item was not waiting for one. Audited.
pub async fn finish_second_look(ctx: &Ctx, reviewer: &AccountView, item_id: &str) -> Result<()> {
    let item = store::review::get(ctx.db.pool(), item_id)
        .await?
        .ok_or(Error::NotFound)?;
    let kind = ReviewKind::parse(&item.kind).ok_or(Error::NotFound)?;
    require_role_for(reviewer, kind)?;
    let mut tx = ctx.db.begin_write().await?;
    if !rule_store::finish_second_look(&mut tx, item_id).await? {
        return Err(Error::Conflict("no_second_look"));
    }
    store::audit::append(
        &mut tx,
        NewEvent::new(&reviewer.id, "review.second_look_done", item_id)
            .detail(json!({"kind": item.kind, "account": item.account_id})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
