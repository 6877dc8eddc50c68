//! One-time codes mailed to an address (activation, password reset): issuing and mailing
//! them, checking a typed code, and the limits around both. Wrong guesses are counted per
//! address and client across codes (`limits`), so asking for a new code gives no new guesses;
//! every answer is the same whether or not the address has an account.

use serde_json::json;

use super::limits::{self, Guess, GuessBudgets};
use super::{Ctx, Error, Result};
use crate::crypto::random_code;
use crate::domain::account::{AccountStatus, CodePurpose, Email, CODE_TTL_MS};
use crate::domain::audit::{self, NewEvent};
use crate::domain::client::Client;
use crate::domain::FieldError;
use crate::i18n::Lang;
use crate::mail;
use crate::store;
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
    requester: &Client,
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
        &limits::client_key(ctx, &account.id, requester),
    )
    .await?;
    let kind = match purpose {
        CodePurpose::Activation => mail::MailKind::ActivationCode,
        CodePurpose::PasswordReset => mail::MailKind::PasswordResetCode,
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
    store::audit::append(
        tx,
        NewEvent::new(
            &account.id,
            &format!("account.{}_sent", kind.name()),
            &account.id,
        ),
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

/// The budgets a typed code of `purpose` for `email` from `client` counts against: the pair, the
/// client (any address and purpose), and the address (every client). They outlive any one code,
/// so asking for a new code gives no new guesses.
fn code_budgets(ctx: &Ctx, purpose: CodePurpose, email: &str, client: &Client) -> GuessBudgets {
    let l = &ctx.limits;
    let p = purpose.as_str();
    GuessBudgets {
        pair: ctx.pair_bucket(
            l.code_guesses_per_pair,
            &format!("code/{p}/pair"),
            email,
            client,
        ),
        client: ctx.client_bucket(l.code_guesses_per_client, "code/client", client),
        subject: ctx.bucket(
            l.code_guesses_per_address,
            &format!("code/{p}/address"),
            email,
        ),
    }
}

/// A code that was right, not yet used up.
pub(super) struct RightCode {
    pub account: AccountRow,
    purpose: CodePurpose,
    matched_hash: String,
    guess: Guess,
    budgets: GuessBudgets,
}

/// Judges a code typed for `email`, within its limits: counted before it is judged, so that
/// parallel guesses cannot outrun the budgets. While strangers have spent the address's budget,
/// the client that asked for the code, or one its owner signed in from, may still type it. A
/// wrong, expired or nobody's code is audited and refused with the tries left — the same answer,
/// after the same work, whether or not the address has an account that may use `purpose`.
pub(super) async fn judge_code(
    ctx: &Ctx,
    purpose: CodePurpose,
    email: &Email,
    typed: &str,
    client: &Client,
) -> Result<RightCode> {
    let budgets = code_budgets(ctx, purpose, email.as_str(), client);
    let account = account_store::find_by_email(ctx.db.pool(), email.as_str())
        .await?
        .filter(|r| may_use(r, purpose));
    let stored = match &account {
        Some(a) => account_store::get_code(ctx.db.pool(), &a.id, purpose.as_str()).await?,
        None => None,
    };
    let guess = budgets
        .admit(ctx, async |tx| {
            let Some(a) = &account else {
                return Ok(false);
            };
            let here = limits::client_key(ctx, &a.id, client);
            if stored
                .as_ref()
                .is_some_and(|c| c.requester_key.as_deref() == Some(here.as_str()))
            {
                return Ok(true);
            }
            limits::is_known_client(ctx, tx, &a.id, client).await
        })
        .await?;
    let matched = match (&account, &stored) {
        (Some(a), Some(c)) => {
            c.expires_at > now_ms()
                && ctx.key.keyed_hash_matches(
                    &code_hmac_purpose(purpose),
                    code_material(&a.id, typed).as_bytes(),
                    &c.code_hash,
                )
        }
        _ => false,
    };
    match (account, stored) {
        (Some(account), Some(stored)) if matched => Ok(RightCode {
            account,
            purpose,
            matched_hash: stored.code_hash,
            guess,
            budgets,
        }),
        (account, _) => {
            let subject = account.as_ref().map_or_else(
                || super::audit_log::address_subject(ctx, email.as_str()),
                |a| a.id.clone(),
            );
            let mut tx = ctx.db.begin_write_relaxed().await?;
            store::audit::append(
                &mut tx,
                NewEvent::new(
                    audit::ANONYMOUS,
                    &format!("account.{}_code_rejected", purpose.as_str()),
                    &subject,
                )
                .detail(json!({"attempts_left": guess.left})),
            )
            .await?;
            tx.commit().await?;
            Err(Error::Validation(vec![FieldError::new(
                "code",
                "code_wrong",
            )
            .with("attempts_left", guess.left)]))
        }
    }
}

/// Which accounts a code of `purpose` is for.
fn may_use(account: &AccountRow, purpose: CodePurpose) -> bool {
    match purpose {
        CodePurpose::Activation => account.status == AccountStatus::PendingActivation.as_str(),
        CodePurpose::PasswordReset => account.status != AccountStatus::Disabled.as_str(),
    }
}

impl RightCode {
    /// The code could not be used now (the server was busy): the guess is given back and the
    /// code stays, so the person may simply try again.
    pub(super) async fn not_used(&self, ctx: &Ctx) -> Result<()> {
        self.guess.not_judged(ctx, &self.budgets).await
    }

    /// Uses the code up in `tx` — it must still be the live one: a concurrent request may have
    /// used it meanwhile — and gives the guess back.
    pub(super) async fn use_up(&self, tx: &mut Tx) -> Result<()> {
        let id = &self.account.id;
        let still = account_store::get_code(&mut **tx, id, self.purpose.as_str())
            .await?
            .is_some_and(|c| c.code_hash == self.matched_hash && c.expires_at > now_ms());
        if !still {
            return Err(Error::Validation(vec![FieldError::new(
                "code",
                "code_wrong",
            )
            .with("attempts_left", self.guess.left)]));
        }
        account_store::delete_code(tx, id, self.purpose.as_str()).await?;
        self.guess.was_right(tx, &self.budgets).await
    }
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
    let client = *client;
    tokio::spawn(async move {
        if let Err(e) = mail_code_if_due(&ctx, purpose, &email, &client).await {
            tracing::warn!(error = %e, purpose = purpose.as_str(), "a requested code was not mailed");
        }
    });
    Ok(())
}

async fn mail_code_if_due(
    ctx: &Ctx,
    purpose: CodePurpose,
    email: &Email,
    client: &Client,
) -> Result<()> {
    let mut tx = ctx.db.begin_write().await?;
    let Some(row) = account_store::find_by_email(&mut *tx, email.as_str()).await? else {
        return Ok(());
    };
    if !may_use(&row, purpose) {
        return Ok(());
    }
    if let Some(code) = account_store::get_code(&mut *tx, &row.id, purpose.as_str()).await? {
        if code.created_at + RESEND_INTERVAL_MS > now_ms() {
            return Ok(());
        }
    }
    let lang = Lang::from_tag(&row.lang).unwrap_or_default();
    send_code(ctx, &mut tx, &row, purpose, lang, client).await?;
    tx.commit().await?;
    ctx.mail_committed();
    Ok(())
}
