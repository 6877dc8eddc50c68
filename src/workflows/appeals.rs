//! Appeals: an applicant answers a rejection once per decision — a message and, if they like, a
//! document (checked and stored like every document) — and the item goes back to the queue as
//! an appeal, the applicant's form locked again as in review. The reviewer decides it again
//! with a reply (`review::decide`); both sides read the thread.
//!
//! Settlement changes cannot be appealed: a rejected change's bank details are not kept (only
//! the account in force is), so the way on is a new change.

use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::accounts::AccountView;
use super::move_in::require_provider_role;
use super::verification::DocumentView;
use super::verification_documents::{check_document, store_document};
use super::{Ctx, Error, Result};
use crate::domain::audit::NewEvent;
use crate::domain::move_in::{reasons_from_json, Reason};
use crate::domain::review::ReviewKind;
use crate::domain::FieldErrors;
use crate::store::appeals::{self as appeal_store, AppealRow};
use crate::store::documents as doc_store;
use crate::store::review::ReviewItemRow;
use crate::store::{self, Tx};
use crate::time_util::rfc3339;

/// The longest appeal message and reply, in characters.
pub const MAX_MESSAGE: usize = 2000;

/// One entry of an item's thread.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ThreadEntry {
    /// `rejected` (the decision appealed), `appeal` (the applicant's answer) or `reply` (the
    /// reviewer's answer, with the new decision).
    #[serde(rename = "type")]
    pub entry: &'static str,
    pub at: String,
    #[serde(skip)]
    pub at_ms: i64,
    /// `approved` or `rejected`: the decision a `rejected` or `reply` entry came with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<String>,
    /// The reasons of that decision, in the reader's language.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<Reason>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The document sent with the appeal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attachment: Option<DocumentView>,
}

/// A review item as its applicant (or a reviewer) follows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ItemThread {
    pub id: String,
    /// `enterprise_verification`, `partner_application`, `settlement_change` or `product`.
    pub kind: String,
    /// `pending`, `approved`, `rejected` or `superseded`.
    pub status: String,
    /// Back in the queue because of an appeal.
    pub appeal: bool,
    pub submitted_at: String,
    pub decided_at: Option<String>,
    /// The reasons of the decision in force, in the reader's language.
    pub reasons: Vec<Reason>,
    /// Whether the applicant may appeal now (a rejection not yet appealed, of the newest
    /// submission, of a kind that can be appealed).
    pub can_appeal: bool,
    /// Oldest first; empty until an appeal is made.
    pub thread: Vec<ThreadEntry>,
}

/// A returned settlement change or re-verification is corrected and sent again, not appealed.
fn appealable(kind: &str) -> bool {
    kind != ReviewKind::SettlementChange.as_str() && kind != ReviewKind::Reverification.as_str()
}

/// The thread of `item` as a reader of `lang` reads it.
pub async fn thread_of(ctx: &Ctx, item: &ReviewItemRow, lang: &str) -> Result<ItemThread> {
    let pool = ctx.db.pool();
    let appeal = appeal_store::of_item(pool, &item.id).await?;
    let latest = store::review::latest(pool, &item.kind, &item.subject_ref).await?;
    let newest = latest.is_some_and(|l| l.id == item.id);
    let mut thread = Vec::new();
    if let Some(a) = &appeal {
        thread.push(ThreadEntry {
            entry: "rejected",
            at: rfc3339(a.rejected_at),
            at_ms: a.rejected_at,
            decision: Some("rejected".into()),
            reasons: reasons_from_json(a.rejected_reasons.as_deref(), lang),
            message: None,
            attachment: None,
        });
        let attachment = match &a.document_id {
            Some(id) => doc_store::get_document(pool, id)
                .await?
                .as_ref()
                .map(DocumentView::from),
            None => None,
        };
        thread.push(ThreadEntry {
            entry: "appeal",
            at: rfc3339(a.created_at),
            at_ms: a.created_at,
            decision: None,
            reasons: Vec::new(),
            message: Some(a.message.clone()),
            attachment,
        });
        if let (Some(reply), Some(at)) = (&a.reply, a.replied_at) {
            thread.push(ThreadEntry {
                entry: "reply",
                at: rfc3339(at),
                at_ms: at,
                decision: a.outcome.clone(),
                reasons: reasons_from_json(item.reasons.as_deref(), lang),
                message: Some(reply.clone()),
                attachment: None,
            });
        }
    }
    Ok(ItemThread {
        id: item.id.clone(),
        kind: item.kind.clone(),
        status: item.status.clone(),
        appeal: item.appeal,
        submitted_at: rfc3339(item.submitted_at),
        decided_at: item.decided_at.map(rfc3339),
        reasons: reasons_from_json(item.reasons.as_deref(), lang),
        can_appeal: item.status == "rejected"
            && appeal.is_none()
            && newest
            && appealable(&item.kind),
        thread,
    })
}

