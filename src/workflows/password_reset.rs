//! Resetting a forgotten password with a mailed code.

use serde_json::json;

use super::accounts::parse_password;
use super::codes::{judge_code, request_code};
use super::{Ctx, Error, Result};
use crate::domain::account::{parse_code, AccountStatus, CodePurpose, Email};
use crate::domain::audit::NewEvent;
use crate::domain::client::Client;
use crate::domain::FieldErrors;
use crate::i18n::Lang;
use crate::mail;
use crate::store::accounts as account_store;
use crate::store::{self, sessions};
use crate::time_util::now_ms;

/// Mails a password-reset code when the address belongs to an account that may sign in.
pub async fn request_password_reset(ctx: &Ctx, email: Option<&str>, client: &Client) -> Result<()> {
    request_code(ctx, CodePurpose::PasswordReset, email, client).await
}

/// Sets a new password with the mailed code; ends every session of the account. The code proves
/// the address, so a pending account is activated too. The code is checked before the new
/// password is hashed: a guesser costs no hashing.
#[tracing::instrument(name = "password_reset::confirm_password_reset", skip_all)]
pub async fn confirm_password_reset(
    ctx: &Ctx,
    email: Option<&str>,
    code: Option<&str>,
    new_password: Option<&str>,
    repeated: Option<&str>,
    client: &Client,
) -> Result<()> {
    let mut errors = FieldErrors::default();
    let email = errors.require("email", email, Email::parse);
    let code = errors.require("code", code, parse_code);
    let password = parse_password(&mut errors, "new_password", new_password);
    // The pages ask for it twice: a mismatch is named with the other errors.
    if repeated.is_some_and(|r| Some(r) != new_password) {
        errors.push(crate::domain::FieldError::new(
            "password_confirm",
            "password_mismatch",
        ));
    }
    errors.into_result().map_err(Error::Validation)?;
    let (Some(email), Some(code), Some(password)) = (email, code, password) else {
        return Err(Error::Internal("validated fields missing".into()));
    };
    let right = judge_code(ctx, CodePurpose::PasswordReset, &email, &code, client).await?;
    let row = &right.account;
    // Busy here leaves the code and the budgets as they were: the person may simply try again.
    let new_hash = match ctx.hasher.hash(password, Some(client)).await {
        Ok(h) => h,
        Err(e) => {
            right.not_used(ctx).await?;
            return Err(e);
        }
    };
    let mut tx = ctx.db.begin_for_account(&row.id).await?;
    right.use_up(&mut tx).await?;
    account_store::set_password_hash(&mut tx, &row.id, &new_hash).await?;
    if row.status == AccountStatus::PendingActivation.as_str() {
        account_store::set_active(&mut tx, &row.id, now_ms()).await?;
        store::audit::append(
            &mut tx,
            NewEvent::new(&row.id, "account.activated", &row.id),
        )
        .await?;
    }
    let ended = sessions::delete_for_account(&mut tx, &row.id).await?;
    // A reset is how an account is taken back: a token made by whoever knew the old password
    // would otherwise outlive it.
    let revoked = store::api_tokens::revoke_all_of(&mut tx, &row.id, now_ms()).await?;
    store::audit::append(
        &mut tx,
        NewEvent::new(&row.id, "account.password_changed", &row.id).detail(json!({
            "sessions_ended": ended, "api_tokens_revoked": revoked, "via": "reset_code"
        })),
    )
    .await?;
    let lang = Lang::from_tag(&row.lang).unwrap_or_default();
    mail::enqueue(
        &mut tx,
        &ctx.key,
        mail::MailKind::PasswordChanged,
        &row.email,
        lang,
        &[],
    )
    .await?;
    tx.commit().await?;
    ctx.mail_committed();
    Ok(())
}
