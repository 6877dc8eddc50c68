//! What the verification and the application share when a draft is saved and, perhaps,
//! submitted in the same transaction.

use super::{Ctx, Result};
use crate::store::{Durability, Tx};

/// The transaction of a save: relaxed for a draft alone, durable when it submits too.
pub async fn begin_save(ctx: &Ctx, account_id: &str, then_submit: bool) -> Result<Tx> {
    let durability = if then_submit {
        Durability::Full
    } else {
        Durability::Relaxed
    };
    Ok(ctx.db.begin_for_account_as(account_id, durability).await?)
}

/// Commits a save; the draft stands whether or not its submission (`submitted`) was accepted,
/// and a refusal is handed back to say why it was not submitted.
pub async fn commit_save(
    ctx: &Ctx,
    tx: Tx,
    then_submit: bool,
    submitted: Result<()>,
) -> Result<()> {
    tx.commit().await?;
    if then_submit {
        ctx.mail_committed();
    }
    submitted
}