/// The applicant's own item (anyone else's is "not found").
async fn own_item(ctx: &Ctx, account: &AccountView, id: &str) -> Result<ReviewItemRow> {
    require_provider_role(account)?;
    store::review::get(ctx.db.pool(), id)
        .await?
        .filter(|i| i.account_id == account.id)
        .ok_or(Error::NotFound)
}

/// `GET /api/v1/me/review-items/{id}`: one of the applicant's items with its thread.
pub async fn show(ctx: &Ctx, account: &AccountView, id: &str) -> Result<ItemThread> {
    let item = own_item(ctx, account, id).await?;
    thread_of(ctx, &item, account.lang.tag()).await
}

/// The applicant's newest item of `kind` about `subject_ref` (the move-in pages link to it).
pub async fn newest(
    ctx: &Ctx,
    account: &AccountView,
    kind: ReviewKind,
    subject_ref: &str,
) -> Result<Option<String>> {
    let latest = store::review::latest(ctx.db.pool(), kind.as_str(), subject_ref).await?;
    Ok(latest.filter(|i| i.account_id == account.id).map(|i| i.id))
}

/// Appeals the rejection of item `id`: once per decision (`409 already_appealed`), only the
/// newest submission (`409 superseded`), only while what was submitted is unchanged (`409
/// changed_since_decision`: submit again instead), never a settlement change (`409
/// appeal_not_possible`).
#[tracing::instrument(name = "appeals::appeal", skip_all, fields(account = %account.id, id = %id))]
pub async fn appeal(
    ctx: &Ctx,
    account: &AccountView,
    id: &str,
    message: Option<&String>,
    file: Option<Vec<u8>>,
) -> Result<ItemThread> {
    let item = own_item(ctx, account, id).await?;
    let mut e = FieldErrors::default();
    let message = crate::domain::text::multiline_text(&mut e, "message", message, MAX_MESSAGE);
    if message.is_none() {
        e.push(crate::domain::FieldError::new("message", "required"));
    }
    e.into_result().map_err(Error::Validation)?;
    let message = message.unwrap_or_default();
    let file_type = match &file {
        Some(bytes) => Some(check_document(bytes).map_err(Error::Upload)?),
        None => None,
    };
    if !appealable(&item.kind) {
        return Err(Error::Conflict("appeal_not_possible"));
    }
    // The file is stored before its row (a crash leaves an unreferenced file, swept later).
    let doc = match (file, file_type) {
        (Some(bytes), Some(t)) => {
            Some(store_document(ctx, account, "appeal_attachment", t, bytes).await?)
        }
        _ => None,
    };
    let keys: Vec<&str> = doc.iter().map(|d| d.blob_key.as_str()).collect();
    let written = async {
        let now = ctx.clock.now_ms();
        let mut tx = ctx.db.begin_write().await?;
        let item = store::review::get(&mut *tx, id)
            .await?
            .ok_or(Error::NotFound)?;
        if appeal_store::of_item(&mut *tx, id).await?.is_some() {
            return Err(Error::Conflict("already_appealed"));
        }
        if item.status != "rejected" {
            return Err(Error::Conflict("not_rejected"));
        }
        let latest = store::review::latest(&mut *tx, &item.kind, &item.subject_ref).await?;
        if latest.is_none_or(|l| l.id != item.id) {
            return Err(Error::Conflict("superseded"));
        }
        reopen_subject(&mut tx, &item, now).await?;
        if let Some(d) = &doc {
            doc_store::insert_document(&mut tx, d).await?;
        }
        let row = AppealRow {
            id: uuid::Uuid::now_v7().to_string(),
            item_id: item.id.clone(),
            account_id: account.id.clone(),
            message,
            document_id: doc.as_ref().map(|d| d.id.clone()),
            rejected_reasons: item.reasons.clone(),
            rejected_at: item.decided_at.unwrap_or(item.submitted_at),
            rejected_by: item.decided_by.clone(),
            created_at: now,
            reply: None,
            replied_by: None,
            replied_at: None,
            outcome: None,
        };
        if !appeal_store::insert(&mut tx, &row).await? {
            return Err(Error::Conflict("already_appealed"));
        }
        if !appeal_store::reopen(&mut tx, &item.id, item.version).await? {
            return Err(Error::Conflict("stale_version"));
        }
        store::audit::append(
            &mut tx,
            NewEvent::new(&account.id, "review.appealed", &item.id).detail(json!({
                "kind": item.kind, "document": row.document_id,
            })),
        )
        .await?;
        Ok::<_, Error>(tx.commit().await?)
    }
    .await;
    ctx.unless_written(&keys, written).await?;
    show(ctx, account, id).await
}

