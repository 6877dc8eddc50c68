//! Telling an account holder: a message in the account's language, queued in the transaction
//! of the change it reports (delivered by the mail worker once that commits).

use super::accounts::AccountView;
use super::{Ctx, Result};
use crate::mail::{self, MailKind};
use crate::store::Tx;

/// Queues `kind` to `account`, in its language, in `tx`.
pub async fn mail_account(
    ctx: &Ctx,
    tx: &mut Tx,
    kind: MailKind,
    account: &AccountView,
    params: &[(&str, &str)],
) -> Result<()> {
    Ok(mail::enqueue(tx, &ctx.key, kind, &account.email, account.lang, params).await?)
}
