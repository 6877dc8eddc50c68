//! Logging in with a password: the budgets of wrong passwords, then a session, or the second
//! factor's challenge for an account that has one.

use serde_json::json;

use super::sessions::{start_session, NewSession};
use super::{limits, second_factor, Ctx, Error, Result};
use crate::domain::account::{AccountStatus, Email};
use crate::domain::audit::{self, NewEvent};
use crate::domain::client::Client;
use crate::domain::{FieldError, FieldErrors};
use crate::store::accounts as account_store;
use crate::store::{self, sessions};

/// What a right password leads to.
pub enum LoginOutcome {
    SignedIn(NewSession),
    /// The account has a second factor: answer `challenge` with a code within five minutes.
    SecondFactorRequired {
        challenge: String,
        expires_at: i64,
    },
}

/// The budgets a password counts against: the address with this client, the client with any
/// address (spraying), and the address from every client.
fn login_budgets(ctx: &Ctx, email: &str, client: &Client) -> limits::GuessBudgets {
    let l = &ctx.limits;
    limits::GuessBudgets {
        pair: ctx.pair_bucket(l.login_failures_per_pair, "login/pair", email, client),
        client: ctx.client_bucket(l.login_failures_per_client, "login/client", client),
        subject: ctx.bucket(l.login_failures_per_address, "login/address", email),
    }
}

/// Logs in; `replaces` is the hash of a session the client already had, which is ended (at once,
/// or once the second factor is passed).
///
/// Before any hashing: a pair (address, client) or a client past its failures waits; an
/// address past its failures from everywhere is open only to clients that signed in to it
/// recently, so a stranger can slow an account down but not lock its owner out.
#[tracing::instrument(name = "login::login", skip_all)]
pub async fn login(
    ctx: &Ctx,
    email: Option<&str>,
    password: Option<&str>,
    replaces: Option<&str>,
    client: &Client,
) -> Result<LoginOutcome> {
    let mut errors = FieldErrors::default();
    let email = errors.require("email", email, Email::parse);
    if password.is_none_or(str::is_empty) {
        errors.push(FieldError::new("password", "required"));
    }
    errors.into_result().map_err(Error::Validation)?;
    let (Some(email), Some(password)) = (email, password) else {
        return Err(Error::Internal("validated fields missing".into()));
    };
    ctx.hasher.ensure_room()?;
    let budgets = login_budgets(ctx, email.as_str(), client);
    let row = account_store::find_by_email(ctx.db.pool(), email.as_str()).await?;
    // Counted before the hash: parallel guesses cannot outrun the budgets. Past the address's
    // budget only clients the owner signed in from may try: strangers cannot lock them out.
    let guess = budgets
        .admit(ctx, async |tx| match &row {
            Some(r) => limits::is_known_client(ctx, tx, &r.id, client).await,
            None => Ok(false),
        })
        .await?;
    let ok = match ctx
        .hasher
        .verify(
            password,
            row.as_ref().map(|r| r.password_hash.clone()),
            client,
        )
        .await
    {
        Ok(ok) => ok,
        Err(e) => {
            // Not judged (busy): it does not count.
            guess.not_judged(ctx, &budgets).await?;
            return Err(e);
        }
    };
    let Some(row) = row.clone().filter(|_| ok) else {
        // The failure was counted already; its audit event may skip the fsync.
        let mut tx = ctx.db.begin_write_relaxed().await?;
        store::audit::append(
            &mut tx,
            NewEvent::new(
                audit::ANONYMOUS,
                "session.login_failed",
                &match &row {
                    Some(r) => r.id.clone(),
                    None => super::audit_log::address_subject(ctx, email.as_str()),
                },
            ),
        )
        .await?;
        tx.commit().await?;
        return Err(Error::InvalidCredentials);
    };
    let mut tx = ctx.db.begin_write().await?;
    // The right password: it does not count against the budgets.
    guess.was_right(&mut tx, &budgets).await?;
    match AccountStatus::parse(&row.status) {
        Some(AccountStatus::Active) => {}
        other => {
            tx.commit().await?;
            return Err(if other == Some(AccountStatus::PendingActivation) {
                Error::NotActivated
            } else {
                Error::AccountDisabled
            });
        }
    }
    if second_factor::is_enrolled(ctx, &row.id).await? {
        let (challenge, expires_at) =
            second_factor::open_challenge(ctx, &mut tx, &row.id, replaces).await?;
        store::audit::append(
            &mut tx,
            NewEvent::new(&row.id, "session.password_accepted", &row.id)
                .detail(json!({"second_factor": "required"})),
        )
        .await?;
        tx.commit().await?;
        return Ok(LoginOutcome::SecondFactorRequired {
            challenge,
            expires_at,
        });
    }
    if let Some(old) = replaces {
        sessions::delete(&mut tx, old).await?;
    }
    let session = start_session(ctx, &mut tx, &row, client, None).await?;
    store::audit::append(
        &mut tx,
        NewEvent::new(&row.id, "session.login_succeeded", &row.id),
    )
    .await?;
    tx.commit().await?;
    Ok(LoginOutcome::SignedIn(session))
}
