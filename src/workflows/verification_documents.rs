//! The documents of an enterprise verification: a business licence or a letter of
//! authorisation checked by its bytes, stored under a name of our choosing, and attached to the
//! draft (the API's upload, and the page's form with its files, `verification_form`).

use serde_json::json;

use super::accounts::AccountView;
use super::move_in::require_provider_role;
use super::verification::{ensure_editable, DocumentView};
use super::{Ctx, Error, Result};
use crate::crypto::sha256_hex;
use crate::domain::audit::NewEvent;
use crate::domain::enterprise::{DepositStatus, EnterpriseData, VerificationStatus};
use crate::domain::upload::{self, FileType, MAX_DOCUMENT_BYTES};
use crate::store::documents::{self as doc_store, DocumentRow};
use crate::store::enterprise::{self as ent_store, EnterpriseRow};
use crate::store::{self};

/// Stores an uploaded business licence or letter of authorisation and attaches it to the draft.
#[tracing::instrument(name = "verification::upload_document", skip_all, fields(account = %account.id))]
pub async fn upload_document(
    ctx: &Ctx,
    account: &AccountView,
    kind: &str,
    bytes: Vec<u8>,
) -> Result<DocumentView> {
    require_provider_role(account)?;
    if !matches!(kind, "business_license" | "authorization_letter") {
        return Err(Error::field("kind", "not_allowed"));
    }
    let file_type = check_document(&bytes).map_err(Error::Upload)?;
    ensure_editable(ent_store::get(ctx.db.pool(), &account.id).await?.as_ref())?;
    let doc = store_document(ctx, account, kind, file_type, bytes).await?;
    let keys = [doc.blob_key.as_str()];
    let written = async {
        let mut tx = ctx.db.begin_for_account(&account.id).await?;
        attach_in(ctx, &mut tx, account, &doc).await?;
        tx.commit().await?;
        Ok(DocumentView::from(&doc))
    }
    .await;
    ctx.unless_written(&keys, written).await
}

/// What a document's bytes are (PDF, JPEG or PNG, within the size), or the upload's refusal.
pub fn check_document(bytes: &[u8]) -> std::result::Result<FileType, &'static str> {
    upload::check(
        bytes,
        MAX_DOCUMENT_BYTES,
        &[FileType::Pdf, FileType::Jpeg, FileType::Png],
    )
    .map_err(|e| e.code())
}

/// Stores a checked document's file under a name of our choosing, before its row: a crash
/// after it leaves an unreferenced file, never a row without a file.
pub async fn store_document(
    ctx: &Ctx,
    account: &AccountView,
    kind: &str,
    file_type: FileType,
    bytes: Vec<u8>,
) -> Result<DocumentRow> {
    let id = uuid::Uuid::now_v7().to_string();
    let doc = DocumentRow {
        id: id.clone(),
        account_id: account.id.clone(),
        kind: kind.to_string(),
        content_type: file_type.content_type().to_string(),
        size: bytes.len() as i64,
        sha256: sha256_hex(&bytes),
        blob_key: format!("documents/{}/{id}.{}", account.id, file_type.extension()),
        created_at: ctx.clock.now_ms(),
    };
    ctx.blobs.put(&doc.blob_key, bytes).await?;
    Ok(doc)
}

/// Attaches a stored document to the draft (made if there is none yet), with its event.
pub async fn attach_in(
    ctx: &Ctx,
    tx: &mut store::Tx,
    account: &AccountView,
    doc: &DocumentRow,
) -> Result<()> {
    let kind = doc.kind.as_str();
    let existing = ent_store::get(&mut **tx, &account.id).await?;
    ensure_editable(existing.as_ref())?;
    if existing.is_none() {
        ent_store::put(
            tx,
            &EnterpriseRow {
                account_id: account.id.clone(),
                status: VerificationStatus::Draft.as_str().into(),
                data: serde_json::to_string(&EnterpriseData::default()).unwrap_or_default(),
                md_status: DepositStatus::NotSent.as_str().into(),
                md_attempts_left: i64::from(ctx.limits.deposit_wrong_amounts),
                updated_at: ctx.clock.now_ms(),
                ..Default::default()
            },
        )
        .await?;
    }
    doc_store::insert_document(tx, doc).await?;
    ent_store::attach_document(tx, &account.id, kind, &doc.id).await?;
    store::audit::append(
        tx,
        NewEvent::new(&account.id, "enterprise.document_uploaded", &account.id).detail(
            json!({"document": doc.id, "kind": kind, "sha256": doc.sha256, "size": doc.size}),
        ),
    )
    .await?;
    Ok(())
}
