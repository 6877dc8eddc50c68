//! Downloading an uploaded document: its owner and operators only; anyone else gets "not found".

use super::accounts::AccountView;
use super::{Ctx, Error, Result};
use crate::store::documents::{self as doc_store, DocumentRow};

pub async fn download(ctx: &Ctx, viewer: &AccountView, id: &str) -> Result<(DocumentRow, Vec<u8>)> {
    let doc = doc_store::get_document(ctx.db.pool(), id)
        .await?
        .ok_or(Error::NotFound)?;
    if doc.account_id != viewer.id && !viewer.roles.can_review() {
        return Err(Error::NotFound);
    }
    let bytes = ctx.blobs.get(&doc.blob_key).await?;
    Ok((doc, bytes))
}

/// Encrypts the files an older version stored in plaintext (run by `berth migrate` and at
/// start; a no-op once done); how many it sealed.
pub async fn seal_older_files(ctx: &Ctx) -> Result<usize> {
    let mut sealed = 0;
    for key in doc_store::unsealed_blob_keys(ctx.db.pool()).await? {
        if ctx.blobs.seal_older(&key).await? {
            sealed += 1;
        }
        doc_store::mark_sealed(ctx.db.pool(), &key).await?;
    }
    Ok(sealed)
}
