//! A product's icons as its owner reads them (any revision, also one not yet reviewed).

use super::accounts::AccountView;
use super::{Ctx, Error, Result};
use crate::store;
use crate::store::products as product_store;

/// An icon of the owner's product (any revision), for the provider backend.
pub async fn icon(
    ctx: &Ctx,
    account: &AccountView,
    id: &str,
    document: &str,
) -> Result<(String, Vec<u8>)> {
    let p = product_store::get(ctx.db.pool(), id)
        .await?
        .filter(|p| p.account_id == account.id)
        .ok_or(Error::NotFound)?;
    let doc = store::documents::get_document(ctx.db.pool(), document)
        .await?
        .filter(|d| d.account_id == p.account_id && d.kind == "product_icon")
        .ok_or(Error::NotFound)?;
    Ok((
        doc.content_type.clone(),
        ctx.blobs.get(&doc.blob_key).await?,
    ))
}
