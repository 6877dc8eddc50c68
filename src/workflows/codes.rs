//! One-time codes mailed to an address (activation, password reset): issuing and mailing
//! them, checking a typed code, and the limits around both. Wrong guesses are counted per
//! address and client across codes (`limits`), so asking for a new code gives no new guesses;
//! every answer is the same whether or not the address has an account.

use serde_json::json;

use super::{limits, Ctx, Error, Result};
use crate::audit::{self, NewEvent};
use crate::crypto::random_code;
use crate::domain::account::{AccountStatus, CodePurpose, Email, CODE_TTL_MS};
use crate::domain::client::Client;
use crate::domain::FieldError;
use crate::i18n::Lang;
use crate::mail;
use crate::store::accounts::{self as account_store, AccountRow};
use crate::store::Tx;
use crate::time_util::{now_ms, MINUTE_MS};

/// A double click on "send me a code" mails one code, not two: a code younger than this is
/// not replaced.
const RESEND_INTERVAL_MS: i64 = MINUTE_MS;

pub(super) fn mail_bucket(ctx: &Ctx, email: &str) -> limits::Bucket {
    ctx.bucket(
        ctx.limits.code_mails_per_address,
        "code/mail/address",
        email,
    )
}

/// Stores a fresh code (replacing any earlier one) and queues the mail that carries it.
pub(super) async fn send_code(
    ctx: &Ctx,
    tx: &mut Tx,
    account: &AccountRow,
    purpose: CodePurpose,
    lang: Lang,
) -> Result<()> {
    let code = random_code(6);
    let now = now_ms();
    let hash = ctx.key.keyed_hash(
        &code_hmac_purpose(purpose),
        code_material(&account.id, &code).as_bytes(),
    );
    account_store::put_code(
        tx,
        &account.id,
        purpose.as_str(),
        &hash,
        now,
        now + CODE_TTL_MS,
    )
    .await?;
    let kind = match purpose {
        CodePurpose::Activation => "activation_code",
        CodePurpose::PasswordReset => "password_reset_code",
    };
    mail::enqueue(
        tx,
        &ctx.key,
        kind,
        &account.email,
        lang,
        &[("code", &code), ("minutes", "15")],
    )
    .await?;
    audit::append(
        tx,
        NewEvent::new(&account.id, &format!("account.{kind}_sent"), &account.id),
    )
    .await?;
    Ok(())
}

fn code_hmac_purpose(purpose: CodePurpose) -> String {
    format!("code/{}", purpose.as_str())
}

fn code_material(account_id: &str, code: &str) -> String {
    format!("{account_id}:{code}")
}

/// The buckets that count wrong codes of `purpose` typed for `email` by `client`: the pair, the
/// address (from every client), and the client (for every address and purpose). They outlive
/// any one code, so asking for a new code gives no new guesses.
pub(super) fn code_guess_buckets(
    ctx: &Ctx,
    purpose: CodePurpose,
    email: &str,
    client: &Client,
) -> [limits::Bucket; 3] {
    let l = &ctx.limits;
    let p = purpose.as_str();
    [
        ctx.pair_bucket(
            l.code_guesses_per_pair,
            &format!("code/{p}/pair"),
            email,
            client,
        ),
        ctx.bucket(
            l.code_guesses_per_address,
            &format!("code/{p}/address"),
            email,
        ),
        ctx.client_bucket(l.code_guesses_per_client, "code/client", client),
    ]
}

/// Refuses at once when the buckets are spent (before anything is looked up); a refusal seen
/// moments ago is repeated without a query.
pub(super) async fn ensure_guesses_left(ctx: &Ctx, buckets: &[limits::Bucket; 3]) -> Result<()> {
    if let Some(st) = limits::remembered_refusal(ctx, &buckets.each_ref()) {
        return Err(st.refused());
    }
    let st = limits::standing(ctx, &buckets.each_ref()).await?;
    if st.is_blocked() {
        return Err(st.refused());
    }
    Ok(())
}

/// Whether `typed` is the live code of `purpose` for `account` (the hash of the code it matched,
/// so a later transaction can check that it is still the same code).
pub(super) async fn live_code_matching<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    ctx: &Ctx,
    ex: E,
    account: Option<&AccountRow>,
    purpose: CodePurpose,
    typed: &str,
) -> Result<Option<String>> {
    let Some(account) = account else {
        return Ok(None);
    };
    let Some(stored) = account_store::get_code(ex, &account.id, purpose.as_str()).await? else {
        return Ok(None);
    };
    let matches = stored.expires_at > now_ms()
        && ctx.key.keyed_hash_matches(
            &code_hmac_purpose(purpose),
            code_material(&account.id, typed).as_bytes(),
            &stored.code_hash,
        );
    Ok(matches.then_some(stored.code_hash))
}

