//! Product release: drafts, the icon, submission for review, unlisting and relisting. Editing a
//! listed product makes a new revision that is reviewed while the listed one stays live.

use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::accounts::AccountView;
use super::decision::{DecisionEffects, Verdict};
use super::integration_test::{apply_callback, require_pass, with_callback};
pub use super::product_choices::release_choices;
use super::product_choices::{declared, validate};
pub use super::product_icons::icon;
use super::{events, Ctx, Error, Result};
use crate::crypto::sha256_hex;
use crate::domain::audit::NewEvent;
use crate::domain::catalog::CatalogList;
use crate::domain::events::EventType;
use crate::domain::move_in::Reason;
use crate::domain::product::{self, ProductData, ProductForm, ProductStatus, MAX_ICON_BYTES};
use crate::domain::review::ReviewKind;
use crate::domain::upload::{self, FileType};
use crate::store::catalog;
use crate::store::documents::DocumentRow;
use crate::store::products::{self as product_store, ProductRow, RevisionRow};
use crate::store::review::ReviewItemRow;
use crate::store::{self, Tx};
use crate::time_util::rfc3339;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RevisionView {
    pub id: String,
    pub number: i64,
    /// `draft`, `in_review`, `approved`, `rejected` or `superseded`.
    pub status: String,
    #[serde(flatten)]
    pub data: ProductData,
    pub icon_url: Option<String>,
    pub reasons: Vec<Reason>,
    /// `saas` products: the callback URL of this revision (the live revision's is the one in
    /// force; a changed one comes into force when its revision is approved).
    pub callback_url: Option<String>,
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProductView {
    pub id: String,
    /// `draft`, `in_review`, `rejected`, `listed` or `unlisted`.
    #[schema(value_type = String)]
    pub status: ProductStatus,
    pub listed: bool,
    /// The revision buyers see (once approved).
    pub live: Option<RevisionView>,
    /// A draft, or a revision in review or returned.
    pub working: Option<RevisionView>,
    /// `saas` products: where the marketplace calls on purchase, renewal and expiry
    /// (docs/INTEGRATION.md) — the working revision's URL when there is one (what the form
    /// edits, the integration test calls and the submission needs), else the live one.
    pub callback_url: Option<String>,
    pub created_at: String,
    /// The product's newest review item: `GET /api/v1/me/review-items/{id}` shows its reasons
    /// and thread, and takes the appeal of a rejection.
    pub review_item_id: Option<String>,
}

fn revision_view(r: &RevisionRow, product_id: &str, lang: &str) -> RevisionView {
    RevisionView {
        id: r.id.clone(),
        number: r.number,
        status: r.status.clone(),
        data: serde_json::from_str(&r.data).unwrap_or_default(),
        icon_url: r
            .icon_document_id
            .as_ref()
            .map(|d| format!("/api/v1/provider/products/{product_id}/icon?document={d}")),
        reasons: crate::domain::move_in::reasons_from_json(r.reasons.as_deref(), lang),
        callback_url: r.callback_url.clone(),
        updated_at: rfc3339(r.updated_at),
    }
}

/// The product as its provider reads it (reasons in the account's language, `lang`).
async fn view_of(ctx: &Ctx, p: &ProductRow, lang: &str) -> Result<ProductView> {
    let live = match &p.live_revision_id {
        Some(id) => product_store::revision(ctx.db.pool(), id).await?,
        None => None,
    };
    let working = match &p.working_revision_id {
        Some(id) => product_store::revision(ctx.db.pool(), id).await?,
        None => None,
    };
    let status = match (&working, &live) {
        (Some(w), _) if w.status == "in_review" => ProductStatus::InReview,
        (Some(w), None) if w.status == "rejected" => ProductStatus::Rejected,
        (Some(_), None) => ProductStatus::Draft,
        (_, Some(_)) if p.listed => ProductStatus::Listed,
        (_, Some(_)) => ProductStatus::Unlisted,
        (None, None) => ProductStatus::Draft,
    };
    Ok(ProductView {
        id: p.id.clone(),
        status,
        listed: p.listed && live.is_some(),
        live: live.as_ref().map(|r| revision_view(r, &p.id, lang)),
        working: working.as_ref().map(|r| revision_view(r, &p.id, lang)),
        callback_url: store::integration::callback_url(ctx.db.pool(), &p.id).await?,
        created_at: rfc3339(p.created_at),
        review_item_id: store::review::latest(ctx.db.pool(), ReviewKind::Product.as_str(), &p.id)
            .await?
            .map(|i| i.id),
    })
}

/// Product release is for moved-in providers only.
pub use super::move_in::require_moved_in;

async fn owned(tx: &mut Tx, account: &AccountView, id: &str) -> Result<ProductRow> {
    product_store::get(&mut **tx, id)
        .await?
        .filter(|p| p.account_id == account.id)
        .ok_or(Error::NotFound)
}

pub async fn list(ctx: &Ctx, account: &AccountView) -> Result<Vec<ProductView>> {
    require_moved_in(ctx, account).await?;
    let mut out = Vec::new();
    for p in product_store::list_for_account(ctx.db.pool(), &account.id).await? {
        out.push(view_of(ctx, &p, account.lang.tag()).await?);
    }
    Ok(out)
}

pub async fn get(ctx: &Ctx, account: &AccountView, id: &str) -> Result<ProductView> {
    require_moved_in(ctx, account).await?;
    let p = product_store::get(ctx.db.pool(), id)
        .await?
        .filter(|p| p.account_id == account.id)
        .ok_or(Error::NotFound)?;
    view_of(ctx, &p, account.lang.tag()).await
}

#[tracing::instrument(name = "products::create", skip_all, fields(account = %account.id))]
pub async fn create(ctx: &Ctx, account: &AccountView, form: &ProductForm) -> Result<ProductView> {
    require_moved_in(ctx, account).await?;
    let (data, callback) = with_callback(ctx, form, validate(ctx, account, form).await).await?;
    let now = ctx.clock.now_ms();
    let product = ProductRow {
        id: uuid::Uuid::now_v7().to_string(),
        account_id: account.id.clone(),
        live_revision_id: None,
        working_revision_id: None,
        listed: false,
        created_at: now,
        updated_at: now,
    };
    let mut revision = RevisionRow {
        id: uuid::Uuid::now_v7().to_string(),
        product_id: product.id.clone(),
        number: 1,
        status: "draft".into(),
        data: serde_json::to_string(&data).map_err(|e| Error::Internal(e.to_string()))?,
        icon_document_id: None,
        reasons: None,
        callback_url: None,
        created_at: now,
        updated_at: now,
    };
    apply_callback(&mut revision, callback);
    let mut tx = ctx.db.begin_for_account_relaxed(&account.id).await?;
    product_store::insert(&mut tx, &product).await?;
    product_store::put_revision(&mut tx, &revision).await?;
    product_store::set_working(&mut tx, &product.id, Some(&revision.id), now).await?;
    store::audit::append(
        &mut tx,
        NewEvent::new(&account.id, "product.created", &product.id)
            .detail(json!({"name": data.name})),
    )
    .await?;
    tx.commit().await?;
    get(ctx, account, &product.id).await
}

/// The revision that edits go to: the working one, or a new one copied from the live revision
/// (with the callback URL in force).
async fn editable_revision(tx: &mut Tx, product: &ProductRow, now: i64) -> Result<RevisionRow> {
    if let Some(id) = &product.working_revision_id {
        let r = product_store::revision(&mut **tx, id)
            .await?
            .ok_or(Error::NotFound)?;
        if r.status == "in_review" {
            return Err(Error::Conflict("already_submitted"));
        }
        return Ok(r);
    }
    let live = match &product.live_revision_id {
        Some(id) => product_store::revision(&mut **tx, id).await?,
        None => None,
    };
    let number = product_store::next_revision_number(&mut **tx, &product.id).await?;
    Ok(RevisionRow {
        id: uuid::Uuid::now_v7().to_string(),
        product_id: product.id.clone(),
        number,
        status: "draft".into(),
        data: live
            .as_ref()
            .map(|l| l.data.clone())
            .unwrap_or_else(|| "{}".into()),
        icon_document_id: live.as_ref().and_then(|l| l.icon_document_id.clone()),
        reasons: None,
        callback_url: live.and_then(|l| l.callback_url),
        created_at: now,
        updated_at: now,
    })
}

#[tracing::instrument(name = "products::update", skip_all, fields(account = %account.id, id = %id))]
pub async fn update(
    ctx: &Ctx,
    account: &AccountView,
    id: &str,
    form: &ProductForm,
) -> Result<ProductView> {
    require_moved_in(ctx, account).await?;
    let (data, callback) = with_callback(ctx, form, validate(ctx, account, form).await).await?;
    let now = ctx.clock.now_ms();
    let mut tx = ctx.db.begin_for_account_relaxed(&account.id).await?;
    let product = owned(&mut tx, account, id).await?;
    let mut revision = editable_revision(&mut tx, &product, now).await?;
    revision.data = serde_json::to_string(&data).map_err(|e| Error::Internal(e.to_string()))?;
    apply_callback(&mut revision, callback);
    let event = NewEvent::new(&account.id, "product.edited", id)
        .detail(json!({"revision": revision.number}));
    save_working(&mut tx, id, &mut revision, now, event).await?;
    tx.commit().await?;
    get(ctx, account, id).await
}

/// Stores the edited revision as a draft and makes it the product's working revision, with its
/// audit event.
async fn save_working(
    tx: &mut Tx,
    product_id: &str,
    revision: &mut RevisionRow,
    now: i64,
    event: NewEvent,
) -> Result<()> {
    revision.status = "draft".into();
    revision.updated_at = now;
    product_store::put_revision(tx, revision).await?;
    product_store::set_working(tx, product_id, Some(&revision.id), now).await?;
    store::audit::append(tx, event).await?;
    Ok(())
}

#[tracing::instrument(name = "products::upload_icon", skip_all, fields(account = %account.id, id = %id))]
pub async fn upload_icon(
    ctx: &Ctx,
    account: &AccountView,
    id: &str,
    bytes: Vec<u8>,
) -> Result<ProductView> {
    require_moved_in(ctx, account).await?;
    let file_type = upload::check(&bytes, MAX_ICON_BYTES, &[FileType::Png, FileType::Jpeg])
        .map_err(|e| Error::Upload(e.code()))?;
    let doc_id = uuid::Uuid::now_v7().to_string();
    let doc = DocumentRow {
        id: doc_id.clone(),
        account_id: account.id.clone(),
        kind: "product_icon".into(),
        content_type: file_type.content_type().into(),
        size: bytes.len() as i64,
        sha256: sha256_hex(&bytes),
        blob_key: format!("icons/{}/{doc_id}.{}", account.id, file_type.extension()),
        created_at: ctx.clock.now_ms(),
    };
    {
        // Check ownership before storing anything.
        let p = product_store::get(ctx.db.pool(), id).await?;
        if p.is_none_or(|p| p.account_id != account.id) {
            return Err(Error::NotFound);
        }
    }
    ctx.blobs.put(&doc.blob_key, bytes).await?;
    let keys = [doc.blob_key.as_str()];
    let written = async {
        let now = ctx.clock.now_ms();
        let mut tx = ctx.db.begin_for_account(&account.id).await?;
        let product = owned(&mut tx, account, id).await?;
        let mut revision = editable_revision(&mut tx, &product, now).await?;
        store::documents::insert_document(&mut tx, &doc).await?;
        revision.icon_document_id = Some(doc.id.clone());
        let event = NewEvent::new(&account.id, "product.icon_uploaded", id)
            .detail(json!({"sha256": doc.sha256}));
        save_working(&mut tx, id, &mut revision, now, event).await?;
        Ok::<_, Error>(tx.commit().await?)
    }
    .await;
    ctx.unless_written(&keys, written).await?;
    get(ctx, account, id).await
}

#[tracing::instrument(name = "products::submit", skip_all, fields(account = %account.id, id = %id))]
pub async fn submit(ctx: &Ctx, account: &AccountView, id: &str) -> Result<ProductView> {
    super::move_in::require_agreement_accepted(ctx, account).await?;
    let declared = declared(ctx, &account.id).await?;
    let service_types = catalog::active_slugs(&ctx.db, CatalogList::ServiceTypes).await?;
    let now = ctx.clock.now_ms();
    let mut tx = ctx.db.begin_for_account(&account.id).await?;
    let product = owned(&mut tx, account, id).await?;
    let Some(working_id) = product.working_revision_id.clone() else {
        return Err(Error::Conflict("nothing_to_submit"));
    };
    let mut revision = product_store::revision(&mut *tx, &working_id)
        .await?
        .ok_or(Error::NotFound)?;
    if revision.status == "in_review" {
        return Err(Error::Conflict("already_submitted"));
    }
    let data: ProductData = serde_json::from_str(&revision.data).unwrap_or_default();
    // The catalog may have changed since the draft was saved; the terms may not be there yet.
    let mut errors = data.terms.missing();
    if !declared.categories.contains(&data.category) {
        errors.push(crate::domain::FieldError::new("category", "not_declared"));
    }
    if !service_types.contains(&data.service_type) {
        errors.push(crate::domain::FieldError::new(
            "service_type",
            "not_allowed",
        ));
    } else if !declared.service_types.contains(&data.service_type) {
        errors.push(crate::domain::FieldError::new(
            "service_type",
            "service_type_not_declared",
        ));
    }
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    require_pass(&mut tx, id, &account.id, &data).await?;
    revision.status = "in_review".into();
    revision.updated_at = now;
    product_store::put_revision(&mut tx, &revision).await?;
    let company = store::enterprise::get(&mut *tx, &account.id)
        .await?
        .and_then(|e| e.company_name)
        .unwrap_or_default();
    let mut snapshot = serde_json::to_value(&data).map_err(|e| Error::Internal(e.to_string()))?;
    if let Some(obj) = snapshot.as_object_mut() {
        obj.insert("revision".into(), json!(revision.number));
        if let Some(url) = &revision.callback_url {
            // The reviewer sees where the marketplace will call, beside the live one.
            obj.insert("callback_url".into(), json!(url));
        }
    }
    let documents: Vec<String> = revision.icon_document_id.iter().cloned().collect();
    let item = ReviewItemRow::submission(
        ReviewKind::Product.as_str(),
        &account.id,
        company,
        &product.id,
        snapshot.to_string(),
        &documents,
        now,
    );
    store::review::insert(&mut tx, &item).await?;
    store::audit::append(
        &mut tx,
        NewEvent::new(&account.id, "product.submitted", id)
            .detail(json!({"review_item": item.id, "revision": revision.number})),
    )
    .await?;
    let submitted = json!({"review_item_id": item.id, "revision": revision.number});
    events::product(&mut tx, EventType::ProductSubmitted, &product, submitted).await?;
    tx.commit().await?;
    ctx.events_committed();
    get(ctx, account, id).await
}

#[tracing::instrument(name = "products::set_listed", skip_all, fields(account = %account.id, id = %id))]
pub async fn set_listed(
    ctx: &Ctx,
    account: &AccountView,
    id: &str,
    listed: bool,
) -> Result<ProductView> {
    require_moved_in(ctx, account).await?;
    let mut tx = ctx.db.begin_for_account(&account.id).await?;
    let product = owned(&mut tx, account, id).await?;
    if product.live_revision_id.is_none() {
        return Err(Error::Conflict("not_approved_yet"));
    }
    product_store::set_listed(&mut tx, id, listed, ctx.clock.now_ms()).await?;
    let (action, kind) = if listed {
        ("product.relisted", EventType::ProductRelisted)
    } else {
        ("product.unlisted", EventType::ProductUnlisted)
    };
    store::audit::append(&mut tx, NewEvent::new(&account.id, action, id)).await?;
    events::product(&mut tx, kind, &product, json!({})).await?;
    tx.commit().await?;
    ctx.events_committed();
    get(ctx, account, id).await
}

/// Applies an operator's decision on a product item: approval puts the revision live (the
/// previous live revision is superseded); a rejection returns it with the reasons.
pub(super) async fn apply_decision(
    tx: &mut Tx,
    item: &ReviewItemRow,
    verdict: &Verdict<'_>,
) -> Result<DecisionEffects> {
    let now = verdict.now;
    let product = product_store::get(&mut **tx, &item.subject_ref)
        .await?
        .ok_or(Error::NotFound)?;
    let Some(working_id) = product.working_revision_id.clone() else {
        return Err(Error::Conflict("stale_version"));
    };
    let mut revision = product_store::revision(&mut **tx, &working_id)
        .await?
        .ok_or(Error::NotFound)?;
    if revision.status != "in_review" {
        return Err(Error::Conflict("stale_version"));
    }
    revision.updated_at = now;
    if verdict.approved {
        if let Some(old) = &product.live_revision_id {
            if let Some(mut old) = product_store::revision(&mut **tx, old).await? {
                old.status = "superseded".into();
                old.updated_at = now;
                product_store::put_revision(tx, &old).await?;
            }
        }
        revision.status = "approved".into();
        revision.reasons = None;
        product_store::put_revision(tx, &revision).await?;
        let data: ProductData = serde_json::from_str(&revision.data).unwrap_or_default();
        product_store::go_live(
            tx,
            &product.id,
            &revision.id,
            &data.name,
            &data.summary,
            &data.category,
            product::price_from(&data.plans),
            now,
        )
        .await?;
    } else {
        revision.status = "rejected".into();
        revision.reasons = verdict.reasons_json.clone();
        product_store::put_revision(tx, &revision).await?;
    }
    let kind =
        [EventType::ProductRejected, EventType::ProductListed][usize::from(verdict.approved)];
    let decided = json!({"review_item_id": item.id, "revision": revision.number});
    events::product(tx, kind, &product, decided).await?;
    Ok(DecisionEffects::default())
}
