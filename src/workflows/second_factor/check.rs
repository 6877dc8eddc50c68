//! Checking a second-factor code: the second step of a log-in (`open_challenge`,
//! `complete_login`), the fresh check before a sensitive action (`step_up`), and the budgets of
//! wrong codes they share, per account and client, across challenges.

use serde_json::json;

use crate::crypto::{random_token, sha256_hex};
use crate::domain::audit::{self, NewEvent};
use crate::domain::client::Client;
use crate::domain::second_factor::{self as sf, Code, CHALLENGE_TTL_MS};
use crate::domain::FieldError;
use crate::mail;
use crate::store::accounts as account_store;
use crate::store::audit::append as append_event;
use crate::store::second_factor::{self as store, FactorRow};
use crate::store::{sessions, Tx};
use crate::workflows::limits::{Guess, GuessBudgets};
use crate::workflows::sessions::{NewSession, SessionView};
use crate::workflows::{limits, Ctx, Error, Result};

pub(super) fn secret_context(account_id: &str) -> String {
    format!("second_factors.secret:{account_id}")
}

pub(super) fn recovery_hash(ctx: &Ctx, account_id: &str, code: &str) -> String {
    ctx.key
        .keyed_hash("recovery-code", format!("{account_id}:{code}").as_bytes())
}

/// A right password for an account with a second factor: the challenge the client answers with
/// a code (`complete_login`).
pub async fn open_challenge(
    ctx: &Ctx,
    tx: &mut Tx,
    account_id: &str,
    replaces: Option<&str>,
) -> Result<(String, i64)> {
    let challenge = random_token();
    let now = ctx.clock.now_ms();
    let expires_at = now + CHALLENGE_TTL_MS;
    store::put_challenge(
        tx,
        &sha256_hex(challenge.as_bytes()),
        account_id,
        replaces,
        now,
        expires_at,
    )
    .await?;
    Ok((challenge, expires_at))
}

/// The second step of a log-in: the challenge and a code (from the app, or a recovery code).
#[tracing::instrument(name = "second_factor::complete_login", skip_all)]
pub async fn complete_login(
    ctx: &Ctx,
    challenge: Option<&str>,
    code: Option<&str>,
    client: &Client,
) -> Result<NewSession> {
    let mut errors = Vec::new();
    if challenge.is_none_or(|c| c.trim().is_empty()) {
        errors.push(FieldError::new("challenge", "required"));
    }
    let code = match code.map(sf::parse_code) {
        Some(Ok(c)) => Some(c),
        Some(Err(e)) => {
            errors.push(FieldError::new("code", e));
            None
        }
        None => {
            errors.push(FieldError::new("code", "required"));
            None
        }
    };
    let (Some(challenge), Some(code)) = (challenge, code) else {
        return Err(Error::Validation(errors));
    };
    let hash = sha256_hex(challenge.trim().as_bytes());
    let now = ctx.clock.now_ms();
    let Some(open) = store::get_challenge(ctx.db.pool(), &hash)
        .await?
        .filter(|c| c.expires_at > now)
    else {
        return Err(Error::field("challenge", "challenge_expired"));
    };
    let account = account_store::find_by_id(ctx.db.pool(), &open.account_id)
        .await?
        .ok_or(Error::Unauthenticated)?;
    let lang = crate::i18n::Lang::from_tag(&account.lang).unwrap_or_default();
    let (mut tx, how) = spend_checked(
        ctx,
        (&account.id, &account.email, lang),
        &code,
        client,
        "session.second_factor_rejected",
    )
    .await?;
    if !store::take_challenge(&mut tx, &hash).await? {
        return Err(Error::field("challenge", "challenge_expired"));
    }
    if let Some(old) = &open.replaces {
        sessions::delete(&mut tx, old).await?;
    }
    let session =
        crate::workflows::sessions::start_session(ctx, &mut tx, &account, client, Some(now))
            .await?;
    append_event(
        &mut tx,
        NewEvent::new(&account.id, "session.login_succeeded", &account.id)
            .detail(json!({"second_factor": how})),
    )
    .await?;
    tx.commit().await?;
    ctx.mail_committed();
    Ok(session)
}

/// A fresh second-factor check of a signed-in session, before a sensitive action.
#[tracing::instrument(name = "second_factor::step_up", skip_all, fields(account = %session.account.id))]
pub async fn step_up(
    ctx: &Ctx,
    session: &SessionView,
    code: Option<&str>,
    client: &Client,
) -> Result<i64> {
    let account = &session.account;
    let code = parse(code)?;
    if !session.enrolled {
        return Err(Error::SecondFactorEnrolmentRequired);
    }
    let (mut tx, how) = spend_checked(
        ctx,
        (&account.id, &account.email, account.lang),
        &code,
        client,
        "session.step_up_rejected",
    )
    .await?;
    let now = ctx.clock.now_ms();
    sessions::mark_second_factor(&mut tx, &session.token_hash, now).await?;
    append_event(
        &mut tx,
        NewEvent::new(&account.id, "session.step_up", &account.id)
            .detail(json!({"second_factor": how})),
    )
    .await?;
    tx.commit().await?;
    ctx.mail_committed();
    Ok(now)
}

