//! Downloading an uploaded document: its owner and operators only; anyone else gets "not found".

use super::accounts::AccountView;
use super::{Ctx, Error, Result};
use crate::store::enterprise::{self as ent_store, DocumentRow};

pub async fn download(ctx: &Ctx, viewer: &AccountView, id: &str) -> Result<(DocumentRow, Vec<u8>)> {
    let doc = ent_store::get_document(ctx.db.pool(), id)
        .await?
        .ok_or(Error::NotFound)?;
    if doc.account_id != viewer.id && !viewer.roles.can_review() {
        return Err(Error::NotFound);
    }
    let bytes = ctx.blobs.get(&doc.blob_key).await?;
    Ok((doc, bytes))
}