/// Uses up the code matched earlier, which must still be the live one (a concurrent request may
/// have used it meanwhile), and ends the pair's count of wrong guesses.
pub(super) async fn consume_code(
    tx: &mut Tx,
    account: &AccountRow,
    purpose: CodePurpose,
    matched_hash: &str,
    buckets: &[limits::Bucket; 3],
) -> Result<()> {
    let still = account_store::get_code(&mut **tx, &account.id, purpose.as_str())
        .await?
        .is_some_and(|c| c.code_hash == matched_hash && c.expires_at > now_ms());
    if !still {
        return Err(Error::Validation(vec![FieldError::new(
            "code",
            "code_wrong",
        )
        .with("attempts_left", 0)]));
    }
    account_store::delete_code(tx, &account.id, purpose.as_str()).await?;
    limits::forget(tx, &buckets[0]).await?;
    Ok(())
}

/// A wrong (or expired, or nobody's) code: the guess is spent from every bucket and audited in
/// one transaction, and the answer says how many tries are left — the same answer whether or
/// not the address has an account.
pub(super) async fn wrong_code(
    ctx: &Ctx,
    buckets: &[limits::Bucket; 3],
    purpose: CodePurpose,
    email: &Email,
    account_id: Option<&str>,
) -> Result<Error> {
    let mut tx = ctx.db.begin_write().await?;
    let st = limits::spend(&mut tx, &buckets.each_ref()).await?;
    let subject = account_id.map_or_else(|| format!("email:{}", email.as_str()), str::to_string);
    audit::append(
        &mut tx,
        NewEvent::new(
            audit::ANONYMOUS,
            &format!("account.{}_code_rejected", purpose.as_str()),
            &subject,
        )
        .detail(json!({"attempts_left": st.left})),
    )
    .await?;
    tx.commit().await?;
    Ok(Error::Validation(vec![FieldError::new(
        "code",
        "code_wrong",
    )
    .with("attempts_left", st.left)]))
}

/// Asks for a code by mail. The answer is the same, after the same work, whatever the address:
/// the mail budgets of the address and the client are counted (and may refuse) for every address
/// alike, and whether a code is mailed at all is decided after the answer.
pub(super) async fn request_code(
    ctx: &Ctx,
    purpose: CodePurpose,
    email: Option<&str>,
    client: &Client,
) -> Result<()> {
    let email = match email.map(Email::parse) {
        Some(Ok(e)) => e,
        Some(Err(code)) => return Err(Error::field("email", code)),
        None => return Err(Error::field("email", "required")),
    };
    let by_client = ctx.client_bucket(ctx.limits.code_mails_per_client, "code/mail/client", client);
    limits::take(ctx, &[&mail_bucket(ctx, email.as_str()), &by_client]).await?;
    let ctx = ctx.clone();
    tokio::spawn(async move {
        if let Err(e) = mail_code_if_due(&ctx, purpose, &email).await {
            tracing::warn!(error = %e, purpose = purpose.as_str(), "a requested code was not mailed");
        }
    });
    Ok(())
}

async fn mail_code_if_due(ctx: &Ctx, purpose: CodePurpose, email: &Email) -> Result<()> {
    let mut tx = ctx.db.begin_write().await?;
    let Some(row) = account_store::find_by_email(&mut *tx, email.as_str()).await? else {
        return Ok(());
    };
    let eligible = match purpose {
        CodePurpose::Activation => row.status == AccountStatus::PendingActivation.as_str(),
        CodePurpose::PasswordReset => row.status != AccountStatus::Disabled.as_str(),
    };
    if !eligible {
        return Ok(());
    }
    if let Some(code) = account_store::get_code(&mut *tx, &row.id, purpose.as_str()).await? {
        if code.created_at + RESEND_INTERVAL_MS > now_ms() {
            return Ok(());
        }
    }
    let lang = Lang::from_tag(&row.lang).unwrap_or_default();
    send_code(ctx, &mut tx, &row, purpose, lang).await?;
    tx.commit().await?;
    ctx.mail_committed();
    Ok(())
}