/// Checks a code against the account's factor, within its limits: a transaction (holding the
/// account's lock) in which the code is spent, and how it was passed (`totp`, `recovery_code`;
/// a recovery code's use is mailed in it). A wrong code is counted and refused.
async fn spend_checked(
    ctx: &Ctx,
    (account_id, email, lang): (&str, &str, crate::i18n::Lang),
    code: &Code,
    client: &Client,
    rejected: &str,
) -> Result<(Tx, &'static str)> {
    let factor = store::get(ctx.db.pool(), account_id)
        .await?
        .filter(|f| f.confirmed_at.is_some())
        .ok_or(Error::SecondFactorEnrolmentRequired)?;
    let budgets = guess_budgets(ctx, account_id, client);
    let guess = admit(ctx, &budgets, account_id, client).await?;
    let mut tx = ctx.db.begin_for_account(account_id).await?;
    let Some(how) = spend_code(ctx, &mut tx, &factor, email, code).await? else {
        drop(tx);
        return Err(wrong(ctx, guess, account_id, rejected).await?);
    };
    guess.was_right(&mut tx, &budgets).await?;
    if how == "recovery_code" {
        mail::enqueue(
            &mut tx,
            &ctx.key,
            mail::MailKind::RecoveryCodeUsed,
            email,
            lang,
            &[],
        )
        .await?;
    }
    Ok((tx, how))
}

/// A sensitive action's check: with a code, a step-up now; without, whether the session passed
/// its second factor recently enough.
pub async fn fresh_or_step_up(
    ctx: &Ctx,
    session: &SessionView,
    code: Option<&str>,
    client: &Client,
) -> Result<bool> {
    match code.map(str::trim).filter(|c| !c.is_empty()) {
        Some(code) => match step_up(ctx, session, Some(code), client).await {
            Ok(_) => Ok(true),
            // The action's form names the code `second_factor_code`.
            Err(Error::Validation(fields)) => Err(Error::Validation(
                fields
                    .into_iter()
                    .map(|mut f| {
                        if f.field == "code" {
                            f.field = "second_factor_code".into();
                        }
                        f
                    })
                    .collect(),
            )),
            Err(e) => Err(e),
        },
        None => Ok(is_fresh(ctx, session)),
    }
}

/// Whether the session passed its second factor recently enough for a sensitive action.
pub fn is_fresh(ctx: &Ctx, session: &SessionView) -> bool {
    session
        .second_factor_at
        .is_some_and(|at| ctx.clock.now_ms() - at <= sf::STEP_UP_MS)
}

pub(super) fn parse(code: Option<&str>) -> Result<Code> {
    match code.map(sf::parse_code) {
        Some(Ok(c)) => Ok(c),
        Some(Err(e)) => Err(Error::field("code", e)),
        None => Err(Error::field("code", "required")),
    }
}

/// The TOTP step `code` matches at the clock's time, newer than the last one used.
pub(super) fn totp_step(
    ctx: &Ctx,
    factor: &FactorRow,
    email: &str,
    code: &str,
) -> Result<Option<u64>> {
    let secret = ctx
        .key
        .decrypt(&secret_context(&factor.account_id), &factor.secret_enc)
        .map_err(|e| Error::Internal(format!("second factor secret: {e}")))?;
    let totp = sf::totp(secret.to_vec(), email).map_err(Error::Internal)?;
    let now_secs = u64::try_from(ctx.clock.now_ms() / 1000).unwrap_or(0);
    let last = u64::try_from(factor.last_step).unwrap_or(0);
    Ok(sf::matching_step(&totp, code, now_secs, last))
}

/// Uses a code in `tx`: a TOTP code moves the last step on, a recovery code is used up. `None`
/// when the code is not good (wrong, used, or used by a concurrent request first).
pub(super) async fn spend_code(
    ctx: &Ctx,
    tx: &mut Tx,
    factor: &FactorRow,
    email: &str,
    code: &Code,
) -> Result<Option<&'static str>> {
    match code {
        Code::Totp(c) => match totp_step(ctx, factor, email, c)? {
            Some(step) if store::advance_step(tx, &factor.account_id, step as i64).await? => {
                Ok(Some("totp"))
            }
            _ => Ok(None),
        },
        Code::Recovery(c) => {
            let hash = recovery_hash(ctx, &factor.account_id, c);
            let used =
                store::use_recovery_code(tx, &factor.account_id, &hash, ctx.clock.now_ms()).await?;
            Ok(used.then_some("recovery_code"))
        }
    }
}

/// The budgets a second-factor code counts against: per account and client, per client (any
/// account, with the mailed codes), per account from every client.
pub(super) fn guess_budgets(ctx: &Ctx, account_id: &str, client: &Client) -> GuessBudgets {
    let l = &ctx.limits;
    GuessBudgets {
        pair: ctx.pair_bucket(
            l.code_guesses_per_pair,
            "code/second_factor/pair",
            account_id,
            client,
        ),
        client: ctx.client_bucket(l.code_guesses_per_client, "code/client", client),
        subject: ctx.bucket(
            l.code_guesses_per_address,
            "code/second_factor/account",
            account_id,
        ),
    }
}

/// Counts a code before it is judged; once strangers have spent the account's budget, a client
/// the account signed in from may still try.
pub(super) async fn admit(
    ctx: &Ctx,
    budgets: &GuessBudgets,
    account_id: &str,
    client: &Client,
) -> Result<Guess> {
    budgets
        .admit(ctx, async |tx| {
            limits::is_known_client(ctx, tx, account_id, client).await
        })
        .await
}

/// A wrong code, already counted: audited, and refused with the tries left.
pub(super) async fn wrong(
    ctx: &Ctx,
    guess: Guess,
    account_id: &str,
    action: &str,
) -> Result<Error> {
    let mut tx = ctx.db.begin_write_relaxed().await?;
    append_event(
        &mut tx,
        NewEvent::new(audit::ANONYMOUS, action, account_id)
            .detail(json!({"attempts_left": guess.left})),
    )
    .await?;
    tx.commit().await?;
    Ok(Error::Validation(vec![FieldError::new(
        "code",
        "second_factor_wrong",
    )
    .with("attempts_left", guess.left)]))
}
