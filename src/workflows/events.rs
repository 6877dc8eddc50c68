//! Events for systems outside: recorded by the workflows in the transaction of each change
//! (`record`), read as a cursor feed (`feed`), and deleted after `events.retention_days`
//! (`sweep_retention`). Staff read every event; a provider reads its own.

use serde_json::{json, Value};

use super::accounts::AccountView;
use super::{Ctx, Error, Result};
use crate::domain::account::Role;
use crate::domain::events::{Event, EventType};
use crate::domain::move_in::Reason;
use crate::domain::product::ProductData;
use crate::domain::review::ReviewKind;
pub use crate::store::events::EventRow;
use crate::store::events::FeedFilter;
use crate::store::products::ProductRow;
use crate::store::review::ReviewItemRow;
use crate::store::{self, Tx};
use crate::time_util::{now_ms, DAY_MS};

/// The job that deletes events past the retention period (`berth jobs run events-retention`).
pub const RETENTION_JOB: &str = "events_retention";

/// Records `event` in `tx`, with a delivery to every enabled endpoint that takes it.
pub async fn record(tx: &mut Tx, event: Event) -> Result<()> {
    store::events::record(tx, &event, now_ms()).await?;
    Ok(())
}

/// Records a product's event: the provider, the product, its name (of the revision the event
/// is about: the one decided or submitted, else the one live) and `extra`.
pub async fn product(
    tx: &mut Tx,
    kind: EventType,
    product: &ProductRow,
    extra: Value,
) -> Result<()> {
    let about_working = matches!(
        kind,
        EventType::ProductSubmitted | EventType::ProductListed | EventType::ProductRejected
    );
    let (first, second) = match about_working {
        true => (&product.working_revision_id, &product.live_revision_id),
        false => (&product.live_revision_id, &product.working_revision_id),
    };
    let mut name = String::new();
    if let Some(revision) = first.as_ref().or(second.as_ref()) {
        if let Some(r) = store::products::revision(&mut **tx, revision).await? {
            name = serde_json::from_str::<ProductData>(&r.data)
                .map(|d| d.name)
                .unwrap_or_default();
        }
    }
    let mut data =
        json!({"provider_id": product.account_id, "product_id": product.id, "name": name});
    if let (Some(data), Value::Object(extra)) = (data.as_object_mut(), extra) {
        data.extend(extra);
    }
    record(tx, Event::about_provider(kind, &product.account_id, data)).await
}

/// Records what a review decision did (a product's decision is recorded by `products`, which
/// knows the revision), then whether it completed the move-in.
pub async fn decided(
    ctx: &Ctx,
    tx: &mut Tx,
    kind: ReviewKind,
    approved: bool,
    item: &ReviewItemRow,
    reasons: &[Reason],
) -> Result<()> {
    use EventType::*;
    let event = match (kind, approved) {
        (ReviewKind::EnterpriseVerification, true) => EnterpriseVerificationApproved,
        (ReviewKind::EnterpriseVerification, false) => EnterpriseVerificationRejected,
        (ReviewKind::PartnerApplication, true) => PartnerApplicationApproved,
        (ReviewKind::PartnerApplication, false) => PartnerApplicationRejected,
        (ReviewKind::SettlementChange, true) => SettlementChangeApproved,
        (ReviewKind::SettlementChange, false) => SettlementChangeRejected,
        (ReviewKind::Reverification, true) => ReverificationApproved,
        (ReviewKind::Reverification, false) => ReverificationRejected,
        (ReviewKind::Product, _) => return Ok(()),
    };
    let mut data = json!({"provider_id": item.account_id, "review_item_id": item.id,
                          "company_name": item.company_name});
    if !approved {
        data["reasons"] = json!(reasons);
    }
    record(tx, Event::about_provider(event, &item.account_id, data)).await?;
    note_moved_in(ctx, tx, &item.account_id).await
}

/// After a change that may complete an account's move-in: records `provider.moved_in` the first
/// time the account is found moved in, never again.
pub async fn note_moved_in(ctx: &Ctx, tx: &mut Tx, account_id: &str) -> Result<()> {
    let status = super::move_in::status_in(ctx, tx, account_id).await?;
    if !status.moved_in() {
        return Ok(());
    }
    let company = store::enterprise::get(&mut **tx, account_id)
        .await?
        .and_then(|e| e.company_name)
        .unwrap_or_default();
    let event = Event::about_provider(
        EventType::ProviderMovedIn,
        account_id,
        json!({"provider_id": account_id, "company_name": company}),
    );
    store::events::record_once(
        tx,
        &store::events::moved_in_key(account_id),
        &event,
        now_ms(),
    )
    .await?;
    Ok(())
}

/// Whose events an account reads: `None` every event (staff), else its own.
pub fn feed_scope(account: &AccountView) -> Result<Option<String>> {
    if account.roles.can_review() {
        Ok(None)
    } else if account.roles.has(Role::Provider) {
        Ok(Some(account.id.clone()))
    } else {
        Err(Error::Forbidden)
    }
}

/// A page of the feed: events after `after` of the given types (all when empty) that the
/// account may read, oldest first; at most `limit`.
pub async fn feed(
    ctx: &Ctx,
    account: &AccountView,
    after: i64,
    types: Vec<String>,
    limit: i64,
) -> Result<Vec<EventRow>> {
    let filter = FeedFilter {
        provider_id: feed_scope(account)?,
        types,
    };
    Ok(store::events::feed(&ctx.db, &filter, after, limit).await?)
}

/// Deletes events older than the retention period whose deliveries are all settled; how many.
pub async fn sweep_retention(ctx: &Ctx, retention_days: u32) -> Result<u64> {
    let before = now_ms() - i64::from(retention_days) * DAY_MS;
    let deleted = store::events::delete_older_than(&ctx.db, before).await?;
    if deleted > 0 {
        tracing::info!(
            deleted,
            retention_days,
            "events past their retention deleted"
        );
    }
    Ok(deleted)
}