/// The applicant's side of the subject goes back to "in review" (its form locked again), if it
/// is still exactly what was rejected.
async fn reopen_subject(tx: &mut Tx, item: &ReviewItemRow, now: i64) -> Result<()> {
    let decided = item.decided_at.unwrap_or(i64::MAX);
    let changed = || Error::Conflict("changed_since_decision");
    match ReviewKind::parse(&item.kind) {
        Some(ReviewKind::EnterpriseVerification) => {
            let mut ent = store::enterprise::get(&mut **tx, &item.account_id)
                .await?
                .ok_or(Error::NotFound)?;
            if ent.status != "rejected" || ent.updated_at > decided {
                return Err(changed());
            }
            ent.status = "in_review".into();
            ent.reasons = None;
            ent.updated_at = now;
            store::enterprise::put(tx, &ent).await?;
        }
        Some(ReviewKind::PartnerApplication) => {
            let mut app = store::application::get(&mut **tx, &item.account_id)
                .await?
                .ok_or(Error::NotFound)?;
            if app.status != "rejected" || app.updated_at > decided {
                return Err(changed());
            }
            app.status = "in_review".into();
            app.reasons = None;
            app.updated_at = now;
            store::application::put(tx, &app).await?;
        }
        Some(ReviewKind::Product) => {
            let product = store::products::get(&mut **tx, &item.subject_ref)
                .await?
                .ok_or(Error::NotFound)?;
            let working = match &product.working_revision_id {
                Some(id) => store::products::revision(&mut **tx, id).await?,
                None => None,
            };
            let mut revision = working.ok_or_else(changed)?;
            if revision.status != "rejected" || revision.updated_at > decided {
                return Err(changed());
            }
            revision.status = "in_review".into();
            revision.reasons = None;
            revision.updated_at = now;
            store::products::put_revision(tx, &revision).await?;
        }
        _ => return Err(Error::Conflict("appeal_not_possible")),
    }
    Ok(())
}

/// The reviewer's answer to an appeal, recorded with the new decision (inside `review::decide`'s
/// transaction); `reply` is required for an appeal.
pub(super) async fn answer(
    tx: &mut Tx,
    item: &ReviewItemRow,
    reviewer: &AccountView,
    reply: Option<&str>,
    outcome: &str,
    now: i64,
) -> Result<i64> {
    let reply = reply.ok_or_else(|| Error::field("reply", "required"))?;
    let appeal = appeal_store::of_item(&mut **tx, &item.id)
        .await?
        .ok_or(Error::NotFound)?;
    appeal_store::answer(tx, &item.id, reply, &reviewer.id, outcome, now).await?;
    Ok(appeal.created_at)
}
